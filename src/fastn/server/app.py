"""The fastn ASGI application: a package served by a chain of small ASGI pieces.

`create_app` is the factory for any ASGI server, e.g.
`uvicorn --factory fastn.server.app:create_app --workers 4` (package folder from
`FASTN_PACKAGE_DIR`, else the current directory). Every worker builds its own app from the
package folder and the environment, so workers and machines share nothing but those.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Protocol

from fastn.package.config import Package, load_package
from fastn.package.routes import Router
from fastn.server.devtools import LiveReload, PackageFiles
from fastn.server.errors import ErrorPages
from fastn.server.front_client import FrontClient
from fastn.server.guard import RequestGuard
from fastn.server.log import AccessLog, setup_logging
from fastn.server.pages import Pages
from fastn.server.proxy import ProxySettings, ReverseProxy, UpstreamClient
from fastn.server.reserved import ReservedPaths
from fastn.server.responses import ASGIApp, Receive, Scope, Send
from fastn.server.routing import NotFound, PackageContent, ProxyMappings, Redirects
from fastn.server.runtime import runtime_routes

PACKAGE_DIR_VARIABLE = "FASTN_PACKAGE_DIR"
MODE_VARIABLE = "FASTN_ENV"
OPS_VARIABLE = "FASTN_OPS"


@dataclass(frozen=True, slots=True)
class AppOptions:
    """Development (live reload, detailed error pages) or production, and the ops endpoints.

    Read from the environment so every worker agrees: `FASTN_ENV=development` (`fastn serve`
    sets it unless `--production`) and `FASTN_OPS=1` (`--ops`). The factory's default is
    production without ops endpoints.
    """

    development: bool = False
    ops: bool = False

    @classmethod
    def from_env(cls) -> AppOptions:
        return cls(
            development=os.environ.get(MODE_VARIABLE, "").lower() == "development",
            ops=os.environ.get(OPS_VARIABLE, "") not in ("", "0"),
        )


class Service(Protocol):
    """Something that lives as long as the worker: the upstream pool, the file watcher."""

    async def start(self) -> None: ...

    async def close(self) -> None: ...


class FastnApp:
    """Handles the ASGI lifespan (starts and stops the services) and passes requests down."""

    def __init__(self, chain: ASGIApp, services: Sequence[Service]) -> None:
        self.chain = chain
        self.services = services

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self.lifespan(receive, send)
        else:
            await self.chain(scope, receive, send)

    async def lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                for service in self.services:
                    await service.start()
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                for service in reversed(self.services):
                    await service.close()
                await send({"type": "lifespan.shutdown.complete"})
                return


def build_app(
    package: Package,
    settings: ProxySettings | None = None,
    options: AppOptions | None = None,
    files: PackageFiles | None = None,
) -> FastnApp:
    """The app of one worker: the routing chain behind the request guard, with live reload
    and metrics as asked.

    `files`: in development, the package's files as they were before `package` was read.
    """
    options = options or AppOptions.from_env()
    settings = settings or ProxySettings.from_env()
    client = UpstreamClient(
        settings,
        eager=bool(package.endpoint or package.proxy_mappings),
    )
    metrics = _metrics(options)
    fastn_routes = {**runtime_routes(), **(metrics.OPS_ROUTES if metrics else {})}

    def chain_for(package: Package, routes: Mapping[str, ASGIApp]) -> ASGIApp:
        return build_chain(package, client, {**fastn_routes, **routes}, options)

    services: list[Service] = [client]
    app: ASGIApp
    if options.development:
        app = live_reload = LiveReload(package, chain_for, files)
        services.append(live_reload)
    else:
        app = chain_for(package, {})
    app = RequestGuard(app)
    if metrics:
        app = metrics.RequestMetrics(app)
    return FastnApp(FrontClient(AccessLog(app), settings), services)


def build_chain(
    package: Package,
    client: UpstreamClient,
    reserved: Mapping[str, ASGIApp],
    options: AppOptions,
) -> ASGIApp:
    """Chain the pieces in fastn-server.md §2 order, innermost (the fallback) first; with ops
    endpoints on, each piece labels the requests it answers for the metrics."""
    metrics = _metrics(options)
    label: Callable[[str, ASGIApp], ASGIApp] = metrics.Labelled if metrics else _unlabelled
    router = Router(package)
    pages = Pages(package, metrics.observe_processor if metrics else None)
    errors = ErrorPages(pages, options.development)

    fallback: ASGIApp
    if package.endpoint:
        upstream_failed = errors.for_upstream(package.endpoint)
        fallback = label("proxy", ReverseProxy(package.endpoint, client, upstream_failed))
    else:
        fallback = label("not-found", NotFound(errors))
    chain: ASGIApp = PackageContent(router, pages, errors, fallback, bool(package.endpoint))
    if metrics:
        chain = metrics.LabelledContent(router, chain)
    if package.proxy_mappings:
        proxies = [
            (
                mapping.prefix.encode(),
                ReverseProxy(
                    mapping.upstream, client, errors.for_upstream(mapping.upstream), mapping.prefix
                ),
            )
            for mapping in package.proxy_mappings
        ]
        chain = label("proxy", ProxyMappings(proxies, chain))
    if reserved:
        chain = label("fastn", ReservedPaths(reserved, chain))
    if package.redirects:
        chain = label("redirect", Redirects(router, chain))
    return chain


def _metrics(options: AppOptions) -> ModuleType | None:
    """`fastn.server.metrics` with the ops endpoints on: prometheus_client is imported only
    then."""
    if not options.ops:
        return None
    from fastn.server import metrics

    return metrics


def _unlabelled(kind: str, app: ASGIApp) -> ASGIApp:
    return app


def create_app(package_dir: Path | None = None) -> FastnApp:
    """The factory: load the package (and its `.env`) and build the app for this worker."""
    setup_logging()
    folder = package_dir or Path(os.environ.get(PACKAGE_DIR_VARIABLE) or Path.cwd())
    options = AppOptions.from_env()
    # noted before anything is read, so that live reload misses no later edit
    files = PackageFiles(folder.resolve()) if options.development else None
    return build_app(load_package(folder), options=options, files=files)
