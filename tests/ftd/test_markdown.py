"""ftd.text markdown: our HTML must look like fastn's (same elements, nesting, text).

Corpus cases compare the observable form (observe.py) of fastn's element with that of a
`<div>` holding our HTML; the other tests pin the escaping and GFM rules of spec §9.1.
"""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fastn.ftd.markdown import (
    _fast_enough,
    _fast_render,
    _markdown,
    _pre_escape,
    markdown_to_html,
    render_markdown,
    slugify,
)

SAMPLE_TEXT = """\
Far far away, behind the word mountains, far from the countries
Vokalia and Consonantia, there live the blind texts. Separated they
in Bookmarksgrove right at the coast of the Semantics, a large language
ocean. A small river named Duden flows by their place and supplies it
with the necessary regelialia. It is a paradisematic country, in which
roasted parts of sentences fly into your mouth. Even the all-powerful
Pointing has no control about the blind texts it is an almost unorthographic
life One day however a small line of blind text by the name of Lorem
Ipsum decided to leave for the far World of Grammar."""

MARKDOWN_TABLE = """\
This is a markdown table below:

| Elements     |  Components  |
| :----------  |  :---------  |
| heading      |  `ds.h1`     |
| image        |  `ds.image`  |
| code-block   |  `ds.code`   |
| code-block   |  `ds.code`   |"""

# (case, data-id of fastn's element, the string the ftd.text received)
CORPUS_TEXTS = [
    ("01-basic", "3", '"Hello"'),
    ("01-basic", "6", "This ~~sentence is grammatically wrong~~, correct it."),
    (
        "03-common-properties",
        "69",
        "Far out in the uncharted backwaters of the unfashionable end of the western\n"
        "spiral arm of the Galaxy lies a small unregarded blue planet.\n"
        "Orbiting this at a distance of roughly ninety-two million miles is an\n"
        "utterly insignificant little planet whose ape-descended life\n"
        "forms are so amazingly primitive that they still think fastn code written\n"
        "by humans is still a pretty neat idea of escalating knowledge throughout the\n"
        "universe.",
    ),
    (
        "03-common-properties",
        "71",
        "overflow = Visible\n\nThe quick, brown fox jumps over a lazy dog.\n"
        "DJs flock by when MTV ax quiz prog. Junk MTV quiz graced by fox whelps.",
    ),
    ("03-common-properties", "109", SAMPLE_TEXT),
    (
        "03-common-properties",
        "128",
        "If more text are added inside this container, the text might overflow\n"
        "if it can't be accommodated.",
    ),
    (
        "03-common-properties",
        "134",
        "But ere she from the church-door stepped She smiled and told us why:\n\n"
        "'It was a wicked woman's curse,' Quoth she, 'and what care I?'\n"
        "She smiled, and smiled, and passed it off Ere from the door she stept-",
    ),
    ("03-common-properties", "159", "Hello World"),
    ("13-non-style-properties", "9", "This is a link (will open in new tab)"),
    ("31-advance-list", "5", "&nbsp;"),
    ("51-markdown-table", "5", MARKDOWN_TABLE),
    (
        "56-title-fix",
        "3",
        "this is a `Hello <title>`\n\n<a> ppp </a>",
    ),
    (
        "100-template",
        "3",
        'Hi John,\n\nSome <b>yo</b>, <a href="/some/link/">Confirm account</a>',
    ),
]


def _find(node: dict, data_id: str) -> dict | None:
    if node.get("attrs", {}).get("data-id") == data_id:
        return node
    for child in node.get("children", []):
        if isinstance(child, dict) and (found := _find(child, data_id)):
            return found
    return None


def _observable(observe: ModuleType, element: dict) -> tuple[list[str], object]:
    """(text runs, element content) as the conformance scorer sees them."""
    normalizer = observe.Normalizer({})
    node = normalizer.convert(element)
    normalizer._flush()
    return normalizer.texts, node.get("children", node.get("text"))


def fastn_element(observe: ModuleType, conformance_dir: Path, case: str, data_id: str) -> dict:
    page = (conformance_dir / "render" / "cases" / f"{case}.html").read_text(encoding="utf-8")
    body = observe.parse_html_fragment(observe.split_page(page)["body_inner"])
    element = _find(body, data_id)
    assert element is not None, f"{case}: no element with data-id {data_id}"
    return element


@pytest.mark.parametrize(("case", "data_id", "text"), CORPUS_TEXTS)
def test_corpus_text_renders_like_fastn(
    observe: ModuleType, conformance_dir: Path, case: str, data_id: str, text: str
) -> None:
    expected = _observable(observe, fastn_element(observe, conformance_dir, case, data_id))
    ours = observe.parse_html_fragment(f"<div>{markdown_to_html(text)}</div>")["children"][0]
    assert _observable(observe, ours) == expected


