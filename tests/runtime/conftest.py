"""Browser runtime tests: real pages from a real `fastn serve`, in headless Chromium."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import pytest
from runtime_support import Tab

if TYPE_CHECKING:
    from playwright.sync_api import Page


@pytest.fixture
def tab(page: Page) -> Iterator[Tab]:
    """The `page` fixture as a Tab; the test fails if the page logged an error."""
    opened = Tab(page)
    # pages may name resources elsewhere (the corpus does): nothing leaves the machine
    page.context.route(lambda url: not loopback(url), lambda route: route.abort())

    def record(message) -> None:
        # the browser's own notes about HTTP errors (a 400 with JSON errors, no favicon)
        # are not the page's errors
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            opened.errors.append(message.text)

    page.on("console", record)
    page.on("pageerror", lambda error: opened.errors.append(str(error)))
    yield opened
    assert opened.errors == []


def loopback(url: str) -> bool:
    """Whether a request stays on this machine (data: and blob: URLs make no request)."""
    parts = urlsplit(url)
    return parts.scheme in ("data", "blob") or parts.hostname in ("127.0.0.1", "localhost")
