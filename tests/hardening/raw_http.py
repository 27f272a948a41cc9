"""HTTP/1.1 spoken by hand over a socket: requests exactly as written, answers as they came.

Nothing between the test and the server normalizes the request (no `..` removal, no
percent-decoding, no header checks), and the answer says whether its body was complete: all
of a declared `Content-Length`, or a chunked body up to its terminating chunk.
"""

from __future__ import annotations

import socket
from dataclasses import dataclass

LOOPBACK = "127.0.0.1"


@dataclass
class RawReply:
    status: int  # 0 when no status line came back
    headers: list[tuple[str, str]]
    body: bytes
    complete: bool  # the body ended the way its headers said it would
    reset: bool = False  # the connection was reset before the answer was read to its end

    def header(self, name: str) -> str | None:
        for key, value in self.headers:
            if key.lower() == name.lower():
                return value
        return None


def request_bytes(
    target: str | bytes, method: str = "GET", headers: list[tuple[str, str]] | None = None
) -> bytes:
    """A request with `Connection: close`, the target sent byte for byte."""
    target_bytes = target if isinstance(target, bytes) else target.encode("latin-1")
    lines = [method.encode() + b" " + target_bytes + b" HTTP/1.1", b"Host: localhost"]
    lines += [f"{name}: {value}".encode("latin-1") for name, value in headers or []]
    lines.append(b"Connection: close")
    return b"\r\n".join(lines) + b"\r\n\r\n"


def exchange(port: int, data: bytes, timeout: float = 30, head: bool = False) -> RawReply:
    """Send `data`, read until the server closes the connection, and parse the answer."""
    with socket.create_connection((LOOPBACK, port), timeout=timeout) as sock:
        received = b""
        reset = False
        try:
            sock.sendall(data)
            while chunk := sock.recv(65536):
                received += chunk
        except (ConnectionResetError, BrokenPipeError):
            reset = True
    return parse_reply(received, head=head, reset=reset)


def parse_reply(data: bytes, head: bool = False, reset: bool = False) -> RawReply:
    head_text, separator, rest = data.partition(b"\r\n\r\n")
    if not separator:
        return RawReply(0, [], b"", False, reset)
    status_line, *header_lines = head_text.decode("latin-1").split("\r\n")
    status = int(status_line.split(" ", 2)[1])
    headers = [(n.strip(), v.strip()) for n, _, v in (line.partition(":") for line in header_lines)]
    reply = RawReply(status, headers, rest, True, reset)
    if head or status in (204, 304) or 100 <= status < 200:
        reply.body = b""
        return reply
    length = reply.header("content-length")
    if length is not None:
        reply.body = rest[: int(length)]
        reply.complete = len(rest) >= int(length)
    elif (reply.header("transfer-encoding") or "").lower() == "chunked":
        reply.body, reply.complete = dechunk(rest)
    return reply


def dechunk(data: bytes) -> tuple[bytes, bool]:
    """The body of a chunked message and whether its terminating zero-size chunk came."""
    body = b""
    while True:
        size_line, separator, data = data.partition(b"\r\n")
        if not separator:
            return body, False
        size = int(size_line.split(b";")[0], 16)
        if size == 0:
            return body, data.startswith(b"\r\n") or b"\r\n\r\n" in data
        if len(data) < size + 2:
            return body + data[:size], False
        body += data[:size]
        data = data[size + 2 :]
