"""fastn-py's browser runtime: small hand-written JavaScript fed by the document model.

The server renders every page (the initial state); an interactive page also carries its
resolved document model as JSON (:mod:`fastn.runtime.model`) and loads this runtime, which
attaches to the server's HTML (hydration) and from then on re-renders what changes when
mutable variables do. The JavaScript lives in ``js/``, one file per concern; the browser gets
them as one file at a fixed URL containing a hash of its content, so it can cache it forever.
"""

from __future__ import annotations

import hashlib
import json
from functools import cache
from pathlib import Path

from fastn.ftd import code
from fastn.ftd.builtins import default_colors, default_types
from fastn.ftd.render import css
from fastn.runtime.model import encode_value

URL_PREFIX = "/-/fastn/"
JS_FOLDER = Path(__file__).parent / "js"
# Order matters: each file uses what the ones before it define.
JS_FILES = (
    "values.js",
    "expr.js",
    "state.js",
    "css.js",
    "markdown.js",
    "render.js",
    "webcomponents.js",
    "events.js",
    "rive.js",
    "browser.js",
    "http.js",
    "main.js",
)


def _shared_tables() -> dict:
    """Data the Python renderer and the runtime both use, so that there is one copy of it."""
    from fastn.ftd.render import html  # it imports this package

    return {
        "noCss": sorted(html.NOT_CSS),
        "rel": html.LINK_REL,
        "blockedUrl": html.BLOCKED_URL,
        "codeTheme": code.DEFAULT_THEME,
        "codeLang": code.DEFAULT_LANG,
        "resizingProperties": css.RESIZING_PROPERTIES,
        "lengthProperties": css.LENGTH_PROPERTIES,
        "weights": css._WEIGHTS,
        "directions": css._DIRECTIONS,
        "alignColumn": css._ALIGN_COLUMN,
        "alignRow": css._ALIGN_ROW,
        "defaults": {
            "colors": encode_value(default_colors()),
            "types": encode_value(default_types()),
        },
    }


@cache
def bundle() -> bytes:
    """The whole runtime as one script (an IIFE: only ``window.fastn`` is global)."""
    tables = json.dumps(_shared_tables(), separators=(",", ":"), ensure_ascii=False)
    parts = [
        "/* fastn-py runtime */\n(function () {\n'use strict';\n",
        f"const TABLES = {tables};\n",
    ]
    for name in JS_FILES:
        parts.append(f"// ---- {name}\n")
        parts.append((JS_FOLDER / name).read_text(encoding="utf-8"))
    parts.append("\n})();\n")
    return "".join(parts).encode()


@cache
def runtime_url() -> str:
    """Where pages load the runtime from: a new URL whenever its content changes."""
    digest = hashlib.sha256(bundle()).hexdigest()[:16]
    return f"{URL_PREFIX}runtime.{digest}.js"


def write_runtime(folder: Path) -> Path:
    """Puts the runtime into a static build, at the path its pages load it from."""
    file = folder / runtime_url().lstrip("/")
    file.parent.mkdir(parents=True, exist_ok=True)
    file.write_bytes(bundle())
    return file
