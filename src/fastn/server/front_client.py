"""Behind fastn's nginx front, the client is the one nginx names, not the socket's peer.

nginx (`fastn serve --front nginx`, `fastn nginx-conf`) talks to fastn-py over a private Unix
socket (or from an address in `FASTN_TRUSTED_PROXIES`) and sets these headers, replacing any
a client sent; fastn-py puts the client back in the ASGI scope, so its pages, its access log
and its own proxy (the forwarding headers it writes) see what they see without the front.
"""

from __future__ import annotations

from fastn.server.proxy import ProxySettings
from fastn.server.responses import ASGIApp, Receive, Scope, Send

CLIENT_HEADER = "X-Fastn-Client"
SCHEME_HEADER = "X-Fastn-Scheme"
_CLIENT = CLIENT_HEADER.lower().encode()
_SCHEME = SCHEME_HEADER.lower().encode()
_SECURE = {"http": "https", "websocket": "wss"}


class FrontClient:
    """Restores the client and scheme nginx passes, when the request came from the front;
    from any other peer, these headers are a client's own and are dropped unread, so that
    neither the pages nor a backend take them for the front's."""

    def __init__(self, app: ASGIApp, settings: ProxySettings) -> None:
        self.app = app
        self.settings = settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in _SECURE:
            peer = scope.get("client")
            from_front = peer is None or self.settings.trusts(peer[0])
            headers = []
            for name, value in scope["headers"]:
                if name == _CLIENT:
                    if from_front:
                        scope["client"] = (value.decode("latin-1"), 0)
                elif name == _SCHEME:
                    if from_front and value == b"https":
                        scope["scheme"] = _SECURE[scope["type"]]
                else:
                    headers.append((name, value))
            scope["headers"] = headers
        await self.app(scope, receive, send)
