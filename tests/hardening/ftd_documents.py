"""Hypothesis strategies for ftd documents: grammar-aware generation and corpus mutations.

The generator writes documents the way people do (and get wrong): variables, lists,
records, or-types, components, functions, imports (of modules that may not exist),
invocations of kernel and user components with headers, conditions, loops and events,
bodies, comments — then damages the layout (indentation, tabs, CRLF, missing `-- end`).
Names come from a small pool so that references often, but not always, resolve.
"""

from __future__ import annotations

from hypothesis import strategies as st

NAMES = ("x", "name", "count", "flag", "items", "person", "card", "f", "open", "bar-baz", "ui")
FIELDS = ("name", "age", "title", "children", "text", "value", "light", "dark", "0", "1")
TYPES = ("person", "status", "point")
IMPORTABLE = ("lib", "lib/inner", "other/deep/mod")  # modules a package may have
MODULES = (*IMPORTABLE, "missing", "foo", "ftd", "fastn", "lib as l")
PRIMITIVE_KINDS = ("string", "integer", "decimal", "boolean")
KINDS = (
    *PRIMITIVE_KINDS,
    "caption",
    "body",
    "caption string",
    "body string",
    "caption or body string",
    "optional string",
    "optional integer",
    "string list",
    "integer list",
    "boolean list",
    "ftd.color",
    "ftd.length",
    "ftd.resizing",
    "ftd.image-src",
    "ftd.type-data",
    "ftd.color-scheme",
    "ftd.background",
    "ftd.ui",
    "ftd.ui list",
    "children",
    "object",
    "module",
    "void",
    "list",
    "optional",
    "caption integer",
    *TYPES,
    "person list",
    "optional person",
)
KERNELS = (
    "ftd.text",
    "ftd.integer",
    "ftd.decimal",
    "ftd.boolean",
    "ftd.column",
    "ftd.row",
    "ftd.container",
    "ftd.image",
    "ftd.code",
    "ftd.iframe",
    "ftd.video",
    "ftd.audio",
    "ftd.text-input",
    "ftd.checkbox",
    "ftd.document",
    "ftd.desktop",
    "ftd.mobile",
    "ftd.json",
    "ftd.response",
    "ftd.rive",
    "ftd.temporary-redirect",
)
HEADERS = (
    "text",
    "value",
    "color",
    "background.solid",
    "background",
    "padding.px",
    "padding-horizontal.rem",
    "margin.percent",
    "width",
    "width.fixed.px",
    "height.fixed.calc",
    "min-width.fixed.responsive",
    "border-width.px",
    "border-color",
    "border-radius.px",
    "spacing.fixed.px",
    "spacing",
    "align-content",
    "align-self",
    "role",
    "region",
    "id",
    "classes",
    "link",
    "open-in-new-tab",
    "rel",
    "src",
    "alt",
    "css",
    "js",
    "lang",
    "theme",
    "format",
    "placeholder",
    "type",
    "multiline",
    "enabled",
    "checked",
    "style",
    "text-align",
    "white-space",
    "z-index",
    "opacity",
    "anchor",
    "top.px",
    "shadow",
    "display",
    "overflow",
    "cursor",
    "sticky",
    "wrap",
    "line-clamp",
    "resize",
    "text-transform",
    "title",
    "data",
    "response",
    "content-type",
    "status-code",
    "url",
    "colors",
    "types",
    "youtube",
    "srcdoc",
    "fit",
    "children",
    "breakpoint",
    "favicon",
    "og-image",
    "name",
    "age",
)
EVENTS = ("click", "mouse-enter", "mouse-leave", "change", "input", "global-key[ctrl-a]", "blur")
REFERENCES = (
    "inherited.colors.text",
    "inherited.colors.background.base",
    "inherited.types.heading-large",
    "inherited.types.copy-small",
    "ftd.dark-mode",
    "ftd.device",
    "ftd.empty",
    "ftd.space",
    "ftd.nbsp",
    "LOOP.COUNTER",
    "fastn-assets.files.images.logo.png",
)
ENUM_WORDS = (
    "top-left",
    "center",
    "fill-container",
    "hug-content",
    "h1",
    "h7",
    "email",
    "no-follow",
    "bold",
    "italic",
    "fastn-theme.dark",
    "ftd",
    "rust",
    "auto",
    "red",
    "#ff0",
    "rgba(0,0,0,0.5)",
    "calc(100% - 10px)",
)
MARKUP = (
    "<script>window.__pwned = 1</script>",
    "<b>bold</b>",
    "[link](javascript:alert(1))",
    "`code <i>`",
    "```\nfenced\n```",
    "**strong** _em_ ~~del~~",
    "| a | b |\n|---|---|\n| 1 | 2 |",
    "- [ ] task\n- [x] done",
    "https://example.com?a=1&b=2",
    "&amp; &lt; &#x27;",
    "\\-- escaped section",
    "\\;; not a comment",
    "a ;; comment",
    "{ $x }",
    "$x",
    "$ftd",
    "\u202eevil\u202c",
    "emoji \U0001f600 and \u0000 nul",
    "line\r\nbreak",
    "\t\ttabbed",
)

