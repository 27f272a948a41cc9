"""p1: the line-oriented section grammar of ftd (text -> list of ``Section``).

p1 knows nothing about types; it only finds sections, their headers, captions, bodies and
children (spec: ftd-language.md §1). Nesting is decided purely by ``-- end: NAME`` lines:
every section is pushed on a stack, and an ``end`` turns everything pushed after the
section it names into that section's children. Sections never ended stay top-level.

The parser is a single forward pass over the list of lines (plus a left-trimmed copy), so
it never re-slices the text. The section lines (``-- `` or ``/-- `` after the indentation)
are found first: a body runs to the next of them and is taken as one slice of lines.

Run ``python -m fastn.ftd.p1 FILE.ftd`` to print the sections of a file as JSON.
"""

from __future__ import annotations

import dataclasses
import json
import re
import sys
from bisect import bisect_left
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from fastn.ftd.errors import ParseError

CAPTION_KEY = "$caption$"
SECTION_NOT_FOUND = "SectionNotFound"
MORE_THAN_ONE_CAPTION = "MoreThanOneCaption"
_SECTION_MARKERS = ("-- ", "/-- ")


@dataclass(slots=True)
class KV:
    """A ``key: value`` header; also the caption (key ``$caption$``, source ``Caption``)."""

    key: str
    kind: str | None
    value: str | None
    condition: str | None
    access_modifier: str  # "Public" | "Private"
    source: str  # "Caption" | "Body" | "Header"
    line_number: int


@dataclass(slots=True)
class SectionHeader:
    """A header whose value is a list of sections: ``-- foo.k:`` ... ``-- end: foo.k``."""

    key: str
    kind: str | None
    section: list[Section]
    condition: str | None
    line_number: int


@dataclass(slots=True)
class BlockRecordHeader:
    """A block header with inline fields (``-- foo.k: cap`` then ``f: v`` lines)."""

    key: str
    kind: str | None
    caption: str | None
    body: tuple[str | None, int | None]
    fields: list[Header]
    condition: str | None
    line_number: int


Header = KV | SectionHeader | BlockRecordHeader


@dataclass(slots=True)
class Body:
    """The free text of a section, after a blank line (or from ``-- name.body:``)."""

    value: str
    line_number: int


@dataclass(slots=True)
class Section:
    """``-- [KIND ]NAME: CAPTION``, its headers, body and the sections its ``end`` closed."""

    name: str
    kind: str | None
    caption: KV | None
    headers: list[Header]
    body: Body | None
    sub_sections: list[Section]
    is_commented: bool
    line_number: int
    block_body: bool  # set once the section has a block header (`-- name.key:`)


# ---------------------------------------------------------------------------------------
# Line helpers


def _respace(line: str) -> str:
    """Replace the indentation by the same number of spaces."""
    text = line.lstrip()
    return " " * (len(line) - len(text)) + text


def _strip_inline_comment(line: str) -> str:
    """Drop the first unescaped ``;;`` and what follows; ``\\;`` stands for ``;``."""
    if "\\;" not in line:
        cut = line.find(";;")
        return line if cut < 0 else line[:cut]
    out: list[str] = []
    index, length = 0, len(line)
    while index < length:
        char = line[index]
        if char == "\\" and index + 1 < length and line[index + 1] == ";":
            out.append(";")
            index += 2
            continue
        if char == ";" and index + 1 < length and line[index + 1] == ";":
            break
        out.append(char)
        index += 1
    return "".join(out)


def clean_line(line: str) -> str:
    """A kept line as the document means it: inline comment gone, ``\\-- `` unescaped.

    An escaped line (``\\-- ``, ``\\;;``: ftd shown as text) and a line containing ``<hl>``
    (code highlight markers) keep their ``;;`` comments, as in fastn.
    """
    text = line.lstrip()
    if text.startswith(("\\-- ", "\\;;")):
        return " " * (len(line) - len(text)) + text[1:]
    if "<hl>" in line:
        return _respace(line)
    if ";" in line:
        return _strip_inline_comment(line)
    return line


