"""Issue 3 point 5: the app is a plain ASGI factory; several workers serve the same package."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import aiohttp
import pytest

from servers import run_async

PACKAGE = """\
-- import: fastn

-- fastn.package: scaled
endpoint: http://127.0.0.1:{port}
"""


def worker_pids(parent: int) -> set[int]:
    children = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == parent:
            children.add(int(stat.parent.name))
    return children


@pytest.mark.timeout(120)
def test_two_uvicorn_workers_answer(upstream, package_folder, start_uvicorn) -> None:
    package = package_folder(
        PACKAGE.format(port=upstream.port), {"index.ftd": "-- ftd.text: Scaled page\n"}
    )
    server = start_uvicorn(package, "--workers", "2")

    async def load() -> list[tuple[int, bytes]]:
        async with aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(force_close=True)
        ) as session:

            async def one(path: str) -> tuple[int, bytes]:
                async with session.get(server.url + path) as response:
                    return response.status, await response.read()

            paths = ["/", "/api/echo?n=1"] * 40
            return await asyncio.gather(*(one(path) for path in paths))

    for _ in range(100):  # both workers must have started; the master spawns them one by one
        if len(worker_pids(server.process.pid)) >= 2:
            break
        time.sleep(0.1)
    replies = run_async(asyncio.wait_for(load(), 60))
    assert all(status == 200 for status, _ in replies)
    assert all(b"Scaled page" in body for status, body in replies[0::2])
    assert all(b'"/api/echo?n=1"' in body for status, body in replies[1::2])
    assert len(worker_pids(server.process.pid)) >= 2
