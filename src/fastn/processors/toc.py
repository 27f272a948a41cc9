"""`pr.toc`: a table of contents written in the section body, as a `toc-item list`.

    -- pr.toc-item list toc:
    $processor$: pr.toc

    # Heading
    - Introduction:
      - Getting Started: introduction/getting-started/
      - Storybook
        url: introduction/storybook/
        description: Every component on one page

`- Title: url` is an item (two more leading spaces: a child of the item above), split at its
colon (with more colons, at the one before an `http(s)://` URL); `# Title` a heading item.
The lines after an item set its `url`, `description`, `font-icon`, `src` (its `img-src`),
`bury` and `is-disabled`. Items are numbered like `1.`, `1.2.` in `number`; a heading starts
the numbering of its level again and has the number "". Nothing is active or open: the body
says nothing of the page being rendered.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from fastn.processors.context import Invocation

_TEXT_ATTRIBUTES = {"url": "url", "description": "description", "src": "img-src"}
_FLAG_ATTRIBUTES = ("bury", "is-disabled")
# `Title: https://host/path` when the title has colons of its own. fastn's pattern: a host of
# two or three dot-separated words, then a path of letters, digits and `/?:&%` only, so that
# `https://a.github.io/x.io/` gives `https://a.github.io/x` (what fastn's pages link to).
_URL_AFTER_COLON = re.compile(
    r":[ ]?((?:https?)?://(?:[a-zA-Z0-9]+\.)?[A-z0-9]+\.[A-z0-9]+[/A-Za-z0-9?:&%]+)"
)


class TocError(ValueError):
    """A line of the body that is not part of the grammar; `offset` is its line in the body."""

    def __init__(self, message: str, offset: int):
        super().__init__(message)
        self.offset = offset


@dataclass(slots=True)
class _Item:
    fields: dict[str, Any]
    depth: int
    offset: int  # its line in the body
    text: str | None = None  # `Title: url` until the item is complete
    children: list[_Item] = field(default_factory=list)

    def data(self) -> dict[str, Any]:
        return {**self.fields, "children": [child.data() for child in self.children]}


async def process(invocation: Invocation) -> Any:
    body = invocation.call.body or ""
    try:
        items = parse_toc(body)
    except TocError as error:
        raise invocation.error(str(error), line=invocation.call.body_line + error.offset) from None
    return invocation.result(items)


def parse_toc(body: str) -> list[dict[str, Any]]:
    """The body's items as `toc-item` fields, nested by indentation."""
    items: list[_Item] = []
    pending: _Item | None = None  # the last item, until the next one starts
    for offset, line in enumerate(body.split("\n")):
        text = line.lstrip(" ")
        if not text.strip():
            continue
        if text.startswith(("-", "#")):
            if pending is not None:
                _complete(pending)
            heading = text.startswith("#")
            fields = {"is-heading": heading, "is-disabled": False, "bury": False}
            fields.update({"is-active": False, "is-open": False})
            item = _Item(fields, (len(line) - len(text)) // 2, offset)
            items.append(item)
            if heading:  # a heading has no attributes
                item.fields["title"] = text[1:].strip()
                pending = None
            else:
                item.text = text[1:].strip()
                pending = item
        elif pending is None:
            raise TocError(f"`{text.strip()}` is not `- item` or `# heading`", offset)
        else:
            _attribute(pending, text, offset)
    if pending is not None:
        _complete(pending)
    return [item.data() for item in _nested(items)]


def _attribute(item: _Item, text: str, offset: int) -> None:
    key, colon, value = text.partition(":")
    value = value.strip()
    if colon and key in _TEXT_ATTRIBUTES:
        item.fields[_TEXT_ATTRIBUTES[key]] = value
    elif colon and key == "font-icon":
        item.fields["font-icon"] = {"light": value, "dark": value}
    elif colon and key in _FLAG_ATTRIBUTES:
        item.fields[key] = value == "true"
    else:
        known = ", ".join([*_TEXT_ATTRIBUTES, "font-icon", *_FLAG_ATTRIBUTES])
        raise TocError(
            f"`{text.strip()}`: an item's attributes are `key: value`, key one of {known}", offset
        )


def _complete(item: _Item) -> None:
    """Split `Title: url` unless a `url:` line gave the URL."""
    text, item.text = item.text or "", None
    if "url" in item.fields:
        item.fields["title"] = text
        return
    if text.count(":") <= 1:
        title, colon, url = text.rpartition(":")
        item.fields["title"], item.fields["url"] = (
            (title.strip(), url.strip()) if colon else (text, None)
        )
        return
    found = _URL_AFTER_COLON.search(text)
    if found is None:
        raise TocError(
            f"`{text}`: more than one `:` and no http(s) URL; give the URL as `url:`",
            item.offset,
        )
    item.fields["title"], item.fields["url"] = text[: found.start()].strip(), found.group(1)


def _nested(items: list[_Item]) -> list[_Item]:
    """Items under the item above them with less indentation, numbered by level."""
    top: list[_Item] = []
    open_items: list[_Item] = []
    numbers = [0]
    for item in items:
        while open_items and open_items[-1].depth >= item.depth:
            open_items.pop()
        level = len(open_items)
        # fastn's counting: a deeper level is dropped when a shallower item comes; a
        # heading restarts its level's count only when nothing deeper was dropped
        dropped = level < len(numbers) - 1
        del numbers[level + 1 :]
        if item.fields["is-heading"]:
            if not dropped and level < len(numbers):
                numbers[level] = 0
            item.fields["number"] = ""
        else:
            if level < len(numbers):
                numbers[level] += 1
            else:
                numbers.extend([0] * (level - len(numbers)) + [1])
            item.fields["number"] = "".join(f"{n}." for n in numbers)
        (open_items[-1].children if open_items else top).append(item)
        open_items.append(item)
    return top
