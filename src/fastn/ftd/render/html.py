"""Server-side rendering: the document model -> a complete HTML page (the initial state).

The element tree follows fastn's (same tags, nesting and classes a user could observe); CSS
of kernel attributes goes to generated classes collected in ``<style id="styles">``.

A page that can change in the browser (it has event handlers, or shows something that depends
on the device or the colour scheme) is also *interactive*: it carries hydration markers (a
``data-id`` on elements that can change, comments around conditional, looped and UI-valued
parts), the document model as JSON and the runtime script (:mod:`fastn.runtime`), which
attaches to this HTML instead of drawing it again. Other pages get none of that.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import cache
from html import escape
from pathlib import Path
from typing import Any

from fastn.ftd import code as code_highlight
from fastn.ftd.builtins import default_colors, default_types
from fastn.ftd.errors import FtdError
from fastn.ftd.expr import is_truthy
from fastn.ftd.markdown import markdown_to_html, slugify
from fastn.ftd.model import UI, Document, ListExpr, Lit, Node, Ref
from fastn.ftd.render import compiled
from fastn.ftd.render.css import (
    CONVERTERS,
    CssClass,
    StyleSheet,
    aligned,
    css_class,
    forget_values,
    number,
)
from fastn.ftd.render.evaluate import BoundUI, Frame, State, evaluate, resolve_ref
from fastn.ftd.values import OrValue, RecordValue
from fastn.runtime import model as runtime_model
from fastn.runtime import runtime_url

_CONTAINERS = {"ftd#column": "ft_column", "ftd#row": "ft_row", "ftd#container": None}
_TEXT_KERNELS = {"ftd#text", "ftd#integer", "ftd#decimal", "ftd#boolean"}
# Kernel attributes that are not turned into CSS (the browser runtime reads this too).
NOT_CSS = {
    "text",
    "value",
    "children",
    "colors",
    "types",
    "id",
    "classes",
    "link",
    "open-in-new-tab",
    "rel",
    "download",
    "region",
    "src",
    "alt",
    "css",
    "js",
    "format",
    "lang",
    "theme",
    "show-line-number",
    "placeholder",
    "default-value",
    "multiline",
    "enabled",
    "max-length",
    "type",
    "autofocus",
    "checked",
    "controls",
    "loop",
    "autoplay",
    "muted",
    "poster",
    "youtube",
    "srcdoc",
    "loading",
    "fetch-priority",
    "align-content",
    "link-color",
}


# Mutable globals the browser changes by itself: reading one makes a page interactive.
_ENVIRONMENT = frozenset(
    {"ftd#device", "ftd#dark-mode", "ftd#system-dark-mode", "ftd#follow-system-dark-mode"}
)


class _Mark(str):
    """A piece of output that only interactive pages keep (a hydration marker)."""

    __slots__ = ()


_REGION_START = _Mark("<!--f?-->")
_REGION_END = _Mark("<!--f/-->")
_LOOP_START = _Mark("<!--f[-->")
_LOOP_ITEM = _Mark("<!--f,-->")
_LOOP_END = _Mark("<!--f]-->")


class _Styles(StyleSheet):
    """The page's stylesheet, also telling declarations -> class to the browser."""

    @property
    def named(self) -> dict[str, str]:
        """class -> declarations key (runtime_model.css_key): only interactive pages need it."""
        return {name: entry.css_key for name, entry in self._entries.items()}


# Classes every page or many elements have.
_WRAPPER_W = CssClass("w", {"": {"width": "100%"}})
_WRAPPER_H = CssClass("h", {"": {"height": "100%"}})
_POINTER = CssClass("cur", {"": {"cursor": "pointer"}})


# The Rive runtime, which fastn loads for a page with an `ftd.rive` (the same version).
RIVE_SCRIPT = "https://unpkg.com/@rive-app/canvas@1.0.98"


@dataclass(slots=True)
class Head:
    """What the document contributes to ``<head>``."""

    title: str | None = None
    meta: list[tuple[str, str, str]] = field(default_factory=list)  # (attr, name, content)
    favicon: str | None = None
    stylesheets: list[str] = field(default_factory=list)
    scripts: list[str] = field(default_factory=list)
    # web components' scripts: modules, run after the runtime that gives them their data
    modules: list[str] = field(default_factory=list)
    code_themes: set[str] = field(default_factory=set)