def _clean(line: str, text: str) -> str:
    """``clean_line(line)`` for a ``line`` whose left-trimmed copy ``text`` is at hand."""
    if text.startswith(("\\-- ", "\\;;")):
        return " " * (len(line) - len(text)) + text[1:]
    if "<hl>" in text:
        return _respace(line)
    if ";" in text:
        return _strip_inline_comment(line)
    return line


# a line after the first that starts with whitespace (`_trim_block` has indentation to trim);
# not `^` with re.M: that pattern is tried at every character, this one jumps to newlines
_INDENTED_LATER_LINE = re.compile(r"\n[^\S\n]")


def _trim_block(lines: list[str]) -> str:
    """Remove the common indentation of a block of lines and trailing whitespace.

    As in fastn, a line of only spaces or tabs counts towards the common indentation: a
    tab-indented blank line above ``\\-- `` code keeps that code's one-space indent.
    """
    texts = [line.lstrip() for line in lines]
    indents = [len(line) - len(text) for line, text in zip(lines, texts, strict=True) if line]
    if not indents:
        return ""
    common = min(indents)
    out = [
        " " * (len(line) - len(text) - common) + text if text else ""
        for line, text in zip(lines, texts, strict=True)
    ]
    return "\n".join(out).rstrip()


def _split_kind(name_with_kind: str) -> tuple[str | None, str]:
    """``KIND NAME`` -> (kind, name), splitting at the last space.

    Spaces inside the first ``(...)`` are deleted first so function signatures such as
    ``integer add(a, b)`` keep their name together.
    """
    open_at = name_with_kind.find("(")
    if open_at >= 0:
        close_at = name_with_kind.find(")")
        if close_at > open_at:
            name_with_kind = (
                name_with_kind[:open_at]
                + name_with_kind[open_at:close_at].replace(" ", "")
                + name_with_kind[close_at:]
            )
    space = name_with_kind.rfind(" ")
    if space < 0:
        return None, name_with_kind
    return name_with_kind[:space].strip() or None, name_with_kind[space + 1 :]


def _split_access(kind: str | None) -> tuple[str | None, str]:
    """Take the ``public`` / ``private`` words out of a header kind."""
    if kind is None or ("public" not in kind and "private" not in kind):
        return kind, "Public"
    words = kind.split()
    access = "Private" if "private" in words else "Public"
    rest = [word for word in words if word not in ("public", "private")]
    return " ".join(rest) or None, access


def _header_kv(text: str, source: str, line_number: int) -> KV:
    """Parse ``[KIND ]KEY[ if CONDITION]: VALUE`` (the text must contain ``:``)."""
    name_part, _, value = text.partition(":")
    name_part = name_part.strip()
    condition = None
    if " if " in name_part:
        name_part, _, condition = name_part.partition(" if ")
        condition = condition.strip() or None
        name_part = name_part.strip()
    space = name_part.rfind(" ")
    if space < 0:  # no kind: no access modifier either
        return KV(name_part, None, value.strip() or None, condition, "Public", source, line_number)
    kind = name_part[:space].strip() or None
    return _kv(name_part[space + 1 :], kind, value.strip() or None, condition, source, line_number)


def _kv(
    key: str,
    kind: str | None,
    value: str | None,
    condition: str | None,
    source: str,
    line_number: int,
) -> KV:
    """A header KV; ``public`` / ``private`` in the kind become its access modifier."""
    kind, access = _split_access(kind)
    return KV(key, kind, value, condition, access, source, line_number)


@dataclass(slots=True)
class _PendingList:
    """A ``-- name.key:`` block header waiting for its ``-- end: name.key``."""

    key: str
    kind: str | None
    condition: str | None
    line_number: int


@dataclass(slots=True)
class _Frame:
    """A section on the parse stack."""

    section: Section
    position: int  # index in the stack; stable, only frames above it are ever removed
    has_children: bool = False  # a body or a child section followed: block headers are over
    pending: _PendingList | None = None


# The parts of a `-- [KIND ]NAME: CAPTION` line: name, kind, caption, is_commented, is_end
# (`-- end: X`: the caption is X). A tuple: one is made for every section line.
_SectionLine = tuple[str, str | None, str | None, bool, bool]


