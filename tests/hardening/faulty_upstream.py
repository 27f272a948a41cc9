"""A backend that fails on purpose, written on raw asyncio streams so it can misbehave at the
byte level (resets, garbage, half answers, silence) in a way no HTTP library would.

Paths: `/ok` 200 "fine"; `/garbage` bytes that are not HTTP; `/reset` a reset before any
answer; `/half-head` half a status line, then close; `/slow-head` no answer at all;
`/reset-body`, `/close-body` 5 000 of 100 000 declared bytes, then a reset / a clean close;
`/reset-chunked`, `/close-chunked` two chunks and no terminating one, then a reset / a close;
`/slow-body` 5 000 of 100 000 bytes, then silence. Every connection serves one request.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import struct
import threading

from raw_http import LOOPBACK

DECLARED = 100_000
SENT = 5_000
SILENCE = 60.0  # the longest a slow answer waits (until fastn gives up and hangs up first)


class FaultyUpstream:
    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.server: asyncio.Server | None = None
        self.port = 0
        self.open_connections = 0

    def start(self) -> FaultyUpstream:
        self.thread.start()
        asyncio.run_coroutine_threadsafe(self._start(), self.loop).result(10)
        return self

    async def _start(self) -> None:
        self.server = await asyncio.start_server(self.handle, LOOPBACK, 0)
        self.port = self.server.sockets[0].getsockname()[1]

    def stop(self) -> None:
        async def close() -> None:
            assert self.server is not None
            self.server.close()
            for task in asyncio.all_tasks():
                if task is not asyncio.current_task():
                    task.cancel()

        asyncio.run_coroutine_threadsafe(close(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.open_connections += 1
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            path = head.split(b" ", 2)[1].split(b"?")[0].decode()
            await self.answer(path, reader, writer)
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
            pass
        finally:
            self.open_connections -= 1
            writer.close()

    async def answer(
        self, path: str, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        if path.endswith("/ok"):
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 4\r\nConnection: close\r\n\r\nfine")
        elif path.endswith("/garbage"):
            writer.write(b"\x00\xffTHIS IS NOT HTTP\r\n\r\n" * 10)
        elif path.endswith("/reset"):
            await reset(writer)
        elif path.endswith("/half-head"):
            writer.write(b"HTTP/1.1 200 OK\r\nContent-")
        elif path.endswith("/slow-head"):
            await until_hung_up(reader)
        elif path.endswith("-body"):
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % DECLARED)
            writer.write(b"x" * SENT)
            await self.end(path, reader, writer)
        elif path.endswith("-chunked"):
            writer.write(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
            writer.write(b"5\r\nhello\r\n6\r\n world\r\n")
            await self.end(path, reader, writer)
        else:
            writer.write(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")
        await writer.drain()

    async def end(
        self, path: str, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        await writer.drain()
        if "/reset-" in path:
            await reset(writer)
        elif "/slow-" in path:
            await until_hung_up(reader)


async def reset(writer: asyncio.StreamWriter) -> None:
    """Abort the connection with a TCP reset, after what was written has left."""
    await writer.drain()
    await asyncio.sleep(0.05)
    sock = writer.get_extra_info("socket")
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.transport.abort()


async def until_hung_up(reader: asyncio.StreamReader) -> None:
    """Say nothing until the other side closes (or SILENCE has passed)."""
    with contextlib.suppress(TimeoutError, OSError):
        await asyncio.wait_for(reader.read(), SILENCE)