class Renderer:
    """Renders one document (one request): holds the state, the stylesheet and the head."""

    def __init__(
        self,
        doc: Document,
        processors: dict[str, Any] | None = None,
        runtime: bool | None = None,
    ):
        self.doc = doc
        self.state = State(doc, processors)
        self.runtime = runtime  # None: when the page is interactive
        self.styles = _Styles()
        self.head = Head()
        self.depth = 0
        self.has_events = False
        self.needs_runtime = False  # parts only the runtime brings to life (web components, Rive)
        self.element_ids = 0
        self.web_components = 0  # `args` of each web component: its index on the page
        # what the browser cannot redo alone: rendered markdown and highlighted code
        self._markdown: dict[str, str] = {}  # every text drawn with markdown -> its HTML
        self.code: dict[str, dict[str, Any]] = {}
        # id(KernelPlan) -> the opening tag of its elements (when it is the same on the page)
        self.plan_tags: dict[int, str] = {}
        # (id(KernelPlan), its CssClass per CSS property...) -> the opening tag
        self.computed_tags: dict[tuple, str] = {}
        self.walked = True  # some of the page is drawn by walking the tree (it has markers)

    @property
    def markdown(self) -> dict[str, str]:
        """Texts whose HTML the browser could not make alone (markdown) -> their HTML."""
        return {
            text: html
            for text, html in self._markdown.items()
            if html != text and html != runtime_model.plain_text_html(text)
        }

    @property
    def interactive(self) -> bool:
        """Whether the page can change in the browser, so that it needs the runtime."""
        if self.runtime is not None:
            return self.runtime
        return (
            self.has_events
            or self.needs_runtime
            or not _ENVIRONMENT.isdisjoint(self.state.mutable_reads)
        )

    # ------------------------------------------------------------ page

    def body(self, program: compiled.Program | None = None) -> str:
        """The page's body: walking the tree, or running the document's compiled `program`."""
        root = Frame(inherited={"colors": default_colors(), "types": default_types()})
        out: list[str] = []
        self.walked = program is None
        if program is not None:
            program(self, root, out)
        else:
            for node in self.doc.tree:
                self.node(node, root, out)
        wrapper = self.styles.class_of(_WRAPPER_W)
        wrapper_h = self.styles.class_of(_WRAPPER_H)
        keep_marks = self.interactive
        if keep_marks or not self.walked:  # compiled code writes no markers
            inner = "".join(out)
        else:
            inner = "".join([part for part in out if type(part) is not _Mark])
        root = ' data-id="0"' if keep_marks else ""
        return f'<div{root} class="ft_column {wrapper} {wrapper_h}">{inner}</div>'

    # ------------------------------------------------------------ tree

    def node(self, node: Node, frame: Frame, out: list[str], extra_events: tuple = ()) -> None:
        if node.loop is not None:
            before = self.state.touches
            items = self._node_value(node, node.loop.items, frame) or []
            live_loops = frame.live_loops
            if self.state.touches != before:
                live_loops = live_loops | {node.loop.alias}  # the index reads it too
            out.append(_LOOP_START)
            for index, item in enumerate(items):
                loops = {**frame.loops, node.loop.alias: (item, index)}
                if node.loop.index:
                    loops[node.loop.index] = (index, index)
                inner = Frame(
                    frame.args,
                    loops,
                    frame.inherited,
                    frame.component,
                    frame.live_args,
                    live_loops,
                    frame.live_inherited,
                )
                out.append(_LOOP_ITEM)
                self._single(node, inner, out, extra_events)
            out.append(_LOOP_END)
        elif node.condition is None:
            self.shown(node, frame, out, extra_events)
        else:
            self._single(node, frame, out, extra_events)

    def _single(self, node: Node, frame: Frame, out: list[str], extra_events: tuple) -> None:
        if node.condition is not None:
            out.append(_REGION_START)
            if is_truthy(self._node_value(node, node.condition, frame)):
                self.shown(node, frame, out, extra_events)
            elif node.component == "ftd#code":
                self._hidden_code(node, frame)
            out.append(_REGION_END)
            return
        self.shown(node, frame, out, extra_events)

    def code_block(self, props: dict[str, Any]) -> dict[str, Any]:
        """An `ftd.code` block highlighted: its `<pre>` classes, `data-line` and `<code>`;
        the page gets its theme's stylesheet, the runtime the block (to show it again)."""
        theme = props.get("theme") or code_highlight.DEFAULT_THEME
        block = code_highlight.highlight(
            str(props.get("text") or ""),
            props.get("lang"),
            theme,
            bool(props.get("show-line-number")),
        )
        self.head.code_themes.add(theme)
        code_classes = " ".join(block.code_classes)
        key = runtime_model.code_key(
            props.get("text"), props.get("lang"), theme, props.get("show-line-number")
        )
        self.code[key] = {
            "pre": list(block.pre_classes),
            "line": block.data_line,
            "html": f'<code class="{code_classes}">{block.inner_html}</code>',
        }
        return self.code[key]

    def _hidden_code(self, node: Node, frame: Frame) -> None:
        """A code block hidden now by its `if:` (the light one while the page is dark):
        highlighted all the same, so the browser shows it as the server would."""
        before = self.state.touches
        try:
            self.code_block(
                {
                    name: evaluate(node.props[name], frame, self.state)
                    for name in ("text", "lang", "theme", "show-line-number")
                    if name in node.props
                }
            )
        except FtdError:
            pass  # a value it cannot have now: the browser shows its plain lines
        finally:
            self.state.touches = before

    def _node_value(self, node: Node, value: Any, frame: Frame) -> Any:
        """A node's loop list or condition; an error in it points at the node."""
        try:
            return evaluate(value, frame, self.state)
        except FtdError as e:
            raise e.located(node.doc_id, node.line) from None

    def shown(self, node: Node, frame: Frame, out: list[str], extra_events: tuple) -> None:
        self.depth += 1
        if self.depth > 200:
            raise FtdError(
                "component nesting is too deep (recursion without an end?)", node.doc_id, node.line
            )
        try:
            if node.component is None:
                out.append(_REGION_START)
                value = evaluate(node.ui, frame, self.state)
                self._ui(value, frame, out, (*extra_events, *node.events))
                out.append(_REGION_END)
                return
            comp = self.doc.components[node.component]
            if comp.body is None:
                self._kernel_node(node, frame, out, extra_events)
                return
            args, live = self._arguments(comp, node, frame)
            given = {name: value for name, value in args.items() if value is not None}
            inherited = {**frame.inherited, **given}
            live_inherited = frame.live_inherited
            if live_inherited or live:
                live_inherited = frozenset(
                    {*(live_inherited - given.keys()), *(live & given.keys())}
                )
            inner = Frame(args, {}, inherited, comp.name, live, frame.live_loops, live_inherited)
            self.node(comp.body, inner, out, (*extra_events, *node.events))
        except FtdError as e:
            e.located(node.doc_id, node.line)
            raise
        finally:
            self.depth -= 1

    def _kernel_node(self, node: Node, frame: Frame, out: list[str], extra_events: tuple) -> None:
        """A kernel invocation: its properties, and whether the element can change."""
        plan = kernel_plan(node)
        if (
            (plan.plain or plan.extended)
            and not extra_events
            and self._plain_kernel(node, plan, frame, out)
        ):
            return
        state = self.state
        before = state.touches
        props: dict[str, Any] = {}
        live_props: set[str] = set()
        for name, value in node.props.items():
            start = state.touches
            props[name] = evaluate(value, frame, state)
            if state.touches != start:
                live_props.add(name)
        for name in environment_reads(props):
            state.touch(name)
        has_events = bool(node.events or extra_events)
        self.has_events = self.has_events or has_events
        element = _ElementInfo(
            clickable=_clicks(node, extra_events),
            live=has_events or state.touches != before,
            live_props=frozenset(live_props),
        )
        self.kernel(node.component or "", props, frame, out, element, node)

    def _plain_kernel(self, node: Node, plan: KernelPlan, frame: Frame, out: list[str]) -> bool:
        """The common element, drawn from its plan: a text or a container whose values do not
        change in the browser. False (nothing written) when this one turns out to be live."""
        props = plan.constants
        if plan.dynamic:
            state = self.state
            before = state.touches
            props = dict(props)
            for name, value in plan.dynamic:
                props[name] = found = (
                    resolve_ref(value, frame, state)
                    if type(value) is Ref
                    else evaluate(value, frame, state)
                )
                if type(found) not in _NOT_ENVIRONMENT and _environment_names(found):
                    state.touches = before  # the general path evaluates again
                    return False
            if state.touches != before:
                state.touches = before
                return False
        if plan.computed_css:
            opening = self._computed_tag(plan, props)
        else:
            opening = self.plan_tags.get(id(plan))
            if opening is None:
                opening = self.plan_tags[id(plan)] = self.opening_tag(plan, props)
        if plan.image:  # as `kernel` draws it
            attrs = _image_attributes(props)
            _add_id(attrs, props)
            out.append(f"<img{_attributes(attrs)}{opening[4:]}")  # classes after `<div`
            return True
        closing = "</div>"
        if plan.extended:  # the tag and attributes as `kernel` gives them
            tag, attrs = ("div", []) if plan.container else _text_tag(props)
            _add_id(attrs, props)
            tag = _linked(tag, attrs, props)
            if attrs or tag != "div":
                opening = f"<{tag}{_attributes(attrs)}{opening[4:]}"  # after `<div`
                closing = f"</{tag}>"
        out.append(opening)
        if plan.child_nodes is not None:  # written in place: they share this frame
            for child in plan.child_nodes:
                self.node(child, frame, out)
        elif plan.container:
            self.children(props, frame, out)
        else:
            out.append(self._text_content(node.component or "", props))
        out.append(closing)
        return True

    def _computed_tag(self, plan: KernelPlan, props: dict[str, Any]) -> str:
        """`opening_tag` of a plan with CSS properties known only now: the same classes
        (the same values, often) give the same tag on the page."""
        key: list[Any] = [id(plan)]
        for prop, entry in plan.css:
            if entry is None:
                value = props.get(prop)
                if value is not None:
                    entry = (
                        aligned(value, plan.row)
                        if prop == "align-content"
                        else css_class(prop, value)
                    )
            key.append(entry)  # hashed by identity, and kept alive by the key
        found = self.computed_tags.get(tuple(key))
        if found is None:
            found = self.computed_tags[tuple(key)] = self.opening_tag(plan, props)
        return found

    def opening_tag(self, plan: KernelPlan, props: dict[str, Any]) -> str:
        classes = list(plan.classes)
        styles = self.styles
        for prop, entry in plan.css:
            if entry is None:
                value = props.get(prop)
                if value is None:
                    continue
                entry = (
                    aligned(value, plan.row) if prop == "align-content" else css_class(prop, value)
                )
                if entry is None:
                    continue
            classes.append(styles.class_of(entry))
        return f'<div class="{" ".join(classes)}">' if classes else "<div>"

    def _ui(self, value: Any, frame: Frame, out: list[str], events: tuple) -> None:
        if isinstance(value, BoundUI):
            bound = value.frame
            ui_frame = Frame(
                bound.args,
                bound.loops,
                frame.inherited,
                bound.component,
                bound.live_args,
                bound.live_loops,
                frame.live_inherited,
            )
            self.node(value.node, ui_frame, out, events)
        elif isinstance(value, list):
            for item in value:
                self._ui(item, frame, out, events)

    def _arguments(
        self, comp: Any, node: Node, frame: Frame
    ) -> tuple[dict[str, Any], frozenset[str]]:
        """The component's argument values, and which of them are live (mutable included)."""
        state = self.state
        args: dict[str, Any] = {}
        live: set[str] = set()
        pending = []
        for arg in comp.args:
            if arg.name in node.props:
                before = state.touches
                args[arg.name] = evaluate(node.props[arg.name], frame, state)
                if arg.mutable or state.touches != before:
                    live.add(arg.name)
            else:
                pending.append(arg)
        # defaults may refer to other arguments of the same component
        inner = None
        for arg in pending:
            if arg.default is not None:  # made only when some default needs it
                inner = Frame(
                    args,
                    {},
                    frame.inherited,
                    comp.name,
                    frozenset(live),
                    frame.live_loops,
                    frame.live_inherited,
                )
                break
        for arg in pending:
            if arg.default is not None:
                before = state.touches
                args[arg.name] = evaluate(arg.default, inner, state)
                if arg.mutable or state.touches != before:
                    live.add(arg.name)
            else:
                args[arg.name] = [] if arg.kind.is_list else None
                if arg.mutable:
                    live.add(arg.name)
        return args, frozenset(live)

    def children(
        self,
        props: dict[str, Any],
        frame: Frame,
        out: list[str],
        live_props: frozenset[str] = frozenset(),
    ) -> None:
        inherited = frame.inherited
        live_inherited = frame.live_inherited
        for key in ("colors", "types"):
            if props.get(key) is not None:
                inherited = {**inherited, key: props[key]}
                if key in live_props:
                    live_inherited = live_inherited | {key}
                else:
                    live_inherited = live_inherited - {key}
        for child in props.get("children") or []:
            if isinstance(child, BoundUI):
                bound = child.frame
                child_frame = Frame(
                    bound.args,
                    bound.loops,
                    inherited,
                    bound.component,
                    bound.live_args,
                    bound.live_loops,
                    live_inherited,
                )
                self.node(child.node, child_frame, out)

    # ------------------------------------------------------------ kernels

    def kernel(
        self,
        name: str,
        props: dict[str, Any],
        frame: Frame,
        out: list[str],
        element: _ElementInfo,
        node: Node,
    ) -> None:
        if name in ("ftd#desktop", "ftd#mobile"):
            out.append(_REGION_START)
            device = self.state.get("ftd#device")
            if isinstance(device, OrValue) and device.variant == name[4:]:
                self.children(props, frame, out, element.live_props)
            out.append(_REGION_END)
            return
        if name == "ftd#document":
            self._document(props, frame, out, element.live_props)
            return
        classes: list[str] = []
        tag = "div"
        attrs: list[tuple[str, str]] = []
        inner = ""
        if name in _CONTAINERS:
            if _CONTAINERS[name]:
                classes.append(_CONTAINERS[name])
        elif name in _TEXT_KERNELS:
            inner = self._text_content(name, props)
            tag, attrs = _text_tag(props)
        elif name == "ftd#image":
            tag = "img"
            attrs = _image_attributes(props)
        elif name == "ftd#code":
            tag = "pre"
            block = self.code_block(props)
            classes.extend(block["pre"])
            if block["line"]:
                attrs.append(("data-line", block["line"]))
            inner = block["html"]
        elif name == "ftd#iframe":
            tag = "iframe"
            src = props.get("src")
            if props.get("youtube"):
                src = f"https://youtube.com/embed/{props['youtube']}"
            if src:
                attrs.append(("src", str(src)))
            if props.get("srcdoc") is not None:
                attrs.append(("srcdoc", str(props["srcdoc"])))
            if props.get("loading") is not None:
                attrs.append(("loading", str(props["loading"].value)))
            attrs.append(("allowfullscreen", ""))
        elif name in ("ftd#video", "ftd#audio"):
            tag = name[4:]
            attrs.append(("src", _light(props.get("src"))))
            for flag in ("controls", "loop", "autoplay", "muted"):
                if props.get(flag):
                    attrs.append((flag, "true"))
            if props.get("poster") is not None:
                attrs.append(("poster", _light(props["poster"])))
        elif name == "ftd#text-input":
            tag = "textarea" if props.get("multiline") else "input"
            if props.get("placeholder") is not None:
                attrs.append(("placeholder", str(props["placeholder"])))
            value = (
                props.get("value") if props.get("value") is not None else props.get("default-value")
            )
            if tag == "input":
                if props.get("type") is not None:
                    attrs.append(("type", str(props["type"].variant)))
                if value is not None:
                    attrs.append(("value", str(value)))
            elif value is not None:
                inner = escape(str(value))
            if props.get("enabled") is False:
                attrs.append(("disabled", ""))
            if props.get("max-length") is not None:
                attrs.append(("maxlength", number(props["max-length"])))
            if props.get("autofocus"):
                attrs.append(("autofocus", ""))
        elif name == "ftd#checkbox":
            tag = "input"
            attrs.append(("type", "checkbox"))
            if props.get("checked"):
                attrs.append(("checked", ""))
            if props.get("enabled") is False:
                attrs.append(("disabled", ""))
        elif name == "ftd#rive":
            tag = "canvas"
            if RIVE_SCRIPT not in self.head.scripts:  # the runtime plays it with Rive's library
                self.head.scripts.append(RIVE_SCRIPT)
            self.needs_runtime = True
        elif name in (
            "ftd#json",
            "ftd#response",
            *REDIRECTS,
        ):
            return
        else:
            comp = self.doc.components.get(name)
            if comp is not None and comp.web_js is not None:
                self.head.modules.extend(j for j in comp.web_js if j not in self.head.modules)
                self.needs_runtime = True  # its script reads its arguments from the runtime
                tag = name.split("#", 1)[1]
                out.append(f'<{tag} args="{self.web_components}"></{tag}>')
                self.web_components += 1
                return
            raise FtdError(f"cannot render `{name}`")

        _add_id(attrs, props)
        for extra_class in props.get("classes") or []:
            classes.append(str(extra_class))
        if element.clickable:
            classes.append(self.styles.class_of(_POINTER))
        styles = self.styles
        for prop, value in props.items():
            if value is None or prop in NOT_CSS or prop not in CONVERTERS:
                continue
            entry = css_class(prop, value)
            if entry is not None:
                classes.append(styles.class_of(entry))
        if props.get("align-content") is not None:
            entry = aligned(props["align-content"], name == "ftd#row")
            if entry is not None:
                classes.append(styles.class_of(entry))
        for url in props.get("css") or []:
            if url not in self.head.stylesheets:
                self.head.stylesheets.append(str(url))
        for url in props.get("js") or []:
            if url not in self.head.scripts:
                self.head.scripts.append(str(url))
        link = props.get("link")
        tag = _linked(tag, attrs, props)
        if classes:
            attrs.append(("class", " ".join(classes)))
        attr_text = _attributes(attrs)
        if tag == "img" and link is not None:
            tag, attr_text, inner = _linked_image(attr_text, props)
        out.append(f"<{tag}")
        if element.live:
            self.element_ids += 1
            out.append(_Mark(f' data-id="{self.element_ids}"'))
        out.append(f"{attr_text}>")
        if tag in ("img", "input"):
            return
        if name in _CONTAINERS:
            self.children(props, frame, out, element.live_props)
        else:
            out.append(inner)
        out.append(f"</{tag}>")

    def _text_content(self, name: str, props: dict[str, Any]) -> str:
        if name == "ftd#text":
            text = props.get("text")
            if text is None:
                return ""
            text = str(text)
            html = self._markdown[text] = markdown_to_html(text)
            return html
        value = props.get("value")
        if value is None:
            return ""
        return escape(number(value))

    def _document(
        self, props: dict[str, Any], frame: Frame, out: list[str], live_props: frozenset[str]
    ) -> None:
        head = self.head
        head.title = props.get("title")
        for attr, key, prop in _DOCUMENT_META:
            value = props.get(prop)
            if isinstance(value, RecordValue):
                value = value.get("src")
            if value is not None:
                head.meta.append((attr, key, str(value)))
        theme = props.get("theme-color")
        if isinstance(theme, RecordValue):
            head.meta.append(("name", "theme-color", str(theme.get("light"))))
        favicon = props.get("favicon")
        if isinstance(favicon, RecordValue):
            head.favicon = str(favicon.get("src"))
        breakpoint = props.get("breakpoint")
        if isinstance(breakpoint, RecordValue):
            self.state.values["ftd#breakpoint-width"] = breakpoint
        out.append('<div class="ft_column ft_full_size">')
        self.children(props, frame, out, live_props)
        out.append("</div>")