def test_corpus_heading_id_is_fastn_slug(observe: ModuleType, conformance_dir: Path) -> None:
    heading = fastn_element(observe, conformance_dir, "03-common-properties", "159")
    assert slugify("Hello World") == heading["attrs"]["id"] == "hello-world"


@pytest.mark.parametrize(
    ("text", "html"),
    [
        # exact strings fastn produced (entities aside: fastn keeps the `&#39;`/`&#47;` of
        # its pre-escape, markdown-it prints the characters, which parse identically)
        (
            "This ~~sentence is grammatically wrong~~, correct it.",
            "This <del>sentence is grammatically wrong</del>, correct it.",
        ),
        ('"Hello"', "&quot;Hello&quot;"),
        (
            "this is a `Hello <title>`\n\n<a> ppp </a>",
            "<p>this is a <code>Hello &lt;title&gt;</code></p>\n&lt;a&gt; ppp &lt;/a&gt;",
        ),
        ("&nbsp;", "&amp;nbsp;"),
    ],
)
def test_exact_html(text: str, html: str) -> None:
    assert markdown_to_html(text) == html


def test_only_the_last_paragraph_loses_its_wrapper() -> None:
    assert markdown_to_html("one\n\ntwo\n\nthree") == "<p>one</p>\n<p>two</p>\nthree"
    assert markdown_to_html("one\ntwo") == "one\ntwo"  # breaks: false


def test_script_and_raw_html_are_shown_not_run() -> None:
    assert markdown_to_html("<script>alert(1)</script>") == (
        "&lt;script&gt;alert(1)&lt;/script&gt;"
    )
    assert markdown_to_html('<img src=x onerror="alert(1)">') == (
        "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;"
    )


def test_unbalanced_backtick_does_not_let_html_through() -> None:
    # fastn stops escaping after an unclosed backtick; markdown-it still escapes
    assert "<script>" not in markdown_to_html("a ` b <script>alert(1)</script>")


def test_javascript_links_are_not_live() -> None:
    html = markdown_to_html("[click](javascript:alert(1)) and [ok](https://fastn.com/)")
    assert "javascript:" not in html.replace("[click](javascript:alert(1))", "")
    assert '<a href="https://fastn.com/">ok</a>' in html


def test_inline_code_keeps_its_characters() -> None:
    assert markdown_to_html('use `a < b && c > "d"` here') == (
        "use <code>a &lt; b &amp;&amp; c &gt; &quot;d&quot;</code> here"
    )


def test_links_and_emphasis() -> None:
    assert markdown_to_html("**bold** *em* [fastn](https://fastn.com/a/b?x=1&y=2)") == (
        '<strong>bold</strong> <em>em</em> <a href="https://fastn.com/a/b?x=1&amp;y=2">fastn</a>'
    )


def test_autolinks_follow_marked_gfm() -> None:
    html = markdown_to_html("see https://fastn.com/?a=1&b=2, www.fastn.com, a@b.io or fastn.com")
    assert '<a href="https://fastn.com/?a=1&amp;b=2">https://fastn.com/?a=1&amp;b=2</a>' in html
    assert '<a href="http://www.fastn.com">www.fastn.com</a>' in html
    assert '<a href="mailto:a@b.io">a@b.io</a>' in html
    assert html.endswith(" or fastn.com")  # a bare domain is not a link in marked


def test_table_alignment_uses_align_attribute() -> None:
    html = markdown_to_html("| a | b | c |\n|:--|:-:|--:|\n| 1 | 2 | 3 |")
    assert '<th align="left">a</th>' in html
    assert '<th align="center">b</th>' in html
    assert '<td align="right">3</td>' in html
    assert "style=" not in html


def test_lists_and_task_lists() -> None:
    assert markdown_to_html("- one\n- two") == "<ul>\n<li>one</li>\n<li>two</li>\n</ul>"
    assert markdown_to_html("1. one\n2. two") == "<ol>\n<li>one</li>\n<li>two</li>\n</ol>"
    assert markdown_to_html("- [ ] todo\n- [x] done") == (
        '<ul>\n<li><input disabled="" type="checkbox"> todo</li>\n'
        '<li><input checked="" disabled="" type="checkbox"> done</li>\n</ul>'
    )


def test_headings_and_blocks() -> None:
    assert markdown_to_html("# Title\n\ntext") == "<h1>Title</h1>\ntext"
    assert markdown_to_html("```py\nx = '<b>'\n```") == (
        "<pre><code class=\"language-py\">x = '&lt;b&gt;'\n</code></pre>"
    )


