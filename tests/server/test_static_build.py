"""`fastn build`: the `.build/` tree, redirect pages, and located errors with a failing exit."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from fastn.package.routes import DocumentRoute
from fastn.runtime import bundle, runtime_url

PACKAGE = """\
-- import: fastn

-- fastn.package: built
endpoint: http://127.0.0.1:1

-- fastn.url-mappings:

/api/* -> http+proxy://127.0.0.1:1/api/*
/legacy/ -> /about/

-- fastn.redirects:

/old/ -> /docs/intro/
"""

FILES = {
    "index.ftd": "-- ftd.text: Home page\n",
    "about.ftd": "-- ftd.text: About page\n",
    "docs/index.ftd": "-- ftd.text: Docs index\n",
    "docs/intro.ftd": "-- ftd.text: Docs intro\n",
    "404.ftd": "-- ftd.text: Lost?\n",
    "static/logo.svg": "<svg/>",
    "images/a/b.png": b"\x89PNG",
    ".env": "SECRET=not-published\n",
    ".hidden/x.txt": "not published",
}

INTERACTIVE_PAGE = (
    "-- boolean $open: false\n\n-- ftd.text: Toggle\n$on-click$: $ftd.toggle($a = $open)\n"
)


def run_build(package: Path, *arguments: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "fastn.cli", "build", *arguments],
        cwd=package,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_build_tree(package_folder) -> None:
    package = package_folder(PACKAGE, FILES)
    result = run_build(package)
    assert result.returncode == 0, result.stderr
    build = package / ".build"
    files = sorted(str(path.relative_to(build)) for path in build.rglob("*") if path.is_file())
    assert files == [
        "-/built/images/a/b.png",  # fastn's /-/PACKAGE/ copy of each file
        "-/built/static/logo.svg",
        "404.html",
        "404/index.html",
        "about/index.html",
        "docs/index.html",
        "docs/intro/index.html",
        "images/a/b.png",
        "index.html",
        "legacy/index.html",
        "old/index.html",
        "static/logo.svg",
    ]
    assert "Home page" in (build / "index.html").read_text()
    assert "Docs intro" in (build / "docs/intro/index.html").read_text()
    assert "Lost?" in (build / "404.html").read_text()
    assert (build / "images/a/b.png").read_bytes() == b"\x89PNG"
    redirect = (build / "old/index.html").read_text()
    assert 'http-equiv="refresh" content="0; url=/docs/intro/"' in redirect
    assert "location.search" in redirect and "location.hash" in redirect  # query and hash kept
    assert "/ -> index.html" in result.stdout  # progress
    assert "not built: /api/* is proxied" in result.stdout


def test_base_url_prefixes_redirect_targets(package_folder) -> None:
    package = package_folder(PACKAGE, FILES)
    assert run_build(package, "--base-url", "/site/").returncode == 0
    assert 'url=/site/docs/intro/"' in (package / ".build/old/index.html").read_text()


def test_a_broken_document_fails_the_build_with_its_location(package_folder) -> None:
    package = package_folder(
        PACKAGE, {**FILES, "broken.ftd": "-- ftd.text: ok\n\n-- ftd.no-such-thing: x\n"}
    )
    result = run_build(package)
    assert result.returncode == 1
    assert "broken.ftd:3:" in result.stderr
    assert (package / ".build/about/index.html").is_file()  # the rest is still built
    assert run_build(package, "--ignore-failed").returncode == 0


def test_a_bad_package_file_fails_the_build(package_folder) -> None:
    package = package_folder(
        "-- import: fastn\n\n-- fastn.package: p\n\n-- fastn.url-mappings:\n\n/a/ /b/\n"
    )
    result = run_build(package)
    assert result.returncode == 1
    assert "FASTN.ftd:7: url-mapping '/a/ /b/' is not `FROM -> TO`" in result.stderr


def test_the_build_folder_starts_empty(package_folder) -> None:
    package = package_folder(PACKAGE, FILES)
    stale = "old-page/index.html"
    (package / ".build" / stale).parent.mkdir(parents=True)
    (package / ".build" / stale).write_text("stale")
    assert run_build(package).returncode == 0
    assert not (package / ".build" / stale).exists()


def test_a_large_package_builds_the_same_with_one_process_or_several(package_folder) -> None:
    """Worker processes render the documents; the pages, the errors and the exit status are
    what one process gives."""
    files = {
        "lib.ftd": "-- component card:\ncaption title:\n\n-- ftd.text: $card.title\n\n-- end: card\n",
        **{
            f"pages/p{n}.ftd": f"-- import: built/lib\n\n-- lib.card: Page {n}\n\n-- ftd.text: *{n}*\n"
            for n in range(100)
        },
        "pages/broken.ftd": "-- ftd.text: fine\n\n-- ftd.integer: oops\n",
        "pages/toggle.ftd": INTERACTIVE_PAGE,
        "pages/p5/index.html": "a static file replaces the page at its path",
    }
    outputs = []
    for jobs in ("1", "2"):
        package = package_folder(PACKAGE, files)
        result = run_build(package, "--jobs", jobs)
        assert result.returncode == 1
        assert result.stderr.count("broken.ftd:3:") == 1, result.stderr
        build = package / ".build"
        outputs.append(
            {
                str(path.relative_to(build)): path.read_bytes()
                for path in build.rglob("*")
                if path.is_file()
            }
        )
    assert len(outputs[0]) > 100
    assert outputs[0] == outputs[1]
    assert b"Page 42" in outputs[1]["pages/p42/index.html"]
    assert outputs[1]["pages/p5/index.html"] == b"a static file replaces the page at its path"
    assert outputs[1][runtime_url().lstrip("/")] == bundle()  # pages/toggle/ loads it


def test_no_runtime_without_a_page_that_loads_it(package_folder) -> None:
    package = package_folder(PACKAGE, FILES)
    assert run_build(package).returncode == 0
    assert not (package / ".build" / runtime_url().lstrip("/")).exists()
    package = package_folder(PACKAGE, {**FILES, "toggle.ftd": INTERACTIVE_PAGE})
    assert run_build(package).returncode == 0
    assert (package / ".build" / runtime_url().lstrip("/")).read_bytes() == bundle()


def _dies_on_page_3(document: tuple[str, DocumentRoute]):
    """A build worker that is killed while rendering one page (out of memory, a signal); one
    of the smallest pages, so not the biggest, which the build's own process renders first."""
    import os

    from fastn import build as build_module

    if document[1].doc_id == "pages/p3":
        os._exit(3)
    return build_module._original_build_document(document)


def test_a_killed_build_worker_fails_the_build_with_a_message(
    package_folder, monkeypatch: pytest.MonkeyPatch
) -> None:
    import io

    from fastn import build as build_module

    files = {f"pages/p{n}.ftd": f"-- ftd.text: Page {n}\n" for n in range(80)}
    package = package_folder(PACKAGE, files)
    monkeypatch.setattr(
        build_module, "_original_build_document", build_module._build_document, raising=False
    )
    monkeypatch.setattr(build_module, "_build_document", _dies_on_page_3)  # forked workers too
    out, err = io.StringIO(), io.StringIO()
    assert build_module.build(package, out=out, err=err, jobs=2) == 1
    assert "a build worker stopped" in err.getvalue()


SHARED_LIBRARY = """\
-- import: fastn/processors as pr

-- string greeting: Hello
-- string shown-greeting: $greeting

-- string page-id:
$processor$: pr.document-id

-- integer $clicks: 0

-- component counter:
caption title:

-- ftd.column:

-- ftd.text: $counter.title
$on-click$: $ftd.increment($a = $clicks)

-- ftd.text: $shown-greeting

-- ftd.text: $page-id

-- ftd.integer: $clicks

-- end: ftd.column

-- end: counter
"""


def test_a_page_is_the_same_built_with_the_others_or_alone(package_folder) -> None:
    """What the pages share (a component, a constant global) is encoded once per build
    process; each page still carries its own processor values, as when built alone."""
    from fastn.package.config import load_package
    from fastn.package.documents import environment_for

    files = {
        "lib.ftd": SHARED_LIBRARY,
        **{
            f"pages/p{n}.ftd": f"-- import: built/lib\n\n-- lib.counter: Page {n}\n"
            for n in range(70)
        },
    }
    package = package_folder(PACKAGE, files)
    assert run_build(package, "--jobs", "2").returncode == 0
    for number in (0, 41, 42, 69):
        built = (package / ".build" / "pages" / f"p{number}" / "index.html").read_text()
        alone = environment_for(load_package(package), watch_files=False)
        assert built == alone.render_sync(f"pages/p{number}").body
        assert 'id="fastn-model"' in built and "Hello" in built
        assert f"pages/p{number}/" in built
        assert f"pages/p{number + 1}/" not in built


def test_the_previous_build_is_deleted_in_the_background(package_folder) -> None:
    """The old `.build` is renamed away and deleted while the pages are built: its files are
    gone after the build, with what an interrupted build left; nothing else is touched."""
    package = package_folder(PACKAGE, FILES)
    stale = package / ".build/stale/page/index.html"
    stale.parent.mkdir(parents=True)
    stale.write_text("old", encoding="utf-8")
    leftover = package / ".build-removing-1-2"  # a build stopped by Ctrl-C while deleting
    (leftover / "deep/er").mkdir(parents=True)
    (leftover / "deep/er/file.html").write_text("old", encoding="utf-8")
    outside = package.parent / f"{package.name}-outside"
    outside.mkdir()
    (outside / "keep.txt").write_text("keep", encoding="utf-8")
    (leftover / "link").symlink_to(outside)  # a link inside: removed, its target kept
    (package / ".build-removing-link").symlink_to(outside)  # not a folder of ours: kept
    assert run_build(package).returncode == 0
    assert not (package / ".build/stale").exists()
    assert (package / ".build/about/index.html").is_file()
    assert not leftover.exists()
    assert (outside / "keep.txt").read_text(encoding="utf-8") == "keep"
    names = sorted(path.name for path in package.iterdir() if path.name.startswith(".build"))
    assert names == [".build", ".build-removing-link"]


def test_a_symlinked_build_folder_keeps_its_target(package_folder) -> None:
    """`.build` linking elsewhere: the link is replaced by a folder, the linked folder's files
    stay (the old code refused to delete through the link)."""
    package = package_folder(PACKAGE, FILES)
    elsewhere = package.parent / f"{package.name}-elsewhere"
    elsewhere.mkdir()
    (elsewhere / "unrelated.txt").write_text("mine", encoding="utf-8")
    (package / ".build").symlink_to(elsewhere, target_is_directory=True)
    result = run_build(package)
    assert result.returncode == 0, result.stderr
    assert (elsewhere / "unrelated.txt").read_text(encoding="utf-8") == "mine"
    assert sorted(path.name for path in elsewhere.iterdir()) == ["unrelated.txt"]
    assert not (package / ".build").is_symlink()
    assert (package / ".build/about/index.html").is_file()


def test_the_previous_build_is_deleted_while_workers_build(package_folder) -> None:
    """The deleting child process and the forked workers do not get in each other's way."""
    files = {f"p{n}.ftd": f"-- ftd.text: Page {n}\n" for n in range(80)}
    package = package_folder(PACKAGE, files)
    for n in range(200):
        stale = package / f".build/stale{n}/index.html"
        stale.parent.mkdir(parents=True)
        stale.write_text("old", encoding="utf-8")
    result = run_build(package, "--jobs", "2")
    assert result.returncode == 0, result.stderr
    assert not list((package / ".build").glob("stale*"))
    assert (package / ".build/p79/index.html").is_file()
    assert [path.name for path in package.iterdir() if path.name.startswith(".build")] == [".build"]


def test_the_previous_build_is_deleted_by_a_thread_elsewhere(tmp_path, monkeypatch) -> None:
    """Where workers are spawned (not Linux), a thread deletes the old build."""
    from fastn import build

    (tmp_path / ".build/a/b").mkdir(parents=True)
    (tmp_path / ".build/a/b/page.html").write_text("old", encoding="utf-8")
    monkeypatch.setattr(sys, "platform", "darwin")
    removal = build._remove_old_build(tmp_path, tmp_path / ".build")
    assert not (tmp_path / ".build").exists()  # renamed away at once
    removal.wait()
    assert list(tmp_path.iterdir()) == []
