"""Kernel attributes -> CSS declarations (spec §6.2/§6.3), and the page's generated classes.

Each attribute has a small converter returning the declarations it produces, grouped by
context: ``""`` (plain), ``"dark"`` (``body.dark .cls``), ``"mobile"`` (``body.mobile .cls``),
``":visited"``, ``"dark:visited"``, ``"code"`` (the `code` inside a text, not in a code
block nor a container), and for ``anchor`` the element it is placed against: ``"parent"``
(the parent of a ``.cls`` element) or ``"#ID"`` (the element with that id).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastn.ftd.values import OrValue, RecordValue

Declarations = dict[str, dict[str, str]]  # context -> {property: value}


def number(value: Any) -> str:
    """A number the way JavaScript prints it (3.0 -> 3)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e21:
            return str(int(value))
        return repr(value)
    return str(value)


def length(value: Any, device: str = "mobile") -> str | None:
    if not isinstance(value, OrValue):
        return None if value is None else str(value)
    v = value.variant
    if v == "px":
        return f"{number(value.value)}px"
    if v == "percent":
        return f"{number(value.value)}%"
    if v == "calc":
        return f"calc({value.value})"
    if v == "responsive":
        rec = value.value
        chosen = rec.get("mobile") if device == "mobile" else rec.get("desktop")
        return length(chosen or rec.get("desktop"), device)
    return f"{number(value.value)}{v}"


def resizing(value: Any) -> str | None:
    if not isinstance(value, OrValue):
        return None
    return {
        "fill-container": "100%",
        "hug-content": "fit-content",
        "auto": "auto",
    }.get(value.variant) or (length(value.value) if value.variant == "fixed" else None)


def color_pair(value: Any) -> tuple[str, str] | None:
    if isinstance(value, RecordValue) and "light" in value:
        light = value.get("light")
        dark = value.get("dark") or light
        return str(light), str(dark)
    if isinstance(value, str):
        return value, value
    return None


def _colored(prop: str, value: Any, important: bool = False, visited: bool = False) -> Declarations:
    pair = color_pair(value)
    if pair is None:
        return {}
    light, dark = pair
    suffix = " !important" if important else ""
    out: Declarations = {"": {prop: light + suffix}}
    if dark != light:
        out["dark"] = {prop: dark + suffix}
    if visited and dark != light:
        out[":visited"] = {prop: light + suffix}
        out["dark:visited"] = {prop: dark + suffix}
    return out


def _plain(prop: str, convert: Callable[[Any], str | None]) -> Callable[[Any], Declarations]:
    def converter(value: Any) -> Declarations:
        css = convert(value)
        return {"": {prop: css}} if css is not None else {}

    return converter


def _multi(
    props: tuple[str, ...], convert: Callable[[Any], str | None]
) -> Callable[[Any], Declarations]:
    def converter(value: Any) -> Declarations:
        css = convert(value)
        return {"": dict.fromkeys(props, css)} if css is not None else {}

    return converter


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, OrValue):
        return str(value.value)
    return number(value)


def _role(value: Any) -> Declarations:
    if not isinstance(value, RecordValue):
        return {}
    desktop = value.get("desktop")
    mobile = value.get("mobile") or desktop
    out: Declarations = {}
    plain = _font(desktop)
    if plain:
        out[""] = plain
    if isinstance(desktop, RecordValue) and desktop.get("font-family"):
        out["code"] = {"font-family": plain["font-family"]}  # fastn: a text's `code` too
    on_mobile = _font(mobile)
    if on_mobile:
        out["mobile"] = on_mobile
    return out


def _font(t: Any) -> dict[str, str]:
    if not isinstance(t, RecordValue):
        return {}
    css: dict[str, str] = {}
    families = t.get("font-family") or []
    if isinstance(families, str):
        families = [families]
    if families:
        css["font-family"] = ", ".join(families)
    else:
        css["font-family"] = "sans-serif"
    for field, prop in (("letter-spacing", "letter-spacing"), ("size", "font-size")):
        if t.get(field) is not None:
            css[prop] = length(t[field]) or ""
    if t.get("weight") is not None:
        css["font-weight"] = number(t["weight"])
    if t.get("line-height") is not None:
        css["line-height"] = length(t["line-height"]) or ""
    return css


_WEIGHTS = {
    "heavy": "900",
    "extra-bold": "800",
    "bold": "700",
    "semi-bold": "600",
    "medium": "500",
    "regular": "400",
    "light": "300",
    "extra-light": "200",
    "hairline": "100",
}