OPERATORS = ("+", "-", "*", "/", "%", "==", "!=", ">", "<=", "&&", "||", "=")
CALLED = ("len", "ftd.append", "ftd.is_empty", "ftd.toggle", "f", "nope")
ODDITIES = (
    ";; a comment",
    "/-- ftd.text: commented out",
    "\\-- ftd.text: escaped",
    "-- end: ftd.column",
    "-- end:",
    "--",
    "-- :",
    "-- ftd.text",
    "-- ftd.text:: double",
    "--  ftd.text: two spaces",
    "-- ftd.text.color: red",
    "-- ftd.column.children:",
    "-- $count: 3",
    "-- $flag: { !flag }",
    "-- $items: $items",
    "-- person.name: Bob",
    "plain text before any section",
    "\ufeff-- ftd.text: bom",
    "-- ftd.text: a\x00b",
)


def _one_line(text: str) -> str:
    return text.replace("\n", " ").replace("\r", " ")


def _quoted(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _path(head: str, tail: list[str]) -> str:
    return ".".join([head, *tail])


def _call(function: str, arguments: list[str]) -> str:
    return f"{function}({', '.join(arguments)})"


def _event_call(function: str, arguments: list[tuple[str, str]]) -> str:
    return f"${function}(" + ", ".join(f"{name} = {value}" for name, value in arguments) + ")"


def _lines(head: str, headers: list[str], body: str | None, children: list[str]) -> list[str]:
    lines = [head, *headers]
    if body is not None:
        lines += ["", body]
    for child in children:
        lines += ["", child]
    return lines


names = st.sampled_from(NAMES)
kinds = st.one_of(st.sampled_from(KINDS), st.text(max_size=12).map(_one_line))
mutability = st.sampled_from(("", "", "$"))
words = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=20).map(
    _one_line
)
paths = st.builds(
    _path,
    st.one_of(names, st.sampled_from(REFERENCES), st.sampled_from(("", ".", "x..y"))),
    st.lists(st.sampled_from(FIELDS), max_size=2),
)
atoms = st.one_of(
    paths,
    paths.map("$".__add__),
    st.integers(-(10**20), 10**20).map(str),
    st.floats().map(repr),
    words.map(_quoted),
    st.sampled_from(('"unterminated', "true", "false", "NULL", "()", "[1, 2]", "$", "#")),
)
expressions = st.recursive(
    atoms,
    lambda inner: st.one_of(
        st.builds("{} {} {}".format, inner, st.sampled_from(OPERATORS), inner),
        inner.map("!{}".format),
        inner.map("({})".format),
        st.builds(_call, st.sampled_from(CALLED), st.lists(inner, max_size=3)),
        st.lists(inner, min_size=2, max_size=3).map("; ".join),
    ),
    max_leaves=5,
)
values = st.one_of(
    words,
    st.integers(-(10**6), 10**6).map(str),
    st.sampled_from(("true", "false", "0.5", "-1", "1e400", "NULL", "", " ")),
    st.sampled_from(ENUM_WORDS),
    st.sampled_from(MARKUP).map(_one_line),
    paths.map("${}".format),
    expressions.map("{{ {} }}".format),
    expressions.map("{{{}".format),  # never closed
    st.builds(_event_call, names, st.lists(st.tuples(names, expressions), max_size=2)),
)
optional_values = st.one_of(st.just(""), values.map(" {}".format))
bodies = st.one_of(st.none(), st.none(), values, st.sampled_from(MARKUP))
plain_header = st.builds("{}: {}".format, st.sampled_from(HEADERS), values)
header_lines = st.lists(
    st.one_of(
        plain_header,
        plain_header,
        plain_header,
        expressions.map("if: {{ {} }}".format),
        st.builds("for: {} in ${}".format, names, paths),
        st.builds("$loop$: ${} as ${}".format, paths, names),
        st.builds("$on-{}$: {}".format, st.sampled_from(EVENTS), values),
        st.builds("{} if {{ {} }}: {}".format, st.sampled_from(HEADERS), expressions, values),
        st.builds("{} {}: {}".format, kinds, names, values),
        words,  # a stray line where a header should be
    ),
    max_size=4,
)


