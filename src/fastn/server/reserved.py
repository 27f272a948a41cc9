"""`/-/…`: URLs fastn answers itself (ops endpoints, live reload), ahead of the package's
url-mappings, files and backend. A `/-/` path nobody registered goes on down the chain."""

from __future__ import annotations

from collections.abc import Mapping

from fastn.server.responses import ASGIApp, Receive, Scope, Send

RESERVED_PREFIX = "/-/"


class ReservedPaths:
    """Sends registered `/-/` paths (exact match) to their handler."""

    def __init__(self, routes: Mapping[str, ASGIApp], app: ASGIApp) -> None:
        self.routes = dict(routes)
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"].startswith(RESERVED_PREFIX):
            handler = self.routes.get(scope["path"])
            if handler is not None:
                await handler(scope, receive, send)
                return
        await self.app(scope, receive, send)
