"""Real packages look like fastn's published pages: `fastn serve` of doc-site and design-system
next to the page real fastn built (the shared corpus), both in Chromium at 1280 px, compared
pixel by pixel.

The corpus keeps fonts as empty files; the reference ships the Latin subsets its pages load,
so the copy being served gets those (matched by file name) and both sides draw the same
glyphs. Requests leaving loopback are refused on both sides. The side-by-side PNGs go to
$FASTN_SCREENSHOTS (default `.screenshots/`), out of git.
"""

from __future__ import annotations

import base64
import gzip
import http.server
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from screens import SCREENSHOTS

WIDTH = 1280
MAX_HEIGHT = 2400
SETTLE_TRIES = 20
MOST_DIFFERING = 1.0  # % of pixels; fastn-py is at 0.00–0.12 % on these pages
PAGES = [
    ("doc-site", "/"),
    ("doc-site", "/components/code/"),
    ("design-system", "/"),
    ("design-system", "/components/button/"),
]

# Share of pixels differing by more than a little (sum over RGB > 30) between two PNGs, and
# the difference as an image (differing pixels red over a faint copy of fastn's page).
PIXEL_DIFFERENCE = """async ([ours, theirs]) => {
  const load = (data) => new Promise((done) => {
    const image = new Image(); image.onload = () => done(image);
    image.src = 'data:image/png;base64,' + data;
  });
  const [a, b] = await Promise.all([load(ours), load(theirs)]);
  const w = Math.min(a.width, b.width), h = Math.min(a.height, b.height);
  const canvas = document.createElement('canvas'); canvas.width = w; canvas.height = h;
  const context = canvas.getContext('2d');
  context.drawImage(a, 0, 0); const pa = context.getImageData(0, 0, w, h).data;
  context.drawImage(b, 0, 0); const pb = context.getImageData(0, 0, w, h).data;
  const out = context.createImageData(w, h); let differing = 0;
  for (let i = 0; i < pa.length; i += 4) {
    const d = Math.abs(pa[i] - pb[i]) + Math.abs(pa[i+1] - pb[i+1]) + Math.abs(pa[i+2] - pb[i+2]);
    const grey = pb[i] * 0.3 + 170;
    if (d > 30) { differing++; out.data.set([255, 0, 0, 255], i); }
    else out.data.set([grey, grey, grey, 255], i);
  }
  context.putImageData(out, 0, 0);
  return {percent: 100 * differing / (w * h), heights: [a.height, b.height],
          png: canvas.toDataURL('image/png').split(',')[1]};
}"""


class ReferenceSite(http.server.SimpleHTTPRequestHandler):
    """fastn's built sites as a static host serves them: `/NAME/ROUTE/` is ROUTE's page."""

    def log_message(self, *arguments: object) -> None:
        pass

    def do_GET(self) -> None:
        path = self.path.split("?")[0]
        page = Path(self.directory, path.lstrip("/"), "index.html.gz")
        if not path.endswith("/") or not page.is_file():
            super().do_GET()
            return
        body = gzip.decompress(page.read_bytes())
        self.send_response(200)
        self.send_header("content-type", "text/html; charset=utf-8")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture(scope="module")
def reference_url(realworld_dir: Path) -> Iterator[str]:
    directory = str(realworld_dir / "reference")
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0),
        lambda *arguments: ReferenceSite(*arguments, directory=directory),
    )
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


@pytest.fixture(scope="module")
def served(realworld_dir: Path, tmp_path_factory, start_fastn) -> dict[str, str]:
    """`fastn serve` of a copy of each package, its empty font files filled from the reference."""
    urls = {}
    for name in sorted({name for name, _ in PAGES}):
        copy = tmp_path_factory.mktemp("realworld") / name
        shutil.copytree(realworld_dir / "packages" / name, copy)
        fonts = {f.name: f for f in (realworld_dir / "reference" / name).rglob("*.woff2")}
        for empty in copy.rglob("*.woff2"):
            if empty.name in fonts and empty.stat().st_size == 0:
                shutil.copyfile(fonts[empty.name], empty)
        urls[name] = start_fastn(copy).url
    return urls


def screenshot(page, url: str) -> bytes:
    """The whole page (up to MAX_HEIGHT) once it has settled. The viewport is made as tall
    as the page, rather than a full-page capture resizing it mid-shot (pages sized by the
    window would relayout while captured), and two shots 300 ms apart must be the same
    (fastn's runtime draws its page after load; a busy machine makes that late)."""
    page.set_viewport_size({"width": WIDTH, "height": 900})
    page.goto(url, wait_until="networkidle")
    page.evaluate("document.fonts.ready.then(() => true)")
    height = min(page.evaluate("document.documentElement.scrollHeight"), MAX_HEIGHT)
    page.set_viewport_size({"width": WIDTH, "height": height})
    previous = b""
    for _ in range(SETTLE_TRIES):
        page.wait_for_timeout(300)
        shot = page.screenshot()
        if shot == previous:
            break
        previous = shot
    return shot


def side_by_side(page, ours: bytes, theirs: bytes) -> bytes:
    def column(label: str, png: bytes) -> str:
        data = base64.b64encode(png).decode()
        return (
            f"<div><div style='font:bold 28px sans-serif;background:#ff0;padding:4px'>{label}</div>"
            f"<img src='data:image/png;base64,{data}'></div>"
        )

    page.set_viewport_size({"width": 2 * WIDTH + 16, "height": 900})
    page.set_content(
        "<body style='margin:0;background:#888;display:flex;gap:16px;align-items:flex-start'>"
        + column("fastn-py", ours)
        + column("fastn", theirs)
        + "</body>"
    )
    return page.screenshot(full_page=True)


@pytest.mark.parametrize(("name", "route"), PAGES)
def test_served_page_looks_like_fastns_published_page(
    name: str, route: str, served: dict[str, str], reference_url: str, page
) -> None:
    page.route(
        "**/*",
        lambda route: (
            route.continue_()
            if route.request.url.startswith("http://127.0.0.1:")
            else route.abort()
        ),
    )
    ours = screenshot(page, served[name] + route)
    theirs = screenshot(page, f"{reference_url}/{name}{route}")
    result = page.evaluate(
        PIXEL_DIFFERENCE, [base64.b64encode(ours).decode(), base64.b64encode(theirs).decode()]
    )
    stem = f"realworld-{name}-{route.strip('/').replace('/', '-') or 'home'}"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    (SCREENSHOTS / f"{stem}-side-by-side.png").write_bytes(side_by_side(page, ours, theirs))
    (SCREENSHOTS / f"{stem}-difference.png").write_bytes(base64.b64decode(result["png"]))
    assert result["heights"][0] == result["heights"][1], f"page heights differ: {result['heights']}"
    assert result["percent"] <= MOST_DIFFERING, (
        f"{name}{route}: {result['percent']:.2f} % of pixels differ from fastn's page "
        f"(see {SCREENSHOTS / stem}-difference.png)"
    )
