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

import contextlib
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from fastn.ftd.kinds import Kind
from fastn.ftd.model import Document, RecordDef
from fastn.ftd.values import RecordValue
from fastn.package.sitemap import Sitemap, SitemapItem, bare_id, ids_match
from fastn.processors.context import Invocation
from fastn.processors.document import document_path
from fastn.processors.errors import ProcessorError
from fastn.processors.mapping import PRIMITIVE_READERS, Mapper, MappingError, Premapped
from fastn.runtime.model import share_encoding

_EMPTY = {"sections": [], "subsections": [], "toc": []}


async def process(invocation: Invocation) -> Any:
    sitemap = invocation.settings.sitemap
    if sitemap is None:
        return invocation.result(_EMPTY)
    path = document_path(invocation)
    kind = invocation.variable.kind
    records = invocation.doc.records
    if kind.is_list or kind.name not in records:
        return invocation.result(sitemap_data(sitemap, path))
    # a page (fastn.com's) asks twice with the same path: the second takes the first's value
    shape = _shape(records, kind)
    pages = sitemap.derived.get(("sitemap", shape))
    if pages is None:
        pages = sitemap.derived[("sitemap", shape)] = OrderedDict()
    key = bare_id(path)
    value = pages.get(key)
    if value is None:
        used_default = False

        def on_default() -> None:
            nonlocal used_default
            used_default = True

        pieces = _pieces_for(invocation, sitemap, shape)
        value = invocation.result(sitemap_data(sitemap, path, pieces), on_default=on_default)
        if used_default:  # a field default may depend on the document: not reused
            return _own(invocation, value)  # (its pieces are shared all the same)
        pages[key] = value
        if len(pages) > _PAGES_KEPT:
            with contextlib.suppress(KeyError):  # another thread may have taken it
                pages.popitem(last=False)  # the oldest
    return _own(invocation, value)


# the pages (paths, which clients choose under `fastn serve`) whose `pr.sitemap` is kept
_PAGES_KEPT = 64


def _own(invocation: Invocation, value: Any) -> Any:
    """A value shared with other pages, as this page may have it: itself, unless the page
    has updates (`-- x.field: …` changes values in place), which get a copy of their own."""
    return _fresh(value) if invocation.doc.updates else value


async def process_full(invocation: Invocation) -> Any:
    sitemap = invocation.settings.sitemap
    if sitemap is None:
        return invocation.result(_EMPTY)
    path = document_path(invocation)
    template = _full_template(invocation, sitemap)
    if template is None:
        return invocation.result(full_sitemap_data(sitemap, path))
    return _own(invocation, template.for_page(bare_id(path)))


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
    """The TOC of one subsection for document `path`; `current` is the first active item.

    With `pieces`, an item that neither is the page nor holds it is the same on every page,
    its mapped record taken from `pieces` (items of record `record`)."""

    def __init__(self, path: str, pieces: _Pieces | None = None) -> None:
        self.path = path
        self.current: dict[str, Any] | None = None
        self.pieces = pieces
        self.bare_path = bare_id(path)

    def items(self, items: list[SitemapItem], record: str | None = None) -> tuple[bool, list[Any]]:
        """(whether the current page is in `items` or below, the items to list)."""
        pieces = self.pieces
        children_record = None if pieces is None else pieces.element(record, "children")
        holds_current = False
        listed = []
        for item in items:
            if pieces is not None and self.bare_path not in pieces.subtree_ids(item):
                if not item.skip:  # neither the page nor above it: as on every other page
                    listed.append(pieces.inactive(record, item))
                continue
            below, children = self.items(item.children, children_record)
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


def _entry(
    pieces: _Pieces | None,
    record: str | None,
    item: SitemapItem,
    url: str | None,
    active: bool,
) -> Any:
    """A listed section or subsection (no children), open when active."""
    if pieces is None:
        return _toc_item(item, url=url, active=active, open_=active)
    return pieces.entry(record, item, url, active)


def sitemap_data(sitemap: Sitemap, path: str, pieces: _Pieces | None = None) -> dict[str, Any]:
    """What `pr.sitemap` gives for the document at `path` (`/`, `docs/intro/`); with
    `pieces`, what is the same on every page is given mapped already (see :class:`_Pieces`)."""
    data: dict[str, Any] = {"sections": [], "subsections": [], "toc": []}
    record = None if pieces is None else pieces.element(pieces.top, "sections")
    sections = sitemap.sections
    for index, section in enumerate(sections):
        if ids_match(section.id or "", path):
            _fill_from_section(data, section, path, pieces)
        elif not _fill_from_subsections(data, section.children, path, sitemap, pieces):
            if not section.skip:
                data["sections"].append(
                    _entry(pieces, record, section, page_url(section.id), False)
                )
            continue
        entry = _toc_item(section, url=page_url(section.id), active=True, open_=True)
        data["sections"].append(
            entry if pieces is None else _entry(pieces, record, section, entry["url"], True)
        )
        data["current-section"] = _current(entry, section)
        data["sections"].extend(
            _entry(pieces, record, later, page_url(later.id), False)
            for later in sections[index + 1 :]
            if not later.skip
        )
        break
    return data


