"""The Django demo's pages in Chromium at a laptop's and a phone's width, light and dark: the
nav is a row (wrapping on a phone), nothing scrolls sideways, dark mode paints the window.

Screenshots land in `.screenshots/` (see tests/screens.py). One database is enough here.
"""

from __future__ import annotations

import pytest
from django_stack import Stack, log_in
from playwright.sync_api import Page

from screens import check_screens

FASTN_PAGES = {"todos": "/", "mine": "/mine/", "add": "/add/"}
DJANGO_LOGIN = "/accounts/login/"  # Django's own template: light only


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_demo_pages_fit_and_dark_mode_paints_them(page: Page, stack: Stack) -> None:
    log_in(page, stack)
    problems = []
    for name, path in FASTN_PAGES.items():
        problems += check_screens(page, f"{stack.fastn_url}{path}", f"django-{name}")
    login = f"{stack.fastn_url}{DJANGO_LOGIN}"
    problems += check_screens(page, login, "django-login", dark_mode=False)
    assert problems == []


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_demo_nav_is_one_row_on_a_laptop(page: Page, stack: Stack) -> None:
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(f"{stack.fastn_url}/")
    tops = page.evaluate(
        "[...document.querySelectorAll('.ft_row a')].slice(0, 5)"
        ".map(a => a.getBoundingClientRect().top)"
    )
    assert len(tops) == 5 and max(tops) - min(tops) < 8, tops  # one line (centred texts)
