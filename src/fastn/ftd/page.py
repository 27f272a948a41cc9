"""What a rendering is asked for (the request) and what it gives back (a page)."""

from __future__ import annotations

from dataclasses import dataclass, field


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
