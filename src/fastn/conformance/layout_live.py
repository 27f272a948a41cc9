"""Layout parity with both runtimes running: fastn's page as fastn serves it vs ours, in Chromium.

    python -m fastn.conformance.layout_live CASES_DIR OUT_DIR [--reference DIR]
        [--width 1280 --width 375] [--tol 2] [--only NAME ...]

It measures what the corpus tool ``layout_parity.py`` measures (every visible text run in
document order, its box within ``--tol`` px, its colour, font size and weight), but fastn's
expected page ``CASES_DIR/X.html`` keeps its scripts and gets what ``fastn serve`` adds to it:
fastn's runtime, Prism and fastn's base stylesheet, read at run time from ``--reference``
(default ``CASES_DIR/../../fastn-reference``, the corpus' copy of fastn's browser files). Ours,
``OUT_DIR/X.html`` (``python -m fastn.conformance``), loads as produced, with fastn-py's
runtime. Both are served over loopback HTTP; every other request is refused. A page is measured
once its text runs stop changing (fastn rebuilds the body and highlights code after loading).

Two readings are scored. ``layout-live-nodes`` is the corpus tool's own: a run is a text node.
``layout-live`` reads code blocks (``<pre>``) glyph by glyph instead, a run being a stretch of
one line in one colour, size and weight, because fastn colours code with Prism in the browser
and fastn-py with Pygments on the server, and the two split the same coloured text into
different elements. Everything outside code blocks is read the same way in both.

One line per differing case and reading with the first difference, then ``READING@WIDTH N/M``.
Needs Playwright and Debian's Chromium (``/usr/bin/chromium``).
"""

from __future__ import annotations

import argparse
import functools
import http.server
import shutil
import sys
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import sync_playwright

from fastn.runtime import bundle, runtime_url

CHROMIUM = "/usr/bin/chromium"
# reading -> the name its score is printed under
READINGS = {"nodes": "layout-live-nodes", "seen": "layout-live"}
# The files `fastn serve` puts in front of fastn's own runtime script.
SERVED_BEFORE_RUNTIME = (
    '<script src="prism.js"></script><link rel="stylesheet" href="prism.css">'
    '<link rel="stylesheet" href="ftd-js.css">'
)
FASTN_RUNTIME_TAG = '<script src="fastn-js.js"></script>'

# Two readings of the page, in document order. "nodes" is the corpus tool's: one run per visible
# text node, its box and the style of its parent. "seen" is the same except inside <pre>: a code
# block is read glyph by glyph and a run is a stretch of one line in one style (whitespace takes
# no style), so it does not depend on how a highlighter splits tokens into elements.
RUNS_JS = r"""() => {
  const nodes = [], seen = [];
  let segment = null, space = false;
  const close = () => { if (segment) seen.push(segment); segment = null; space = false; };
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  let n;
  while ((n = walker.nextNode())) {
    const el = n.parentElement; if (!el) continue;
    const t = n.textContent.replace(/\s+/g, ' ').trim();
    const cs = getComputedStyle(el);
    if (cs.display === 'none' || cs.visibility === 'hidden') continue;
    const r = document.createRange();
    let run = null;
    if (t) {
      r.selectNodeContents(n);
      const b = r.getBoundingClientRect();
      if (b.width !== 0 || b.height !== 0) {
        run = {t, x: b.x, y: b.y, w: b.width, h: b.height,
               color: cs.color, size: cs.fontSize, weight: cs.fontWeight};
        nodes.push(run);
      }
    }
    if (!el.closest('pre')) {
      close();
      if (run) seen.push(run);
      continue;
    }
    const text = n.textContent;
    for (let i = 0; i < text.length; i++) {
      const c = text[i];
      if (c === '\n') { close(); continue; }
      if (/\s/.test(c)) { space = segment !== null; continue; }
      r.setStart(n, i); r.setEnd(n, i + 1);
      const b = r.getBoundingClientRect();
      if (b.width === 0 && b.height === 0) continue;
      const same = segment && segment.color === cs.color && segment.size === cs.fontSize
        && segment.weight === cs.fontWeight && Math.abs(segment.y - b.y) < 1;
      if (!same) {
        close();
        segment = {t: '', x: b.x, y: b.y, w: 0, h: b.height,
                   color: cs.color, size: cs.fontSize, weight: cs.fontWeight};
      }
      segment.t += (space ? ' ' : '') + c; space = false;
      segment.w = b.right - segment.x;
      segment.h = Math.max(segment.h, b.bottom - segment.y);
    }
  }
  close();
  return {nodes, seen};
}"""


def html_cases(cases: Path, only: list[str] | None) -> list[str]:
    """Cases whose expected output is a page (JSON and raw responses have no layout)."""
    return [
        page.stem
        for page in sorted(cases.glob("*.html"))
        if (not only or page.stem in only)
        and page.read_text(encoding="utf-8").lstrip()[:15].lower().startswith("<!doctype")
    ]


