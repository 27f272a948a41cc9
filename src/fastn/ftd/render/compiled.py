"""A document's tree compiled into Python functions, for pages that cannot change in the browser.

The renderer in :mod:`fastn.ftd.render.html` walks the tree: for every element it asks what
kind of node this is, evaluates each property through the general evaluator and tracks what
is live. For a page drawn many times (a `fastn serve` page with processors is drawn on every
request) that is most of its cost. Here the tree and every component body it uses become
Python source, once: a plain element (a text or container with CSS and content properties,
see :class:`~fastn.ftd.render.html.KernelPlan`) is a few appends, references are dictionary
lookups, children are written in place, loops are Python loops, component invocations are
calls. Other nodes (other kernels, `ftd.ui` values, children passed as values) are handed to
the walker where they stand.

Only *static* pages are drawn this way. A document with event handlers is not compiled; a
rendering that turns out interactive (it read the device or the colour scheme, say through
a responsive length from data) or that fails is done again by the walker, which is the
reference: same bytes (tests draw the conformance corpus and fuzzed documents both ways),
same errors. What the walker tracks as live only places hydration markers, which a static
page does not keep, so compiled code does not track it.
"""

from __future__ import annotations

import ast
import logging
import re
from collections.abc import Callable
from html import escape
from typing import TYPE_CHECKING, Any

from fastn.ftd.expr import is_truthy
from fastn.ftd.markdown import markdown_to_html
from fastn.ftd.model import Document, Lit, Node, Ref
from fastn.ftd.render.css import number
from fastn.ftd.render.evaluate import Frame, evaluate, follow
from fastn.ftd.values import RecordValue

if TYPE_CHECKING:
    from fastn.ftd.render.html import KernelPlan, Renderer

logger = logging.getLogger("fastn.render")

# The walker's limit on nested nodes (Renderer.shown); a compiled rendering that could reach
# it gives way to the walker, which raises the located error.
MAX_DEPTH = 200

Program = Callable[["Renderer", Frame, list[str]], None]


class Fallback(Exception):  # noqa: N818 - not an error: a request for the tree walker
    """This rendering is for the tree walker."""


class _NotCompiled(Exception):  # noqa: N818
    """The document has something the compiled program cannot draw at all."""


def program(doc: Document) -> Program | None:
    """The document's compiled program, or None when its pages are for the walker only."""
    try:
        return compile_document(doc)
    except Exception:  # a compiler bug must not cost the page: the walker draws it
        logger.exception("%s: drawn by walking the tree, compiling it failed", doc.doc_id)
        return None


def compile_document(doc: Document) -> Program | None:
    """`program`, letting a failure of the compiler itself through (for tests)."""
    try:
        return _Compiler(doc).compile()
    except _NotCompiled:
        return None


class _Place:
    """Where generated code stands in its function: the function's frame is ``f`` (arguments,
    inherited values); each loop around adds locals for its item and index. The Frame object
    of a loop body (for the evaluator and the walker) is made only if something asks for it."""

    def __init__(self, compiler: _Compiler, parent: _Place | None = None, name: str = "f"):
        self.compiler = compiler
        self.parent = parent
        self.frame = name
        self.loops: dict[str, tuple[str, str]] = dict(parent.loops) if parent else {}
        self.needed = parent is None  # the function's own frame always exists

    def frame_object(self) -> str:
        """The name of this place's Frame, which the code must then make."""
        self.compiler.uses_frame()
        place: _Place | None = self
        while place is not None and not place.needed:
            place.needed = True
            place = place.parent
        return self.frame


class _Function:
    """One generated function: its lines, and what it needs from its caller."""

    def __init__(self, header: str):
        self.lines = [header, "    state = R.state", "    PT = R.plan_tags"]
        self.reads_inherited = False  # reads `f.inherited`, or lets the walker read it
        self.calls: set[str] = set()  # components it invokes