def _style(value: Any) -> Declarations:
    css: dict[str, str] = {}
    for item in value or []:
        name = item.variant if isinstance(item, OrValue) else str(item)
        if name == "italic":
            css["font-style"] = "italic"
        elif name == "underline":
            css["text-decoration"] = "underline"
        elif name == "strike":
            css["text-decoration"] = "line-through"
        elif name in _WEIGHTS:
            css["font-weight"] = _WEIGHTS[name]
    return {"": css} if css else {}


_DIRECTIONS = {
    "left": "270deg",
    "right": "90deg",
    "top": "0deg",
    "bottom": "180deg",
    "top-left": "315deg",
    "top-right": "45deg",
    "bottom-left": "225deg",
    "bottom-right": "135deg",
}


def _gradient(value: RecordValue, dark: bool) -> str:
    direction = value.get("direction")
    if isinstance(direction, OrValue):
        if direction.variant == "angle":
            angle = f"{number(direction.value)}deg"
        elif direction.variant == "turn":
            angle = f"{number(direction.value)}turn"
        else:
            angle = _DIRECTIONS.get(direction.variant, "180deg")
    else:
        angle = "180deg"
    parts = [angle]
    for stop in value.get("colors") or []:
        pair = color_pair(stop.get("color"))
        piece = (pair[1] if dark else pair[0]) if pair else ""
        for key in ("start", "end"):
            if stop.get(key) is not None:
                piece += f" {length(stop[key])}"
        parts.append(piece)
        if stop.get("stop-position") is not None:
            parts.append(length(stop["stop-position"]) or "")
    return f"linear-gradient({', '.join(parts)})"


def _pair(value: Any) -> str | None:
    if isinstance(value, OrValue):
        if isinstance(value.value, RecordValue):
            return f"{length(value.value.get('x'))} {length(value.value.get('y'))}"
        return str(value.value).replace("-", " ")
    return None


def _background(value: Any) -> Declarations:
    if not isinstance(value, OrValue):
        return {}
    if value.variant == "solid":
        return _colored("background-color", value.value)
    if value.variant == "linear-gradient":
        light, dark = _gradient(value.value, False), _gradient(value.value, True)
        out: Declarations = {"": {"background-image": light}}
        if dark != light:
            out["dark"] = {"background-image": dark}
        return out
    if value.variant == "image":
        image = value.value
        pair = color_pair(image.get("src")) or ("", "")
        out = {"": {"background-image": f"url({pair[0]})"}}
        if pair[1] != pair[0]:
            out["dark"] = {"background-image": f"url({pair[1]})"}
        if image.get("repeat") is not None:
            out[""]["background-repeat"] = str(image["repeat"].value)
        if image.get("size") is not None:
            out[""]["background-size"] = _pair(image["size"]) or ""
        if image.get("position") is not None:
            out[""]["background-position"] = _pair(image["position"]) or ""
        return out
    return {}


def _shadow(prop: str, with_spread: bool) -> Callable[[Any], Declarations]:
    def converter(value: Any) -> Declarations:
        if not isinstance(value, RecordValue):
            return {}
        parts = ["inset"] if with_spread and value.get("inset") else []
        keys = (
            ("x-offset", "y-offset", "blur", "spread")
            if with_spread
            else ("x-offset", "y-offset", "blur")
        )
        parts += [length(value.get(k)) or "0px" for k in keys]
        pair = color_pair(value.get("color")) or ("black", "white")
        light = " ".join([*parts, pair[0]])
        dark = " ".join([*parts, pair[1]])
        out: Declarations = {"": {prop: light}}
        if dark != light:
            out["dark"] = {prop: dark}
        return out

    return converter


def _anchor(value: Any) -> Declarations:
    """Placed against its parent or an element by id: as in fastn, that element becomes
    the positioned one (``position: relative``), so ``top``/``left`` count from it."""
    if not isinstance(value, OrValue):
        return {}
    if value.variant == "id":
        return {"": {"position": "absolute"}, f"#{value.value}": {"position": "relative"}}
    if value.variant == "parent":
        return {"": {"position": str(value.value)}, "parent": {"position": "relative"}}
    return {"": {"position": str(value.value)}}