# ---------------------------------------------------------------------------------------
# The parser


class _Parser:
    """One parse of one document; ``run`` returns the top-level sections.

    The indexes of the section lines (``-- `` or ``/-- `` after the indentation) are found
    once, so "is this a section line" is a set lookup and "where is the next section line"
    a bisection: the text of a body is then taken as one slice of lines.
    """

    __slots__ = (
        "doc_id",
        "lines",
        "trimmed",
        "count",
        "stack",
        "open",
        "starts",
        "start_set",
        "deep",
        "commented",
    )

    def __init__(self, text: str, doc_id: str):
        self.doc_id = doc_id
        self.lines = text.split("\n")
        self.trimmed = trimmed = [line.lstrip() for line in self.lines]
        self.count = len(self.lines)
        self.starts = [i for i, text in enumerate(trimmed) if text.startswith(_SECTION_MARKERS)]
        self.start_set = frozenset(self.starts)
        self.stack: list[_Frame] = []  # every section not yet made a child, in order
        self.open: list[_Frame] = []  # the frames of `stack` not closed by `-- end:`
        # More than MAX_NESTING sections were open at some point. Only then can a section be
        # nested that deep: when it is pushed, all its ancestors-to-be are open (a section
        # leaves `open` when it is ended, or with its parent, and then takes no children).
        self.deep = False
        # Something `remove_comments` changes may have been parsed: a `/`-ed section line,
        # or a caption, body, header key or kind starting with `/`, or a `\\/` anywhere.
        # When this stays False, remove_comments would return the sections unchanged.
        self.commented = "\\/" in text

    def error(self, message: str, index: int) -> ParseError:
        return ParseError(message, self.doc_id, index + 1)

    # -- scanning ------------------------------------------------------------------------

    def next_section(self, index: int) -> int:
        """The first section line at or after ``index`` (``count`` if there is none)."""
        starts = self.starts
        position = bisect_left(starts, index)
        return starts[position] if position < len(starts) else self.count

    def next_unindented_section(self, index: int) -> int:
        """The first section line at or after ``index`` that is not indented."""
        lines = self.lines
        starts = self.starts
        for position in range(bisect_left(starts, index), len(starts)):
            if lines[starts[position]].startswith(_SECTION_MARKERS):
                return starts[position]
        return self.count

    def skip_comments(self, index: int) -> int:
        trimmed, count = self.trimmed, self.count
        while index < count and trimmed[index].startswith(";;"):
            index += 1
        return index

    def skip_blank_and_comments(self, index: int) -> int:
        trimmed, count = self.trimmed, self.count
        while index < count:
            text = trimmed[index]
            if text and not text.startswith(";;"):
                break
            index += 1
        return index

    def body_not_after_blank(self, index: int) -> ParseError:
        return self.error(
            f"start section body '{self.lines[index].strip()}' after a newline!!", index
        )

    def text_between(self, index: int, stop: int) -> str:
        """The lines ``index`` to ``stop`` without comments, cleaned, indentation trimmed."""
        lines = self.lines[index:stop]
        text = "\n".join(lines)
        if ";" in text or "\\" in text or "<hl>" in text:
            lines = [
                _clean(line, trimmed)
                for line, trimmed in zip(lines, self.trimmed[index:stop], strict=True)
                if not trimmed.startswith(";;")
            ]
            text = "\n".join(lines)
        first = text[:1]
        if (first == "\n" or not first.isspace()) and _INDENTED_LATER_LINE.search(text) is None:
            return text.rstrip()  # what _trim_block gives when no line is indented
        return _trim_block(lines)

    # -- driver --------------------------------------------------------------------------

    def run(self) -> list[Section]:
        index = 0
        trimmed, count, start_set = self.trimmed, self.count, self.start_set
        stack, open_frames = self.stack, self.open
        while True:
            while index < count:  # skip_blank_and_comments
                text = trimmed[index]
                if text and not text.startswith(";;"):
                    break
                index += 1
            else:
                break
            if index not in start_set:
                raise self.error(SECTION_NOT_FOUND, index)
            head = self.section_line(index)
            if head[4]:  # `-- end: X`
                if not head[3]:  # `/-- end: X` is a comment: it ends nothing
                    self.end(head[2], index)
                # lines after `-- end: X` up to the next section are notes to the reader:
                # fastn builds documents with text there (fastn-community's design-system)
                index = self.next_section(index + 1)
                continue
            if open_frames:
                parent = open_frames[-1]
                parent_name = parent.section.name
                name = head[0]
                if (
                    name[len(parent_name) : len(parent_name) + 1] == "."
                    and name.startswith(parent_name)
                    and self.is_block_header_of(parent.section, name)
                ):
                    if parent.has_children or parent.pending is not None:
                        raise self.error(SECTION_NOT_FOUND, index)
                    index = self.block_header(parent, head, index)
                    continue
                if parent.pending is None:
                    parent.has_children = True
            section, index = self.section(head, index)
            frame = _Frame(section, len(stack), section.body is not None)
            stack.append(frame)
            open_frames.append(frame)
            if len(open_frames) > MAX_NESTING:
                self.deep = True
        return [frame.section for frame in stack]

    def section_line(self, index: int) -> _SectionLine:
        # a section line starts with `-- ` or `/-- `: it is no escape (clean_line's first
        # case), and the first `:` of the (cleaned) line is the one after the name
        text = self.trimmed[index]
        if ";" in text and "<hl>" not in text:
            text = _strip_inline_comment(text)
        name_part, colon, caption = text.partition(":")
        if not colon:
            raise self.error(f": is missing in: {text.strip()}", index)
        is_commented = text[0] == "/"
        name_with_kind = (name_part[4:] if is_commented else name_part[3:]).strip()
        caption = caption.strip() or None
        if is_commented or "/" in name_with_kind or (caption is not None and caption[0] == "/"):
            self.commented = True  # a commented section, or a `/` kind, key or caption
        if name_with_kind == "end":
            return "end", None, caption, is_commented, True
        if "(" in name_with_kind:
            kind, name = _split_kind(name_with_kind)
            return name, kind, caption, is_commented, False
        space = name_with_kind.rfind(" ")  # _split_kind without its `(...)` case
        if space < 0:
            return name_with_kind, None, caption, is_commented, False
        kind = name_with_kind[:space].strip() or None
        return name_with_kind[space + 1 :], kind, caption, is_commented, False

    def is_block_header_of(self, parent: Section, name: str) -> bool:
        """``-- parent.key:`` is a block header, unless ``key`` starts with a module header.

        (``module m: x`` in a component lets ``-- parent.m.comp:`` invoke ``x``'s ``comp``.)
        """
        parent_name = parent.name
        size = len(parent_name)
        if name[size : size + 1] != "." or not name.startswith(parent_name):
            return False
        rest = name[size + 1 :]
        for header in parent.headers:
            if header.kind == "module" and isinstance(header, KV) and rest.startswith(header.key):
                return False
        return True

    def end(self, name: str | None, index: int) -> None:
        """``-- end: name``: close the nearest open section (or section list) called name."""
        if name is None:
            raise self.error("section name not provided for `end`", index)
        for depth in range(len(self.open) - 1, -1, -1):
            frame = self.open[depth]
            pending = frame.pending
            if pending is not None and f"{frame.section.name}.{pending.key}" == name:
                frame.pending = None
                header = SectionHeader(
                    pending.key,
                    pending.kind,
                    self.pop_above(frame, depth),
                    pending.condition,
                    pending.line_number,
                )
                self.attach(frame.section, header, pending.line_number - 1)
                return
            if frame.section.name == name:
                frame.section.sub_sections.extend(self.pop_above(frame, depth))
                del self.open[depth]
                frame.pending = None
                return
        raise self.error(f"No section found to end: {name}", index)

    def pop_above(self, frame: _Frame, depth: int) -> list[Section]:
        """Remove and return the sections pushed after ``frame`` (``open[depth]``)."""
        above = self.stack[frame.position + 1 :]
        del self.stack[frame.position + 1 :]
        del self.open[depth + 1 :]
        return [other.section for other in above]

    # -- a section: its line, inline headers and body ------------------------------------

    def section(self, head: _SectionLine, index: int) -> tuple[Section, int]:
        line_number = index + 1
        caption = None
        if head[2] is not None:
            caption = KV(CAPTION_KEY, None, head[2], None, "Public", "Caption", line_number)
        headers: list[Header] = []
        section = Section(head[0], head[1], caption, headers, None, [], head[3], line_number, False)
        trimmed, count = self.trimmed, self.count
        index += 1
        while index < count:  # inline headers: `key: value` lines right below
            text = trimmed[index]
            if not text:
                break
            if text.startswith(";;"):
                index += 1
                continue
            if index in self.start_set:
                return section, index
            if ";" in text or "\\" in text:
                text = _clean(text, text)
            if ":" not in text:
                raise self.body_not_after_blank(index)  # text not after a blank line
            if text[0] == "/":  # its kind or key starts with `/`
                self.commented = True
            headers.append(_header_kv(text, "Header", index + 1))
            index += 1
        else:
            return section, index
        first = index + 1  # the blank line ends the headers; the body follows it
        while first < count:
            text = trimmed[first]
            if text and not text.startswith(";;"):
                break
            first += 1
        else:
            return section, first
        if first in self.start_set:  # only blank lines and comments up to the next section
            return section, first
        stop = self.next_section(first)
        value = self.text_between(index, stop).strip()
        if value:
            section.body = Body(value, first + 1)
            if value[0] == "/":
                self.commented = True
        return section, stop

    # -- block headers: `-- name.key:` ---------------------------------------------------

    def block_header(self, frame: _Frame, head: _SectionLine, index: int) -> int:
        """Read one block header of ``frame``'s section; return the index after it."""
        parent = frame.section
        parent.block_body = True
        key = head[0][len(parent.name) + 1 :]
        kind, caption, line_index = head[1], head[2], index
        condition, index = self.condition_line(index + 1)

        if kind is None and "caption" in key:
            if parent.caption is not None:
                raise self.error(MORE_THAN_ONE_CAPTION, line_index)
            if caption is None:
                caption, index = self.block_text(index, self.next_unindented_section)
            if caption is not None:
                parent.caption = KV(
                    CAPTION_KEY, None, caption, condition, "Public", "Caption", line_index + 1
                )
            return index

        if kind is None and key == "body":
            if caption is not None:
                parent.body = Body(caption, line_index + 1)
                return index
            first = self.skip_blank_and_comments(index)
            value, index = self.block_text(index, self.next_section)
            if value is not None:
                parent.body = Body(value, first + 1)
            return index

        if caption is not None:
            following = index
            while following < self.count and not self.trimmed[following]:
                following += 1
            if (
                following >= self.count
                or following in self.start_set
                or ":" not in self.lines[following]
            ):
                value = _kv(key, kind, caption, condition, "Caption", line_index + 1)
                self.attach(parent, value, line_index)
                return index

        following = self.skip_blank_and_comments(index)
        if following >= self.count:
            if caption is None:
                return following  # `-- name.key:` with nothing after it: fastn drops it
            raise self.error(
                f"header `{key}` expects fields or text after it, found the end of the file",
                line_index,
            )
        if following in self.start_set:
            next_head = self.section_line(following)
            if next_head[4] or not self.is_block_header_of(parent, next_head[0]):
                frame.pending = _PendingList(key, kind, condition, line_index + 1)
                return following
        header, index = self.header_value(key, kind, caption, condition, index, line_index)
        self.attach(parent, header, line_index)
        return index

    def condition_line(self, index: int) -> tuple[str | None, int]:
        """An ``if: CONDITION`` line right below a block header (comments may precede it)."""
        candidate = self.skip_comments(index)
        if candidate < self.count and self.trimmed[candidate].startswith("if"):
            name, colon, value = clean_line(self.lines[candidate]).partition(":")
            if colon and name.strip() == "if":
                return value.strip() or None, candidate + 1
        return None, index

    def block_text(self, index: int, stop_after: Callable[[int], int]) -> tuple[str | None, int]:
        """Text after a blank line below a ``-- name.caption:`` / ``-- name.body:`` header,
        up to the section line ``stop_after(index)`` finds."""
        first = self.skip_comments(index)
        if first < self.count and self.trimmed[first] and first not in self.start_set:
            raise self.body_not_after_blank(first)
        start = self.skip_blank_and_comments(index)
        stop = stop_after(index)
        if start >= stop:  # blank lines and comments only: `start` is `stop`
            return None, start
        value = self.text_between(index, stop).strip()
        if not value:
            return None, stop
        if value[0] == "/":  # a caption or body starting with `/`
            self.commented = True
        return value, stop

    def header_value(
        self,
        key: str,
        kind: str | None,
        caption: str | None,
        condition: str | None,
        index: int,
        line_index: int,
    ) -> tuple[Header, int]:
        """Inline fields then text below ``-- name.key:``, up to the next section line.

        Lines with ``:`` before any text are fields (raw: inline comments stay); the first
        other line starts the text, which then runs to the next section line.
        """
        fields: dict[str, Header] = {}
        body = None
        text_start = 0
        first_line_checked = False
        lines, trimmed = self.lines, self.trimmed
        stop = self.next_section(index)
        while index < stop:
            text = trimmed[index]
            if text.startswith(";;"):
                index += 1
                continue
            if not first_line_checked and text and ":" not in text:
                raise self.body_not_after_blank(index)
            first_line_checked = True
            if not text:
                index += 1
                continue
            if ":" in text and not text.startswith("\\"):
                field = _header_kv(lines[index], "Header", index + 1)
                fields[field.key] = field
                index += 1
                continue
            text_start, index = index, stop
            body = self.text_between(text_start, stop) or None
        line_number = line_index + 1
        if fields or (caption is not None and body is not None):
            body_line = text_start + 1 if body is not None else None
            sorted_fields = [fields[name] for name in sorted(fields)]
            record = BlockRecordHeader(
                key, kind, caption, (body, body_line), sorted_fields, condition, line_number
            )
            return record, index
        return _kv(key, kind, body, condition, "Body", line_number), index

    def attach(self, parent: Section, header: Header, line_index: int) -> None:
        """Add a block header; ``a.b`` becomes field ``b`` of the record header ``a``."""
        if "." not in header.key:
            parent.headers.append(header)
            return
        record_key, _, field_key = header.key.partition(".")
        header.key = field_key
        headers = parent.headers
        for position in range(len(headers) - 1, -1, -1):
            existing = headers[position]
            if existing.key != record_key:
                continue
            if isinstance(existing, BlockRecordHeader):
                existing.fields.append(header)
            elif isinstance(existing, KV) and existing.source != "Header":
                as_caption = existing.source == "Caption"
                headers[position] = BlockRecordHeader(
                    record_key,
                    existing.kind,
                    existing.value if as_caption else None,
                    (None, None) if as_caption else (existing.value, existing.line_number),
                    [header],
                    existing.condition,
                    existing.line_number,
                )
            else:
                what = "an inline header" if isinstance(existing, KV) else "a list of sections"
                raise self.error(
                    f"`{record_key}` is {what}; it cannot take the field `{field_key}`",
                    line_index,
                )
            return
        headers.append(
            BlockRecordHeader(record_key, None, None, (None, None), [header], None, line_index + 1)
        )


