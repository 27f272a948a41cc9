"""Compressed pages and text files, as fastn sends them: br when the client asks for it and the
`brotli` package is installed, else gzip; never a proxied response (the backend's as it is).

Only a whole `200` of a text type (HTML, CSS, JavaScript, JSON, XML, SVG, plain text) at least
`MIN_LENGTH` bytes long is compressed; its ETag becomes weak (the bytes differ, the content
does not: nginx does the same) and `Vary: Accept-Encoding` tells caches. A range request
gets the file as it is.
"""

from __future__ import annotations

import zlib
from typing import Protocol

from fastn.server.responses import Message, Scope, Send, header

MIN_LENGTH = 20  # nginx's gzip_min_length
GZIP_LEVEL = 6
BROTLI_QUALITY = 5  # quality 11 (the default) costs ~20× the CPU for a few % smaller pages
_TEXT_TYPES = (b"text/", b"application/javascript", b"application/json", b"application/xml",
               b"image/svg+xml")  # fmt: skip

_STREAMS = (b"text/event-stream",)  # live reload's events
# set in a request's scope by what rewrites the page afterwards (live reload adds its script)
UNCOMPRESSED = "fastn.uncompressed"

try:
    import brotli
except ImportError:  # optional: gzip only
    brotli = None


class _Compressor(Protocol):
    def compress(self, data: bytes) -> bytes: ...

    def flush(self) -> bytes: ...


class _Brotli:
    def __init__(self) -> None:
        self.compressor = brotli.Compressor(quality=BROTLI_QUALITY)

    def compress(self, data: bytes) -> bytes:
        return self.compressor.process(data)

    def flush(self) -> bytes:
        return self.compressor.finish()


def _gzip() -> _Compressor:
    return zlib.compressobj(GZIP_LEVEL, zlib.DEFLATED, 16 + zlib.MAX_WBITS)


def accepted_encoding(scope: Scope) -> bytes | None:
    """b"br" or b"gzip" when the request accepts it (and it is available), else None."""
    value = header(scope, b"accept-encoding")
    if not value or header(scope, b"range") is not None or scope.get(UNCOMPRESSED):
        return None
    accepted = set()
    for item in value.lower().split(b","):
        name, _, parameters = item.strip().partition(b";")
        quality = parameters.strip().removeprefix(b"q=")
        if parameters and quality.replace(b".", b"").strip(b"0") == b"":
            continue  # q=0: refused
        accepted.add(name.strip())
    if brotli is not None and b"br" in accepted:
        return b"br"
    if b"gzip" in accepted or b"*" in accepted:
        return b"gzip"
    return None


def compressing(scope: Scope, send: Send) -> Send:
    """`send` that compresses the response when it is worth it and the client accepts it."""
    encoding = accepted_encoding(scope)
    if encoding is None:
        return send
    held: Message | None = None
    compressor: _Compressor | None = None

    async def compressed_send(message: Message) -> None:
        nonlocal held, compressor
        if message["type"] == "http.response.start":
            held = message
            return
        if held is None:  # the start was sent: passing through, or compressing
            if compressor is not None:
                message = _compress_part(message, compressor)
            await send(message)
            return
        start, held = held, None
        body: bytes = message.get("body", b"")
        more = message.get("more_body", False)
        headers = start["headers"]
        if not _worth_compressing(start["status"], headers, len(body), more):
            await send(start)
            await send(message)
            return
        compressor = _Brotli() if encoding == b"br" else _gzip()
        headers = [
            (name, b"W/" + value if name == b"etag" and not value.startswith(b"W/") else value)
            for name, value in headers
            if name != b"content-length"
        ]
        headers += [(b"content-encoding", encoding), (b"vary", b"accept-encoding")]
        if scope["method"] == "HEAD":
            await send({**start, "headers": headers})
            await send(message)
            return
        message = _compress_part(message, compressor)
        if not more:  # the whole body at once: its length is known
            headers.append((b"content-length", str(len(message["body"])).encode()))
        await send({**start, "headers": headers})
        await send(message)

    return compressed_send


def _compress_part(message: Message, compressor: _Compressor) -> Message:
    body = compressor.compress(message.get("body", b""))
    if not message.get("more_body", False):
        body += compressor.flush()
    return {**message, "body": body}


def _worth_compressing(
    status: int, headers: list[tuple[bytes, bytes]], first_length: int, more: bool
) -> bool:
    if status != 200:
        return False
    kind = b""
    length = first_length if not more else None
    for name, value in headers:
        if name == b"content-encoding":
            return False
        if name == b"content-type":
            kind = value
        elif name == b"content-length":
            length = int(value)
    if kind.startswith(_STREAMS):  # each event must leave at once, not when the stream ends
        return False
    return kind.startswith(_TEXT_TYPES) and (length is None or length >= MIN_LENGTH)
