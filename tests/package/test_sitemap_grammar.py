"""The `fastn.sitemap` grammar of FASTN.ftd: sections, subsections, TOC items, attributes."""

from __future__ import annotations

from pathlib import Path

import pytest

from fastn.package.config import PackageError, parse_package
from fastn.package.sitemap import SitemapError, ids_match, parse_sitemap

SITEMAP = """\
# Home: /
- Intro: /intro/
  nav-title: Start
  - Deep: /deep/
    document: docs/deep-impl.ftd
  skip: true
- GitHub: https://github.com/fastn-stack/fastn
- Plain

# Guide: /guide/
icon: images/guide.svg
## Basics: /guide/basics/
description: The first steps
- One: /guide/one/
## Advanced: /guide/advanced/
bury: true
"""


def test_sections_subsections_and_nested_items() -> None:
    sitemap = parse_sitemap(SITEMAP, 10)
    home, guide = sitemap.sections
    assert (home.title, home.id, home.line) == ("Home", "/", 10)
    [hidden_subsection] = home.children  # items right under a section
    assert not hidden_subsection.visible
    intro, github, plain = hidden_subsection.children
    assert (intro.title, intro.id, intro.nav_title) == ("Intro", "/intro/", "Start")
    [deep] = intro.children
    # an attribute belongs to the last item, whatever its indentation
    assert (deep.document, deep.skip, intro.skip) == ("docs/deep-impl.ftd", True, False)
    # fastn keeps the colon of `Title: URL` in the title when the URL has colons of its own
    assert (github.title, github.id) == ("GitHub:", "https://github.com/fastn-stack/fastn")
    assert (plain.title, plain.id) == ("Plain", "Plain")  # fastn keeps the text as its id
    assert guide.icon == "images/guide.svg"
    basics, advanced = guide.children
    assert basics.visible and basics.extra == {"description": "The first steps"}
    assert [item.title for item in basics.children] == ["One"]
    assert advanced.bury and not advanced.children


def test_url_attribute_keeps_the_text_as_title() -> None:
    [section] = parse_sitemap(
        "# RFCs: /rfc/\n- 1: The RFC Process\n  url: /rfc/process/\n", 1
    ).sections
    [item] = section.children[0].children
    assert (item.title, item.id, item.skip) == ("1: The RFC Process", "/rfc/process/", False)
    [root] = parse_sitemap("# Top\nurl: /\n", 1).sections
    assert root.skip  # fastn: a `url:` without path segments is not listed


@pytest.mark.parametrize(
    ("body", "line", "message"),
    [
        ("- Intro: /intro/\n", 5, "before any `# section`"),
        ("## Sub: /sub/\n", 5, "before any `# section`"),
        ("# Home: /\nskip: maybe\n", 6, "`skip` must be true or false"),
        ("# Home: /\n- A: b\n", 6, "`b` is not a URL"),
        ("# Home: /\n- A: b: c\n", 6, "more than one `:`"),
        ("# Home: /\nno colon here\n", 6, "is `key: value`"),
        ("# Home: /\n- A\n  url: /a/<string:name>/\n", 7, "<type:name>"),
        ("# Home: /\n- A\n  id: some-id\n", 7, "global ids"),
    ],
)
def test_bad_lines_are_located_errors(body: str, line: int, message: str) -> None:
    with pytest.raises(SitemapError) as raised:
        parse_sitemap(body, 5)
    assert raised.value.line == line
    assert message in raised.value.message


def test_a_bad_sitemap_stops_the_package_with_its_fastn_ftd_line(tmp_path: Path) -> None:
    text = "-- fastn.package: site\n\n-- fastn.sitemap:\n\n# Home: /\n- A: b\n"
    with pytest.raises(PackageError) as raised:
        parse_package(text, tmp_path)
    assert str(raised.value).endswith(
        "FASTN.ftd:6: `A: b`: `b` is not a URL (ids of documents are not supported)"
    )


def test_ids_match_like_fastn() -> None:
    assert ids_match("/docs/intro/", "docs/intro/")
    assert ids_match("/index.html", "/")
    assert ids_match("docs/index.html", "/docs/")
    assert not ids_match("/docs/", "/docs/intro/")


def test_every_real_sitemap_parses(realworld_packages: Path) -> None:
    """The sitemaps of the real packages and of every dependency they carry."""
    read = 0
    for package_file in sorted(realworld_packages.rglob("FASTN.ftd")):
        package = parse_package(package_file.read_text(encoding="utf-8"), package_file.parent)
        if package.sitemap is not None:
            read += 1
            assert package.sitemap.sections, package_file
    assert read >= 100
