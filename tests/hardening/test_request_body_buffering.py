"""A slow client holds no backend connection: bodies are read whole before the backend is
contacted (nginx's `proxy_request_buffering on`), within a total deadline.

Issue 14: a body dripped one byte every 10 s kept a backend connection (with gunicorn's sync
workers, a whole worker) busy for as long as the client liked. The backend here notes each
connection the moment it opens, so the tests can tell whether fastn contacted it while the
body was still coming. Small limits keep the tests short: 16 bytes in memory (so the
temporary file is used too), 4 096 buffered, a 3 s deadline; the per-read client timeout stays
at its 30 s default, so only the total deadline can cut a steady drip.
"""

from __future__ import annotations

import hashlib
import socket
import time
from collections.abc import Iterator

import pytest
from raw_http import LOOPBACK, parse_reply
from recording_upstream import (
    RecordingUpstream,
    recording_upstream,
    request_body,
    request_header,
)

BUFFERED = 4096
DEADLINE = "3"
WAIT = 30
PACKAGE = """\
-- import: fastn

-- fastn.package: buffering
endpoint: http://127.0.0.1:{port}
"""


@pytest.fixture(scope="module")
def backend() -> Iterator[RecordingUpstream]:
    with recording_upstream() as server:
        yield server


@pytest.fixture(scope="module")
def fastn(start_fastn, package_folder, backend):
    environment = {
        "FASTN_PROXY_BODY_IN_MEMORY": "16",
        "FASTN_PROXY_BODY_BUFFER": str(BUFFERED),
        "FASTN_PROXY_BODY_TIMEOUT": DEADLINE,
    }
    return start_fastn(package_folder(PACKAGE.format(port=backend.port)), env=environment)


@pytest.fixture
def client(fastn, backend) -> Iterator[socket.socket]:
    backend.connections = 0
    backend.requests.clear()
    with socket.create_connection((LOOPBACK, fastn.port), timeout=WAIT) as sock:
        yield sock


def head(length: int | None) -> bytes:
    framing = (
        b"Content-Length: %d" % length if length is not None else b"Transfer-Encoding: chunked"
    )
    return b"POST /upload HTTP/1.1\r\nHost: x\r\nConnection: close\r\n%s\r\n\r\n" % framing


def chunk(data: bytes) -> bytes:
    return b"%x\r\n%s\r\n" % (len(data), data)


def read_reply(sock: socket.socket) -> bytes:
    received = b""
    while piece := sock.recv(65536):
        received += piece
    return received


def drip(sock: socket.socket, pieces: list[bytes], pause: float = 0.1) -> None:
    for piece in pieces:
        sock.sendall(piece)
        time.sleep(pause)


BODY = b"0123456789abcdefghij"


@pytest.mark.parametrize("framing", ["length", "chunked"])
def test_a_dripped_body_reaches_the_backend_only_once_complete(
    client, backend, framing: str
) -> None:
    pieces = [BODY[index : index + 1] for index in range(len(BODY))]
    if framing == "length":
        client.sendall(head(len(BODY)))
        last = pieces.pop()
    else:
        client.sendall(head(None))
        pieces = [chunk(piece) for piece in pieces]
        last = b"0\r\n\r\n"
    drip(client, pieces)  # 2 s: fastn would have connected at the first byte
    assert backend.connections == 0
    client.sendall(last)
    reply = parse_reply(read_reply(client))
    assert (reply.status, reply.body) == (200, b"received 20 bytes")
    assert backend.connections == 1
    assert request_body(backend.requests[0]) == BODY
    # a chunked body comes whole, with its length
    assert request_header(backend.requests[0], b"content-length") == b"20"


@pytest.mark.parametrize("framing", ["length", "chunked"])
def test_a_body_slower_than_the_deadline_is_408_and_never_forwarded(
    client, backend, framing: str
) -> None:
    """A byte every half second never stalls the connection, but the body never ends."""
    client.sendall(head(1000) if framing == "length" else head(None))
    client.settimeout(0.5)
    received = b""
    for _ in range(2 * WAIT):
        try:
            client.sendall(b"x" if framing == "length" else chunk(b"x"))
            piece = client.recv(65536)
        except TimeoutError:
            continue
        except (BrokenPipeError, ConnectionResetError):
            break
        received += piece
        if not piece or b"\r\n\r\n" in received:
            break
    assert parse_reply(received).status == 408
    assert backend.connections == 0


def test_a_body_larger_than_memory_goes_through_a_file_intact(client, backend) -> None:
    body = bytes(range(256)) * 15  # 3 840 bytes: past the 16 kept in memory, under 4 096
    client.sendall(head(len(body)) + body)
    reply = parse_reply(read_reply(client))
    assert (reply.status, reply.body) == (200, b"received 3840 bytes")
    assert hashlib.sha256(request_body(backend.requests[0])).digest() == (
        hashlib.sha256(body).digest()
    )


@pytest.mark.parametrize("framing", ["length", "chunked"])
def test_a_body_larger_than_the_buffer_is_streamed(client, backend, framing: str) -> None:
    """Past `FASTN_PROXY_BODY_BUFFER` bytes the backend is contacted while the body comes."""
    body = b"y" * (2 * BUFFERED)
    if framing == "length":
        client.sendall(head(len(body)) + body[:-1])
        rest = body[-1:]
    else:
        client.sendall(head(None) + chunk(body[:-1]))
        rest = chunk(body[-1:]) + b"0\r\n\r\n"
    deadline = time.monotonic() + WAIT
    while backend.connections == 0 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert backend.connections == 1
    client.sendall(rest)
    reply = parse_reply(read_reply(client))
    assert (reply.status, reply.body) == (200, b"received 8192 bytes")
    assert request_body(backend.requests[0]) == body