def _spacing(value: Any) -> Declarations:
    if not isinstance(value, OrValue):
        return {}
    if value.variant == "fixed":
        return {"": {"gap": length(value.value) or ""}}
    return {"": {"justify-content": str(value.value)}}


_ALIGN_COLUMN = {
    "top-left": ("start", "start"),
    "top-center": ("start", "center"),
    "top-right": ("start", "end"),
    "left": ("center", "start"),
    "center": ("center", "center"),
    "right": ("center", "end"),
    "bottom-left": ("end", "left"),
    "bottom-center": ("end", "center"),
    "bottom-right": ("end", "end"),
}
_ALIGN_ROW = {
    "top-left": ("start", "start"),
    "top-center": ("center", "start"),
    "top-right": ("end", "start"),
    "left": ("start", "center"),
    "center": ("center", "center"),
    "right": ("right", "center"),
    "bottom-left": ("start", "end"),
    "bottom-center": ("center", "end"),
    "bottom-right": ("end", "end"),
}


def align_content(value: Any, row: bool) -> Declarations:
    if not isinstance(value, OrValue):
        return {}
    justify, align = (_ALIGN_ROW if row else _ALIGN_COLUMN).get(value.variant, ("start", "start"))
    return {"": {"justify-content": justify, "align-items": align}}


def _line_clamp(value: Any) -> Declarations:
    if value is None:
        return {}
    return {
        "": {
            "-webkit-line-clamp": number(value),
            "display": "-webkit-box",
            "overflow": "hidden",
            "-webkit-box-orient": "vertical",
        }
    }


def _backdrop(value: Any) -> Declarations:
    if not isinstance(value, OrValue):
        return {}
    if value.variant == "multi":
        parts = [
            f"{'greyscale' if k == 'grayscale' else k}({length(v)})"
            for k, v in value.value.items()
            if v is not None
        ]
        return {"": {"backdrop-filter": " ".join(parts)}}
    name = "greyscale" if value.variant == "grayscale" else value.variant
    return {"": {"backdrop-filter": f"{name}({length(value.value)})"}}


def _border_style(*sides: str) -> Callable[[Any], Declarations]:
    props = tuple(f"border-{s}-style" for s in sides) if sides else ("border-style",)
    return _multi(props, _text)


# Attributes that are the same-name CSS property of a resizing / a length (the browser
# runtime reads these tables too).
RESIZING_PROPERTIES = ("width", "height", "min-width", "max-width", "min-height", "max-height")
LENGTH_PROPERTIES = (
    "padding",
    "padding-left",
    "padding-right",
    "padding-top",
    "padding-bottom",
    "margin",
    "margin-left",
    "margin-right",
    "margin-top",
    "margin-bottom",
    "border-width",
    "border-top-width",
    "border-bottom-width",
    "border-left-width",
    "border-right-width",
    "border-radius",
    "border-top-left-radius",
    "border-top-right-radius",
    "border-bottom-left-radius",
    "border-bottom-right-radius",
    "top",
    "bottom",
    "left",
    "right",
    "text-indent",
)

CONVERTERS: dict[str, Callable[[Any], Declarations]] = {
    **{p: _plain(p, resizing) for p in RESIZING_PROPERTIES},
    **{p: _plain(p, length) for p in LENGTH_PROPERTIES},
    "padding-horizontal": _multi(("padding-left", "padding-right"), length),
    "padding-vertical": _multi(("padding-top", "padding-bottom"), length),
    "margin-horizontal": _multi(("margin-left", "margin-right"), length),
    "margin-vertical": _multi(("margin-top", "margin-bottom"), length),
    "border-style": _border_style(),
    "border-style-vertical": _border_style("top", "bottom"),
    "border-style-horizontal": _border_style("left", "right"),
    **{f"border-style-{s}": _border_style(s) for s in ("left", "right", "top", "bottom")},
    "border-color": lambda v: _colored("border-color", v),
    **{
        f"border-{s}-color": (lambda p: lambda v: _colored(p, v))(f"border-{s}-color")
        for s in ("top", "bottom", "left", "right")
    },
    "color": lambda v: _colored("color", v, important=True, visited=True),
    "background": _background,
    "role": _role,
    "spacing": _spacing,
    "wrap": lambda v: {"": {"flex-wrap": "wrap" if v else "no-wrap"}} if v is not None else {},
    "align-self": _plain("align-self", _text),
    "anchor": _anchor,
    "sticky": lambda v: {"": {"position": "sticky" if v else "static"}} if v is not None else {},
    "z-index": _plain("z-index", _text),
    "overflow": _plain("overflow", _text),
    "overflow-x": _plain("overflow-x", _text),
    "overflow-y": _plain("overflow-y", _text),
    "opacity": _plain("opacity", _text),
    "cursor": _plain("cursor", _text),
    "resize": lambda v: (
        {"": {"resize": str(v.value), "overflow": "auto"}} if isinstance(v, OrValue) else {}
    ),
    "shadow": _shadow("box-shadow", True),
    "text-shadow": _shadow("text-shadow", False),
    "white-space": _plain("white-space", _text),
    "text-transform": _plain("text-transform", _text),
    "text-align": _plain("text-align", _text),
    "line-clamp": _line_clamp,
    "style": _style,
    "display": _plain("display", _text),
    "selectable": lambda v: {"": {"user-select": "none"}} if v is False else {},
    "backdrop-filter": _backdrop,
    "fit": _plain("object-fit", _text),
    "link-color": lambda v: {},  # applied to <a> descendants; not an own declaration
}


