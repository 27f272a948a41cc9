"""The transparent reverse proxy to the package's `endpoint` and `http+proxy://` url-mappings.

What a browser sends reaches the backend as nginx would pass it: every method; the path and
query byte for byte (to the endpoint; a url-mapping gets the normalised path with its prefix
replaced, as nginx's `proxy_pass` with a URI does); every repeated header kept; hop-by-hop
headers dropped; `X-Forwarded-For/-Proto/-Host` and RFC 7239 `Forwarded` added; redirects
handed back to the browser, never followed; WebSocket upgrades relayed. A refused or reset
upstream answers 502, a slow one 504 (fastn itself answers a generic 500 for both).

Every upstream URL is the configured origin (scheme, host, port) plus a path: it is built from
parts, never by joining strings, and checked to still name that origin.

Request bodies are read whole before the backend is contacted, as nginx's
`proxy_request_buffering on` does, so a client sending slowly holds no backend connection or
worker: up to `body_in_memory` bytes in memory, then in a temporary file, within
`body_timeout` seconds (408 otherwise). Only bodies larger than `body_buffer` are streamed,
the rest of a chunked one after its first `body_buffer` bytes. Responses are streamed.

The hot path is plain ASGI over one pooled `aiohttp.ClientSession` per worker: no framework,
no per-request session.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import logging
import os
import tempfile
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, BinaryIO
from urllib.parse import quote

from fastn.server.guard import is_origin_form
from fastn.server.responses import Headers, Message, Receive, Scope, Send, refuse_request

if TYPE_CHECKING:  # imported when the first upstream call is made: it takes ~0.1 s
    import aiohttp
    from yarl import URL  # aiohttp's URL type, imported with it

logger = logging.getLogger("fastn.proxy")

# RFC 9110 §7.6.1 plus the de-facto ones; `Expect` is answered by the ASGI server itself.
HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-connection",
        "proxy-authenticate",
        "proxy-authorization",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
        "expect",
    }
)
_FORWARDING = frozenset({"forwarded", "x-forwarded-for", "x-forwarded-proto", "x-forwarded-host"})
# Hop-by-hop, plus Date and Server: the ASGI server writes its own Date (and Server, if enabled),
# so passing the upstream's would send them twice. nginx hides them too (`proxy_hide_header`).
_RESPONSE_DROPPED = frozenset({b"date", b"server", *(name.encode() for name in HOP_BY_HOP)})
# aiohttp's WebSocket client writes its own handshake headers.
_WEBSOCKET_HANDSHAKE = frozenset(
    {
        "sec-websocket-key",
        "sec-websocket-version",
        "sec-websocket-extensions",
        "sec-websocket-protocol",
    }
)
DEFAULT_CONNECT_TIMEOUT = 5.0
DEFAULT_READ_TIMEOUT = 60.0  # nginx's proxy_read_timeout
DEFAULT_BODY_IN_MEMORY = 1 << 20
DEFAULT_BODY_BUFFER = 16 << 20
DEFAULT_BODY_TIMEOUT = 120.0
_SKIP_AUTO_HEADERS = ("User-Agent", "Accept", "Accept-Encoding", "Content-Type")
# what the 502/504 page says (also pre-rendered for nginx in front, `fastn.front`)
UPSTREAM_FAILURE_DETAIL = {
    502: "The backend could not be reached.",
    504: "The backend did not answer in time.",
}


@dataclass(frozen=True, slots=True)
class ProxySettings:
    """Knobs of the proxy, read from the environment so every worker process sees the same.

    `FASTN_PROXY_CONNECT_TIMEOUT` / `FASTN_PROXY_READ_TIMEOUT` (seconds; the read timeout is
    the longest silence between two reads), `FASTN_PROXY_PRESERVE_HOST=1` (send the client's
    Host instead of the upstream's), `FASTN_TRUSTED_PROXIES` (comma-separated addresses or
    networks whose X-Forwarded-*/Forwarded headers are extended instead of replaced).
    Request bodies: `FASTN_PROXY_BODY_BUFFER` (bytes read whole before the backend is
    contacted; larger bodies are streamed; 0 streams all), `FASTN_PROXY_BODY_IN_MEMORY` (bytes
    of it kept in memory, the rest in a temporary file), `FASTN_PROXY_BODY_TIMEOUT` (seconds
    to receive it all, 408 after).
    """

    connect_timeout: float = DEFAULT_CONNECT_TIMEOUT
    read_timeout: float = DEFAULT_READ_TIMEOUT
    body_buffer: int = DEFAULT_BODY_BUFFER
    body_in_memory: int = DEFAULT_BODY_IN_MEMORY
    body_timeout: float = DEFAULT_BODY_TIMEOUT
    preserve_host: bool = False
    trusted_proxies: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...] = field(
        default_factory=tuple
    )

    @classmethod
    def from_env(cls) -> ProxySettings:
        environ = os.environ
        trusted = tuple(
            ipaddress.ip_network(item.strip(), strict=False)
            for item in environ.get("FASTN_TRUSTED_PROXIES", "").split(",")
            if item.strip()
        )
        return cls(
            connect_timeout=float(
                environ.get("FASTN_PROXY_CONNECT_TIMEOUT", DEFAULT_CONNECT_TIMEOUT)
            ),
            read_timeout=float(environ.get("FASTN_PROXY_READ_TIMEOUT", DEFAULT_READ_TIMEOUT)),
            body_buffer=int(environ.get("FASTN_PROXY_BODY_BUFFER", DEFAULT_BODY_BUFFER)),
            body_in_memory=int(environ.get("FASTN_PROXY_BODY_IN_MEMORY", DEFAULT_BODY_IN_MEMORY)),
            body_timeout=float(environ.get("FASTN_PROXY_BODY_TIMEOUT", DEFAULT_BODY_TIMEOUT)),
            preserve_host=environ.get("FASTN_PROXY_PRESERVE_HOST", "").lower()
            in ("1", "true", "yes"),
            trusted_proxies=trusted,
        )

    def trusts(self, client_host: str | None) -> bool:
        if not self.trusted_proxies or not client_host:
            return False
        try:
            address = ipaddress.ip_address(client_host)
        except ValueError:
            return False
        return any(address in network for network in self.trusted_proxies)


class UpstreamClient:
    """The worker's one pooled HTTP client, opened in the ASGI lifespan and shared by proxies."""

    def __init__(self, settings: ProxySettings, eager: bool = True) -> None:
        """`eager`: open the pool when the worker starts (a package that proxies), else on the
        first upstream call."""
        self.settings = settings
        self.eager = eager
        self._session: aiohttp.ClientSession | None = None

    @property
    def session(self) -> aiohttp.ClientSession:
        if self._session is None:  # servers started without lifespan still get a pooled client
            self._session = self._open()
        return self._session

    def _open(self) -> aiohttp.ClientSession:
        import aiohttp

        connector = aiohttp.TCPConnector(
            limit=0,  # one upstream connection per client request in flight, like nginx
            keepalive_timeout=30,
            ttl_dns_cache=60,
        )
        return aiohttp.ClientSession(
            connector=connector,
            timeout=aiohttp.ClientTimeout(
                total=None,
                sock_connect=self.settings.connect_timeout,
                sock_read=self.settings.read_timeout,
            ),
            auto_decompress=False,  # compressed bodies pass through as they are
            trust_env=False,  # no HTTP(S)_PROXY surprises
            cookie_jar=aiohttp.DummyCookieJar(),  # never share one user's cookies with another
            skip_auto_headers=_SKIP_AUTO_HEADERS,
            max_line_size=65536,
            max_field_size=65536,
        )

    async def start(self) -> None:
        if self.eager:
            _ = self.session

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None


