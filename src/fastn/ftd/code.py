"""`ftd.code` -> `<pre><code>`, highlighted on the server with Pygments (spec §9.3).

fastn ships the escaped code and lets Prism colour it in the browser.  We colour it
here instead, so pages show highlighted code without JavaScript: the `<code>` holds
Pygments token `<span>`s (inline elements, so the visible text is exactly fastn's),
one `<span class="line">` per line so that `;; <hl>` lines can be marked and line
numbers drawn with CSS counters (generated content is not part of the text), and
`theme_css` scopes a Pygments style under each fastn theme class.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache, lru_cache
from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:  # Pygments is imported by the first code block (~0.02 s at start-up)
    from pygments.lexer import Lexer
    from pygments.token import _TokenType

DEFAULT_THEME = "fastn-theme.dark"
DEFAULT_LANG = "txt"
HIGHLIGHT_MARKER = ";; <hl>"

# fastn theme name -> the Pygments style closest in spirit (background tone and palette);
# fastn's own two themes have their colours below (FASTN_THEMES).
THEME_STYLES: dict[str, str] = {
    "coldark-theme.dark": "nord",
    "coldark-theme.light": "solarized-light",
    "coy-theme": "default",
    "dracula-theme": "dracula",
    "duotone-theme.dark": "paraiso-dark",
    "duotone-theme.earth": "coffee",
    "duotone-theme.forest": "zenburn",
    "duotone-theme.light": "paraiso-light",
    "duotone-theme.sea": "nord-darker",
    "duotone-theme.space": "native",
    "fire.light": "autumn",
    "gruvbox-theme.dark": "gruvbox-dark",
    "gruvbox-theme.light": "gruvbox-light",
    "laserwave-theme": "monokai",
    "material-theme.dark": "material",
    "material-theme.light": "xcode",
    "nightowl-theme": "solarized-dark",
    "one-theme.dark": "one-dark",
    "one-theme.light": "tango",
    "vs-theme.dark": "vim",
    "vs-theme.light": "vs",
    "ztouch-theme": "fruity",
}


@dataclass(frozen=True, slots=True)
class _Frame:
    """How fastn sets out a block in one of the other themes (read off fastn's pages): the
    block's font (size, line height, family), spacing and colours, and the colours of the
    four parts fastn's ftd highlighting groups a section into (`FTD_ROLES`). Tokens of
    other languages take the theme's Pygments style (`THEME_STYLES`)."""

    font: tuple[str, str, str]
    background: str
    color: str
    ftd_roles: tuple[str, str, str, str]
    padding: str = "16px"
    margin: str = "8px 0px"
    radius: str = "0px"
    code_color: str | None = None  # the block's colour, unless set
    pre_more: str = ""  # a few themes draw a border or set the code in (CSS declarations)
    code_more: str = ""


# The four parts of ftd source the other themes colour, in `_Frame.ftd_roles` order: the
# section (its `--`, caption and body), its name and colons, a header's name, its value.
FTD_ROLES: tuple[tuple[str, ...], ...] = (
    ("Punctuation.Marker", "String"),
    ("Name.Builtin", "Name.Function", "Punctuation"),
    ("Name.Attribute",),
    ("Operator", "String.Other"),
)

# Fonts of the themes: (size, line height, family).
_SMALL = ("13px", "normal", "monospace")
_ROBOTO = ("16px", "24px", '"Roboto Mono", monospace')
_FIRA = ("16px", "24px", '"Fira Code", "Fira Mono", Menlo, Consolas, "DejaVu Sans Mono", monospace')
_CONSOLAS = ("16px", "24px", 'Consolas, Monaco, "Andale Mono", monospace')
_CONSOLAS_UBUNTU = ("16px", "24px", 'Consolas, Monaco, "Andale Mono", "Ubuntu Mono", monospace')
_DUOTONE = (
    "14px",
    "19.25px",
    'Consolas, Menlo, Monaco, "Andale Mono WT", "Andale Mono", "Lucida Console",'
    ' "Lucida Sans Typewriter", "DejaVu Sans Mono", "Bitstream Vera Sans Mono",'
    ' "Liberation Mono", "Nimbus Mono L", "Courier New", Courier, monospace',
)

THEME_FRAMES: dict[str, _Frame] = {
    "fire.light": _Frame(
        _SMALL,
        "#f5f2f0",
        "#000000",
        ("#669900", "#999999", "#990055", "#ee9900"),
        padding="13px",
        margin="0px",
    ),
    "material-theme.dark": _Frame(
        _ROBOTO,
        "#2f2f2f",
        "#eeeeee",
        ("#a5e844", "#89ddff", "#ff6666", "#f2ff00"),
        padding="20px 16px",
    ),
    "material-theme.light": _Frame(
        _ROBOTO,
        "#fafafa",
        "#90a4ae",
        ("#f6a434", "#39adb5", "#e53935", "#6182b8"),
        padding="20px 16px",
    ),
    "one-theme.dark": _Frame(
        _FIRA, "#282c34", "#abb2bf", ("#98c379", "#abb2bf", "#e06c75", "#98c379"), radius="4.8px"
    ),
    "one-theme.light": _Frame(
        _FIRA, "#fafafa", "#383a42", ("#50a14f", "#383a42", "#e45649", "#50a14f"), radius="4.8px"
    ),
    "gruvbox-theme.dark": _Frame(
        _CONSOLAS, "#1d2021", "#ebdbb2", ("#b8bb26", "#a89984", "#fabd2f", "#b8bb26")
    ),
    "gruvbox-theme.light": _Frame(
        _CONSOLAS, "#f9f5d7", "#3c3836", ("#797403", "#7c6f64", "#b57614", "#797403")
    ),
    "coldark-theme.light": _Frame(
        _CONSOLAS_UBUNTU, "#e3eaf2", "#111b27", ("#116b00", "#111b27", "#006d6d", "#af00af")
    ),
    "coldark-theme.dark": _Frame(
        _CONSOLAS_UBUNTU, "#111b27", "#e3eaf2", ("#91d076", "#e3eaf2", "#66cccc", "#f4adf4")
    ),
    "duotone-theme.light": _Frame(
        _DUOTONE,
        "#faf8f5",
        "#728fcb",
        ("#728fcb", "#b6ad9a", "#063289", "#728fcb"),
        padding="14px",
        margin="7px 0px",
    ),
    "duotone-theme.dark": _Frame(
        _DUOTONE,
        "#2a2734",
        "#9a86fd",
        ("#ffcc99", "#6c6783", "#e09142", "#ffcc99"),
        padding="14px",
        margin="7px 0px",
    ),
    "duotone-theme.earth": _Frame(
        _DUOTONE,
        "#322d29",
        "#88786d",
        ("#fcc440", "#6a5f58", "#bfa05a", "#fcc440"),
        padding="14px",
        margin="7px 0px",
    ),
    "duotone-theme.forest": _Frame(
        _DUOTONE,
        "#2a2d2a",
        "#687d68",
        ("#e5fb79", "#535f53", "#a2b34d", "#e5fb79"),
        padding="14px",
        margin="7px 0px",
    ),
    "duotone-theme.sea": _Frame(
        _DUOTONE,
        "#1d262f",
        "#57718e",
        ("#47ebb4", "#4a5f78", "#0aa370", "#47ebb4"),
        padding="14px",
        margin="7px 0px",
    ),
    "duotone-theme.space": _Frame(
        _DUOTONE,
        "#24242e",
        "#767693",
        ("#fe8c52", "#5b5b76", "#dd672c", "#fe8c52"),
        padding="14px",
        margin="7px 0px",
    ),
    "vs-theme.light": _Frame(
        (
            "14.4px",
            "17.28px",
            'Consolas, "Bitstream Vera Sans Mono", "Courier New", Courier, monospace',
        ),
        "#ffffff",
        "#393a34",
        ("#a31515", "#393a34", "#800000", "#ff0000"),
        padding="14.4px",
        margin="7.2px 0px",
        pre_more="border: 1px solid #dddddd;",
    ),
    "vs-theme.dark": _Frame(
        (
            "13px",
            "19.5px",
            'Menlo, Monaco, Consolas, "Andale Mono", "Ubuntu Mono", "Courier New", monospace',
        ),
        "#1e1e1e",
        "#d4d4d4",
        ("#ce9178", "#d4d4d4", "#569cd6", "#d16969"),
        padding="13px",
        margin="6.5px 0px",
    ),
    "dracula-theme": _Frame(
        _CONSOLAS_UBUNTU,
        "#282a36",
        "#f8f8f2",
        ("#50fa7b", "#f8f8f2", "#ff79c6", "#ffb86c"),
        radius="4.8px",
    ),
    "coy-theme": _Frame(
        _CONSOLAS_UBUNTU,
        "#fdfdfd",
        "#000000",
        ("#2f9c0a", "#5f6364", "#c92c2c", "#ee9900"),
        padding="0px 16px",
        pre_more="border-left: 10px solid #358ccb;",
    ),
    "laserwave-theme": _Frame(
        _CONSOLAS_UBUNTU,
        "#27212e",
        "#ffffff",
        ("#b4dce7", "#7b6995", "#74dfc4", "#b4dce7"),
        radius="8px",
    ),
    "nightowl-theme": _Frame(
        _CONSOLAS_UBUNTU,
        "#011627",
        "#ffffff",
        ("#addb67", "#c792ea", "#7fdbca", "#d6deeb"),
        code_color="#d6deeb",
    ),
    "ztouch-theme": _Frame(
        ("18px", "25px", "monospace"),
        "#0a143c",
        "#ffffff",
        ("#addb67", "#c792ea", "#7fdbca", "#d6deeb"),
        padding="18px",
        margin="9px 0px",
        code_color="#22da17",
        code_more="margin: 5px 0;",
    ),
}


# Words that open a section (`-- component x:`) or a header (`caption title:`), and how
# fastn's code themes colour them; the rest of a section or header name is its name.
_SECTION_KEYWORDS = ("component", "record", "end", "or-type")
_VALUE_TYPES = ("integer", "boolean", "decimal", "string")
_HEADER_TYPES = re.compile(
    r"(caption or body|body or caption|record|caption|body|integer|boolean|decimal|string)"
    r"(?=\s|$)"
)


def _name_tokens(
    start: int, text: str, leading: re.Pattern[str] | None, name_type: _TokenType
) -> Iterator[tuple[int, _TokenType, str]]:
    """Tokens of a section or header name (`string list $x`, `ftd.text`, `caption title`):
    a leading keyword or type, `ftd.*` kernels, a `list` modifier, the rest as one name."""
    from pygments.token import Keyword, Name, Whitespace

    position = 0
    first = leading.match(text) if leading else None
    if first:
        yield start, Keyword if first.group() in _SECTION_KEYWORDS else Keyword.Type, first.group()
        position = first.end()
    name_start = None  # where the name words being gathered start
    for piece in re.finditer(r"\s+|\S+", text[position:]):
        word = piece.group()
        at = position + piece.start()
        if word.isspace():
            kind = None
        elif word.startswith("ftd"):
            kind = Name.Builtin
        elif word == "list" and position + piece.end() < len(text):
            kind = Keyword.Declaration
        else:
            if name_start is None:
                name_start = at
            continue
        if name_start is not None and kind is not None:
            name = text[name_start:at].rstrip()
            yield start + name_start, name_type, name
            if len(name) < at - name_start:
                yield start + name_start + len(name), Whitespace, text[name_start + len(name) : at]
            name_start = None
        if kind is not None:
            yield start + at, kind, word
        elif name_start is None:
            yield start + at, Whitespace, word
    if name_start is not None:
        yield start + name_start, name_type, text[name_start:]


@cache
def _ftd_lexer_class() -> type[Lexer]:
    """ftd's Pygments lexer (Pygments has none), made on first use with Pygments itself.

    Its tokens follow the parts fastn's own code themes colour (section marker, keywords,
    types, kernel names, section and header names, captions, header values, conditions,
    events, comments), so a theme can give each the colour fastn gives it."""
    from pygments.lexer import RegexLexer, bygroups
    from pygments.token import (
        Comment,
        Keyword,
        Name,
        Operator,
        Punctuation,
        String,
        Text,
        Whitespace,
    )

    section_words = re.compile(f"({'|'.join((*_SECTION_KEYWORDS, *_VALUE_TYPES))})(?=\\s|$)")

    def section_line(lexer: Lexer, match: re.Match[str]) -> Iterator[tuple[int, Any, str]]:
        yield match.start(1), Punctuation.Marker, match.group(1)
        yield match.start(2), Whitespace, match.group(2)
        yield from _name_tokens(match.start(3), match.group(3), section_words, Name.Function)
        yield match.start(4), Punctuation, match.group(4)

    def header_line(lexer: Lexer, match: re.Match[str]) -> Iterator[tuple[int, Any, str]]:
        yield match.start(1), Whitespace, match.group(1)
        name, start = match.group(2), match.start(2)
        if name.startswith("$") and name.endswith("$"):  # `$on-click$`, `$processor$`
            yield start, Name.Label, name
        else:
            name, separator, condition = name.partition(" if ")
            yield from _name_tokens(start, name, _HEADER_TYPES, Name.Attribute)
            if separator:
                yield start + len(name), Name.Decorator, separator + condition
        yield match.start(3), Whitespace, match.group(3)
        yield match.start(4), Operator, match.group(4)  # some themes colour it apart

    end = (
        r"^(--)([ \t]+)(end)([ \t]*)(:)",
        bygroups(Punctuation.Marker, Whitespace, Keyword, Whitespace, Punctuation),
    )
    section = (r"^(/?--)([ \t]+)([^\n:]*?)(:)", section_line)
    comments = [
        (r"^[ \t]*/.*", Comment),  # a commented-out section or header
        (r";;.*", Comment.Single),
    ]

    class FtdLexer(RegexLexer):
        """ftd source: `-- kind name: caption` sections, `key: value` headers, a body after
        a blank line, `;;` comments, `-- end: name`."""

        name = "ftd"
        aliases: ClassVar[list[str]] = ["ftd"]
        filenames: ClassVar[list[str]] = ["*.ftd"]

        tokens: ClassVar[dict[str, list]] = {
            # the body of a section (and text before the first section)
            "root": [
                (*end, "caption"),
                (*section, ("headers", "caption")),
                *comments,
                (r"[^;\n/]+|[;/]", Text),
                (r"\n", Whitespace),
            ],
            # the lines right after a section line, up to the first blank line
            "headers": [
                (r"^[ \t]*\n", Whitespace, "#pop"),
                (*end, ("#pop", "caption")),
                (*section, ("#pop", "headers", "caption")),
                *comments,
                (r"^([ \t]*)(if[ \t]*:[^\n]*)", bygroups(Whitespace, Name.Decorator)),
                (r"^([ \t]*)([^\n:;]+?)([ \t]*)(:)", header_line, "value"),
                (r".+", Text),
                (r"\n", Whitespace),
            ],
            # the rest of a section line: its caption
            "caption": [
                (r"\n", Whitespace, "#pop"),
                (r";;.*", Comment.Single),
                (r"[^;\n]+|;", String),
            ],
            # the rest of a header line: its value
            "value": [
                (r"\n", Whitespace, "#pop"),
                (r";;.*", Comment.Single),
                (r"[^;\n]+|;", String.Other),
            ],
        }

    return FtdLexer


@dataclass(frozen=True, slots=True)
class CodeBlock:
    """What the renderer needs for `<pre class data-line><code class>inner_html</code></pre>`."""

    pre_classes: tuple[str, ...]
    code_classes: tuple[str, ...]
    data_line: str | None
    inner_html: str


def theme_class(theme: str) -> str:
    """fastn's class for a theme: `fastn-theme.dark` -> `fastn-theme-dark`."""
    return theme.replace(".", "-")


def _remove_highlight_markers(code: str) -> tuple[str, list[int]]:
    """Drop the first `;; <hl>` of each line (the space before it stays, as in fastn)
    and return the text, every line newline-terminated, with the marked line numbers."""
    lines: list[str] = []
    marked: list[int] = []
    for number, line in enumerate(code.split("\n"), start=1):
        before, found, after = line.partition(HIGHLIGHT_MARKER)
        if found:
            marked.append(number)
            line = before + after
        lines.append(line + "\n")
    return "".join(lines), marked


def _line_ranges(numbers: list[int]) -> str:
    """[2, 3, 4, 5, 7] -> "2-5,7", the `data-line` format of Prism's line-highlight."""
    runs: list[list[int]] = []
    for number in numbers:
        if runs and number == runs[-1][-1] + 1:
            runs[-1].append(number)
        else:
            runs.append([number])
    return ",".join(str(run[0]) if len(run) == 1 else f"{run[0]}-{run[-1]}" for run in runs)


@lru_cache(maxsize=64)  # bounded: `lang` comes from documents
def _lexer(lang: str) -> Lexer:
    """A reusable lexer that keeps the text intact (no newline stripping or adding)."""
    from pygments.lexers import get_lexer_by_name
    from pygments.lexers.special import TextLexer
    from pygments.util import ClassNotFound

    options = {"stripnl": False, "ensurenl": False}
    if lang == "ftd":
        return _ftd_lexer_class()(**options)
    try:
        return get_lexer_by_name(lang, **options)
    except ClassNotFound:
        return TextLexer(**options)


@cache
def _css_class(token_type: _TokenType) -> str:
    """Pygments' short class for a token type, from its nearest standard ancestor."""
    from pygments.token import STANDARD_TYPES

    while token_type not in STANDARD_TYPES:
        token_type = token_type.parent
    return STANDARD_TYPES[token_type]


def _tokens(text: str, lang: str) -> Iterator[tuple[_TokenType, str]]:
    """Pygments' tokens, retyped where fastn's highlighter reads the code otherwise in a way
    a reader sees: a heading's `#` marks apart from its title, a name that is called
    (`foo(`) a function, and Python's `print` a keyword."""
    from pygments.token import Generic, Keyword, Name, Punctuation

    lexer = _lexer(lang)
    tokens = list(lexer.get_tokens(text))
    for index, (token_type, value) in enumerate(tokens):
        if token_type in (Generic.Heading, Generic.Subheading):
            marks = re.match(r"#+\s*", value)
            if marks:
                yield Punctuation.Marker, marks.group()
                value = value[marks.end() :]
        elif (
            token_type is Name.Other
            and index + 1 < len(tokens)
            and tokens[index + 1][1].startswith("(")
        ):
            token_type = Name.Function
        elif token_type is Name.Builtin and value == "print" and lexer.name == "Python":
            token_type = Keyword
        if value:
            yield token_type, value


def _highlighted_lines(text: str, lang: str, marked: set[int]) -> str:
    """Token spans grouped in one `<span class="line">` per line (`line hll` if marked);
    adjacent pieces of the same class share one span to keep the markup small."""
    out: list[str] = []
    line: list[list[str]] = []  # [css class, text] runs of the current line
    number = 1

    def close_line() -> None:
        nonlocal number
        runs = (
            f'<span class="{css_class}">{html.escape(piece, quote=False)}</span>'
            if css_class
            else html.escape(piece, quote=False)
            for css_class, piece in line
        )
        classes = "line hll" if number in marked else "line"
        out.append(f'<span class="{classes}">{"".join(runs)}</span>\n')
        line.clear()
        number += 1

    for token_type, value in _tokens(text, lang):
        css_class = _css_class(token_type)
        for index, piece in enumerate(value.split("\n")):
            if index:
                close_line()
            if piece and line and line[-1][0] == css_class:
                line[-1][1] += piece
            elif piece:
                line.append([css_class, piece])
    return "".join(out)


def highlight(
    code: str, lang: str | None, theme: str | None, show_line_numbers: bool = False
) -> CodeBlock:
    """Render `ftd.code`: fastn's classes and `data-line`, Pygments colours inside."""
    lang = lang or DEFAULT_LANG
    theme = theme or DEFAULT_THEME
    data_line, inner_html = _highlighted(code, lang)
    code_classes = (f"language-{lang}", theme_class(theme))
    return CodeBlock(
        pre_classes=code_classes + (("line-numbers",) if show_line_numbers else ()),
        code_classes=code_classes,
        data_line=data_line,
        inner_html=inner_html,
    )


@lru_cache(maxsize=1024)  # bounded: the code comes from documents
def _highlighted(code: str, lang: str) -> tuple[str | None, str]:
    """`data-line` and the highlighted lines of a block. The same block is highlighted for
    each theme a page may show (light and dark) and on every page that includes it."""
    text, marked = _remove_highlight_markers(code)
    return _line_ranges(marked) or None, _highlighted_lines(text, lang, set(marked))


def _is_dark(hex_color: str) -> bool:
    """Whether a style's background is dark: picks the line-highlight overlay and the
    fallback text colour (several Pygments styles leave plain text uncoloured)."""
    red, green, blue = (int(hex_color.lstrip("#")[i : i + 2], 16) for i in (0, 2, 4))
    return 0.299 * red + 0.587 * green + 0.114 * blue < 128


@dataclass(frozen=True, slots=True)
class _Palette:
    """fastn's own code themes, as they look in fastn (colours read off its pages).

    ``tokens`` and ``ftd_tokens`` map a Pygments token type to its colour (its sub-types
    take it too); ``ftd_tokens`` apply to ftd source, which fastn colours by its parts."""

    background: str
    text: str
    ftd_text: str
    padding: str
    highlight: str  # the tint of a `;; <hl>` line, and its left edge
    highlight_edge: str
    tokens: dict[str, str]
    ftd_tokens: dict[str, str]
    language_tokens: dict[str, dict[str, str]] = field(default_factory=dict)  # by `lang`


FASTN_THEMES: dict[str, _Palette] = {
    "fastn-theme.dark": _Palette(
        background="#222",
        text="#fff",
        ftd_text="#d5d7e2",
        padding="15px",
        highlight="#0734a533",
        highlight_edge="#2a77ff",
        tokens={
            "Comment": "#d4c8c896",
            "Punctuation": "#fff",
            "Operator": "#fff",
            "Keyword": "#ffa05c",
            "Keyword.Constant": "#ff5cac",
            "Name.Tag": "#ff5cac",
            "Name.Attribute": "#ffa05c",
            "Name.Function": "#6791e0",
            "Name.Constant": "#6791e0",
            "Name.Variable": "#fdfba8",
            "String": "#d5d7e2",
            "String.Regex": "#c973d9",
            "Number": "#8799b0",
            "Comment.Hashbang": "#2fb170",
            "Generic.Heading": "#2fb170",
            "Generic.Subheading": "#2fb170",
            "Name.Function.Magic": "#ffa05c",
        },
        language_tokens={"json": {"Name.Tag": "#ffa05c"}},
        ftd_tokens={
            "Punctuation.Marker": "#d5d7e2",
            "Punctuation": "#cecfd2",
            "Operator": "#cecfd2",
            "Keyword": "#ffa05c",
            "Keyword.Type": "#54b59e",
            "Keyword.Declaration": "#54b59e",
            "Name.Builtin": "#54b59e",
            "Name.Function": "#6791e0",
            "Name.Attribute": "#c973d9",
            "Name.Decorator": "#9871ff",
            "Name.Label": "#6ae2ff",
            "String": "#2fb170",
            "String.Other": "#d5d7e2",
        },
    ),
    "fastn-theme.light": _Palette(
        background="#f5f2f0",
        text="#000",
        ftd_text="#36464e",
        padding="1em",
        highlight="#87afff33",
        highlight_edge="#4387ff",
        tokens={
            "Comment": "#7f93a8",
            "Punctuation": "#999",
            "Operator": "#9a6e3a",
            "Keyword": "#07a",
            "Keyword.Constant": "#905",
            "Number": "#905",
            "Name.Constant": "#905",
            "Name.Tag": "#905",
            "Name.Builtin": "#36464e",
            "Name.Attribute": "#36464e",
            "Name.Function": "#3f6ec6",
            "Name.Class": "#3f6ec6",
            "Name.Variable": "#a846b9",
            "String": "#36464e",
            "String.Regex": "#a846b9",
        },
        ftd_tokens={
            "Punctuation.Marker": "#36464e",
            "Punctuation": "#696b70",
            "Operator": "#696b70",
            "Keyword": "#07a",
            "Keyword.Type": "#5c43bd",
            "Keyword.Declaration": "#5c43bd",
            "Name.Builtin": "#5c43bd",
            "Name.Function": "#07a",
            "Name.Attribute": "#a846b9",
            "Name.Decorator": "#8b3b3b",
            "Name.Label": "#c46262",
            "String": "#1c7d4d",
            "String.Other": "#36464e",
        },
    ),
}


def _token_colors(selector: str, colors: dict[str, str], more: str = "") -> list[str]:
    """`selector .class { color }` (and `more` declarations) for every Pygments token class
    that has a colour here: its own, or its nearest ancestor's."""
    from pygments.token import STANDARD_TYPES, string_to_tokentype

    by_type = {string_to_tokentype(name): color for name, color in colors.items()}
    rules = []
    for token_type, css_class in STANDARD_TYPES.items():
        ancestor = token_type
        while ancestor not in by_type and ancestor.parent is not None:
            ancestor = ancestor.parent
        if css_class and ancestor in by_type:
            rules.append(f"{selector} .{css_class} {{ color: {by_type[ancestor]};{more} }}")
    return rules


def _frame_rules(
    scope: str, background: str, color: str, padding: str, tint: str, edge: str | None
) -> list[str]:
    """What every theme sets: the block's background and text, its padding, highlighted
    lines (a tint over the background, which stays the block's), line numbers."""
    return [
        # `[class*=language-]` outweighs the base stylesheet's inline-code `code` rules
        # lines do not wrap (fastn's themes say so, over the block's own `white-space`)
        f'pre[class*="language-"]{scope} {{ background: {background}; color: {color};'
        f" padding: {padding}; overflow: auto; tab-size: 4; white-space: pre; }}",
        # long lines scroll, as in fastn, rather than wrap; the code sits 1em in from the frame
        f'code[class*="language-"]{scope} {{ background: none; color: {color}; display: block;'
        " padding: 0 1em; white-space: pre; }",
        f"{scope} .line.hll {{ display: inline-block; min-width: 100%;"
        f" background-image: linear-gradient({tint}, {tint});"
        + (f" box-shadow: inset 2px 0 0 {edge};" if edge else "")
        + " }",
        # numbered: the numbers sit in the frame's widened left padding, beside the code
        f'pre[class*="language-"].line-numbers{scope} {{ position: relative;'
        " padding-left: 3.8em; }",
        f"pre.line-numbers{scope} > code {{ counter-reset: ftd-code-line; padding-left: 0; }}",
        f"pre.line-numbers{scope} .line::before {{ counter-increment: ftd-code-line;"
        " content: counter(ftd-code-line); position: absolute; left: 0; width: 3em;"
        " padding-right: 0.8em; border-right: 1px solid #999; text-align: right;"
        " opacity: 0.5; user-select: none; }",
    ]


@lru_cache(maxsize=len(THEME_STYLES) + 8)  # bounded: `theme` comes from documents
def theme_css(theme: str) -> str:
    """The stylesheet for one fastn code theme, every rule scoped under its class.

    Unknown themes get no CSS (fastn likewise has no stylesheet for them).  Base rules
    are tag-qualified (`pre.x`), token rules are descendants (`.x .k`).
    """
    scope = f".{theme_class(theme)}"
    palette = FASTN_THEMES.get(theme)
    if palette is not None:
        rules = [
            *_frame_rules(
                scope,
                palette.background,
                palette.text,
                palette.padding,
                palette.highlight,
                palette.highlight_edge,
            ),
            f'[class*="language-"]{scope}.language-ftd {{ color: {palette.ftd_text}; }}',
            *_token_colors(scope, palette.tokens),
            *_token_colors(f"{scope}.language-ftd", palette.ftd_tokens),
            *(
                rule
                for lang, colors in palette.language_tokens.items()
                for rule in _token_colors(f"{scope}.language-{lang}", colors)
            ),
        ]
        return "\n".join(rules) + "\n"
    from pygments.formatters import HtmlFormatter
    from pygments.styles import get_style_by_name
    from pygments.token import Text

    style_name = THEME_STYLES.get(theme)
    if style_name is None:
        return ""
    frame = THEME_FRAMES.get(theme)
    style = get_style_by_name(style_name)
    background = frame.background if frame else style.background_color
    dark = _is_dark(background)
    foreground = style.style_for_token(Text)["color"]
    color = f"#{foreground}" if foreground else ("#f8f8f2" if dark else "#1f1f1f")
    tint = "rgba(255, 255, 255, 0.12)" if dark else "rgba(0, 0, 0, 0.07)"
    rules = [
        *_frame_rules(scope, background, color, frame.padding if frame else "1em", tint, None),
        *HtmlFormatter(style=style_name).get_token_style_defs(scope),
    ]
    if frame:
        rules += _theme_frame_rules(scope, frame)
    return "\n".join(rules) + "\n"


def _theme_frame_rules(scope: str, frame: _Frame) -> list[str]:
    """The block as fastn sets it out in this theme, and its ftd parts' colours (after the
    Pygments rules, which they override for ftd)."""
    size, line_height, family = frame.font
    rules = [
        f'pre[class*="language-"]{scope} {{ color: {frame.color}; font-size: {size};'
        f" line-height: {line_height}; font-family: {family}; margin: {frame.margin};"
        f" border-radius: {frame.radius};{' ' + frame.pre_more if frame.pre_more else ''} }}",
        f'code[class*="language-"]{scope} {{ color: {frame.code_color or frame.color};'
        f" font-family: {family};"
        f"{' ' + frame.code_more if frame.code_more else ''} }}",
        f'[class*="language-"]{scope}.language-ftd {{ color: {frame.ftd_roles[0]}; }}',
    ]
    colors = {
        token_type: color
        for color, token_types in zip(frame.ftd_roles, FTD_ROLES, strict=True)
        for token_type in token_types
    }
    # the style's bold or italic would not be fastn's either
    return rules + _token_colors(
        f"{scope}.language-ftd", colors, " font-weight: normal; font-style: normal;"
    )
