"""`pr.http`: JSON from the backend (or any URL) as ftd values.

`url:` is used exactly as written (fastn#2209); a relative one goes where the proxy would send
that path: a `http+proxy://` url-mapping, else the `endpoint`. `method:` is any HTTP method
(default GET). `$header-NAME$: value` sends request header NAME (fastn#1788). Every other
header is a query parameter for GET/HEAD (null values dropped, fastn#2168) or a field of the
JSON body otherwise; untyped literals are read as JSON when they are (`age: 33` is a number,
`name: "Amit"` a string) and sent as text when not, `$references` keep their type.

When `url:` is a function call (directly or through a variable), each argument it takes from
a variable (request data, say) is percent-encoded before the function builds the URL, so a
visitor's `a b/../admin` stays one path segment; literal arguments are used as written.

The browser's `Cookie` and `Authorization` go along to the package's own backend (the
endpoint or a url-mapping's upstream; never to another site); `FASTN_HTTP_FORWARD_HEADERS`
names the headers forwarded, comma-separated, empty for none. `x-fastn-request-path` and
`x-fastn-root` tell the package's own backend which page asks (fastn#1938), and go to no
other site. fastn puts its folder's absolute path in `x-fastn-root` (FifthTry's hosting puts
the site's name there, which is what backends use it for): fastn-py sends the package's name,
never a path of the server. Upstream `Set-Cookie` headers reach the browser with the page
(fastn#1538). A non-2xx answer replaces the page (fastn#1903): see :class:`UpstreamAnswer`.
Nothing is cached (fastn#1539); redirects are not followed, they reach the browser.

An answer larger than `FASTN_HTTP_MAX_BYTES` (default 10 MiB) or not over within
`FASTN_HTTP_TIMEOUT` seconds (default 30, the whole exchange) makes the page a 502; what was
read of it is dropped at once.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import re
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlencode

from yarl import URL

from fastn.ftd.model import Call, Lit, Ref
from fastn.ftd.render.evaluate import Frame, evaluate
from fastn.ftd.values import OrValue
from fastn.processors.context import Invocation
from fastn.processors.errors import UpstreamAnswer
from fastn.processors.mapping import json_or_text, to_string
from fastn.server.proxy import ProxySettings, response_headers

if TYPE_CHECKING:  # imported by the first call (~0.1 s): most packages never make one
    import aiohttp

logger = logging.getLogger("fastn.processors")

FORWARD_HEADERS = "FASTN_HTTP_FORWARD_HEADERS"
DEFAULT_FORWARDED = "cookie,authorization"
MAX_BYTES_VARIABLE = "FASTN_HTTP_MAX_BYTES"
DEFAULT_MAX_BYTES = 10 * 1024 * 1024
TIMEOUT_VARIABLE = "FASTN_HTTP_TIMEOUT"
DEFAULT_TIMEOUT = 30.0
READ_SIZE = 64 * 1024
_ARGUMENTS = frozenset({"url", "method"})
_REQUEST_HEADER = re.compile(r"\$header-(.+)\$")
_METHOD = re.compile(r"[A-Za-z]+")
_NO_BODY = frozenset({"GET", "HEAD"})
_BODY_ALWAYS = frozenset({"POST", "PUT", "PATCH"})
_NOT_PASSED_ON = frozenset({b"content-length", b"content-encoding"})  # the body is decoded


async def process(invocation: Invocation) -> Any:
    written = _url_text(invocation)
    if not written:
        raise invocation.error("`pr.http` needs `url:`")
    method = (invocation.text("method") or "GET").upper()
    if not _METHOD.fullmatch(method):
        raise invocation.error(
            f"`method: {method}` is not an HTTP method", line=invocation.line_of("method")
        )
    url = _target(invocation, written)
    headers = _request_headers(invocation, _is_own_backend(invocation, url))
    fields = _fields(invocation)
    body = None
    if method in _NO_BODY:
        query = [(key, _query_text(value)) for key, value in fields.items() if value is not None]
        if query:
            url += ("&" if "?" in url else "?") + urlencode(query)
    elif fields or method in _BODY_ALWAYS:
        body = json.dumps(fields, default=_plain).encode()
        headers["Content-Type"] = "application/json"
    return invocation.result(await _fetch(invocation, method, url, headers, body), status=502)


def _url_text(invocation: Invocation) -> str | None:
    """`url:` as text; a function building it gets the values of variables percent-encoded."""
    built = _url_builder(invocation)
    if built is None:
        return invocation.text("url")
    args = {
        name: value
        if type(value) is Lit
        else Lit(_escaped(evaluate(value, Frame(), invocation.state)))
        for name, value in built.args.items()
    }
    try:
        return to_string(evaluate(Call(built.function, args), Frame(), invocation.state))
    except ValueError:
        raise invocation.error("`url` must be text", line=invocation.line_of("url")) from None


def _url_builder(invocation: Invocation) -> Call | None:
    """The function call that makes `url:`, written there or as the value of a variable."""
    expression = invocation.call.args.get("url")
    variables = invocation.doc.variables
    seen: set[str] = set()
    while type(expression) is Ref and expression.scope == "global" and not expression.path:
        variable = variables.get(expression.name)
        if variable is None or variable.call is not None or expression.name in seen:
            return None  # a processor's result is data, not a URL being built
        seen.add(expression.name)
        expression = variable.value
    return expression if type(expression) is Call else None


def _escaped(value: Any) -> Any:
    """Text as one URL segment: every reserved character (`/`, `?`, `#`, space…) encoded, and
    dots too when they alone make the text (`..` would climb a level)."""
    if not isinstance(value, str):
        return value
    escaped = quote(value, safe="")
    return escaped.replace(".", "%2E") if not escaped.strip(".") else escaped


def _target(invocation: Invocation, url: str) -> str:
    """An absolute URL as is; a relative one through url-mappings, then the endpoint."""
    if url.startswith(("http://", "https://")):
        return url
    path = url if url.startswith("/") else "/" + url
    settings = invocation.settings
    for prefix, upstream in settings.proxy_mappings:
        if path.startswith(prefix):
            return upstream + path[len(prefix) :]
    if settings.endpoint:
        return settings.endpoint.rstrip("/") + path
    raise invocation.error(
        f"`url: {url}` is relative, but no url-mapping covers it and the package has no `endpoint`",
        line=invocation.line_of("url"),
    )


def _is_own_backend(invocation: Invocation, url: str) -> bool:
    """Is `url` on the package's backend (the endpoint or a url-mapping's upstream)?"""
    settings = invocation.settings
    backends = [upstream for _, upstream in settings.proxy_mappings]
    if settings.endpoint:
        backends.append(settings.endpoint)
    try:
        origin = URL(url).origin()
        return any(URL(backend).origin() == origin for backend in backends)
    except ValueError:
        return False


def _request_headers(invocation: Invocation, own_backend: bool) -> dict[str, str]:
    """The browser's credentials go only to the package's own backend, never to a third party."""
    request = invocation.request
    headers = {"Accept": "application/json"}
    forwarded = os.environ.get(FORWARD_HEADERS, DEFAULT_FORWARDED) if own_backend else ""
    for name in (part.strip().lower() for part in forwarded.split(",")):
        value = request.header(name) if name else None
        if value is not None:
            headers[name] = value
    if own_backend:
        headers["x-fastn-request-path"] = request.path
        headers["x-fastn-root"] = invocation.settings.package_name
    for key in invocation.args:
        found = _REQUEST_HEADER.fullmatch(key)
        if found is not None:
            value = invocation.text(key)
            for existing in [h for h in headers if h.lower() == found.group(1).lower()]:
                del headers[existing]
            if value is not None:
                headers[found.group(1)] = value
    return headers


def _fields(invocation: Invocation) -> dict[str, Any]:
    """The query/body fields: every argument but url, method and `$header-…$`."""
    fields = {}
    for key, value in invocation.args.items():
        if key in _ARGUMENTS or _REQUEST_HEADER.fullmatch(key):
            continue
        fields[key] = json_or_text(value) if key in invocation.call.untyped else value
    return fields


def _plain(value: Any) -> Any:
    if isinstance(value, OrValue):
        return value.value
    raise TypeError(f"{type(value).__name__} is not JSON")


def _query_text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, default=_plain)


async def _fetch(
    invocation: Invocation, method: str, url: str, headers: dict[str, str], body: bytes | None
) -> Any:
    import aiohttp

    session = await invocation.resources.shared("http", _open_session)
    limit = int(os.environ.get(MAX_BYTES_VARIABLE) or DEFAULT_MAX_BYTES)
    deadline = float(os.environ.get(TIMEOUT_VARIABLE) or DEFAULT_TIMEOUT)
    try:
        async with (
            asyncio.timeout(deadline) as whole_exchange,
            session.request(
                method, URL(url, encoded=True), headers=headers, data=body, allow_redirects=False
            ) as response,
        ):
            payload = await _read_at_most(response, limit)
            if payload is None:
                raise invocation.error(f"{method} {url} answered more than {limit} bytes", 502)
            cookies = response.headers.getall("Set-Cookie", [])
            status = response.status
            if not 200 <= status < 300:
                raise UpstreamAnswer(
                    f"{method} {url} answered {status}",
                    invocation.variable.doc_id,
                    invocation.variable.line,
                    status,
                    [
                        (name.decode("latin-1"), value.decode("latin-1"))
                        for name, value in response_headers(response.raw_headers)
                        if name.lower() not in _NOT_PASSED_ON
                    ],
                    payload,
                )
    except TimeoutError:  # aiohttp's connect/read timeouts subclass it
        if whole_exchange.expired():
            raise invocation.error(
                f"{method} {url} did not finish its answer within {deadline:g} s", 502
            ) from None
        raise invocation.error(f"{method} {url} did not answer in time", 504) from None
    except (aiohttp.ClientError, OSError, ValueError) as error:
        raise invocation.error(f"{method} {url} could not be reached: {error}", 502) from None
    invocation.cookies.extend(cookies)
    if not payload.strip():
        return None
    try:
        return json.loads(payload)
    except ValueError:
        raise invocation.error(
            f"{method} {url} answered {status}, but not with JSON", 502
        ) from None


async def _read_at_most(response: aiohttp.ClientResponse, limit: int) -> bytes | None:
    """The whole body, or None (and nothing kept) as soon as it is longer than `limit`."""
    if (response.content_length or 0) > limit:
        return None
    body = bytearray()
    async for chunk in response.content.iter_chunked(READ_SIZE):
        body += chunk
        if len(body) > limit:
            return None
    return bytes(body)


async def _open_session() -> aiohttp.ClientSession:
    """One pooled session per worker; no cookie jar (one user's cookies are never another's)."""
    import aiohttp

    settings = ProxySettings.from_env()
    return aiohttp.ClientSession(
        timeout=aiohttp.ClientTimeout(
            total=None, sock_connect=settings.connect_timeout, sock_read=settings.read_timeout
        ),
        cookie_jar=aiohttp.DummyCookieJar(),
        trust_env=False,
    )
