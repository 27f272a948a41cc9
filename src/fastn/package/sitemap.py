"""The `fastn.sitemap` section of `FASTN.ftd`: the package's navigation as a tree.

The body is a list of lines: `# Title: /url/` starts a section, `## Title: /url/` a
subsection of the last section, `- Title: /url/` a table-of-contents item of the last
subsection (two more leading spaces: a child of the item above). Any other line is
`key: value`, an attribute of the last item, whatever its indentation: `nav-title`, `skip`,
`bury`, `icon`, `document` (the file rendering this URL), `url` and free keys such as
`description` or `img-src`. TOC items written directly under a section go to a subsection of
their own that is not shown (fastn's "invisible" subsection).

`Title: url` splits at its colon when the text after it looks like a URL (contains `/`, ends
with `.html`, or is empty); with more colons the URL is the `http(s)://…` part. fastn would
look other words up as "global ids" of documents; fastn-py does not collect those, so such an
item is an error naming it. Readers and writers are kept as plain attributes and do nothing,
as in fastn's static builds.

The queries the processors make (which items are active for a document) are in
:mod:`fastn.processors.sitemap`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from fastn.ftd.errors import FtdError


class SitemapError(FtdError):
    """A line of `fastn.sitemap` that cannot be read; `line` is its line in FASTN.ftd."""


@dataclass(slots=True)
class SitemapItem:
    """A section, subsection or TOC item: its URL (`id`), title and attributes.

    `children` are a section's subsections, a subsection's TOC items, an item's sub-items.
    """

    id: str | None
    title: str | None
    line: int
    nav_title: str | None = None
    icon: str | None = None
    document: str | None = None
    bury: bool = False
    skip: bool = False
    visible: bool = True  # False only for the subsection holding TOC items under a section
    extra: dict[str, str] = field(default_factory=dict)  # every attribute, as written
    children: list[SitemapItem] = field(default_factory=list)

    @property
    def file_id(self) -> str | None:
        """The id without its `#fragment`: the document the item shows."""
        return None if self.id is None else self.id.rsplit("#", 1)[0]


@dataclass(slots=True)
class Sitemap:
    sections: list[SitemapItem]
    # URL (as `bare_id` gives it) -> its `document:`, made at the first lookup
    _documents: dict[str, str] | None = field(default=None, repr=False, compare=False)
    # what the sitemap processors compute once and reuse for every page (their own keys)
    derived: dict[Any, Any] = field(default_factory=dict, repr=False, compare=False)

    def document_for(self, url: str) -> str | None:
        """The `document:` of the first item whose URL is `url` (fastn's rule: an item with
        that URL and no `document:` hides its own children, the search goes on after it)."""
        if self._documents is None:
            self._documents = self._documents_by_url()
        return self._documents.get(bare_id(url))

    def _documents_by_url(self) -> dict[str, str]:
        """Every URL's `document:`, worked out once: asked per request, a lookup must not
        walk the tree nor remember the URLs clients invent."""
        found: dict[str, str] = {}
        pending: list[tuple[SitemapItem, frozenset[str]]] = [
            (item, frozenset()) for item in reversed(self.sections)
        ]
        while pending:
            item, hidden = pending.pop()  # hidden: URLs of ancestors without a document
            if item.id is not None:
                key = bare_id(item.id)
                if key not in hidden:
                    if item.document:
                        found.setdefault(key, item.document)
                    else:
                        hidden = hidden | {key}
            pending.extend((child, hidden) for child in reversed(item.children))
        return found

    def document_items(self) -> list[SitemapItem]:
        """The items with a `document:` and a URL of this site, in order."""
        found = []
        pending = list(reversed(self.sections))
        while pending:
            item = pending.pop()
            if item.document and item.id and _is_local_url(item.id):
                found.append(item)
            pending.extend(reversed(item.children))
        return found


def _is_local_url(url: str) -> bool:
    """A path of this site: not `https://…`, no `#fragment` nor `?query`."""
    return not any(mark in url for mark in ("://", "#", "?"))


def ids_match(first: str, second: str) -> bool:
    """Whether two URLs name one page: `/a/b/`, `a/b` and `a/b/index.html` do; `/` is `/`."""
    return bare_id(first) == bare_id(second)


def bare_id(url: str) -> str:
    """The form in which :func:`ids_match` compares URLs."""
    url = url.strip().replace("/index.html", "/").replace("index.html", "/")
    return url if url == "/" else url.strip("/")


_SECTION, _SUBSECTION, _TOC = "section", "subsection", "toc item"
_BOOLEAN_KEYS = ("skip", "bury", "confidential")
# the URL in `Title: https://host/path`, when the title has colons of its own
_URL = re.compile(r"[A-Za-z]{3,9}:(?://)?[A-Za-z0-9.@-]\S*")


def parse_sitemap(body: str, first_line: int) -> Sitemap:
    """Read a `fastn.sitemap` body whose first line is line `first_line` of FASTN.ftd."""
    parser = _Parser()
    for offset, line in enumerate(body.split("\n")):
        parser.read(line, first_line + offset)
    return parser.finish()


class _Parser:
    """Reads line by line; an item's `Title: url` is split when the item is complete, so
    that a `url:` attribute can replace it."""

    def __init__(self) -> None:
        self.sections: list[SitemapItem] = []
        self.subsection: SitemapItem | None = None
        self.toc_stack: list[tuple[int, SitemapItem]] = []  # (depth, item) of open TOC items
        self.pending: tuple[str, int, SitemapItem] | None = None  # (kind, depth, item)

    def read(self, line: str, line_number: int) -> None:
        text = line.lstrip(" ")
        if not text.strip():
            return
        depth = (len(line) - len(text)) // 2
        if text.startswith("#"):
            kind = _SUBSECTION if text.startswith("##") else _SECTION
            self._start(kind, depth, text.lstrip("#"), line_number)
        elif text.startswith("-"):
            self._start(_TOC, depth, text[1:], line_number)
        else:
            self._attribute(text, line_number)

    def _start(self, kind: str, depth: int, text: str, line_number: int) -> None:
        self._place_pending()
        if kind != _SECTION and not self.sections:
            raise SitemapError(
                f"{kind} `{text.strip()}` comes before any `# section`", line=line_number
            )
        self.pending = (kind, depth, SitemapItem(id=text.strip(), title=None, line=line_number))

    def _attribute(self, text: str, line_number: int) -> None:
        if self.pending is None:
            raise SitemapError(
                f"`{text.strip()}` is not `# section`, `## subsection` or `- item`",
                line=line_number,
            )
        key, colon, value = text.partition(":")
        if not colon:
            raise SitemapError(
                f"`{text.strip()}`: an attribute of an item is `key: value`", line=line_number
            )
        value = value.strip()
        item = self.pending[2]
        if key in _BOOLEAN_KEYS and value not in ("true", "false"):
            raise SitemapError(f"`{key}` must be true or false, not `{value}`", line=line_number)
        if key == "url":
            if item.title is None:
                item.title = item.id
            item.id = value
            segments = [part for part in value.strip().strip("/").split("/") if part.strip()]
            if not segments:
                item.skip = True  # fastn's rule: a URL without path segments is not listed
            elif any(part.strip().startswith("<") and ":" in part for part in segments):
                raise SitemapError(
                    f"`{value}`: a sitemap URL cannot have <type:name> parameters "
                    "(use fastn.dynamic-urls)",
                    line=line_number,
                )
        elif key == "id":
            raise SitemapError(
                f"`id: {value}`: ids of documents (fastn's global ids) are not supported; "
                "write the URL",
                line=line_number,
            )
        elif key == "nav-title":
            item.nav_title = value
        elif key == "icon":
            item.icon = value
        elif key == "document":
            item.document = value
        elif key in ("skip", "bury"):
            setattr(item, key, value == "true")
        item.extra[key] = value

    def _place_pending(self) -> None:
        if self.pending is None:
            return
        kind, depth, item = self.pending
        self.pending = None
        if item.title is None:
            item.title, item.id = _split_title(item.id or "", item.line)
        if kind == _SECTION:
            self.sections.append(item)
            self.subsection = None
            self.toc_stack = []
        elif kind == _SUBSECTION:
            self.sections[-1].children.append(item)
            self.subsection = item
            self.toc_stack = []
        else:
            self._place_toc_item(depth, item)

    def _place_toc_item(self, depth: int, item: SitemapItem) -> None:
        while self.toc_stack and self.toc_stack[-1][0] >= depth:
            self.toc_stack.pop()
        if self.toc_stack:
            self.toc_stack[-1][1].children.append(item)
        else:
            if self.subsection is None:
                section = self.sections[-1]
                self.subsection = SitemapItem(id=None, title=None, line=item.line, visible=False)
                section.children.append(self.subsection)
            self.subsection.children.append(item)
        self.toc_stack.append((depth, item))

    def finish(self) -> Sitemap:
        self._place_pending()
        return Sitemap(self.sections)


def _split_title(text: str, line_number: int) -> tuple[str, str | None]:
    """`Title: url` as (title, url)."""
    colons = text.count(":")
    if colons == 0:
        return text, text  # fastn keeps the text as the item's id (its URL) too
    if colons == 1:
        title, _, url = text.partition(":")
        url = url.strip()
        if not url or url.endswith(".html") or "/" in url:
            return title.strip(), url
        raise SitemapError(
            f"`{text}`: `{url}` is not a URL (ids of documents are not supported)",
            line=line_number,
        )
    found = _URL.search(text)
    if found is None:
        raise SitemapError(
            f"`{text}`: more than one `:` and no http(s) URL; give the URL as `url:`",
            line=line_number,
        )
    # fastn keeps the colon before the URL in the title (`GitHub:`)
    return text[: found.start()].strip(), found.group(0)
