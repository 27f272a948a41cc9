"""Classify p1 sections into definitions and invocations (spec §2).

No names are resolved here and no types are checked: this stage only says what each
section *is* (an import, a record, a component definition, an invocation, …) and turns
captions, headers, bodies and sub-sections into :data:`Raw` values that the interpreter
converts once it knows the expected kind.
"""

from __future__ import annotations

from dataclasses import dataclass

from fastn.ftd import p1
from fastn.ftd.errors import FtdError

# ------------------------------------------------------------------ raw values


@dataclass(slots=True)
class RawText:
    """A value written as text: a literal, ``$reference``, ``*$clone`` or ``$call(...)``."""

    text: str
    line: int


@dataclass(slots=True)
class RawNull:
    line: int


@dataclass(slots=True)
class RawHeader:
    key: str  # without a leading $
    mutable: bool  # the key was written with a leading $
    kind: str | None
    condition: str | None
    value: Raw
    line: int


@dataclass(slots=True)
class RawRecord:
    """Caption, headers, body and sub-sections of one section (a record or list value)."""

    name: str
    caption: RawText | None
    headers: list[RawHeader]
    body: RawText | None
    items: list[p1.Section]
    line: int


@dataclass(slots=True)
class RawList:
    """Sub-sections given as a list value (``-- foo.k:`` … ``-- end: foo.k``)."""

    items: list[p1.Section]
    line: int


Raw = RawText | RawNull | RawRecord | RawList


def raw_from_header(header: p1.Header) -> Raw:
    if isinstance(header, p1.KV):
        if header.value is None or header.value == "NULL":
            return RawNull(header.line_number)
        return RawText(header.value, header.line_number)
    if isinstance(header, p1.SectionHeader):
        return RawList(header.section, header.line_number)
    body_text, body_line = header.body
    return RawRecord(
        name=header.key,
        caption=RawText(header.caption, header.line_number) if header.caption is not None else None,
        headers=[_raw_header(f) for f in header.fields],
        body=RawText(body_text, body_line or header.line_number) if body_text is not None else None,
        items=[],
        line=header.line_number,
    )


def _raw_header(header: p1.Header) -> RawHeader:
    key = header.key
    mutable = key.startswith("$")
    return RawHeader(
        key=key[1:] if mutable else key,
        mutable=mutable,
        kind=header.kind,
        condition=header.condition,
        value=raw_from_header(header),
        line=header.line_number,
    )


_VALUE_SKIP_KEYS = frozenset({"if", "$processor$", "$always-include$"})


def raw_from_section(section: p1.Section, skip: frozenset[str] = _VALUE_SKIP_KEYS) -> Raw:
    """The value a section carries (spec §2.2)."""
    caption = _caption(section)
    body = _body(section)
    headers = [_raw_header(h) for h in section.headers if h.key not in skip]
    if not section.sub_sections and not headers and not (caption and body):
        if caption is not None:
            return caption
        if body is not None:
            return body
        return RawNull(section.line_number)
    if section.sub_sections and not headers and caption is None and body is None:
        return RawList(section.sub_sections, section.line_number)
    return RawRecord(
        name=section.name,
        caption=caption,
        headers=headers,
        body=body,
        items=section.sub_sections,
        line=section.line_number,
    )


def _caption(section: p1.Section) -> RawText | None:
    if section.caption is None or section.caption.value is None:
        return None
    return RawText(section.caption.value, section.caption.line_number)


def _body(section: p1.Section) -> RawText | None:
    if section.body is None:
        return None
    return RawText(section.body.value, section.body.line_number)


# ------------------------------------------------------------------ AST nodes


@dataclass(slots=True)
class Import:
    module: str
    alias: str
    exposing: list[str]
    export: list[str]
    line: int
    origin: str | None = None  # `FASTN.ftd:LINE` for an auto-import: where it was written


@dataclass(slots=True)
class FieldDecl:
    """A record field, component argument or function parameter."""

    name: str
    kind: str
    mutable: bool
    default: Raw | None
    line: int
    private: bool = False


@dataclass(slots=True)
class RecordDecl:
    name: str
    fields: list[FieldDecl]
    line: int


@dataclass(slots=True)
class VariantDecl:
    name: str
    kind: str | None  # None for an anonymous-record variant
    constant: bool
    value: Raw | None
    fields: list[FieldDecl]
    line: int


