"""Fewer system calls per request: the response head leaves with the body, log lines in
batches. Ordering and completeness must not change."""

from __future__ import annotations

import asyncio
import contextlib
import io
import logging
import re
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

import pytest

from fastn.server import log
from fastn.server.log import BufferedHandler
from fastn.server.protocol import _HeadWithBody

Result = TypeVar("Result")


def run(main: Callable[[], Awaitable[Result]]) -> Result:
    """`asyncio.run(main())` in a thread of its own: this one may already run a loop
    (Playwright's, when the browser tests ran first)."""

    async def wrapped() -> Result:
        return await main()

    with ThreadPoolExecutor(1) as thread:
        return thread.submit(asyncio.run, wrapped()).result()


class RecordingTransport:
    """What reached the socket, one entry per write."""

    def __init__(self) -> None:
        self.writes: list[bytes] = []
        self.closed = False

    def write(self, data: bytes) -> None:
        assert not self.closed
        self.writes.append(data)

    def close(self) -> None:
        self.closed = True

    def is_closing(self) -> bool:
        return self.closed


def test_a_small_response_is_one_write() -> None:
    async def main() -> list[bytes]:
        transport = RecordingTransport()
        cycle_transport = _HeadWithBody(transport, asyncio.get_running_loop())  # type: ignore[arg-type]
        cycle_transport.write(b"HTTP/1.1 200 OK\r\n\r\n")
        cycle_transport.write(b"hello")
        cycle_transport.write(b" world")
        await asyncio.sleep(0)
        return transport.writes

    assert run(main) == [b"HTTP/1.1 200 OK\r\n\r\nhello", b" world"]


def test_a_head_without_a_body_yet_leaves_on_the_next_turn() -> None:
    async def main() -> list[bytes]:
        transport = RecordingTransport()
        cycle_transport = _HeadWithBody(transport, asyncio.get_running_loop())  # type: ignore[arg-type]
        cycle_transport.write(b"HTTP/1.1 200 OK\r\n\r\n")  # a stream whose body comes later
        await asyncio.sleep(0)
        await asyncio.sleep(0)
        assert transport.writes == [b"HTTP/1.1 200 OK\r\n\r\n"]
        cycle_transport.write(b"data: 1\n\n")
        return transport.writes

    assert run(main)[-1] == b"data: 1\n\n"


def test_closing_writes_the_held_head_first() -> None:
    async def main() -> RecordingTransport:
        transport = RecordingTransport()
        cycle_transport = _HeadWithBody(transport, asyncio.get_running_loop())  # type: ignore[arg-type]
        cycle_transport.write(b"HTTP/1.1 204 No Content\r\n\r\n")
        assert not cycle_transport.is_closing()  # any other use of the transport flushes too
        cycle_transport.close()
        return transport

    transport = run(main)
    assert transport.writes == [b"HTTP/1.1 204 No Content\r\n\r\n"] and transport.closed


def test_log_lines_are_written_in_batches_in_order() -> None:
    stream = io.StringIO()
    handler = BufferedHandler(stream)
    logger = logging.getLogger("fastn.test-batching")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False

    async def main() -> None:
        logger.info("GET /a 200")
        logger.info("GET /b 200")
        assert stream.getvalue() == ""  # waiting for the batch
        logger.warning("upstream down")  # a warning goes out at once, after what came first
        assert stream.getvalue() == "GET /a 200\nGET /b 200\nupstream down\n"
        logger.info("GET /c 502")
        await asyncio.sleep(BufferedHandler.FLUSH_SECONDS * 2)
        assert stream.getvalue().endswith("GET /c 502\n")

    try:
        run(main)
        with ThreadPoolExecutor(1) as thread:  # a thread without an event loop
            # nothing would flush it later: written now
            thread.submit(logger.info, "outside the server's loop").result()
        assert stream.getvalue().endswith("outside the server's loop\n")
    finally:
        logger.removeHandler(handler)


def access_lines(configure: Callable[[logging.Logger, logging.Handler], None]) -> str:
    """The access log of two requests (a page and a failure) as fastn's own batched handler
    writes it, after `configure(fastn's logger, the handler)`."""
    fastn_logger = logging.getLogger("fastn")
    saved = (
        fastn_logger.handlers[:],
        fastn_logger.filters[:],
        fastn_logger.propagate,
        fastn_logger.level,
    )
    stream = io.StringIO()
    handler = BufferedHandler(stream)
    handler.setFormatter(log._PLAIN)
    fastn_logger.handlers[:] = [handler]
    fastn_logger.filters[:] = []
    fastn_logger.propagate = False
    fastn_logger.setLevel(logging.INFO)
    configure(fastn_logger, handler)

    async def app(scope: dict, receive: Callable, send: Callable) -> None:
        if scope["path"] == "/broken":
            raise RuntimeError("no response")
        await send({"type": "http.response.start", "status": 404, "headers": []})
        await send({"type": "http.response.body", "body": b"nothing here"})

    async def main() -> None:
        async def send(message: dict) -> None:
            pass

        logged = log.AccessLog(app)
        for path, query in [("/a/", b"x=1"), ("/broken", b"")]:
            scope = {"type": "http", "method": "GET", "path": path, "query_string": query}
            with contextlib.suppress(RuntimeError):
                await logged(scope, None, send)  # type: ignore[arg-type]
        handler.flush()

    try:
        run(main)
    finally:
        fastn_logger.handlers[:], fastn_logger.filters[:], fastn_logger.propagate, level = saved
        fastn_logger.setLevel(level)
    return re.sub(r"\d+\.\d\dms", "T", stream.getvalue())


def test_access_lines_are_the_same_without_the_logging_record(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """fastn's own handler gets the line directly; any other set-up goes through logging."""

    def no_record(*args: object, **kwargs: object) -> logging.LogRecord:
        raise AssertionError("a log record was made")

    with monkeypatch.context() as patched:
        patched.setattr(log.access_logger, "makeRecord", no_record)
        direct = access_lines(lambda fastn_logger, handler: None)
    assert direct == "GET /a/?x=1 404 12B T\nGET /broken 500 0B T\n"

    # the same handler behind another formatter of the same format: the logging module's way
    through_logging = access_lines(lambda _, handler: handler.setFormatter(logging.Formatter()))
    assert through_logging == direct

    def drop_failures(fastn_logger: logging.Logger, handler: logging.Handler) -> None:
        handler.addFilter(lambda record: getattr(record, "status", 0) < 500)

    assert access_lines(drop_failures) == "GET /a/?x=1 404 12B T\n"  # filters are honoured
