"""Module arguments (spec §5.8) and the other corpus-driven interpreter rules next to them."""

from __future__ import annotations

from test_interpreter import body_text, error_of, render

from fastn.ftd.interpreter import Interpreter

SET_1 = """
-- string greeting: hello from set 1

-- string shout(a):
string a:

a + "!"

-- component card:
caption title:

-- ftd.text: $card.title
color: red

-- end: card

-- or-type size:

-- constant integer small: 1
-- constant integer large: 3

-- end: size
"""

SET_2 = SET_1.replace("set 1", "set 2").replace('"!"', '"?"').replace("red", "blue")

PAGE = """
-- import: pkg/set-1 as one

-- component page:
module ds: one
caption title: untitled

-- ftd.column:

-- page.ds.card: $page.title
-- ftd.text: $page.ds.greeting
-- ftd.text: $page.ds.shout(a = $page.title)
-- ftd.integer: $page.ds.size.large

-- end: ftd.column

-- end: page
"""


def test_default_module_and_a_swapped_one(tmp_path):
    page = render(
        tmp_path,
        PAGE + "\n-- page: First\n\n-- page: Second\nds: pkg/set-2\n",
        **{"set-1": SET_1, "set-2": SET_2},
    )
    text = body_text(page)
    first, second = text.split("First|", 1)[1], text.split("Second|", 1)[1]
    assert "hello from set 1" in first and "First!" in first and "|3|" in first
    assert "hello from set 2" in second and "Second?" in second
    assert "color: red" in page and "color: blue" in page


def test_module_argument_passed_on_to_an_inner_component(tmp_path):
    source = (
        PAGE
        + """
-- component outer:
module m: one

-- page: inner
ds: $outer.m

-- end: outer

-- outer:
m: pkg/set-2
"""
    )
    page = render(tmp_path, source, **{"set-1": SET_1, "set-2": SET_2})
    assert "hello from set 2" in body_text(page) and "inner?" in body_text(page)


def test_each_binding_is_resolved_once_under_its_own_name():
    files = {
        "pkg/index": PAGE + "\n-- page:\n\n-- page:\nds: pkg/set-2\n\n-- page:\nds: pkg/set-2\n"
    }
    files["pkg/set-1"], files["pkg/set-2"] = SET_1, SET_2
    doc = Interpreter(files.get).document("pkg/index")
    assert [node.component for node in doc.tree] == [
        "pkg/index#page",
        "pkg/index#page[ds=pkg/set-2]",
        "pkg/index#page[ds=pkg/set-2]",
    ]
    specialised = doc.components["pkg/index#page[ds=pkg/set-2]"]
    assert specialised.body is not None
    assert specialised.body.props["children"].items[0].node.component == "pkg/set-2#card"


def test_module_given_by_an_alias_of_the_invoking_module(tmp_path):
    source = "-- import: pkg/set-2 as two\n" + PAGE + "\n-- page: Hi\nds: two\n"
    page = render(tmp_path, source, **{"set-1": SET_1, "set-2": SET_2})
    assert "hello from set 2" in body_text(page)


def line_of(source: str, text: str) -> int:
    return source.splitlines().index(text) + 1


def test_module_argument_errors_are_located(tmp_path):
    cases = [
        (
            PAGE + "\n-- boolean flag: true\n\n-- page: x\nds if { flag }: pkg/set-1\n",
            "ds if { flag }: pkg/set-1",
            "module argument `ds` cannot be conditional",
        ),
        (PAGE + "\n-- page: x\nds: pkg/nope\n", "ds: pkg/nope", "module `pkg/nope` not found"),
        (
            PAGE.replace("module ds: one", "module ds:") + "\n-- page:\n",
            "module ds:",
            "module argument `ds` needs a default module",
        ),
        (
            PAGE + "\n-- string s: x\n\n-- page: x\nds: $s\n",
            "ds: $s",
            "`$s` is not a module argument",
        ),
    ]
    for source, at, message in cases:
        e = error_of(tmp_path, source, **{"set-1": SET_1})
        assert (e.line, e.message) == (line_of(source, at), message)


def test_conditional_argument_falls_back_to_the_default(tmp_path):
    page = render(
        tmp_path,
        """
-- boolean flag: true

-- component bar:
caption title: the default

-- ftd.text: $bar.title

-- end: bar

-- bar:
title if { !flag }: given
""",
    )
    assert "the default" in body_text(page) and "given" not in body_text(page)


def test_variable_name_read_as_its_kind(tmp_path):
    page = render(
        tmp_path,
        """
-- record status:
boolean logged-in:

-- status user:
logged-in: true

-- boolean logged(u):
user u: $user

u.logged-in

-- ftd.boolean: $logged()
""",
    )
    assert "|true|" in body_text(page)


def test_or_type_of_integer_constants_reads_as_integer(tmp_path):
    page = render(tmp_path, SET_1 + "\n-- size s: large\n\n-- ftd.integer: $s\n")
    assert "|3|" in body_text(page)
    e = error_of(tmp_path, SET_1 + "\n-- size s: large\n\n-- ftd.boolean: $s\n")
    assert e.message == "`$s` is pkg/index.size, expected boolean"


def test_web_components_are_numbered_for_their_arguments(tmp_path):
    page = render(
        tmp_path,
        """
-- web-component word-count:
integer n: 1
js: /wc.js

-- end: word-count

-- word-count:
-- word-count:
""",
    )
    assert '<word-count args="0"></word-count>' in page
    assert '<word-count args="1"></word-count>' in page
