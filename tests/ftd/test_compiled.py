"""The compiled program draws the same pages as the tree walker, and is used where it can be."""

from __future__ import annotations

from pathlib import Path

import pytest

from both_ways import render_both_ways
from fastn.conformance import _stub_processors
from fastn.ftd.errors import FtdError
from fastn.ftd.interpreter import Interpreter
from fastn.ftd.model import Document
from fastn.ftd.render.html import render_page, render_payload

# Corpus documents the compiled program draws (the rest have events, read the device, fail...).
# Raise it as the compiler learns more; never lower it.
CORPUS_COMPILED_FLOOR = 40


def document(source: str, modules: dict[str, str] | None = None) -> Document:
    texts = {"foo": source, **(modules or {})}
    return Interpreter(texts.get).document("foo")


def test_every_corpus_page_is_the_same_both_ways(conformance_dir: Path) -> None:
    cases = conformance_dir / "render" / "cases"
    compiled = 0
    for path in sorted(cases.glob("*.ftd")):

        def load(module_id: str, path: Path = path) -> str | None:
            if module_id == "foo":
                return path.read_text(encoding="utf-8")
            other = cases / f"{module_id}.ftd"
            return other.read_text(encoding="utf-8") if other.is_file() else None

        try:
            doc = Interpreter(load, missing_module_is_empty=True).document("foo")
            if render_payload(doc) is not None:
                continue
            walked, drawn = render_both_ways(doc, _stub_processors(doc))
        except FtdError:
            continue
        if drawn is not None:
            compiled += 1
            assert drawn == walked, path.name
    assert compiled >= CORPUS_COMPILED_FLOOR


ROWS = """\
-- record person:
integer id:
string name:
optional string city:

-- person list people:

-- person:
id: 1
name: Ada **Lovelace**
city: London

-- person:
id: 2
name: Alan <Turing>

-- end: people

-- integer gap: 6

-- ftd.column:
width: fill-container

-- row-view: $p
idx: $LOOP.COUNTER
for: $p in $people

-- row-view: $p
if: { p.id > 1 }
for: $p in $people

-- end: ftd.column

-- component row-view:
caption person p:
integer idx: 0
string label: $row-view.p.name
integer size: $gap

-- ftd.row:
spacing.fixed.px: $row-view.size
padding.px: 4

-- ftd.integer: $row-view.idx
-- ftd.text: $row-view.label
-- ftd.text: $row-view.p.city
if: { row-view.p.city != NULL }
color: red

-- end: ftd.row

-- end: row-view
"""


def test_a_page_of_rows_is_compiled_and_the_same() -> None:
    """Loops (with their counter), conditions, defaults reading other arguments and globals,
    markdown, escaping, constant and computed CSS."""
    walked, drawn = render_both_ways(document(ROWS), {})
    assert drawn is not None
    assert drawn == walked
    assert "Ada <strong>Lovelace</strong>" in drawn and "Alan &lt;Turing&gt;" in drawn


def test_what_the_compiler_hands_the_walker_is_drawn_in_place() -> None:
    """An image, a link, a `children` value and a component taking UI are the walker's."""
    source = """\
-- component card:
children items:

-- ftd.column:
children: $card.items
link: /about/

-- end: ftd.column

-- end: card

-- ftd.column:

-- ftd.image:
src: /logo.png

-- card:

-- ftd.text: inside

-- end: card

-- ftd.text: after

-- end: ftd.column
"""
    walked, drawn = render_both_ways(document(source), {})
    assert drawn == walked
    assert '<a href="/about/"' in drawn and "inside" in drawn


def test_a_page_reading_the_device_is_drawn_by_the_walker() -> None:
    source = """\
-- ftd.length.responsive len:
desktop.px: 40
mobile.px: 10

-- ftd.text: hello
padding: $len
"""
    doc = document(source)
    walked, drawn = render_both_ways(doc, {})
    assert drawn is None  # it turned interactive: the runtime must be able to redraw it
    assert "fastn-model" in walked


def test_an_error_is_the_walker_s_located_error() -> None:
    source = """\
-- component ping:

-- ftd.column:

-- pong:

-- end: ftd.column

-- end: ping

-- component pong:

-- ftd.row:

-- ping:

-- end: ftd.row

-- end: pong

-- ping:
"""
    doc = document(source)
    with pytest.raises(FtdError) as walked:
        render_page(doc)
    with pytest.raises(FtdError) as again:
        render_page(doc)  # the second rendering compiles the document
    assert str(again.value) == str(walked.value)
    assert "too deep" in str(again.value)


@pytest.mark.parametrize("components", [98, 99, 100])
def test_nesting_near_the_limit_ends_the_same_both_ways(components: int) -> None:
    """A chain of components, each a column around the next: the walker's depth limit (200
    nested nodes) is where the compiled program stops too."""
    parts = [
        f"-- component c{i}:\n\n-- ftd.column:\n\n-- c{i + 1}:\n\n-- end: ftd.column\n\n-- end: c{i}\n"
        for i in range(components)
    ]
    parts.append(f"-- component c{components}:\n\n-- ftd.text: bottom\n\n-- end: c{components}\n")
    doc = document("\n".join([*parts, "-- c0:\n"]))

    def outcome() -> str:
        try:
            return render_page(doc)
        except FtdError as error:
            return f"error: {error}"

    walked = outcome()
    assert outcome() == walked  # the second rendering compiles the document
    assert ("too deep" in walked) == (components >= 100)


def test_a_compiler_failure_costs_no_page(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from fastn.ftd.render import compiled

    def broken(self: object) -> None:
        raise RuntimeError("a compiler bug")

    monkeypatch.setattr(compiled._Compiler, "compile", broken)
    doc = document(ROWS)
    walked = render_page(doc, {})
    with caplog.at_level("ERROR", logger="fastn.render"):
        assert render_page(doc, {}) == walked  # the second rendering would compile
    assert "compiling it failed" in caplog.text and "a compiler bug" in caplog.text