def _invocation(
    name: str, caption: str, headers: list[str], body: str | None, children: list[str], end: int
) -> str:
    """`end`: 0 no `-- end`, 1 one naming another section, else the proper one if needed."""
    lines = _lines(f"-- {name}:{caption}", headers, body, children)
    if end == 1:
        lines += ["", "-- end: x"]
    elif end > 1 and (children or end == 2):
        lines += ["", f"-- end: {name}"]
    return "\n".join(lines)


_invoked = st.one_of(
    st.sampled_from(KERNELS), st.sampled_from(KERNELS), names, st.sampled_from(TYPES)
)
_ends = st.integers(0, 6)
invocations = st.recursive(
    st.builds(_invocation, _invoked, optional_values, header_lines, bodies, st.just([]), _ends),
    lambda children: st.builds(
        _invocation,
        _invoked,
        optional_values,
        header_lines,
        bodies,
        st.lists(children, max_size=3),
        _ends,
    ),
    max_leaves=5,
)


def _list_variable(
    kind: str, mutable: str, name: str, items: list[tuple[str, list[str]]], end: int
) -> str:
    lines = [f"-- {kind} list {mutable}{name}:", ""]
    for value, headers in items:
        lines += [f"-- {kind}: {value}", *headers, ""]
    if end:
        lines.append(f"-- end: {mutable}{name}")
    return "\n".join(lines)


def _variable(
    kind: str,
    mutable: str,
    name: str,
    value: str,
    headers: list[str],
    processor: str | None,
    body: str | None,
) -> str:
    if processor:
        headers = [*headers, f"$processor$: {processor}"]
    return "\n".join(_lines(f"-- {kind} {mutable}{name}: {value}", headers, body, []))


def _record(keyword: str, name: str, fields: list[tuple[str, str, str]], end: int) -> str:
    lines = [f"-- {keyword} {name}:"]
    for kind, field, default in fields:
        if keyword == "or-type":  # variants are sub-sections
            lines += ["", f"-- {kind} {field}:{default}"]
        else:
            lines.append(f"{kind} {field}:{default}")
    if end:
        lines += ["", f"-- end: {name}"]
    return "\n".join(lines)


def _component(
    name: str, arguments: list[tuple[str, str, str, str]], body: list[str], end: int
) -> str:
    lines = _lines(
        f"-- component {name}:",
        [f"{kind} {mutable}{field}:{default}" for kind, mutable, field, default in arguments],
        None,
        body,
    )
    if end:
        lines += ["", f"-- end: {name}"]
    return "\n".join(lines)


def _function(kind: str, name: str, parameters: list[tuple[str, str, str]], body: list[str]) -> str:
    lines = [f"-- {kind} {name}({', '.join(p for _, _, p in parameters)}):"]
    lines += [f"{kind} {mutable}{parameter}:" for kind, mutable, parameter in parameters]
    return "\n".join([*lines, "", *body])


def _import(module: str, exposing: str | None, export: str | None) -> str:
    lines = [f"-- import: {module}"]
    if exposing:
        lines.append(f"exposing: {exposing}")
    if export:
        lines.append(f"export: {export}")
    return "\n".join(lines)


