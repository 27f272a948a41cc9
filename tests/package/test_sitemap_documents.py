"""A sitemap item's `document:` serves its URL from that file, in `fastn serve` and in
`fastn build`, and the page sees itself at that URL (sitemap and document processors)."""

from __future__ import annotations

from pathlib import Path

import pytest

from fastn.check import check_package
from fastn.package.config import load_package
from fastn.package.resolver import PackageModules
from fastn.package.routes import DocumentRoute, Router

FASTN_FTD = """\
-- fastn.package: site

-- fastn.sitemap:

# Home: /
- Design: /design/
  document: features/design.ftd
- Guide: /guide/-/intro/
  document: docs/guide.ftd
- Again: /again/
  document: /features/design/
- Broken: /broken/
  document: nowhere.ftd

# Plain: /plain/
"""

# shows what the processors see of the page it is rendered for
PAGE = """\
-- import: fastn/processors as pr

-- string id:
$processor$: pr.document-id

-- optional string suffix:
$processor$: pr.document-suffix

-- string name:
$processor$: pr.document-name

-- pr.sitemap-data sm:
$processor$: pr.sitemap

-- string label: a module of the sitemap's document

-- ftd.text: $id
-- ftd.text: $name
-- ftd.text: $suffix
-- ftd.text: $sm.current-page.title
"""

FILES = {
    "index.ftd": "-- ftd.text: home\n",
    "features/design.ftd": PAGE,
    "docs/guide.ftd": PAGE,
    "plain.ftd": PAGE,
    "broken.ftd": "-- ftd.text: the broken entry's own URL\n",
    "uses-url.ftd": "-- import: site/design as d\n\n-- ftd.text: $d.label\n",
    "again.ftd": "-- string label: the module's own file\n",
}


@pytest.fixture(scope="module")
def package(package_folder) -> Path:
    return package_folder(FASTN_FTD, FILES)


def test_router_serves_sitemap_urls_from_their_documents(package: Path) -> None:
    router = Router(load_package(package))
    assert router.resolve("/design/") == DocumentRoute("features/design", page_id="/design/")
    assert router.resolve("/design") == DocumentRoute("features/design", page_id="/design/")
    assert router.resolve("/again/") == DocumentRoute("features/design", page_id="/again/")
    # the file keeps its own URL too
    assert router.resolve("/features/design/") == DocumentRoute("features/design")
    assert router.resolve("/guide/-/intro/") == DocumentRoute(
        "docs/guide", page_id="/guide/-/intro/"
    )
    # `/doc/-/suffix/` without a sitemap item: the document of `/doc/`
    assert router.resolve("/plain/-/more/") == DocumentRoute("plain", page_id="/plain/-/more/")
    # a `document:` naming no file: the URL is served as if the item had none
    assert router.resolve("/broken/") == DocumentRoute("broken")
    assert router.resolve("/nothing/-/more/") is None


def test_a_module_named_like_a_sitemap_url_is_its_document(package: Path) -> None:
    modules = PackageModules(load_package(package))
    assert modules.module_path("site/design") == package / "features/design.ftd"
    assert modules.module_path("site/plain") == package / "plain.ftd"
    # a module with a file of its own is that file, whatever URL the sitemap gives it
    assert modules.module_path("site/again") == package / "again.ftd"


def test_check_reports_a_document_that_is_not_there(package: Path) -> None:
    _, _, warnings = check_package(package)
    [warning] = [w for w in warnings if "nowhere.ftd" in str(w)]
    assert str(warning).endswith(
        "FASTN.ftd:12: sitemap item /broken/: `document: nowhere.ftd` is not a document of "
        "the package"
    )


def test_serve_renders_the_document_at_the_sitemap_url(package: Path, start_fastn, fetch) -> None:
    server = start_fastn(package)
    design = fetch(server.url + "/design/")
    assert design.status == 200
    body = design.body.decode()
    assert "/design/" in body and "features/design.ftd" in body
    assert ">Design<" in body  # the sitemap sees the page at /design/: its current page
    again = fetch(server.url + "/again/").body.decode()
    assert ">Again<" in again and ">Design<" not in again
    guide = fetch(server.url + "/guide/-/intro/").body.decode()
    assert ">/guide/<" in guide and ">intro/<" in guide and ">Guide<" in guide
    own = fetch(server.url + "/features/design/").body.decode()
    assert ">/features/design/<" in own and ">Design<" not in own
    assert "a module of the sitemap" in fetch(server.url + "/uses-url/").body.decode()


def test_build_writes_every_sitemap_url(package: Path, tmp_path: Path) -> None:
    import shutil

    from servers import run_fastn

    copy = shutil.copytree(package, tmp_path / "site")
    result = run_fastn(copy, "build")
    assert result.returncode == 0, result.stdout + result.stderr
    build = copy / ".build"
    design = (build / "design/index.html").read_text()
    assert ">/design/<" in design and ">Design<" in design
    assert ">Again<" in (build / "again/index.html").read_text()
    guide = (build / "guide/-/intro/index.html").read_text()
    assert ">intro/<" in guide and ">Guide<" in guide
    assert ">/features/design/<" in (build / "features/design/index.html").read_text()
    assert "the broken entry" in (build / "broken/index.html").read_text()


def test_urls_clients_invent_are_not_remembered(package: Path) -> None:
    """The router asks the sitemap for every request's URL: what it keeps is the sitemap's
    own URLs, however many others are asked for."""
    sitemap = load_package(package).sitemap
    assert sitemap.document_for("/design/") == "features/design.ftd"
    known = dict(sitemap._documents)
    for number in range(1000):
        assert sitemap.document_for(f"/invented/{number}/") is None
    assert sitemap._documents == known
