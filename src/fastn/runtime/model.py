"""The document model as JSON for the browser runtime, and the few tags a page embeds.

Value expressions become arrays tagged by their first item (the runtime's ``evaluate``
switches on it)::

    ["L", value]                         Lit
    ["R", scope, name, [path], clone]    Ref
    ["RE", type, {field: expr}]          RecordExpr
    ["LE", [expr, …]]                    ListExpr
    ["OE", type, variant, expr]          OrExpr
    ["C", function, {param: expr}]       Call
    ["X", tree, {identifier: expr}]      ExprValue (tree: :func:`fastn.ftd.expr.to_json`)
    ["IF", [[X, expr], …], expr|null]    Cond
    ["UI", node]                         UI

Values: JSON scalars and arrays as themselves, a record ``{"$r": type, "f": {…}}``, an
or-type value ``{"$o": type, "v": variant, "p": value}``, a non-finite number
``{"$num": "NaN"}``. A node is ``{"c": component, "p": props, "e": [[event, call]], "if": X,
"for": [alias, index, items], "ui": expr}`` (empty parts left out).
"""

from __future__ import annotations

import html
import json
import math
from dataclasses import dataclass
from typing import Any

from fastn.ftd.errors import FtdError
from fastn.ftd.kinds import Kind
from fastn.ftd.model import (
    UI,
    Call,
    ComponentDef,
    Cond,
    Document,
    ExprValue,
    Field,
    FunctionDef,
    ListExpr,
    Lit,
    Node,
    OrExpr,
    RecordExpr,
    Ref,
    VariableDef,
)
from fastn.ftd.values import OrValue, RecordValue

DEFAULT_BREAKPOINT = 768


class NotSerializable(ValueError):
    """A value the browser cannot receive as data (an ``ftd.ui`` value): send its expression."""


_LEAVES = frozenset({str, int, bool, type(None)})  # values that are JSON as they are


# Records that many pages share and none changes (see :func:`share_encoding`): id -> (the
# record, [its encoding, its JSON text], each once made), for the one owner that gave them
# last; and id of such an encoding -> its slot, to find it in a page's entry.
_shared: dict[int, tuple[Any, list[Any]]] = {}
_shared_encodings: dict[int, list[Any]] = {}
_shared_owner: list[Any] = [None]
_shared_used = [0]  # how many times an encoding was reused
_SHARED_KEPT = 20_000


def share_encoding(owner: Any, records: list[RecordValue]) -> None:
    """Let :func:`encode_value` encode each of `records` once and reuse that encoding: they
    are values given to many pages (the full sitemap's records away from the page) that no
    one changes in place. `owner` (the sitemap) holds them: when another owner shares, the
    previous owner's records are forgotten (a changed sitemap under `fastn serve`)."""
    if _shared_owner[0] is not owner or len(_shared) + len(records) > _SHARED_KEPT:
        _shared.clear()
        _shared_encodings.clear()
        _shared_owner[0] = owner
    for record in records[:_SHARED_KEPT]:
        _shared[id(record)] = (record, [None, None])


def encode_value(value: Any) -> Any:
    # exact types first, their leaves inline (a sitemap is thousands of records a page)
    kind = type(value)
    if kind in _LEAVES:
        return value
    if kind is RecordValue:
        if _shared:
            found = _shared.get(id(value))
            if found is not None and found[0] is value:
                slot = found[1]
                if slot[0] is None:
                    slot[0] = _encode_record(value)
                    _shared_encodings[id(slot[0])] = slot
                _shared_used[0] += 1
                return slot[0]
        return _encode_record(value)
    if kind is list:
        return [v if type(v) in _LEAVES else encode_value(v) for v in value]
    return _encode_other(value)


def _encode_record(value: RecordValue) -> Any:
    return {
        "$r": value.type_name,
        "f": {k: v if type(v) in _LEAVES else encode_value(v) for k, v in value.items()},
    }


