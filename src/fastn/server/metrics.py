"""Operations endpoints (opt-in): `/-/health` and Prometheus metrics at `/-/metrics`.

Requests are counted by route kind (page, static, redirect, proxy, not-found, fastn for the
`/-/` URLs) and status, with a latency histogram per kind; failed upstream calls (502/504)
by upstream; processors report their time through :func:`observe_processor`.

With several worker processes each one counts its own requests, so a scrape must add them up:
set `PROMETHEUS_MULTIPROC_DIR` to an empty folder before the workers start (`fastn serve
--workers N --ops` does) and `/-/metrics` reports the sum over all workers.
"""

from __future__ import annotations

import os
from time import perf_counter

from prometheus_client import REGISTRY, CollectorRegistry, Counter, Histogram
from prometheus_client.exposition import choose_encoder
from prometheus_client.multiprocess import MultiProcessCollector

from fastn.package.routes import FileRoute, Router
from fastn.server.errors import UPSTREAM_FAILURE
from fastn.server.responses import (
    ASGIApp,
    Message,
    Receive,
    Scope,
    Send,
    header,
    send_response,
)

HEALTH_PATH = "/-/health"
METRICS_PATH = "/-/metrics"
ROUTE_KIND = "fastn.route"  # scope key set by the labelled pieces of the chain
MULTIPROCESS_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"

REQUESTS = Counter(
    "fastn_requests", "HTTP requests answered, by route kind and status", ["route", "status"]
)
LATENCY = Histogram(
    "fastn_request_duration_seconds",
    "Time from request to the end of the response, by route kind",
    ["route"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
UPSTREAM_ERRORS = Counter(
    "fastn_upstream_errors",
    "Requests the upstream failed: 502 unreachable or broken, 504 too slow",
    ["upstream", "status"],
)
PROCESSOR_TIME = Histogram(
    "fastn_processor_duration_seconds", "Time spent running a processor", ["processor"]
)


def observe_processor(processor: str, seconds: float) -> None:
    """Record one run of a processor (`http`, `sql`…); cheap enough to call on every run."""
    PROCESSOR_TIME.labels(processor).observe(seconds)


class Labelled:
    """Marks requests reaching `app` as route kind `kind`; a later (inner) label wins."""

    def __init__(self, kind: str, app: ASGIApp) -> None:
        self.kind = kind
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        scope[ROUTE_KIND] = self.kind
        await self.app(scope, receive, send)


class LabelledContent:
    """Labels the package's files `static` and its documents `page` (the route is resolved once
    more for this, which only happens with metrics on)."""

    def __init__(self, router: Router, app: ASGIApp) -> None:
        self.router = router
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            route = self.router.resolve(scope["path"])
            scope[ROUTE_KIND] = "static" if isinstance(route, FileRoute) else "page"
        await self.app(scope, receive, send)


class RequestMetrics:
    """Counts and times every HTTP request by the route kind that answered it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = perf_counter()
        status = 500  # what the server answers if the app sends nothing

        async def observing_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, observing_send)
        finally:
            kind = scope.get(ROUTE_KIND, "other")
            REQUESTS.labels(kind, str(status)).inc()
            LATENCY.labels(kind).observe(perf_counter() - started)
            upstream = scope.get(UPSTREAM_FAILURE)
            if upstream is not None:
                UPSTREAM_ERRORS.labels(upstream, str(status)).inc()


async def health(scope: Scope, receive: Receive, send: Send) -> None:
    """For load balancers and orchestrators: 200 while this worker answers requests."""
    headers = [(b"content-type", b"application/json"), (b"cache-control", b"no-store")]
    await send_response(scope, send, 200, headers, b'{"status":"ok"}')


async def metrics(scope: Scope, receive: Receive, send: Send) -> None:
    """This worker's metrics (or all workers', in multiprocess mode) in the format the scraper
    asks for: Prometheus text, or OpenMetrics."""
    registry = REGISTRY
    if os.environ.get(MULTIPROCESS_VARIABLE):
        registry = CollectorRegistry()
        MultiProcessCollector(registry)
    accept = header(scope, b"accept") or b""
    encode, content_type = choose_encoder(accept.decode("latin-1"))
    headers = [(b"content-type", content_type.encode()), (b"cache-control", b"no-store")]
    await send_response(scope, send, 200, headers, encode(registry))


OPS_ROUTES: dict[str, ASGIApp] = {HEALTH_PATH: health, METRICS_PATH: metrics}
