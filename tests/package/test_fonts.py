"""`fastn.font` entries: every page carries the `@font-face` rules of the package's and its
dependencies' fonts, with the files under `-/PACKAGE/`, and Chromium loads them."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from fastn.package.config import load_package
from fastn.package.documents import environment_for
from servers import write_package

FONT_PACKAGE = ".packages/font.example.com/"

FASTN_FTD = (
    "-- fastn.package: site\n\n-- fastn.dependency: font.example.com\n\n"
    "-- fastn.font: Local\nstyle: normal\nweight: 400\nwoff2: static/local.woff2\n"
)
PAGE = (
    "-- import: font.example.com/assets as fonts\n\n"
    "-- ftd.type body-type:\nsize.px: 20\nfont-family: $fonts.fonts.Sample\n\n"
    "-- ftd.text: Hello in the dependency's font\nrole: $body-type\n"
)
FILES = {
    "index.ftd": PAGE,
    "docs/inner.ftd": PAGE,
    FONT_PACKAGE + "FASTN.ftd": (
        "-- fastn.package: font.example.com\n\n"
        "-- fastn.font: Sample\n"
        "style: normal\nweight: 400\n"
        "woff2: -/font.example.com/static/sample.woff2\n"
        "unicode-range: U+0000-00FF\n\n"
        "-- fastn.font: Remote\nweight: 700\nwoff: https://fonts.example.com/remote.woff\n"
        "display: swap\n"
    ),
}


def test_pages_carry_the_font_face_rules_of_the_package_and_its_dependencies(tmp_path):
    write_package(tmp_path, FASTN_FTD, FILES)
    page = environment_for(load_package(tmp_path), watch_files=False).render_sync("index").body
    head = page.split("</head>")[0]
    assert (
        "@font-face { unicode-range: U+0000-00FF;\nfont-style: normal;\nfont-weight: 400;\n"
        "src: url(/-/font.example.com/static/sample.woff2) format('woff2');\n"
        "font-family: font-example-com-Sample }"
    ) in head
    assert (
        "@font-face { font-display: swap;\nfont-weight: 700;\n"
        "src: url(https://fonts.example.com/remote.woff) format('woff');\n"
        "font-family: font-example-com-Remote }"
    ) in head
    # a path of the package's own: under its `-/NAME/`
    assert (
        "src: url(/-/site/static/local.woff2) format('woff2');\nfont-family: site-Local }" in head
    )
    assert "font-example-com-Sample" in page.split("</head>")[1]  # the text's class uses it


def test_chromium_loads_the_dependencys_font_file(tmp_path, start_fastn, page):
    write_package(tmp_path, FASTN_FTD, FILES)
    # a real font file (the corpus' are empty); Chromium reads its format from its bytes
    (tmp_path / FONT_PACKAGE / "static").mkdir()
    shutil.copyfile(_a_system_font(), tmp_path / FONT_PACKAGE / "static/sample.woff2")
    server = start_fastn(tmp_path)
    page.goto(server.url + "/docs/inner/")  # the font's URL does not depend on the page's
    loaded = page.evaluate(
        "async () => { await document.fonts.ready;"
        " return [...document.fonts].filter(f => f.status === 'loaded').map(f => f.family); }"
    )
    assert "font-example-com-Sample" in [family.strip("\"'") for family in loaded]


def _a_system_font() -> Path:
    for found in sorted(Path("/usr/share/fonts").rglob("*.ttf")):
        return found
    pytest.skip("no TrueType font in /usr/share/fonts")