ErrorResponder = Callable[[Scope, Send, int, str], Awaitable[None]]


class ClientDisconnected(Exception):
    """The browser went away while its request body was being forwarded."""


class ReverseProxy:
    """ASGI app forwarding requests under `prefix` to `upstream` (prefix replaced by it).

    The endpoint proxy has prefix "" and the upstream's path (usually none) is put before the
    request path; `/api/* -> http+proxy://host/v1/*` has prefix "/api/" and upstream
    "http://host/v1/", and is handed the normalised path that matched the prefix.
    """

    def __init__(
        self,
        upstream: str,
        client: UpstreamClient,
        error_page: ErrorResponder,
        prefix: str = "",
    ) -> None:
        from yarl import URL

        self.upstream = upstream
        configured = URL(upstream)
        self.scheme = configured.scheme
        self.authority = configured.raw_authority  # [user-info@]host[:port], as configured
        origin = URL.build(scheme=self.scheme, authority=self.authority, encoded=True)
        # every URL of this upstream starts so: any parser reads the authority up to that "/"
        self.origin_prefix = f"{origin}/"
        self.base_path = configured.raw_path if prefix else configured.raw_path.rstrip("/")
        self.prefix_length = len(prefix.encode())
        self.client = client
        self.settings = client.settings
        self.error_page = error_page

    def upstream_url(self, scope: Scope, path: bytes | None = None) -> URL | None:
        """The configured origin with `path` (the request's raw path by default) after the
        prefix, and the query; None if the result would not be an origin-form request to that
        origin (the request is refused: such a URL is never requested)."""
        from yarl import URL

        if path is None:
            path = scope.get("raw_path") or quote(scope["path"]).encode()
        if not is_origin_form(path):
            return None
        tail = path[self.prefix_length :]
        if not tail.isascii():  # not valid on the wire; percent-encode as a browser would
            tail = quote(tail, safe="/%:@!$&'()*+,;=-._~").encode()
        full_path = self.base_path + tail.decode("ascii")
        url = URL.build(
            scheme=self.scheme,
            authority=self.authority,
            path=full_path,
            query_string=scope["query_string"].decode("latin-1"),
            encoded=True,
        )
        if not str(url).startswith(self.origin_prefix):  # the URL as it would be parsed again
            logger.error("refused a request whose upstream URL left %s: %s", self.upstream, url)
            return None
        return url

    async def __call__(
        self, scope: Scope, receive: Receive, send: Send, path: bytes | None = None
    ) -> None:
        """`path`: what a url-mapping matched (normalised), else the request's raw path."""
        url = self.upstream_url(scope, path)
        if url is None:
            if scope["type"] == "websocket":
                await _refuse_websocket(scope, send, 400)
            else:
                await refuse_request(scope, send, 400, "The request target is not a path.")
        elif scope["type"] == "websocket":
            await self.websocket(scope, receive, send, url)
        else:
            await self.http(scope, receive, send, url)

    async def http(self, scope: Scope, receive: Receive, send: Send, url: URL) -> None:
        headers = forwarded_headers(scope, self.settings)
        body = _RequestBody(receive) if _has_body(scope) else None
        data: bytes | BinaryIO | aiohttp.payload.AsyncIterablePayload | None = None
        try:
            if body is not None:
                try:
                    data = await body.read(_declared_length(scope), self.settings)
                except TimeoutError:
                    await refuse_request(
                        scope, send, 408, "The request body did not arrive in time."
                    )
                    return
                except ClientDisconnected:
                    return
            try:
                response = await self.client.session.request(
                    scope["method"], url, headers=headers, data=data, allow_redirects=False
                )
            except Exception as error:
                if body is not None and body.disconnected:
                    return
                await self.upstream_failed(scope, send, error)
                return
            try:
                await self.relay_response(scope, receive, send, response, body)
            finally:
                response.release()
        finally:
            if body is not None:
                body.discard()

    async def relay_response(
        self,
        scope: Scope,
        receive: Receive,
        send: Send,
        response: aiohttp.ClientResponse,
        body: _RequestBody | None,
    ) -> None:
        import aiohttp

        headers = response_headers(response.raw_headers)
        await send({"type": "http.response.start", "status": response.status, "headers": headers})
        content = response.content
        try:
            chunk = await content.readany()
            if content.at_eof():  # the common small response: one write
                await send({"type": "http.response.body", "body": chunk})
                return
            # A long response: stop pulling from upstream if the browser leaves (uvicorn
            # silently drops writes to a closed connection, so an SSE stream would run forever).
            watcher = None
            if body is None or body.complete:
                watcher = asyncio.create_task(_close_on_disconnect(receive, response))
            try:
                while chunk:
                    await send({"type": "http.response.body", "body": chunk, "more_body": True})
                    chunk = await content.readany()
            finally:
                if watcher is not None:
                    watcher.cancel()
            await send({"type": "http.response.body", "body": b""})
        except (aiohttp.ClientError, OSError, TimeoutError) as error:
            # Headers are gone already: all that can be done is cut the response short.
            logger.warning("upstream %s broke off the response: %r", self.upstream, error)

    async def upstream_failed(self, scope: Scope, send: Send, error: Exception) -> None:
        import aiohttp

        if isinstance(error, TimeoutError):  # aiohttp's connect/read timeouts subclass it
            status = 504
        elif isinstance(error, (aiohttp.ClientError, OSError)):
            status = 502
        else:
            raise error
        detail = UPSTREAM_FAILURE_DETAIL[status]
        logger.warning(
            "upstream %s: %s: %s: %s", self.upstream, detail, type(error).__name__, error
        )
        await self.error_page(scope, send, status, detail)

    async def websocket(self, scope: Scope, receive: Receive, send: Send, url: URL) -> None:
        """Open the upstream WebSocket first, then accept the browser's and relay both ways."""
        import aiohttp

        message = await receive()
        if message["type"] != "websocket.connect":
            return
        subprotocols = scope.get("subprotocols") or ()
        try:
            upstream = await self.client.session.ws_connect(
                url,
                headers=forwarded_headers(scope, self.settings, exclude=_WEBSOCKET_HANDSHAKE),
                protocols=subprotocols,
                autoclose=False,
                max_msg_size=0,
                timeout=aiohttp.ClientWSTimeout(ws_receive=None, ws_close=10.0),
            )
        except aiohttp.WSServerHandshakeError as error:  # the upstream said no (or not a WebSocket)
            await _refuse_websocket(scope, send, error.status if error.status >= 400 else 502)
            return
        except (aiohttp.ClientError, OSError, TimeoutError) as error:
            logger.warning("upstream WebSocket %s failed: %r", self.upstream, error)
            await _refuse_websocket(scope, send, 504 if isinstance(error, TimeoutError) else 502)
            return
        async with upstream:
            await send({"type": "websocket.accept", "subprotocol": upstream.protocol})
            await _relay_websocket(receive, send, upstream)


