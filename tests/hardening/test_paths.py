"""Hostile request paths never reach a file outside what the package serves.

Requests are written by hand over a socket (`raw_http`), so `..`, `%2e%2e`, `%2f`,
backslashes, NUL bytes and doubled slashes arrive exactly as an attacker sends them. Every
secret below (a file next to the package, `.env`, `.git/`, dot files, the sources of
`FASTN.ftd` and of documents, targets of symlinks leaving the package) carries a marker that
must never appear in an answer.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from raw_http import exchange, request_bytes

BOTH_MODES = True  # fastn serve alone and with --front nginx (servers.py)

OUTSIDE = "outside-secret-7f3a"
OUTSIDE_FTD = "outside-document-1b9e"
ENV = "env-secret-91c2"
GIT = "git-secret-55d0"
DOT = "dot-file-secret-3e8d"
FASTN_SOURCE = "fastn-source-c0de"
FTD_SOURCE = "ftd-source-beef"
PASSWD = "root:x:0:"
MARKERS = (OUTSIDE, OUTSIDE_FTD, ENV, GIT, DOT, FASTN_SOURCE, FTD_SOURCE, PASSWD)

HOSTILE = [
    "/../outside-secret.txt",
    "/../../../../../../etc/passwd",
    "/assets/../../outside-secret.txt",
    "/%2e%2e/outside-secret.txt",
    "/%2E%2E/%2E%2E/%2E%2E/%2E%2E/etc/passwd",
    "/.%2e/outside-secret.txt",
    "/%2e./outside-secret.txt",
    "/..%2foutside-secret.txt",
    "/..%2Foutside-secret.txt",
    "/%2e%2e%2foutside-secret.txt",
    "/assets/..%2f..%2foutside-secret.txt",
    "/assets%2f..%2f..%2foutside-secret.txt",
    "/%252e%252e/outside-secret.txt",
    "/%c0%ae%c0%ae/outside-secret.txt",
    "/..;/outside-secret.txt",
    "/..\\outside-secret.txt",
    "/..%5coutside-secret.txt",
    "/assets\\..\\..\\outside-secret.txt",
    "/%5c..%5c..%5coutside-secret.txt",
    "//etc/passwd",
    "///etc/passwd",
    "/%2fetc%2fpasswd",
    "/etc/passwd",
    "../outside-secret.txt",
    "http://localhost/../outside-secret.txt",
    "http://localhost/%2e%2e/outside-secret.txt",
    "/.env",
    "/%2eenv",
    "/.env%00",
    "/.env%00.txt",
    "//.env",
    "/assets/../.env",
    "/assets/./../.env",
    "/assets/%2e%2e/.env",
    "/.git/config",
    "/%2egit/config",
    "/.git%2fconfig",
    "/.git/",
    "/.hidden.txt",
    "/.private/key.txt",
    "/.private/",
    "/FASTN.ftd",
    "/FASTN.ftd%00",
    "/FASTN.ftd%00.txt",
    "/fastn/",
    "/FASTN/",
    "/FASTN",
    "/about.ftd",
    "/about.ftd%00",
    "/about.ftd/",
    "/index.ftd",
    "/assets/../about.ftd",
    "/%00",
    "/assets/logo.txt%00.ftd",
    "/leak.txt",
    "/leak/",
    "/leak.ftd",
    "/outside/secret.txt",
    "/outside/",
    "/assets/escape/secret.txt",
]


@pytest.fixture(scope="module")
def package(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A package with secrets inside and next to it, and symlinks pointing out of it."""
    base = tmp_path_factory.mktemp("paths")
    (base / "outside-secret.txt").write_text(OUTSIDE)
    (base / "outside.ftd").write_text(f"-- ftd.text: {OUTSIDE_FTD}\n")
    (base / "outside-dir").mkdir()
    (base / "outside-dir" / "secret.txt").write_text(OUTSIDE)
    root = base / "pkg"
    files = {
        "FASTN.ftd": f"-- import: fastn\n\n;; {FASTN_SOURCE}\n-- fastn.package: paths\n",
        "index.ftd": "-- ftd.text: Home page\n",
        "about.ftd": f";; {FTD_SOURCE}\n-- ftd.text: About page\n",
        "assets/logo.txt": "logo-ok",
        ".env": f"PATHS_TOKEN={ENV}\n",
        ".git/config": f"[secret]\n\ttoken = {GIT}\n",
        ".hidden.txt": DOT,
        ".private/key.txt": DOT,
    }
    for name, content in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(content)
    os.symlink(base / "outside-secret.txt", root / "leak.txt")
    os.symlink(base / "outside.ftd", root / "leak.ftd")
    os.symlink(base / "outside-dir", root / "outside")
    os.symlink(base / "outside-dir", root / "assets" / "escape")
    os.symlink(root / "assets" / "logo.txt", root / "inside-link.txt")  # stays inside: served
    return root