class _Compiler:
    def __init__(self, doc: Document):
        self.doc = doc
        self.constants: list[Any] = []
        self.names: dict[str, str] = {}  # component -> its function's name
        self.pending: list[str] = []  # components whose function is not written yet
        self.functions: dict[str, _Function] = {}  # component ("" for the tree) -> function
        self.function = self.functions[""] = _Function("def tree(R, f, out):")  # being written
        self.counter = 0

    @property
    def lines(self) -> list[str]:
        return self.function.lines

    def compile(self) -> Program:
        place = _Place(self)
        for node in self.doc.tree:
            if self.levels(node) > MAX_DEPTH:
                raise _NotCompiled  # the walker says where it is too deep
            self.node(node, place, "0", 1, 1)
        while self.pending:
            self.component(self.pending.pop())
        source = "\n".join(self._resolved_lines())
        namespace = {
            "K": self.constants,
            "Frame": Frame,
            "RecordValue": RecordValue,
            "evaluate": evaluate,
            "follow": follow,
            "is_truthy": is_truthy,
            "NO_ITEM": (None, 0),
            "Fallback": Fallback,
            "SCALARS": _SCALARS,
            "environment": _environment,
            "text_html": _text_html,
            "markdown": markdown_to_html,
            "number_html": _number_html,
            "invoke": _invoke_walker,
            "MAX_DEPTH": MAX_DEPTH,
        }
        exec(compile(source, f"<compiled {self.doc.doc_id}>", "exec"), namespace)  # noqa: S102
        return namespace["tree"]

    def _resolved_lines(self) -> list[str]:
        """Every function's lines; an invocation passes inherited values (the caller's, with
        the arguments added) only to a component that reads them, directly or further in."""
        reads = {name: function.reads_inherited for name, function in self.functions.items()}
        changed = True
        while changed:
            changed = False
            for name, function in self.functions.items():
                if not reads[name] and any(reads.get(callee) for callee in function.calls):
                    reads[name] = changed = True
        lines = []
        for function in self.functions.values():
            for line in function.lines:
                if _MARK in line:
                    parts = line.split(_MARK)
                    if len(parts) == 3:  # indent, component, a line making its inherited values
                        if not reads[parts[1]]:
                            continue
                        line = parts[0] + parts[2]
                    else:  # ..., component, the local with its inherited values, ...
                        head, callee, local, tail = parts
                        line = head + (local if reads[callee] else "f.inherited") + tail
                constant = _CONSTANT_APPEND.fullmatch(line)
                previous = _CONSTANT_APPEND.fullmatch(lines[-1]) if lines else None
                if constant and previous and constant[1] == previous[1]:  # one block: one append
                    text = ast.literal_eval(previous[2]) + ast.literal_eval(constant[2])
                    line = f"{constant[1]}out.append({text!r})"
                    lines.pop()
                lines.append(line)
            lines.append("    return")
        return lines

    # ------------------------------------------------------------ helpers

    def const(self, value: Any) -> str:
        self.constants.append(value)
        return f"K[{len(self.constants) - 1}]"

    def emit(self, indent: int, line: str) -> None:
        self.lines.append("    " * indent + line)

    def fresh(self, prefix: str) -> str:
        self.counter += 1
        return f"{prefix}{self.counter}"

    def uses_frame(self) -> None:
        """Generated code hands a Frame to the evaluator or the walker, which may read
        inherited values."""
        self.function.reads_inherited = True

    def value(self, expression: Any, place: _Place) -> str:
        """Python for a value expression evaluated at `place`."""
        kind = type(expression)
        if kind is Lit:
            return self.const(expression.value)
        if kind is Ref:
            scope, name = expression.scope, expression.name
            if scope == "global":
                base = f"state.get({name!r})"
            elif scope == "arg":
                base = f"f.args.get({name!r})"
            elif scope in ("loop", "counter") and name in place.loops:
                item, index = place.loops[name]
                if scope == "counter":
                    return index
                base = item
            elif scope == "loop":
                base = f"f.loops.get({name!r}, NO_ITEM)[0]"
            elif scope == "counter":
                return f"f.loops.get({name!r}, NO_ITEM)[1]"
            elif scope == "inherited":
                self.uses_frame()
                base = f"f.inherited.get({name!r})"
            else:
                return "None"
            return f"follow({base}, {expression.path!r})" if expression.path else base
        return f"evaluate({self.const(expression)}, {place.frame_object()}, state)"

    def read(self, expression: Any, place: _Place, indent: int) -> str:
        """A local holding the value of `expression`: a record's field is read in place."""
        local = self.fresh("v")
        if type(expression) is Ref and len(expression.path) == 1 and expression.scope != "counter":
            base = self.value(Ref(expression.scope, expression.name), place)
            field = expression.path[0]
            self.emit(indent, f"{local} = {base}")
            self.emit(
                indent,
                f"{local} = {local}.get({field!r}) if type({local}) is RecordValue "
                f"else follow({local}, {(field,)!r})",
            )
        else:
            self.emit(indent, f"{local} = {self.value(expression, place)}")
        return local

    # ------------------------------------------------------------ nodes

    def node(self, node: Node, place: _Place, depth: str, level: int, indent: int) -> None:
        """Code drawing `node` at `place`; the walker would be `depth` + `level` deep."""
        if node.events:
            raise _NotCompiled  # event handlers: an interactive page
        if node.loop is None:
            self.single(node, place, depth, level, indent)
            return
        loop = node.loop
        outer = place.frame
        inner = _Place(self, place, self.fresh("f"))
        item, index = inner.frame + "_x", inner.frame + "_i"
        items = self.value(loop.items, place)
        self.emit(indent, f"for {index}, {item} in enumerate({items} or ()):")
        inner.loops[loop.alias] = (item, index)
        if loop.index:
            inner.loops[loop.index] = (index, index)
        start = len(self.lines)
        self.single(node, inner, depth, level, indent + 1)
        if inner.needed:
            extra = f", {loop.index!r}: ({index}, {index})" if loop.index else ""
            self.lines.insert(
                start,
                "    " * (indent + 1) + f"{inner.frame} = Frame({outer}.args, {{**{outer}.loops, "
                f"{loop.alias!r}: ({item}, {index}){extra}}}, {outer}.inherited, {outer}.component)",
            )

    def single(self, node: Node, place: _Place, depth: str, level: int, indent: int) -> None:
        if node.condition is not None:
            self.emit(indent, f"if is_truthy({self.value(node.condition, place)}):")
            indent += 1
        self.shown(node, place, depth, level, indent)

    def shown(self, node: Node, place: _Place, depth: str, level: int, indent: int) -> None:
        comp = self.doc.components.get(node.component or "")
        if comp is None or (comp.body is None and not self.drawn_here(node)):
            self.delegate(node, place, depth, level, indent)
        elif comp.body is None:
            self.kernel(node, self.plan(node), place, depth, level, indent)
        else:
            self.invocation(node, place, depth, level, indent)

    def drawn_here(self, node: Node) -> bool:
        """A kernel the compiled code draws: plain, its children (if any) written in place."""
        plan = self.plan(node)
        return plan.plain and (plan.child_nodes is not None or "children" not in node.props)

    def levels(self, node: Node) -> int:
        """How deep the walker goes from this node (1: the node alone) without entering a
        component or a delegated node (those check their own depth)."""
        comp = self.doc.components.get(node.component or "")
        if comp is None or comp.body is not None:
            return 1
        plan = self.plan(node)
        if not self.drawn_here(node) or plan.child_nodes is None:
            return 1
        return 1 + max((self.levels(child) for child in plan.child_nodes), default=0)

    def plan(self, node: Node) -> KernelPlan:
        from fastn.ftd.render.html import kernel_plan

        return kernel_plan(node)

    def delegate(self, node: Node, place: _Place, depth: str, level: int, indent: int) -> None:
        """The walker draws this node (it counts its own depth from here)."""
        frame = place.frame_object()
        self.emit(indent, f"invoke(R, {self.const(node)}, {frame}, out, {depth} + {level - 1})")

    def kernel(
        self, node: Node, plan: KernelPlan, place: _Place, depth: str, level: int, indent: int
    ) -> None:
        values: dict[str, str] = {}
        for name, expression in plan.dynamic:
            local = values[name] = self.read(expression, place, indent)
            self.emit(indent, f"if type({local}) not in SCALARS: environment(R, {local})")
        if plan.computed_css:
            props = ", ".join(f"{name!r}: {local}" for name, local in values.items())
            self.emit(
                indent,
                f"out.append(R.opening_tag({self.const(plan)}, "
                f"{{**{self.const(plan.constants)}, {props}}}))",
            )
        elif not plan.css and not plan.classes:
            self.emit(indent, "out.append('<div>')")
        else:
            key = id(plan)  # the walker's key too (Renderer.plan_tags)
            self.emit(indent, f"t = PT.get({key})")
            self.emit(indent, "if t is None:")
            self.emit(
                indent + 1,
                f"t = PT[{key}] = R.opening_tag({self.const(plan)}, {self.const(plan.constants)})",
            )
            self.emit(indent, "out.append(t)")
        if plan.container:
            for child in plan.child_nodes or ():
                self.node(child, place, depth, level + 1, indent)
        elif node.component == "ftd#text":
            text = values.get("text") or self.const(plan.constants.get("text"))
            self.emit(
                indent,
                f"out.append(markdown({text}) if type({text}) is str else text_html({text}))",
            )
        else:
            value = values.get("value") or self.const(plan.constants.get("value"))
            self.emit(
                indent,
                f"out.append(str({value}) if type({value}) is int else number_html({value}))",
            )
        self.emit(indent, "out.append('</div>')")

    def invocation(self, node: Node, place: _Place, depth: str, level: int, indent: int) -> None:
        comp = self.doc.components[node.component or ""]
        function = self.names.get(comp.name)
        if function is None:
            function = self.names[comp.name] = f"c{len(self.names)}"
            self.pending.append(comp.name)
        self.function.calls.add(comp.name)
        args = self.fresh("a")
        given = [arg for arg in comp.args if arg.name in node.props]
        items = ", ".join(
            f"{arg.name!r}: {self.value(node.props[arg.name], place)}" for arg in given
        )
        self.emit(indent, f"{args} = {{{items}}}")
        pending = [arg for arg in comp.args if arg.name not in node.props]
        defaults = self.fresh("d")
        if any(arg.default is not None and type(arg.default) is not Lit for arg in pending):
            self.uses_frame()
            self.emit(indent, f"{defaults} = Frame({args}, {{}}, f.inherited, {comp.name!r})")
        for arg in pending:
            if arg.default is None:
                value = "[]" if arg.kind.is_list else "None"
            elif type(arg.default) is Lit:
                value = self.const(arg.default.value)
            else:
                value = f"evaluate({self.const(arg.default)}, {defaults}, state)"
            self.emit(indent, f"{args}[{arg.name!r}] = {value}")
        # inherited values for the component: the caller's with the arguments added, made
        # only if the component reads them (decided when every function is written)
        inherited = self.fresh("i")
        mark = f"{_MARK}{comp.name}{_MARK}"
        self.emit(indent, f"{mark}{inherited} = dict(f.inherited)")
        self.emit(
            indent, f"{mark}{inherited}.update((k, v) for k, v in {args}.items() if v is not None)"
        )
        self.emit(
            indent,
            f"{function}(R, Frame({args}, {{}}, {mark}{inherited}{_MARK}, {comp.name!r}), out, "
            f"{depth} + {level + 1})",
        )

    def component(self, name: str) -> None:
        """A component body's function: ``depth`` is the walker's depth at its invocation."""
        comp = self.doc.components[name]
        assert comp.body is not None
        self.function = self.functions[name] = _Function(
            f"def {self.names[name]}(R, f, out, depth):"
        )
        self.emit(1, f"if depth + {self.levels(comp.body) - 1} > MAX_DEPTH: raise Fallback")
        self.node(comp.body, _Place(self), "depth", 0, 1)


# `out.append('constant')`: (indent, the literal)
_CONSTANT_APPEND = re.compile(r"( *)out\.append\(('(?:[^'\\]|\\.)*')\)")

# Brackets the component on the lines of an invocation that depend on whether it reads
# inherited values (see _Compiler._resolved_lines).
_MARK = "\x00"
_SCALARS = frozenset({str, int, float, bool, type(None)})


def _environment(renderer: Renderer, value: Any) -> None:
    """A value the browser would draw again on its own (a responsive length, an image with a
    dark variant): noted like the walker does, so the page turns out interactive."""
    from fastn.ftd.render.html import environment_reads

    for name in environment_reads({"": value}):
        renderer.state.touch(name)


def _text_html(text: Any) -> str:
    """An `ftd.text` that is not a string (None, a number...). The walker also keeps the
    markdown it rendered, for the browser's model; a static page has none."""
    return "" if text is None else markdown_to_html(str(text))


def _number_html(value: Any) -> str:
    return "" if value is None else escape(number(value))


def _invoke_walker(
    renderer: Renderer, node: Node, frame: Frame, out: list[str], depth: int
) -> None:
    renderer.walked = True
    renderer.depth = depth
    renderer.shown(node, frame, out, ())
