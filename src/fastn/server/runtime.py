"""`/-/fastn/runtime.<hash>.js`: the browser runtime interactive pages load.

The URL changes whenever the runtime does, so browsers may keep it for a year without asking
again (`immutable`); it is sent gzip-compressed to browsers that accept that.
"""

from __future__ import annotations

import gzip
from collections.abc import Mapping
from functools import cache

from fastn.runtime import bundle, runtime_url
from fastn.server.responses import ASGIApp, Headers, Receive, Scope, Send, header, send_response

CACHE_FOREVER = b"public, max-age=31536000, immutable"


@cache
def _compressed() -> bytes:
    return gzip.compress(bundle(), mtime=0)


async def send_runtime(scope: Scope, receive: Receive, send: Send) -> None:
    if scope.get("method") not in ("GET", "HEAD"):
        await send_response(scope, send, 405, [(b"allow", b"GET, HEAD")])
        return
    headers: Headers = [
        (b"content-type", b"text/javascript; charset=utf-8"),
        (b"cache-control", CACHE_FOREVER),
        (b"vary", b"accept-encoding"),
    ]
    body = bundle()
    if b"gzip" in (header(scope, b"accept-encoding") or b""):
        headers.append((b"content-encoding", b"gzip"))
        body = _compressed()
    await send_response(scope, send, 200, headers, body)


def runtime_routes() -> Mapping[str, ASGIApp]:
    """The reserved path of the runtime (for :class:`fastn.server.reserved.ReservedPaths`)."""
    return {runtime_url(): send_runtime}
