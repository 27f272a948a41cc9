"""Error pages: the package's own (`404.ftd`, `502.ftd`, `504.ftd`, `5xx.ftd`…) or a plain one.

A document that fails to render is a 500. In development the page says what failed, where,
and shows the lines around it (the terminal gets the same excerpt); in production it is the
package's `500.ftd`/`5xx.ftd` or a plain page, and the details go to the log only.
"""

from __future__ import annotations

import html
import logging
import os
import sys
from pathlib import Path

from fastn.ftd.errors import FtdError
from fastn.ftd.page import plain_page
from fastn.server.pages import Pages, request_info
from fastn.server.proxy import ErrorResponder
from fastn.server.responses import HTML, Scope, Send, send_response

logger = logging.getLogger("fastn.server")

UPSTREAM_FAILURE = "fastn.upstream_failure"  # scope key: the upstream URL that failed
EXCERPT_CONTEXT = 3  # lines shown before and after the failing one


def error_documents(status: int) -> list[str]:
    """Documents tried for a status, most specific first: 502 → `502.ftd`, then `5xx.ftd`."""
    return [str(status), "5xx"] if status >= 500 else [str(status)]


def source_excerpt(error: FtdError) -> list[tuple[int, str]]:
    """(line number, text) of the lines around the error, when its file can be read."""
    if not error.line or not error.path:
        return []
    try:
        lines = Path(error.path).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return []
    first = max(error.line - EXCERPT_CONTEXT, 1)
    last = min(error.line + EXCERPT_CONTEXT, len(lines))
    return [(number, lines[number - 1]) for number in range(first, last + 1)]


def log_excerpt(error: FtdError) -> None:
    """The source lines around a located error, for the terminal (the message is logged apart)."""
    excerpt = source_excerpt(error)
    if excerpt:
        width = len(str(excerpt[-1][0]))
        logger.error(
            "\n".join(
                f"{'>' if number == error.line else ' '} {number:>{width}} | {text}"
                for number, text in excerpt
            )
        )


def development_page(error: BaseException) -> bytes:
    """What failed, where, and the lines around it: the 500 page of development mode."""
    if not isinstance(error, FtdError):
        title = "fastn internal error"
        body = (
            f"<p class=message>{html.escape(repr(error))}</p><p>The terminal has the details.</p>"
        )
    else:
        file = _shown_path(error.path) if error.path else error.doc_id
        place = f"{file}:{error.line}" if error.line else file
        title = f"Error in {file}"
        rows = "".join(
            f"<tr{' class=here' if number == error.line else ''}><td>{number}</td>"
            f"<td>{html.escape(text) or ' '}</td></tr>"
            for number, text in source_excerpt(error)
        )
        body = (
            f"<p class=message>{html.escape(error.message)}</p>"
            f"<p class=place>{html.escape(place)}</p>"
            + (f"<table class=source>{rows}</table>" if rows else "")
            + "<p>Fix the file: this page reloads by itself.</p>"
        )
    return (
        '<!DOCTYPE html><html><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title><style>{_DEVELOPMENT_STYLE}</style></head>"
        f"<body><h1>{html.escape(title)}</h1>{body}</body></html>"
    ).encode()


def _shown_path(path: str) -> str:
    """A path as the developer knows it: relative to the folder fastn runs in, when inside."""
    relative = os.path.relpath(path)
    return path if relative.startswith("..") else relative


_DEVELOPMENT_STYLE = (
    "body{font-family:system-ui,sans-serif;margin:2rem;color:#222}"
    ".message{font-size:1.2rem;color:#b00020;white-space:pre-wrap}"
    ".place{font-family:monospace}"
    ".source{border-collapse:collapse;font-family:monospace;background:#f6f6f6}"
    ".source td{padding:0 .6rem;white-space:pre}"
    ".source td:first-child{color:#888;text-align:right}"
    ".source tr.here{background:#ffe3e3}"
)


class ErrorPages:
    """Sends an error status with the best page available."""

    def __init__(self, pages: Pages, development: bool = False) -> None:
        self.pages = pages
        self.development = development

    def for_upstream(self, upstream: str) -> ErrorResponder:
        """The proxy's error responder for `upstream`: marks the failure for the outer layers
        (metrics, live reload) and sends the 502/504 page."""

        async def upstream_failed(scope: Scope, send: Send, status: int, detail: str = "") -> None:
            scope[UPSTREAM_FAILURE] = upstream
            await self.send(scope, send, status, detail)

        return upstream_failed

    async def send(self, scope: Scope, send: Send, status: int, detail: str = "") -> None:
        """Called from the `except` block of a failed rendering: in development the exception
        being handled (a located error, or any for a 500) is what a 5xx page describes. A 4xx
        (a processor's missing row, say) is the visitor's page: the package's own."""
        failure = sys.exception()
        if self.development and (
            (isinstance(failure, FtdError) and status >= 500)
            or (failure is not None and status == 500)
        ):
            if isinstance(failure, FtdError):
                log_excerpt(failure)
            page = development_page(failure)
            await send_response(scope, send, status, [(b"content-type", HTML)], page)
            return
        if status == 500:
            detail = ""  # production: the log has it, the visitor does not need it
        for doc_id in error_documents(status):
            if not self.pages.exists(doc_id):
                continue
            try:
                page = await self.pages.render(doc_id, await request_info(scope))
            except Exception:
                logger.exception(
                    "error page %s.ftd failed; sending a plain %d page", doc_id, status
                )
                break
            headers = [(b"content-type", page.content_type.encode())]
            headers += [
                (name.encode("latin-1"), value.encode("latin-1")) for name, value in page.headers
            ]
            await send_response(scope, send, status, headers, page.body.encode())
            return
        await send_response(
            scope, send, status, [(b"content-type", HTML)], plain_page(status, detail)
        )