def forwarded_headers(
    scope: Scope, settings: ProxySettings, exclude: frozenset[str] = frozenset()
) -> list[tuple[str, str]]:
    """The request headers to send upstream: end-to-end ones kept (repeats too) + forwarding."""
    client = scope.get("client")
    client_host = client[0] if client else None
    trusted = settings.trusts(client_host)
    connection_named: set[str] = set()
    host = ""
    incoming: dict[str, str] = {}
    headers: list[tuple[str, str]] = []
    for raw_name, raw_value in scope["headers"]:
        name = raw_name.decode("latin-1").lower()
        value = _header_text(raw_value)
        if name == "host":
            host = value
            if settings.preserve_host:
                headers.append(("Host", value))
            continue
        if name == "connection":
            connection_named.update(token.strip().lower() for token in value.split(","))
        if name in HOP_BY_HOP or name in exclude:
            continue
        if name in _FORWARDING:
            if trusted:
                incoming[name] = f"{incoming[name]}, {value}" if name in incoming else value
            continue
        headers.append((name, value))
    if connection_named:
        headers = [(name, value) for name, value in headers if name not in connection_named]

    proto = "https" if scope.get("scheme") in ("https", "wss") else "http"
    node = client_host or "unknown"
    forwarded_for = incoming.get("x-forwarded-for")
    forwarded = incoming.get("forwarded")
    element = f"for={_forwarded_node(node)};proto={proto}"
    if host:
        element += f";host={_forwarded_value(host)}"
    headers += [
        ("X-Forwarded-For", f"{forwarded_for}, {node}" if forwarded_for else node),
        ("X-Forwarded-Proto", incoming.get("x-forwarded-proto", proto)),
        ("X-Forwarded-Host", incoming.get("x-forwarded-host", host)),
        ("Forwarded", f"{forwarded}, {element}" if forwarded else element),
    ]
    return headers


