"""A failing backend: 502/504 pages, aborted (never silently truncated) bodies, no leaks.

The backend (`faulty_upstream.py`) refuses, resets, stalls, sends garbage or breaks off in the
middle of a body. The browser must see a 502 or 504 page when nothing was answered yet, and a
body that visibly ends too early (connection closed before the declared length, or no
terminating chunk) when the answer had begun. Other requests go on being served, and after
1 000 such requests the fastn process holds no more file descriptors or backend connections
than before.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
from collections.abc import Iterator
from pathlib import Path

import aiohttp
import pytest
from faulty_upstream import DECLARED, SENT, FaultyUpstream
from raw_http import exchange, request_bytes

from servers import free_port, run_async

READ_TIMEOUT = "1"
SETTLE_SECONDS = 30  # how long closing connections may take to show in /proc
FAULTS = [
    "/api/garbage",
    "/api/reset",
    "/api/half-head",
    "/api/slow-head",
    "/api/reset-body",
    "/api/close-body",
    "/api/reset-chunked",
    "/api/close-chunked",
    "/api/slow-body",
    "/refused/x",
]

PACKAGE = """\
-- import: fastn

-- fastn.package: faults
endpoint: http://127.0.0.1:{port}

-- fastn.url-mappings:

/refused/* -> http+proxy://127.0.0.1:{closed}/*
"""


@pytest.fixture(scope="module")
def faulty() -> Iterator[FaultyUpstream]:
    server = FaultyUpstream().start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def fastn(start_fastn, package_folder, faulty: FaultyUpstream):
    package = package_folder(
        PACKAGE.format(port=faulty.port, closed=free_port()),
        {"index.ftd": "-- ftd.text: Home page\n"},
    )
    return start_fastn(package, "--read-timeout", READ_TIMEOUT)


def assert_still_serving(port: int) -> None:
    page = exchange(port, request_bytes("/"))
    assert page.status == 200 and b"Home page" in page.body
    proxied = exchange(port, request_bytes("/api/ok"))
    assert (proxied.status, proxied.body) == (200, b"fine")


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/refused/x", 502),
        ("/api/garbage", 502),
        ("/api/reset", 502),
        ("/api/half-head", 502),
        ("/api/slow-head", 504),
    ],
)
def test_no_answer_is_an_error_page(fastn, path: str, status: int) -> None:
    reply = exchange(fastn.port, request_bytes(path))
    assert reply.status == status
    assert reply.complete and str(status).encode() in reply.body
    assert_still_serving(fastn.port)


@pytest.mark.parametrize(
    "path", ["/api/reset-body", "/api/close-body", "/api/slow-body"], ids=lambda p: p[5:]
)
def test_broken_body_with_a_length_is_visibly_short(fastn, path: str) -> None:
    reply = exchange(fastn.port, request_bytes(path))
    assert reply.status == 200
    assert reply.header("content-length") == str(DECLARED)
    assert not reply.complete and len(reply.body) <= SENT
    assert_still_serving(fastn.port)


@pytest.mark.parametrize("path", ["/api/reset-chunked", "/api/close-chunked"], ids=lambda p: p[5:])
def test_broken_chunked_body_has_no_last_chunk(fastn, path: str) -> None:
    reply = exchange(fastn.port, request_bytes(path))
    assert reply.status == 200
    assert reply.header("transfer-encoding") == "chunked"
    assert not reply.complete and reply.body.startswith(b"hello")
    assert_still_serving(fastn.port)


async def request(session: aiohttp.ClientSession, url: str) -> tuple[int, bytes] | str:
    """(status, body), or the name of the error when the body broke off."""
    try:
        async with session.get(url) as response:
            return response.status, await response.read()
    except (aiohttp.ClientPayloadError, aiohttp.ServerDisconnectedError) as error:
        return type(error).__name__


async def storm(
    base: str, paths: list[str], concurrency: int = 50
) -> list[tuple[int, bytes] | str]:
    limit = asyncio.Semaphore(concurrency)
    timeout = aiohttp.ClientTimeout(total=60)
    async with aiohttp.ClientSession(timeout=timeout) as session:

        async def one(path: str) -> tuple[int, bytes] | str:
            async with limit:
                return await request(session, base + path)

        return await asyncio.gather(*(one(path) for path in paths))


def test_other_requests_are_unaffected(fastn) -> None:
    healthy = ["/api/ok", "/"] * 100
    paths = [path for pair in zip(FAULTS * 20, healthy, strict=True) for path in pair]
    results = run_async(storm(fastn.url, paths))
    for path, result in zip(paths, results, strict=True):
        if path == "/api/ok":
            assert result == (200, b"fine")
        elif path == "/":
            assert not isinstance(result, str) and result[0] == 200 and b"Home page" in result[1]
        elif isinstance(result, tuple):
            assert result[0] in (502, 504), (path, result[0])


def open_files(pid: int) -> list[str]:
    fd_folder = Path(f"/proc/{pid}/fd")
    links = []
    for fd in os.listdir(fd_folder):
        with contextlib.suppress(FileNotFoundError):  # closed while listed
            links.append(os.readlink(fd_folder / fd))
    return links


def connections_to(pid: int, port: int) -> int:
    """TCP connections of process `pid` whose remote end is `port` on loopback (any state)."""
    inodes = {link[8:-1] for link in open_files(pid) if link.startswith("socket:[")}
    count = 0
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            remote_port = int(fields[2].rsplit(":", 1)[1], 16)
            if remote_port == port and fields[9] in inodes:
                count += 1
    return count


def settled(check, seconds: float = SETTLE_SECONDS) -> bool:
    """True as soon as `check()` holds; False if it still does not after `seconds`."""
    deadline = time.monotonic() + seconds
    while not check():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.2)
    return True


def test_no_leaked_descriptors_or_connections_after_1000_faulty_requests(
    fastn, faulty: FaultyUpstream
) -> None:
    pid = fastn.process.pid
    run_async(storm(fastn.url, FAULTS * 2))  # warm up: everything loaded and pooled once
    assert settled(lambda: connections_to(pid, faulty.port) == 0)
    before = len(open_files(pid))

    results = run_async(storm(fastn.url, FAULTS * 100))
    assert len(results) == 1000
    assert all(isinstance(result, str) or result[0] in (200, 502, 504) for result in results)

    assert settled(lambda: connections_to(pid, faulty.port) == 0), connections_to(pid, faulty.port)
    assert settled(lambda: faulty.open_connections == 0), faulty.open_connections
    assert settled(lambda: len(open_files(pid)) <= before + 2), open_files(pid)
    assert_still_serving(fastn.port)
