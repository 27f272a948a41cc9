"""Evaluate value expressions of the document model for one rendering (the initial state).

Evaluation also notes what was *live*: read from a mutable variable (directly, or through an
immutable one computed from it, a component argument or a loop over it). The page renderer
uses that to decide whether a page needs the browser runtime and which elements it marks.
"""

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
from fastn.runtime.model import constant_of

_TEMPLATE_NAME = re.compile(r"\$([A-Za-z_][\w-]*)")


@dataclass(slots=True)
class BoundUI:
    """An ``ftd.ui`` value together with the frame it was written in."""

    node: Node
    frame: Frame


_NOTHING_LIVE: frozenset[str] = frozenset()
_MISSING = object()


@dataclass(slots=True)
class Frame:
    """What names mean while rendering one place of the tree.

    ``live_*`` name the arguments, loop aliases and inherited values whose value came from
    mutable state: reading one makes the evaluation live (see :meth:`State.touch`).
    """

    args: dict[str, Any] = field(default_factory=dict)
    loops: dict[str, tuple[Any, int]] = field(default_factory=dict)
    inherited: dict[str, Any] = field(default_factory=dict)
    component: str | None = None
    live_args: frozenset[str] = _NOTHING_LIVE
    live_loops: frozenset[str] = _NOTHING_LIVE
    live_inherited: frozenset[str] = _NOTHING_LIVE


class State:
    """Values of the document's global variables for one rendering, computed on first use."""

    def __init__(self, doc: Document, processors: dict[str, Any] | None = None):
        self.doc = doc
        self.values: dict[str, Any] = {}
        self.processors = processors or {}
        self._updates: dict[str, list[tuple[tuple[str, ...], Any]]] = {}
        for name, path, value in doc.updates:
            self._updates.setdefault(name, []).append((path, value))
        self.touches = 0  # how many live reads so far: compare before/after an evaluation
        self.live: dict[str, bool] = {}  # global -> is it mutable, for globals that are live
        self.mutable_reads: set[str] = set()  # mutable globals read at all
        self._computed: dict[str, Any] = {}  # constant -> the value this state gave it

    def touch(self, name: str | None = None) -> None:
        """Note a live read (of the mutable global ``name``, when it is one)."""
        self.touches += 1
        if name is not None:
            self.mutable_reads.add(name)

    def get(self, name: str) -> Any:
        value = self.values.get(name, _MISSING)
        if value is not _MISSING:
            live = self.live.get(name)
            if live is not None:
                self.touch(name if live else None)
            return value
        var = self.doc.variables.get(name)
        if var is None:
            raise FtdError(f"unknown variable `{name}`")
        constant = None
        if not var.mutable and not var.processor and not self._updates:
            constant = constant_of(self.doc, var)
            if constant is not None and constant.computed_from is not None:
                value = self._reuse(constant)
                if value is not _MISSING:
                    self.values[name] = self._computed[name] = value
                    return value
        before = self.touches
        value = self.processors.get(name) if var.processor else evaluate(var.value, Frame(), self)
        for path, update in self._updates.get(name, ()):
            new = evaluate(update, Frame(), self)
            value = _set_path(value, path, new) if path else new
        self.values[name] = value
        if var.mutable or self.touches != before:
            self.live[name] = var.mutable
            self.touch(name if var.mutable else None)
        elif constant is not None:
            self._computed[name] = value
            self._remember(constant, value)
        return value

    # A constant global (literals and constants only, see fastn.runtime.model._Constant) has
    # the same value on every page: computed once, then shared (values are not changed in
    # place; a document with updates `-- x.y: …` computes its own). The constants it was
    # computed from are noted with it: each page gets those same values too, unless the
    # page has another value already for one of them (then it computes its own). Only
    # values this state computed count (the renderer sets `ftd#breakpoint-width` itself).

    def _reuse(self, constant: Any) -> Any:
        values = self.values
        variables = self.doc.variables
        for name, var, value in constant.computed_from:
            if variables.get(name) is not var:
                return _MISSING
            current = values.get(name, _MISSING)
            if current is not _MISSING and current is not value:
                return _MISSING
        for name, _, value in constant.computed_from:
            if name not in values:
                values[name] = self._computed[name] = value
        return constant.value

    def _remember(self, constant: Any, value: Any) -> None:
        variables = self.doc.variables
        computed_from: dict[str, tuple[str, Any, Any]] = {}
        pending = list(constant.reads)
        while pending:
            name = pending.pop()
            if name in computed_from:
                continue
            var = variables.get(name)
            read = constant_of(self.doc, var) if var is not None else None
            if (
                read is None
                or name not in self._computed
                or self.values.get(name) is not self._computed[name]
            ):
                return  # not computed here as a constant (a value set from outside)
            computed_from[name] = (name, var, self._computed[name])
            pending.extend(read.reads)
        constant.value = value
        constant.computed_from = tuple(computed_from.values())


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
        kind = type(value)
        if kind is RecordValue or kind is dict:  # the most common: a record's field
            value = value.get(seg)
        elif value is None:
            return None
        elif isinstance(value, list):
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
    # the kinds in the order of how often a page meets them; a literal item or field is
    # read inline (most are)
    kind = type(value)
    if kind is Ref:
        return resolve_ref(value, frame, state)
    if kind is Lit:
        return value.value
    if kind is ExprValue:
        try:
            return expr.evaluate(value.tree, _ExprScope(value, frame, state))
        except expr.ExprError as e:  # e.g. a name the interpreter left for the evaluator
            raise FtdError(f"cannot evaluate `{{{value.source}}}`: {e}") from None
    if kind is UI:
        return BoundUI(value.node, frame)
    if kind is ListExpr:
        return [
            item.value if type(item) is Lit else evaluate(item, frame, state)
            for item in value.items
        ]
    if kind is RecordExpr:
        return RecordValue(
            value.type_name,
            {
                k: v.value if type(v) is Lit else evaluate(v, frame, state)
                for k, v in value.fields.items()
            },
        )
    if kind is Cond:
        for condition, branch in value.branches:
            if expr.is_truthy(evaluate(condition, frame, state)):
                return evaluate(branch, frame, state)
        return None if value.default is None else evaluate(value.default, frame, state)
    if kind is OrExpr:
        return OrValue(value.type_name, value.variant, evaluate(value.payload, frame, state))
    if kind is Call:
        return call(value, frame, state)
    raise TypeError(f"not a value expression: {value!r}")


