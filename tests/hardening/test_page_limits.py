"""One page request cannot take a worker's memory or its event loop.

- A page request's body is capped (`FASTN_MAX_BODY`, 1 MiB by default): past it the answer is
  413 at once, the rest of the body unread, declared (`Content-Length`) or chunked; the
  server's memory does not follow a 300 MiB body.
- `pr.request-data` takes a JSON body of bounded nesting and key count (400 past them).
- A page that is slow to render (request data drawn as markdown) does not hold other
  requests up: they are answered while it renders.
"""

from __future__ import annotations

import json
import socket
import threading
import time
import uuid
from collections.abc import Callable

import pytest
from raw_http import LOOPBACK, RawReply, exchange, parse_reply, request_bytes

PACKAGE = "-- import: fastn\n\n-- fastn.package: limits\n"
READS_TEXT = """\
-- import: fastn/processors as pr

-- string text: none
$processor$: pr.request-data

-- ftd.text: $text
"""
MAX_BODY = 256 * 1024  # smaller than the default, so the tests send less
HUGE = 300 * 1024 * 1024


@pytest.fixture(scope="module")
def fastn(start_fastn, package_folder):
    package = package_folder(
        PACKAGE, {"index.ftd": "-- ftd.text: Home page\n", "echo.ftd": READS_TEXT}
    )
    return start_fastn(package, "--production", env={"FASTN_MAX_BODY": str(MAX_BODY)})


def json_request(body: bytes) -> bytes:
    head = [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]
    return request_bytes("/echo/", headers=head) + body


def assert_still_serving(port: int) -> None:
    reply = exchange(port, request_bytes("/"))
    assert reply.status == 200 and b"Home page" in reply.body


def test_a_body_within_the_cap_is_read(fastn) -> None:
    text = "x" * (MAX_BODY - 100)
    reply = exchange(fastn.port, json_request(json.dumps({"text": text}).encode()))
    assert reply.status == 200 and text.encode() in reply.body


def test_a_declared_body_over_the_cap_is_413_before_it_is_sent(fastn) -> None:
    """Only the head is sent: the answer comes without the server waiting for the body."""
    head = request_bytes("/echo/", headers=[("Content-Length", str(HUGE))])
    reply = exchange(fastn.port, head)
    assert reply.status == 413
    assert reply.header("connection") == "close"
    assert_still_serving(fastn.port)


def send_endless_chunked_body(port: int, total: int) -> tuple[RawReply, int]:
    """A chunked body of `total` bytes to a page, sent until the server stops reading; the
    answer and how much was sent."""
    sent = 0
    with socket.create_connection((LOOPBACK, port), timeout=30) as sock:
        sock.sendall(
            b"GET /echo/ HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
            b"Content-Type: application/json\r\n\r\n"
        )
        chunk = b"%x\r\n%s\r\n" % (1024 * 1024, b"x" * 1024 * 1024)
        try:
            while sent < total:
                sock.sendall(chunk)
                sent += len(chunk)
            sock.sendall(b"0\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):
            pass
        received = b""
        try:
            while data := sock.recv(65536):
                received += data
        except ConnectionResetError:
            pass
    return parse_reply(received), sent


def test_a_chunked_body_over_the_cap_is_413_and_memory_stays_flat(fastn) -> None:
    before = fastn.rss_bytes()
    reply, sent = send_endless_chunked_body(fastn.port, HUGE)
    assert reply.status in (413, 0)  # 0: the reset came before the answer could be read
    assert sent < HUGE  # the server stopped reading long before the end
    assert fastn.rss_bytes() - before < 30 * 1024 * 1024
    assert_still_serving(fastn.port)


def nested(depth: int) -> bytes:
    return b'{"text": "deep", "x": ' + b"[" * depth + b"]" * depth + b"}"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (nested(40), b"nested deeper than 32 levels"),
        (nested(5000), b"nested deeper than 32 levels"),  # deeper than Python's recursion
        (
            json.dumps({"text": "many", **{f"k{i}": i for i in range(10_001)}}).encode(),
            b"more than 10000 keys",
        ),
        (
            json.dumps({"text": "many", "list": [{"a": 1, "b": 2}] * 5001}).encode(),
            b"more than 10000 keys",
        ),
    ],
    ids=["deep", "deeper-than-recursion", "many-keys", "many-keys-nested"],
)
def test_request_data_refuses_deep_or_wide_json(start_fastn, fastn, body, message) -> None:
    reply = exchange(fastn.port, json_request(body))
    assert reply.status == 400, reply.body[:300]
    assert message in reply.body
    assert b"Traceback" not in reply.body and b"RecursionError" not in reply.body


def test_reasonable_json_is_taken(fastn) -> None:
    body = {"text": "fine", "x": [[[{"a": [1, 2]}]]], **{f"k{i}": i for i in range(1000)}}
    reply = exchange(fastn.port, json_request(json.dumps(body).encode()))
    assert reply.status == 200 and b"fine" in reply.body


def in_background(work: Callable[[], RawReply], finished: list[str], name: str) -> threading.Thread:
    def run() -> None:
        reply = work()
        finished.append(f"{name} {reply.status}")

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def heavy_request() -> bytes:
    """Markdown of `![` × 40000 takes seconds to draw, on a quiet machine too (a fresh text
    each time: drawn texts are cached); sent as a JSON body, well under the cap."""
    return json_request(json.dumps({"text": "![" * 40000 + uuid.uuid4().hex}).encode())


@pytest.mark.parametrize("heavy_count", [1, 10], ids=["one", "more-than-the-default-pool"])
def test_slow_renders_do_not_hold_other_requests(fastn, heavy_count: int) -> None:
    """While slow pages render, the home page and another page with a processor are
    answered: rendering is off the event loop, in threads of its own (the default executor
    has only a few, which slow pages would fill)."""
    finished: list[str] = []
    heavy = [
        in_background(lambda: exchange(fastn.port, heavy_request(), timeout=300), finished, "heavy")
        for _ in range(heavy_count)
    ]
    time.sleep(0.3)  # the heavy pages are rendering
    home = in_background(lambda: exchange(fastn.port, request_bytes("/")), finished, "home")
    light = in_background(
        lambda: exchange(fastn.port, request_bytes("/echo/?text=light")), finished, "light"
    )
    for waiting in (home, light, *heavy):
        waiting.join(300)
    assert finished[2:] == ["heavy 200"] * heavy_count, finished
    assert sorted(finished[:2]) == ["home 200", "light 200"], finished
