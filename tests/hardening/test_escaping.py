"""Hostile data in pages: shown as text, never run — in the HTML and in real Chromium.

Every payload tries to set `window.top.__pwned`: through text, attribute values, markdown
with raw HTML, `javascript:` URLs in `link` / `src`, and CSS values breaking out of the
style sheet. The data reaches the page the ways it does in real sites: from the backend
(`pr.http`), from a SQLite database (`pr.sql`), from the request (`pr.request-data`), and,
on an interactive page, from a click that puts it into a mutable variable (the browser
runtime draws it then). Text is escaped as fastn escapes it (ftd-language.md §9.1: raw HTML
is shown, not rendered); a URL whose scheme runs script becomes `about:blank#blocked`.
"""

from __future__ import annotations

import sqlite3
from html.parser import HTMLParser
from urllib.parse import quote

import pytest
from aiohttp import web
from raw_http import exchange, request_bytes

from fastn.ftd.markdown import markdown_to_html
from fastn.ftd.render.css import css_value
from fastn.ftd.render.html import BLOCKED_URL, safe_url
from servers import Upstream

TEXTS = [
    "<script>window.top.__pwned = 'script'</script>",
    "<img src=x onerror=\"window.top.__pwned = 'img'\">",
    "<svg onload=\"window.top.__pwned = 'svg'\"></svg>",
    '"><img src=x onerror="window.top.__pwned = \'attribute\'">',
    "'><img src=x onerror='window.top.__pwned = 1'>",
    "</textarea></title></style></script><img src=x onerror=\"window.top.__pwned = 'end'\">",
    "[link](javascript:window.top.__pwned='markdown-link')",
    "<a href=\"javascript:window.top.__pwned='raw-link'\">raw</a>",
    "![image](x\" onerror=\"window.top.__pwned='markdown-image')",
    "<javascript:window.top.__pwned='autolink'>",
    "`</code><img src=x onerror=\"window.top.__pwned='code-span'\">`",
    "`unclosed <img src=x onerror=\"window.top.__pwned='unclosed-code'\">",
    "<iframe src=\"javascript:window.top.__pwned='raw-iframe'\"></iframe>",
]
URLS = [
    "javascript:window.top.__pwned='url'",
    " JaVaScRiPt:window.top.__pwned='mixed-case'",
    "java\tscript:window.top.__pwned='tab'",
    "\x01javascript:window.top.__pwned='control'",
    "vbscript:msgbox(1)",
    "data:text/html,<script>window.top.__pwned='data'</script>",
]
COLORS = [
    "red;}</style><img src=x onerror=\"window.top.__pwned='css'\"><style>",
    "red} body { display: none } .x {",
]
ITEMS = [
    {"text": text, "url": URLS[index % len(URLS)], "color": COLORS[index % len(COLORS)]}
    for index, text in enumerate(TEXTS)
]

ITEM_PARTS = """\
-- record item:
string text:
string url:
string color:

-- component show-item:
item it:

-- ftd.column:

-- ftd.text: $show-item.it.text
link: $show-item.it.url
color: $show-item.it.color

-- ftd.text:
text: $show-item.it.text
region: h2
background.solid: $show-item.it.color

-- ftd.image: $show-item.it.url
alt: $show-item.it.text
link: $show-item.it.url

-- ftd.iframe: $show-item.it.url

-- ftd.code:
lang: html
text: $show-item.it.text

-- ftd.text-input:
placeholder: $show-item.it.text
default-value: $show-item.it.text

-- ftd.text-input:
multiline: true
default-value: $show-item.it.text

-- ftd.integer: 1
link: $show-item.it.url

-- end: ftd.column

-- end: show-item
"""
LIST_PAGE = """\
-- import: fastn/processors as pr
-- import: escaping/parts
exposing: item, show-item

-- item list items:
$processor$: {processor}
{source}

-- show-item:
it: $obj
for: $obj in $items
"""
REQUEST_VALUES = """\
-- import: fastn/processors as pr

-- string t: nothing
$processor$: pr.request-data

-- string u: #top
$processor$: pr.request-data

-- string c: red
$processor$: pr.request-data
"""
REQUEST_PAGE = (
    REQUEST_VALUES
    + """\
-- import: escaping/parts
exposing: item, show-item

-- item it:
text: $t
url: $u
color: $c

-- ftd.document:
title: $t
description: $t
og-image: $u

-- show-item:
it: $it

-- end: ftd.document
"""
)
LIVE_PAGE = (
    REQUEST_VALUES
    + """\

-- string $shown: safe text
-- string $where: #top
-- string $tint: blue

-- ftd.column:

-- ftd.text: Show it
id: show
$on-click$: $ftd.set-string($a = $shown, v = $t)
$on-click$: $ftd.set-string($a = $where, v = $u)
$on-click$: $ftd.set-string($a = $tint, v = $c)

-- ftd.text: $shown
id: shown
link: $where
color: $tint

-- ftd.image: $where
alt: $shown

-- ftd.iframe: $where

-- end: ftd.column
"""
)