def _fill_from_section(
    data: dict[str, Any], section: SitemapItem, path: str, pieces: _Pieces | None
) -> None:
    """The document is the section itself: its subsections, and the TOC of the active one."""
    record = None if pieces is None else pieces.element(pieces.top, "subsections")
    for subsection in section.children:
        active = _active(subsection, path)
        if subsection.visible and (active or not subsection.skip):
            url = page_url(subsection.id)
            data["subsections"].append(_entry(pieces, record, subsection, url, active))
            if active:
                entry = _toc_item(subsection, url=url, active=active, open_=active)
                data["current-subsection"] = _current(entry, subsection)
    listed = [subsection for subsection in section.children if not subsection.skip]
    shown = next((s for s in listed if _active(s, path)), None)
    if shown is None:
        shown = listed[0] if listed else (section.children[0] if section.children else None)
    if shown is not None:
        search = _Search(path, pieces)
        data["toc"] = search.items(shown.children, _toc_record(pieces))[1]
        data["current-page"] = search.current


def _toc_record(pieces: _Pieces | None) -> str | None:
    return None if pieces is None else pieces.element(pieces.top, "toc")


def _fill_from_subsections(
    data: dict[str, Any],
    subsections: list[SitemapItem],
    path: str,
    sitemap: Sitemap,
    pieces: _Pieces | None,
) -> bool:
    """Look for the document among a section's subsections and their TOC; False if absent."""
    listed: list[Any] = []
    bare_path = bare_id(path)
    record = None if pieces is None else pieces.element(pieces.top, "subsections")
    for index, subsection in enumerate(subsections):
        search = _Search(path, pieces)
        is_subsection = (
            subsection.visible and subsection.id is not None and ids_match(subsection.id, path)
        )
        if is_subsection:
            data["toc"] = search.items(subsection.children, _toc_record(pieces))[1]
        else:
            holds_page = bare_path in _toc_ids(sitemap, subsection)
            toc = search.items(subsection.children, _toc_record(pieces))[1] if holds_page else []
            if search.current is None:
                if not subsection.skip:
                    listed.append(
                        _entry(pieces, record, subsection, page_url(subsection.id), False)
                    )
                continue
            data["toc"] = toc
        data["current-page"] = search.current
        if subsection.visible:
            entry = _toc_item(subsection, url=page_url(subsection.id), active=True, open_=True)
            listed.append(
                entry if pieces is None else _entry(pieces, record, subsection, entry["url"], True)
            )
            data["current-subsection"] = _current(entry, subsection)
        # fastn gives the later subsections' URLs as written
        listed.extend(
            _entry(pieces, record, later, later.id, False)
            for later in subsections[index + 1 :]
            if not later.skip
        )
        data["subsections"] = listed
        return True
    return False


class _UsesDefault(Exception):
    """A record field took its default, which may depend on the document."""


def _refuse_default(expression: Any) -> Any:
    raise _UsesDefault


