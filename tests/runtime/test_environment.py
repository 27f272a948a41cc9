"""The browser's own state: colour scheme (system or the user's choice, remembered) and the
device (mobile up to fastn's breakpoint), in Chromium against fastn serve."""

from __future__ import annotations

import base64
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from runtime_support import FASTN_FTD, Tab

if TYPE_CHECKING:
    from playwright.sync_api import Browser

SCHEME = """
-- ftd.color ink:
light: rgb(255, 0, 0)
dark: rgb(0, 0, 255)

-- ftd.image-src picture:
light: /light.png
dark: /dark.png

-- ftd.text: dark
id: dark
if: { ftd.dark-mode }

-- ftd.text: light
id: light
if: { !ftd.dark-mode }

-- ftd.text: coloured
id: coloured
color: $ink

-- ftd.image: $picture
id: picture

-- ftd.text: go dark
id: go-dark
$on-click$: $ftd.enable-dark-mode()

-- ftd.text: go light
id: go-light
$on-click$: $ftd.enable-light-mode()

-- ftd.text: follow the system
id: go-system
$on-click$: $ftd.enable-system-mode()
"""

STATIC = """
-- ftd.color ink:
light: rgb(255, 0, 0)
dark: rgb(0, 0, 255)

-- ftd.text: coloured
id: coloured
color: $ink
"""

DEVICE = """
-- ftd.length.responsive gap:
desktop.px: 40
mobile.px: 10

-- ftd.desktop:

-- ftd.text: big screen
id: desktop

-- end: ftd.desktop

-- ftd.mobile:

-- ftd.text: small screen
id: mobile

-- end: ftd.mobile

-- ftd.text: phone
id: phone
if: { ftd.device == "mobile" }

-- ftd.text: padded
id: padded
padding: $gap
"""


PIXEL = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)


@pytest.fixture(scope="module")
def server(package_folder: Callable[..., Path], start_fastn: Callable) -> str:
    files: dict[str, str | bytes] = {
        "scheme.ftd": SCHEME,
        "device.ftd": DEVICE,
        "static.ftd": STATIC,
    }
    files.update({"light.png": PIXEL, "dark.png": PIXEL})
    folder = package_folder(FASTN_FTD, files)
    return start_fastn(folder).url


@pytest.fixture
def dark_system(chromium: Browser) -> Iterator[Tab]:
    """A tab whose system prefers the dark colour scheme."""
    context = chromium.new_context(color_scheme="dark")
    tab = Tab(context.new_page())
    tab.page.on("pageerror", lambda error: tab.errors.append(str(error)))
    yield tab
    context.close()
    assert tab.errors == []


def colour(tab: Tab, selector: str) -> str:
    return tab.page.eval_on_selector(selector, "e => getComputedStyle(e).color")


def test_follows_the_system_scheme(dark_system: Tab, server: str) -> None:
    tab = dark_system.open(f"{server}/scheme/")
    assert tab.text("#dark") == "dark"
    assert tab.page.locator("#light").count() == 0
    assert tab.page.evaluate("document.body.classList.contains('dark')")
    assert colour(tab, "#coloured") == "rgb(0, 0, 255)"
    assert tab.page.get_attribute("#picture", "src") == "/dark.png"
    tab.page.emulate_media(color_scheme="light")
    assert tab.text("#light") == "light"
    assert colour(tab, "#coloured") == "rgb(255, 0, 0)"
    assert tab.page.get_attribute("#picture", "src") == "/light.png"


def test_a_static_page_follows_the_scheme_without_the_runtime(
    dark_system: Tab, server: str
) -> None:
    page = dark_system.page
    page.goto(f"{server}/static/")
    assert page.evaluate("window.fastn") is None
    assert colour(dark_system, "#coloured") == "rgb(0, 0, 255)"
    page.emulate_media(color_scheme="light")
    page.wait_for_function("!document.body.classList.contains('dark')")  # on the change event
    assert colour(dark_system, "#coloured") == "rgb(255, 0, 0)"
    page.context.add_cookies([{"name": "fastn-dark-mode", "value": "dark", "url": server}])
    page.reload()
    assert colour(dark_system, "#coloured") == "rgb(0, 0, 255)"  # the choice made elsewhere


def test_the_users_choice_wins_and_is_remembered(dark_system: Tab, server: str) -> None:
    tab = dark_system.open(f"{server}/scheme/")
    tab.page.click("#go-light")
    assert tab.text("#light") == "light"
    assert colour(tab, "#coloured") == "rgb(255, 0, 0)"
    cookies = {c["name"]: c["value"] for c in tab.page.context.cookies()}
    assert cookies["fastn-dark-mode"] == "light"
    tab.open(f"{server}/scheme/")  # another visit: light before and after the runtime starts
    assert tab.page.evaluate("!document.body.classList.contains('dark')")
    assert tab.text("#light") == "light"
    tab.page.click("#go-system")
    assert tab.text("#dark") == "dark"
    assert colour(tab, "#coloured") == "rgb(0, 0, 255)"


def test_user_switches_to_dark_on_a_light_system(tab: Tab, server: str) -> None:
    tab.open(f"{server}/scheme/")
    assert tab.text("#light") == "light"
    tab.page.click("#go-dark")
    assert tab.text("#dark") == "dark"
    assert colour(tab, "#coloured") == "rgb(0, 0, 255)"
    assert tab.page.get_attribute("#picture", "src") == "/dark.png"


def test_device_follows_the_window_width(tab: Tab, server: str) -> None:
    page = tab.page
    page.set_viewport_size({"width": 1024, "height": 700})
    tab.open(f"{server}/device/")
    assert tab.text("#desktop") == "big screen"
    assert page.locator("#mobile, #phone").count() == 0
    assert page.eval_on_selector("#padded", "e => getComputedStyle(e).paddingTop") == "40px"
    page.set_viewport_size({"width": 768, "height": 700})  # fastn's breakpoint is mobile
    assert tab.text("#mobile") == "small screen"
    assert tab.text("#phone") == "phone"
    assert page.locator("#desktop").count() == 0
    assert page.evaluate("document.body.classList.contains('mobile')")
    assert page.eval_on_selector("#padded", "e => getComputedStyle(e).paddingTop") == "10px"
    page.set_viewport_size({"width": 769, "height": 700})
    assert tab.text("#desktop") == "big screen"
