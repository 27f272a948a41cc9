"""Render the conformance corpus the way fastn's own test harness does.

    python -m fastn.conformance CASES_DIR OUT_DIR

Every case is document ``foo``; ``-- import: M`` loads ``M.ftd`` from the same folder (a
missing module is an empty one); every ``$processor$`` gives the upper-cased caption of its
section (or the upper-cased processor name). Writes ``OUT_DIR/X.html`` or ``OUT_DIR/X.error``.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from fastn.ftd.errors import FtdError
from fastn.ftd.interpreter import Interpreter
from fastn.ftd.render.html import render_page, render_payload


def render_case(cases: Path, name: str) -> tuple[str, str]:
    """("html", page) or ("error", "foo:LINE -> message") for case ``name``."""
    main = (cases / f"{name}.ftd").read_text(encoding="utf-8")

    def load(module_id: str) -> str | None:
        if module_id == "foo":
            return main
        path = cases / f"{module_id}.ftd"
        return path.read_text(encoding="utf-8") if path.is_file() else None

    try:
        doc = Interpreter(load, missing_module_is_empty=True).document("foo")
        payload = render_payload(doc)
        if payload is not None:
            return "html", payload[0]
        return "html", render_page(doc, _stub_processors(doc))
    except FtdError as e:
        return "error", e.located("foo", e.line).fastn_format()
    except Exception as e:  # an engine bug must not stop the rest of the corpus
        return "error", f"foo:0 -> internal error: {type(e).__name__}: {e}"


def _stub_processors(doc: Any) -> dict[str, Any]:
    values = {}
    for name, var in doc.variables.items():
        if var.processor:
            caption = var.section.caption.value if var.section and var.section.caption else None
            values[name] = (caption or var.processor).upper()
    return values


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 2:
        print("usage: python -m fastn.conformance CASES_DIR OUT_DIR", file=sys.stderr)
        return 2
    cases, out = Path(args[0]), Path(args[1])
    out.mkdir(parents=True, exist_ok=True)
    names = sorted(
        p.stem
        for p in cases.glob("*.ftd")
        if (cases / f"{p.stem}.html").exists() or (cases / f"{p.stem}.error").exists()
    )
    for name in names:
        kind, text = render_case(cases, name)
        (out / f"{name}.{kind}").write_text(text, encoding="utf-8")
    return 0