LINK_REL = {"no-follow": "nofollow"}


# Properties a plain element may have besides CSS ones: its content.
_PLAIN_CONTENT = frozenset({"text", "value", "children"})
# and the attributes an extended one may have (see KernelPlan.extended)
_EXTENDED = frozenset({"link", "open-in-new-tab", "id", "region", "align-content"})
_IMAGE = frozenset({"src", "alt", "fetch-priority", "id"})


@dataclass(slots=True)
class KernelPlan:
    """What can be known about a kernel node before rendering it (kept on the node)."""

    plain: bool  # text or container, no events, only CSS and content properties
    # not plain only for its link, id, region (a text) or align-content: drawn like plain
    extended: bool
    image: bool  # an extended ftd.image: src, alt, fetch-priority and id besides CSS
    row: bool  # an ftd.row (align-content)
    container: bool
    constants: dict[str, Any]  # properties given as constants: their values
    dynamic: tuple[tuple[str, Any], ...]  # other properties: (name, value expression)
    classes: tuple[str, ...]  # fixed classes (ft_row)
    # CSS properties in order: (name, its class), None when the value is only known at
    # rendering; align-content, after the others, in an extended plan
    css: tuple[tuple[str, CssClass | None], ...]
    computed_css: bool  # some CSS property is not a constant
    child_nodes: tuple[Node, ...] | None  # children written in place (not passed in a value)


