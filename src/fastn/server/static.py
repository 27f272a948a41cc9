"""Static files of the package: content type, validators (ETag, Last-Modified), one Range.

Browsers revalidate assets on every page view, so answering `304 Not Modified` from a stat()
is what keeps a package's images and CSS cheap; `Range` lets media seek and downloads resume.
"""

from __future__ import annotations

import mimetypes
import os
from email.utils import formatdate, parsedate_to_datetime
from pathlib import Path

from fastn.server.responses import Headers, Scope, Send, header, send_response

CHUNK_SIZE = 64 * 1024
_TEXT_TYPES = ("application/javascript", "application/json", "application/xml", "image/svg+xml")


def content_type(path: Path) -> bytes:
    """The file's media type, with `charset=utf-8` for text (how fastn packages are written)."""
    guessed, _ = mimetypes.guess_type(path.name)
    if guessed is None:
        return b"application/octet-stream"
    if guessed.startswith("text/") or guessed in _TEXT_TYPES:
        guessed += "; charset=utf-8"
    return guessed.encode()


def entity_tag(stat: os.stat_result) -> bytes:
    """Changes whenever the file is rewritten (mtime in ns) or resized."""
    return b'"%x-%x"' % (stat.st_mtime_ns, stat.st_size)


async def send_file(scope: Scope, send: Send, path: Path) -> None:
    """Answer a GET/HEAD for `path`: 200, 206, 304 or 416."""
    stat = path.stat()
    etag = entity_tag(stat)
    validators: Headers = [
        (b"etag", etag),
        (b"last-modified", formatdate(stat.st_mtime, usegmt=True).encode()),
    ]
    if _not_modified(scope, etag, stat.st_mtime):
        await send_response(scope, send, 304, validators)
        return

    headers: Headers = [
        (b"content-type", content_type(path)),
        (b"accept-ranges", b"bytes"),
        *validators,
    ]
    size = stat.st_size
    start, end, status = 0, size - 1, 200
    wanted = _requested_range(scope, etag, size)
    if wanted == "unsatisfiable":
        headers = [(b"content-range", b"bytes */%d" % size)]
        await send_response(scope, send, 416, headers)
        return
    if wanted is not None:
        start, end = wanted
        status = 206
        headers.append((b"content-range", b"bytes %d-%d/%d" % (start, end, size)))
    length = end - start + 1 if size else 0
    headers.append((b"content-length", str(length).encode()))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    if scope["method"] == "HEAD" or length == 0:
        await send({"type": "http.response.body", "body": b""})
        return
    with path.open("rb") as file:
        file.seek(start)
        remaining = length
        while remaining > 0:
            chunk = file.read(min(CHUNK_SIZE, remaining))
            if not chunk:  # the file shrank while being sent; end the response short
                break
            remaining -= len(chunk)
            await send({"type": "http.response.body", "body": chunk, "more_body": remaining > 0})
    if remaining > 0:
        await send({"type": "http.response.body", "body": b""})


def _not_modified(scope: Scope, etag: bytes, mtime: float) -> bool:
    """RFC 9110 §13.2.2: If-None-Match decides when present, else If-Modified-Since."""
    if_none_match = header(scope, b"if-none-match")
    if if_none_match is not None:
        if if_none_match.strip() == b"*":
            return True
        return any(_weak_equal(tag, etag) for tag in if_none_match.split(b","))
    if_modified_since = header(scope, b"if-modified-since")
    if if_modified_since is not None:
        since = _http_date(if_modified_since)
        return since is not None and int(mtime) <= since
    return False


def _weak_equal(tag: bytes, etag: bytes) -> bool:
    return tag.strip().removeprefix(b"W/") == etag


def _http_date(value: bytes) -> int | None:
    try:
        return int(parsedate_to_datetime(value.decode("latin-1")).timestamp())
    except (TypeError, ValueError, IndexError):
        return None


def _requested_range(scope: Scope, etag: bytes, size: int) -> tuple[int, int] | str | None:
    """The single byte range asked for: (start, end), "unsatisfiable", or None for the whole file.

    Several ranges, a malformed header or a stale If-Range all get the whole file (allowed by
    RFC 9110 §14.2: a server may ignore Range).
    """
    value = header(scope, b"range")
    if value is None:
        return None
    if_range = header(scope, b"if-range")
    if if_range is not None and if_range.strip() != etag:
        return None
    unit, _, spec = value.partition(b"=")
    if unit.strip().lower() != b"bytes" or b"," in spec:
        return None
    first, dash, last = spec.strip().partition(b"-")
    if not dash or not (first.isdigit() or last.isdigit()):
        return None
    if not first:  # suffix range: the last N bytes
        suffix = int(last)
        if suffix == 0 or size == 0:
            return "unsatisfiable"
        return max(size - suffix, 0), size - 1
    if not first.isdigit() or (last and not last.isdigit()):
        return None
    start = int(first)
    end = min(int(last), size - 1) if last else size - 1
    if start >= size:
        return "unsatisfiable"
    if end < start:
        return None
    return start, end
