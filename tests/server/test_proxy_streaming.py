"""200 MB each way through the proxy without the fastn process holding it in memory."""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import AsyncIterator, Callable

import aiohttp
import pytest

from fastn.server.proxy import DEFAULT_BODY_BUFFER
from servers import run_async

BOTH_MODES = True  # fastn serve alone and with --front nginx (servers.py)

SIZE = 200 * 1024 * 1024
MEMORY_LIMIT = 50 * 1024 * 1024
CHUNK = b"\0" * (256 * 1024)

PACKAGE = """\
-- import: fastn

-- fastn.package: streaming
endpoint: http://127.0.0.1:{port}
"""


@pytest.fixture(scope="module")
def fastn(upstream, package_folder, start_fastn):
    return start_fastn(package_folder(PACKAGE.format(port=upstream.port)))


class PeakMemory:
    """Samples the server's resident memory in a thread while a transfer runs."""

    def __init__(self, read: Callable[[], int]) -> None:
        self.read = read
        self.baseline = read()
        self.peak = self.baseline
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._done.wait(0.02):
            self.peak = max(self.peak, self.read())

    def __enter__(self) -> PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._done.set()
        self._thread.join()

    @property
    def growth(self) -> int:
        return self.peak - self.baseline


def _warm_up(fastn, fetch) -> None:
    for _ in range(3):
        assert fetch(f"{fastn.url}/big?bytes=1048576").status == 200


@pytest.mark.timeout(120)
def test_a_200_mb_response_is_streamed(fastn, fetch) -> None:
    _warm_up(fastn, fetch)

    async def download() -> int:
        received = 0
        async with (
            aiohttp.ClientSession() as session,
            session.get(f"{fastn.url}/big?bytes={SIZE}") as response,
        ):
            assert response.status == 200
            async for chunk in response.content.iter_chunked(1 << 20):
                received += len(chunk)
        return received

    with PeakMemory(fastn.rss_bytes) as memory:
        received = run_async(download())
    assert received == SIZE
    assert memory.growth < MEMORY_LIMIT, f"fastn grew by {memory.growth / 2**20:.1f} MB"


@pytest.mark.timeout(120)
def test_a_200_mb_request_body_is_streamed(fastn, fetch) -> None:
    _warm_up(fastn, fetch)
    expected = hashlib.sha256()
    for _ in range(SIZE // len(CHUNK)):
        expected.update(CHUNK)

    async def body() -> AsyncIterator[bytes]:
        for _ in range(SIZE // len(CHUNK)):
            yield CHUNK

    async def upload() -> dict:
        async with (
            aiohttp.ClientSession() as session,
            session.put(
                f"{fastn.url}/upload/echo", data=body(), headers={"Content-Length": str(SIZE)}
            ) as response,
        ):
            assert response.status == 200
            return await response.json()

    with PeakMemory(fastn.rss_bytes) as memory:
        report = run_async(upload())
    assert report["body_length"] == SIZE
    assert report["body_sha256"] == expected.hexdigest()
    assert memory.growth < MEMORY_LIMIT, f"fastn grew by {memory.growth / 2**20:.1f} MB"


@pytest.mark.timeout(60)
def test_a_chunked_upload_without_length_is_streamed(fastn, serve_mode) -> None:
    """Past what the proxy reads whole before contacting the backend, the body streams on
    (fastn serve alone); the front's nginx reads every body whole, then sends its length."""
    chunks = DEFAULT_BODY_BUFFER // len(CHUNK) + 8

    async def body() -> AsyncIterator[bytes]:
        for _ in range(chunks):
            yield CHUNK

    async def upload() -> dict:
        async with (
            aiohttp.ClientSession() as session,
            session.post(f"{fastn.url}/echo", data=body()) as response,
        ):
            return await response.json()

    report = run_async(upload())
    assert report["body_length"] == chunks * len(CHUNK)
    framing = [value for name, value in report["headers"] if name.lower() == "transfer-encoding"]
    assert framing == (["chunked"] if serve_mode == "plain" else [])


@pytest.mark.timeout(60)
def test_leaving_mid_stream_stops_the_upstream_transfer(fastn, upstream, fetch) -> None:
    """A browser closing an endless (SSE-like) response must not leave fastn reading forever."""
    endless = SIZE * 50

    async def leave_early() -> None:
        async with (
            aiohttp.ClientSession() as session,
            session.get(f"{fastn.url}/big?bytes={endless}") as response,
        ):
            await response.content.readexactly(1 << 20)

    already_ended = len(upstream.streams_ended)
    run_async(leave_early())
    deadline = time.monotonic() + 10
    while len(upstream.streams_ended) == already_ended and time.monotonic() < deadline:
        time.sleep(0.05)
    assert upstream.streams_ended[already_ended:], "the upstream is still sending"
    assert upstream.streams_ended[already_ended] < endless
    assert fetch(f"{fastn.url}/echo").status == 200
