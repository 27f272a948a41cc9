"""ftd.code: fastn's `<pre>`/`<code>` attributes and exactly fastn's text, plus our
Pygments colouring (token spans, highlighted lines, per-theme CSS)."""

from __future__ import annotations

import html
import re
from pathlib import Path
from types import ModuleType

import pytest

from fastn.ftd.code import (
    DEFAULT_THEME,
    FASTN_THEMES,
    THEME_STYLES,
    CodeBlock,
    highlight,
    theme_css,
)

# (case, how many `-- ftd.code:` sections with a literal body it has, in page order)
CODE_CASES = [
    ("13-non-style-properties", 1),
    ("14-code", 2),  # the third <pre> comes from a component's `$code.text`
    ("40-code-themes", 24),
    ("46-code-languages", 9),
]


def literal_code_sections(source: str) -> list[tuple[dict[str, str], str]]:
    """(headers, body) of each `-- ftd.code:` whose body is written out, as p1 sees it:
    headers up to the first blank line, the body up to the next section without `;;`
    comment lines, `\\--` unescaped."""
    sections = []
    for match in re.finditer(r"^-- ftd\.code:\n(.*?)(?=^-- |\Z)", source, re.M | re.S):
        header_text, _, body = match.group(1).partition("\n\n")
        headers = dict(line.split(": ", 1) for line in header_text.splitlines())
        body = re.sub(r"^;;.*\n?", "", body, flags=re.M)
        body = re.sub(r"^\\--", "--", body.strip("\n"), flags=re.M)
        if not body.startswith("$"):
            sections.append((headers, body))
    return sections


def _pres(node: dict) -> list[dict]:
    if node.get("tag") == "pre":
        return [node]
    return [
        pre for child in node.get("children", []) if isinstance(child, dict) for pre in _pres(child)
    ]


def _without_spans(node: dict) -> dict:
    """The element tree with our Pygments `<span>`s unwrapped (their text kept)."""
    children: list = []
    for child in node["children"]:
        if isinstance(child, dict):
            unwrapped = _without_spans(child)
            parts = unwrapped["children"] if child["tag"] == "span" else [unwrapped]
        else:
            parts = [child]
        for part in parts:
            if isinstance(part, str) and children and isinstance(children[-1], str):
                children[-1] += part
            else:
                children.append(part)
    return {**node, "children": children}


def _observable(observe: ModuleType, pre: dict) -> tuple[list[str], dict]:
    normalizer = observe.Normalizer({})
    tree = normalizer.convert(pre)
    normalizer._flush()
    return normalizer.texts, tree


def as_html(block: CodeBlock) -> str:
    """The element the renderer builds from a CodeBlock."""
    data_line = f' data-line="{block.data_line}"' if block.data_line else ""
    return (
        f'<pre class="{" ".join(block.pre_classes)}"{data_line}>'
        f'<code class="{" ".join(block.code_classes)}">{block.inner_html}</code></pre>'
    )