class _Pieces:
    """The `toc-item` records of `pr.sitemap` that are the same on every page (sections and
    subsections, TOC items away from the page), for one sitemap and record shape: each
    mapped once, by the first page needing it, and shared by every page (values are not
    changed in place, see :func:`_own`). One that cannot be mapped alone (it takes a field
    default, or does not fit) is left as data, mapped page by page as before."""

    def __init__(self, sitemap: Sitemap, doc: Document, top: str) -> None:
        self.sitemap = sitemap
        self.mapper = Mapper(doc, _refuse_default)
        self.records = doc.records
        self.top = top
        self.made: dict[Any, Any] = {}
        self.elements: dict[tuple[str | None, str], str | None] = {}

    def element(self, record: str | None, field_name: str) -> str | None:
        """The record of the items of list field `field_name` of `record`, if it is one."""
        key = (record, field_name)
        if key in self.elements:
            return self.elements[key]
        found = None
        definition = None if record is None else self.records.get(record)
        if definition is not None:
            for f in definition.fields:
                if f.name == field_name and f.kind.is_list and f.kind.name in self.records:
                    found = f.kind.name
        self.elements[key] = found
        return found

    def subtree_ids(self, item: SitemapItem) -> frozenset[str]:
        """The documents of `item` and of the items below it, as `_Search` compares them."""
        key = ("subtree-ids", id(item))  # the sitemap keeps its items alive
        ids = self.sitemap.derived.get(key)
        if ids is None:
            found = {bare_id(item.file_id or "")}
            for child in item.children:
                found |= self.subtree_ids(child)
            ids = self.sitemap.derived[key] = frozenset(found)
        return ids

    def entry(self, record: str | None, item: SitemapItem, url: str | None, active: bool) -> Any:
        key = ("entry", record, id(item), url, active)
        found = self.made.get(key)
        if found is None:
            data = _toc_item(item, url=url, active=active, open_=active)
            found = self.made[key] = self._mapped(record, data)
        return found

    def inactive(self, record: str | None, item: SitemapItem) -> Any:
        """The TOC item away from the page, with its items below."""
        key = ("inactive", record, id(item))
        found = self.made.get(key)
        if found is None:
            children_record = self.element(record, "children")
            children = [
                self.inactive(children_record, child) for child in item.children if not child.skip
            ]
            data = _toc_item(
                item, url=page_url(item.id), active=False, open_=False, children=children
            )
            found = self.made[key] = self._mapped(record, data)
        return found

    def _mapped(self, record: str | None, data: dict[str, Any]) -> Any:
        if record is None:
            return data
        try:
            return Premapped(record, self.mapper.record(data, record, record))
        except (MappingError, _UsesDefault):
            return data


def _pieces_for(invocation: Invocation, sitemap: Sitemap, shape: Any) -> _Pieces | None:
    """The pieces for the variable's records (`shape`), None when these reach a kind that
    is neither a record nor a primitive (an or-type: its variants are the document's)."""
    records = invocation.doc.records
    top = invocation.variable.kind.name
    key = ("sitemap-pieces", shape)
    if key in sitemap.derived:
        return sitemap.derived[key]
    pieces = None
    if all(
        f.kind.name in records or f.kind.name in PRIMITIVE_READERS or f.kind.name == "object"
        for name in _reachable(records, top)
        for f in records[name].fields
    ):
        pieces = _Pieces(sitemap, invocation.doc, top)
    sitemap.derived[key] = pieces
    return pieces


def _reachable(records: dict[str, RecordDef], top: str) -> set[str]:
    found: set[str] = set()
    pending = [top]
    while pending:
        name = pending.pop()
        if name in found or name not in records:
            continue
        found.add(name)
        pending.extend(f.kind.name for f in records[name].fields)
    return found


def _toc_ids(sitemap: Sitemap, subsection: SitemapItem) -> frozenset[str]:
    """The documents of the TOC below `subsection` as `_Search` compares them, gathered
    once per sitemap: a page's search skips the subsections that do not hold it."""
    key = ("toc-ids", id(subsection))  # the sitemap keeps its items alive
    ids = sitemap.derived.get(key)
    if ids is None:
        found = set()
        pending = list(subsection.children)
        while pending:
            item = pending.pop()
            found.add(bare_id(item.file_id or ""))
            pending.extend(item.children)
        ids = sitemap.derived[key] = frozenset(found)
    return ids


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
    return _full_entry(item, children, active)


def _full_entry(item: SitemapItem, children: list[dict[str, Any]], active: bool) -> dict[str, Any]:
    entry = _toc_item(item, url=item.id, active=active, open_=False, children=children)
    entry["description"] = item.extra.get("description")
    entry["img-src"] = item.extra.get("img-src")
    return entry


def _uniform_item(item: SitemapItem, active: bool) -> dict[str, Any]:
    """`_full_item` with every item's `is-active` set to `active`."""
    children = [_uniform_item(child, active) for child in item.children if not child.skip]
    return _full_entry(item, children, active)


# `pr.full-sitemap` differs from page to page only in `is-active`. Its data is mapped into
# the variable's records once per sitemap and kind, twice (every item inactive, every item
# active); a page then takes each item's record from one or the other, copied, instead of
# mapping hundreds of records again.


@dataclass(slots=True)
class _FullNode:
    """An item of the full sitemap: its URL as compared, its two mapped records (None when
    the parent's record keeps no `children`), and its listed children."""

    bare_url: str | None
    inactive: RecordValue | None
    active: RecordValue | None
    children: list[_FullNode]
    urls: frozenset[str]  # the compared URLs of the item and those below it

    def for_page(self, bare_path: str) -> tuple[RecordValue | None, bool]:
        """(the item's record for the page, whether the page is the item or below it).

        Away from the page, the record is the inactive one itself, shared by every page
        (values are not changed in place; see :func:`_own`), so that the model's encoder
        can reuse its encoding."""
        if bare_path not in self.urls:
            return self.inactive, False
        records = []
        below = False
        for child in self.children:
            record, child_active = child.for_page(bare_path)
            records.append(record)
            below = below or child_active
        active = below or self.bare_url == bare_path
        source = self.active if active else self.inactive
        if source is None:
            return None, active
        return _copy_record(source, "children", records), active


