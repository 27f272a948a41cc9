"""A page as a person sees it in Chromium: no sideways scrolling, dark mode painting all of it.

`check_screens` loads a page at a phone's and a laptop's width, in light and dark mode, saves
each full-page screenshot to SCREENSHOTS (ignored by git: look at them after a run) and
returns what is wrong with it.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from playwright.sync_api import Page

REPO = Path(__file__).resolve().parent.parent
SCREENSHOTS = Path(os.environ.get("FASTN_SCREENSHOTS", REPO / ".screenshots"))
WIDTHS = (1280, 375)  # a laptop, a phone
HEIGHT = 800

# The colour painted at a point: the first ancestor's background that is not transparent, up
# to the root; the canvas is white when no element paints it.
PAINTED_AT = """([x, y]) => {
  for (let e = document.elementFromPoint(x, y); e; e = e.parentElement) {
    const colour = getComputedStyle(e).backgroundColor;
    if (colour !== 'rgba(0, 0, 0, 0)' && colour !== 'transparent') return colour;
  }
  return 'rgb(255, 255, 255)';
}"""


def luminance(css_colour: str) -> float:
    """0 (black) to 1 (white), from `rgb(r, g, b)` or `rgba(r, g, b, a)`."""
    channels = css_colour.split("(")[1].rstrip(")").split(",")
    red, green, blue = (float(part) for part in channels[:3])
    return (0.2126 * red + 0.7152 * green + 0.0722 * blue) / 255


def check_screens(page: Page, url: str, name: str, dark_mode: bool = True) -> list[str]:
    """What a person would find wrong with `url` at each width and colour scheme (light only
    for a page that has no dark mode, such as the backend's own)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    problems = []
    for scheme in ("light", "dark") if dark_mode else ("light",):
        page.emulate_media(color_scheme=scheme)
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": HEIGHT})
            page.goto(url)
            page.wait_for_load_state("load")
            page.screenshot(path=SCREENSHOTS / f"{name}-{width}-{scheme}.png", full_page=True)
            scroll_width = page.evaluate("document.scrollingElement.scrollWidth")
            if scroll_width > width:
                problems.append(f"{name} at {width}px ({scheme}): {scroll_width}px wide")
            if scheme == "dark":
                problems += _light_patches(page, name, width)
    return problems


def _light_patches(page: Page, name: str, width: int) -> list[str]:
    """Points of the window, top to bottom of the page, that dark mode leaves light."""
    height = page.evaluate("document.scrollingElement.scrollHeight")
    problems = []
    for y in sorted({0, height // 2, height - 1}):
        page.evaluate("(y) => window.scrollTo(0, y)", y)
        top = page.evaluate("window.scrollY")
        for x in (1, width // 2, width - 2):
            colour = page.evaluate(PAINTED_AT, [x, y - top])
            if luminance(colour) > 0.5:
                problems.append(f"{name} at {width}px (dark): ({x}, {y}) is {colour}")
    return problems
