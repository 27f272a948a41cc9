"""fastn's package rules on small packages written in tmp_path: dependencies and their own
aliases and auto-imports, `system`, the virtual `assets` and `fastn` modules, `/-/` files,
lazy imports, a name defined twice, and failed documents that must not touch other ones."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from fastn.check import check_package
from fastn.ftd.errors import FtdError
from fastn.package.config import load_package
from fastn.package.documents import environment_for
from fastn.package.routes import FileRoute, Router


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def render(root: Path, doc_id: str = "index") -> str:
    return environment_for(load_package(root), watch_files=False).render_sync(doc_id).body


DEPENDENCY = ".packages/dep.example.com/"


def test_a_dependency_resolves_its_imports_with_its_own_aliases_and_auto_imports(tmp_path):
    write(
        tmp_path,
        {
            "FASTN.ftd": (
                "-- import: fastn\n\n-- fastn.package: site\n\n"
                "-- fastn.dependency: dep.example.com as d\n\n"
                "-- fastn.auto-import: site/words as lib\n"
            ),
            "words.ftd": "-- string greeting: the root's words\n",
            "index.ftd": "-- import: d\n\n-- d.show:\n\n-- ftd.text: $lib.greeting\n",
            DEPENDENCY + "FASTN.ftd": (
                "-- import: fastn\n\n-- fastn.package: dep.example.com\n\n"
                "-- fastn.dependency: lib.example.com as lib\n\n"
                "-- fastn.auto-import: lib.example.com/words as lib\n"
            ),
            DEPENDENCY + "index.ftd": (
                "-- component show:\n\n-- ftd.text: $lib.greeting\n\n-- end: show\n"
            ),
            ".packages/lib.example.com/FASTN.ftd": "-- fastn.package: lib.example.com\n",
            ".packages/lib.example.com/words.ftd": "-- string greeting: the library's words\n",
        },
    )
    page = render(tmp_path)
    assert "the library&#x27;s words" in page or "the library's words" in page
    assert "the root&#x27;s words" in page or "the root's words" in page


def test_system_makes_the_package_an_auto_import_of_its_own_modules(tmp_path):
    write(
        tmp_path,
        {
            "FASTN.ftd": (
                "-- fastn.package: ds.example.com\nsystem: ds\nsystem-is-confidential: false\n"
            ),
            "index.ftd": "-- import: ds.example.com/parts as _\nexport: title\n",
            "parts.ftd": "-- string title: From the system package\n",
            "page.ftd": "-- ftd.text: $ds.title\n",
        },
    )
    assert "From the system package" in render(tmp_path, "page")


def test_assets_files_are_urls_under_dash_and_fonts_are_families(tmp_path):
    write(
        tmp_path,
        {
            "FASTN.ftd": (
                "-- fastn.package: site\n\n-- fastn.dependency: dep.example.com\n\n"
                "-- fastn.font: Inter\nwoff2: -/dep.example.com/inter.woff2\n"
            ),
            "index.ftd": (
                "-- import: dep.example.com/assets\n-- import: site/assets as mine\n\n"
                "-- ftd.text: $assets.files.static.site.css\n\n"
                "-- ftd.text: $assets.files.images.logo.svg.dark\n\n"
                "-- ftd.text: $assets.files.images.plain.png.dark\n\n"
                "-- ftd.text: $mine.fonts.Inter\n\n"
                "-- ftd.image:\nsrc: $assets.files.images.logo.svg\n"
            ),
            DEPENDENCY + "FASTN.ftd": "-- fastn.package: dep.example.com\n",
            DEPENDENCY + "static/site.css": "body {}\n",
            DEPENDENCY + "images/logo.svg": "<svg/>",
            DEPENDENCY + "images/logo-dark.svg": "<svg/>",
            DEPENDENCY + "images/plain.png": "",
        },
    )
    page = render(tmp_path)
    assert ">/-/dep.example.com/static/site.css<" in page
    assert ">/-/dep.example.com/images/logo-dark.svg<" in page
    assert ">/-/dep.example.com/images/plain.png<" in page  # no -dark file: the light one
    assert ">site-Inter<" in page
    assert 'src="/-/dep.example.com/images/logo.svg"' in page


def test_files_of_the_package_and_its_dependencies_are_served_and_built_under_dash(tmp_path):
    write(
        tmp_path,
        {
            "FASTN.ftd": "-- fastn.package: site\n\n-- fastn.dependency: dep.example.com\n",
            "index.ftd": "-- ftd.text: home\n",
            "favicon.ico": "icon",
            "notes.md": "# not a page\n",
            DEPENDENCY + "FASTN.ftd": "-- fastn.package: dep.example.com\n",
            DEPENDENCY + "images/logo.svg": "<svg/>",
            DEPENDENCY + "secret.ftd": "-- ftd.text: source\n",
        },
    )
    router = Router(load_package(tmp_path))
    assert router.resolve("/-/site/favicon.ico") == FileRoute(tmp_path / "favicon.ico")
    served = router.resolve("/-/dep.example.com/images/logo.svg")
    assert served == FileRoute(tmp_path / DEPENDENCY / "images/logo.svg")
    assert router.resolve("/-/dep.example.com/secret.ftd") is None
    assert router.resolve("/notes/") is None  # fastn makes no page of a Markdown file
    subprocess.run([sys.executable, "-m", "fastn.cli", "build"], cwd=tmp_path, check=True)
    build = tmp_path / ".build"
    assert (build / "-/dep.example.com/images/logo.svg").read_text() == "<svg/>"
    assert (build / "-/site/favicon.ico").is_file()
    assert not (build / "notes").exists()


def test_an_unused_import_of_a_missing_module_is_not_an_error(tmp_path):
    write(
        tmp_path,
        {
            "FASTN.ftd": "-- fastn.package: site\n",
            "index.ftd": "-- import: nowhere.example.com/thing\n\n-- ftd.text: still built\n",
            "used.ftd": "-- import: nowhere.example.com/thing\n\n-- thing.show:\n",
        },
    )
    assert "still built" in render(tmp_path)
    with pytest.raises(FtdError, match="module `nowhere.example.com/thing` not found") as info:
        render(tmp_path, "used")
    assert info.value.line == 3


def test_a_missing_auto_import_names_its_fastn_ftd_line(tmp_path):
    write(
        tmp_path,
        {
            "FASTN.ftd": "-- fastn.package: site\n\n-- fastn.auto-import: site/gone as g\n",
            "index.ftd": "-- g.thing:\n",
        },
    )
    with pytest.raises(FtdError, match=r"auto-imported at \S*FASTN.ftd:3\)"):
        render(tmp_path)


def test_the_fastn_module_describes_the_root_package(tmp_path):
    write(
        tmp_path,
        {
            "FASTN.ftd": "-- fastn.package: site.example.com\n\n-- fastn.dependency: dep.example.com\n",
            "index.ftd": "-- import: dep.example.com\n\n-- dep.name:\n",
            DEPENDENCY + "FASTN.ftd": "-- fastn.package: dep.example.com\n",
            DEPENDENCY + "index.ftd": (
                "-- import: fastn\n\n-- component name:\n\n"
                "-- ftd.text: $fastn.package-name\n\n-- end: name\n"
            ),
        },
    )
    assert ">site.example.com<" in render(tmp_path)


def test_the_first_definition_of_a_name_is_used_and_check_warns(tmp_path):
    write(
        tmp_path,
        {
            "FASTN.ftd": "-- fastn.package: site\n",
            "index.ftd": (
                "-- ftd.text: $word\n\n-- string word: first\n\n-- string word: second\n"
            ),
        },
    )
    page = render(tmp_path)
    assert ">first<" in page and "second" not in page
    checked, errors, warnings = check_package(tmp_path)
    assert (checked, errors) == (1, [])
    assert [(w.line, w.message) for w in warnings] == [
        (5, "`word` is defined twice (line 3 is used)")
    ]


def test_a_failed_document_does_not_change_another_documents_result(tmp_path):
    shared = (
        "-- component card:\ncaption title:\n\n-- ftd.text: $card.title\n\n-- end: card\n\n"
        "-- component broken:\n\n-- ftd.text: $missing-name\n\n-- end: broken\n\n"
        "-- component both:\n\n-- ftd.column:\n\n-- card: inside\n\n-- broken:\n\n"
        "-- end: ftd.column\n\n-- end: both\n"
    )
    write(
        tmp_path,
        {
            "FASTN.ftd": "-- fastn.package: site\n",
            "shared.ftd": shared,
            "good.ftd": "-- import: site/shared\n\n-- shared.card: fine\n",
            "bad.ftd": "-- import: site/shared\n\n-- shared.both:\n",
        },
    )
    alone = environment_for(load_package(tmp_path), watch_files=False).render_sync("good").body
    environment = environment_for(load_package(tmp_path), watch_files=False)
    for _ in range(2):
        with pytest.raises(FtdError, match="missing-name"):
            environment.render_sync("bad")
        assert environment.render_sync("good").body == alone


def test_text_after_end_is_a_note_and_a_commented_end_ends_nothing(tmp_path):
    write(
        tmp_path,
        {
            "FASTN.ftd": "-- fastn.package: site\n",
            "index.ftd": (
                "-- component box:\n\n/-- ftd.row:\n\n-- ftd.column:\n\n-- ftd.text: kept\n\n"
                "/-- end: ftd.row\n\n-- end: ftd.column\n\n-- end: box\n\n"
                "These lines explain box.\n\n-- box:\n"
            ),
        },
    )
    assert ">kept<" in render(tmp_path)


def test_text_of_several_lines_in_braces_is_shown_as_written(tmp_path):
    write(
        tmp_path,
        {
            "FASTN.ftd": "-- fastn.package: site\n",
            "index.ftd": '-- ftd.code:\nlang: json\n\n{\n    "framework": null,\n}\n',
        },
    )
    assert "framework" in render(tmp_path)


def test_ftd_redirect_answers_with_its_code_and_builds_a_forwarding_page(tmp_path):
    write(
        tmp_path,
        {
            "FASTN.ftd": "-- fastn.package: site\n",
            "index.ftd": "-- ftd.text: home\n",
            "moved.ftd": "-- ftd.text: never shown\n\n-- ftd.redirect: /\ncode: 302\n",
            "gone.ftd": "-- ftd.permanent-redirect: https://example.com/new/\n",
        },
    )
    environment = environment_for(load_package(tmp_path), watch_files=False)
    moved = environment.render_sync("moved")
    assert (moved.status, dict(moved.headers)["location"]) == (302, "/")
    gone = environment.render_sync("gone")
    assert (gone.status, dict(gone.headers)["location"]) == (308, "https://example.com/new/")
    subprocess.run([sys.executable, "-m", "fastn.cli", "build"], cwd=tmp_path, check=True)
    forward = (tmp_path / ".build/moved/index.html").read_text()
    assert 'http-equiv="refresh" content="0; url=/"' in forward


PROVIDING_ROOT = (
    "-- fastn.package: site\n\n-- fastn.dependency: app.example.com\n\n"
    "-- fastn.dependency: theme.example.com\nprovided-via: site/my-theme\n\n"
    "-- fastn.auto-import: theme.example.com\n"
)
REQUIRING_APP = {
    "index.ftd": "-- import: app.example.com\n\n-- app.show:\n\n-- ftd.text: $theme.color\n",
    "my-theme.ftd": "-- string color: the site's own theme\n",
    ".packages/app.example.com/FASTN.ftd": (
        "-- fastn.package: app.example.com\n\n"
        "-- fastn.dependency: theme.example.com\nrequired-as: th\n"
    ),
    ".packages/app.example.com/index.ftd": (
        "-- component show:\n\n-- ftd.text: $th.color\n\n-- end: show\n"
    ),
}


def test_provided_via_stands_for_a_dependency_the_root_and_a_requiring_package_import(tmp_path):
    write(tmp_path, {"FASTN.ftd": PROVIDING_ROOT, **REQUIRING_APP})
    page = render(tmp_path)
    # the app's `th` (required-as) and the root's auto-import are both the root's module;
    # theme.example.com itself is nowhere on disk
    assert page.count("the site&#x27;s own theme") + page.count("the site's own theme") == 2
    assert load_package(tmp_path).missing_dependencies() == []


def test_a_required_dependency_the_root_does_not_provide_is_a_located_error(tmp_path):
    root = PROVIDING_ROOT.replace("provided-via: site/my-theme\n", "")
    root = root.replace("-- fastn.auto-import: theme.example.com\n", "")
    files = {
        **REQUIRING_APP,
        "index.ftd": "-- import: app.example.com\n\n-- app.show:\n",
    }
    write(tmp_path, {"FASTN.ftd": root, **files})
    with pytest.raises(FtdError) as raised:
        render(tmp_path)
    message = str(raised.value)
    assert ".packages/app.example.com/FASTN.ftd:3: Dependency theme.example.com needs" in message


def test_a_system_name_of_a_package_the_root_provides_is_the_roots_module(tmp_path):
    write(
        tmp_path,
        {
            "FASTN.ftd": (
                "-- fastn.package: site\n\n-- fastn.dependency: page.example.com\n"
                "provided-via: site/my-ds\n"
            ),
            "index.ftd": "-- import: page.example.com\n\n-- page.show:\n",
            "my-ds.ftd": "-- string title: the root's design system\n",
            ".packages/page.example.com/FASTN.ftd": (
                "-- fastn.package: page.example.com\nsystem: ds\nsystem-is-confidential: false\n"
            ),
            ".packages/page.example.com/index.ftd": (
                "-- component show:\n\n-- ftd.text: $ds.title\n\n-- end: show\n"
            ),
        },
    )
    assert "design system" in render(tmp_path)
