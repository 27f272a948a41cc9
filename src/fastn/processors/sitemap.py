"""`pr.sitemap` and `pr.full-sitemap`: the package's `fastn.sitemap` seen from one document.

Both give a `sitemap-data` record (`sections`, `subsections`, `toc`, `current-section`,
`current-subsection`, `current-page`, each item a `toc-item`), computed for the document being
rendered, as fastn does:

* `pr.sitemap` lists every section (skipped ones left out); the section holding the document
  is active and open, and only its subsections and the TOC of its active subsection (else its
  first) are listed. TOC items are active when their URL is the document's, open when they
  are active or contain the active one, and listed unless `skip: true` (an active or open
  skipped item is still listed). `current-*` are the active items, titled with their
  `nav-title` when they have one. URLs lose their leading `/` and end with `/` (the page's
  `<base>` makes them resolve).
* `pr.full-sitemap` gives the whole tree in `sections` (subsections as their children, TOC
  items below), skipped items left out, URLs as written, `is-active` on the items holding
  the document, `description` and `img-src` from the items' attributes.

A package without `fastn.sitemap` gives empty lists.

:func:`extra_data` is what `pr.get-data` reads of the sitemap: the attributes of the items on
the way to the document (`show-planning: true` under a section applies to its pages).
"""

from __future__ import annotations

from typing import Any

from fastn.package.sitemap import Sitemap, SitemapItem, ids_match
from fastn.processors.context import Invocation
from fastn.processors.document import document_path

_EMPTY = {"sections": [], "subsections": [], "toc": []}


async def process(invocation: Invocation) -> Any:
    sitemap = invocation.settings.sitemap
    if sitemap is None:
        return invocation.result(_EMPTY)
    return invocation.result(sitemap_data(sitemap, document_path(invocation)))


async def process_full(invocation: Invocation) -> Any:
    sitemap = invocation.settings.sitemap
    if sitemap is None:
        return invocation.result(_EMPTY)
    return invocation.result(full_sitemap_data(sitemap, document_path(invocation)))


def _toc_item(
    item: SitemapItem,
    *,
    url: str | None,
    active: bool,
    open_: bool,
    children: list[dict[str, Any]] | None = None,
    title: str | None = None,
) -> dict[str, Any]:
    """An item as fields of the `toc-item` record."""
    return {
        "title": title if title is not None else item.title,
        "url": url,
        "font-icon": None if item.icon is None else {"light": item.icon, "dark": item.icon},
        "bury": item.bury,
        "is-heading": False,
        "is-disabled": False,
        "is-active": active,
        "is-open": open_,
        "children": children or [],
    }


def _current(entry: dict[str, Any], item: SitemapItem) -> dict[str, Any]:
    """The active item as `current-*`: with its `nav-title` when it has one."""
    return entry if item.nav_title is None else {**entry, "title": item.nav_title}


def page_url(item_id: str | None) -> str | None:
    """An item's URL as `pr.sitemap` gives it: no leading `/`, a trailing `/` added."""
    if item_id is None or not item_id.strip():
        return None
    if item_id == "/":
        return item_id
    url = item_id.lstrip("/")
    if "#" in url:
        return url.rstrip("/")
    return url if url.endswith(("/", "index.html")) else url + "/"