def _encode_other(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else {"$num": str(value).replace("inf", "Infinity")}
    if isinstance(value, list):
        return [encode_value(item) for item in value]
    if isinstance(value, RecordValue):
        return {"$r": value.type_name, "f": {k: encode_value(v) for k, v in value.items()}}
    if isinstance(value, OrValue):
        return {"$o": value.type_name, "v": value.variant, "p": encode_value(value.value)}
    if isinstance(value, dict):
        return {"$r": "", "f": {k: encode_value(v) for k, v in value.items()}}
    raise NotSerializable(type(value).__name__)


def encode_expr(value: Any) -> Any:
    kind = type(value)
    if kind is Lit:
        return ["L", encode_value(value.value)]
    if kind is Ref:
        return ["R", value.scope, value.name, list(value.path), 1 if value.clone else 0]
    if kind is RecordExpr:
        return ["RE", value.type_name, {k: encode_expr(v) for k, v in value.fields.items()}]
    if kind is ListExpr:
        return ["LE", [encode_expr(item) for item in value.items]]
    if kind is OrExpr:
        return ["OE", value.type_name, value.variant, encode_expr(value.payload)]
    if kind is Call:
        return ["C", value.function, {k: encode_expr(v) for k, v in value.args.items()}]
    if kind is ExprValue:
        names = {k: encode_expr(v) for k, v in value.names.items()}
        return ["X", value.tree.to_json(), names]
    if kind is Cond:
        branches = [[encode_expr(c), encode_expr(v)] for c, v in value.branches]
        default = None if value.default is None else encode_expr(value.default)
        return ["IF", branches, default]
    if kind is UI:
        return ["UI", encode_node(value.node)]
    raise TypeError(f"not a value expression: {value!r}")


def encode_node(node: Node) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if node.component is not None:
        out["c"] = node.component
    if node.props:
        out["p"] = {k: encode_expr(v) for k, v in node.props.items()}
    if node.events:
        out["e"] = [[event.name, encode_expr(event.action)] for event in node.events]
    if node.condition is not None:
        out["if"] = encode_expr(node.condition)
    if node.loop is not None:
        out["for"] = [node.loop.alias, node.loop.index, encode_expr(node.loop.items)]
    if node.ui is not None:
        out["ui"] = encode_expr(node.ui)
    return out


def _kind(kind: Kind) -> list[Any]:
    return [kind.name, kind.is_list]


def _fields(fields: list[Field]) -> list[list[Any]]:
    return [
        [f.name, _kind(f.kind), f.mutable, None if f.default is None else encode_expr(f.default)]
        for f in fields
    ]


def _globals(doc: Document, state: Any) -> EncodedEntries:
    """Every variable the document uses: its value now, or how to compute it in the browser."""
    out = EncodedEntries()
    for name, var in doc.variables.items():
        constant = _constant(doc, var)
        if constant is not None:
            if constant.entry is None:
                constant.entry = _script_json(_global_entry(doc, state, name, var))
            out[name] = constant.entry
        else:
            used = _shared_used[0]
            entry = _global_entry(doc, state, name, var)
            out[name] = _script_json(entry) if _shared_used[0] == used else _spliced_json(entry)
    return out


_MARK = "\ue000"  # stands for a shared record's JSON text while the rest is encoded


def _spliced_json(entry: Any) -> str:
    """`_script_json(entry)`, the JSON text of the shared records in it (see
    :func:`share_encoding`) made once: a page's full sitemap is mostly those."""
    texts: list[str] = []

    def marked(value: Any) -> Any:
        kind = type(value)
        if kind is dict:
            slot = _shared_encodings.get(id(value))
            if slot is not None and slot[0] is value:
                if slot[1] is None:
                    slot[1] = _script_json(value)
                texts.append(slot[1])
                return _MARK
            return {key: marked(item) for key, item in value.items()}
        if kind is list:
            return [marked(item) for item in value]
        return value

    pieces = _script_json(marked(entry)).split(f'"{_MARK}"')
    if len(pieces) != len(texts) + 1:  # the mark is a value of the page's own too
        return _script_json(entry)
    out = [pieces[0]]
    for text, piece in zip(texts, pieces[1:], strict=True):
        out.append(text)
        out.append(piece)
    return "".join(out)


@dataclass(slots=True)
class _Constant:
    """A global whose value is the same on every page: built from literals and such globals
    only (the typography and colour schemes of a design system), none of them mutable (only
    those a page may update) nor a processor's. Its `entry` is encoded once for every page."""

    entry: str | None = None
    reads: tuple[str, ...] = ()  # the globals its value expression reads (constants too)
    # its value, shared by every page (:meth:`fastn.ftd.render.evaluate.State.get`), with
    # the constants it was computed from: (name, definition, value), all it reads in turn
    value: Any = None
    computed_from: tuple[tuple[str, VariableDef, Any], ...] | None = None


def _constant(doc: Document, var: VariableDef) -> _Constant | None:
    """The variable as a constant, if it is one (kept with its definition, which the
    interpreter shares among the documents of a package)."""
    if var.model_constant is None:
        var.model_constant = _find_constant(doc, var, set()) or False
    return var.model_constant or None


constant_of = _constant  # for the evaluator, which shares constants' values among pages


def _find_constant(doc: Document, var: VariableDef, resolving: set[str]) -> _Constant | None:
    if var.mutable or var.processor or var.name in resolving:
        return None
    reads: set[str] = set()
    if not _reads_globals_only(var.value, reads):
        return None
    resolving.add(var.name)
    for name in reads:
        read = doc.variables.get(name)
        if read is None:
            return None
        if read.model_constant is None:
            read.model_constant = _find_constant(doc, read, resolving) or False
        if not read.model_constant:
            return None
    return _Constant(reads=tuple(sorted(reads)))


def _reads_globals_only(value: Any, names: set[str]) -> bool:
    """Whether the value expression is literals and globals (noted in `names`) only."""
    kind = type(value)
    if kind is Lit:
        return True
    if kind is Ref:
        names.add(value.name)
        return value.scope == "global"
    if kind is RecordExpr:
        return all(_reads_globals_only(field, names) for field in value.fields.values())
    if kind is ListExpr:
        return all(_reads_globals_only(item, names) for item in value.items)
    if kind is OrExpr:
        return _reads_globals_only(value.payload, names)
    return False


def _global_entry(doc: Document, state: Any, name: str, var: VariableDef) -> dict[str, Any]:
    entry: dict[str, Any] = {}
    target = var.value
    if var.mutable:
        entry["m"] = 1
        entry["k"] = _kind(var.kind)
        if not var.processor and (shared := _mutable_global(doc, target)):
            entry["a"] = shared  # `-- x $alias: $other`: the same state
            return entry
    elif name in state.live and not var.processor:
        entry["x"] = encode_expr(target)  # computed from mutable state: a formula
        return entry
    try:
        entry["v"] = encode_value(state.get(name))
        if var.mutable and (links := _shared_parts(doc, target)):
            entry["l"] = links
    except NotSerializable:
        entry["x"] = encode_expr(target)
    except FtdError:  # not shown on this page, and it cannot be computed: unknown here
        entry["v"] = None
    return entry


def _shared_parts(doc: Document, value: Any) -> list[list[Any]]:
    """``[index or field, variable]`` for each item of a list (field of a record) written
    ``$variable``, a mutable global: fastn keeps that part the variable itself, so each
    follows the other (`-- string: $first` in a mutable list shows `$first` as it changes)."""
    if type(value) is ListExpr:
        parts: Any = enumerate(value.items)
    elif type(value) is RecordExpr:
        parts = value.fields.items()
    else:
        return []
    return [[key, shared] for key, part in parts if (shared := _mutable_global(doc, part))]


def _mutable_global(doc: Document, value: Any) -> str | None:
    """The mutable global a value expression is (`$x`, not `*$x` nor `$x.field`), if any."""
    if (
        type(value) is Ref
        and value.scope == "global"
        and not value.path
        and not value.clone
        and getattr(doc.variables.get(value.name), "mutable", False)
    ):
        return value.name
    return None


def _records(doc: Document, kinds: list[Kind]) -> dict[str, list[list[Any]]]:
    """Record definitions reachable from these kinds (to read JSON answers into records)."""
    out: dict[str, list[list[Any]]] = {}
    pending = [k.name for k in kinds]
    while pending:
        name = pending.pop()
        record = doc.records.get(name)
        if record is None or name in out:
            continue
        out[name] = [[f.name, _kind(f.kind)] for f in record.fields]
        pending.extend(f.kind.name for f in record.fields)
    return out


class EncodedEntries(dict[str, str]):
    """Entries of the model that are JSON text already (``<`` escaped, see
    :func:`model_script`), spliced into it as they are."""


def _component_json(comp: ComponentDef) -> str:
    """A component's entry, encoded once: the interpreter shares a definition among every
    document using it, so a build encodes each imported component once per process."""
    if comp.model_json is None:
        if comp.web_js is not None:  # its arguments go to its script (ftd.component_data)
            entry: dict[str, Any] = {"web": 1, "args": _fields(comp.args)}
        else:
            entry = {"args": _fields(comp.args), "body": encode_node(comp.body)}
        comp.model_json = _script_json(entry)
    return comp.model_json


def _function_json(fn: FunctionDef) -> str:
    """A function's entry, encoded once (as components are)."""
    if fn.model_json is None:
        fn.model_json = _script_json(
            {
                "params": _fields(fn.params),
                "body": None if fn.body is None else fn.body.to_json(),
                "src": fn.source if fn.body is None else None,
                "js": 1 if fn.js else 0,
                "returns": _kind(fn.return_kind),
            }
        )
    return fn.model_json


def page_model(renderer: Any) -> dict[str, Any]:
    """What the runtime needs for one rendered page (:class:`fastn.ftd.render.html.Renderer`)."""
    doc: Document = renderer.doc
    state = renderer.state
    components = EncodedEntries(
        (name, _component_json(comp))
        for name, comp in doc.components.items()
        if comp.web_js is not None or comp.body is not None
    )
    functions = EncodedEntries((name, _function_json(fn)) for name, fn in doc.functions.items())
    mutable_kinds = [var.kind for var in doc.variables.values() if var.mutable]
    named = renderer.styles.named
    return {
        "doc": doc.doc_id,
        "package": doc.doc_id.split("/", 1)[0],
        "tree": [encode_node(node) for node in doc.tree],
        "components": components,
        "functions": functions,
        "globals": _globals(doc, state),
        "records": _records(
            doc, [*mutable_kinds, *(fn.return_kind for fn in doc.functions.values())]
        ),
        "classes": {key: name for name, key in named.items()},
        "nextClass": len(named) + 1,
        "markdown": renderer.markdown,
        "code": renderer.code,
    }


# ---------------------------------------------------------------- keys shared with the runtime


def css_key(declarations: dict[str, dict[str, str]]) -> str:
    """Declarations as one string, built the same way by the runtime's stylesheet."""
    contexts = sorted(declarations.items()) if len(declarations) > 1 else declarations.items()
    return "\x1e".join(
        [
            context
            + "\x1d"
            + "\x1f".join(
                [
                    f"{prop}:{value}"
                    for prop, value in (sorted(decls.items()) if len(decls) > 1 else decls.items())
                ]
            )
            for context, decls in contexts
        ]
    )


def code_key(text: Any, lang: Any, theme: str, line_numbers: Any) -> str:
    """Identifies one highlighted ``ftd.code`` block (the runtime builds the same JSON)."""
    return _json([None if text is None else str(text), lang, theme, bool(line_numbers)])


def plain_text_html(text: str) -> str:
    """What ``ftd.text`` shows for text without markdown; the runtime does the same."""
    return html.escape(text, quote=False).replace('"', "&quot;")


# ---------------------------------------------------------------- tags in the page


def model_script(model: dict[str, Any]) -> str:
    """The model as a JSON data block (``<`` escaped, so no text can close the tag).

    One join of every piece: the model of a page of a big site is half a megabyte, most of
    it entries encoded once for every page (which are escaped already)."""
    pieces = ['<script type="application/json" id="fastn-model">']
    append = pieces.append
    separator = "{"
    for key, value in model.items():
        append(f"{separator}{_script_str(key)}:")
        separator = ","
        if isinstance(value, EncodedEntries):
            opening = "{"
            for name, entry in value.items():
                append(f"{opening}{_script_str(name)}:")
                append(entry)
                opening = ","
            append("}" if value else "{}")
        else:
            append(_script_json(value))
    append("}</script>" if model else "{}</script>")
    return "".join(pieces)


# what `json.dumps(value, separators=(",", ":"), ensure_ascii=False)` does, without making
# an encoder each time (a page encodes hundreds of entries)
_json = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode
_str_json = json.encoder.encode_basestring  # the same for a str (a name)


def _script_json(value: Any) -> str:
    """JSON text for the model's script tag: ``<`` escaped (it only occurs in strings)."""
    return _json(value).replace("<", "\\u003c")


def _script_str(name: str) -> str:
    return _str_json(name).replace("<", "\\u003c")


def boot_script(breakpoint: Any, interactive: bool) -> str:
    """Sets ``body.dark`` / ``body.mobile`` before the first paint, without the runtime.

    The colour scheme is the user's choice (cookie ``fastn-dark-mode``: ``dark``/``light``),
    else the system's; mobile means at most the breakpoint's width. Once the runtime is
    there (``window.fastn``) it owns both. On an interactive page it also keeps the clicks
    and typing that come before the runtime, which replays them.
    """
    width = DEFAULT_BREAKPOINT
    if isinstance(breakpoint, dict) and isinstance(breakpoint.get("mobile"), int | float):
        width = breakpoint["mobile"]
    early = (
        'var e=window.fastnEarlyEvents=[];["click","input","change"].forEach(function(t){'
        "document.addEventListener(t,function(v){if(!window.fastn)e.push(v)},true)});"
        if interactive
        else ""
    )
    return (
        "<script>(function(){var b=document.body,"
        'q=matchMedia("(prefers-color-scheme: dark)");function a(){if(window.fastn)return;'
        "var m=(document.cookie.match(/(?:^|; )fastn-dark-mode=([^;]*)/)||[])[1];"
        'b.classList.toggle("dark",m=="dark"||m!="light"&&q.matches);'
        f'b.classList.toggle("mobile",innerWidth<={width})}}'
        f'a();q.addEventListener("change",a);addEventListener("resize",a);{early}}})()</script>'
    )
