"""The sitemap, toc, document and apps processors, on small packages rendered in-process.

A layout module reads `pr.sitemap` once and every page uses it: what it shows must be the
sidebar of the page being rendered (fastn's active and open items), not of the module.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from processor_support import make_package, package_text, render, texts

from fastn.package.config import parse_package
from fastn.package.documents import environment_for
from fastn.processors.errors import ProcessorError
from fastn.processors.toc import parse_toc

SITEMAP = """
-- fastn.sitemap:

# Home: /
- Intro: /intro/
  nav-title: Start here
  - Deep: /deep/
- Hidden: /hidden/
  skip: true

# Guide: /guide/
## Basics: /guide/basics/
- One: /guide/one/
## Advanced: /guide/advanced/
nav-title: Pro
- Three: /guide/three/
  description: The third
  img-src: three.png
"""

NAV = """
-- import: fastn/processors as pr

-- pr.sitemap-data sm:
$processor$: pr.sitemap

-- component entry:
caption pr.toc-item item:

-- ftd.row:

-- ftd.text: $entry.item.title

-- ftd.text: (active)
if: { entry.item.is-active }

-- ftd.text: (open)
if: { entry.item.is-open }

-- ftd.text: $entry.item.url
if: { entry.item.url != NULL }

-- ftd.text: $obj.title
$loop$: $entry.item.children as $obj

-- end: ftd.row

-- end: entry

-- component sidebar:

-- ftd.column:

-- ftd.text: sections:

-- entry: $obj
$loop$: $sm.sections as $obj

-- ftd.text: subsections:

-- entry: $obj
$loop$: $sm.subsections as $obj

-- ftd.text: toc:

-- entry: $obj
$loop$: $sm.toc as $obj

-- ftd.text: current:

-- ftd.text: $sm.current-subsection.title
if: { sm.current-subsection != NULL }

-- ftd.text: $sm.current-page.title
if: { sm.current-page != NULL }

-- end: ftd.column

-- end: sidebar
"""

PAGE = "-- import: site/nav\n\n-- nav.sidebar:\n"
PAGES = ["index", "intro", "deep", "hidden", "guide/index", "guide/basics", "guide/three"]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    files = {f"{page}.ftd": PAGE for page in PAGES}
    return make_package(
        tmp_path_factory.mktemp("site"),
        {"nav.ftd": NAV, **files},
        package_text(sections=SITEMAP),
    )


def sidebar(site: Path, page: str) -> str:
    return " ".join(texts(render(site, page).body))


def test_a_toc_page_opens_its_parents_and_is_current(site: Path) -> None:
    assert sidebar(site, "deep") == (
        "sections: Home (active) (open) / Guide guide/ subsections: "
        "toc: Intro (open) intro/ Deep "
        "current: Deep"
    )


def test_the_current_page_is_shown_by_its_nav_title(site: Path) -> None:
    assert sidebar(site, "intro") == (
        "sections: Home (active) (open) / Guide guide/ subsections: "
        "toc: Intro (active) (open) intro/ Deep "
        "current: Start here"
    )


def test_the_section_page_lists_its_toc_and_no_skipped_item(site: Path) -> None:
    assert sidebar(site, "index") == (
        "sections: Home (active) (open) / Guide guide/ subsections: toc: Intro intro/ Deep current:"
    )


def test_a_skipped_item_is_listed_on_its_own_page(site: Path) -> None:
    assert "Hidden (active) (open) hidden/" in sidebar(site, "hidden")


def test_subsections_of_the_active_section(site: Path) -> None:
    assert sidebar(site, "guide/three") == (
        "sections: Home / Guide (active) (open) guide/ "
        "subsections: Basics guide/basics/ Advanced (active) (open) guide/advanced/ "
        "toc: Three (active) (open) guide/three/ "
        "current: Pro Three"
    )
    # the section's own page: its first subsection's TOC, nothing current below it
    assert sidebar(site, "guide/index") == (
        "sections: Home / Guide (active) (open) guide/ "
        "subsections: Basics guide/basics/ Advanced guide/advanced/ "
        "toc: One guide/one/ current:"
    )


FULL_ACTIVE = """
-- import: fastn/processors as pr

-- pr.sitemap-data all:
$processor$: pr.full-sitemap

-- ftd.text: $section.title
$loop$: $all.sections as $section
color if { section.is-active }: red
"""


def test_full_sitemap_is_the_whole_tree(tmp_path: Path) -> None:
    page = (
        FULL_ACTIVE
        + """
-- ftd.text: $all.sections.1.children.1.children.0.description

