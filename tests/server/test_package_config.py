"""FASTN.ftd → Package, `${env.X or "d"}` substitution, and `.env` loading/refusal."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from fastn.package.config import PackageError, load_package, parse_env, parse_package

FULL = """\
-- import: fastn

-- fastn.package: example.com/site
endpoint: http://127.0.0.1:8000
favicon: /static/favicon.ico

-- fastn.url-mappings:

/api/* -> http+proxy://${env.FASTN_TEST_API or "127.0.0.1:9001"}/v1/*
;; a comment line
/blog/ -> /posts/

-- fastn.redirects:

/ftd/kernel/ -> /kernel/
/discord/: https://discord.gg/x

-- fastn.auto-import: example.com/site/components as c
exposing: button, card

-- fastn.dependency: fastn-community.github.io/doc-site as ds

-- fastn.dependency: lib.example.com/interface
provided-via: lib.example.com/implementation

-- fastn.dynamic-urls:

# User Profile Page
  url: /user/<string:username>/
  document: profile.ftd
  flag: false
"""


@pytest.fixture(autouse=True)
def clean_environment() -> Iterator[None]:
    """`.env` loading writes to os.environ: start without the test variables, restore after."""
    saved = dict(os.environ)
    for name in ("FASTN_TEST_API", "FASTN_TEST_SECRET", "FASTN_DANGER_ACCEPT_CHECKED_IN_ENV"):
        os.environ.pop(name, None)
    yield
    os.environ.clear()
    os.environ.update(saved)


def test_the_package_file_is_read_whole(tmp_path: Path) -> None:
    package = parse_package(FULL, tmp_path)
    assert package.name == "example.com/site"
    assert package.endpoint == "http://127.0.0.1:8000"
    assert package.favicon == "/static/favicon.ico"
    assert [(m.prefix, m.upstream) for m in package.proxy_mappings] == [
        ("/api/", "http://127.0.0.1:9001/v1/")
    ]
    assert [(r.source, r.target) for r in package.redirects] == [
        ("/blog/", "/posts/"),
        ("/ftd/kernel/", "/kernel/"),
        ("/discord/", "https://discord.gg/x"),
    ]
    assert [(a.text, a.exposing) for a in package.auto_imports] == [
        ("example.com/site/components as c", ("button", "card"))
    ]
    doc_site, interface = package.dependencies
    assert (doc_site.name, doc_site.alias) == ("fastn-community.github.io/doc-site", "ds")
    assert doc_site.folder == tmp_path / ".packages" / "fastn-community.github.io/doc-site"
    assert interface.folder == tmp_path / ".packages" / "lib.example.com/interface"
    assert interface.provided_via == "lib.example.com/implementation"
    assert package.missing_dependencies() == [doc_site]  # the root provides the interface
    interface.folder.mkdir(parents=True)
    assert package.missing_dependencies() == [doc_site]
    (entry,) = package.dynamic_urls
    assert (entry.pattern, entry.document, entry.data) == (
        "/user/<string:username>/",
        "profile.ftd",
        {"flag": "false"},
    )


def test_env_references_take_the_variable_or_the_default(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FASTN_TEST_API", "backend.internal:7000")
    package = parse_package(FULL, tmp_path)
    assert package.proxy_mappings[0].upstream == "http://backend.internal:7000/v1/"


def test_an_env_reference_without_default_must_be_set(tmp_path: Path) -> None:
    text = "-- import: fastn\n\n-- fastn.package: p\n\n-- fastn.url-mappings:\n\n/a/* -> http+proxy://${env.FASTN_TEST_API}/*\n"
    with pytest.raises(PackageError) as raised:
        parse_package(text, tmp_path, path="FASTN.ftd")
    assert (
        str(raised.value)
        == "FASTN.ftd:7: environment variable FASTN_TEST_API is not set and has no default"
    )


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            "/a/ -> http+proxy://h/a/",
            "FASTN.ftd:7: proxy mapping /a/ -> http+proxy://h/a/: both sides must end with *",
        ),
        ("/a/ -> /a/", "FASTN.ftd:7: redirect /a/ -> /a/ points to itself"),
        ("/a/ -> /b/\n/a/ -> /c/", "FASTN.ftd:8: /a/ already redirects to /b/"),
        ("/a/ /b/", "FASTN.ftd:7: url-mapping '/a/ /b/' is not `FROM -> TO`"),
    ],
)
def test_bad_url_mappings_are_located(tmp_path: Path, body: str, message: str) -> None:
    text = f"-- import: fastn\n\n-- fastn.package: p\n\n-- fastn.url-mappings:\n\n{body}\n"
    with pytest.raises(PackageError) as raised:
        parse_package(text, tmp_path, path="FASTN.ftd")
    assert str(raised.value) == message


def test_a_package_needs_its_name(tmp_path: Path) -> None:
    (tmp_path / "FASTN.ftd").write_text("-- import: fastn\n")
    with pytest.raises(PackageError, match="no `-- fastn.package: NAME` section"):
        load_package(tmp_path)


def test_unknown_dynamic_segment_types_are_refused(tmp_path: Path) -> None:
    text = "-- import: fastn\n\n-- fastn.package: p\n\n-- fastn.dynamic-urls:\n\n# X\n  url: /x/<float:v>/\n  document: x.ftd\n"
    with pytest.raises(PackageError, match="unknown URL segment type <float"):
        parse_package(text, tmp_path)


def test_env_file_syntax() -> None:
    text = "A=1\nexport B = two words # comment\nC=\"quoted # kept\\n\"\nD='single $x'\n# E=no\nnot a line\n"
    assert parse_env(text) == {"A": "1", "B": "two words", "C": "quoted # kept\n", "D": "single $x"}


def _package_with_env(root: Path) -> Path:
    (root / "FASTN.ftd").write_text(
        "-- import: fastn\n\n-- fastn.package: p\n\n-- fastn.url-mappings:\n\n"
        '/api/* -> http+proxy://${env.FASTN_TEST_API or "default:1"}/*\n'
    )
    (root / ".env").write_text("FASTN_TEST_API=from-dotenv:2\nFASTN_TEST_SECRET=s3cret\n")
    return root


def test_env_file_is_loaded_before_the_package_is_read(tmp_path: Path) -> None:
    package = load_package(_package_with_env(tmp_path))
    assert package.proxy_mappings[0].upstream == "http://from-dotenv:2/"
    assert os.environ["FASTN_TEST_SECRET"] == "s3cret"


def test_variables_already_set_win_over_the_env_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FASTN_TEST_API", "from-shell:3")
    package = load_package(_package_with_env(tmp_path))
    assert package.proxy_mappings[0].upstream == "http://from-shell:3/"


@pytest.mark.skipif(shutil.which("git") is None, reason="git not installed")
def test_a_tracked_env_file_is_refused_unless_accepted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _package_with_env(tmp_path)
    git = ["git", "-c", "user.email=t@example.com", "-c", "user.name=t"]
    subprocess.run([*git, "init", "-q"], cwd=root, check=True)
    subprocess.run([*git, "add", ".env"], cwd=root, check=True)
    with pytest.raises(PackageError, match="tracked by git") as raised:
        load_package(root)
    assert "FASTN_DANGER_ACCEPT_CHECKED_IN_ENV" in str(raised.value)
    assert "FASTN_TEST_SECRET" not in os.environ

    monkeypatch.setenv("FASTN_DANGER_ACCEPT_CHECKED_IN_ENV", "1")
    assert load_package(root).proxy_mappings[0].upstream == "http://from-dotenv:2/"


@pytest.mark.skipif(shutil.which("git") is None, reason="git not installed")
def test_an_untracked_env_file_in_a_repository_is_fine(tmp_path: Path) -> None:
    root = _package_with_env(tmp_path)
    subprocess.run(["git", "init", "-q"], cwd=root, check=True)
    assert load_package(root).proxy_mappings[0].upstream == "http://from-dotenv:2/"