def test_blockquote_marker_is_text_because_it_was_escaped() -> None:
    assert markdown_to_html("> not a quote") == "&gt; not a quote"


def test_surrounding_spaces_are_kept() -> None:
    assert markdown_to_html("  hi") == "  hi"
    assert markdown_to_html("   ") == "   "
    assert markdown_to_html("") == ""


@pytest.mark.parametrize(
    ("text", "slug"),
    [
        ("Hello World", "hello-world"),
        ("Crème Brûlée", "creme-brulee"),
        ("v1.2.3 release", "v1-23-release"),  # only the first `.` becomes `-`
        ("  What's new?  ", "whats-new"),
        ("Hello ?", "hello-"),  # trimmed before punctuation is dropped, like fastn
        ("a -- b", "a-b"),
    ],
)
def test_slugify(text: str, slug: str) -> None:
    assert slugify(text) == slug


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("aZ09é漢 ,;?%$/(+=-_.)*#>1\t")), max_size=12))
def test_the_plain_text_shortcut_renders_what_markdown_it_renders(text: str) -> None:
    markdown_to_html.cache_clear()
    assert markdown_to_html(text) == render_markdown(text)


@pytest.mark.parametrize("text", ["Person 37", "Lisbon", "1 + 2 = 3", "a - b", "50% off, now?"])
def test_plain_words_come_back_as_they_are(text: str) -> None:
    assert markdown_to_html(text) == text == render_markdown(text)


# Pieces of markdown that the fast parser (markdown-it-pyrs) and markdown-it-py must agree
# on whenever the text passes `_fast_enough`: inline and block markup, entities, escapes,
# references, non-ASCII text, and what the fast path leaves to markdown-it-py.
MARKDOWN_PIECES = [
    *"ab c\n\n  \t*_`[]()!<>&#\\-+.=1)'\":/;xX",
    *("**", "```", "> ", "- ", "1. ", "    ", "&amp;", "&#39;", "&copy;", "![", "](", "a_b"),
    *("\n---\n", "\n===\n", "# ", "[a]: /u\n", "[A]", "](/ä b)", "](<a b>)", '](x:y "t")'),
    *(
        "é",
        "ß",
        "ẞ",
        "日本",
        "😀",
        "e\u0301",
        "“",
        "—",
        "\u00a0",
        "\u3000",
        "\x00",
        "\x0b",
        "\x1f",
        "\r\n",
    ),
    *("%20", "\\`", "` `", "http", "www.", "a.com", "a.aſ", "a@b", "|", "~~", "[ ] ", "[x] "),
]


@settings(max_examples=1500, deadline=None)
@given(st.lists(st.sampled_from(MARKDOWN_PIECES), max_size=30).map("".join))
def test_the_fast_parser_renders_what_markdown_it_py_renders(text: str) -> None:
    escaped = _pre_escape(text)
    if _fast_enough(escaped):
        assert _fast_render(escaped) == _markdown().render(escaped)


@pytest.mark.parametrize(
    "text",
    [
        "tip\n\n [GitHub`",  # markdown-it-pyrs 0.4 panics on it
        "a **b**\u00a0",  # no-break space
        "```py\nx = 1",  # unclosed fence
        "![a &amp; b](/i.png)",  # alt text with an entity
        "x 😀**b**",  # emphasis next to an emoji
        "`    ` a",  # a code span of spaces
        "`x\n> quote",  # a block quote (after a backtick: `>` is not escaped)
        "a\n1. ",  # an empty list item
        "- " * 20 + "deep",  # deeper than markdown-it-py nests
        "see www.example.com and https://fastn.com",  # links found in text
    ],
)
def test_what_the_fast_parser_would_get_wrong_goes_to_markdown_it_py(text: str) -> None:
    assert not _fast_enough(_pre_escape(text))


def test_prose_with_inline_markup_and_lists_takes_the_fast_path() -> None:
    text = "Section 1: **bold**, *emphasis*, `code` and a [link](/pages/2/).\n\n- one\n- two\n"
    assert _fast_enough(_pre_escape(text))
    assert render_markdown(text) == (
        "Section 1: <strong>bold</strong>, <em>emphasis</em>, <code>code</code> and a "
        '<a href="/pages/2/">link</a>.\n<ul>\n<li>one</li>\n<li>two</li>\n</ul>'
    )


def test_a_panic_of_the_compiled_parser_falls_back_to_markdown_it_py() -> None:
    """markdown-it-pyrs 0.4 panics on `[a\\``; were such an input to reach it, the page
    still renders (the full parser takes over) instead of failing."""
    from fastn.ftd.markdown import _fast_render, render_markdown

    assert _fast_render("[a`") is None
    assert render_markdown("[a`") == "[a`"
