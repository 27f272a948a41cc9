"""The resolved document model: what the interpreter produces and the renderers consume.

Names are resolved and kinds checked, but values stay *expressions* (references, calls,
conditions, loops) rather than being computed once: the server-side renderer evaluates them
for the initial state, and the browser runtime evaluates the same expressions again when
mutable variables change. Every node here has a JSON form (:mod:`fastn.ftd.render.payload`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from fastn.ftd.kinds import Kind

# ------------------------------------------------------------------ value expressions


@dataclass(frozen=True, slots=True)
class Lit:
    """A constant value (str, int, float, bool, None, list, RecordValue, OrValue)."""

    value: Any


@dataclass(frozen=True, slots=True)
class Ref:
    """A reference, live in the browser: ``scope`` says where ``name`` lives.

    scope: ``global`` (name = ``module#var``), ``arg`` (argument of the component being
    rendered), ``loop`` (loop alias), ``counter`` (loop index; name = the loop alias),
    ``inherited`` (name = first segment), ``special`` (``VALUE``/``CHECKED`` in handlers).
    """

    scope: str
    name: str
    path: tuple[str, ...] = ()
    clone: bool = False  # *$x: copied at initialisation, no binding


@dataclass(frozen=True, slots=True)
class RecordExpr:
    type_name: str
    fields: dict[str, Any]  # field -> value expression


@dataclass(frozen=True, slots=True)
class ListExpr:
    items: tuple[Any, ...]


@dataclass(frozen=True, slots=True)
class OrExpr:
    type_name: str
    variant: str
    payload: Any  # value expression


@dataclass(frozen=True, slots=True)
class Call:
    """A call of a function with named arguments (a formula, or an event action)."""

    function: str  # module#name
    args: dict[str, Any]  # parameter -> value expression


@dataclass(frozen=True, slots=True)
class ExprValue:
    """``{ expression }``: parsed expression plus what each identifier in it refers to."""

    source: str
    tree: Any  # fastn.ftd.expr node
    names: dict[str, Any]  # identifier -> Ref (or Lit for or-type variants resolved statically)


@dataclass(frozen=True, slots=True)
class Cond:
    """Conditional property: first true condition wins, else the default (may be None)."""

    branches: tuple[tuple[ExprValue, Any], ...]
    default: Any | None


@dataclass(frozen=True, slots=True)
class UI:
    """An ``ftd.ui`` value: a component tree to be rendered where it is used."""

    node: Node


# ------------------------------------------------------------------ tree


@dataclass(slots=True)
class Event:
    name: str
    action: Call
    line: int


@dataclass(slots=True)
class LoopSpec:
    alias: str
    index: str | None
    items: Any  # value expression of the list


@dataclass(slots=True)
class Node:
    """One invocation in the tree.

    ``component`` is the qualified component (``ftd#text``, ``foo#card``) or, for an invocation
    of an ``ftd.ui`` value (``-- uis.0:``), None with ``ui`` set to the value expression.
    """

    component: str | None
    props: dict[str, Any]  # argument -> value expression
    events: list[Event]
    condition: ExprValue | None
    loop: LoopSpec | None
    line: int
    doc_id: str
    ui: Any = None
    # what the HTML renderer works out once about this node (fastn.ftd.render.html)
    render_plan: Any = field(default=None, repr=False, compare=False)


# ------------------------------------------------------------------ definitions


@dataclass(slots=True)
class Field:
    """A record field, component argument or function parameter."""

    name: str
    kind: Kind
    mutable: bool = False
    default: Any | None = None  # value expression
    line: int = 0


@dataclass(slots=True)
class RecordDef:
    name: str
    fields: list[Field]


@dataclass(slots=True)
class Variant:
    name: str
    kind: Kind | None  # None: anonymous record (fields)
    constant: bool
    value: Any  # constant value
    fields: list[Field] = field(default_factory=list)


@dataclass(slots=True)
class OrTypeDef:
    name: str
    variants: dict[str, Variant]


@dataclass(slots=True)
class ComponentDef:
    name: str
    args: list[Field]
    body: Node | None  # None for kernels
    css: list[str] = field(default_factory=list)
    web_js: list[str] | None = None  # web components: their JS files
    # what its defaults and body refer to, in order (processors.runner._Reach, made once)
    references: tuple[tuple[bool, str], ...] | None = field(default=None, compare=False, repr=False)
    # the runtime model's entry, as JSON: made once, for every page using it
    model_json: str | None = field(default=None, repr=False, compare=False)
    # the interpreter's: what it works out once about the arguments, for every invocation
    lookup: Any = field(default=None, repr=False, compare=False)

    def arg(self, name: str) -> Field | None:
        for a in self.args:
            if a.name == name:
                return a
        return None


@dataclass(slots=True)
class FunctionDef:
    name: str
    return_kind: Kind
    params: list[Field]
    body: Any  # expr program
    source: str
    js: list[str]
    # the runtime model's entry, as JSON: made once, for every page using it
    model_json: str | None = field(default=None, repr=False, compare=False)


@dataclass(slots=True)
class ProcessorCall:
    """What a ``$processor$`` section hands its processor, resolved in the document's scope.

    ``name`` is the processor's own name (``sql`` for ``pr.sql`` when ``pr`` is the alias of
    ``fastn/processors``), else the name as written. Arguments are value expressions: ``$x``
    references, typed literals, or the literal text of an untyped header.
    """

    name: str
    args: dict[str, Any]  # header key (as written, e.g. `$header-x$`) -> value expression
    lines: dict[str, int]  # header key -> its line
    untyped: frozenset[str]  # header keys given as plain text (no kind, no $reference)
    caption: Any | None  # value expression
    body: str | None
    body_line: int


@dataclass(slots=True)
class VariableDef:
    name: str
    kind: Kind
    mutable: bool
    value: Any  # value expression
    processor: str | None = None
    line: int = 0
    doc_id: str = ""
    section: Any = None  # the p1 section, for processors (their arguments are its headers/body)
    call: ProcessorCall | None = None  # set when `processor` is
    # the runtime model's: the same value on every page? (None: not known yet)
    model_constant: Any = field(default=None, repr=False, compare=False)


@dataclass(slots=True)
class Document:
    """A resolved document: its tree plus every definition it (transitively) uses."""

    doc_id: str
    tree: list[Node]
    variables: dict[str, VariableDef]
    components: dict[str, ComponentDef]
    functions: dict[str, FunctionDef]
    records: dict[str, RecordDef]
    or_types: dict[str, OrTypeDef]
    updates: list[tuple[str, tuple[str, ...], Any]] = field(default_factory=list)
    # the HTML renderer's: pages drawn so far, and then the compiled program (None: not yet
    # made, False: the walker only) -- see fastn.ftd.render.compiled
    renders: int = field(default=0, repr=False, compare=False)
    render_program: Any = field(default=None, repr=False, compare=False)