def resolve_ref(ref: Ref, frame: Frame, state: State) -> Any:
    scope = ref.scope
    name = ref.name
    if scope == "arg":
        if name in frame.live_args:
            state.touch()
        base = frame.args.get(name)
    elif scope == "global":
        base = state.get(name)
    elif scope == "inherited":
        if name in frame.live_inherited:
            state.touch()
        base = frame.inherited.get(name)
    elif scope == "loop" or scope == "counter":
        if name in frame.live_loops:
            state.touch()
        item, index = frame.loops.get(name, (None, 0))
        if scope == "counter":
            return index
        base = item
    else:
        return None
    return follow(base, ref.path) if ref.path else base


class _ExprScope:
    """Names inside ``{ expression }`` and function bodies, for the expression evaluator.

    A function body (``module`` set) may also read the globals of the function's module and
    of ``ftd`` by their short names (``count``, ``ftd.dark-mode``), like the browser does.
    """

    __slots__ = ("frame", "locals", "module", "names", "state")

    def __init__(
        self,
        value: ExprValue | None,
        frame: Frame,
        state: State,
        local: dict | None = None,
        module: str | None = None,
    ):
        self.names = value.names if value is not None else {}
        self.frame = frame
        self.state = state
        self.locals = local if local is not None else {}
        self.module = module

    def lookup(self, name: str) -> Any:
        if name in self.locals:
            return self.locals[name]
        target = self.names.get(name)
        if target is None:
            head, _, rest = name.partition(".")
            if rest and head in self.locals:
                return follow(self.locals[head], tuple(rest.split(".")))
            if self.module is not None:
                found = _function_global(name, self.module, self.state.doc.variables)
                if found is not None:
                    return follow(self.state.get(found[0]), found[1])
            raise expr.UnknownName(name)
        return evaluate(target, self.frame, self.state)

    def assign(self, name: str, value: Any) -> None:
        self.locals[name] = value

    def call(self, name: str, args: list[Any]) -> Any:
        if name in ("ftd.get", "get"):
            return follow(args[0], (str(args[1]),))
        if name == "ftd.field_with_default_js":  # the fields of an ftd.<kind>-field record
            return {"name": args[0], "value": args[1], "error": None}
        if name in (
            "enable_dark_mode",
            "enable_light_mode",
            "enable_system_mode",
        ) or name.startswith("ftd."):
            return None  # browser-only effects have no server-side result
        raise expr.UnknownName(name)


def _function_global(
    name: str, module: str, variables: dict[str, Any]
) -> tuple[str, tuple[str, ...]] | None:
    """The global a function body's ``name`` reads: (qualified variable, field path).

    ``ftd.x.y`` is ``ftd#x`` then ``y``; any other ``x.y`` is ``x`` of the function's module.
    """
    parts = name.split(".")
    if parts[0] == "ftd" and len(parts) > 1:
        qualified, path = f"ftd#{parts[1]}", tuple(parts[2:])
    else:
        qualified, path = f"{module}#{parts[0]}", tuple(parts[1:])
    return (qualified, path) if qualified in variables else None


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
    scope = _ExprScope(None, frame, state, local, module=fn.name.partition("#")[0])
    try:
        result = expr.evaluate(fn.body, scope)
    except expr.UnknownName as e:
        raise FtdError(f"function `{fn.name.split('#')[-1]}`: unknown name `{e.name}`") from None
    except expr.ExprError as e:
        raise FtdError(f"function `{fn.name.split('#')[-1]}`: {e}") from None
    returns = fn.return_kind.name
    if type(result) is dict and not fn.return_kind.is_list and returns in state.doc.records:
        return RecordValue(returns, result)  # fields made by a built-in (a form field)
    return result
