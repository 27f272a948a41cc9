"""An unreachable upstream is 502, a silent one 504 — with the package's own page if it has one."""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import Iterator

import aiohttp
import pytest

from servers import run_async

BOTH_MODES = True  # fastn serve alone and with --front nginx (servers.py)

PACKAGE = """\
-- import: fastn

-- fastn.package: failing
endpoint: http://127.0.0.1:{port}
"""

PAGE_502 = """\
-- ftd.text: The shop backend is restarting, try again in a minute.
"""

PAGE_5XX = """\
-- ftd.text: Something went wrong upstream.
"""


@pytest.fixture(scope="module")
def closed_port() -> int:
    """A port nothing listens on: connecting is refused."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_refused_upstream_is_502(package_folder, start_fastn, fetch, closed_port) -> None:
    fastn = start_fastn(package_folder(PACKAGE.format(port=closed_port)))
    reply = fetch(f"{fastn.url}/anything/")
    assert reply.status == 502
    assert reply.headers["Content-Type"].startswith("text/html")
    assert b"502 Bad Gateway" in reply.body


def test_refused_upstream_renders_502_ftd(package_folder, start_fastn, fetch, closed_port) -> None:
    fastn = start_fastn(
        package_folder(PACKAGE.format(port=closed_port), {"502.ftd": PAGE_502, "5xx.ftd": PAGE_5XX})
    )
    reply = fetch(f"{fastn.url}/anything/")
    assert reply.status == 502
    assert b"The shop backend is restarting" in reply.body


@pytest.mark.timeout(60)
def test_stalled_upstream_is_504_after_the_read_timeout(
    upstream, package_folder, start_fastn, fetch
) -> None:
    fastn = start_fastn(
        package_folder(PACKAGE.format(port=upstream.port), {"5xx.ftd": PAGE_5XX}),
        "--read-timeout",
        "0.5",
    )
    started = time.monotonic()
    reply = fetch(f"{fastn.url}/stall")
    assert reply.status == 504
    assert b"Something went wrong upstream" in reply.body  # 504.ftd absent: 5xx.ftd
    assert time.monotonic() - started < 20


@pytest.fixture
def full_backlog() -> Iterator[int]:
    """A port whose accept queue is full: the kernel drops new SYNs, so connecting hangs
    (a backend host that is down behind a firewall, or swamped)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    port = listener.getsockname()[1]
    held = []
    while True:  # fill the queue until a connection attempt no longer completes
        client = socket.socket()
        client.settimeout(0.3)
        held.append(client)
        try:
            client.connect(("127.0.0.1", port))
        except TimeoutError:
            break
    yield port
    for sock in (*held, listener):
        sock.close()


@pytest.mark.timeout(60)
def test_an_upstream_that_never_accepts_is_504_after_the_connect_timeout(
    package_folder, start_fastn, fetch, full_backlog
) -> None:
    fastn = start_fastn(
        package_folder(PACKAGE.format(port=full_backlog)),
        "--connect-timeout", "0.5", "--read-timeout", "30",
    )  # fmt: skip
    started = time.monotonic()
    reply = fetch(f"{fastn.url}/anything/")
    elapsed = time.monotonic() - started
    assert reply.status == 504
    assert b"504 Gateway Timeout" in reply.body
    assert 0.4 < elapsed < 4  # the connect timeout: not the read timeout, not the default 5 s


def test_websocket_to_a_refused_upstream_is_refused(
    package_folder, start_fastn, closed_port
) -> None:
    fastn = start_fastn(package_folder(PACKAGE.format(port=closed_port)))

    async def connect() -> int:
        async with aiohttp.ClientSession() as session:
            try:
                async with session.ws_connect(f"{fastn.url}/ws"):
                    return 101
            except aiohttp.WSServerHandshakeError as error:
                return error.status

    assert run_async(asyncio.wait_for(connect(), 10)) == 502
