"""A backend that notes every connection the moment it is opened and every byte it receives.

Written on raw asyncio streams so that what it reports is exactly what reached it: whether
fastn connected at all (a request meant for another host), and when (before or after the
client's body was complete). Each connection gets one answer, `200 received N bytes`, once a
whole request (a `Content-Length` or chunked body included) has arrived.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Iterator

from raw_http import dechunk


class RecordingUpstream:
    def __init__(self, host: str) -> None:
        self.host = host
        self.port = 0
        self.connections = 0
        self.requests: list[bytes] = []  # each request as it arrived, head and body
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.server: asyncio.Server | None = None

    def start(self) -> RecordingUpstream:
        self.thread.start()
        asyncio.run_coroutine_threadsafe(self._start(), self.loop).result(10)
        return self

    async def _start(self) -> None:
        self.server = await asyncio.start_server(self.handle, self.host, 0)
        self.port = self.server.sockets[0].getsockname()[1]

    def stop(self) -> None:
        async def close() -> None:
            assert self.server is not None
            self.server.close()

        asyncio.run_coroutine_threadsafe(close(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)

    def received(self) -> bytes:
        """Everything every request brought, for checking that a secret never arrived."""
        return b"".join(self.requests)

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            request = await self.read_request(reader)
        except (asyncio.IncompleteReadError, ConnectionError):
            writer.close()
            return
        self.requests.append(request)
        body = b"received %d bytes" % len(request_body(request))
        writer.write(
            b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nConnection: close\r\n"
            b"Content-Length: %d\r\n\r\n%s" % (len(body), body)
        )
        await writer.drain()
        writer.close()

    @staticmethod
    async def read_request(reader: asyncio.StreamReader) -> bytes:
        head = await reader.readuntil(b"\r\n\r\n")
        length = request_header(head, b"content-length")
        if length is not None:
            return head + await reader.readexactly(int(length))
        if (request_header(head, b"transfer-encoding") or b"").lower() == b"chunked":
            return head + await reader.readuntil(b"0\r\n\r\n")
        return head


def request_header(head: bytes, name: bytes) -> bytes | None:
    for line in head.split(b"\r\n")[1:]:
        key, _, value = line.partition(b":")
        if key.strip().lower() == name:
            return value.strip()
    return None


def request_body(request: bytes) -> bytes:
    head, _, body = request.partition(b"\r\n\r\n")
    if (request_header(head, b"transfer-encoding") or b"").lower() == b"chunked":
        return dechunk(body)[0]
    return body


@contextlib.contextmanager
def recording_upstream(host: str = "127.0.0.1") -> Iterator[RecordingUpstream]:
    server = RecordingUpstream(host).start()
    try:
        yield server
    finally:
        server.stop()


def request_line(request: bytes) -> bytes:
    return request.partition(b"\r\n")[0]