@dataclass(slots=True)
class _FullTemplate:
    top: RecordValue
    sections: list[_FullNode]

    def for_page(self, bare_path: str) -> RecordValue:
        records = [section.for_page(bare_path)[0] for section in self.sections]
        return _copy_record(self.top, "sections", records)


def _copy_record(record: RecordValue, list_field: str, items: list[Any]) -> RecordValue:
    """A fresh copy of `record` (a page may not share values with another) whose field
    `list_field`, if it has one, is `items`."""
    copy = RecordValue(record.type_name, record)
    for name, value in record.items():
        if type(value) in _CONTAINERS:
            copy[name] = items if name == list_field else _fresh(value)
    return copy


_CONTAINERS = (RecordValue, list, dict)


def _fresh(value: Any) -> Any:
    if type(value) is RecordValue:
        return RecordValue(value.type_name, {name: _fresh(v) for name, v in value.items()})
    if type(value) is list:
        return [_fresh(item) for item in value]
    if type(value) is dict:  # a field of kind `object`
        return {key: _fresh(item) for key, item in value.items()}
    return value


def _full_template(invocation: Invocation, sitemap: Sitemap) -> _FullTemplate | None:
    """The mapped full sitemap for the variable's kind; None when it cannot be reused (a
    field default was evaluated, or the records do not follow the sitemap's shape)."""
    kind = invocation.variable.kind
    records = invocation.doc.records
    if kind.is_list or kind.name not in records:
        return None
    key = ("full-sitemap", _shape(records, kind))
    if key in sitemap.derived:
        return sitemap.derived[key]
    sections = [section for section in sitemap.sections if not section.skip]
    used_default = False

    def on_default() -> None:
        nonlocal used_default
        used_default = True

    try:
        mapped = [
            invocation.result(
                {
                    "sections": [_uniform_item(section, active) for section in sections],
                    "subsections": [],
                    "toc": [],
                },
                on_default=on_default,
            )
            for active in (False, True)
        ]
    except ProcessorError:  # a page's own data may still fit: it is mapped as it comes
        mapped = None
    template = None
    if mapped is not None and not used_default:
        nodes = _full_nodes(sections, mapped[0].get("sections"), mapped[1].get("sections"))
        if nodes is not None:
            template = _FullTemplate(mapped[0], nodes)
            share_encoding(sitemap, _inactive_records(nodes))
    sitemap.derived[key] = template
    return template


def _full_nodes(items: list[SitemapItem], inactive: Any, active: Any) -> list[_FullNode] | None:
    """The nodes of `items` (listed ones) given their mapped records, None if these are not
    one record per item (or None for all when the parent keeps no such field)."""
    if inactive is None and active is None:
        pairs: list[tuple[Any, Any]] = [(None, None)] * len(items)
    elif _records_of(inactive, len(items)) and _records_of(active, len(items)):
        pairs = list(zip(inactive, active, strict=True))
    else:
        return None
    nodes = []
    for item, (off, on) in zip(items, pairs, strict=True):
        listed = [child for child in item.children if not child.skip]
        children = _full_nodes(
            listed,
            None if off is None else off.get("children"),
            None if on is None else on.get("children"),
        )
        if children is None:
            return None
        bare_url = None if item.id is None else bare_id(item.id)
        urls = frozenset(url for child in children for url in child.urls)
        if bare_url is not None:
            urls |= {bare_url}
        nodes.append(_FullNode(bare_url, off, on, children, urls))
    return nodes


def _inactive_records(nodes: list[_FullNode]) -> list[RecordValue]:
    found = []
    pending = list(nodes)
    while pending:
        node = pending.pop()
        if node.inactive is not None:
            found.append(node.inactive)
        pending.extend(node.children)
    return found


def _records_of(value: Any, count: int) -> bool:
    return (
        type(value) is list
        and len(value) == count
        and all(type(item) is RecordValue for item in value)
    )


def _shape(records: dict[str, RecordDef], kind: Kind) -> tuple[Any, ...]:
    """What mapping into `kind` depends on: the kind and the records it reaches."""
    fields_of: dict[str, tuple[Any, ...]] = {}
    pending = [kind.name]
    while pending:
        name = pending.pop()
        if name in fields_of or name not in records:
            continue
        fields = records[name].fields
        fields_of[name] = tuple((f.name, f.kind, f.default is not None) for f in fields)
        pending.extend(f.kind.name for f in fields)
    return kind, tuple(sorted(fields_of.items()))


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
