"""`ftd.text` content -> HTML, the way fastn renders it (spec §9.1).

fastn escapes the text (outside backtick spans), renders it with marked v9 (GFM on,
`breaks` off) and strips the wrapper of the last paragraph.  Here markdown-it-py plays
marked's part; a core rule and two render rules smooth over the places where the two
libraries disagree on output (`<del>`, `align=` on table cells, task-list checkboxes,
which bare URLs become links).  Where marked would emit something unsafe (raw HTML
after an unbalanced backtick, `javascript:` links) markdown-it's safer behaviour is kept
on purpose.

Most texts use none of that: no table, strikethrough, task item or anything a link could
be found in, and no deep nesting.  Those go to markdown-it-pyrs (the same parser compiled,
≈ 30× faster, which is most of what a build spends on a page of prose); it gives the same
HTML for them, except that it closes void tags XHTML-style (`<br />`).
"""

from __future__ import annotations

import html
import re
import unicodedata
from functools import cache, lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # markdown-it-py is imported by the first text that needs it
    import markdown_it_pyrs
    from markdown_it import MarkdownIt
    from markdown_it.renderer import RendererHTML
    from markdown_it.rules_core import StateCore
    from markdown_it.token import Token
    from markdown_it.utils import EnvType, OptionsDict

# fastn's pre-escape: a backtick toggles "inside code", where nothing is escaped (the
# markdown renderer escapes code itself); `/` is escaped only right after `<`, so that
# `</b>` cannot close a tag while URLs keep their slashes.  An unclosed backtick leaves
# the rest of the text unescaped, exactly like fastn.
_PRE_ESCAPE = re.compile(r"`[^`]*`?|</?|[>&\"']")
_PRE_ESCAPES = {
    "<": "&lt;",
    "</": "&lt;&#47;",
    ">": "&gt;",
    "&": "&amp;",
    '"': "&quot;",
    "'": "&#39;",
}

# marked's GFM autolinks need a scheme, `www.` or an e-mail address; linkify-it would
# also link bare domains such as `example.com`.
_MARKED_AUTOLINK = re.compile(r"(?i)(?:https?://|ftp://|mailto:|www\.)")
_TASK_MARKER = re.compile(r"\[([ xX])\] +")


def _pre_escape(text: str) -> str:
    """HTML-escape like fastn does before markdown, so raw HTML is shown, not rendered."""
    return _PRE_ESCAPE.sub(_pre_escaped, text)


def _pre_escaped(match: re.Match[str]) -> str:
    found = match.group()
    return found if found.startswith("`") else _PRE_ESCAPES[found]


def _fix_autolink(children: list[Token], index: int) -> int:
    """Make the linkify link opened at `index` look like marked's; returns the next index.

    The URL was matched in pre-escaped text, so its `&amp;`/`&#39;` must be decoded
    again; links without scheme/`www.` that marked would not create are unwrapped.
    """
    link_open, label, link_close = children[index : index + 3]
    is_email = link_open.attrs.get("href", "").startswith("mailto:")
    if not (is_email or _MARKED_AUTOLINK.match(label.content)):
        children[index : index + 3] = [label]
        return index + 1
    link_open.attrs["href"] = html.unescape(str(link_open.attrs["href"]))
    label.content = html.unescape(label.content)
    return index + 3


def _add_task_checkbox(inline: Token) -> None:
    """`[ ] item` / `[x] item` at the start of a list item -> a disabled checkbox."""
    first = inline.children[0] if inline.children else None
    marker = _TASK_MARKER.match(first.content) if first and first.type == "text" else None
    if marker is None:
        return
    from markdown_it.token import Token

    first.content = first.content[marker.end() :]
    checked = 'checked="" ' if marker.group(1) != " " else ""
    checkbox = Token("html_inline", "", 0)
    checkbox.content = f'<input {checked}disabled="" type="checkbox"> '
    inline.children.insert(0, checkbox)


def _marked_compat(state: StateCore) -> None:
    """Core rule: rewrite markdown-it's token stream where marked's output differs."""
    tokens = state.tokens
    for position, token in enumerate(tokens):
        if token.type in ("th_open", "td_open") and "style" in token.attrs:
            # markdown-it writes style="text-align:left", marked writes align="left"
            token.attrs["align"] = str(token.attrs.pop("style")).removeprefix("text-align:")
        elif token.type == "inline" and token.children:
            if position >= 2 and (tokens[position - 2].type, tokens[position - 1].type) == (
                "list_item_open",
                "paragraph_open",
            ):
                _add_task_checkbox(token)
            index = 0
            while index < len(token.children):
                child = token.children[index]
                if child.type == "link_open" and child.markup == "linkify":
                    index = _fix_autolink(token.children, index)
                else:
                    index += 1


