"""Rendering package documents for the server, one request at a time.

The ftd Environment caches parsed documents and notices edited files itself, so the server
only asks it for a page per request. It is created on first use: a package that only proxies
and serves files never needs it.
"""

from __future__ import annotations

from collections.abc import Callable

from fastn.ftd.page import RenderedPage, RequestInfo
from fastn.package.config import Package
from fastn.package.documents import environment_for
from fastn.server.responses import Receive, Scope


class Pages:
    """The package's documents as rendered pages."""

    def __init__(
        self, package: Package, observe_processor: Callable[[str, float], None] | None = None
    ) -> None:
        self.package = package
        self.observe_processor = observe_processor
        self._environment = None

    def exists(self, doc_id: str) -> bool:
        return (self.package.root / f"{doc_id}.ftd").is_file()

    async def render(self, doc_id: str, request: RequestInfo) -> RenderedPage:
        if self._environment is None:
            self._environment = environment_for(
                self.package, observe_processor=self.observe_processor
            )
        return await self._environment.render(doc_id, request)


async def request_info(
    scope: Scope,
    receive: Receive | None = None,
    path_params: dict[str, object] | None = None,
    data: dict[str, str] | None = None,
) -> RequestInfo:
    """What a document may read of the request; the body is read only when `receive` is given."""
    body = b""
    if receive is not None:
        chunks = []
        more = True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                break
            chunks.append(message.get("body", b""))
            more = message.get("more_body", False)
        body = b"".join(chunks)
    return RequestInfo(
        method=scope.get("method", "GET"),
        path=scope["path"],
        query_string=scope.get("query_string", b"").decode("latin-1"),
        headers=[
            (name.decode("latin-1"), value.decode("latin-1")) for name, value in scope["headers"]
        ],
        body=body,
        path_params=dict(path_params or {}),
        data=dict(data or {}),
    )
