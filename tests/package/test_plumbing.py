"""What the build and the Environment do per document outside the language: module files
found and read, the event loop kept for a build's processors, page paths in `.build/`."""

from __future__ import annotations

import os
import threading
from pathlib import Path

from fastn.build import _relative
from fastn.ftd.page import RequestInfo
from fastn.package.config import load_package
from fastn.package.documents import environment_for
from fastn.package.resolver import find_module_file, read_source


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text.encode("utf-8"))
    return root


def test_a_module_is_read_as_a_text_file_is_with_its_modification_time(tmp_path):
    write(tmp_path, {"a.ftd": "-- ftd.text: é\r\n\r\n-- ftd.text: b\rc\n"})
    text, mtime = read_source(tmp_path / "a.ftd")
    assert text == (tmp_path / "a.ftd").read_text(encoding="utf-8")
    assert text == "-- ftd.text: é\n\n-- ftd.text: b\nc\n"
    assert mtime == os.stat(tmp_path / "a.ftd").st_mtime


def test_a_modules_own_file_comes_before_its_folders_index(tmp_path):
    write(tmp_path, {"a/b.ftd": "", "a/b/index.ftd": "", "c/index.ftd": ""})
    assert find_module_file(tmp_path, "a/b") == tmp_path / "a" / "b.ftd"
    assert find_module_file(tmp_path, "c") == tmp_path / "c" / "index.ftd"
    assert find_module_file(tmp_path, "d") is None
    assert find_module_file(tmp_path, "a") is None  # a folder is no module


def test_page_paths_in_the_build_folder_are_normalised_as_pathlib_does():
    assert _relative("/", "index.html") == "index.html"
    assert _relative("/a//./b/", "index.html") == "a/b/index.html"
    assert _relative("-", "site.com/x", "a/b.png") == "-/site.com/x/a/b.png"


def test_a_build_runs_every_pages_processors_on_one_event_loop(tmp_path):
    write(
        tmp_path,
        {
            "FASTN.ftd": "-- import: fastn\n\n-- fastn.package: site\n",
            "a.ftd": (
                "-- import: fastn/processors as pr\n\n"
                "-- string id:\n$processor$: pr.document-id\n\n-- ftd.text: $id\n"
            ),
            "b.ftd": (
                "-- import: fastn/processors as pr\n\n"
                "-- string id:\n$processor$: pr.document-id\n\n-- ftd.text: $id\n"
            ),
        },
    )
    environment = environment_for(load_package(tmp_path), watch_files=False)
    environment.keep_event_loop()
    loops = []

    def build() -> None:  # in a thread of its own: no event loop runs there (Playwright's may)
        for doc_id in ("a", "b"):
            page = environment.render_sync(doc_id, RequestInfo(path=f"/{doc_id}/"))
            assert f"/{doc_id}/" in page.body
            loops.append(environment._loop[1] if environment._loop else None)
        environment.close_event_loop()

    thread = threading.Thread(target=build)
    thread.start()
    thread.join()
    assert len(loops) == 2 and loops[0] is not None and loops[0] is loops[1]
    assert loops[0].is_closed() and environment._loop is None
