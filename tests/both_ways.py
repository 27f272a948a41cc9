"""A page drawn both ways: by walking the tree (the reference) and by the compiled program."""

from __future__ import annotations

from typing import Any

from fastn.ftd.model import Document
from fastn.ftd.render import compiled
from fastn.ftd.render.html import Renderer, render_page


def render_both_ways(doc: Document, processors: dict[str, Any] | None) -> tuple[str, str | None]:
    """(the walker's page, the compiled program's page), the second None when the page is the
    walker's to draw (no program, or this rendering turns interactive or fails)."""
    doc.render_program = False
    walked = render_page(doc, processors)
    program = compiled.compile_document(doc)  # a compiler failure fails the test
    if program is None:
        return walked, None
    try:
        trial = Renderer(doc, processors)
        trial.body(program)
    except Exception:  # noqa: BLE001 - the walker raises the error (it did not, above)
        return walked, None
    if trial.interactive:
        return walked, None
    doc.render_program = program
    return walked, render_page(doc, processors)