@dataclass(slots=True)
class OrTypeDecl:
    name: str
    variants: list[VariantDecl]
    line: int


@dataclass(slots=True)
class FunctionDecl:
    name: str
    return_kind: str
    params: list[FieldDecl]
    body: str
    body_line: int
    js: list[str]
    line: int


@dataclass(slots=True)
class VariableDecl:
    name: str
    kind: str
    mutable: bool
    value: Raw
    processor: str | None
    section: p1.Section
    line: int


@dataclass(slots=True)
class VariableUpdate:
    name: str
    value: Raw
    processor: str | None
    section: p1.Section
    line: int


@dataclass(slots=True)
class Property:
    key: str  # argument name
    mutable: bool
    path: list[str]  # or-type variant path after the key: width.fixed.px -> ["fixed", "px"]
    value: Raw
    condition: str | None
    source: str  # "header" | "caption" | "body"
    line: int


@dataclass(slots=True)
class Loop:
    alias: str
    index: str | None
    list_ref: str
    line: int


@dataclass(slots=True)
class Event:
    name: str  # click, mouse-enter, global-key[ctrl-a], …
    action: str
    line: int


@dataclass(slots=True)
class Invocation:
    name: str
    properties: list[Property]
    condition: str | None
    condition_line: int
    loop: Loop | None
    events: list[Event]
    children: list[Invocation]
    line: int
    processor: str | None = None


@dataclass(slots=True)
class ComponentDecl:
    name: str
    args: list[FieldDecl]
    body: Invocation | None  # None: a kernel (only in module ftd)
    css: list[str]
    line: int


@dataclass(slots=True)
class WebComponentDecl:
    name: str
    args: list[FieldDecl]
    js: list[str]
    line: int


Definition = (
    RecordDecl | OrTypeDecl | FunctionDecl | VariableDecl | ComponentDecl | WebComponentDecl
)
Statement = Definition | Import | VariableUpdate | Invocation


def error(message: str, line: int) -> FtdError:
    return FtdError(message, line=line)


# ------------------------------------------------------------------ classification


def classify(section: p1.Section) -> Statement:
    """What a top-level section is (spec §2 table, in its order)."""
    name, kind = section.name, section.kind
    if name == "import":
        return _import(section)
    if kind == "record":
        return RecordDecl(name, _fields(section, "record"), section.line_number)
    if kind == "or-type":
        return _or_type(section)
    if kind and kind not in ("component", "web-component") and "(" in name and name.endswith(")"):
        return _function(section)
    if kind and kind not in ("component", "web-component"):
        return _variable(section)
    if not kind and name.startswith("$"):
        return VariableUpdate(
            name=name[1:],
            value=raw_from_section(section),
            processor=_header_value(section, "$processor$"),
            section=section,
            line=section.line_number,
        )
    if kind == "component":
        return _component(section)
    if kind == "web-component":
        return WebComponentDecl(
            name,
            _fields(section, "web-component", skip=("js",)),
            _list_value(_header_value(section, "js")),
            section.line_number,
        )
    return invocation(section)


def _header_value(section: p1.Section, key: str) -> str | None:
    for header in section.headers:
        if header.key == key and isinstance(header, p1.KV) and header.kind is None:
            return header.value
    return None


def _list_value(text: str | None) -> list[str]:
    if not text:
        return []
    text = text.strip()
    if text.startswith("[") and text.endswith("]"):
        text = text[1:-1]
    return [part.strip() for part in text.split(",") if part.strip()]


def import_alias(module: str) -> str:
    """Default alias of an import (spec §8.1)."""
    if "/" in module:
        return module.rsplit("/", 1)[1]
    return module.split(".", 1)[0]


def _import(section: p1.Section) -> Import:
    caption = section.caption.value if section.caption else None
    if not caption:
        raise error("import needs a module name: `-- import: MODULE`", section.line_number)
    module, sep, alias = caption.partition(" as ")
    module, alias = module.strip(), alias.strip()
    if sep and not alias:
        raise error(f"import `{caption}`: alias missing after `as`", section.line_number)
    exposing: list[str] = []
    export: list[str] = []
    for header in section.headers:
        if header.key == "exposing" and isinstance(header, p1.KV):
            exposing += _list_value(header.value)
        elif header.key == "export" and isinstance(header, p1.KV):
            export += _list_value(header.value)
        else:
            raise error(f"unknown header `{header.key}` in import", header.line_number)
    if section.sub_sections:
        raise error("import cannot have sub-sections", section.line_number)
    return Import(module, alias or import_alias(module), exposing, export, section.line_number)


