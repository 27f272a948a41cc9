"""fastn's log: one access-log line per request (method, path, status, bytes sent,
milliseconds), coloured by status on a terminal; `FASTN_LOG_LEVEL` (`quiet`, `verbose`) sets
how much is said (`fastn serve --quiet/--verbose`)."""

from __future__ import annotations

import asyncio
import logging
import os
import sys
from time import perf_counter
from typing import TextIO

from fastn.server.responses import ASGIApp, Message, Receive, Scope, Send

access_logger = logging.getLogger("fastn.access")

LOG_LEVEL_VARIABLE = "FASTN_LOG_LEVEL"
LEVELS = {"quiet": logging.WARNING, "normal": logging.INFO, "verbose": logging.DEBUG}

_RESET = "\033[0m"
_STATUS_COLOURS = {2: "\033[32m", 3: "\033[36m", 4: "\033[33m", 5: "\033[31m"}
_LEVEL_COLOURS = {logging.WARNING: "\033[33m", logging.ERROR: "\033[31m"}


def setup_logging() -> None:
    """Send fastn's log lines to stderr unless the host application configured logging for it."""
    root = logging.getLogger("fastn")
    if root.handlers:
        return
    handler = (
        logging.StreamHandler(sys.stderr) if use_colour(sys.stderr) else BufferedHandler(sys.stderr)
    )
    handler.setFormatter(ColourFormatter() if use_colour(sys.stderr) else _PLAIN)
    root.addHandler(handler)
    root.setLevel(LEVELS.get(os.environ.get(LOG_LEVEL_VARIABLE, ""), logging.INFO))
    root.propagate = False


def use_colour(stream: object) -> bool:
    """Colours on a terminal, unless `NO_COLOR` is set (https://no-color.org)."""
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty()) and not os.environ.get("NO_COLOR")


class BufferedHandler(logging.StreamHandler):
    """Writes log lines in batches: after `FLUSH_SECONDS` (on the running event loop) or when
    `FLUSH_BYTES` are waiting, instead of one write per line. A busy server otherwise spends
    a system call per request on its access log. Warnings and errors are written at once."""

    FLUSH_SECONDS = 0.2
    FLUSH_BYTES = 64 * 1024

    def __init__(self, stream: TextIO) -> None:
        super().__init__(stream)
        self.pending: list[str] = []
        self.pending_size = 0
        self.scheduled = False

    def emit(self, record: logging.LogRecord) -> None:
        """Called with the handler's lock held (`Handler.handle`)."""
        try:
            line = self.format(record) + self.terminator
        except Exception:
            self.handleError(record)
            return
        self._add(line, record.levelno)

    def write_info(self, message: str) -> None:
        """What `emit` does for an INFO record whose formatted text is `message`."""
        with self.lock:  # type: ignore[union-attr]
            self._add(message + self.terminator, logging.INFO)

    def _add(self, line: str, level: int) -> None:
        self.pending.append(line)
        self.pending_size += len(line)
        if level >= logging.WARNING or self.pending_size >= self.FLUSH_BYTES:
            self._write_pending()
        elif not self.scheduled:
            try:
                loop = asyncio.get_running_loop()
            except RuntimeError:  # not in the server's loop: nothing would flush it later
                self._write_pending()
                return
            self.scheduled = True
            loop.call_later(self.FLUSH_SECONDS, self.flush)

    def flush(self) -> None:
        with self.lock:  # type: ignore[union-attr]
            self._write_pending()

    def _write_pending(self) -> None:
        self.scheduled = False
        if self.pending:
            text = "".join(self.pending)
            self.pending.clear()
            self.pending_size = 0
            self.stream.write(text)
        self.stream.flush()


class ColourFormatter(logging.Formatter):
    """Access-log lines in the colour of their status class; warnings and errors too."""

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        status = getattr(record, "status", None)
        if isinstance(status, int):
            colour = _STATUS_COLOURS.get(status // 100)
        else:
            colour = _LEVEL_COLOURS.get(record.levelno)
        return f"{colour}{text}{_RESET}" if colour else text


class AccessLog:
    """Wraps the app and logs each HTTP request and WebSocket session when it ends."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        started = perf_counter()
        status = 0
        sent = 0

        async def counting_send(message: Message) -> None:
            nonlocal status, sent
            kind = message["type"]
            if kind == "http.response.start" or kind == "websocket.http.response.start":
                status = message["status"]
            elif kind == "websocket.accept":
                status = 101
            elif kind == "http.response.body":
                sent += len(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, receive, counting_send)
        finally:
            query = scope.get("query_string", b"")
            path = scope["path"] + ("?" + query.decode("latin-1") if query else "")
            method = scope.get("method", "WS")
            elapsed = (perf_counter() - started) * 1000
            if not status:  # no response was started: the server answers 500 (HTTP) or 403 (WS)
                status = 500 if scope["type"] == "http" else 403
            if access_logger.isEnabledFor(logging.INFO):
                handler = _sole_plain_handler()
                if handler is not None:
                    handler.write_info(f"{method} {path} {status} {sent}B {elapsed:.2f}ms")
                else:
                    access_logger.info(
                        "%s %s %d %dB %.2fms",
                        *(method, path, status, sent, elapsed),
                        extra={"status": status},
                    )


_PLAIN = logging.Formatter()  # the message alone: the format of fastn's batched log
_fastn_logger = logging.getLogger("fastn")


def _sole_plain_handler() -> BufferedHandler | None:
    """fastn's batched handler when access lines reach it alone, in its plain format, with
    nothing filtering them: a line can then skip the logging module's record, which costs
    about a tenth of a proxied request. Checked per line: logging may be configured later."""
    handlers = _fastn_logger.handlers
    if len(handlers) != 1 or access_logger.handlers or _fastn_logger.propagate:
        return None
    handler = handlers[0]
    if (
        type(handler) is not BufferedHandler
        or handler.formatter is not _PLAIN
        or handler.filters
        or access_logger.filters
        or handler.level > logging.INFO
    ):
        return None
    return handler