def kernel_plan(node: Node) -> KernelPlan:
    """The node's plan, made at its first rendering."""
    plan = node.render_plan
    if plan is None:
        plan = node.render_plan = _plan_kernel(node)
    return plan


def _plan_kernel(node: Node) -> KernelPlan:
    name = node.component or ""
    container = name in _CONTAINERS
    constants: dict[str, Any] = {}
    dynamic: list[tuple[str, Any]] = []
    css: list[tuple[str, CssClass | None]] = []
    plain = (container or name in _TEXT_KERNELS) and not node.events
    image = name == "ftd#image" and not node.events
    extended = (plain and not _EXTENDED.isdisjoint(node.props)) or image
    allowed = _IMAGE if image else _EXTENDED
    align = None
    child_nodes = None
    for prop, value in node.props.items():
        if (
            prop == "children"
            and type(value) is ListExpr
            and all(type(v) is UI for v in value.items)
        ):
            child_nodes = tuple(item.node for item in value.items)
            continue
        is_css = prop not in NOT_CSS and prop in CONVERTERS
        if not (is_css or prop in _PLAIN_CONTENT):
            plain = False
            if prop not in allowed:
                extended = False
        elif image and not is_css:  # content an image does not show
            extended = False
        if prop == "align-content":
            align = value
        if type(value) is Lit:
            constants[prop] = value.value
            if is_css and value.value is not None:
                entry = css_class(prop, value.value)
                if entry is not None:
                    css.append((prop, entry))
        else:
            dynamic.append((prop, value))
            if is_css:
                css.append((prop, None))
    if image:
        plain = False
    if environment_reads(constants):
        plain = extended = False
    if extended and align is not None:  # the last class, as `kernel` gives it
        if type(align) is not Lit:
            css.append(("align-content", None))
        elif align.value is not None:
            entry = aligned(align.value, name == "ftd#row")
            if entry is not None:
                css.append(("align-content", entry))
    return KernelPlan(
        plain,
        extended,
        image,
        name == "ftd#row",
        container,
        constants,
        tuple(dynamic),
        (_CONTAINERS[name],) if _CONTAINERS.get(name) else (),
        tuple(css),
        any(entry is None for _, entry in css),
        child_nodes,
    )