# Characters that would end a declaration or a rule, or the <style> element, if a value (from
# data, e.g. a colour read from a database) contained them: written as CSS escapes, they stay
# inside the value (six hex digits, so no terminating space is needed).
_CSS_VALUE_ESCAPES = str.maketrans({char: f"\\{ord(char):06x}" for char in ";{}<>"})


def css_value(value: str) -> str:
    """A declaration's value made safe to write in a style sheet inside `<style>`."""
    return value.translate(_CSS_VALUE_ESCAPES)


def context_selector(context: str, name: str) -> str:
    """The selector of class `name`'s declarations in `context` (see the module's doc)."""
    if context.startswith("#"):  # an id from the document, as a quoted attribute value
        quoted = context[1:].replace("\\", "\\5c ").replace('"', "\\22 ")
        return f'[id="{css_value(quoted)}"]'
    before, after = _SELECTORS[context]
    return f"{before}{name}{after}"


def declarations_key(declarations: Declarations) -> tuple:
    """Equal declarations, equal keys: the stylesheet's identity of a class."""
    return tuple(sorted((ctx, tuple(sorted(d.items()))) for ctx, d in declarations.items()))


# The rule's selector around its class name, per context of the declarations.
_SELECTORS = {
    "": (".", ""),
    "dark": ("body.dark .", ""),
    "mobile": ("body.mobile .", ""),
    ":visited": (".", ":visited"),
    "dark:visited": ("body.dark .", ":visited"),
    "parent": (":has(> .", ")"),
    "code": (":not(pre, .ft_row, .ft_column).", " code"),
}


class CssClass:
    """Declarations converted once (per process, see :func:`css_class`): their key, and the
    text of their rules around the class name a page gives them."""

    __slots__ = ("_css_key", "_rules", "declarations", "key", "short")

    def __init__(self, short: str, declarations: Declarations):
        self.short = short
        self.declarations = declarations
        self.key = declarations_key(declarations)
        self._rules: tuple[tuple[str, str | None], ...] | None = None
        self._css_key: str | None = None

    @property
    def rules(self) -> tuple[tuple[str, str | None], ...]:
        """(before the class name, after it) per rule; after None: no name in the rule."""
        if self._rules is None:
            self._rules = self._make_rules()
        return self._rules

    def _make_rules(self) -> tuple[tuple[str, str | None], ...]:
        rules: list[tuple[str, str | None]] = []
        for ctx, decls in self.declarations.items():
            body = " ".join(f"{p}: {css_value(v)};" for p, v in decls.items())
            if ctx.startswith("#"):  # no class name in the selector: the whole rule
                rules.append((f"{context_selector(ctx, '')} {{ {body} }}", None))
            else:
                before, after = _SELECTORS[ctx]
                rules.append((before, f"{after} {{ {body} }}"))
        return tuple(rules)

    @property
    def css_key(self) -> str:
        """The declarations as the browser runtime keys them (runtime_model.css_key)."""
        if self._css_key is None:
            from fastn.runtime.model import css_key

            self._css_key = css_key(self.declarations)
        return self._css_key


# (attribute, the value's content: see _content) or (attribute, id of the value) -> (the
# value, kept alive so that its id stays its own; its CssClass, None without CSS)
_CONVERTED: dict[tuple, tuple[Any, CssClass | None]] = {}
# Values from data (a processor's rows) are new objects at every rendering: the cache is
# emptied when it holds this many.
_CONVERTED_LIMIT = 10_000
_HASHED_BY_VALUE = frozenset({str, int, float, bool})


