"""Build: `fastn build` of 1 000 generated pages, and of the real packages of ../shared/realworld.

Every generated page imports `lib.ftd` (a record, a `card` component with a markdown body and a
loop over links, a `page` component taking children) and fills three cards. The time is the
whole command as a user runs it (interpreter start-up included). The reference is the same
markup from a Jinja2 template plus markdown-it-py written by a small Python script, also run as
a command. On one core each builder runs three times, turn by turn, on fresh files, and the run
of median CPU is shown (this VM's disk moves one run's system time by a second). Targets:
≥ 500 pages/s (issue 7), ≥ 1.0× the script's pages per CPU-second on one core (issue 19).

The real packages (fastn.com above all, 802 documents on design-system and doc-site) are
each built from a scratch copy on every core, with the memory of the build and its workers
sampled together. Targets (issue 19): fastn.com in ≤ 10 s, under 500 MB.
"""

from __future__ import annotations

import os
import re
import resource
import shutil
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from harness import (
    REPO,
    Options,
    Table,
    pinned,
    python_environment,
    ratio,
    run_main,
    scratch_folder,
    target_note,
    tree_memory_bytes,
)

PAGES_PER_SECOND_TARGET = 500
REALWORLD = REPO.parent / "shared" / "realworld" / "packages"
REAL_PACKAGE_FIRST = "fastn.com"
REAL_SECONDS_TARGET = 10.0
REAL_MEMORY_TARGET_MB = 500
MEMORY_SAMPLE_SECONDS = 0.02
ROUNDS = 3  # one-core builds of each builder, turn by turn

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


@dataclass
class Timed:
    """One command's wall-clock seconds and CPU seconds (user, system)."""

    seconds: float
    user: float
    system: float

    @property
    def cpu(self) -> float:
        return self.user + self.system


def timed(command: list[str], cwd: Path) -> Timed:
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
    return Timed(elapsed, after.ru_utime - before.ru_utime, after.ru_stime - before.ru_stime)


