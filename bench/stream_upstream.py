"""A backend for the memory benchmark: `python3 stream_upstream.py PORT` on 127.0.0.1.

`GET /download?bytes=N` streams N bytes; `POST /upload` reads the whole body and answers how
many bytes arrived. Both stream, so the backend's own memory stays flat whatever the size.
"""

from __future__ import annotations

import asyncio
import sys

from aiohttp import web

CHUNK = b"\0" * (256 * 1024)


async def handle(request: web.BaseRequest) -> web.StreamResponse:
    if request.method == "POST":
        received = 0
        async for chunk in request.content.iter_any():
            received += len(chunk)
        return web.Response(text=str(received))
    remaining = int(request.query.get("bytes", "0"))
    response = web.StreamResponse(headers={"Content-Type": "application/octet-stream"})
    response.content_length = remaining
    await response.prepare(request)
    while remaining > 0:
        piece = CHUNK[: min(len(CHUNK), remaining)]
        await response.write(piece)
        remaining -= len(piece)
    await response.write_eof()
    return response


async def serve(port: int) -> web.ServerRunner:
    runner = web.ServerRunner(web.Server(handle))
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    return runner


def main() -> None:
    loop = asyncio.new_event_loop()
    loop.run_until_complete(serve(int(sys.argv[1])))
    loop.run_forever()


if __name__ == "__main__":
    main()