# Sections within sections (children, or the sections of a header) may go this deep: every
# later stage walks the tree recursively, and Python's stack allows about twice as much.
MAX_NESTING = 100


def parse(text: str, doc_id: str = "foo") -> list[Section]:
    """The sections of an ftd document (comments ``/``-ed out are kept, see remove_comments)."""
    parser = _Parser(text, doc_id)
    sections = parser.run()
    if parser.deep:
        _check_nesting(sections, doc_id)
    return sections


def parse_uncommented(text: str, doc_id: str = "foo") -> list[Section]:
    """``remove_comments(parse(text, doc_id))``: the comments removed in place, and only
    when the parse met something a ``/`` can comment out."""
    parser = _Parser(text, doc_id)
    sections = parser.run()
    if parser.deep:
        _check_nesting(sections, doc_id)
    return remove_comments_in_place(sections) if parser.commented else sections


def _check_nesting(sections: list[Section], doc_id: str) -> None:
    """A located error for a section nested deeper than MAX_NESTING (walked without
    recursion, so any depth is reported, not a RecursionError)."""
    pending: list[tuple[Section | Header, int]] = [(section, 1) for section in sections]
    while pending:
        item, depth = pending.pop()
        if isinstance(item, Section):
            if depth > MAX_NESTING:
                raise ParseError(f"nesting deeper than {MAX_NESTING}", doc_id, item.line_number)
            pending.extend((child, depth + 1) for child in item.sub_sections)
            pending.extend((header, depth) for header in item.headers)
        elif isinstance(item, SectionHeader):
            pending.extend((child, depth + 1) for child in item.section)
        elif isinstance(item, BlockRecordHeader):
            pending.extend((field, depth) for field in item.fields)


