"""`fastn create-package NAME`: a new package that serves a page at once.

`FASTN.ftd` (with the `endpoint:` line commented out, ready for a backend), `index.ftd`
using a component from `_components.ftd` (a leading `_`: imported, never a page of its own),
and a `.gitignore` for the build output and `.env`.
"""

from __future__ import annotations

import re
from pathlib import Path

from fastn.package.config import PACKAGE_FILE

# fastn package names are folder-like: `hello`, `example.com`, `github.com/me/site`.
_PACKAGE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*(/[A-Za-z0-9][A-Za-z0-9._-]*)*")

FASTN_FTD = """\
-- import: fastn

-- fastn.package: {name}
;; Anything this package does not serve goes to the backend named here:
;; endpoint: http://127.0.0.1:8001
"""

COMPONENTS_FTD = """\
-- component card:
caption title:
body text:

-- ftd.column:
width: fill-container
padding.px: 16
border-width.px: 1
border-radius.px: 8
border-color: $inherited.colors.border
spacing.fixed.px: 4

-- ftd.text: $card.title
role: $inherited.types.heading-small
color: $inherited.colors.text-strong

-- ftd.text: $card.text
color: $inherited.colors.text

-- end: ftd.column

-- end: card
"""

INDEX_FTD = """\
-- import: {name}/_components as c

-- ftd.document: {name}

-- ftd.column:
width: fill-container
min-height: fill-container
padding.px: 40
spacing.fixed.px: 16
background.solid: $inherited.colors.background.base

-- ftd.text: Welcome to {name}
role: $inherited.types.heading-large
color: $inherited.colors.text-strong

-- c.card: Edit index.ftd

`fastn serve` shows your changes as soon as you save.

-- c.card: Add pages

`about.ftd` is served at `/about/`, `docs/intro.ftd` at `/docs/intro/`.

-- end: ftd.column

-- end: ftd.document
"""

GITIGNORE = ".build/\n.env\n"


class ScaffoldError(Exception):
    """The package cannot be created (bad name, folder in the way)."""


def create_package(name: str, folder: Path) -> list[Path]:
    """Write a new package called `name` into `folder` (created; must be empty if it exists)."""
    if not _PACKAGE_NAME.fullmatch(name):
        raise ScaffoldError(
            f"{name!r} is not a package name (letters, digits, '.', '-', '_', parts joined by '/')"
        )
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise ScaffoldError(f"{folder} already exists and is not empty")
    files = {
        PACKAGE_FILE: FASTN_FTD.format(name=name),
        "index.ftd": INDEX_FTD.format(name=name),
        "_components.ftd": COMPONENTS_FTD,
        ".gitignore": GITIGNORE,
    }
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for relative, text in files.items():
        path = folder / relative
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written
