"""Pages: ftd pages rendered per request by `fastn serve`, against what a user would write instead.

1. `/rows/`: 100 rows from SQLite (`pr.sql`, `FASTN_DB_URL=sqlite:///db.sqlite`) shown through
   a component, against a Starlette app under uvicorn with the same settings (1 worker,
   uvloop, httptools) producing the same HTML from a hand-written Jinja2 template. The app
   reads SQLite in a worker thread and renders on the event loop, as fastn does, twice: with
   a read-only connection opened per request (the plain way to write it) and with one kept per
   worker thread (what fastn's processor does). Target (issue 7): ≥ 1.0× Jinja2.
2. `/about/`: a data-free page (components, markdown), against `about.html`, a static file of
   the same bytes served by the same `fastn serve`. Target: ≥ 0.8×.
"""

from __future__ import annotations

import sqlite3
import sys
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

from harness import (
    LOOPBACK,
    Load,
    Options,
    Service,
    Table,
    expect_ok,
    fastn_serve,
    http_get,
    load_cells,
    measure,
    ratio,
    require,
    run_main,
    scratch_folder,
    target_note,
    uvicorn_app,
)

from fastn.ftd.render.html import base_stylesheet

ROWS = 100
JINJA2_TARGET = 1.0
STATIC_TARGET = 0.8

ROWS_PAGE = """\
-- import: fastn/processors as pr

-- record person:
integer id:
string name:
string city:

-- person list people:
$processor$: pr.sql

SELECT id, name, city FROM people ORDER BY id

-- ftd.column:
width: fill-container

-- row-view: $p
for: $p in $people

-- end: ftd.column

-- component row-view:
caption person p:

-- ftd.row:
spacing.fixed.px: 8

-- ftd.integer: $row-view.p.id
-- ftd.text: $row-view.p.name
-- ftd.text: $row-view.p.city

-- end: ftd.row

-- end: row-view
"""

ABOUT_PAGE = """\
-- component card:
caption title:
body text:

-- ftd.column:
width: fill-container
padding.px: 16
spacing.fixed.px: 4
border-width.px: 1
border-radius.px: 8

-- ftd.text: $card.title
role: $inherited.types.heading-small

-- ftd.text: $card.text

-- end: ftd.column

-- end: card

-- ftd.column:
width: fill-container
padding.px: 40
spacing.fixed.px: 16

-- ftd.text: About this site
role: $inherited.types.heading-large

-- ftd.text:

A page written in **ftd**, with *markdown*, a [link](/rows/) and `code`.

-- card: Pages in ftd

Components, records, loops and conditions, rendered on the server.

-- card: In front of your backend

Anything the package does not serve is proxied to the `endpoint:`.

-- card: Data from SQL

The rows page reads its list with `pr.sql`.

-- end: ftd.column
"""

# The hand-written equivalent of ROWS_PAGE: the markup fastn renders for it, as Jinja2.
ROWS_TEMPLATE = """\
<!DOCTYPE html>
<html>
<head>
<meta charset="UTF-8">
<meta content="fastn" name="generator">
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>BASE_STYLESHEET</style>
</head>
<body><div class="ft_column __width-1 __h-3"><div class="ft_column __width-1">
{%- for person in people -%}
<div class="ft_row __spacing-2"><div>{{ person.id }}</div><div>{{ person.name }}</div>\
<div>{{ person.city }}</div></div>
{%- endfor -%}
</div></div></body>
<style id="styles">
.__width-1 { width: 100%; }
.__spacing-2 { gap: 8px; }
.__h-3 { height: 100%; }
</style>
</html>
""".replace("BASE_STYLESHEET", base_stylesheet())  # every fastn page carries it, inline

STARLETTE_APP = '''\
"""The reference: the rows page as a Starlette endpoint and a Jinja2 template."""

import asyncio
import sqlite3
import threading

from jinja2 import Environment
from starlette.applications import Starlette
from starlette.responses import HTMLResponse
from starlette.routing import Route

DATABASE = "file:{database}?mode=ro"
TEMPLATE = Environment(autoescape=True, keep_trailing_newline=True).from_string({template!r})


def read_people():
    connection = sqlite3.connect(DATABASE, uri=True)
    try:
        connection.row_factory = sqlite3.Row
        return connection.execute("SELECT id, name, city FROM people ORDER BY id").fetchall()
    finally:
        connection.close()


kept = threading.local()


def read_people_kept():
    """The same read on a connection kept by each worker thread."""
    connection = getattr(kept, "connection", None)
    if connection is None:
        connection = kept.connection = sqlite3.connect(DATABASE, uri=True)
        connection.row_factory = sqlite3.Row
    return connection.execute("SELECT id, name, city FROM people ORDER BY id").fetchall()


async def rows(request):
    people = await asyncio.to_thread(read_people)
    return HTMLResponse(TEMPLATE.render(people=people))


async def rows_kept(request):
    people = await asyncio.to_thread(read_people_kept)
    return HTMLResponse(TEMPLATE.render(people=people))


app = Starlette(routes=[Route("/rows/", rows), Route("/rows-kept/", rows_kept)])
'''

