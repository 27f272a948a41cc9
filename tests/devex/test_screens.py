"""The example package and a new package's scaffold, in Chromium at a laptop's and a phone's
width, light and dark: nothing scrolls sideways and dark mode paints the whole window.

Screenshots land in `.screenshots/` (see tests/screens.py): look at them after a change.
"""

from __future__ import annotations

from pathlib import Path

from devex_support import fastn, get

from fastn.ftd.render.html import base_stylesheet
from screens import check_screens

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def test_hello_example_fits_and_dark_mode_paints_it_all(page, start_fastn) -> None:
    server = start_fastn(EXAMPLES / "hello", "--production")
    assert check_screens(page, f"{server.url}/", "hello") == []


def test_scaffolded_package_fits_and_dark_mode_paints_it_all(
    page, start_fastn, tmp_path: Path
) -> None:
    assert fastn("create-package", "site", cwd=tmp_path).returncode == 0
    server = start_fastn(tmp_path / "site", "--production")
    assert check_screens(page, f"{server.url}/", "scaffold") == []


def test_every_way_to_make_a_page_carries_the_base_stylesheet(
    package_folder, start_fastn, tmp_path: Path
) -> None:
    """serve (a page and the package's 404.ftd), build and render: rows are rows everywhere."""
    files = {"index.ftd": "-- ftd.row:\n\n-- ftd.text: a\n\n-- end: ftd.row\n"}
    files["404.ftd"] = "-- ftd.text: Not here\n"
    package = package_folder("-- import: fastn\n\n-- fastn.package: site\n", files)
    stylesheet = f"<style>{base_stylesheet()}</style>"

    server = start_fastn(package, "--production")
    for path, status in (("/", 200), ("/missing/", 404)):
        got, _, body = get(f"{server.url}{path}")
        assert got == status and stylesheet in body.decode(), path

    built = fastn("build", "-q", cwd=package)
    assert built.returncode == 0, built.stderr
    assert stylesheet in (package / ".build" / "index.html").read_text()
    rendered = fastn("render", str(package / "index.ftd"), cwd=tmp_path)
    assert rendered.returncode == 0 and stylesheet in rendered.stdout


KERNELS = """\
-- ftd.column:
width: fill-container
padding.px: 24

-- ftd.row:
spacing.fixed.px: 16
border-width.px: 2

-- ftd.text: one
-- ftd.text: two

-- end: ftd.row

-- end: ftd.column
"""


def test_kernels_lay_out_as_in_fastn(page, tmp_path: Path) -> None:
    """A row is a row with its spacing, a border width shows a border, the window has no
    margin and `fill-container` with padding stays inside it."""
    (tmp_path / "index.ftd").write_text(KERNELS)
    rendered = fastn("render", "index.ftd", "-o", "index.html", cwd=tmp_path)
    assert rendered.returncode == 0, rendered.stderr
    page.set_viewport_size({"width": 375, "height": 800})
    page.goto((tmp_path / "index.html").as_uri())
    one, two = (page.get_by_text(word, exact=True).bounding_box() for word in ("one", "two"))
    assert one and two and one["y"] == two["y"]
    assert two["x"] - (one["x"] + one["width"]) == 16
    row = page.locator(".ft_row")
    assert row.evaluate("e => getComputedStyle(e).borderTopStyle") == "solid"
    assert row.evaluate("e => e.getBoundingClientRect().height - e.clientHeight") == 4
    assert page.evaluate("getComputedStyle(document.body).margin") == "0px"
    assert one["x"] == 24 + 2  # the column's padding, the row's border
    assert page.evaluate("document.scrollingElement.scrollWidth") == 375