@pytest.fixture(scope="module")
def fastn(start_fastn, package: Path):
    return start_fastn(package)


def assert_nothing_leaked(reply_body: bytes, target: str) -> None:
    text = reply_body.decode("latin-1")
    for marker in MARKERS:
        assert marker not in text, f"{target!r} leaked {marker!r}"


@pytest.mark.parametrize("target", HOSTILE)
def test_hostile_path_is_not_served(fastn, target: str) -> None:
    reply = exchange(fastn.port, request_bytes(target))
    assert reply.status in (400, 404), (target, reply.status, reply.body[:200])
    assert_nothing_leaked(reply.body, target)


@pytest.mark.parametrize("target", ["/.env", "/.git/config", "/FASTN.ftd", "/about.ftd"])
def test_raw_nul_byte_and_control_characters_are_refused(fastn, target: str) -> None:
    """Bytes no client may send in a request target: the server refuses the request line."""
    for hostile in (target.encode() + b"\x00", b"/\x00" + target.encode(), target.encode() + b"\r"):
        reply = exchange(fastn.port, request_bytes(hostile))
        assert reply.status == 400 or (reply.status == 0 and not reply.body), hostile
        assert_nothing_leaked(reply.body, repr(hostile))


def test_the_package_is_still_served(fastn) -> None:
    """The same server does serve what it should: pages rendered (no source), files inside."""
    home = exchange(fastn.port, request_bytes("/"))
    assert home.status == 200 and b"Home page" in home.body
    about = exchange(fastn.port, request_bytes("/about/"))
    assert about.status == 200 and b"About page" in about.body
    assert_nothing_leaked(about.body, "/about/")
    logo = exchange(fastn.port, request_bytes("/assets/logo.txt"))
    assert (logo.status, logo.body) == (200, b"logo-ok")
    doubled = exchange(fastn.port, request_bytes("//assets//logo.txt"))
    assert (doubled.status, doubled.body) == (200, b"logo-ok")
    linked = exchange(fastn.port, request_bytes("/inside-link.txt"))
    assert (linked.status, linked.body) == (200, b"logo-ok")


def test_with_an_endpoint_hostile_paths_go_to_the_backend_not_to_files(
    start_fastn, upstream, tmp_path_factory: pytest.TempPathFactory, package: Path
) -> None:
    """Behind an endpoint, what the package does not serve is the backend's to answer."""
    root = tmp_path_factory.mktemp("paths-endpoint") / "pkg"
    shutil.copytree(package, root, symlinks=True)  # the same secrets and symlinks
    (root / "FASTN.ftd").write_text(
        (package / "FASTN.ftd").read_text() + f"endpoint: http://127.0.0.1:{upstream.port}\n"
    )
    fastn = start_fastn(root)
    for target in HOSTILE:
        reply = exchange(fastn.port, request_bytes(target))
        assert reply.status in (200, 400, 404), (target, reply.status)
        assert_nothing_leaked(reply.body, target)
        if reply.status == 200:  # the backend's echo, never a file
            assert reply.header("content-type") == "application/json; charset=utf-8", target
