"""Error pages: the package's own (`404.ftd`, `502.ftd`, `504.ftd`, `5xx.ftd`…) or a plain one."""

from __future__ import annotations

import html
import logging
from http import HTTPStatus

from fastn.server.pages import Pages, request_info
from fastn.server.responses import HTML, Scope, Send, send_response

logger = logging.getLogger("fastn.server")


def error_documents(status: int) -> list[str]:
    """Documents tried for a status, most specific first: 502 → `502.ftd`, then `5xx.ftd`."""
    return [str(status), "5xx"] if status >= 500 else [str(status)]


def plain_page(status: int, detail: str = "") -> bytes:
    """A small HTML page for when the package has no page of its own (or it failed)."""
    title = f"{status} {HTTPStatus(status).phrase}"
    paragraph = f"<p>{html.escape(detail)}</p>" if detail else ""
    return (
        f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{title}</title></head>'
        f"<body><h1>{title}</h1>{paragraph}</body></html>"
    ).encode()


class ErrorPages:
    """Sends an error status with the best page available."""

    def __init__(self, pages: Pages) -> None:
        self.pages = pages

    async def send(self, scope: Scope, send: Send, status: int, detail: str = "") -> None:
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
