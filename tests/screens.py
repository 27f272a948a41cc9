"""A page as a person sees it in Chromium: no sideways scrolling, dark mode painting all of it,
text readable on what it is painted on.

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


# Every element with text of its own that is visible: its text, colour and the colour behind it.
TEXTS_ON_BACKGROUNDS = """() => {
  // backgrounds from the element up to the first opaque one, see-through ones blended in
  const painted = (e) => {
    const layers = [];
    for (; e; e = e.parentElement) {
      const [r, g, b, a = 1] = getComputedStyle(e).backgroundColor.match(/[0-9.]+/g).map(Number);
      if (a > 0) layers.push([r, g, b, a]);
      if (a >= 1) break;
    }
    let colour = [255, 255, 255];
    for (const [r, g, b, a] of layers.reverse()) {
      colour = [r, g, b].map((c, i) => c * a + colour[i] * (1 - a));
    }
    return `rgb(${colour.join(', ')})`;
  };
  const found = [];
  for (const e of document.body.querySelectorAll('*')) {
    const own = [...e.childNodes].filter(n => n.nodeType === 3).map(n => n.data).join('').trim();
    const text = own || (e.tagName === 'INPUT' ? e.value || e.placeholder : '');
    if (!text || !e.checkVisibility() || e.getClientRects().length === 0) continue;
    found.push([text.slice(0, 40), getComputedStyle(e).color, painted(e)]);
  }
  return found;
}"""
WCAG_AA = 4.5  # contrast of normal-size text


def luminance(css_colour: str) -> float:
    """WCAG's relative luminance, 0 (black) to 1 (white), of `rgb(r, g, b)` or `rgba(…)`."""
    channels = css_colour.split("(")[1].rstrip(")").split(",")
    linear = []
    for part in channels[:3]:
        value = float(part) / 255
        linear.append(value / 12.92 if value <= 0.04045 else ((value + 0.055) / 1.055) ** 2.4)
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(foreground: str, background: str) -> float:
    """WCAG's contrast ratio, 1 to 21."""
    lighter, darker = sorted((luminance(foreground), luminance(background)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


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
            problems += _hard_to_read(page, f"{name} at {width}px ({scheme})")
    return problems


def _hard_to_read(page: Page, where: str) -> list[str]:
    """Texts whose contrast with what is behind them is below WCAG AA."""
    problems = []
    for text, colour, background in page.evaluate(TEXTS_ON_BACKGROUNDS):
        ratio = contrast(colour, background)
        if ratio < WCAG_AA:
            problems.append(f"{where}: {text!r} is {colour} on {background}, {ratio:.2f}:1")
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