class _Search:
    """The TOC of one subsection for document `path`; `current` is the first active item."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.current: dict[str, Any] | None = None

    def items(self, items: list[SitemapItem]) -> tuple[bool, list[dict[str, Any]]]:
        """(whether the current page is in `items` or below, the items to list)."""
        holds_current = False
        listed = []
        for item in items:
            below, children = self.items(item.children)
            active = ids_match(item.file_id or "", self.path)
            entry = _toc_item(
                item, url=page_url(item.id), active=active, open_=active or below, children=children
            )
            holds_current = holds_current or below
            if self.current is None and active:
                holds_current = True
                self.current = _current(entry, item)
            if below or active or not item.skip:
                listed.append(entry)
        return holds_current, listed


def _active(item: SitemapItem, path: str) -> bool:
    return item.file_id is not None and ids_match(item.file_id, path)


def sitemap_data(sitemap: Sitemap, path: str) -> dict[str, Any]:
    """What `pr.sitemap` gives for the document at `path` (`/`, `docs/intro/`)."""
    data: dict[str, Any] = {"sections": [], "subsections": [], "toc": []}
    sections = sitemap.sections
    for index, section in enumerate(sections):
        if ids_match(section.id or "", path):
            _fill_from_section(data, section, path)
        elif not _fill_from_subsections(data, section.children, path):
            if not section.skip:
                data["sections"].append(
                    _toc_item(section, url=page_url(section.id), active=False, open_=False)
                )
            continue
        entry = _toc_item(section, url=page_url(section.id), active=True, open_=True)
        data["sections"].append(entry)
        data["current-section"] = _current(entry, section)
        data["sections"].extend(
            _toc_item(later, url=page_url(later.id), active=False, open_=False)
            for later in sections[index + 1 :]
            if not later.skip
        )
        break
    return data


def _fill_from_section(data: dict[str, Any], section: SitemapItem, path: str) -> None:
    """The document is the section itself: its subsections, and the TOC of the active one."""
    for subsection in section.children:
        active = _active(subsection, path)
        if subsection.visible and (active or not subsection.skip):
            entry = _toc_item(subsection, url=page_url(subsection.id), active=active, open_=active)
            data["subsections"].append(entry)
            if active:
                data["current-subsection"] = _current(entry, subsection)
    listed = [subsection for subsection in section.children if not subsection.skip]
    shown = next((s for s in listed if _active(s, path)), None)
    if shown is None:
        shown = listed[0] if listed else (section.children[0] if section.children else None)
    if shown is not None:
        search = _Search(path)
        data["toc"] = search.items(shown.children)[1]
        data["current-page"] = search.current


def _fill_from_subsections(data: dict[str, Any], subsections: list[SitemapItem], path: str) -> bool:
    """Look for the document among a section's subsections and their TOC; False if absent."""
    listed: list[dict[str, Any]] = []
    for index, subsection in enumerate(subsections):
        search = _Search(path)
        is_subsection = (
            subsection.visible and subsection.id is not None and ids_match(subsection.id, path)
        )
        if is_subsection:
            data["toc"] = search.items(subsection.children)[1]
        else:
            toc = search.items(subsection.children)[1]
            if search.current is None:
                if not subsection.skip:
                    listed.append(
                        _toc_item(
                            subsection, url=page_url(subsection.id), active=False, open_=False
                        )
                    )
                continue
            data["toc"] = toc
        data["current-page"] = search.current
        if subsection.visible:
            entry = _toc_item(subsection, url=page_url(subsection.id), active=True, open_=True)
            listed.append(entry)
            data["current-subsection"] = _current(entry, subsection)
        # fastn gives the later subsections' URLs as written
        listed.extend(
            _toc_item(later, url=later.id, active=False, open_=False)
            for later in subsections[index + 1 :]
            if not later.skip
        )
        data["subsections"] = listed
        return True
    return False


def full_sitemap_data(sitemap: Sitemap, path: str) -> dict[str, Any]:
    """What `pr.full-sitemap` gives: every section with its subsections and TOC as children."""
    return {
        "sections": [_full_item(section, path) for section in sitemap.sections if not section.skip],
        "subsections": [],
        "toc": [],
    }


def _full_item(item: SitemapItem, path: str) -> dict[str, Any]:
    children = [_full_item(child, path) for child in item.children if not child.skip]
    active = (item.id is not None and ids_match(item.id, path)) or any(
        child["is-active"] for child in children
    )
    entry = _toc_item(item, url=item.id, active=active, open_=False, children=children)
    entry["description"] = item.extra.get("description")
    entry["img-src"] = item.extra.get("img-src")
    return entry


def extra_data(sitemap: Sitemap, path: str) -> dict[str, str]:
    """The attributes of the first item whose URL is `path`, over those of its parents."""
    for section in sitemap.sections:
        found = _extra_along(section, path, depth=0)
        if found is not None:
            return found
    return {}


def _extra_along(item: SitemapItem, path: str, depth: int) -> dict[str, str] | None:
    # depth 1 is a subsection: only a shown one is matched by its URL (as in fastn)
    matches = item.id is not None and (depth != 1 or item.visible) and ids_match(item.id, path)
    if matches:
        return dict(item.extra)
    for child in item.children:
        found = _extra_along(child, path, depth + 1)
        if found is not None:
            return {**item.extra, **found}
    return None