def build_site(cases: Path, ours: Path, reference: Path, site: Path, names: list[str]) -> None:
    """fastn's pages under /fastn/ beside its runtime, ours under /py/ with our runtime.

    fastn's pages load code themes from ``../../theme_css/`` and web components from
    ``../../t/assets/`` and ``ftd/ftd/t/assets/``, so those sit where the URLs resolve."""
    (site / "fastn").mkdir(parents=True)
    (site / "py").mkdir()
    for name in ("fastn-js.js", "prism.js", "prism.css", "ftd-js.css"):
        shutil.copy(reference / name, site / "fastn" / name)
    shutil.copytree(reference / "theme_css", site / "theme_css")
    shutil.copytree(reference / "assets", site / "t" / "assets")
    for side in ("fastn", "py"):
        shutil.copytree(reference / "assets", site / side / "ftd" / "ftd" / "t" / "assets")
    for name in names:
        page = (cases / f"{name}.html").read_text(encoding="utf-8")
        page = page.replace(FASTN_RUNTIME_TAG, SERVED_BEFORE_RUNTIME + FASTN_RUNTIME_TAG, 1)
        (site / "fastn" / f"{name}.html").write_text(page, encoding="utf-8")
        if (ours / f"{name}.html").exists():
            shutil.copy(ours / f"{name}.html", site / "py" / f"{name}.html")
    runtime = site / runtime_url().lstrip("/")  # pages load it from the site's root
    runtime.parent.mkdir(parents=True)
    runtime.write_bytes(bundle())


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextmanager
def serve(site: Path) -> Iterator[str]:
    """The site on a loopback port, for as long as the block runs."""
    handler = functools.partial(_QuietHandler, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def _refuse_the_network(route: Any) -> None:
    if urlparse(route.request.url).hostname in ("127.0.0.1", "localhost", None):
        route.continue_()
    else:
        route.abort()


def settled_runs(page: Any, url: str, max_wait_ms: int = 4000) -> dict[str, list[dict]]:
    """Both readings of the page once two of them 150 ms apart agree (or after ``max_wait_ms``)."""
    page.goto(url, wait_until="load")
    with suppress(PlaywrightError):  # a page that keeps polling is measured as it stands
        page.wait_for_load_state("networkidle", timeout=max_wait_ms)
    page.evaluate("() => document.fonts.ready.then(() => true)")
    runs = page.evaluate(RUNS_JS)
    for _ in range(max_wait_ms // 150):
        page.wait_for_timeout(150)
        again = page.evaluate(RUNS_JS)
        if again == runs:
            break
        runs = again
    return runs


def first_difference(expected: list[dict], ours: list[dict], tolerance: float) -> str | None:
    """Why two readings differ, or None: the corpus tool's rule."""
    if [run["t"] for run in expected] != [run["t"] for run in ours]:
        return "text runs differ: " + _text_difference(expected, ours)
    style = ("color", "size", "weight")
    for want, got in zip(expected, ours, strict=True):
        if any(abs(want[k] - got[k]) > tolerance for k in ("x", "y", "w", "h")):
            return (
                f"box of {want['t'][:30]!r}: "
                f"{[round(want[k]) for k in 'xywh']} vs {[round(got[k]) for k in 'xywh']}"
            )
        if [want[k] for k in style] != [got[k] for k in style]:
            return (
                f"style of {want['t'][:30]!r}: "
                f"{[want[k] for k in style]} vs {[got[k] for k in style]}"
            )
    return None


def _text_difference(expected: list[dict], ours: list[dict]) -> str:
    for index, (want, got) in enumerate(zip(expected, ours, strict=False)):
        if want["t"] != got["t"]:
            return f"run {index}: {want['t'][:40]!r} vs {got['t'][:40]!r}"
    return f"{len(expected)} runs vs {len(ours)}"


Results = dict[str, dict[int, dict[str, str | None]]]  # reading -> width -> case -> difference


def compare(
    cases: Path,
    ours: Path,
    reference: Path,
    widths: list[int],
    tolerance: float,
    only: list[str] | None = None,
) -> Results:
    """The first difference (or None) of every HTML case, per reading and width."""
    names = html_cases(cases, only)
    results: Results = {reading: {width: {} for width in widths} for reading in READINGS}
    with tempfile.TemporaryDirectory(prefix="layout-live-") as temporary:
        site = Path(temporary)
        build_site(cases, ours, reference, site, names)
        with serve(site) as base, sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM,
                args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
            )
            for width in widths:
                context = browser.new_context(
                    viewport={"width": width, "height": 900}, service_workers="block"
                )
                context.route("**/*", _refuse_the_network)
                page = context.new_page()
                page.on("dialog", lambda dialog: dialog.dismiss())
                for name in names:
                    if not (ours / f"{name}.html").exists():
                        for reading in READINGS:
                            results[reading][width][name] = "fastn-py has no page"
                        continue
                    expected = settled_runs(page, f"{base}/fastn/{name}.html")
                    got = settled_runs(page, f"{base}/py/{name}.html")
                    for reading in READINGS:
                        results[reading][width][name] = first_difference(
                            expected[reading], got[reading], tolerance
                        )
                context.close()
            browser.close()
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m fastn.conformance.layout_live",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("cases", type=Path)
    parser.add_argument("out", type=Path, help="fastn-py's pages (python -m fastn.conformance)")
    parser.add_argument("--reference", type=Path, help="fastn's browser files")
    parser.add_argument("--width", type=int, action="append", help="viewport width (repeatable)")
    parser.add_argument("--tol", type=float, default=2.0, help="px a box may be off")
    parser.add_argument("--only", nargs="*", help="just these cases")
    args = parser.parse_args(argv)
    reference = args.reference or args.cases.resolve().parent.parent / "fastn-reference"
    if not (reference / "fastn-js.js").is_file():
        print(f"{reference}: fastn's runtime (fastn-js.js) is not there", file=sys.stderr)
        return 2
    if not args.cases.is_dir() or not args.out.is_dir():
        print(f"{args.cases} and {args.out} must be folders", file=sys.stderr)
        return 2
    widths = args.width or [1280, 375]
    results = compare(args.cases, args.out, reference, widths, args.tol, args.only)
    for reading, label in READINGS.items():
        for width, differences in results[reading].items():
            for name, why in differences.items():
                if why:
                    print(f"FAIL {label}@{width} {name} {why}")
    for reading, label in READINGS.items():
        for width, differences in results[reading].items():
            passed = sum(1 for why in differences.values() if why is None)
            print(f"{label}@{width} {passed}/{len(differences)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
