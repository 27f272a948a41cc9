"""Page layout as fastn's pages have it, in Chromium: `anchor: parent` and `anchor.id: X`
place an element against its parent or element #X (made `position: relative`), and a
`height: fill-container` column covers content taller than the window."""

from __future__ import annotations

from fastn.ftd.interpreter import Interpreter
from fastn.ftd.render.html import render_page

SOURCE = """\
-- ftd.column:
width.fixed.px: 300
height.fixed.px: 200
margin-top.px: 100

-- ftd.text: corner
anchor: parent
right.px: 10
bottom.px: 10

-- end: ftd.column

-- ftd.column:
id: box
width.fixed.px: 300
height.fixed.px: 100

-- ftd.column:

-- ftd.text: in box
anchor.id: box
top.px: 5
left.px: 7

-- end: ftd.column

-- end: ftd.column
"""


def test_anchored_elements_sit_in_their_parent_and_in_the_named_element(page) -> None:
    doc = Interpreter(lambda module: SOURCE if module == "page" else None).document("page")
    page.set_content(render_page(doc))
    corner = page.get_by_text("corner").bounding_box()
    parent = page.get_by_text("corner").locator("..").bounding_box()
    assert corner is not None and parent is not None
    assert round(parent["x"] + parent["width"] - corner["x"] - corner["width"]) == 10
    assert round(parent["y"] + parent["height"] - corner["y"] - corner["height"]) == 10
    in_box = page.get_by_text("in box").bounding_box()
    box = page.locator("#box").bounding_box()
    assert in_box is not None and box is not None
    assert (round(in_box["x"] - box["x"]), round(in_box["y"] - box["y"])) == (7, 5)


TALL = """\
-- ftd.column:
width: fill-container
height: fill-container
background.solid: #eeeeee

-- ftd.column:
min-height.fixed.px: 2000

-- ftd.text: tall content

-- end: ftd.column

-- end: ftd.column
"""


def test_a_fill_container_column_covers_content_taller_than_the_window(page) -> None:
    doc = Interpreter(lambda module: TALL if module == "page" else None).document("page")
    page.set_viewport_size({"width": 800, "height": 600})
    page.set_content(render_page(doc))
    column = page.locator("div.ft_column").filter(has_text="tall content").first
    box = column.bounding_box()
    assert box is not None and box["height"] >= 2000


CODE = """\
-- ftd.code:
lang: ftd

\\-- ftd.text: hello
"""


def test_code_of_a_code_block_is_set_in_by_one_em(page) -> None:
    doc = Interpreter(lambda module: CODE if module == "page" else None).document("page")
    page.set_content(render_page(doc))
    block, code = page.locator("pre").bounding_box(), page.locator("pre > code").bounding_box()
    size = page.locator("pre > code").evaluate("c => parseFloat(getComputedStyle(c).fontSize)")
    assert block is not None and code is not None
    padding = page.locator("pre").evaluate("p => parseFloat(getComputedStyle(p).paddingLeft)")
    assert round(code["x"] - block["x"] - padding) == 0
    text = page.get_by_text("hello").bounding_box()
    assert text is not None and round(text["x"] - code["x"]) >= round(size) - 1


TEXT_WITH_CODE = """\
-- ftd.type sans:
font-family: serif
size.px: 18

-- ftd.text: Run `fastn serve` here
role: $sans

-- ftd.code:
lang: ftd
role: $sans

\\-- ftd.text: hello

-- ftd.row:
role: $sans

-- ftd.code:
lang: ftd

\\-- ftd.text: in a row

-- end: ftd.row
"""


def test_code_in_a_text_takes_the_font_of_the_texts_role(page) -> None:
    doc = Interpreter(lambda m: TEXT_WITH_CODE if m == "page" else None).document("page")
    page.set_content(render_page(doc))
    families = page.evaluate(
        "[...document.querySelectorAll('code')].map(c => getComputedStyle(c).fontFamily)"
    )
    assert families == ["serif", "monospace", "monospace"]  # code blocks keep theirs


LONG_CODE = """\
-- ftd.column:
width.fixed.px: 300

-- ftd.code:
lang: ftd
white-space: break-spaces

\\-- ftd.text: a line much longer than the three hundred pixels of the column around it

-- end: ftd.column
"""


def test_lines_of_a_code_block_do_not_wrap(page) -> None:
    """fastn's code themes keep each line on one line, whatever the block's `white-space`;
    a long line scrolls."""
    doc = Interpreter(lambda m: LONG_CODE if m == "page" else None).document("page")
    page.set_content(render_page(doc))
    size = page.locator("pre").evaluate("p => parseFloat(getComputedStyle(p).fontSize)")
    code = page.locator("pre > code").bounding_box()
    assert code is not None and code["height"] < 2 * size  # one line
