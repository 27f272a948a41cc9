"""What a rendering is asked for (the request) and what it gives back (a page)."""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from http import HTTPStatus


@dataclass(slots=True)
class RequestInfo:
    """The parts of an HTTP request a document may read (processors such as request-data)."""

    method: str = "GET"
    path: str = "/"
    query_string: str = ""
    headers: list[tuple[str, str]] = field(default_factory=list)  # lower-cased names
    body: bytes = b""
    path_params: dict[str, object] = field(default_factory=dict)  # dynamic-URL captures
    data: dict[str, str] = field(default_factory=dict)  # extra keys of the dynamic-URL entry
    # the page's URL (`/design/`) when it is not its document's own: a sitemap `document:`
    # item or a `/doc/-/suffix/` URL (what the sitemap and document processors see)
    page_id: str | None = None

    def header(self, name: str) -> str | None:
        name = name.lower()
        for key, value in self.headers:
            if key == name:
                return value
        return None


@dataclass(slots=True)
class RenderedPage:
    """A rendered document: usually an HTML page; ftd.json / ftd.response give other bodies."""

    body: str
    content_type: str = "text/html; charset=utf-8"
    status: int = 200
    headers: list[tuple[str, str]] = field(default_factory=list)  # e.g. Set-Cookie from pr.http


def plain_page(status: int, detail: str = "") -> bytes:
    """A small HTML page for when the package has no page of its own (or it failed): the
    server's, and a build's `404.html` (here, so that a build loads no server module)."""
    title = f"{status} {HTTPStatus(status).phrase}"
    paragraph = f"<p>{html.escape(detail)}</p>" if detail else ""
    return (
        f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{title}</title></head>'
        f"<body><h1>{title}</h1>{paragraph}</body></html>"
    ).encode()
