"""Sending a whole response in ASGI terms: the few lines every non-streaming piece shares."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

Headers = list[tuple[bytes, bytes]]

HTML = b"text/html; charset=utf-8"
TEXT = b"text/plain; charset=utf-8"


async def send_response(
    scope: Scope, send: Send, status: int, headers: Headers, body: bytes = b""
) -> None:
    """Status, headers (Content-Length added) and body; no body for HEAD, 204 and 304."""
    if status not in (204, 304):
        headers = [*headers, (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    no_body = scope.get("method") == "HEAD" or status in (204, 304)
    await send({"type": "http.response.body", "body": b"" if no_body else body})


async def refuse_request(scope: Scope, send: Send, status: int, reason: str) -> None:
    """A 4xx for a request that cannot be served, in plain words, closing the connection: what
    is left of the request on it (a body still coming) is not worth reading."""
    headers = [(b"content-type", TEXT), (b"connection", b"close")]
    await send_response(scope, send, status, headers, reason.encode())


def with_headers(send: Send, headers: Headers) -> Send:
    """`send` adding `headers` to the response's head."""

    async def send_with_headers(message: Message) -> None:
        if message["type"] == "http.response.start":
            message["headers"] = [*message["headers"], *headers]
        await send(message)

    return send_with_headers


def header(scope: Scope, name: bytes) -> bytes | None:
    """The first value of request header `name` (lower-case bytes), if any."""
    for key, value in scope["headers"]:
        if key == name:
            return value
    return None