_ended = st.integers(0, 5)  # 0: the `-- end` is missing
sections = st.one_of(
    invocations,
    invocations,
    st.builds(
        _variable,
        kinds,
        mutability,
        names,
        values,
        header_lines,
        st.sampled_from((None,) * 9 + ("pr.http", "pr.sql", "nope")),
        bodies,
    ),
    st.builds(
        _list_variable,
        st.sampled_from((*PRIMITIVE_KINDS, *TYPES, "ftd.ui")),
        mutability,
        names,
        st.lists(st.tuples(values, header_lines), max_size=3),
        _ended,
    ),
    st.builds(
        _record,
        st.sampled_from(("record", "record", "or-type", "type")),
        st.sampled_from(TYPES),
        st.lists(st.tuples(kinds, st.sampled_from(FIELDS), optional_values), max_size=4),
        _ended,
    ),
    st.builds(
        _component,
        names,
        st.lists(
            st.tuples(kinds, mutability, st.sampled_from(FIELDS), optional_values), max_size=4
        ),
        st.lists(invocations, max_size=2),
        _ended,
    ),
    st.builds(
        _function,
        kinds,
        names,
        st.lists(st.tuples(kinds, mutability, names), max_size=3, unique_by=lambda p: p[2]),
        st.lists(st.one_of(expressions, st.sampled_from(MARKUP)), min_size=1, max_size=2),
    ),
    st.builds(
        _import,
        st.sampled_from(MODULES),
        st.one_of(st.none(), names),
        st.one_of(st.none(), st.none(), st.sampled_from(("*", *NAMES))),
    ),
    st.sampled_from(ODDITIES),
    st.builds("-- ${}: {}".format, names, values),
)


# ------------------------------------------------------------------ plausible documents

# Declarations a document may start with; the invocations below refer to them.
PRELUDE = (
    "-- integer $count: 3",
    "-- boolean $flag: true",
    "-- string $name: Alice",
    "-- decimal ratio: 0.5",
    "-- string list items:\n\n-- string: one\n-- string: two <b>\n\n-- end: items",
    "-- record person:\ncaption name:\ninteger age: 30\n\n-- end: person",
    "-- person list people:\n\n-- person: Ann\nage: 4\n\n-- person: Bob\n\n-- end: people",
    "-- or-type status:\n\n-- integer code:\n-- string label: on\n\n-- end: status",
    "-- status current: $status.label",
    "-- ftd.color accent:\nlight: red\ndark: blue",
    "-- integer add(a, b):\ninteger a:\ninteger b:\n\na + b",
    '-- string greet(who):\nstring who:\n\n"hello " + who',
    "-- component card:\ncaption title:\noptional body description:\nboolean $open: false\n\n"
    "-- ftd.column:\n$on-click$: $ftd.toggle($a = $card.open)\n\n-- ftd.text: $card.title\n"
    "color if { card.open }: red\n\n-- ftd.text: $card.description\n"
    "if: { card.description != NULL }\n\n-- end: ftd.column\n\n-- end: card",
)
PLAUSIBLE_VALUES = {
    "color": ("red", "#123456", "$inherited.colors.text", "$accent", "rgba(1, 2, 3, 0.5)"),
    "background.solid": ("yellow", "$inherited.colors.background.step-1", "$accent"),
    "role": ("$inherited.types.copy-small", "$inherited.types.heading-large"),
    "padding.px": ("10", "$count", "{ count * 2 }", "-4"),
    "margin.rem": ("0.5", "$ratio"),
    "padding.calc": ("100% - 10px",),
    "width": ("fill-container", "hug-content", "auto"),
    "width.fixed.px": ("40", "$count"),
    "height.fixed.percent": ("20",),
    "border-width.px": ("1",),
    "border-color": ("blue", "$accent"),
    "border-radius.px": ("4",),
    "opacity": ("0.5", "$ratio"),
    "z-index": ("3",),
    "text-align": ("center", "end"),
    "style": ("bold", "italic, underline"),
    "white-space": ("nowrap", "pre"),
    "text-transform": ("uppercase",),
    "display": ("inline", "block"),
    "overflow": ("hidden", "auto"),
    "cursor": ("pointer",),
    "anchor": ("parent", "window"),
    "top.px": ("3",),
    "region": ("h1", "h3"),
    "link": ("https://example.com/a?b=1&c=2", "/about/", "javascript:alert(1)", "$name"),
    "open-in-new-tab": ("true",),
    "id": ("main", "$name"),
    "classes": ("a, b",),
    "spacing.fixed.px": ("4",),
    "spacing": ("space-between",),
    "align-content": ("center", "top-left"),
    "wrap": ("true",),
    "sticky": ("true",),
    "line-clamp": ("2",),
    "if": ("{ flag }", "{ count > 2 }", "{ !flag && count == 3 }", '{ name == "Alice" }'),
    "$on-click$": (
        "$ftd.toggle($a = $flag)",
        "$ftd.increment($a = $count)",
        "$ftd.set-string($a = $name, v = Bob)",
    ),
}
KERNEL_EXTRAS = {
    "ftd.text": ("text: <i>hi</i> **there**",),
    "ftd.integer": ("format: {}",),
    "ftd.image": ("alt: a picture", "fit: cover"),
    "ftd.code": ("lang: rust", "lang: ftd", "theme: fastn-theme.light"),
    "ftd.iframe": ("loading: lazy",),
    "ftd.text-input": (
        "placeholder: Your name",
        "type: email",
        "multiline: true",
        "$on-input$: $ftd.set-string($a = $name, v = $VALUE)",
    ),
    "ftd.checkbox": ("checked: $flag", "$on-change$: $ftd.set-bool($a = $flag, v = $CHECKED)"),
    "ftd.document": ("title: <script>x</script>", "description: about"),
    "card": ("open: true",),
}
CONTAINERS = ("ftd.column", "ftd.row", "ftd.container", "ftd.document", "ftd.desktop", "ftd.mobile")
LEAVES = (
    "ftd.text",
    "ftd.text",
    "ftd.integer",
    "ftd.decimal",
    "ftd.boolean",
    "ftd.image",
    "ftd.code",
    "ftd.iframe",
    "ftd.text-input",
    "ftd.checkbox",
    "card",
)
TEXTS = (*MARKUP, "$name", "$greet(who = $name)", "Hello", "{ name }", "$items.0", "$current")
CAPTIONS = {  # what each component takes as its caption
    "ftd.integer": ("$count", "42", "$add(a = $count, b = 2)", "{ count + 1 }"),
    "ftd.decimal": ("$ratio", "1.5", "{ ratio * 2 }"),
    "ftd.boolean": ("$flag", "true", "{ !flag }"),
    "ftd.image": ("https://example.com/a.png", "javascript:alert(1)", "$name"),
    "ftd.iframe": ("https://example.com/", "javascript:alert(1)"),
    "ftd.text-input": ("",),
    "ftd.checkbox": ("",),
}