def _field(header: p1.Header, what: str) -> FieldDecl:
    kind = header.kind
    if not kind:
        raise error(
            f"{what} `{header.key}` needs a kind, e.g. `string {header.key}:`", header.line_number
        )
    private = False
    words = kind.split()
    if words and words[0] in ("private", "public"):
        private = words[0] == "private"
        kind = " ".join(words[1:])
    if isinstance(header, p1.KV) and header.access_modifier == "Private":
        private = True
    key = header.key
    mutable = key.startswith("$")
    if mutable:
        key = key[1:]
    default: Raw | None = None
    if not (isinstance(header, p1.KV) and header.value is None):
        default = raw_from_header(header)
    return FieldDecl(key, kind, mutable, default, header.line_number, private)


def _fields(section: p1.Section, what: str, skip: tuple[str, ...] = ()) -> list[FieldDecl]:
    fields: list[FieldDecl] = []
    for header in section.headers:
        if header.kind is None and header.key in skip:
            continue
        if header.kind is None and "." not in header.key:
            raise error(f"{what} field `{header.key}` needs a kind", header.line_number)
        fields.append(_field(header, "field" if what == "record" else "argument"))
    return _merge_block_defaults(fields)


def _merge_block_defaults(fields: list[FieldDecl]) -> list[FieldDecl]:
    """``-- string person.bio:`` block headers give long defaults to fields declared earlier."""
    by_name: dict[str, FieldDecl] = {}
    merged: list[FieldDecl] = []
    for f in fields:
        if f.name in by_name and f.default is not None:
            by_name[f.name].default = f.default
            continue
        by_name[f.name] = f
        merged.append(f)
    return merged


def _or_type(section: p1.Section) -> OrTypeDecl:
    variants: list[VariantDecl] = []
    for sub in section.sub_sections:
        if sub.is_commented:
            continue
        if sub.kind == "record":
            variants.append(
                VariantDecl(sub.name, None, False, None, _fields(sub, "record"), sub.line_number)
            )
            continue
        if not sub.kind:
            raise error(f"or-type variant `{sub.name}` needs a kind", sub.line_number)
        words = sub.kind.split()
        constant = words[0] == "constant"
        kind = " ".join(words[1:]) if constant else sub.kind
        value = raw_from_section(sub)
        variants.append(
            VariantDecl(
                sub.name,
                kind,
                constant,
                None if isinstance(value, RawNull) else value,
                [],
                sub.line_number,
            )
        )
    return OrTypeDecl(section.name, variants, section.line_number)


def _function(section: p1.Section) -> FunctionDecl:
    name = section.name[: section.name.index("(")]
    params = [
        _field(h, "parameter") for h in section.headers if not (h.kind is None and h.key == "js")
    ]
    if section.body is None:
        raise error(f"function `{name}` needs a body (its expression)", section.line_number)
    return FunctionDecl(
        name=name,
        return_kind=section.kind or "void",
        params=params,
        body=section.body.value,
        body_line=section.body.line_number,
        js=_list_value(_header_value(section, "js")),
        line=section.line_number,
    )


def _variable(section: p1.Section) -> VariableDecl:
    name = section.name
    mutable = name.startswith("$")
    return VariableDecl(
        name=name[1:] if mutable else name,
        kind=section.kind or "",
        mutable=mutable,
        value=raw_from_section(section),
        processor=_header_value(section, "$processor$"),
        section=section,
        line=section.line_number,
    )