def median_run(runs: list[Timed]) -> Timed:
    """The run of median CPU: a disk busy with earlier writes moves single runs both ways."""
    return sorted(runs, key=lambda run: run.cpu)[len(runs) // 2]


@dataclass
class RealBuild:
    """One `fastn build` of a real package: its documents, times and peak memory."""

    documents: int
    failed: int
    seconds: float
    cpu_seconds: float
    peak_rss: int  # Σ over the build and its workers, at the worst moment
    peak_pss: int


def build_real_package(source: Path, work: Path) -> RealBuild:
    """`fastn build` of a scratch copy of `source`, sampling the memory of its process tree."""
    package = work / source.name
    shutil.copytree(source, package, symlinks=True)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "fastn.cli", "build"],
        cwd=package,
        env=python_environment(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    peak = [0, 0]

    def sample() -> None:
        while process.poll() is None:
            rss, pss = tree_memory_bytes(process.pid)
            peak[0], peak[1] = max(peak[0], rss), max(peak[1], pss)
            time.sleep(MEMORY_SAMPLE_SECONDS)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    output, _ = process.communicate()
    elapsed = time.perf_counter() - started
    sampler.join()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    shutil.rmtree(package)
    counted = re.search(r"^Building (\d+) documents", output, re.MULTILINE)
    finished = re.search(r"^Built .* \((\d+) failed\)$", output, re.MULTILINE)
    if counted is None or finished is None:
        raise RuntimeError(f"fastn build of {source.name} did not finish:\n{output[-3000:]}")
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    return RealBuild(int(counted.group(1)), int(finished.group(1)), elapsed, cpu, peak[0], peak[1])


def real_packages_table(options: Options) -> Table | None:
    """Each real package built on every core; None without ../shared/realworld."""
    if not REALWORLD.is_dir():
        return None
    names = sorted(path.name for path in REALWORLD.iterdir() if path.is_dir())
    names.sort(key=lambda name: name != REAL_PACKAGE_FIRST)
    if options.quick:  # the smallest, to see it run
        names = ["todo-app"]
    table = Table(
        f"Build: real packages of ../shared/realworld, every core ({os.cpu_count()})",
        [
            "package",
            "documents (failed)",
            "seconds",
            "CPU seconds",
            "documents per CPU-second",
            "peak memory MB (Σ PSS)",
            "peak Σ RSS MB",
        ],
    )
    results: dict[str, RealBuild] = {}
    with scratch_folder() as work:
        for name in names:
            built = results[name] = build_real_package(REALWORLD / name, work)
            table.add(
                name,
                f"{built.documents} ({built.failed})",
                f"{built.seconds:.2f}",
                f"{built.cpu_seconds:.2f}",
                f"{built.documents / built.cpu_seconds:,.0f}",
                f"{built.peak_pss / 2**20:,.0f}",
                f"{built.peak_rss / 2**20:,.0f}",
            )
    table.notes.append(
        "memory: the build and its worker processes sampled together every "
        f"{MEMORY_SAMPLE_SECONDS * 1000:.0f} ms; PSS shares the pages forked workers hold in "
        "common among them, RSS counts them once per process"
    )
    main = results.get(REAL_PACKAGE_FIRST)
    if main is not None:
        table.notes.append(
            target_note(
                f"{REAL_PACKAGE_FIRST}: {main.seconds:.1f} s",
                main.seconds <= REAL_SECONDS_TARGET,
                f"≤ {REAL_SECONDS_TARGET:.0f} s",
            )
        )
        megabytes = main.peak_pss / 2**20
        table.notes.append(
            target_note(
                f"{REAL_PACKAGE_FIRST}: {megabytes:,.0f} MB",
                megabytes < REAL_MEMORY_TARGET_MB,
                f"< {REAL_MEMORY_TARGET_MB} MB",
            )
        )
    return table


def run(options: Options) -> list[Table]:
    total = 50 if options.quick else 1000
    rounds = 1 if options.quick else ROUNDS
    with scratch_folder() as work:
        package = work / "package"
        write_package(package, total)
        copies = [work / f"package-{number}" for number in range(rounds)]
        for copy in copies:  # a fresh package per build, as a user's first build has
            shutil.copytree(package, copy)
        script = work / "jinja2_build.py"
        script.write_text(f"SECTION = {SECTION_MARKDOWN!r}\n{JINJA2_BUILD}")
        os.sync()  # the copies on disk before anything is timed
        fastn_build = [sys.executable, "-m", "fastn.cli", "build"]
        fastn_runs: list[Timed] = []
        jinja_runs: list[Timed] = []
        with pinned(options.cpu("server")):  # one core: one process
            for number, copy in enumerate(copies):  # turn by turn: both see the same disk
                fastn_runs.append(timed(fastn_build, copy))
                reference_out = work / f"jinja2-site-{number}"
                jinja_runs.append(
                    timed([sys.executable, str(script), str(reference_out), str(total)], work)
                )
        # the whole machine: a worker process per core (`--jobs` defaults to the cores)
        parallel = timed(fastn_build, package)
        built = len(list((package / ".build" / "pages").glob("*/index.html")))
        if built != total:
            raise RuntimeError(f"fastn build wrote {built} of {total} pages")

    fastn_one, jinja = median_run(fastn_runs), median_run(jinja_runs)
    table = Table(
        f"Build: {total} generated pages (+ the shared lib page), whole command",
        [
            "builder",
            "seconds",
            "pages/s",
            "CPU seconds (user + system)",
            "pages per CPU-second",
            "× Jinja2 (CPU)",
        ],
    )
    for name, run_ in (
        ("fastn build, one core", fastn_one),
        (f"fastn build, every core ({os.cpu_count()})", parallel),
        ("Jinja2 + markdown-it-py script", jinja),
    ):
        table.add(
            name,
            f"{run_.seconds:.2f}",
            f"{total / run_.seconds:,.0f}",
            f"{run_.cpu:.2f} ({run_.user:.2f} + {run_.system:.2f})",
            f"{total / run_.cpu:,.0f}",
            ratio(jinja.cpu, run_.cpu),
        )
    table.notes.append(
        "the first row and the reference run on one core; pages per CPU-second is what an "
        "otherwise idle core gives"
    )
    if rounds > 1:
        table.notes.append(
            f"one core: {rounds} rounds, fastn build and the script in turn, each on fresh "
            "files; the rows show the run of median CPU. All rounds, user + system CPU-s: "
            + "; ".join(
                f"fastn {f.user:.2f} + {f.system:.2f}, Jinja2 {j.user:.2f} + {j.system:.2f}"
                for f, j in zip(fastn_runs, jinja_runs, strict=True)
            )
        )
    rate = total / parallel.seconds
    table.notes.append(
        target_note(
            f"fastn build: {rate:,.0f} pages/s on the machine",
            rate >= PAGES_PER_SECOND_TARGET,
            f"≥ {PAGES_PER_SECOND_TARGET}",
        )
    )
    real = real_packages_table(options)
    return [table] if real is None else [table, real]


if __name__ == "__main__":
    sys.exit(run_main(run, __doc__.splitlines()[0]))