# ---------------------------------------------------------------------------------------
# Comment removal (§1.10): the first step of the AST stage


_ESCAPED_SLASH = re.compile(r"^([ \t]*)\\/", re.M)


def _uncommented_value(value: str | None) -> tuple[bool, str | None]:
    """(keep?, value): a value starting with ``/`` is commented out; ``\\/`` escapes it."""
    if value is None:
        return True, None
    if value.startswith("/"):
        return False, None
    if "\\/" not in value:
        return True, value
    # `\/` also escapes a later line of a body that would read as a commented-out section
    return True, _ESCAPED_SLASH.sub(r"\1/", value)


def _uncommented_header(header: Header) -> Header | None:
    kind = header.kind
    if kind is not None:
        if kind.startswith("/"):
            return None
        if header.key.startswith("\\/"):
            # fastn tests the key but strips the kind here; reproduced on purpose
            header = dataclasses.replace(header, kind=kind.lstrip("\\"))
    elif header.key.startswith("/"):
        return None
    elif header.key.startswith("\\/"):
        header = dataclasses.replace(header, key=header.key[1:])
    if isinstance(header, SectionHeader):
        header = dataclasses.replace(header, section=remove_comments(header.section))
    return header


def _uncommented_section(section: Section) -> Section:
    # constructors, not dataclasses.replace: this runs for every section of every document
    caption = section.caption
    if caption is not None:
        keep, value = _uncommented_value(caption.value)
        caption = (
            KV(
                caption.key,
                caption.kind,
                value,
                caption.condition,
                caption.access_modifier,
                caption.source,
                caption.line_number,
            )
            if keep
            else None
        )
    body = section.body
    if body is not None:
        keep, value = _uncommented_value(body.value)
        body = Body(value, body.line_number) if keep else None
    headers = [kept for h in section.headers if (kept := _uncommented_header(h)) is not None]
    return Section(
        section.name,
        section.kind,
        caption,
        headers,
        body,
        remove_comments(section.sub_sections),
        section.is_commented,
        section.line_number,
        section.block_body,
    )