class PayloadBackend(Upstream):
    """A backend whose `/api/items` is the list of hostile items."""

    async def handle(self, request: web.BaseRequest) -> web.StreamResponse:
        if request.path == "/api/items":
            return web.json_response(ITEMS)
        return web.Response(status=404)


@pytest.fixture(scope="module")
def fastn(start_fastn, tmp_path_factory: pytest.TempPathFactory):
    backend = PayloadBackend().start()
    root = tmp_path_factory.mktemp("escaping")
    files = {
        "FASTN.ftd": "-- import: fastn\n\n-- fastn.package: escaping\n"
        f"endpoint: http://127.0.0.1:{backend.port}\n",
        "parts.ftd": ITEM_PARTS,
        "backend.ftd": LIST_PAGE.format(processor="pr.http", source="url: /api/items"),
        "database.ftd": LIST_PAGE.format(
            processor="pr.sql", source="\nSELECT text, url, color FROM item ORDER BY rowid"
        ),
        "request.ftd": REQUEST_PAGE,
        "live.ftd": LIVE_PAGE,
    }
    for name, text in files.items():
        (root / name).write_text(text)
    with sqlite3.connect(root / "db.sqlite") as db:
        db.execute("CREATE TABLE item (text TEXT, url TEXT, color TEXT)")
        db.executemany("INSERT INTO item VALUES (:text, :url, :color)", ITEMS)
    yield start_fastn(root)
    backend.stop()


