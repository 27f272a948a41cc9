"""pr.sitemap and pr.toc give what fastn gave on the published pages of the real packages.

fastn writes each page's data into its script: the `sitemap-data` of doc-site, bling and
business-card pages and design-system's `toc`. Every record there must equal ours, field by
field, for the page's own document.
"""

from __future__ import annotations

import gzip
import json
import re
from pathlib import Path
from typing import Any

import pytest

from fastn.ftd import p1
from fastn.package.config import load_package
from fastn.processors.sitemap import sitemap_data
from fastn.processors.toc import parse_toc

TOC_FIELDS = [
    *("title", "url", "description", "path", "number", "font-icon", "img-src", "bury"),
    *("document", "is-heading", "is-disabled", "is-active", "is-open", "children"),
]


def record_in_page(html: str, name: str) -> Any:
    """The value fastn's script gives global `name` (its two ways of writing records)."""
    marker = f'createNestedObject(global, "{name}", '
    start = html.find(marker)
    if start < 0:
        return None
    text = _balanced(html, start + len(marker))
    if "record.set(" in text:  # function () { let record = …; record.set("k", v); … }()
        text = re.sub(
            r"function \(\) \{\s*let record = fastn\.recordInstance\(\{\s*\}\);", "{", text
        )
        text = re.sub(r"return record;\s*\}\(\)", "}", text)
        text = re.sub(r'record\.set\("([\w-]+)", ', r'"\1": ', text)
        text = text.replace("fastn.mutableList([", "[")
        text = re.sub(r"\]\)\);", "],", text)
        text = re.sub(r"\);\n", ",\n", text)
        text = text.replace("])", "]")
    else:  # fastn.recordInstance({k: v, …})
        text = text.replace("fastn.mutableList([", "[").replace("fastn.recordInstance({", "{")
        text = text.replace("])", "]").replace("})", "}")
        text = re.sub(r"^(\s*)(\w+): ", r'\1"\2": ', text, flags=re.M)
    return json.loads(re.sub(r",(\s*[}\]])", r"\1", text))


def _balanced(text: str, start: int) -> str:
    """`text` from `start` to the bracket closing the call it is an argument of."""
    depth, quote, index = 0, "", start
    while True:
        char = text[index]
        if quote:
            if char == "\\":
                index += 1
            elif char == quote:
                quote = ""
        elif char in "\"'":
            quote = char
        elif char in "([{":
            depth += 1
        elif char in ")]}":
            if depth == 0:
                return text[start:index]
            depth -= 1
        index += 1


def as_fastn_writes(item: dict[str, Any] | None) -> dict[str, Any] | None:
    """Our `toc-item` fields as fastn's script names them, absent ones null."""
    if item is None:
        return None
    written = {}
    for field in TOC_FIELDS:
        value = item.get(field)
        if field == "children":
            value = [as_fastn_writes(child) for child in value or []]
        written[field.replace("-", "_")] = value
    return written


def pages(reference: Path) -> list[tuple[str, str]]:
    """(document path, page html) of every published page."""
    found = []
    for page in sorted(reference.rglob("index.html.gz")):
        route = page.parent.relative_to(reference).as_posix()
        with gzip.open(page, "rt") as html:
            found.append(("/" if route == "." else route + "/", html.read()))
    return found


@pytest.mark.parametrize(
    ("package", "variable"),
    [
        ("doc-site", "fastn_community_github_io_header__sitemap"),
        ("bling", "fastn_community_github_io_site_doc__sitemap"),
        ("business-card", "fastn_community_github_io_site_doc__sitemap"),
    ],
)
def test_sitemap_equals_fastns_on_every_page(
    realworld_packages: Path, package: str, variable: str
) -> None:
    sitemap = load_package(realworld_packages / package).sitemap
    assert sitemap is not None
    compared = 0
    for path, html in pages(realworld_packages.parent / "reference" / package):
        expected = record_in_page(html, variable)
        if expected is None:
            continue
        data = sitemap_data(sitemap, path)
        ours = {
            "sections": [as_fastn_writes(item) for item in data["sections"]],
            "subsections": [as_fastn_writes(item) for item in data["subsections"]],
            "toc": [as_fastn_writes(item) for item in data["toc"]],
            "current_section": as_fastn_writes(data.get("current-section")),
            "current_subsection": as_fastn_writes(data.get("current-subsection")),
            "current_page": as_fastn_writes(data.get("current-page")),
        }
        assert ours == expected, path
        compared += 1
    assert compared >= 2


def test_toc_equals_design_systems(realworld_packages: Path) -> None:
    source = (realworld_packages / "design-system" / "index.ftd").read_text(encoding="utf-8")
    [section] = [s for s in p1.parse(source, "index") if s.name == "toc"]
    page = realworld_packages.parent / "reference/design-system/index.html.gz"
    with gzip.open(page, "rt") as html:
        expected = record_in_page(html.read(), "fastn_community_github_io_design_system__toc")
    assert [as_fastn_writes(item) for item in parse_toc(section.body.value)] == expected