def remove_comments(sections: list[Section]) -> list[Section]:
    """Drop what ``/`` comments out (sections, headers, captions, bodies); new objects."""
    return [_uncommented_section(s) for s in sections if not s.is_commented]


def _uncomment_header_in_place(header: Header) -> bool:
    """``_uncommented_header`` changing ``header`` itself; False: drop it."""
    kind, key = header.kind, header.key
    if kind is not None:
        if kind.startswith("/"):
            return False
        if key.startswith("\\/"):
            header.kind = kind.lstrip("\\")  # as _uncommented_header: the kind, on purpose
    elif key.startswith("/"):
        return False
    elif key.startswith("\\/"):
        header.key = key[1:]
    if isinstance(header, SectionHeader):
        header.section = remove_comments_in_place(header.section)
    return True


def remove_comments_in_place(sections: list[Section]) -> list[Section]:
    """``remove_comments`` for sections nobody else holds: the same result, made by changing
    the sections (only the kept ones are returned), not by copying every one."""
    kept = []
    for section in sections:
        if section.is_commented:
            continue
        kept.append(section)
        caption = section.caption
        if caption is not None:
            value = caption.value
            if value is not None and (value.startswith("/") or "\\/" in value):
                keep, caption.value = _uncommented_value(value)
                if not keep:
                    section.caption = None
        body = section.body
        if body is not None:
            value = body.value
            if value.startswith("/") or "\\/" in value:
                keep, body.value = _uncommented_value(value)  # type: ignore[assignment]
                if not keep:
                    section.body = None
        headers = section.headers
        for header in headers:
            kind = header.kind
            if (
                header.key[:1] in "/\\"  # also an empty key: the exact test below decides
                or (kind is not None and kind.startswith("/"))
                or isinstance(header, SectionHeader)
            ):
                section.headers = [h for h in headers if _uncomment_header_in_place(h)]
                break
        if section.sub_sections:
            section.sub_sections = remove_comments_in_place(section.sub_sections)
    return kept