class Findings(HTMLParser):
    """What in a page could run script: inline handlers, scripts, script URLs, styles."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.handlers: list[str] = []
        self.scripts: list[str] = []
        self.script_urls: list[str] = []
        self.in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name.startswith("on"):
                self.handlers.append(f"<{tag} {name}={value!r}>")
            url = name in ("href", "src", "poster", "action", "formaction")
            if url and value and safe_url(value) != value:
                self.script_urls.append(f"<{tag} {name}={value!r}>")
        self.in_script = tag == "script"

    def handle_endtag(self, tag: str) -> None:
        self.in_script = False

    def handle_data(self, data: str) -> None:
        if self.in_script and "__pwned" in data:
            self.scripts.append(data)


def assert_inert_html(html: str) -> None:
    findings = Findings()
    findings.feed(html)
    assert findings.handlers == []
    assert findings.scripts == []
    assert findings.script_urls == []


def fetch_page(port: int, target: str) -> str:
    reply = exchange(port, request_bytes(target))
    assert reply.status == 200, reply.body[:500]
    return reply.body.decode()


URL_CHECK = """() => {
    const bad = [];
    for (const element of document.querySelectorAll('a[href], [src]')) {
        const url = element.href || element.src;
        if (new URL(url, location.href).protocol === 'javascript:') {
            bad.push(element.outerHTML);
        }
    }
    return bad;
}"""


def assert_inert_in_browser(page, url: str) -> None:
    page.goto(url, wait_until="load")
    page.wait_for_timeout(300)  # failed images fire `onerror` after the load event
    assert page.evaluate("window.__pwned") is None
    assert page.evaluate(URL_CHECK) == []


@pytest.mark.parametrize("source", ["backend", "database"])
def test_data_from_backend_and_database_is_inert(fastn, page, source: str) -> None:
    html = fetch_page(fastn.port, f"/{source}/")
    assert_inert_html(html)
    assert_inert_in_browser(page, f"{fastn.url}/{source}/")
    shown = page.locator("h2").all_inner_texts()
    assert shown[:6] == TEXTS[:6]  # raw HTML arrived, and is shown as it was written


def query(text: str, url: str, color: str) -> str:
    return f"?t={quote(text, safe='')}&u={quote(url, safe='')}&c={quote(color, safe='')}"


@pytest.mark.parametrize("index", [0, 3, 5, 6, 12])  # all of them come through pr.http above
def test_request_data_is_inert(fastn, page, index: int) -> None:
    target = "/request/" + query(TEXTS[index], URLS[index % len(URLS)], COLORS[index % 2])
    assert_inert_html(fetch_page(fastn.port, target))
    assert_inert_in_browser(page, fastn.url + target)
    assert page.title() == TEXTS[index]


def assert_runtime_draws_inert(fastn, page, text: str, url: str, color: str) -> None:
    assert_inert_in_browser(page, fastn.url + "/live/" + query(text, url, color))
    page.click("#show")
    page.wait_for_function("!document.querySelector('#shown').textContent.includes('safe text')")
    page.wait_for_timeout(300)  # failed images fire `onerror` a little later
    assert page.evaluate("window.__pwned") is None
    assert page.evaluate(URL_CHECK) == []


@pytest.mark.parametrize("text", [TEXTS[i] for i in (0, 1, 3, 5, 6, 10, 11, 12)])
def test_hostile_text_drawn_by_the_runtime_is_inert(fastn, page, text: str) -> None:
    """A click puts the text into a mutable variable: the runtime, not the server, draws it."""
    assert_runtime_draws_inert(fastn, page, text, "#ok", "red")
    if text.startswith("<"):  # raw HTML: shown exactly as written
        assert page.inner_text("#shown") == text


@pytest.mark.parametrize("url", URLS, ids=range(len(URLS)))
def test_script_url_drawn_by_the_runtime_is_inert(fastn, page, url: str) -> None:
    assert_runtime_draws_inert(fastn, page, "a link", url, "red")


@pytest.mark.parametrize("color", COLORS, ids=range(len(COLORS)))
def test_css_value_drawn_by_the_runtime_is_inert(fastn, page, color: str) -> None:
    assert_runtime_draws_inert(fastn, page, "colored", "#ok", color)


@pytest.mark.parametrize(
    ("text", "html"),
    [
        ("<b>bold</b>", "&lt;b&gt;bold&lt;/b&gt;"),
        ("<script>alert(1)</script>", "&lt;script&gt;alert(1)&lt;/script&gt;"),
        ('<a href="javascript:x">r</a>', "&lt;a href=&quot;javascript:x&quot;&gt;r&lt;/a&gt;"),
        ("a \"quoted\" & 'single'", "a &quot;quoted&quot; &amp; 'single'"),
        ("`<i>code</i>`", "<code>&lt;i&gt;code&lt;/i&gt;</code>"),
        ("`unclosed <img src=x onerror=y>", "`unclosed &lt;img src=x onerror=y&gt;"),
        ("see https://x.y/a/b", 'see <a href="https://x.y/a/b">https://x.y/a/b</a>'),
        ("[x](javascript:alert(1))", "[x](javascript:alert(1))"),
        ("[x](/ok/)", '<a href="/ok/">x</a>'),
    ],
)
def test_markdown_shows_raw_html_as_text_like_fastn(text: str, html: str) -> None:
    """fastn escapes `< > & " '` outside backticks before markdown: raw HTML is shown as
    written (the same text in the browser as fastn's `&lt;&#47;b&gt;`); markdown still works."""
    assert markdown_to_html(text) == html


@pytest.mark.parametrize(
    ("url", "safe"),
    [
        ("https://example.com/a?b=1", "https://example.com/a?b=1"),
        ("/relative/javascript:x", "/relative/javascript:x"),
        ("mailto:a@b.c", "mailto:a@b.c"),
        *[(url, BLOCKED_URL) for url in URLS[:5]],
        ("\njavascript\n:x", BLOCKED_URL),
    ],
)
def test_script_urls_are_blocked(url: str, safe: str) -> None:
    assert safe_url(url) == safe


def test_css_values_cannot_leave_their_declaration() -> None:
    value = css_value(COLORS[0])
    assert not any(char in value for char in ";{}<>")
    assert css_value("calc(100% - 10px)") == "calc(100% - 10px)"