-- ftd.text: $all.sections.1.children.1.children.0.img-src
"""
    )
    root = make_package(tmp_path, {"guide/three.ftd": page}, package_text(sections=SITEMAP))
    html = render(root, "guide/three").body
    assert texts(html) == ["Home", "Guide", "The third", "three.png"]
    home, guide = re.findall(r"<div[^>]*>(?:Home|Guide)</div>", html)
    assert "color" not in home and "color" in guide


def _active_titles(html: str) -> list[str]:
    return re.findall(r"<div[^>]*color[^>]*>([^<]*)</div>", html)


def test_full_sitemap_pages_of_one_package_each_see_their_own_active_items(
    tmp_path: Path,
) -> None:
    # one environment renders the pages in turn: the sitemap mapped for the first page is
    # reused, and each page still gets its own `is-active` flags
    files = {name: FULL_ACTIVE for name in ("deep.ftd", "guide/three.ftd", "hidden.ftd")}
    root = make_package(tmp_path, files, package_text(sections=SITEMAP))
    package = parse_package((root / "FASTN.ftd").read_text(), root.resolve())
    environment = environment_for(package)
    pages = ("deep", "guide/three", "hidden", "deep")
    active = [_active_titles(environment.render_sync(page).body) for page in pages]
    assert active == [["Home"], ["Guide"], [], ["Home"]]


def test_full_sitemap_into_a_record_with_defaults(tmp_path: Path) -> None:
    # a field default is evaluated for the document: such data is mapped page by page
    page = """
-- import: fastn/processors as pr

-- record item:
optional string title:
string kind: page
boolean is-active: false
item list children:

-- record tree:
item list sections:

-- tree all:
$processor$: pr.full-sitemap

-- ftd.text: $section.kind
$loop$: $all.sections as $section
color if { section.is-active }: red
"""
    files = {"deep.ftd": page, "guide/one.ftd": page}
    root = make_package(tmp_path, files, package_text(sections=SITEMAP))
    package = parse_package((root / "FASTN.ftd").read_text(), root.resolve())
    environment = environment_for(package)
    for name, active in (("deep", '"page" ""'), ("guide/one", '"" "page"')):
        html = environment.render_sync(name).body
        shown = re.findall(r"<div( class=\"__color-\d+\")?>(page)</div>", html)
        assert " ".join(f'"{"page" if colored else ""}"' for colored, _ in shown) == active


def test_no_sitemap_gives_empty_lists(tmp_path: Path) -> None:
    root = make_package(tmp_path, {"nav.ftd": NAV, "index.ftd": PAGE})
    assert sidebar(root, "index") == "sections: subsections: toc: current:"


TOC_PAGE = """
-- import: fastn/processors as pr

-- pr.toc-item list toc:
$processor$: pr.toc

# Start
- Introduction:
  - Getting Started: introduction/getting-started/
  - Storybook
    url: introduction/storybook/
    description: Every component
- Links: https://example.com/a.b/c
# Again
- Alert: components/alert/

-- component item:
caption pr.toc-item it:

-- ftd.row:

-- ftd.text: $item.it.title

-- ftd.text: $item.it.url
if: { item.it.url != NULL }

-- ftd.text: (heading)
if: { item.it.is-heading }

-- ftd.text: $obj.title
$loop$: $item.it.children as $obj

-- end: ftd.row

-- end: item

-- item: $obj
$loop$: $toc as $obj
"""


def test_toc_body_items_and_headings(tmp_path: Path) -> None:
    root = make_package(tmp_path, {"index.ftd": TOC_PAGE})
    assert texts(render(root).body) == [
        "Start",
        "(heading)",
        "Introduction",
        "Getting Started",
        "Storybook",
        "Links",
        # fastn's URL pattern stops at the first dot of the path
        "https://example.com/a",
        "Again",
        "(heading)",
        "Alert",
        "components/alert/",
    ]


def test_toc_numbers_like_fastn() -> None:
    body = "- A: a/\n  - A1: a1/\n  - A2: a2/\n# H\n- B: b/\n- C: c/\n  # Sub\n  - C1: c1/\n"
    numbers = []

    def walk(items: list[dict]) -> None:
        for item in items:
            numbers.append((item["title"], item["number"]))
            walk(item["children"])

    walk(parse_toc(body))
    # a heading restarts its level's count only when no deeper level was left
    assert numbers == [
        ("A", "1."),
        ("A1", "1.1."),
        ("A2", "1.2."),
        ("H", ""),
        ("B", "2."),
        ("C", "3."),
        ("Sub", ""),
        ("C1", "3.1."),
    ]


@pytest.mark.parametrize(
    ("body", "line", "message"),
    [
        ("- A: a/\n  colour: red\n", 7, "`colour: red`"),
        ("- A: a: b\n- B: b/\n", 6, "more than one `:`"),
        ("x: y\n", 6, "is not `- item` or `# heading`"),
    ],
)
def test_a_bad_toc_line_is_located(tmp_path: Path, body: str, line: int, message: str) -> None:
    page = "-- import: fastn/processors as pr\n\n-- pr.toc-item list toc:\n$processor$: pr.toc\n\n"
    root = make_package(tmp_path, {"index.ftd": page + body})
    with pytest.raises(ProcessorError) as raised:
        render(root)
    assert (raised.value.line, raised.value.doc_id) == (line, "site/index")
    assert message in raised.value.message


DOCUMENT_PAGE = """
-- import: fastn/processors as pr

-- string id:
$processor$: pr.document-id

-- string full-id:
$processor$: pr.document-full-id