# ---------------------------------------------------------------------------------------
# JSON (§1.9), the shape of fastn's p1 test oracle


def _kv_json(kv: KV) -> dict:
    return {
        "type": "KV",
        "line_number": kv.line_number,
        "key": kv.key,
        "kind": kv.kind,
        "value": kv.value,
        "condition": kv.condition,
        "access_modifier": kv.access_modifier,
        "source": kv.source,
    }


def _header_json(header: Header) -> dict:
    if isinstance(header, KV):
        return _kv_json(header)
    if isinstance(header, SectionHeader):
        return {
            "type": "Section",
            "line_number": header.line_number,
            "key": header.key,
            "kind": header.kind,
            "section": to_json(header.section),
            "condition": header.condition,
        }
    return {
        "type": "BlockRecordHeader",
        "key": header.key,
        "kind": header.kind,
        "caption": header.caption,
        "body": list(header.body),
        "fields": [_header_json(field) for field in header.fields],
        "condition": header.condition,
        "line_number": header.line_number,
    }


def to_json(sections: list[Section]) -> list[dict]:
    """Sections as the JSON of fastn's p1 tests (headers tagged by ``type``)."""
    return [
        {
            "name": s.name,
            "kind": s.kind,
            "caption": None if s.caption is None else _kv_json(s.caption),
            "headers": [_header_json(header) for header in s.headers],
            "body": None
            if s.body is None
            else {"line_number": s.body.line_number, "value": s.body.value},
            "sub_sections": to_json(s.sub_sections),
            "is_commented": s.is_commented,
            "line_number": s.line_number,
            "block_body": s.block_body,
        }
        for s in sections
    ]