@dataclass(slots=True)  # not frozen: one is made per element, and frozen ones cost more
class _ElementInfo:
    """About a kernel element beyond its properties."""

    clickable: bool  # has an on-click handler (fastn adds `cursor: pointer`)
    live: bool  # can change in the browser: marked for hydration
    live_props: frozenset[str]  # properties whose value came from mutable state


def environment_reads(props: dict[str, Any]) -> list[str]:
    """Browser state the runtime reads to draw these properties (responsive lengths, images
    with a dark variant)."""
    names: list[str] = []
    for value in props.values():
        kind = type(value)
        if kind in _NOT_ENVIRONMENT:
            continue
        found = _environment_names(value)
        if found:
            names.extend(found)
    return names


def _environment_names(value: Any) -> tuple[str, ...]:
    """`environment_reads` of one value that is not a scalar."""
    if type(value) is OrValue:  # small, and often made again: not remembered
        if type(value.value) in _SCALARS:  # a length in pixels...
            responsive = value.variant == "responsive" and value.type_name == "ftd#length"
            return _DEVICE if responsive else ()
        return _DEVICE if _has_responsive_length(value) else ()
    found = _ENVIRONMENT_OF.get(id(value))
    if found is None:
        found = _environment_of(value)
    return found[1]


_DEVICE = ("ftd#device",)


