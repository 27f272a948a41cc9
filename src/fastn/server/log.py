"""The access log: one line per request (method, path, status, bytes sent, milliseconds)."""

from __future__ import annotations

import logging
import sys
from time import perf_counter

from fastn.server.responses import ASGIApp, Message, Receive, Scope, Send

access_logger = logging.getLogger("fastn.access")


def setup_logging() -> None:
    """Send fastn's log lines to stderr unless the host application configured logging for it."""
    root = logging.getLogger("fastn")
    if root.handlers:
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(message)s"))
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    root.propagate = False


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
            access_logger.info("%s %s %d %dB %.2fms", method, path, status, sent, elapsed)
