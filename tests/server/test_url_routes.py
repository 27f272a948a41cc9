"""URL → document/static file: fastn's URL scheme, dynamic URLs, and what is never served."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from fastn.package.config import DynamicUrl, Package
from fastn.package.routes import DocumentRoute, FileRoute, Router, document_url


@pytest.fixture
def router(tmp_path: Path) -> Router:
    root = tmp_path / "site"
    files = {
        "FASTN.ftd": "-- import: fastn\n",
        "index.ftd": "",
        "about.ftd": "",
        "docs/index.ftd": "",
        "docs/intro.ftd": "",
        "both.ftd": "",
        "both/index.ftd": "",
        "user/new.ftd": "",
        "profile.ftd": "",
        "logo.svg": "<svg/>",
        "data/report.json": "{}",
        ".env": "SECRET=1",
        ".git/config": "",
        ".packages/dep/index.ftd": "",
        "sub/.hidden.txt": "",
        "notes": "a file without extension",
        "_layout.ftd": "",
        "_parts/card.ftd": "",
        "_parts/index.ftd": "",
        "docs/_toc.ftd": "",
    }
    for name, content in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(content)
    (tmp_path / "outside.txt").write_text("outside")
    os.symlink(tmp_path / "outside.txt", root / "escape.txt")
    os.symlink(tmp_path, root / "escape-dir")
    os.symlink(root / "logo.svg", root / "inside-link.svg")
    dynamic = (
        DynamicUrl("user", "/user/<string:username>/", "profile.ftd", {"flag": "false"}),
        DynamicUrl("post", "/post/<integer:id>/<decimal:score>/", "profile.ftd"),
    )
    return Router(Package(root=root.resolve(), name="site", dynamic_urls=dynamic))


@pytest.mark.parametrize(
    ("url", "doc_id"),
    [
        ("/", "index"),
        ("/about/", "about"),
        ("/about", "about"),  # fastn serves the page without the trailing slash too
        ("/docs/", "docs/index"),
        ("/docs", "docs/index"),
        ("/docs/intro/", "docs/intro"),
        ("//docs//intro/", "docs/intro"),
        ("/both/", "both"),  # `both.ftd` is looked up before `both/index.ftd`
        ("/index/", "index"),
    ],
)
def test_documents_by_url(router: Router, url: str, doc_id: str) -> None:
    assert router.resolve(url) == DocumentRoute(doc_id)


def test_static_files_by_path(router: Router) -> None:
    assert router.resolve("/logo.svg") == FileRoute(router.root / "logo.svg")
    assert router.resolve("/data/report.json") == FileRoute(router.root / "data/report.json")
    assert router.resolve("/notes") == FileRoute(router.root / "notes")
    assert router.resolve("/inside-link.svg") == FileRoute(router.root / "inside-link.svg")
    assert router.resolve("/logo.svg/") is None  # a file is not a folder


@pytest.mark.parametrize(
    "url",
    [
        "/FASTN.ftd",
        "/FASTN/",
        "/fastn/",
        "/about.ftd",
        "/.env",
        "/.git/config",
        "/.packages/dep/",
        "/sub/.hidden.txt",
        "/../outside.txt",
        "/docs/../../outside.txt",
        "/escape.txt",
        "/escape-dir/outside.txt",
        "/logo.svg\\..\\x",
        "/nothing/",
    ],
)
def test_never_served(router: Router, url: str) -> None:
    assert router.resolve(url) is None


def test_dynamic_urls_capture_typed_segments(router: Router) -> None:
    assert router.resolve("/user/amitu/") == DocumentRoute(
        "profile", {"username": "amitu"}, {"flag": "false"}
    )
    assert router.resolve("/user/amitu") == DocumentRoute(
        "profile", {"username": "amitu"}, {"flag": "false"}
    )
    assert router.resolve("/post/42/2.5/") == DocumentRoute("profile", {"id": 42, "score": 2.5})
    assert router.resolve("/post/x/2.5/") is None
    assert router.resolve("/user/a/b/") is None


def test_a_real_document_wins_over_a_dynamic_url(router: Router) -> None:
    """fastn#2048: fastn renders the pattern's document for /user/new/; the file should win."""
    assert router.resolve("/user/new/") == DocumentRoute("user/new")


@pytest.mark.parametrize(
    "url", ["/_layout/", "/_layout", "/_parts/", "/_parts/card/", "/docs/_toc/"]
)
def test_underscore_documents_are_modules_not_pages(router: Router, url: str) -> None:
    assert router.resolve(url) is None


def test_build_lists_documents_once_each(router: Router) -> None:
    documents = {url: route.doc_id for url, route in router.documents()}
    assert documents == {
        "/about/": "about",
        "/both/": "both",  # both/index.ftd is shadowed by both.ftd
        "/docs/": "docs/index",
        "/docs/intro/": "docs/intro",
        "/": "index",
        "/user/new/": "user/new",
    }  # profile.ftd serves dynamic URLs only; FASTN.ftd and .packages are not documents
    assert sorted(router.static_files()) == [
        "data/report.json",
        "inside-link.svg",
        "logo.svg",
        "notes",
    ]


@pytest.mark.parametrize(
    ("doc_id", "url"),
    [
        ("index", "/"),
        ("about", "/about/"),
        ("docs/index", "/docs/"),
        ("docs/intro", "/docs/intro/"),
    ],
)
def test_document_urls(doc_id: str, url: str) -> None:
    assert document_url(doc_id) == url


def test_redirect_sources_match_with_or_without_slash(tmp_path: Path) -> None:
    from fastn.package.config import Redirect

    router = Router(Package(root=tmp_path, name="p", redirects=(Redirect("/old/", "/new/"),)))
    assert router.redirect_target("/old/") == "/new/"
    assert router.redirect_target("/old") == "/new/"
    assert router.redirect_target("/older/") is None


@pytest.mark.parametrize(
    ("url", "most_stats"),
    [
        ("/api/users/7", 2),  # no folder `api/`: nothing under it, asked once
        ("/1k", 3),  # nothing named `1k`: `1k.ftd`, `1k.md`, never `1k/index.*`
        ("/docs/intro/", 3),  # no `docs/intro` file nor folder; the folder `docs/`; the page
    ],
)
def test_a_path_costs_few_file_system_questions(
    router: Router, url: str, most_stats: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every request the package does not answer (an API call for the endpoint) is looked up
    first: that lookup asks the file system as little as it can."""
    asked: list[str] = []
    real_stat = os.stat

    def counting_stat(path: str, *args: object, **kwargs: object) -> os.stat_result:
        asked.append(str(path))
        return real_stat(path, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "stat", counting_stat)
    router.resolve(url)
    monkeypatch.undo()
    assert len(asked) <= most_stats, asked