-- optional string suffix:
$processor$: pr.document-suffix

-- string name:
$processor$: pr.document-name

-- ftd.text: $id

-- ftd.text: $full-id

-- ftd.text: $name

-- ftd.text: no suffix
if: { suffix == NULL }
"""


@pytest.mark.parametrize(
    ("doc_id", "expected"),
    [
        ("index", ["/", "/", "index.ftd", "no suffix"]),
        ("docs/index", ["/docs/", "/docs/", "docs/index.ftd", "no suffix"]),
        ("docs/intro", ["/docs/intro/", "/docs/intro/", "docs/intro.ftd", "no suffix"]),
    ],
)
def test_document_processors_name_the_page(
    tmp_path: Path, doc_id: str, expected: list[str]
) -> None:
    root = make_package(tmp_path, {f"{doc_id}.ftd": DOCUMENT_PAGE})
    assert texts(render(root, doc_id).body) == expected


APPS_PAGE = """
-- import: fastn/processors as pr

-- pr.app-ui apps:
$processor$: pr.fastn-apps

-- ftd.integer: $apps.len

-- ftd.text: $obj.item.name
$loop$: $apps.items as $obj

-- ftd.text: $obj.item.url
$loop$: $apps.items as $obj
"""


def test_fastn_apps_lists_the_mounted_apps(tmp_path: Path) -> None:
    apps = (
        "\n-- fastn.app: Todos\npackage: todo.example.com\nmount-point: /todos/\n"
        "\n-- fastn.app: Blog\npackage: blog.example.com\nmount-point: /blog/\n"
    )
    root = make_package(tmp_path, {"index.ftd": APPS_PAGE}, package_text(sections=apps))
    assert texts(render(root).body) == ["2", "Todos", "Blog", "/todos/", "/blog/"]
    plain = make_package(tmp_path / "plain", {"index.ftd": APPS_PAGE})
    assert texts(render(plain).body) == ["0"]


def test_fastn_prefix_names_the_processors(tmp_path: Path) -> None:
    """fastn reads `fastn.sitemap` as `pr.sitemap`, imported `fastn` or not (fastn.com)."""
    page = NAV.replace("$processor$: pr.sitemap", "$processor$: fastn.sitemap")
    root = make_package(
        tmp_path, {"nav.ftd": page, "deep.ftd": PAGE}, package_text(sections=SITEMAP)
    )
    assert sidebar(root, "deep").endswith("current: Deep")


def test_get_data_reads_the_attributes_the_sitemap_gives_the_page(tmp_path: Path) -> None:
    sitemap = (
        "\n-- fastn.sitemap:\n\n# Home: /\n- Intro: /intro/\n"
        "\n# Planning: /planning/\nshow-planning: true\nowner: team\n"
        "- Plan: /planning/plan/\n  owner: amit\n"
    )
    page = (
        "-- import: fastn/processors as pr\n\n"
        "-- boolean show-planning: false\n$processor$: pr.get-data\n\n"
        "-- string owner: nobody\n$processor$: pr.get-data\n\n"
        "-- ftd.boolean: $show-planning\n\n-- ftd.text: $owner\n"
    )
    root = make_package(
        tmp_path,
        {"intro.ftd": page, "planning/index.ftd": page, "planning/plan.ftd": page},
        package_text(sections=sitemap),
    )
    assert texts(render(root, "intro").body) == ["false", "nobody"]
    assert texts(render(root, "planning/index").body) == ["true", "team"]
    # an item's own attributes win over its section's
    assert texts(render(root, "planning/plan").body) == ["true", "amit"]


def test_a_page_changing_the_sitemap_in_place_changes_only_its_own(tmp_path: Path) -> None:
    # what the sitemap processors give is shared by the pages of a package (mapped once);
    # a page with `-- x.field: …` updates gets its own copy to change
    plain = """
-- import: fastn/processors as pr

-- pr.sitemap-data $sm:
$processor$: pr.sitemap

-- pr.sitemap-data $all:
$processor$: pr.full-sitemap

-- ftd.text: $sm.sections.0.title

-- ftd.text: $all.sections.0.title

-- ftd.text: $all.sections.1.children.0.title
"""
    changing = (
        plain
        + """
-- $sm.sections.0.title: Changed

-- $all.sections.0.title: Also changed

-- $all.sections.1.children.0.title: Changed too
"""
    )
    files = {"deep.ftd": changing, "intro.ftd": plain, "guide/one.ftd": plain}
    root = make_package(tmp_path, files, package_text(sections=SITEMAP))
    package = parse_package((root / "FASTN.ftd").read_text(), root.resolve())
    environment = environment_for(package)
    shown = [
        texts(environment.render_sync(page).body)
        for page in ("intro", "deep", "intro", "guide/one", "deep", "guide/one")
    ]
    assert shown == [
        ["Home", "Home", "Basics"],
        ["Changed", "Also changed", "Changed too"],
        ["Home", "Home", "Basics"],
        ["Home", "Home", "Basics"],
        ["Changed", "Also changed", "Changed too"],
        ["Home", "Home", "Basics"],
    ]
