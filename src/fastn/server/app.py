"""The fastn ASGI application: a package served by a chain of small ASGI pieces.

`create_app` is the factory for any ASGI server, e.g.
`uvicorn --factory fastn.server.app:create_app --workers 4` (package folder from
`FASTN_PACKAGE_DIR`, else the current directory). Every worker builds its own app from the
package folder and the environment, so workers and machines share nothing but those.
"""

from __future__ import annotations

import os
from pathlib import Path

from fastn.package.config import Package, load_package
from fastn.package.routes import Router
from fastn.server.errors import ErrorPages
from fastn.server.log import AccessLog, setup_logging
from fastn.server.pages import Pages
from fastn.server.proxy import ProxySettings, ReverseProxy, UpstreamClient
from fastn.server.responses import ASGIApp, Receive, Scope, Send
from fastn.server.routing import NotFound, PackageContent, ProxyMappings, Redirects

PACKAGE_DIR_VARIABLE = "FASTN_PACKAGE_DIR"


class FastnApp:
    """Handles the ASGI lifespan (the upstream client's pool) and passes requests down the chain."""

    def __init__(self, chain: ASGIApp, client: UpstreamClient) -> None:
        self.chain = chain
        self.client = client

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self.lifespan(receive, send)
        else:
            await self.chain(scope, receive, send)

    async def lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await self.client.start()
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await self.client.close()
                await send({"type": "lifespan.shutdown.complete"})
                return


def build_app(package: Package, settings: ProxySettings | None = None) -> FastnApp:
    """Chain the pieces in fastn-server.md §2 order, innermost (the fallback) first."""
    client = UpstreamClient(settings or ProxySettings.from_env())
    router = Router(package)
    pages = Pages(package)
    errors = ErrorPages(pages)

    fallback: ASGIApp
    if package.endpoint:
        fallback = ReverseProxy(package.endpoint, client, errors.send)
    else:
        fallback = NotFound(errors)
    chain: ASGIApp = PackageContent(router, pages, errors, fallback, bool(package.endpoint))
    if package.proxy_mappings:
        proxies = [
            (
                mapping.prefix.encode(),
                ReverseProxy(mapping.upstream, client, errors.send, mapping.prefix),
            )
            for mapping in package.proxy_mappings
        ]
        chain = ProxyMappings(proxies, chain)
    if package.redirects:
        chain = Redirects(router, chain)
    return FastnApp(AccessLog(chain), client)


def create_app(package_dir: Path | None = None) -> FastnApp:
    """The factory: load the package (and its `.env`) and build the app for this worker."""
    setup_logging()
    folder = package_dir or Path(os.environ.get(PACKAGE_DIR_VARIABLE) or Path.cwd())
    return build_app(load_package(folder))
