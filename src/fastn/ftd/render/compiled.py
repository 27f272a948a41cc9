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

from collections.abc import Callable
from html import escape
from typing import TYPE_CHECKING, Any

from fastn.ftd.expr import is_truthy
from fastn.ftd.markdown import markdown_to_html
from fastn.ftd.model import Document, Lit, Node, Ref
from fastn.ftd.render.css import number
from fastn.ftd.render.evaluate import Frame, evaluate, follow
from fastn.runtime.model import plain_text_html

if TYPE_CHECKING:
    from fastn.ftd.render.html import KernelPlan, Renderer

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
        return _Compiler(doc).compile()
    except _NotCompiled:
        return None


class _Compiler:
    def __init__(self, doc: Document):
        self.doc = doc
        self.constants: list[Any] = []
        self.functions: dict[str, str] = {}  # component -> its function's name
        self.pending: list[str] = []  # components whose function is not written yet
        self.lines: list[str] = []
        self.frames = 0

    def compile(self) -> Program:
        self.lines.append("def tree(R, f, out):")
        self.lines.append("    state = R.state")
        self.lines.append("    PT = R.plan_tags")
        for node in self.doc.tree:
            if self.levels(node) > MAX_DEPTH:
                raise _NotCompiled  # the walker says where it is too deep
            self.node(node, "f", "0", 1, 1)
        self.lines.append("    return")
        while self.pending:
            self.component(self.pending.pop())
        namespace = {
            "K": self.constants,
            "Frame": Frame,
            "evaluate": evaluate,
            "follow": follow,
            "is_truthy": is_truthy,
            "NO_ITEM": (None, 0),
            "Fallback": Fallback,
            "SCALARS": _SCALARS,
            "environment": _environment,
            "text_html": _text_html,
            "number_html": _number_html,
            "invoke": _invoke_walker,
            "MAX_DEPTH": MAX_DEPTH,
        }
        exec(compile("\n".join(self.lines), f"<compiled {self.doc.doc_id}>", "exec"), namespace)  # noqa: S102
        return namespace["tree"]

    # ------------------------------------------------------------ helpers

    def const(self, value: Any) -> str:
        self.constants.append(value)
        return f"K[{len(self.constants) - 1}]"

    def emit(self, indent: int, line: str) -> None:
        self.lines.append("    " * indent + line)

    def frame_name(self) -> str:
        self.frames += 1
        return f"f{self.frames}"

    def value(self, expression: Any, frame: str) -> str:
        """Python for a value expression evaluated in `frame`."""
        kind = type(expression)
        if kind is Lit:
            return self.const(expression.value)
        if kind is Ref:
            scope, name = expression.scope, expression.name
            if scope == "global":
                base = f"state.get({name!r})"
            elif scope == "arg":
                base = f"{frame}.args.get({name!r})"
            elif scope == "loop":
                base = f"{frame}.loops.get({name!r}, NO_ITEM)[0]"
            elif scope == "counter":
                return f"{frame}.loops.get({name!r}, NO_ITEM)[1]"
            elif scope == "inherited":
                base = f"{frame}.inherited.get({name!r})"
            else:
                return "None"
            return f"follow({base}, {expression.path!r})" if expression.path else base
        return f"evaluate({self.const(expression)}, {frame}, state)"

    # ------------------------------------------------------------ nodes

    def node(self, node: Node, frame: str, depth: str, level: int, indent: int) -> None:
        """Code drawing `node` in `frame`; the walker would be `depth` + `level` deep."""
        if node.events:
            raise _NotCompiled  # event handlers: an interactive page
        if node.loop is None:
            self.single(node, frame, depth, level, indent)
            return
        loop = node.loop
        inner = self.frame_name()
        self.emit(
            indent, f"for {inner}_i, {inner}_x in enumerate({self.value(loop.items, frame)} or ()):"
        )
        extra = f", {loop.index!r}: ({inner}_i, {inner}_i)" if loop.index else ""
        self.emit(
            indent + 1,
            f"{inner} = Frame({frame}.args, {{**{frame}.loops, {loop.alias!r}: ({inner}_x, {inner}_i)"
            f"{extra}}}, {frame}.inherited, {frame}.component)",
        )
        self.single(node, inner, depth, level, indent + 1)

    def single(self, node: Node, frame: str, depth: str, level: int, indent: int) -> None:
        if node.condition is not None:
            self.emit(indent, f"if is_truthy({self.value(node.condition, frame)}):")
            indent += 1
        self.shown(node, frame, depth, level, indent)

    def shown(self, node: Node, frame: str, depth: str, level: int, indent: int) -> None:
        comp = self.doc.components.get(node.component or "")
        if comp is None or (comp.body is None and not self.drawn_here(node)):
            self.delegate(node, frame, depth, level, indent)
        elif comp.body is None:
            self.kernel(node, self.plan(node), frame, depth, level, indent)
        else:
            self.invocation(node, frame, depth, level, indent)

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
        from fastn.ftd.render.html import plan_kernel

        if node.render_plan is None:
            node.render_plan = plan_kernel(node)
        return node.render_plan

    def delegate(self, node: Node, frame: str, depth: str, level: int, indent: int) -> None:
        """The walker draws this node (it counts its own depth from here)."""
        self.emit(indent, f"invoke(R, {self.const(node)}, {frame}, out, {depth} + {level - 1})")

    def kernel(
        self, node: Node, plan: KernelPlan, frame: str, depth: str, level: int, indent: int
    ) -> None:
        values: dict[str, str] = {}
        for name, expression in plan.dynamic:
            local = f"v{len(self.lines)}_{len(values)}"
            self.emit(indent, f"{local} = {self.value(expression, frame)}")
            self.emit(indent, f"if type({local}) not in SCALARS: environment(R, {local})")
            values[name] = local
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
                self.node(child, frame, depth, level + 1, indent)
        else:
            prop = "text" if node.component == "ftd#text" else "value"
            content = values.get(prop) or self.const(plan.constants.get(prop))
            convert = "text_html(R, " if prop == "text" else "number_html("
            self.emit(indent, f"out.append({convert}{content}))")
        self.emit(indent, "out.append('</div>')")

    def invocation(self, node: Node, frame: str, depth: str, level: int, indent: int) -> None:
        comp = self.doc.components[node.component or ""]
        function = self.functions.get(comp.name)
        if function is None:
            function = self.functions[comp.name] = f"c{len(self.functions)}"
            self.pending.append(comp.name)
        args = f"a{len(self.lines)}"
        self.emit(indent, f"{args} = {{}}")
        pending = []
        for arg in comp.args:
            if arg.name in node.props:
                self.emit(
                    indent, f"{args}[{arg.name!r}] = {self.value(node.props[arg.name], frame)}"
                )
            else:
                pending.append(arg)
        defaults = f"d{len(self.lines)}"
        if any(arg.default is not None and type(arg.default) is not Lit for arg in pending):
            self.emit(indent, f"{defaults} = Frame({args}, {{}}, {frame}.inherited, {comp.name!r})")
        for arg in pending:
            if arg.default is not None:
                value = self.value(arg.default, defaults)
            else:
                value = "[]" if arg.kind.is_list else "None"
            self.emit(indent, f"{args}[{arg.name!r}] = {value}")
        inherited = f"i{len(self.lines)}"
        self.emit(indent, f"{inherited} = dict({frame}.inherited)")
        self.emit(indent, f"{inherited}.update((k, v) for k, v in {args}.items() if v is not None)")
        self.emit(
            indent,
            f"{function}(R, Frame({args}, {{}}, {inherited}, {comp.name!r}), out, "
            f"{depth} + {level + 1})",
        )

    def component(self, name: str) -> None:
        """A component body's function: ``depth`` is the walker's depth at its invocation."""
        comp = self.doc.components[name]
        self.emit(0, f"def {self.functions[name]}(R, f, out, depth):")
        self.emit(1, "state = R.state")
        self.emit(1, "PT = R.plan_tags")
        assert comp.body is not None
        self.emit(1, f"if depth + {self.levels(comp.body) - 1} > MAX_DEPTH: raise Fallback")
        self.node(comp.body, "f", "depth", 0, 1)


_SCALARS = frozenset({str, int, float, bool, type(None)})


def _environment(renderer: Renderer, value: Any) -> None:
    """A value the browser would draw again on its own (a responsive length, an image with a
    dark variant): noted like the walker does, so the page turns out interactive."""
    from fastn.ftd.render.html import environment_reads

    for name in environment_reads({"": value}):
        renderer.state.touch(name)


def _text_html(renderer: Renderer, text: Any) -> str:
    if text is None:
        return ""
    text = str(text)
    html = markdown_to_html(text)
    if html != text and html != plain_text_html(text):
        renderer.markdown[text] = html
    return html


def _number_html(value: Any) -> str:
    return "" if value is None else escape(number(value))


def _invoke_walker(
    renderer: Renderer, node: Node, frame: Frame, out: list[str], depth: int
) -> None:
    renderer.depth = depth
    renderer.shown(node, frame, out, ())
