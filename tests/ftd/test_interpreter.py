"""Documents in, pages or located errors out: the interpreter and renderer end to end."""

from __future__ import annotations

import re

import pytest

from fastn.ftd.errors import FtdError
from fastn.package.environment import Environment, render_file


def render(tmp_path, source: str, **modules: str) -> str:
    (tmp_path / "index.ftd").write_text(source)
    for name, text in modules.items():
        (tmp_path / f"{name}.ftd").write_text(text)
    return Environment(tmp_path, "pkg").render_sync("index").body


def body_text(page: str) -> str:
    body = page.split("<body>", 1)[1].split("</body>", 1)[0]
    return re.sub(r"<[^>]+>", "|", body)


def error_of(tmp_path, source: str, **modules: str) -> FtdError:
    with pytest.raises(FtdError) as info:
        render(tmp_path, source, **modules)
    return info.value


def test_variables_records_and_components(tmp_path):
    page = render(
        tmp_path,
        """
-- record person:
caption name:
integer age: 30

-- person amit: Amit

-- component card:
caption person p:

-- ftd.row:
-- ftd.text: $card.p.name
-- ftd.integer: $card.p.age
-- end: ftd.row

-- end: card

-- card: $amit
""",
    )
    assert "|Amit|" in body_text(page)
    assert "|30|" in body_text(page)


def test_loops_conditions_and_functions(tmp_path):
    page = render(
        tmp_path,
        """
-- string list names: Ann, Bob, Cy

-- ftd.text: $name
for: name, i in $names
if: { i != 1 }

-- integer add(a, b):
integer a:
integer b:

a + b

-- ftd.integer: $add(a = 2, b = 40)
""",
    )
    text = body_text(page)
    assert "Ann" in text and "Cy" in text and "Bob" not in text
    assert "|42|" in text


def test_imports_with_alias_and_exposing(tmp_path):
    page = render(
        tmp_path,
        "-- import: pkg/lib as l\nexposing: greeting\n\n-- ftd.text: $l.name\n-- ftd.text: $greeting\n",
        lib="-- string name: from lib\n-- string greeting: hi there\n",
    )
    assert "from lib" in page and "hi there" in page


def test_colors_become_light_and_dark_classes(tmp_path):
    page = render(tmp_path, "-- ftd.text: Hi\ncolor: $c\n\n-- ftd.color c: red\ndark: blue\n")
    assert re.search(r"\.__color-\d+ \{ color: red !important; \}", page)
    assert re.search(r"body\.dark \.__color-\d+ \{ color: blue !important; \}", page)


def test_markdown_is_escaped(tmp_path):
    page = render(tmp_path, "-- ftd.text: <script>alert(1)</script> **bold**\n")
    assert "<script>alert" not in page
    assert "<strong>bold</strong>" in page


@pytest.mark.parametrize(
    ("source", "line", "fragment"),
    [
        ("-- ftd.text: $nope\n", 1, "unknown name `nope`"),
        ("-- integer x: hello\n\n-- ftd.integer: $x\n", 1, "expected an integer"),
        ("-- component c:\nstring s:\n-- ftd.text: $c.s\n-- end: c\n\n-- c:\n", 6, "Property `s`"),
        ("-- foo: hi\n", 1, "unknown component `foo`"),
        ("-- ftd.text: hi\ncolour: red\n", 2, "Header type `colour`"),
        ("-- import: pkg/missing\n\n-- missing.hi:\n", 3, "module `pkg/missing` not found"),
        ("-- ftd.text hi\n", 1, ": is missing"),
        ("-- ftd.column:\n-- end: ftd.row\n", 2, "No section found to end"),
        ("-- ftd.text: hi\nif: flag\n", 2, "Expected condition in expression mode"),
    ],
)
def test_errors_are_located(tmp_path, source, line, fragment):
    e = error_of(tmp_path, source)
    assert e.line == line, str(e)
    assert fragment in e.message
    assert str(e).startswith("index.ftd:") or str(e).split(":")[0].endswith("index.ftd")


def test_error_in_imported_module_names_that_module(tmp_path):
    e = error_of(
        tmp_path, "-- import: pkg/lib\n\n-- ftd.text: $lib.x\n", lib="-- integer x: oops\n"
    )
    assert e.doc_id == "pkg/lib"
    assert e.line == 1
    assert str(e).endswith("lib.ftd:1: expected an integer, found `oops`")


def test_render_file_cli_function(tmp_path):
    path = tmp_path / "page.ftd"
    path.write_text("-- ftd.document: My title\n\n-- ftd.text: Hello\n\n-- end: ftd.document\n")
    page = render_file(path)
    assert "<title>My title</title>" in page
    assert "Hello" in page


def test_edits_show_on_next_render(tmp_path):
    env = Environment(tmp_path, "pkg")
    (tmp_path / "index.ftd").write_text("-- ftd.text: one\n")
    assert "one" in env.render_sync("index").body
    import os
    import time

    (tmp_path / "index.ftd").write_text("-- ftd.text: two\n")
    later = time.time() + 5
    os.utime(tmp_path / "index.ftd", (later, later))
    assert "two" in env.render_sync("index").body