def visible_text(inner_html: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", inner_html))


@pytest.mark.parametrize(("case", "count"), CODE_CASES)
def test_corpus_code_like_fastn(
    observe: ModuleType, conformance_dir: Path, case: str, count: int
) -> None:
    cases = conformance_dir / "render" / "cases"
    sections = literal_code_sections((cases / f"{case}.ftd").read_text(encoding="utf-8"))
    assert len(sections) == count
    page = observe.split_page((cases / f"{case}.html").read_text(encoding="utf-8"))
    fastn_pres = _pres(observe.parse_html_fragment(page["body_inner"]))[:count]
    for (headers, body), fastn_pre in zip(sections, fastn_pres, strict=True):
        block = highlight(
            body,
            headers.get("lang"),
            headers.get("theme"),
            headers.get("show-line-number") == "true",
        )
        ours = observe.parse_html_fragment(as_html(block))["children"][0]
        expected_texts, expected_tree = _observable(observe, fastn_pre)
        our_texts, _ = _observable(observe, ours)
        assert our_texts == expected_texts  # the visible text is fastn's, character for character
        # and apart from the token spans the elements/attributes/classes are fastn's too
        assert _observable(observe, _without_spans(ours))[1] == expected_tree


def test_highlight_markers_become_data_line() -> None:
    code = "a\nb ;; <hl>\nc ;; <hl>\nd ;; <hl>\ne\nf ;; <hl>"
    block = highlight(code, "txt", None)
    assert block.data_line == "2-4,6"
    assert visible_text(block.inner_html) == "a\nb \nc \nd \ne\nf \n"  # the space stays
    assert block.inner_html.count('<span class="line hll">') == 4
    assert highlight("a\nb", "txt", None).data_line is None


def test_classes_follow_fastn() -> None:
    block = highlight("x", "py", "material-theme.light", show_line_numbers=True)
    assert block.pre_classes == ("language-py", "material-theme-light", "line-numbers")
    assert block.code_classes == ("language-py", "material-theme-light")
    default = highlight("x", None, None)
    assert default.pre_classes == ("language-txt", "fastn-theme-dark")
    assert DEFAULT_THEME == "fastn-theme.dark"


def test_code_is_escaped() -> None:
    block = highlight("<script>alert('x') && 1</script>", "html", None)
    assert "<script>" not in block.inner_html
    assert visible_text(block.inner_html) == "<script>alert('x') && 1</script>\n"


def test_unknown_language_is_plain_text() -> None:
    block = highlight("<b> & c", "no-such-language", None)
    assert block.pre_classes[0] == "language-no-such-language"
    assert block.inner_html == '<span class="line">&lt;b&gt; &amp; c</span>\n'


def test_known_language_gets_token_spans() -> None:
    inner = highlight("def f():\n    return 1", "py", None).inner_html
    assert '<span class="k">def</span>' in inner
    assert '<span class="nf">f</span>' in inner
    assert '<span class="mi">1</span>' in inner


def test_ftd_lexer_tokens() -> None:
    """The parts fastn's code themes colour each get their own token."""
    code = (
        "-- component card: ;; a card\n"
        "caption title:\n"
        "string list $items:\n"
        "optional string note: hi\n"
        "color if { card.on }: $inherited.colors.text\n"
        "$on-click$: $ftd.toggle($a = $card.on)\n"
        "if: { card.on }\n"
        "\n"
        "Body with $ref.\n"
        "-- ftd.text: Hello\n"
        "-- string list $people:\n"
        "-- end: card"
    )
    inner = highlight(code, "ftd", None).inner_html
    spans = re.findall(r'<span class="(\w+)">([^<]*)</span>', inner)
    for expected in [
        ("pm", "--"),
        ("k", "component"),
        ("nf", "card"),
        ("p", ":"),
        ("c1", ";; a card"),
        ("kt", "caption"),
        ("na", "title"),
        ("kt", "string"),
        ("kd", "list"),
        ("na", "$items"),
        ("na", "optional string note"),  # no header type first: one name
        ("sx", " hi"),
        ("nd", " if { card.on }"),
        ("sx", " $inherited.colors.text"),
        ("nl", "$on-click$"),
        ("nd", "if: { card.on }"),
        ("nb", "ftd.text"),
        ("s", " Hello"),
        ("nf", "$people"),
        ("k", "end"),
        ("s", " card"),
    ]:
        assert expected in spans
    assert "Body with $ref." in inner  # body text is plain
    assert "err" not in inner
    assert visible_text(inner) == code + "\n"


def test_escaped_lines_keep_comments_and_slashes() -> None:
    """`\\-- x ;; y` and `\\/-- x` in a code body show as fastn shows them."""
    from fastn.ftd.interpreter import Interpreter
    from fastn.ftd.render.html import render_page

    source = (
        "-- ftd.code:\nlang: ftd\n\n\\;; a comment ;; kept\n\n"
        "\\/-- ftd.text:\ncolor: red\n\n\\-- ftd.text: Hello ;; inline\n"
        "padding.px: 10 ;; dropped\n"
    )
    doc = Interpreter(lambda m: source if m == "foo" else None).document("foo")
    text = html.unescape(re.sub(r"<[^>]+>", "", render_page(doc).split("<body>")[1]))
    assert ";; a comment ;; kept\n\n/-- ftd.text:\ncolor: red\n\n" in text
    assert "-- ftd.text: Hello ;; inline\npadding.px: 10\n" in text


def test_line_numbers_add_no_text() -> None:
    plain = highlight("a\nb", "txt", None)
    numbered = highlight("a\nb", "txt", None, show_line_numbers=True)
    assert numbered.inner_html == plain.inner_html
    assert "counter(" in theme_css(DEFAULT_THEME)


@pytest.mark.parametrize("theme", sorted({*THEME_STYLES, *FASTN_THEMES}))
def test_every_theme_has_scoped_css(theme: str) -> None:
    css = theme_css(theme)
    scope = "." + theme.replace(".", "-")
    assert f"{scope} .k " in css  # token colours
    assert f'pre[class*="language-"]{scope} {{ background:' in css
    # the code element lets the block's background show (base.css gives `code` its own)
    assert f'code[class*="language-"]{scope} {{ background: none;' in css
    # a highlighted line is tinted without a background colour of its own
    assert re.search(rf"{re.escape(scope)} \.line\.hll {{[^}}]*background-image:", css)
    rules = [line for line in css.splitlines() if line]
    assert all(scope in rule.split("{")[0] for rule in rules), "every rule is scoped"


@pytest.mark.parametrize("theme", sorted(FASTN_THEMES))
def test_fastn_themes_colour_ftd_like_fastn(theme: str) -> None:
    """fastn's two themes colour ftd's parts with fastn's colours (observed in its pages)."""
    css = theme_css(theme)
    scope = "." + theme.replace(".", "-") + ".language-ftd"
    palette = FASTN_THEMES[theme]
    assert f"{scope} .na {{ color: {palette.ftd_tokens['Name.Attribute']}; }}" in css
    assert f"{scope} .s {{ color: {palette.ftd_tokens['String']}; }}" in css
    assert f"{scope} .sx {{ color: {palette.ftd_text}; }}" in css
    assert f"{scope} {{ color: {palette.ftd_text}; }}" in css


def test_unknown_theme_has_no_css() -> None:
    assert theme_css("no-such-theme") == ""


def test_other_themes_set_out_the_block_and_colour_ftd_as_fastn() -> None:
    css = theme_css("vs-theme.dark")
    assert "font-size: 13px; line-height: 19.5px;" in css
    assert ".vs-theme-dark.language-ftd .na { color: #569cd6;" in css  # a header's name
    assert ".vs-theme-dark.language-ftd .o { color: #d16969;" in css  # its colon
    assert ".vs-theme-dark.language-ftd .p { color: #d4d4d4;" in css  # a section's colon
    header = highlight("-- ftd.text: hi\npadding.px: 10\n", "ftd", "vs-theme.dark").inner_html
    assert '<span class="na">padding.px</span><span class="o">:</span>' in header


@pytest.mark.parametrize(
    ("code", "lang", "expected"),
    [
        ('print("hi")', "py", '<span class="k">print</span>'),  # a keyword, as in fastn
        ("foo(1)", "js", '<span class="nf">foo</span>'),  # a called name is a function
        ("# Title", "md", '<span class="pm"># </span><span class="gh">Title</span>'),
    ],
)
def test_tokens_are_read_as_fastn_colours_them(code: str, lang: str, expected: str) -> None:
    assert expected in highlight(code, lang, None).inner_html