def response_headers(raw_headers: tuple[tuple[bytes, bytes], ...]) -> Headers:
    """The upstream's response headers minus hop-by-hop ones (and those its Connection names)."""
    dropped = _RESPONSE_DROPPED
    for name, value in raw_headers:
        if name.lower() == b"connection":
            dropped = dropped | {token.strip().lower() for token in value.split(b",")}
    return [(name, value) for name, value in raw_headers if name.lower() not in dropped]


def _header_text(value: bytes) -> str:
    """aiohttp writes header values as UTF-8, so UTF-8 bytes must come back as the same text."""
    if value.isascii():
        return value.decode("ascii")
    try:
        return value.decode("utf-8")
    except UnicodeDecodeError:
        return value.decode("latin-1")


def _forwarded_node(address: str) -> str:
    """RFC 7239 §6: IPv6 addresses are bracketed and quoted."""
    return f'"[{address}]"' if ":" in address else address


_TOKEN_CHARS = frozenset(
    "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
)


def _forwarded_value(value: str) -> str:
    """A token as is, anything else (`host:port`) as a quoted string."""
    if value and _TOKEN_CHARS.issuperset(value):
        return value
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


def _has_body(scope: Scope) -> bool:
    for name, value in scope["headers"]:
        if name == b"content-length":
            return value.strip() != b"0"
        if name == b"transfer-encoding":
            return True
    return False


def _declared_length(scope: Scope) -> int | None:
    """The body's Content-Length (the ASGI server has checked it), None for a chunked one."""
    for name, value in scope["headers"]:
        if name == b"content-length":
            return int(value)
    return None