def _environment_of(value: Any) -> tuple[Any, tuple[str, ...]]:
    """`environment_reads` of one value, remembered with the value (so that its id stays its
    own): the same records (a type, a colour) come back element after element, page after
    page, and values do not change once made."""
    names = []
    if _has_responsive_length(value):
        names.append("ftd#device")
    if (
        isinstance(value, RecordValue)
        and "dark" in value
        and value.get("dark") not in (None, value.get("light"))
        and value.type_name in ("ftd#image-src", "ftd#video-src")
    ):
        names.append("ftd#dark-mode")
    found = (value, tuple(names))
    if len(_ENVIRONMENT_OF) >= _ENVIRONMENT_LIMIT:
        _ENVIRONMENT_OF.clear()  # values from data are new at every rendering
    _ENVIRONMENT_OF[id(value)] = found
    return found


_ENVIRONMENT_OF: dict[int, tuple[Any, tuple[str, ...]]] = {}
_ENVIRONMENT_LIMIT = 10_000


def _forget_values() -> None:
    """Empty the caches keyed by values (`_ENVIRONMENT_OF`, css.css_class)."""
    _ENVIRONMENT_OF.clear()
    forget_values()


_SCALARS = frozenset({str, int, float, bool, type(None)})
_NOT_ENVIRONMENT = _SCALARS | {list, BoundUI}  # values environment_reads skips


def _has_responsive_length(value: Any) -> bool:
    if isinstance(value, OrValue):
        if value.variant == "responsive" and value.type_name == "ftd#length":
            return True
        return _has_responsive_length(value.value)
    if isinstance(value, RecordValue):
        return any(_has_responsive_length(v) for v in value.values())
    return False


def _clicks(node: Node, extra_events: tuple) -> bool:
    """A clickable element gets ``cursor: pointer`` like in fastn."""
    if not node.events and not extra_events:
        return False
    return any(e.name == "click" for e in (*node.events, *extra_events))


