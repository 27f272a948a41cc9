"""The first piece of the chain: requests whose target or Host could mislead routing get a 400.

Every later piece (live reload, reserved paths, url-mappings, pages, the proxies) may then
take it for granted that the request target is origin-form (`/…`, never `*`, `*@host/…`,
`host:port` or `http://host/…`), that its path does not climb above the root, and that there
is at most one `Host` (exactly one in HTTP/1.1). nginx refuses the same requests with 400,
`OPTIONS *` included. (uvicorn's httptools parser turns an absolute-form target into its bare
path before the application sees it: `fastn serve`'s protocol refuses those itself.)

`normalise_path` is what url-mappings match on, as nginx's locations do: unreserved
characters percent-decoded, repeated slashes merged, `.` and `..` segments resolved.
"""

from __future__ import annotations

import re

from fastn.server.responses import TEXT, ASGIApp, Receive, Scope, Send, refuse_request

# RFC 3986 §2.3: ALPHA, DIGIT, "-", ".", "_", "~" mean the same escaped or not.
_ESCAPED_UNRESERVED = re.compile(
    rb"%(?:4[1-9A-Fa-f]|5[0-9Aa]|6[1-9A-Fa-f]|7[0-9Aa]|3[0-9]|2[DEde]|5[Ff]|7[Ee])"
)


NOT_ORIGIN_FORM = "The request target must be a path starting with /."


def is_origin_form(target: bytes) -> bool:
    """RFC 9112 §3.2.1: the only form a server that is not a forward proxy needs."""
    return target.startswith(b"/")


def normalise_path(raw_path: bytes) -> bytes | None:
    """The path as routing should see it, still percent-encoded where it must be (`%2F`
    stays); None when `..` climbs above the root."""
    if b"%" in raw_path:
        raw_path = _ESCAPED_UNRESERVED.sub(
            lambda match: bytes.fromhex(match[0][1:].decode()), raw_path
        )
    if b"/." not in raw_path and b"//" not in raw_path:
        return raw_path
    segments: list[bytes] = []
    parts = raw_path.split(b"/")[1:]
    for part in parts:
        if part == b"..":
            if not segments:
                return None
            segments.pop()
        elif part not in (b"", b"."):
            segments.append(part)
    trailing_slash = bool(segments) and parts[-1] in (b"", b".", b"..")
    return b"/" + b"/".join(segments) + (b"/" if trailing_slash else b"")


def refusal(scope: Scope) -> str | None:
    """Why the request must be refused, or None."""
    raw_path: bytes = scope.get("raw_path") or scope["path"].encode()
    if not is_origin_form(raw_path):
        return NOT_ORIGIN_FORM
    if normalise_path(raw_path) is None:
        return "The path goes above the root."
    hosts = [name for name, _ in scope["headers"]].count(b"host")
    if hosts > 1:
        return "More than one Host header."
    if hosts == 0 and scope.get("http_version") == "1.1":
        return "An HTTP/1.1 request needs a Host header."
    return None


class RequestGuard:
    """Answers 400 (and closes the connection) to requests `refusal` names a reason for."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket"):
            reason = refusal(scope)
            if reason is not None:
                await _bad_request(scope, send, reason)
                return
        await self.app(scope, receive, send)


async def _bad_request(scope: Scope, send: Send, reason: str) -> None:
    if scope["type"] == "http":
        await refuse_request(scope, send, 400, reason)
    elif "websocket.http.response" in scope.get("extensions", {}):
        headers = [(b"content-type", TEXT), (b"connection", b"close")]
        await send({"type": "websocket.http.response.start", "status": 400, "headers": headers})
        await send({"type": "websocket.http.response.body", "body": reason.encode()})
    else:
        await send({"type": "websocket.close", "code": 1008})