def css_class(prop: str, value: Any) -> CssClass | None:
    """`CONVERTERS[prop](value)` as a CssClass (None: no declarations), converted once per
    value: the same records (a role, a colour) come back element after element, page after
    page. Values are not changed once made, so a value's identity stands for its content."""
    kind = type(value)
    if kind in _HASHED_BY_VALUE:
        key: tuple = (prop, kind, value)
    elif kind is OrValue:  # a length in pixels: made again at each rendering when not constant
        payload = type(value.value)
        if payload in _HASHED_BY_VALUE:
            key = (prop, value.type_name, value.variant, (payload, value.value))
        else:
            content = _content(value)
            key = (prop, id(value)) if content is None else (prop, content)
    else:
        key = (prop, id(value))
        found = _CONVERTED.get(key)
        if found is not None:
            return found[1]
        content = _content(value)  # a record made again (`{…}` in a component): same content
        if content is None:
            entry = _convert(prop, value)
        else:
            found = _CONVERTED.get((prop, content))
            entry = found[1] if found is not None else _convert(prop, value)
            if found is None:
                _remember((prop, content), value, entry)
        _remember(key, value, entry)
        return entry
    found = _CONVERTED.get(key)
    if found is not None:
        return found[1]
    entry = _convert(prop, value)
    _remember(key, value, entry)
    return entry


def _convert(prop: str, value: Any) -> CssClass | None:
    declarations = CONVERTERS[prop](value)
    return CssClass(prop, declarations) if declarations else None


def _remember(key: tuple, value: Any, entry: CssClass | None) -> None:
    if len(_CONVERTED) >= _CONVERTED_LIMIT:
        _CONVERTED.clear()
    _CONVERTED[key] = (value, entry)


def _content(value: Any) -> tuple | None:
    """A hashable picture of a value made of or-values, records, lists and scalars (types
    included: 1 and True differ), None for anything else."""
    kind = type(value)
    if kind in _HASHED_BY_VALUE or value is None:
        return (kind, value)
    if kind is OrValue:
        inner = _content(value.value)
        return None if inner is None else (value.type_name, value.variant, inner)
    if kind is RecordValue or kind is list:
        items = []
        for name, item in value.items() if kind is RecordValue else enumerate(value):
            inner = _content(item)
            if inner is None:
                return None
            items.append((name, inner))
        return (value.type_name if kind is RecordValue else "", *items)
    return None


def aligned(value: Any, row: bool) -> CssClass | None:
    """`align_content(value, row)` as a CssClass, converted once per value (see `css_class`)."""
    key = ("", row, id(value))
    found = _CONVERTED.get(key)
    if found is not None:
        return found[1]
    declarations = align_content(value, row)
    entry = CssClass("ali", declarations) if declarations else None
    if len(_CONVERTED) >= _CONVERTED_LIMIT:
        _CONVERTED.clear()
    _CONVERTED[key] = (value, entry)
    return entry


def forget_values() -> None:
    """Empty the caches keyed by values (for a document that changes values in place)."""
    _CONVERTED.clear()


class StyleSheet:
    """Generated classes of one page: identical declarations share one class."""

    def __init__(self) -> None:
        self._classes: dict[tuple, str] = {}
        self._rules: list[str] = []
        self._entries: dict[str, CssClass] = {}  # class -> the CssClass that made it

    def class_for(self, short: str, declarations: Declarations) -> str:
        return self.class_of(CssClass(short, declarations))

    def class_for_key(self, short: str, key: tuple, declarations: Declarations) -> str:
        """`class_for` with the declarations' key already known (:func:`declarations_key`)."""
        name = self._classes.get(key)
        if name is None:
            name = self.class_of(CssClass(short, declarations))
        return name

    def class_of(self, entry: CssClass) -> str:
        """The page's class for `entry`'s declarations (the first with them names it)."""
        name = self._classes.get(entry.key)
        if name is None:
            name = f"__{entry.short}-{len(self._classes) + 1}"
            self._classes[entry.key] = name
            self._entries[name] = entry
            rules = self._rules
            for before, after in entry.rules:
                rules.append(before if after is None else before + name + after)
        return name

    def css(self) -> str:
        return "\n".join(self._rules)