_DOCUMENT_META = [
    ("property", "og:title", "og-title"),
    ("name", "twitter:title", "twitter-title"),
    ("name", "description", "description"),
    ("property", "og:description", "og-description"),
    ("name", "twitter:description", "twitter-description"),
    ("property", "og:image", "og-image"),
    ("name", "twitter:image", "twitter-image"),
    ("name", "facebook-domain-verification", "facebook-domain-verification"),
]


_URL_ATTRIBUTES = frozenset({"href", "src", "poster"})
_IGNORED_IN_URLS = str.maketrans("", "", "\t\n\r")  # browsers drop these anywhere in a URL
_C0_OR_SPACE = "".join(map(chr, range(0x21)))  # and these at either end
BLOCKED_URL = "about:blank#blocked"
_SAFE_STARTS = ("/", "#", "https:", "http:")  # a URL starting so has no script scheme


def _text_tag(props: dict[str, Any]) -> tuple[str, list[tuple[str, str]]]:
    """A text's tag and attributes: a `region` makes it a heading with the text's slug."""
    region = props.get("region")
    if isinstance(region, OrValue):
        return str(region.value), [("id", slugify(str(props.get("text") or "")))]
    return "div", []


def _image_attributes(props: dict[str, Any]) -> list[tuple[str, str]]:
    attrs = [("src", _light(props.get("src")))]
    if props.get("alt") is not None:
        attrs.append(("alt", str(props["alt"])))
    if props.get("fetch-priority") is not None:
        attrs.append(("fetchpriority", str(props["fetch-priority"].value)))
    return attrs


def _add_id(attrs: list[tuple[str, str]], props: dict[str, Any]) -> None:
    if props.get("id") is not None:
        attrs.insert(0, ("id", str(props["id"])))


def _linked(tag: str, attrs: list[tuple[str, str]], props: dict[str, Any]) -> str:
    """The tag of an element with its `link` (a `<div>` becomes an `<a>`, its link attributes
    added to `attrs`); other tags keep theirs (an image goes inside a link later)."""
    link = props.get("link")
    if link is None or tag != "div":
        return tag
    attrs.append(("href", str(link)))
    if props.get("open-in-new-tab"):
        attrs.append(("target", "_blank"))
    rel = props.get("rel") or []
    if rel:
        attrs.append(("rel", " ".join(LINK_REL.get(r.variant, r.variant) for r in rel)))
    if props.get("download") is not None:
        attrs.append(("download", str(props["download"])))
    return "a"


def _attributes(attrs: list[tuple[str, str]]) -> str:
    return "".join(
        f' {k}="{escape(safe_url(v) if k in _URL_ATTRIBUTES else v)}"' if v != "" else f" {k}"
        for k, v in attrs
    )


def _linked_image(image_attributes: str, props: dict[str, Any]) -> tuple[str, str, str]:
    """(tag, attributes, content) of a linked image: as in fastn, the image (its classes
    too) goes inside a link, which a click follows."""
    attrs = [("href", str(props["link"]))]
    if props.get("open-in-new-tab"):
        attrs.append(("target", "_blank"))
    return "a", _attributes(attrs), f"<img{image_attributes}>"


def safe_url(url: str) -> str:
    """A URL that runs script when followed or loaded (`javascript:`, `vbscript:`, however the
    browser would read it) becomes a blank page; data can put any text in `link` or `src`."""
    if url.startswith(_SAFE_STARTS):
        return url
    scheme = url.translate(_IGNORED_IN_URLS).strip(_C0_OR_SPACE).partition(":")[0].lower()
    return BLOCKED_URL if scheme in ("javascript", "vbscript") else url


def _light(value: Any) -> str:
    if isinstance(value, RecordValue):
        return str(value.get("light") or "")
    return "" if value is None else str(value)


@cache
def base_stylesheet() -> str:
    """fastn-py's base stylesheet, inlined in every page: without it rows stack, borders are
    invisible and the browser's own margins shift everything (see base.css). Its comments and
    line breaks are left out: they would double what every page carries."""
    css = (Path(__file__).parent / "base.css").read_text(encoding="utf-8")
    return " ".join(re.sub(r"/\*.*?\*/", "", css, flags=re.DOTALL).split())


