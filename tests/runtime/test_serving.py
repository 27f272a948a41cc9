"""Which pages load the runtime, how fastn serves it, what a static build holds, and that the
server's HTML shows the page's initial state without JavaScript."""

from __future__ import annotations

import gzip
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from runtime_support import FASTN_FTD, Tab

from fastn.ftd.interpreter import Interpreter
from fastn.ftd.render.html import render_page
from fastn.runtime import bundle, runtime_url

STATIC = """
-- integer $unused: 3

-- ftd.column:
padding.px: 10

-- ftd.text: just text
color: red

-- ftd.integer: $unused

-- end: ftd.column
"""

INTERACTIVE = """
-- boolean $open: false
-- string list $items: a, b

-- ftd.text: toggle
id: toggle
$on-click$: $ftd.toggle($a = $open)

-- ftd.text: shown when open
id: panel
if: { open }

-- ftd.text: shown when closed
id: closed
if: { !open }

-- ftd.text: $item
for: $item in $items
"""

DEVICE_ONLY = """
-- ftd.desktop:
-- ftd.text: desktop
-- end: ftd.desktop
"""

RUNTIME_TAG = re.compile(r'<script src="(/-/fastn/runtime\.[0-9a-f]{16}\.js)" defer></script>')


def document(source: str):
    return Interpreter(lambda m: source if m == "foo" else None).document("foo")


def test_only_pages_that_can_change_load_the_runtime() -> None:
    static = render_page(document(STATIC))
    assert "/-/fastn/" not in static and "fastn-model" not in static
    assert "data-id" not in static and "<!--" not in static
    interactive = render_page(document(INTERACTIVE))
    assert RUNTIME_TAG.search(interactive).group(1) == runtime_url()
    assert 'id="fastn-model"' in interactive
    # hydration markers: the changing element, the conditional and looped parts
    assert '<div data-id="1" id="toggle" class="__cur-1">toggle</div>' in interactive
    assert '<!--f?--><!--f/--><!--f?--><div id="closed">' in interactive  # static: no data-id
    items = '<!--f[--><!--f,--><div data-id="2">a</div><!--f,--><div data-id="3">b</div><!--f]-->'
    assert items in interactive
    assert "/-/fastn/runtime." in render_page(document(DEVICE_ONLY))


@pytest.fixture(scope="module")
def server(package_folder: Callable[..., Path], start_fastn: Callable) -> str:
    folder = package_folder(FASTN_FTD, {"index.ftd": INTERACTIVE, "static.ftd": STATIC})
    return start_fastn(folder).url


def test_the_runtime_is_served_for_a_year(server: str, fetch: Callable) -> None:
    reply = fetch(server + runtime_url(), headers=[("Accept-Encoding", "identity")])
    assert reply.status == 200
    assert reply.headers["Content-Type"] == "text/javascript; charset=utf-8"
    assert reply.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert reply.body == bundle()
    zipped = fetch(server + runtime_url(), headers=[("Accept-Encoding", "gzip")])
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(zipped.body) == bundle()
    assert fetch(server + runtime_url(), "POST").status == 405
    assert fetch(server + "/-/fastn/runtime.0000000000000000.js").status == 404


def test_without_javascript_the_page_shows_its_initial_state(chromium, server: str) -> None:
    context = chromium.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(server + "/")
    assert page.inner_text("#closed") == "shown when closed"
    assert page.locator("#panel").count() == 0
    assert page.inner_text("body").split("\n")[-2:] == ["a", "b"]
    context.close()


def test_with_javascript_the_same_page_changes(tab: Tab, server: str) -> None:
    tab.open(server + "/")
    tab.page.click("#toggle")
    assert tab.text("#panel") == "shown when open"
    assert tab.page.locator("#closed").count() == 0


def test_static_build_holds_the_runtime_its_pages_load(package_folder: Callable) -> None:
    folder = package_folder(FASTN_FTD, {"index.ftd": INTERACTIVE, "static.ftd": STATIC})
    result = subprocess.run(
        [sys.executable, "-m", "fastn.cli", "build"],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    page = (folder / ".build" / "index.html").read_text()
    url = RUNTIME_TAG.search(page).group(1)
    assert (folder / ".build" / url.lstrip("/")).read_bytes() == bundle()
    assert "/-/fastn/" not in (folder / ".build" / "static" / "index.html").read_text()