def _header_without_line_numbers(header: Header) -> Header:
    if isinstance(header, SectionHeader):
        return dataclasses.replace(
            header, line_number=0, section=without_line_numbers(header.section)
        )
    # a BlockRecordHeader keeps the lines of its fields and body, as fastn's oracle does
    return dataclasses.replace(header, line_number=0)


def without_line_numbers(sections: list[Section]) -> list[Section]:
    """Copies with line numbers zeroed and ``block_body`` false: how the oracle is stored."""
    return [
        dataclasses.replace(
            s,
            caption=None if s.caption is None else dataclasses.replace(s.caption, line_number=0),
            body=None if s.body is None else Body(s.body.value, 0),
            headers=[_header_without_line_numbers(header) for header in s.headers],
            sub_sections=without_line_numbers(s.sub_sections),
            line_number=0,
            block_body=False,
        )
        for s in sections
    ]


def main(argv: list[str] | None = None) -> int:
    """``python -m fastn.ftd.p1 FILE.ftd``: print the file's sections as JSON."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m fastn.ftd.p1 FILE.ftd", file=sys.stderr)
        return 2
    path = Path(args[0])
    try:
        sections = parse(path.read_text(encoding="utf-8"), doc_id=path.stem)
    except ParseError as error:
        print(f"{path}:{error.line}: {error.message}", file=sys.stderr)
        return 1
    print(json.dumps(to_json(sections), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
