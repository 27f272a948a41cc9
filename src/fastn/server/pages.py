"""Rendering package documents for the server, one request at a time.

The ftd Environment caches parsed documents and notices edited files itself, so the server
only asks it for a page per request. It is created on first use: a package that only proxies
and serves files never needs it.

A page request's body is read whole before rendering (a document may read it), so its size is
capped by `FASTN_MAX_BODY` (bytes, default 1 MiB like nginx's `client_max_body_size`): a
larger one is refused with 413 before it is read, whether its length is declared or not.
"""

from __future__ import annotations

import os
from collections.abc import Callable

from fastn.ftd.page import RenderedPage, RequestInfo
from fastn.package.config import Package
from fastn.package.documents import environment_for
from fastn.server.responses import Receive, Scope, header

MAX_BODY_VARIABLE = "FASTN_MAX_BODY"
DEFAULT_MAX_BODY = 1024 * 1024


def max_body() -> int:
    """The largest request body a page accepts (`FASTN_MAX_BODY`); nginx in front uses it too."""
    return int(os.environ.get(MAX_BODY_VARIABLE) or DEFAULT_MAX_BODY)


class BodyTooLarge(Exception):
    """The request's body is larger than pages accept: answered 413."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"The request body is larger than {limit} bytes.")


class Pages:
    """The package's documents as rendered pages."""

    def __init__(
        self, package: Package, observe_processor: Callable[[str, float], None] | None = None
    ) -> None:
        self.package = package
        self.observe_processor = observe_processor
        self.max_body = max_body()
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
    max_body: int = DEFAULT_MAX_BODY,
    page_id: str | None = None,
) -> RequestInfo:
    """What a document may read of the request; the body is read only when `receive` is given.

    Raises BodyTooLarge past `max_body` bytes, before reading what the client declared too
    long, or as soon as an undeclared (chunked) body passes it.
    """
    body = b""
    if receive is not None:
        declared = header(scope, b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > max_body:
            raise BodyTooLarge(max_body)
        chunks = []
        size = 0
        more = True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                break
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > max_body:
                raise BodyTooLarge(max_body)
            chunks.append(chunk)
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
        page_id=page_id,
    )
