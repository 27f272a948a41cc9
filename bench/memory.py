"""Memory: 1 GB streamed through `fastn serve` each way; RSS of the fastn process meanwhile.

A small aiohttp backend (`stream_upstream.py`) streams a download and swallows an upload; the
client streams too. fastn's VmRSS (/proc/PID/status) is sampled every 20 ms during each
transfer; growth is the peak over the RSS after a 1 MB warm-up each way. Target (issue 7):
growth < 50 MB. Throughput is shown against the same transfer made directly to the backend.
"""

from __future__ import annotations

import asyncio
import sys
import threading
import time
from collections.abc import AsyncIterator
from contextlib import ExitStack
from pathlib import Path

import aiohttp
from harness import (
    LOOPBACK,
    Options,
    Service,
    Table,
    fastn_in_front,
    free_port,
    pinned,
    ratio,
    rss_bytes,
    run_main,
    scratch_folder,
    target_note,
    wait_http,
)

MB = 1024 * 1024
CHUNK = b"\0" * (256 * 1024)
GROWTH_TARGET_MB = 50
SAMPLE_SECONDS = 0.02


class RssSampler:
    """Peak VmRSS of a process, sampled from a thread while a transfer runs."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.peak = rss_bytes(pid)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._stop.wait(SAMPLE_SECONDS):
            self.peak = max(self.peak, rss_bytes(self.pid))

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, rss_bytes(self.pid))


async def _body(size: int) -> AsyncIterator[bytes]:
    remaining = size
    while remaining > 0:
        piece = CHUNK[: min(len(CHUNK), remaining)]
        remaining -= len(piece)
        yield piece


async def download(session: aiohttp.ClientSession, port: int, size: int) -> float:
    """Seconds to stream `size` bytes from `port`."""
    started = time.perf_counter()
    received = 0
    async with session.get(f"http://{LOOPBACK}:{port}/download?bytes={size}") as response:
        async for chunk in response.content.iter_any():
            received += len(chunk)
    if response.status != 200 or received != size:
        raise RuntimeError(
            f"download through {port}: {response.status}, {received} of {size} bytes"
        )
    return time.perf_counter() - started


async def upload(session: aiohttp.ClientSession, port: int, size: int) -> float:
    """Seconds to stream `size` bytes to `port` (the backend reports what it received)."""
    started = time.perf_counter()
    async with session.post(f"http://{LOOPBACK}:{port}/upload", data=_body(size)) as response:
        answer = await response.text()
    if response.status != 200 or answer != str(size):
        raise RuntimeError(f"upload through {port}: {response.status}, backend got {answer!r}")
    return time.perf_counter() - started


async def transfers(options: Options, upstream_port: int, fastn_port: int, fastn_pid: int) -> Table:
    size = 16 * MB if options.quick else 1024 * MB
    table = Table(
        f"Memory: {size // MB} MB streamed through fastn serve each way",
        [
            "direction",
            "route",
            "MB/s",
            "× direct",
            "fastn RSS before (MB)",
            "peak (MB)",
            "growth (MB)",
        ],
    )
    timeout = aiohttp.ClientTimeout(total=600)
    async with aiohttp.ClientSession(timeout=timeout) as session:
        await download(session, fastn_port, MB)
        await upload(session, fastn_port, MB)
        for direction, transfer in (("download", download), ("upload", upload)):
            direct = await transfer(session, upstream_port, size)
            before = rss_bytes(fastn_pid)
            with RssSampler(fastn_pid) as sampler:
                proxied = await transfer(session, fastn_port, size)
            growth = (sampler.peak - before) / MB
            table.add(direction, "direct", f"{size / MB / direct:,.0f}", "1.00×", "", "", "")
            table.add(
                direction,
                "fastn serve",
                f"{size / MB / proxied:,.0f}",
                ratio(direct, proxied),
                f"{before / MB:.1f}",
                f"{sampler.peak / MB:.1f}",
                f"{growth:+.1f}",
            )
            table.notes.append(
                target_note(
                    f"{direction}: RSS growth {growth:+.1f} MB",
                    growth < GROWTH_TARGET_MB,
                    f"< {GROWTH_TARGET_MB} MB",
                )
            )
    return table


def run(options: Options) -> list[Table]:
    with ExitStack() as stack:
        work = stack.enter_context(scratch_folder())
        upstream_port = free_port()
        upstream = stack.enter_context(
            Service(
                "stream-upstream",
                [
                    sys.executable,
                    str(Path(__file__).with_name("stream_upstream.py")),
                    str(upstream_port),
                ],
                work,
                cpu=options.cpu("load"),
            )
        )
        wait_http(upstream_port, upstream, "/download?bytes=1")
        fastn, fastn_port = fastn_in_front(
            work, "bench-memory", upstream_port, options.cpu("server")
        )
        stack.enter_context(fastn)
        with pinned(options.cpu("load")):  # the client shares the backend's core, like wrk
            table = asyncio.run(transfers(options, upstream_port, fastn_port, fastn.pid))
        fastn.check_running()
    return [table]


if __name__ == "__main__":
    sys.exit(run_main(run, __doc__.splitlines()[0]))
