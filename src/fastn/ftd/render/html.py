"""Server-side rendering: the document model -> a complete HTML page (the initial state).

The element tree follows fastn's (same tags, nesting and classes a user could observe); CSS
of kernel attributes goes to generated classes collected in ``<style id="styles">``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from html import escape
from typing import Any

from fastn.ftd import code as code_highlight
from fastn.ftd.builtins import default_colors, default_types
from fastn.ftd.errors import FtdError
from fastn.ftd.expr import is_truthy
from fastn.ftd.markdown import markdown_to_html, slugify
from fastn.ftd.model import Document, Node
from fastn.ftd.render.css import CONVERTERS, StyleSheet, align_content, number
from fastn.ftd.render.evaluate import BoundUI, Frame, State, evaluate
from fastn.ftd.values import OrValue, RecordValue

_CONTAINERS = {"ftd#column": "ft_column", "ftd#row": "ft_row", "ftd#container": None}
_TEXT_KERNELS = {"ftd#text", "ftd#integer", "ftd#decimal", "ftd#boolean"}
_NO_CSS = {
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


@dataclass(slots=True)
class Head:
    """What the document contributes to ``<head>``."""

    title: str | None = None
    meta: list[tuple[str, str, str]] = field(default_factory=list)  # (attr, name, content)
    favicon: str | None = None
    stylesheets: list[str] = field(default_factory=list)
    scripts: list[str] = field(default_factory=list)
    code_themes: set[str] = field(default_factory=set)


class Renderer:
    """Renders one document (one request): holds the state, the stylesheet and the head."""

    def __init__(self, doc: Document, processors: dict[str, Any] | None = None):
        self.doc = doc
        self.state = State(doc, processors)
        self.styles = StyleSheet()
        self.head = Head()
        self.depth = 0

    # ------------------------------------------------------------ page

    def body(self) -> str:
        root = Frame(inherited={"colors": default_colors(), "types": default_types()})
        out: list[str] = []
        for node in self.doc.tree:
            self.node(node, root, out)
        wrapper = self.styles.class_for("w", {"": {"width": "100%"}})
        wrapper_h = self.styles.class_for("h", {"": {"height": "100%"}})
        return f'<div class="ft_column {wrapper} {wrapper_h}">{"".join(out)}</div>'

    # ------------------------------------------------------------ tree

    def node(self, node: Node, frame: Frame, out: list[str], extra_events: tuple = ()) -> None:
        if node.loop is not None:
            items = evaluate(node.loop.items, frame, self.state) or []
            for index, item in enumerate(items):
                loops = {**frame.loops, node.loop.alias: (item, index)}
                if node.loop.index:
                    loops[node.loop.index] = (index, index)
                inner = Frame(frame.args, loops, frame.inherited, frame.component)
                self._single(node, inner, out, extra_events)
            return
        self._single(node, frame, out, extra_events)

    def _single(self, node: Node, frame: Frame, out: list[str], extra_events: tuple) -> None:
        if node.condition is not None and not is_truthy(
            evaluate(node.condition, frame, self.state)
        ):
            return
        self.depth += 1
        if self.depth > 200:
            raise FtdError(
                "component nesting is too deep (recursion without an end?)", node.doc_id, node.line
            )
        try:
            if node.component is None:
                value = evaluate(node.ui, frame, self.state)
                self._ui(value, frame, out, (*extra_events, *node.events))
                return
            comp = self.doc.components[node.component]
            if comp.body is None:
                props = {name: evaluate(v, frame, self.state) for name, v in node.props.items()}
                self.kernel(node.component, props, frame, out, _clicks(node, extra_events), node)
                return
            args = self._arguments(comp, node, frame)
            inherited = {**frame.inherited, **{k: v for k, v in args.items() if v is not None}}
            inner = Frame(args, {}, inherited, comp.name)
            self.node(comp.body, inner, out, (*extra_events, *node.events))
        except FtdError as e:
            e.located(node.doc_id, node.line)
            raise
        finally:
            self.depth -= 1

    def _ui(self, value: Any, frame: Frame, out: list[str], events: tuple) -> None:
        if isinstance(value, BoundUI):
            ui_frame = Frame(
                value.frame.args, value.frame.loops, frame.inherited, value.frame.component
            )
            self.node(value.node, ui_frame, out, events)
        elif isinstance(value, list):
            for item in value:
                self._ui(item, frame, out, events)

    def _arguments(self, comp: Any, node: Node, frame: Frame) -> dict[str, Any]:
        args: dict[str, Any] = {}
        pending = []
        for arg in comp.args:
            if arg.name in node.props:
                args[arg.name] = evaluate(node.props[arg.name], frame, self.state)
            else:
                pending.append(arg)
        # defaults may refer to other arguments of the same component
        inner = Frame(args, {}, frame.inherited, comp.name)
        for arg in pending:
            if arg.default is not None:
                args[arg.name] = evaluate(arg.default, inner, self.state)
            else:
                args[arg.name] = [] if arg.kind.is_list else None
        return args

    def children(self, props: dict[str, Any], frame: Frame, out: list[str]) -> None:
        inherited = frame.inherited
        if props.get("colors") is not None or props.get("types") is not None:
            inherited = dict(inherited)
            if props.get("colors") is not None:
                inherited["colors"] = props["colors"]
            if props.get("types") is not None:
                inherited["types"] = props["types"]
        for child in props.get("children") or []:
            if isinstance(child, BoundUI):
                child_frame = Frame(
                    child.frame.args, child.frame.loops, inherited, child.frame.component
                )
                self.node(child.node, child_frame, out)

    # ------------------------------------------------------------ kernels

    def kernel(
        self,
        name: str,
        props: dict[str, Any],
        frame: Frame,
        out: list[str],
        clickable: bool,
        node: Node,
    ) -> None:
        if name in ("ftd#desktop", "ftd#mobile"):
            device = self.state.get("ftd#device")
            if isinstance(device, OrValue) and device.variant == name[4:]:
                self.children(props, frame, out)
            return
        if name == "ftd#document":
            self._document(props, frame, out)
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
            region = props.get("region")
            if isinstance(region, OrValue):
                tag = str(region.value)
                attrs.append(("id", slugify(str(props.get("text") or ""))))
        elif name == "ftd#image":
            tag = "img"
            src = props.get("src")
            attrs.append(("src", _light(src)))
            if props.get("alt") is not None:
                attrs.append(("alt", str(props["alt"])))
            if props.get("fetch-priority") is not None:
                attrs.append(("fetchpriority", str(props["fetch-priority"].value)))
        elif name == "ftd#code":
            tag = "pre"
            theme = props.get("theme") or code_highlight.DEFAULT_THEME
            block = code_highlight.highlight(
                str(props.get("text") or ""),
                props.get("lang"),
                theme,
                bool(props.get("show-line-number")),
            )
            self.head.code_themes.add(theme)
            classes.extend(block.pre_classes)
            if block.data_line:
                attrs.append(("data-line", block.data_line))
            code_classes = " ".join(block.code_classes)
            inner = f'<code class="{code_classes}">{block.inner_html}</code>'
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
        elif name in (
            "ftd#json",
            "ftd#response",
            "ftd#permanent-redirect",
            "ftd#temporary-redirect",
        ):
            return
        else:
            comp = self.doc.components.get(name)
            if comp is not None and comp.web_js is not None:
                self.head.scripts.extend(j for j in comp.web_js if j not in self.head.scripts)
                out.append(f"<{name.split('#', 1)[1]}></{name.split('#', 1)[1]}>")
                return
            raise FtdError(f"cannot render `{name}`")

        if props.get("id") is not None:
            attrs.insert(0, ("id", str(props["id"])))
        for css_class in props.get("classes") or []:
            classes.append(str(css_class))
        if clickable:
            classes.append(self.styles.class_for("cur", {"": {"cursor": "pointer"}}))
        for prop, value in props.items():
            if value is None or prop in _NO_CSS:
                continue
            converter = CONVERTERS.get(prop)
            if converter is None:
                continue
            declarations = converter(value)
            if declarations:
                classes.append(self.styles.class_for(prop, declarations))
        if props.get("align-content") is not None:
            declarations = align_content(props["align-content"], name == "ftd#row")
            if declarations:
                classes.append(self.styles.class_for("ali", declarations))
        for url in props.get("css") or []:
            if url not in self.head.stylesheets:
                self.head.stylesheets.append(str(url))
        for url in props.get("js") or []:
            if url not in self.head.scripts:
                self.head.scripts.append(str(url))
        link = props.get("link")
        if link is not None and tag == "div":
            tag = "a"
            attrs.append(("href", str(link)))
            if props.get("open-in-new-tab"):
                attrs.append(("target", "_blank"))
            rel = props.get("rel") or []
            if rel:
                attrs.append(("rel", " ".join(_REL.get(r.variant, r.variant) for r in rel)))
            if props.get("download") is not None:
                attrs.append(("download", str(props["download"])))
        if classes:
            attrs.append(("class", " ".join(classes)))
        attr_text = "".join(f' {k}="{escape(v)}"' if v != "" else f" {k}" for k, v in attrs)
        if tag in ("img", "input"):
            out.append(f"<{tag}{attr_text}>")
            return
        out.append(f"<{tag}{attr_text}>")
        if name in _CONTAINERS:
            self.children(props, frame, out)
        else:
            out.append(inner)
        out.append(f"</{tag}>")

    def _text_content(self, name: str, props: dict[str, Any]) -> str:
        if name == "ftd#text":
            text = props.get("text")
            return "" if text is None else markdown_to_html(str(text))
        value = props.get("value")
        if value is None:
            return ""
        return escape(number(value))

    def _document(self, props: dict[str, Any], frame: Frame, out: list[str]) -> None:
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
        self.children(props, frame, out)
        out.append("</div>")


_REL = {"no-follow": "nofollow"}


def _clicks(node: Node, extra_events: tuple) -> bool:
    """A clickable element gets ``cursor: pointer`` like in fastn."""
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


def _light(value: Any) -> str:
    if isinstance(value, RecordValue):
        return str(value.get("light") or "")
    return "" if value is None else str(value)


def render_page(doc: Document, processors: dict[str, Any] | None = None, base_css: str = "") -> str:
    """A whole HTML page for ``doc``."""
    renderer = Renderer(doc, processors)
    body = renderer.body()
    head = renderer.head
    parts = [
        "<!DOCTYPE html>\n<html>\n<head>\n",
        '<meta charset="UTF-8">\n<meta content="fastn" name="generator">\n',
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n',
    ]
    if head.title is not None:
        parts.append(f"<title>{escape(str(head.title))}</title>\n")
    for attr, key, content in head.meta:
        parts.append(f'<meta {attr}="{escape(key)}" content="{escape(content)}">\n')
    if head.favicon:
        parts.append(f'<link rel="icon" href="{escape(head.favicon)}">\n')
    for url in head.stylesheets:
        parts.append(f'<link rel="stylesheet" href="{escape(url)}">\n')
    for url in head.scripts:
        parts.append(f'<script src="{escape(url)}"></script>\n')
    if base_css:
        parts.append(f"<style>{base_css}</style>\n")
    for theme in sorted(head.code_themes):
        parts.append(f"<style>{code_highlight.theme_css(theme)}</style>\n")
    parts.append("</head>\n<body>")
    parts.append(body)
    parts.append(f'</body>\n<style id="styles">\n{renderer.styles.css()}\n</style>\n</html>\n')
    return "".join(parts)


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


def _jsonable(value: Any) -> Any:
    if isinstance(value, OrValue):
        return _jsonable(value.value)
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    return value