CITIES = ["Lisbon", "Pune", "Nairobi", "Oslo", "Quito", "Osaka", "Tunis", "Perth"]


def write_database(path: Path) -> None:
    connection = sqlite3.connect(path)
    with connection:
        connection.execute("CREATE TABLE people (id INTEGER PRIMARY KEY, name TEXT, city TEXT)")
        connection.executemany(
            "INSERT INTO people VALUES (?, ?, ?)",
            [
                (number, f"Person {number}", CITIES[number % len(CITIES)])
                for number in range(1, ROWS + 1)
            ],
        )
    connection.close()


def write_package(root: Path) -> None:
    root.mkdir()
    (root / "FASTN.ftd").write_text("-- import: fastn\n\n-- fastn.package: bench-pages\n")
    (root / "rows.ftd").write_text(ROWS_PAGE)
    (root / "about.ftd").write_text(ABOUT_PAGE)
    write_database(root / "db.sqlite")


@dataclass
class Comparison:
    page: str
    reference: str
    target: float
    fastn: Load
    other: Load
    fastn_body: bytes
    other_body: bytes


def run(options: Options) -> list[Table]:
    require("wrk")
    connections = 8 if options.quick else 32
    comparisons: list[Comparison] = []
    with ExitStack() as stack:
        work = stack.enter_context(scratch_folder())
        package = work / "package"
        write_package(package)
        fastn, fastn_port = fastn_serve(
            package, work, options.cpu("server"), env={"FASTN_DB_URL": "sqlite:///db.sqlite"}
        )
        stack.enter_context(fastn)
        about = expect_ok(fastn_port, "/about/")
        (package / "about.html").write_bytes(about)
        if expect_ok(fastn_port, "/about.html") != about:
            raise RuntimeError("fastn serve changed the bytes of about.html")

        def load(port: int, path: str, server: Service) -> Load:
            return measure(f"http://{LOOPBACK}:{port}{path}", options, connections, work, server)

        status, fastn_rows = http_get(fastn_port, "/rows/")
        rows_error = None if status == 200 else _first_line(fastn_rows, status)
        if rows_error is None:
            app_dir = work / "reference"
            app_dir.mkdir()
            (app_dir / "rows_app.py").write_text(
                STARLETTE_APP.format(database=package / "db.sqlite", template=ROWS_TEMPLATE)
            )
            reference, reference_port = uvicorn_app(
                "rows_app:app", app_dir, work, options.cpu("server"), "starlette"
            )
            stack.enter_context(reference)
            fastn_load = load(fastn_port, "/rows/", fastn)
            for reference_path, reference_name in [
                ("/rows/", "Jinja2 + Starlette"),
                ("/rows-kept/", "Jinja2 + Starlette, connection kept per thread"),
            ]:
                comparisons.append(
                    Comparison(
                        f"{ROWS} SQLite rows through a component",
                        reference_name,
                        JINJA2_TARGET,
                        fastn_load,
                        load(reference_port, reference_path, reference),
                        fastn_rows,
                        expect_ok(reference_port, reference_path),
                    )
                )
        comparisons.append(
            Comparison(
                "data-free page",
                "the same bytes as a static file",
                STATIC_TARGET,
                load(fastn_port, "/about/", fastn),
                load(fastn_port, "/about.html", fastn),
                about,
                about,
            )
        )
        fastn.check_running()

    table = Table(
        f"Pages: fastn serve against the reference, c={connections}",
        [
            "page", "server", f"req/s c={connections}", "p50", "p99", "server CPU µs/req",
            "× reference req/s", "× reference CPU efficiency", "bytes",
        ],
    )  # fmt: skip
    for compared in comparisons:
        fastn_load, other = compared.fastn, compared.other
        efficiency = "–"
        if fastn_load.cpu_us_per_request and other.cpu_us_per_request:
            efficiency = ratio(other.cpu_us_per_request, fastn_load.cpu_us_per_request)
        table.add(
            compared.page,
            "fastn serve",
            *load_cells(fastn_load),
            ratio(fastn_load.rps, other.rps),
            efficiency,
            len(compared.fastn_body),
        )
        table.add(
            compared.page,
            compared.reference,
            *load_cells(other),
            "1.00×",
            "1.00×",
            len(compared.other_body),
        )
        share = fastn_load.rps / other.rps
        same = "same bytes" if compared.fastn_body == compared.other_body else "**HTML differs**"
        table.notes.append(
            target_note(
                f"{compared.page}: {share:.2f}× {compared.reference}",
                share >= compared.target,
                f"≥ {compared.target}",
            )
            + f"; {same}"
        )
    if rows_error is not None:
        table.notes.append(f"{ROWS} SQLite rows: not measured, `/rows/` answered {rows_error}")
    return [table]


def _first_line(body: bytes, status: int) -> str:
    text = body.decode(errors="replace").strip().splitlines()
    return f"{status}: {text[0][:200] if text else ''}"


if __name__ == "__main__":
    sys.exit(run_main(run, __doc__.splitlines()[0]))