def _component(section: p1.Section) -> ComponentDecl:
    args: list[FieldDecl] = []
    by_name: dict[str, FieldDecl] = {}  # the first argument of each name
    css: list[str] = []
    for header in section.headers:
        if header.kind is None and header.key == "css":
            css += _list_value(header.value)
            continue
        declared = by_name.get(header.key.lstrip("$"))
        if header.kind is None and declared is not None:
            declared.default = raw_from_header(header)  # `-- comp.arg:` long default
            continue
        arg = _field(header, "argument")
        args.append(arg)
        by_name.setdefault(arg.name, arg)
    args = _merge_block_defaults(args)
    roots = [s for s in section.sub_sections if not s.is_commented]
    if len(roots) > 1:
        raise error(
            f"component `{section.name}` must have exactly one root element, found {len(roots)}",
            roots[1].line_number,
        )
    body = invocation(roots[0]) if roots else None
    return ComponentDecl(section.name, args, body, css, section.line_number)


_CONTROL_KEYS = frozenset({"if", "for", "$loop$", "$processor$"})
_KV = p1.KV


def invocation(section: p1.Section) -> Invocation:
    """A component invocation with its properties, control headers, events and children."""
    properties: list[Property] = []
    events: list[Event] = []
    condition: str | None = None
    condition_line = section.line_number
    loop: Loop | None = None
    processor: str | None = None  # the first `$processor$` (as _header_value finds it)
    processor_found = False
    for header in section.headers:
        key = header.key
        if header.kind is None and key in _CONTROL_KEYS:
            is_kv = isinstance(header, _KV)
            value = header.value if is_kv else None
            if key == "if":
                if not value:
                    raise error("`if` needs a condition", header.line_number)
                condition, condition_line = value, header.line_number
            elif key in ("for", "$loop$"):
                loop = _loop(key, value, header.line_number)
            elif is_kv and not processor_found:  # `$processor$`
                processor, processor_found = value, True
            continue
        mutable = key.startswith("$")
        if mutable:
            if key.startswith("$on-") and key.endswith("$"):
                value = header.value if isinstance(header, _KV) else None
                if not value:
                    raise error(f"event `{key}` needs an action", header.line_number)
                events.append(Event(key[4:-1], value, header.line_number))
                continue
            key = key[1:]
        if "." in key:
            name, *path = key.split(".")
        else:
            name, path = key, []
        line = header.line_number
        if isinstance(header, _KV):  # raw_from_header, inlined for the common case
            value = header.value
            raw = RawNull(line) if value is None or value == "NULL" else RawText(value, line)
        else:
            raw = raw_from_header(header)
        properties.append(Property(name, mutable, path, raw, header.condition, "header", line))
    caption = section.caption
    if caption is not None and caption.value is not None:
        properties.append(
            Property(
                "",
                False,
                [],
                RawText(caption.value, caption.line_number),
                None,
                "caption",
                caption.line_number,
            )
        )
    body = section.body
    if body is not None:
        properties.append(
            Property(
                "", False, [], RawText(body.value, body.line_number), None, "body", body.line_number
            )
        )
    children = [invocation(s) for s in section.sub_sections if not s.is_commented]
    return Invocation(
        section.name,
        properties,
        condition,
        condition_line,
        loop,
        events,
        children,
        section.line_number,
        processor,
    )


def _loop(key: str, value: str | None, line: int) -> Loop:
    if not value:
        raise error(f"`{key}` needs a value like `item in $list`", line)
    if key == "for":
        alias_part, sep, list_ref = value.partition(" in ")
        if not sep:
            raise error(f"`for: {value}`: expected `ITEM in $LIST`", line)
        alias, _, index = alias_part.partition(",")
        alias, index = alias.strip(), index.strip()
    else:
        list_ref, sep, alias = value.partition(" as ")
        alias, index = (alias.strip() if sep else "$object"), ""
        if not alias.startswith("$"):
            raise error(f"`$loop$: {value}`: the alias must start with `$`", line)
    list_ref = list_ref.strip()
    if not list_ref.startswith(("$", "*$")):
        raise error(f"loop list `{list_ref}` must be a reference like `$list`", line)
    return Loop(alias.lstrip("$"), index.lstrip("$") or None, list_ref, line)


def parse_document(text: str, doc_id: str) -> list[Statement]:
    """p1-parse ``text``, drop commented-out parts and classify every top-level section."""
    try:
        sections = p1.parse_uncommented(text, doc_id)
    except FtdError as e:
        e.located(doc_id, e.line)
        raise
    statements = []
    for section in sections:
        try:
            statements.append(classify(section))
        except FtdError as e:
            e.located(doc_id, section.line_number)
            raise
    return statements
