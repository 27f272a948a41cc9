"""Evaluate value expressions of the document model for one rendering (the initial state)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from fastn.ftd import expr
from fastn.ftd.errors import FtdError
from fastn.ftd.model import (
    UI,
    Call,
    Cond,
    Document,
    ExprValue,
    ListExpr,
    Lit,
    Node,
    OrExpr,
    RecordExpr,
    Ref,
)
from fastn.ftd.values import OrValue, RecordValue

_TEMPLATE_NAME = re.compile(r"\$([A-Za-z_][\w-]*)")


@dataclass(slots=True)
class BoundUI:
    """An ``ftd.ui`` value together with the frame it was written in."""

    node: Node
    frame: Frame


@dataclass(slots=True)
class Frame:
    """What names mean while rendering one place of the tree."""

    args: dict[str, Any] = field(default_factory=dict)
    loops: dict[str, tuple[Any, int]] = field(default_factory=dict)
    inherited: dict[str, Any] = field(default_factory=dict)
    component: str | None = None


class State:
    """Values of the document's global variables for one rendering, computed on first use."""

    def __init__(self, doc: Document, processors: dict[str, Any] | None = None):
        self.doc = doc
        self.values: dict[str, Any] = {}
        self.processors = processors or {}
        self._updates: dict[str, list[tuple[tuple[str, ...], Any]]] = {}
        for name, path, value in doc.updates:
            self._updates.setdefault(name, []).append((path, value))

    def get(self, name: str) -> Any:
        if name in self.values:
            return self.values[name]
        var = self.doc.variables.get(name)
        if var is None:
            raise FtdError(f"unknown variable `{name}`")
        value = self.processors.get(name) if var.processor else evaluate(var.value, Frame(), self)
        for path, update in self._updates.get(name, ()):
            new = evaluate(update, Frame(), self)
            value = _set_path(value, path, new) if path else new
        self.values[name] = value
        return value


def _set_path(target: Any, path: tuple[str, ...], value: Any) -> Any:
    node = target
    for seg in path[:-1]:
        node = node[int(seg)] if isinstance(node, list) else node[seg]
    if isinstance(node, list):
        node[int(path[-1])] = value
    else:
        node[path[-1]] = value
    return target


def follow(value: Any, path: tuple[str, ...]) -> Any:
    for seg in path:
        if value is None:
            return None
        if isinstance(value, list):
            try:
                value = value[int(seg)]
            except (ValueError, IndexError):
                return None
        elif isinstance(value, dict):
            value = value.get(seg)
        elif isinstance(value, OrValue):
            value = value.value if seg == value.variant else follow(value.value, (seg,))
        else:
            return None
    return value


def evaluate(value: Any, frame: Frame, state: State) -> Any:
    kind = type(value)
    if kind is Lit:
        return value.value
    if kind is Ref:
        return _ref(value, frame, state)
    if kind is Cond:
        for condition, branch in value.branches:
            if expr.is_truthy(evaluate(condition, frame, state)):
                return evaluate(branch, frame, state)
        return None if value.default is None else evaluate(value.default, frame, state)
    if kind is RecordExpr:
        return RecordValue(
            value.type_name, {k: evaluate(v, frame, state) for k, v in value.fields.items()}
        )
    if kind is ListExpr:
        return [evaluate(item, frame, state) for item in value.items]
    if kind is OrExpr:
        return OrValue(value.type_name, value.variant, evaluate(value.payload, frame, state))
    if kind is UI:
        return BoundUI(value.node, frame)
    if kind is ExprValue:
        return expr.evaluate(value.tree, _ExprScope(value, frame, state))
    if kind is Call:
        return call(value, frame, state)
    raise TypeError(f"not a value expression: {value!r}")


def _ref(ref: Ref, frame: Frame, state: State) -> Any:
    scope = ref.scope
    if scope == "global":
        base = state.get(ref.name)
    elif scope == "arg":
        base = frame.args.get(ref.name)
    elif scope == "loop":
        base = frame.loops.get(ref.name, (None, 0))[0]
    elif scope == "counter":
        return frame.loops.get(ref.name, (None, 0))[1]
    elif scope == "inherited":
        base = frame.inherited.get(ref.name)
    else:
        return None
    return follow(base, ref.path) if ref.path else base


class _ExprScope:
    """Names inside ``{ expression }`` and function bodies, for the expression evaluator."""

    __slots__ = ("frame", "locals", "names", "state")

    def __init__(
        self, value: ExprValue | None, frame: Frame, state: State, local: dict | None = None
    ):
        self.names = value.names if value is not None else {}
        self.frame = frame
        self.state = state
        self.locals = local if local is not None else {}

    def lookup(self, name: str) -> Any:
        if name in self.locals:
            return self.locals[name]
        target = self.names.get(name)
        if target is None:
            head, _, rest = name.partition(".")
            if rest and head in self.locals:
                return follow(self.locals[head], tuple(rest.split(".")))
            raise expr.UnknownName(name)
        return evaluate(target, self.frame, self.state)

    def assign(self, name: str, value: Any) -> None:
        self.locals[name] = value

    def call(self, name: str, args: list[Any]) -> Any:
        if name in ("ftd.get", "get"):
            return follow(args[0], (str(args[1]),))
        if name in (
            "enable_dark_mode",
            "enable_light_mode",
            "enable_system_mode",
        ) or name.startswith("ftd."):
            return None  # browser-only effects have no server-side result
        raise expr.UnknownName(name)


def call(value: Call, frame: Frame, state: State) -> Any:
    fn = state.doc.functions[value.function]
    local = {
        p.name: evaluate(value.args[p.name], frame, state)
        for p in fn.params
        if p.name in value.args
    }
    if fn.js:
        return None  # a JavaScript function: only the browser can run it
    if fn.body is None:  # template: `$name` replaced by the parameter's value
        return _TEMPLATE_NAME.sub(
            lambda m: expr.js_string(local.get(m.group(1), m.group(0))), fn.source
        )
    scope = _ExprScope(None, frame, state, local)
    try:
        return expr.evaluate(fn.body, scope)
    except expr.UnknownName as e:
        raise FtdError(f"function `{fn.name.split('#')[-1]}`: unknown name `{e.name}`") from None
