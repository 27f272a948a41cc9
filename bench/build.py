"""Build: `fastn build` of 1 000 generated pages (components, markdown, a shared import).

Every page imports `lib.ftd` (a record, a `card` component with a markdown body and a loop
over links, a `page` component taking children) and fills three cards. The time is the whole
command as a user runs it (interpreter start-up included). The reference is the same markup
from a Jinja2 template plus markdown-it-py written by a small Python script, also run as a
command. Target (issue 7): ≥ 500 pages/s.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import time
from pathlib import Path

from harness import (
    Options,
    Table,
    pinned,
    python_environment,
    ratio,
    run_main,
    scratch_folder,
    target_note,
)

PAGES_PER_SECOND_TARGET = 500

LIBRARY = """\
-- record link:
caption title:
string url:

-- component card:
caption title:
body text:
link list links:

-- ftd.column:
width: fill-container
padding.px: 16
spacing.fixed.px: 8
border-width.px: 1
border-radius.px: 8
border-color: $inherited.colors.border

-- ftd.text: $card.title
role: $inherited.types.heading-small
color: $inherited.colors.text-strong

-- ftd.text: $card.text
color: $inherited.colors.text

-- ftd.text: $l.title
for: $l in $card.links
link: $l.url

-- end: ftd.column

-- end: card

-- component page:
caption title:
children content:

-- ftd.column:
width: fill-container
padding.px: 32
spacing.fixed.px: 16

-- ftd.text: $page.title
role: $inherited.types.heading-large

-- ftd.column:
width: fill-container
spacing.fixed.px: 16
children: $page.content

-- end: ftd.column

-- end: ftd.column

-- end: page
"""

SECTION_MARKDOWN = (
    "Section {section} of page {number}: **bold**, *emphasis*, `code` and a [link](/pages/{next}/).\n\n"
    "- first point of {number}\n- second point\n"
)


def page_source(number: int, total: int) -> str:
    following = f"{(number % total) + 1:04d}"
    cards = "".join(
        f"-- lib.card: Section {section}\nlinks: $links\n\n"
        + SECTION_MARKDOWN.format(section=section, number=number, next=following)
        + "\n"
        for section in (1, 2, 3)
    )
    return (
        f"-- import: bench-build/lib\n\n-- lib.page: Page {number}\n\n{cards}-- end: lib.page\n\n"
        f"-- lib.link list links:\n\n-- lib.link: Home\nurl: /\n\n"
        f"-- lib.link: Next\nurl: /pages/{following}/\n\n-- end: links\n"
    )


def write_package(root: Path, total: int) -> None:
    root.mkdir()
    (root / "FASTN.ftd").write_text("-- import: fastn\n\n-- fastn.package: bench-build\n")
    (root / "lib.ftd").write_text(LIBRARY)
    (root / "pages").mkdir()
    for number in range(1, total + 1):
        (root / "pages" / f"{number:04d}.ftd").write_text(page_source(number, total))


# The reference: the same pages from a Jinja2 template and markdown-it-py, as a script.
JINJA2_BUILD = '''
import sys
from pathlib import Path
from jinja2 import Environment
from markdown_it import MarkdownIt

TEMPLATE = """<!DOCTYPE html>
<html><head><meta charset="UTF-8"></head>
<body><div class="column"><div class="column padded"><div class="heading">{{ title }}</div>
<div class="column">{% for card in cards %}<div class="column card"><div class="card-title">{{ card.title }}</div>
<div class="text">{{ card.html }}</div>{% for link in links %}<a href="{{ link.url }}">{{ link.title }}</a>{% endfor %}</div>
{% endfor %}</div></div></div></body></html>
"""

root, total = Path(sys.argv[1]), int(sys.argv[2])
markdown = MarkdownIt()
template = Environment(autoescape=True).from_string(TEMPLATE)
for number in range(1, total + 1):
    following = f"{(number % total) + 1:04d}"
    cards = [
        {"title": f"Section {section}", "html": markdown.render(SECTION.format(section=section, number=number, next=following))}
        for section in (1, 2, 3)
    ]
    links = [{"title": "Home", "url": "/"}, {"title": "Next", "url": f"/pages/{following}/"}]
    html = template.render(title=f"Page {number}", cards=cards, links=links)
    folder = root / "pages" / f"{number:04d}"
    folder.mkdir(parents=True)
    (folder / "index.html").write_text(html, encoding="utf-8")
'''


def timed(command: list[str], cwd: Path) -> tuple[float, float]:
    """Wall-clock and CPU seconds (user + system) of one command."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    finished = subprocess.run(
        command, cwd=cwd, env=python_environment(), capture_output=True, text=True
    )
    elapsed = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if finished.returncode != 0:
        raise RuntimeError(
            f"{' '.join(command)} failed:\n{finished.stdout[-2000:]}{finished.stderr[-2000:]}"
        )
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    return elapsed, cpu


def run(options: Options) -> list[Table]:
    total = 50 if options.quick else 1000
    with scratch_folder() as work:
        package = work / "package"
        write_package(package, total)
        reference_out = work / "jinja2-site"
        script = work / "jinja2_build.py"
        script.write_text(f"SECTION = {SECTION_MARKDOWN!r}\n{JINJA2_BUILD}")
        fastn_build = [sys.executable, "-m", "fastn.cli", "build"]
        with pinned(options.cpu("server")):  # one core: one process
            fastn_wall, fastn_cpu = timed(fastn_build, package)
            jinja_wall, jinja_cpu = timed(
                [sys.executable, str(script), str(reference_out), str(total)], work
            )
        # the whole machine: a worker process per core (`--jobs` defaults to the cores)
        parallel_wall, parallel_cpu = timed(fastn_build, package)
        built = len(list((package / ".build" / "pages").glob("*/index.html")))
        if built != total:
            raise RuntimeError(f"fastn build wrote {built} of {total} pages")

    table = Table(
        f"Build: {total} generated pages (+ the shared lib page), whole command",
        ["builder", "seconds", "pages/s", "CPU seconds", "pages per CPU-second", "× Jinja2 (CPU)"],
    )
    table.add(
        "fastn build, one core",
        f"{fastn_wall:.2f}",
        f"{total / fastn_wall:,.0f}",
        f"{fastn_cpu:.2f}",
        f"{total / fastn_cpu:,.0f}",
        ratio(jinja_cpu, fastn_cpu),
    )
    table.add(
        f"fastn build, every core ({os.cpu_count()})",
        f"{parallel_wall:.2f}",
        f"{total / parallel_wall:,.0f}",
        f"{parallel_cpu:.2f}",
        f"{total / parallel_cpu:,.0f}",
        ratio(jinja_cpu, parallel_cpu),
    )
    table.add(
        "Jinja2 + markdown-it-py script",
        f"{jinja_wall:.2f}",
        f"{total / jinja_wall:,.0f}",
        f"{jinja_cpu:.2f}",
        f"{total / jinja_cpu:,.0f}",
        "1.00×",
    )
    table.notes.append(
        "the first row and the reference run on one core; pages per CPU-second is what an "
        "otherwise idle core gives"
    )
    rate = total / parallel_wall
    table.notes.append(
        target_note(
            f"fastn build: {rate:,.0f} pages/s on the machine",
            rate >= PAGES_PER_SECOND_TARGET,
            f"≥ {PAGES_PER_SECOND_TARGET}",
        )
    )
    return [table]


if __name__ == "__main__":
    sys.exit(run_main(run, __doc__.splitlines()[0]))