def _render_del(
    self: RendererHTML, tokens: list[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    """marked renders GFM strikethrough as <del>, markdown-it as <s>."""
    return "<del>" if tokens[idx].nesting == 1 else "</del>"


@cache
def _markdown() -> MarkdownIt:
    """The one configured parser: GFM tables/strikethrough/autolinks, no raw HTML."""
    from markdown_it import MarkdownIt

    md = MarkdownIt(
        "gfm-like", {"html": False, "typographer": False, "xhtmlOut": False, "breaks": False}
    )
    md.linkify.add("//", None)  # marked does not link protocol-relative `//host` text
    md.core.ruler.before("text_join", "marked_compat", _marked_compat)
    md.add_render_rule("s_open", _render_del)
    md.add_render_rule("s_close", _render_del)
    return md


# What only markdown-it-py with the rules above handles: a table (`|`), strikethrough (`~`),
# a task item, or text where linkify-it could find a link (a superset of its own tests: a
# scheme, `//`, an e-mail `@`, `localhost`, `www.`, an IP address or a dot before a TLD).
# Also where markdown-it-pyrs 0.4 differs: a code fence (an unclosed one keeps no final
# newline in markdown-it-py), NUL, whitespace beyond space, tab and line ends (markdown-it-py
# strips it, like a no-break space), an image's alt text (it drops entities and escapes
# there), a code span of spaces alone (it trims those), an empty list item (it continues a
# quoted paragraph with it), a block quote (it trims the lazy lines of a code span in one;
# fastn's pre-escape leaves `>` only after an unbalanced backtick anyway) and emphasis next
# to a non-ASCII character (CommonMark counts symbols such as emoji as punctuation now, it
# does not).  Literal pieces are looked for with `in`: one regex of alternatives that share
# no first character would try each of them at every position.
_FULL_PARSER_CHARACTERS = re.compile(r"[|~@\x00\x0b\x0c\x1c-\x1f]")  # NUL, other whitespace
_FULL_PARSER_PIECES = ("//", "```", "![", "[ ]", "[x]", "[X]")
_LINK_PIECES = ("http", "ftp:", "mailto:", "localhost", "www.")  # in lower-cased ASCII
_DOT_LINK = re.compile(r"\.(?:[a-z]{2}|\d{1,3}\.)")  # a TLD or an IP address, ditto
# The same for any text: linkify-it ignores case the way `re` does (`ſ` is an `s`).
_LINK_ANY_CASE = re.compile(
    r"(?:https?|ftp|mailto):|localhost|www\.|\.\d{1,3}\.|\.(?:[a-z]{2}|рф)", re.IGNORECASE
)
_BLANK_CODE_SPAN = re.compile(r"`[ \r\n]+`")
_EMPTY_ITEM_OR_QUOTE = re.compile(
    r"^[ \t]*(?:[-*+]|\d+[.)])[ \t]*\r?$|^[ \t*+\-.)0-9]*>", re.MULTILINE
)
_NON_ASCII_TROUBLE = re.compile(r"[^\S \t\r\n]|[*_][^\x00-\x7f]|[^\x00-\x7f][*_]")
# Start of a line: what can open nested blocks (quotes, list items, indentation).
_LINE_PREFIX = re.compile(r"^[ \t>*+\-.)0-9]*", re.MULTILINE)
# markdown-it-py stops nesting blocks at 20 levels (`maxNesting`), markdown-it-pyrs does not:
# a block level needs at least one column of line prefix, so a text whose prefixes are all
# narrower than this cannot get there.
_NARROW_PREFIX = 16
_WIDE_PREFIX = re.compile(rf"^[ >*+\-.)0-9]{{{_NARROW_PREFIX}}}", re.MULTILINE)  # without tabs


def _fast_enough(text: str) -> bool:
    """Whether markdown-it-pyrs renders `text` as the full parser would (see the module doc)."""
    if _FULL_PARSER_CHARACTERS.search(text) or any(p in text for p in _FULL_PARSER_PIECES):
        return False
    if text.isascii():
        lowered = text.lower()
        if any(piece in lowered for piece in _LINK_PIECES) or _DOT_LINK.search(lowered):
            return False
    elif _LINK_ANY_CASE.search(text) or _NON_ASCII_TROUBLE.search(text):
        return False
    if _BLANK_CODE_SPAN.search(text) or _EMPTY_ITEM_OR_QUOTE.search(text):
        return False
    # markdown-it-pyrs 0.4 panics on a backtick it cannot close inside a link's `[…`
    bracket = text.find("[")
    if bracket >= 0 and "`" in text[bracket:]:
        return False
    if "\t" not in text:  # columns are characters: is one prefix that wide?
        return _WIDE_PREFIX.search(text) is None
    return all(len(prefix.expandtabs(4)) < _NARROW_PREFIX for prefix in _LINE_PREFIX.findall(text))


@cache
def _fast_markdown() -> markdown_it_pyrs.MarkdownIt:
    """markdown-it-pyrs with the CommonMark rules, no raw HTML (like `_markdown` without GFM)."""
    import markdown_it_pyrs

    return markdown_it_pyrs.MarkdownIt("zero").enable_many(
        [
            *("blockquote", "code", "fence", "heading", "hr", "lheading", "list"),
            *("paragraph", "reference", "autolink", "backticks", "emphasis", "entity"),
            *("escape", "image", "link", "newline"),
        ]
    )


def _fast_render(escaped: str) -> str | None:
    """markdown-it-pyrs's HTML for a pre-escaped text that is `_fast_enough`, written as
    markdown-it-py writes it (text and attributes escape `<` and `>`: these are tags); None
    when the Rust code panics on an input nobody has found yet (the full parser takes it)."""
    try:
        html = _fast_markdown().render(escaped)
    except BaseException as error:  # pyo3's PanicException derives from BaseException
        if type(error).__name__ != "PanicException":
            raise
        return None
    return html.replace(" />", ">").replace(
        "<blockquote>\n</blockquote>", "<blockquote></blockquote>"
    )


def _replace_last(text: str, old: str) -> str:
    """Remove the last occurrence of `old` (fastn's paragraph-wrapper stripping)."""
    head, found, tail = text.rpartition(old)
    return head + tail if found else text


def _count_leading_spaces(text: str) -> int:
    return len(text) - len(text.lstrip(" "))


# One line of words that no markdown or linkify rule can act on: it starts with a letter or
# digit and holds only letters, digits, spaces and punctuation that is inert mid-line (no
# emphasis/code/link/escape characters, nothing pre-escaped, no `.`/`:`/`@` a bare link
# needs, no `)` that could end a list marker).  Such a text renders as itself: names, cities,
# numbers, labels — most `ftd.text` values a page shows.
_PLAIN_TEXT = re.compile(r"[^\W_](?:[^\W_]|[ ,;?%$/(+=-])*")


@lru_cache(maxsize=4096)
def markdown_to_html(text: str) -> str:
    """The inner HTML fastn gives an `ftd.text` element for `text`.

    A single-paragraph text therefore has no `<p>` at all; in a longer text only the
    last paragraph loses its wrapper.  Leading/trailing spaces of the source survive
    (they are not markdown, but fastn keeps them), trailing newlines do not.  A pure
    function of `text`, so it is cached: a page's constant texts are converted once.
    """
    if _PLAIN_TEXT.fullmatch(text) and not text.endswith(" "):
        return text
    return render_markdown(text)


def render_markdown(text: str) -> str:
    """`markdown_to_html` without its shortcut and cache: a markdown parser every time."""
    leading = _count_leading_spaces(text)
    trailing = 0 if leading == len(text) else len(text) - len(text.rstrip(" "))
    escaped = _pre_escape(text)
    rendered = _fast_render(escaped) if _fast_enough(escaped) else None
    if rendered is None:
        rendered = _markdown().render(escaped)
    rendered = _replace_last(_replace_last(rendered, "<p>"), "</p>")
    return (" " * leading + rendered + " " * trailing).rstrip("\n")


def slugify(text: str) -> str:
    """The `id` fastn gives a `region: hN` heading, derived from its raw text.

    Order matters and follows fastn: only the first `.` becomes `-` (before the other
    punctuation is dropped), the text is trimmed before characters are removed, so
    `"Hello ?"` gives `hello-`.
    """
    slug = unicodedata.normalize("NFKD", text).replace(".", "-", 1)
    slug = re.sub(r"[\u0300-\u036f]", "", slug).strip().lower()
    slug = re.sub(r"[^a-z0-9 -]", "", slug)
    return re.sub(r"-+", "-", re.sub(r"\s+", "-", slug))