def render_page(
    doc: Document,
    processors: dict[str, Any] | None = None,
    runtime: bool | None = None,
    favicon: str | None = None,
    font_faces: str = "",
) -> str:
    """A whole HTML page for ``doc``.

    ``runtime``: load the browser runtime (None: only when the page is interactive);
    ``favicon``: the package's, for a page whose ``ftd.document`` names none;
    ``font_faces``: the ``@font-face`` rules of the package's fonts.
    """
    if doc.updates:  # it changes values in place (State.get): caches keyed by values forget
        _forget_values()
        try:
            renderer, body = _body(doc, processors, runtime)
        finally:
            _forget_values()
    else:
        renderer, body = _body(doc, processors, runtime)
    runtime = renderer.interactive
    head = renderer.head
    stylesheet = renderer.styles.css()
    parts = [
        "<!DOCTYPE html>\n<html>\n<head>\n",
        '<meta charset="UTF-8">\n<meta content="fastn" name="generator">\n',
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n',
    ]
    if head.title is not None:
        parts.append(f"<title>{escape(str(head.title))}</title>\n")
    for attr, key, content in head.meta:
        parts.append(f'<meta {attr}="{escape(key)}" content="{escape(content)}">\n')
    favicon = head.favicon or favicon
    if favicon:
        parts.append(f'<link rel="icon" href="{escape(favicon)}">\n')
    parts.append(f"<style>{base_stylesheet()}</style>\n")  # before the package's own CSS
    if font_faces:
        parts.append(f"<style>\n{font_faces}\n</style>\n")
    for url in head.stylesheets:
        parts.append(f'<link rel="stylesheet" href="{escape(url)}">\n')
    scripts = head.scripts + (_function_scripts(renderer) if runtime else [])
    for url in dict.fromkeys(scripts):
        parts.append(f'<script src="{escape(url)}"></script>\n')
    for theme in sorted(head.code_themes):
        parts.append(f"<style>{code_highlight.theme_css(theme)}</style>\n")
    if runtime:
        parts.append(f'<script src="{runtime_url()}" defer></script>\n')
    for url in head.modules:
        parts.append(f'<script src="{escape(url)}" type="module"></script>\n')
    parts.append("</head>\n<body>")
    if runtime or "body.dark " in stylesheet or "body.mobile " in stylesheet:
        breakpoint = renderer.state.values.get("ftd#breakpoint-width")
        parts.append(runtime_model.boot_script(breakpoint, runtime))
    parts.append(body)
    if runtime:
        parts.append(runtime_model.model_script(runtime_model.page_model(renderer)))
    parts.append(_FULL_HEIGHT_SCRIPT)
    parts.append(f'</body>\n<style id="styles">\n{stylesheet}\n</style>\n</html>\n')
    return "".join(parts)


# As on fastn's pages, the body is as tall as the page's content when that is taller than the
# window, so that `height: fill-container` columns (a page's background) cover all of it.
_FULL_HEIGHT_SCRIPT = (
    "<script>(function(){function f(){var b=document.body;b.style.height='100%';"
    "b.style.height='max('+document.documentElement.scrollHeight+'px, 100%)'}"
    'addEventListener("load",f);addEventListener("resize",f)})()</script>'
)

# A document rendered this many times gets a compiled program (a build renders each once).
COMPILE_AFTER = 1


def _body(
    doc: Document, processors: dict[str, Any] | None, runtime: bool | None
) -> tuple[Renderer, str]:
    """The page's renderer and body: drawn by the document's compiled program when it has
    one and the page stays static, else by walking the tree."""
    if runtime is None:
        program = doc.render_program
        if program is None and doc.renders >= COMPILE_AFTER:
            program = doc.render_program = compiled.program(doc) or False
        doc.renders += 1
        if program:
            renderer = Renderer(doc, processors, runtime)
            try:
                body = renderer.body(program)
            except Exception:  # noqa: BLE001 - the walker renders it, or raises the located error
                pass
            else:
                if not renderer.interactive:
                    return renderer, body
    renderer = Renderer(doc, processors, runtime)
    body = renderer.body()
    if runtime is None and doc.render_program is None and renderer.interactive:
        # A program draws static pages only: this document's (fastn.com: most, a third of
        # them served at two URLs) would be compiled and tried for nothing.
        doc.render_program = False
    return renderer, body


def _function_scripts(renderer: Renderer) -> list[str]:
    """The files of functions written in JavaScript (``js:``), which the browser calls."""
    urls = []
    for fn in renderer.doc.functions.values():
        for entry in fn.js:
            if entry.startswith("$"):
                name = f"{fn.name.partition('#')[0]}#{entry[1:]}"
                if name not in renderer.doc.variables:
                    continue
                entry = str(renderer.state.get(name))
            urls.append(entry)
    return urls


def render_payload(doc: Document) -> tuple[str, str, int] | None:
    """Documents with ``ftd.json`` / ``ftd.response`` answer with that payload, not a page.

    Returns (body, content type, status), or None for an ordinary page.
    """
    for node in doc.tree:
        if node.component not in ("ftd#json", "ftd#response"):
            continue
        state = Renderer(doc).state
        props = {name: evaluate(value, Frame(), state) for name, value in node.props.items()}
        if node.component == "ftd#json":
            data = _jsonable(props.get("data") or {})
            return json.dumps(data, sort_keys=True, separators=(",", ":")), "application/json", 200
        content_type = str(props.get("content-type") or "text/html")
        return str(props.get("response") or ""), content_type, int(props.get("status-code") or 200)
    return None


# ftd.redirect (the older kernel, with `code:`) and the two that fix the status
REDIRECTS = {"ftd#permanent-redirect": 308, "ftd#temporary-redirect": 307, "ftd#redirect": None}


def render_redirect(doc: Document) -> tuple[str, int] | None:
    """(URL, status) of the document's first redirect whose condition holds, else None."""
    state = None
    for node in doc.tree:
        if node.component not in REDIRECTS:
            continue
        state = state or Renderer(doc).state
        if node.condition is not None and not is_truthy(evaluate(node.condition, Frame(), state)):
            continue
        props = {name: evaluate(value, Frame(), state) for name, value in node.props.items()}
        status = REDIRECTS[node.component] or int(props.get("code") or 308)
        return str(props.get("url") or "/"), status
    return None


def _jsonable(value: Any) -> Any:
    if isinstance(value, OrValue):
        return _jsonable(value.value)
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    return value
