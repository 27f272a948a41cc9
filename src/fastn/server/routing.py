"""The routing pieces, each an ASGI app handing what it does not serve to the next one.

fastn-server.md §2 order: redirects → url-mapping proxies → documents and static files →
endpoint proxy → 404. `app.py` chains them.
"""

from __future__ import annotations

import logging

from fastn.ftd.errors import FtdError
from fastn.package.routes import FileRoute, Router
from fastn.processors.errors import ProcessorError, UpstreamAnswer
from fastn.server.compression import compressing
from fastn.server.errors import ErrorPages, error_documents
from fastn.server.guard import normalise_path
from fastn.server.pages import BodyTooLarge, Pages, request_info
from fastn.server.proxy import ReverseProxy
from fastn.server.responses import ASGIApp, Receive, Scope, Send, send_response, with_headers
from fastn.server.static import send_file

logger = logging.getLogger("fastn.server")

PAGE_METHODS = ("GET", "HEAD")


class Redirects:
    """`fastn.redirects` and redirect url-mappings: a permanent redirect (308 keeps the method)."""

    def __init__(self, router: Router, app: ASGIApp) -> None:
        self.router = router
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            target = self.router.redirect_target(scope["path"])
            if target is not None:
                query = scope["query_string"]
                location = target.encode()
                if query and b"?" not in location:
                    location += b"?" + query
                await send_response(scope, send, 308, [(b"location", location)])
                return
        await self.app(scope, receive, send)


class ProxyMappings:
    """`/api/* -> http+proxy://…` mappings: an explicit claim on every path under the prefix.

    The prefix is matched against the normalised path, as nginx matches its locations, so that
    `/%61pi/x` and `/./api/x` are under `/api/` and `/api/../admin` is not; the upstream gets
    the normalised path.
    """

    def __init__(self, proxies: list[tuple[bytes, ReverseProxy]], app: ASGIApp) -> None:
        self.proxies = proxies
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = None
        if scope["type"] in ("http", "websocket"):
            path = normalise_path(scope.get("raw_path") or scope["path"].encode())
        if path is not None:
            for prefix, proxy in self.proxies:
                if path.startswith(prefix):
                    await proxy(scope, receive, send, path)
                    return
        await self.app(scope, receive, send)


class PackageContent:
    """Documents and static files of the package.

    Pages answer GET and HEAD. Another method on a page URL goes on to the endpoint when there
    is one (a backend form posting to the page's own URL), else it is 405.
    """

    def __init__(
        self, router: Router, pages: Pages, errors: ErrorPages, app: ASGIApp, endpoint_behind: bool
    ) -> None:
        self.router = router
        self.pages = pages
        self.errors = errors
        self.app = app
        self.endpoint_behind = endpoint_behind

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        route = self.router.resolve(scope["path"]) if scope["type"] == "http" else None
        if route is None:
            await self.app(scope, receive, send)
            return
        if scope["method"] not in PAGE_METHODS:
            if self.endpoint_behind:
                await self.app(scope, receive, send)
            else:
                await send_response(scope, send, 405, [(b"allow", b"GET, HEAD")])
            return
        send = compressing(scope, send)
        if isinstance(route, FileRoute):
            await send_file(scope, send, route.path)
            return
        try:
            request = await request_info(
                scope, receive, route.path_params, route.data, self.pages.max_body, route.page_id
            )
        except BodyTooLarge as error:
            # the rest of the body is not read: the connection ends with the answer
            closing = with_headers(send, [(b"connection", b"close")])
            await self.errors.send(scope, closing, 413, str(error))
            return
        try:
            page = await self.pages.render(route.doc_id, request)
        except UpstreamAnswer as answer:
            logger.warning("%s", answer)
            await self.upstream_answer(scope, send, answer)
            return
        except FtdError as error:
            # a processor's failure has its own status (404 missing request data, 502 backend…)
            status = error.status if isinstance(error, ProcessorError) else 500
            logger.error("%s", error)
            detail = str(error) if status < 500 or self.errors.development else ""
            await self.errors.send(scope, send, status, detail)
            return
        except Exception:
            logger.exception("rendering %s failed", route.doc_id)
            await self.errors.send(scope, send, 500, f"{route.doc_id}.ftd could not be rendered.")
            return
        headers = [(b"content-type", page.content_type.encode())]
        headers += [
            (name.encode("latin-1"), value.encode("latin-1")) for name, value in page.headers
        ]
        await send_response(scope, send, page.status, headers, page.body.encode())

    async def upstream_answer(self, scope: Scope, send: Send, answer: UpstreamAnswer) -> None:
        """A backend call of the page answered non-2xx (fastn#1903): the package's own page for
        that status if it has one, else the backend's answer itself. Its cookies go along."""
        headers = [
            (name.encode("latin-1"), value.encode("latin-1")) for name, value in answer.headers
        ]
        if not any(self.pages.exists(doc_id) for doc_id in error_documents(answer.status)):
            await send_response(scope, send, answer.status, headers, answer.body)
            return
        cookies = [header for header in headers if header[0].lower() == b"set-cookie"]
        await self.errors.send(scope, with_headers(send, cookies), answer.status)


class NotFound:
    """The end of the chain when there is no endpoint: `404.ftd` with status 404, or plain 404."""

    def __init__(self, errors: ErrorPages) -> None:
        self.errors = errors

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            await self.errors.send(scope, send, 404)
        elif scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 1008})
