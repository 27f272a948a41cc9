"""Issue 3 points 1–4 end to end in `fastn serve --production`: what `FASTN.ftd` says about
auto-imports and local dependencies reaches the pages, an edit shows on the next request
without the development watcher, the reserved `/-/` URLs come before the backend, and the
endpoint and a url-mapping share one pooled upstream client."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from fastn.nginx import FILE_CACHE_SECONDS

BOTH_MODES = True  # fastn serve alone and with --front nginx (servers.py)

PACKAGE = """\
-- import: fastn

-- fastn.package: served
endpoint: http://127.0.0.1:{port}

-- fastn.auto-import: served/components as c

-- fastn.dependency: lib.example.com as lib

-- fastn.url-mappings:

/mapped/* -> http+proxy://127.0.0.1:{port}/*
"""

FILES = {
    "components.ftd": "-- component greeting:\ncaption who:\n\n-- ftd.text: $greeting.who\n\n-- end: greeting\n",
    ".packages/lib.example.com/widgets.ftd": "-- string motto: Borrowed from a dependency\n",
    "index.ftd": (
        "-- import: lib.example.com/widgets\n\n"
        "-- c.greeting: Hello auto-imported world\n\n"
        "-- ftd.text: $widgets.motto\n"
    ),
    "edited.ftd": "-- import: served/part\n\n-- ftd.text: Page version 1\n\n-- ftd.text: $part.word\n",
    "part.ftd": "-- string word: Imported version 1\n",
}


@pytest.fixture(scope="module")
def folder(upstream, package_folder, serve_mode) -> Path:
    """A package of its own for each mode: the tests edit it."""
    return package_folder(PACKAGE.format(port=upstream.port), FILES)


@pytest.fixture(scope="module")
def fastn(folder: Path, start_fastn):
    return start_fastn(folder, "--production", "--ops")


def test_auto_imports_and_local_dependencies_reach_the_page(fastn, fetch) -> None:
    reply = fetch(f"{fastn.url}/")
    assert reply.status == 200
    assert b"Hello auto-imported world" in reply.body
    assert b"Borrowed from a dependency" in reply.body


def rewrite(path, text: str) -> None:
    """Write `text` with a later mtime than before, even on a coarse-grained file system."""
    before = path.stat().st_mtime_ns
    path.write_text(text)
    if path.stat().st_mtime_ns == before:
        os.utime(path, ns=(before + 1_000_000, before + 1_000_000))


def test_edits_show_on_the_next_request_without_the_watcher(fastn, folder: Path, fetch) -> None:
    page = fetch(f"{fastn.url}/edited/")
    assert b"Page version 1" in page.body and b"Imported version 1" in page.body

    rewrite(folder / "edited.ftd", FILES["edited.ftd"].replace("version 1", "version 2"))
    page = fetch(f"{fastn.url}/edited/")
    assert b"Page version 2" in page.body and b"Imported version 1" in page.body

    rewrite(folder / "part.ftd", "-- string word: Imported version 2\n")
    page = fetch(f"{fastn.url}/edited/")
    assert b"Page version 2" in page.body and b"Imported version 2" in page.body


def test_reserved_urls_come_before_the_endpoint(fastn, fetch) -> None:
    health = fetch(f"{fastn.url}/-/health")
    assert (health.status, health.body) == (200, b'{"status":"ok"}')
    # a /-/ URL fastn does not answer itself is the backend's, path and query as sent
    other = fetch(f"{fastn.url}/-/not-fastns?x=1")
    assert other.status == 200
    assert other.json()["raw_path"] == "/-/not-fastns?x=1"


def test_a_new_document_is_served_at_once(fastn, folder: Path, fetch, serve_mode) -> None:
    """A URL the backend answered becomes the package's as soon as the document exists (the
    front's nginx keeps what the file system said for a second)."""
    assert fetch(f"{fastn.url}/fresh/").json()["raw_path"] == "/fresh/"
    (folder / "fresh.ftd").write_text("-- ftd.text: Just written\n")
    if serve_mode == "front":
        time.sleep(FILE_CACHE_SECONDS + 0.2)
    reply = fetch(f"{fastn.url}/fresh/")
    assert reply.status == 200 and b"Just written" in reply.body


def established_to(pid: int, port: int) -> int:
    """Established TCP connections of process `pid` to `port` on loopback."""
    fd_folder = Path(f"/proc/{pid}/fd")
    inodes = set()
    for fd in os.listdir(fd_folder):
        try:
            link = os.readlink(fd_folder / fd)
        except FileNotFoundError:
            continue
        if link.startswith("socket:["):
            inodes.add(link[8:-1])
    count = 0
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        remote_port = int(fields[2].rsplit(":", 1)[1], 16)
        if remote_port == port and fields[3] == "01" and fields[9] in inodes:
            count += 1
    return count


def test_one_pooled_upstream_client_serves_endpoint_and_mappings(fastn, upstream, fetch) -> None:
    for number in range(20):  # one after the other, each from a new browser connection
        path = f"/mapped/echo?n={number}" if number % 2 else f"/api/echo?n={number}"
        reply = fetch(f"{fastn.url}{path}")
        assert reply.status == 200
        assert reply.json()["raw_path"] == path.removeprefix("/mapped")
    assert established_to(fastn.process.pid, upstream.port) == 1


def test_the_package_favicon_is_every_pages_icon_unless_the_page_names_one(
    package_folder, start_fastn, fetch
) -> None:
    package = package_folder(
        "-- import: fastn\n\n-- fastn.package: iconic\nfavicon: /static/icon.png\n",
        {
            "index.ftd": "-- ftd.text: plain page\n",
            "own.ftd": "-- ftd.document: Own\nfavicon: /static/own.png\n\n-- ftd.text: hi\n\n"
            "-- end: ftd.document\n",
        },
    )
    server = start_fastn(package)
    assert b'<link rel="icon" href="/static/icon.png">' in fetch(f"{server.url}/").body
    own = fetch(f"{server.url}/own/").body
    assert b'href="/static/own.png"' in own and b"icon.png" not in own
