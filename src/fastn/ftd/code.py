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
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import TYPE_CHECKING, ClassVar

if TYPE_CHECKING:  # Pygments is imported by the first code block (~0.02 s at start-up)
    from pygments.lexer import Lexer
    from pygments.token import _TokenType

DEFAULT_THEME = "fastn-theme.dark"
DEFAULT_LANG = "txt"
HIGHLIGHT_MARKER = ";; <hl>"

# fastn theme name -> the Pygments style closest in spirit (background tone and palette).
THEME_STYLES: dict[str, str] = {
    "fastn-theme.dark": "github-dark",
    "fastn-theme.light": "friendly",
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


@cache
def _ftd_lexer_class() -> type[Lexer]:
    """ftd's Pygments lexer (Pygments has none), made on first use with Pygments itself."""
    from pygments.lexer import RegexLexer, bygroups
    from pygments.token import (
        Comment,
        Keyword,
        Name,
        Number,
        Punctuation,
        String,
        Text,
        Whitespace,
    )

    # Token rules shared by the states of FtdLexer.
    section = (
        r"^(--)([ \t]+)((?:[\w.$-]+[ \t]+)*)([\w.$-]+)([ \t]*)(:)",
        bygroups(Keyword, Whitespace, Keyword.Type, Name.Function, Whitespace, Punctuation),
    )
    end = (
        r"^(--)([ \t]+)(end)([ \t]*)(:)",
        bygroups(Keyword, Whitespace, Keyword, Whitespace, Punctuation),
    )
    comments = [
        (r"^/.*", Comment),  # a commented-out section or header
        (r";;.*", Comment.Single),
    ]

    class FtdLexer(RegexLexer):
        """ftd source: `-- kind name: caption` sections, `key: value` headers, a body after
        a blank line, `;;` comments, `$references`, `-- end: name`."""

        name = "ftd"
        aliases: ClassVar[list[str]] = ["ftd"]
        filenames: ClassVar[list[str]] = ["*.ftd"]

        tokens: ClassVar[dict[str, list]] = {
            # the body of a section (and text before the first section)
            "root": [
                (*end, "value"),
                (*section, ("headers", "value")),
                *comments,
                (r"\$[\w.-]+", Name.Variable),
                (r"[^$;\n/]+|[$;/]", Text),
                (r"\n", Whitespace),
            ],
            # the lines right after a section line, up to the first blank line
            "headers": [
                (r"^[ \t]*\n", Whitespace, "#pop"),
                (*end, ("#pop", "value")),
                (*section, ("#pop", "headers", "value")),
                *comments,
                (
                    r"^([ \t]*)([^\n:;]+?)([ \t]*)(:)",
                    bygroups(Whitespace, Name.Attribute, Whitespace, Punctuation),
                    "value",
                ),
                (r".+", Text),
                (r"\n", Whitespace),
            ],
            # the rest of a section or header line: caption or value
            "value": [
                (r"\n", Whitespace, "#pop"),
                (r";;.*", Comment.Single),
                (r"\$[\w.-]+", Name.Variable),
                (r"\b(?:true|false)\b", Keyword.Constant),
                (r"-?\b\d+(?:\.\d+)?\b", Number),
                (r"\w+|[^\w\n;$]+|[;$]", String),
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

    for token_type, value in _lexer(lang).get_tokens(text):
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
    text, marked = _remove_highlight_markers(code)
    code_classes = (f"language-{lang}", theme_class(theme))
    return CodeBlock(
        pre_classes=code_classes + (("line-numbers",) if show_line_numbers else ()),
        code_classes=code_classes,
        data_line=_line_ranges(marked) or None,
        inner_html=_highlighted_lines(text, lang, set(marked)),
    )


def _is_dark(hex_color: str) -> bool:
    """Whether a style's background is dark: picks the line-highlight overlay and the
    fallback text colour (several Pygments styles leave plain text uncoloured)."""
    red, green, blue = (int(hex_color.lstrip("#")[i : i + 2], 16) for i in (0, 2, 4))
    return 0.299 * red + 0.587 * green + 0.114 * blue < 128


@lru_cache(maxsize=len(THEME_STYLES) + 8)  # bounded: `theme` comes from documents
def theme_css(theme: str) -> str:
    """The stylesheet for one fastn code theme, every rule scoped under its class.

    Unknown themes get no CSS (fastn likewise has no stylesheet for them).  Base rules
    are tag-qualified (`pre.x`), token rules are descendants (`.x .k`).
    """
    from pygments.formatters import HtmlFormatter
    from pygments.styles import get_style_by_name
    from pygments.token import Text

    style_name = THEME_STYLES.get(theme)
    if style_name is None:
        return ""
    scope = f".{theme_class(theme)}"
    style = get_style_by_name(style_name)
    background = style.background_color
    dark = _is_dark(background)
    foreground = style.style_for_token(Text)["color"]
    color = f"#{foreground}" if foreground else ("#f8f8f2" if dark else "#1f1f1f")
    highlight_background = "rgba(255, 255, 255, 0.12)" if dark else "rgba(0, 0, 0, 0.07)"
    rules = [
        f"pre{scope}, code{scope} {{ background: {background}; color: {color}; }}",
        f"pre{scope} {{ padding: 1em; overflow: auto; tab-size: 4; }}",
        f"{scope} .line.hll {{ display: inline-block; min-width: 100%;"
        f" background-color: {highlight_background}; }}",
        f"pre.line-numbers{scope} > code {{ counter-reset: ftd-code-line; }}",
        f"pre.line-numbers{scope} .line::before {{ counter-increment: ftd-code-line;"
        " content: counter(ftd-code-line); display: inline-block; min-width: 2em;"
        " margin-right: 1em; text-align: right; opacity: 0.5; user-select: none; }",
        *HtmlFormatter(style=style_name).get_token_style_defs(scope),
    ]
    return "\n".join(rules) + "\n"