class _RequestBody:
    """The browser's request body: read whole first (in memory, then in a temporary file), or
    when too large for that, streamed as fast as upstream takes it."""

    def __init__(self, receive: Receive) -> None:
        self.receive = receive
        self.complete = False
        self.disconnected = False
        self.spool: BinaryIO | None = None

    async def read(
        self, declared: int | None, settings: ProxySettings
    ) -> bytes | BinaryIO | aiohttp.payload.AsyncIterablePayload:
        """What aiohttp sends: the body's bytes or its temporary file, once it is all here
        (TimeoutError past `settings.body_timeout`); a stream when it is larger than
        `settings.body_buffer`, after the first `body_buffer` bytes of a chunked one."""
        import aiohttp

        if declared is not None and declared > settings.body_buffer:
            first = await self._next()
            if self.complete:
                return first
            return aiohttp.payload.AsyncIterablePayload(self._rest([first]))
        held: list[bytes] = []
        held_bytes = 0
        async with asyncio.timeout(settings.body_timeout):
            while not self.complete:
                chunk = await self._next()
                held_bytes += len(chunk)
                if self.spool is None and held_bytes > settings.body_in_memory:
                    # closed by discard(), once the upstream has had it
                    self.spool = tempfile.TemporaryFile(prefix="fastn-body-")  # noqa: SIM115
                    self.spool.writelines(held)
                    held = []
                if self.spool is None:
                    held.append(chunk)
                else:
                    self.spool.write(chunk)
                if held_bytes > settings.body_buffer:  # a chunked body too large to hold
                    first = held if self.spool is None else self._spooled()
                    return aiohttp.payload.AsyncIterablePayload(self._rest(first))
        if self.spool is None:
            return b"".join(held)
        self.spool.seek(0)
        return self.spool

    def _spooled(self) -> Iterator[bytes]:
        assert self.spool is not None
        self.spool.seek(0)
        while chunk := self.spool.read(1 << 16):
            yield chunk

    async def _rest(self, first: Iterable[bytes]) -> AsyncIterator[bytes]:
        for chunk in first:
            if chunk:
                yield chunk
        while not self.complete:
            chunk = await self._next()
            if chunk:
                yield chunk

    async def _next(self) -> bytes:
        message = await self.receive()
        if message["type"] == "http.disconnect":
            self.disconnected = True
            raise ClientDisconnected
        self.complete = not message.get("more_body", False)
        return message.get("body", b"")

    def discard(self) -> None:
        """Removes the temporary file, if one was needed."""
        if self.spool is not None:
            self.spool.close()
            self.spool = None


async def _close_on_disconnect(receive: Receive, response: aiohttp.ClientResponse) -> None:
    while (await receive())["type"] != "http.disconnect":
        pass
    response.close()


async def _refuse_websocket(scope: Scope, send: Send, status: int) -> None:
    """An HTTP error status if the server supports the denial extension, else a plain close."""
    if "websocket.http.response" in scope.get("extensions", {}):
        body = f"{status} upstream WebSocket unavailable".encode()
        await send(
            {
                "type": "websocket.http.response.start",
                "status": status,
                "headers": [(b"content-type", b"text/plain; charset=utf-8")],
            }
        )
        await send({"type": "websocket.http.response.body", "body": body})
    else:
        await send({"type": "websocket.close", "code": 1011})


async def _relay_websocket(
    receive: Receive, send: Send, upstream: aiohttp.ClientWebSocketResponse
) -> None:
    import aiohttp

    async def browser_to_upstream() -> None:
        while True:
            message: Message = await receive()
            if message["type"] == "websocket.receive":
                if message.get("text") is not None:
                    await upstream.send_str(message["text"])
                else:
                    await upstream.send_bytes(message.get("bytes") or b"")
            elif message["type"] == "websocket.disconnect":
                await upstream.close(code=_sendable_close_code(message.get("code")))
                return

    async def upstream_to_browser() -> None:
        async for message in upstream:
            if message.type == aiohttp.WSMsgType.TEXT:
                await send({"type": "websocket.send", "text": message.data})
            elif message.type == aiohttp.WSMsgType.BINARY:
                await send({"type": "websocket.send", "bytes": message.data})
            else:  # CLOSE, CLOSING, CLOSED, ERROR
                break
        with contextlib.suppress(Exception):  # the browser may be gone already
            await send(
                {"type": "websocket.close", "code": _sendable_close_code(upstream.close_code)}
            )

    tasks = [asyncio.create_task(browser_to_upstream()), asyncio.create_task(upstream_to_browser())]
    try:
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


def _sendable_close_code(code: int | None) -> int:
    """1005/1006/1015 only describe a close locally (RFC 6455 §7.4.1); they are never sent."""
    return 1000 if code in (None, 1005, 1006, 1015) else code