TEXTUAL = frozenset({"text-align", "style", "display", "line-clamp"})
LAYOUT = frozenset({"spacing.fixed.px", "spacing", "align-content", "wrap"})
COMMON = frozenset(PLAUSIBLE_VALUES) - TEXTUAL - LAYOUT
TEXT_KERNELS = ("ftd.text", "ftd.integer", "ftd.decimal", "ftd.boolean", "ftd.code")
ACCEPTED = {  # the headers of PLAUSIBLE_VALUES each component takes
    **{name: COMMON | TEXTUAL for name in (*TEXT_KERNELS, "ftd.text-input")},
    **{name: COMMON | LAYOUT for name in ("ftd.column", "ftd.row")},
    **{name: COMMON for name in ("ftd.container", "ftd.image", "ftd.iframe", "ftd.checkbox")},
    **{name: frozenset({"if", "$on-click$"}) for name in ("ftd.document", "ftd.desktop", "card")},
    "ftd.mobile": frozenset({"if", "$on-click$"}),
}


def headers_for(name: str) -> st.SearchStrategy[list[str]]:
    """Headers that fit component `name`, and now and then one that does not."""
    fitting = st.sampled_from(sorted(ACCEPTED[name])).flatmap(
        lambda key: st.sampled_from(PLAUSIBLE_VALUES[key]).map(f"{key}: {{}}".format)
    )
    return st.lists(st.one_of(*[fitting] * 19, plain_header), max_size=4)


HEADERS_FOR = {name: headers_for(name) for name in ACCEPTED}


def _plausible_leaf(name: str, caption: str, headers: list[str], extras: list[str]) -> str:
    if name == "ftd.code":
        return "\n".join([f"-- {name}:", *headers, *extras, "", caption])
    if name == "card" and caption.startswith("$items"):
        headers = ["for: $item in $items", *headers]
        caption = "$item"
    if name == "ftd.text" and caption == "$current":
        caption, headers = "$p.name", ["for: $p, i in $people", "margin.px: $i", *headers]
    if "\n" in caption:  # markdown of several lines: the body
        return "\n".join([f"-- {name}:", *headers, *extras, "", caption])
    return "\n".join([f"-- {name}: {caption}", *headers, *extras])


plausible_leaves = st.sampled_from(LEAVES).flatmap(
    lambda name: st.builds(
        _plausible_leaf,
        st.just(name),
        st.sampled_from(CAPTIONS.get(name, TEXTS)),
        HEADERS_FOR[name],
        st.lists(st.sampled_from(KERNEL_EXTRAS.get(name, ("",))), max_size=2, unique=True),
    )
)