def _touch_later(path, text: str) -> None:
    """Write `text` with an mtime that differs from the one read before, however fast."""
    import os
    import time

    path.write_text(text)
    later = time.time() + 5
    os.utime(path, (later, later))


def test_an_edited_import_shows_on_the_next_render_of_its_importer(tmp_path):
    env = Environment(tmp_path, "pkg")
    (tmp_path / "lib.ftd").write_text("-- string greeting: hello\n")
    (tmp_path / "index.ftd").write_text("-- import: pkg/lib\n\n-- ftd.text: $lib.greeting\n")
    (tmp_path / "other.ftd").write_text("-- ftd.text: other\n")
    assert "hello" in env.render_sync("index").body
    assert "other" in env.render_sync("other").body
    _touch_later(tmp_path / "lib.ftd", "-- string greeting: bonjour\n")
    assert "other" in env.render_sync("other").body  # does not import lib: nothing to redo
    assert "bonjour" in env.render_sync("index").body


def test_a_page_without_processors_is_rendered_once_until_a_file_changes(tmp_path):
    env = Environment(tmp_path, "pkg")
    (tmp_path / "index.ftd").write_text("-- ftd.text: one\n")
    first = env.render_sync("index")
    assert env.render_sync("index") is first
    _touch_later(tmp_path / "index.ftd", "-- ftd.text: two\n")
    assert "two" in env.render_sync("index").body


def test_a_build_environment_does_not_look_at_files_again(tmp_path):
    env = Environment(tmp_path, "pkg", watch_files=False)
    (tmp_path / "index.ftd").write_text("-- ftd.text: one\n")
    assert "one" in env.render_sync("index").body
    _touch_later(tmp_path / "index.ftd", "-- ftd.text: two\n")
    assert "one" in env.render_sync("index").body


def test_a_function_body_brings_the_globals_it_reads_into_the_document(tmp_path):
    (tmp_path / "index.ftd").write_text(
        "-- integer step: 10\n\n-- integer $total: 0\n\n"
        "-- ftd.integer: $total\n$on-click$: $advance()\n\n"
        "-- void advance():\n\ntotal = total + step + ftd.dark-mode\n"
    )
    env = Environment(tmp_path, "pkg")
    doc, _ = env._prepare("index")
    assert "pkg/index#step" in doc.variables
    assert "ftd#dark-mode" in doc.variables


def test_a_page_carries_only_what_it_uses_whatever_was_rendered_before(tmp_path):
    """One interpreter serves every document of a package: an interactive page's model must
    not pick up the definitions (and values) of pages rendered before it."""
    (tmp_path / "a.ftd").write_text(
        "-- import: pkg/lib\n\n-- integer $n: 0\n\n"
        "-- lib.counter: $n\n$on-click$: $ftd.increment($a = $n)\n"
    )
    (tmp_path / "b.ftd").write_text(
        "-- import: pkg/lib\n\n-- string secret-of-b: only-on-b\n\n"
        "-- ftd.text: $secret-of-b\n\n-- lib.badge:\n"
    )
    (tmp_path / "lib.ftd").write_text(
        "-- integer start: 0\n\n"
        "-- component counter:\ncaption integer value:\n\n"
        "-- ftd.integer: $counter.value\n\n-- end: counter\n\n"
        "-- component badge:\n\n-- ftd.text: badge-of-b\n\n-- end: badge\n"
    )
    fresh = Environment(tmp_path, "pkg").render_sync("a").body
    env = Environment(tmp_path, "pkg")
    env.render_sync("b")
    after_b = env.render_sync("a").body
    assert after_b == fresh
    assert "only-on-b" not in after_b and "badge" not in after_b
    assert "pkg/lib#counter" in after_b  # the model has the component the page uses


def test_a_function_carries_its_globals_also_when_another_page_resolved_them_first(tmp_path):
    """`step` is resolved by page b before page a's click handler is; a must still carry it."""
    (tmp_path / "lib.ftd").write_text(
        "-- integer step: 10\n\n-- integer $total: 0\n\n-- void advance():\n\ntotal = total + step\n"
    )
    (tmp_path / "b.ftd").write_text("-- import: pkg/lib\n\n-- ftd.integer: $lib.step\n")
    (tmp_path / "a.ftd").write_text(
        "-- import: pkg/lib\n\n-- ftd.integer: $lib.total\n$on-click$: $lib.advance()\n"
    )
    env = Environment(tmp_path, "pkg")
    env.render_sync("b")
    doc, _ = env._prepare("a")
    assert "pkg/lib#step" in doc.variables


def test_a_deleted_document_is_not_found_on_the_next_render(tmp_path):
    env = Environment(tmp_path, "pkg")
    (tmp_path / "gone.ftd").write_text("-- ftd.text: here\n")
    assert "here" in env.render_sync("gone").body
    (tmp_path / "gone.ftd").unlink()
    with pytest.raises(FtdError, match="document `gone` not found"):
        env.render_sync("gone")
