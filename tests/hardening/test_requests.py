"""Malformed, oversized, badly encoded and slow requests: a clear 4xx, never a hang or a crash.

Requests are written by hand (`raw_http`) to one `fastn serve` whose client timeout is 2 s
(`FASTN_CLIENT_TIMEOUT`), and after each attack an ordinary request must still be answered.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterator

import pytest
from raw_http import LOOPBACK, exchange, parse_reply, request_bytes

CLIENT_TIMEOUT = "2"
WAIT = 30  # how long a test waits for the server to act on a timeout of 2 s

PACKAGE = """\
-- import: fastn

-- fastn.package: requests
endpoint: http://127.0.0.1:{port}
"""
QUERY_PAGE = """\
-- import: fastn/processors as pr

-- string x: none
$processor$: pr.request-data

-- ftd.text: $x
"""

MALFORMED = [
    b"GARBAGE\r\n\r\n",
    b"GET\r\n\r\n",
    b"GET / HTTP/1.1 extra\r\nHost: x\r\n\r\n",
    b" / HTTP/1.1\r\nHost: x\r\n\r\n",
    b"GET / FTP/1.1\r\nHost: x\r\n\r\n",
    b"G\x00T / HTTP/1.1\r\nHost: x\r\n\r\n",
    b"GET /\x00 HTTP/1.1\r\nHost: x\r\n\r\n",
    b"GET /\x7f HTTP/1.1\r\nHost: x\r\n\r\n",
    b"GET /caf\xc3\x28 HTTP/1.1\r\nHost: x\r\n\r\n",
    b"GET /\xff\xfe HTTP/1.1\r\nHost: x\r\n\r\n",
    b"GET /?x=\xff HTTP/1.1\r\nHost: x\r\n\r\n",
    b"GET / HTTP/1.1\r\nHost: x\r\nNo colon here\r\n\r\n",
    b"GET / HTTP/1.1\r\nHost: x\r\n: no-name\r\n\r\n",
    b"GET / HTTP/1.1\r\nHost: x\r\nBad Name: y\r\n\r\n",
    b"GET / HTTP/1.1\r\nHost: x\r\nX: a\x00b\r\n\r\n",
    b"POST /api/echo HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n",
    b"POST /api/echo HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n",
    b"POST /api/echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!",
    b"POST /api/echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n",
    b"POST /api/echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n"
    b"0\r\n\r\n",
    b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + b"\x00" * 64,  # a TLS ClientHello
]


@pytest.fixture(scope="module")
def fastn(start_fastn, package_folder, upstream):
    package = package_folder(
        PACKAGE.format(port=upstream.port),
        {"index.ftd": "-- ftd.text: Home page\n", "query.ftd": QUERY_PAGE},
    )
    return start_fastn(package, env={"FASTN_CLIENT_TIMEOUT": CLIENT_TIMEOUT})


def assert_still_serving(port: int) -> None:
    reply = exchange(port, request_bytes("/"))
    assert reply.status == 200 and b"Home page" in reply.body


@pytest.mark.parametrize("data", MALFORMED, ids=range(len(MALFORMED)))
def test_malformed_request_is_400(fastn, data: bytes) -> None:
    reply = exchange(fastn.port, data)
    assert reply.status == 400, reply
    assert_still_serving(fastn.port)


@pytest.mark.parametrize(
    ("name", "head"),
    [
        ("request line", request_bytes("/" + "a" * 100_000)),
        ("query string", request_bytes("/?q=" + "a" * 100_000)),
        ("one header", request_bytes("/", headers=[("X-Big", "a" * 100_000)])),
        ("many headers", request_bytes("/", headers=[("X-Many", "a" * 40)] * 3000)),
        ("cookie", request_bytes("/", headers=[("Cookie", "c=" + "a" * 80_000)])),
    ],
    ids=lambda value: value if isinstance(value, str) else "",
)
def test_oversized_head_is_431(fastn, name: str, head: bytes) -> None:
    reply = exchange(fastn.port, head)
    assert reply.status == 431, (name, reply.status)
    assert_still_serving(fastn.port)


def test_large_but_reasonable_head_is_served(fastn) -> None:
    cookies = [("Cookie", f"c{index}=" + "a" * 3000) for index in range(12)]  # 36 KB
    reply = exchange(fastn.port, request_bytes("/", headers=cookies))
    assert reply.status == 200


def test_endless_header_is_cut_off_early(fastn) -> None:
    """The server stops reading long before 200 MB: its memory does not follow the header."""
    before = fastn.rss_bytes()
    sent = 0
    with socket.create_connection((LOOPBACK, fastn.port), timeout=WAIT) as sock:
        sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nX-Endless: ")
        chunk = b"a" * 1_000_000
        try:
            while sent < 200_000_000:
                sock.sendall(chunk)
                sent += len(chunk)
        except (BrokenPipeError, ConnectionResetError):
            pass
    assert sent < 50_000_000  # what the socket buffers took before the server closed
    assert fastn.rss_bytes() - before < 30_000_000
    assert_still_serving(fastn.port)


def test_invalid_utf8_percent_escapes(fastn, upstream) -> None:
    """Escapes that are not UTF-8: a page or a 4xx, proxied byte for byte to the backend."""
    page = exchange(fastn.port, request_bytes("/query/?x=%ff%fe%C3%28"))
    assert page.status in (200, 400), page
    good = exchange(fastn.port, request_bytes("/query/?x=caf%C3%A9"))
    assert good.status == 200 and "café".encode() in good.body
    proxied = exchange(fastn.port, request_bytes("/api/caf%ff%C3%28/?x=%fe"))
    assert proxied.status == 200
    assert b'"raw_path": "/api/caf%ff%C3%28/?x=%fe"' in proxied.body
    not_found = exchange(fastn.port, request_bytes("/%ff%fe/"))
    assert not_found.status == 200  # unknown to the package: the backend's to answer
    assert_still_serving(fastn.port)


def read_until_closed(sock: socket.socket) -> bytes:
    received = b""
    try:
        while chunk := sock.recv(65536):
            received += chunk
    except ConnectionResetError:
        pass
    return received


def test_idle_connection_is_closed_without_an_answer(fastn) -> None:
    with socket.create_connection((LOOPBACK, fastn.port), timeout=WAIT) as sock:
        assert read_until_closed(sock) == b""
    assert_still_serving(fastn.port)


@pytest.fixture
def slow_clients(fastn) -> Iterator[list[socket.socket]]:
    """Sixty slowloris connections: a partial head, then a header line every half second."""
    sockets = [socket.create_connection((LOOPBACK, fastn.port), timeout=WAIT) for _ in range(60)]
    for sock in sockets:
        sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n")
    stop = threading.Event()

    def trickle() -> None:
        while not stop.wait(0.5):
            for sock in sockets:
                with contextlib.suppress(OSError):  # closed by the server already
                    sock.sendall(b"X-Slow: 1\r\n")

    thread = threading.Thread(target=trickle, daemon=True)
    thread.start()
    yield sockets
    stop.set()
    thread.join()
    for sock in sockets:
        sock.close()


def test_slowloris_is_cut_off_and_others_are_served(fastn, slow_clients) -> None:
    for _ in range(5):  # while they trickle, everyone else is served
        assert_still_serving(fastn.port)
    for sock in slow_clients:
        reply = parse_reply(read_until_closed(sock))
        assert reply.status == 408
    assert_still_serving(fastn.port)


@pytest.mark.parametrize(
    "head",
    [
        b"POST /api/echo HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n",  # proxied
        b"GET /query/ HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n",  # a page reads it
        b"POST /api/echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n",
    ],
    ids=["proxied", "page", "chunked"],
)
def test_stalled_body_is_408(fastn, head: bytes) -> None:
    with socket.create_connection((LOOPBACK, fastn.port), timeout=WAIT) as sock:
        sock.sendall(head + b"hello")
        reply = parse_reply(read_until_closed(sock))
    assert reply.status == 408
    assert_still_serving(fastn.port)


def test_slow_but_steady_body_is_not_cut(fastn) -> None:
    """A body that keeps coming (each piece within the timeout) is not a stalled one."""
    body = b"0123456789" * 12
    with socket.create_connection((LOOPBACK, fastn.port), timeout=WAIT) as sock:
        sock.sendall(
            b"POST /api/echo HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
            b"Content-Length: %d\r\n\r\n" % len(body)
        )
        for index in range(0, len(body), 10):
            time.sleep(0.3)  # 3.6 s in all: longer than the timeout, never silent that long
            sock.sendall(body[index : index + 10])
        reply = parse_reply(read_until_closed(sock))
    assert reply.status == 200
    assert b'"body_length": 120' in reply.body