def _plausible_container(name: str, headers: list[str], children: list[str]) -> str:
    return "\n\n".join(["\n".join([f"-- {name}:", *headers]), *children, f"-- end: {name}"])


plausible_invocations = st.recursive(
    plausible_leaves,
    lambda children: st.sampled_from(CONTAINERS).flatmap(
        lambda name: st.builds(
            _plausible_container,
            st.just(name),
            HEADERS_FOR[name],
            st.lists(children, min_size=1, max_size=3),
        )
    ),
    max_leaves=6,
)


@st.composite
def plausible_documents(draw: st.DrawFn) -> str:
    """Mostly valid documents (so that rendering is reached), with a wrong value now and then."""
    dropped = draw(st.lists(st.sampled_from(PRELUDE), max_size=2))  # now and then one missing
    prelude = [declaration for declaration in PRELUDE if declaration not in dropped]
    body = draw(st.lists(plausible_invocations, min_size=1, max_size=4))
    return "\n\n".join([*prelude, *body])


@st.composite
def damaged(draw: st.DrawFn, text: str) -> str:
    """Indentation, tabs, CRLF and trailing spaces thrown at a document's lines."""
    lines = text.split("\n")
    for _ in range(draw(st.integers(0, 3))):
        index = draw(st.integers(0, len(lines) - 1))
        damage = draw(st.sampled_from((" ", "    ", "\t", "\r", " \t ")))
        if draw(st.booleans()):
            lines[index] = damage + lines[index]
        else:
            lines[index] += damage
    separator = draw(st.sampled_from(("\n", "\n", "\r\n")))
    return separator.join(lines)


@st.composite
def documents(draw: st.DrawFn) -> str:
    if draw(st.booleans()):
        return draw(plausible_documents())
    parts = draw(st.lists(sections, max_size=6))
    joined = draw(st.sampled_from(("\n\n", "\n", "\n\n\n"))).join(parts)
    return draw(damaged(joined))


@st.composite
def packages(draw: st.DrawFn) -> dict[str, str]:
    """The document `foo` plus modules it may import; absent modules are simply not there."""
    modules = {"foo": draw(documents())}
    for module in draw(st.lists(st.sampled_from(IMPORTABLE), max_size=2, unique=True)):
        modules[module] = draw(documents())
    return modules


# ------------------------------------------------------------------ mutations of real documents

MUTATION_SNIPPETS = (
    "-- ",
    "-- end: ",
    "$",
    "{",
    "}",
    ":",
    "\n",
    "\n\n",
    " ",
    "\t",
    "\\",
    ";;",
    "$x",
)


class Corpus(dict[str, str]):
    """Documents by name; shown by their number (hypothesis prints the strategy's arguments)."""

    def __repr__(self) -> str:
        return f"<{len(self)} corpus documents>"


@st.composite
def mutated(draw: st.DrawFn, corpus: Corpus) -> tuple[str, str]:
    """(case name, text): one corpus document with a few edits of the kinds typing makes."""
    name = draw(st.sampled_from(sorted(corpus)))
    text = corpus[name]
    for _ in range(draw(st.integers(1, 6))):
        lines = text.split("\n")
        line = draw(st.integers(0, max(len(lines) - 1, 0)))
        position = draw(st.integers(0, len(text)))
        operation = draw(st.integers(0, 8))
        if operation == 0:
            if lines:
                del lines[line]
        elif operation == 1:
            lines.insert(line, lines[line] if lines else "")
        elif operation == 2:
            other = draw(st.integers(0, max(len(lines) - 1, 0)))
            if lines:
                lines[line], lines[other] = lines[other], lines[line]
        elif operation == 3:
            if lines:
                lines[line] = draw(st.sampled_from(("  ", "\t", "        "))) + lines[line]
        elif operation == 4:
            end = min(len(text), position + draw(st.integers(1, 40)))
            text = text[:position] + text[end:]
            continue
        elif operation == 5:
            insert = draw(st.one_of(st.sampled_from(MUTATION_SNIPPETS), words, values))
            text = text[:position] + insert + text[position:]
            continue
        elif operation == 6:
            text = text[:position]
            continue
        elif operation == 7:
            lines.insert(line, draw(sections))
        else:
            if lines and ":" in lines[line]:
                key, _, _ = lines[line].partition(":")
                lines[line] = f"{key}: {draw(values)}"
        text = "\n".join(lines)
    return name, text
