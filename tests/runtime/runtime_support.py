"""Helpers of the browser runtime tests."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from playwright.sync_api import Page

FASTN_FTD = "-- import: fastn\n\n-- fastn.package: app\n"


@dataclass
class Tab:
    """A browser tab on a fastn page, recording the page's errors."""

    page: Page
    errors: list[str] = field(default_factory=list)

    def open(self, url: str) -> Tab:
        self.page.goto(url)
        self.page.wait_for_function("window.fastn !== undefined")
        return self

    def text(self, selector: str) -> str:
        return self.page.inner_text(selector)

    def value(self, name: str) -> object:
        """A variable's value as the runtime has it (`module#name`)."""
        return self.page.evaluate("name => window.fastn.get(name)", name)
