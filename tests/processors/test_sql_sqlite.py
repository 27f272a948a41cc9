"""`pr.sql` against real SQLite files: mapping by name, bound parameters, limits, read-only."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
from processor_support import make_package, render, sqlite_db, texts

from fastn.ftd.errors import FtdError
from fastn.ftd.page import RequestInfo
from fastn.package.config import parse_package
from fastn.package.documents import environment_for
from fastn.processors.errors import ProcessorError
from servers import run_async

SCHEMA = """
CREATE TABLE person (id INTEGER PRIMARY KEY, name TEXT, created_on TEXT, active INTEGER);
INSERT INTO person (name, created_on, active) VALUES ('Amit', '2024-01-02', 1);
INSERT INTO person (name, created_on, active) VALUES ('Jack', '2025-03-04', 0);
CREATE TABLE secret (token TEXT);
INSERT INTO secret VALUES ('the-secret-token');
"""

PERSON = """\
-- import: fastn/processors as pr

-- record person:
boolean active:
string created-on:
string name:
integer id:
"""


def site(tmp_path: Path, page: str, **files: str) -> Path:
    root = make_package(tmp_path / "site", {"index.ftd": PERSON + page, **files})
    sqlite_db(root / "db.sqlite", SCHEMA)
    return root


def test_rows_fill_records_by_column_name_not_position(tmp_path: Path) -> None:
    """fastn#1898: the record's fields are in another order than the table's columns."""
    root = site(
        tmp_path,
        """
-- person list people:
$processor$: pr.sql

SELECT * FROM person ORDER BY id

-- ftd.text: $p.name
for: $p in $people

-- ftd.text: $p.created-on
for: $p in $people
""",
    )
    assert texts(render(root).body) == ["Amit", "Jack", "2024-01-02", "2025-03-04"]


def test_one_record_a_primitive_and_a_primitive_list(tmp_path: Path) -> None:
    root = site(
        tmp_path,
        """
-- person first:
$processor$: pr.sql

SELECT * FROM person WHERE id = 1

-- integer count:
$processor$: pr.sql

SELECT count(*) FROM person

-- string list names:
$processor$: pr.sql

SELECT name FROM person ORDER BY name DESC

-- ftd.text: $first.name

-- ftd.integer: $count

-- ftd.text: $n
for: $n in $names
""",
    )
    assert texts(render(root).body) == ["Amit", "2", "Jack", "Amit"]


def test_parameters_come_from_headers_request_data_and_document_variables(tmp_path: Path) -> None:
    root = site(
        tmp_path,
        """
-- integer wanted:
$processor$: pr.request-data

-- string prefix: J

-- person by-request:
$processor$: pr.sql
id: $wanted

SELECT * FROM person WHERE id = $id::INTEGER

-- person by-literal:
$processor$: pr.sql
name: Amit

SELECT * FROM person WHERE name = $name::TEXT

-- person by-variable:
$processor$: pr.sql

SELECT * FROM person WHERE name LIKE $prefix::STRING || '%'

-- ftd.text: $by-request.name

-- ftd.text: $by-literal.created-on

-- ftd.text: $by-variable.name
""",
    )
    page = render(root, request=RequestInfo(query_string="wanted=2"))
    assert texts(page.body) == ["Jack", "2024-01-02", "Jack"]


@pytest.mark.parametrize(
    "attack",
    [
        "x' OR '1'='1",
        "x'; DROP TABLE person; --",
        "x' UNION SELECT token, token, token, 1 FROM secret --",
        "$name::TEXT",
    ],
)
def test_sql_injection_through_request_data_is_inert(tmp_path: Path, attack: str) -> None:
    root = site(
        tmp_path,
        """
-- string who:
$processor$: pr.request-data

-- person list found:
$processor$: pr.sql
name: $who

SELECT * FROM person WHERE name = $name::TEXT

-- ftd.text: $p.name
for: $p in $found

-- ftd.text: end
""",
    )
    page = render(root, request=RequestInfo(body=_json({"who": attack}), headers=_JSON_HEADERS))
    assert texts(page.body) == ["end"]  # nothing matched, nothing leaked
    rows = sqlite3.connect(root / "db.sqlite").execute("SELECT count(*) FROM person").fetchone()
    assert rows == (2,)


def test_integer_parameter_refuses_a_non_number_with_400(tmp_path: Path) -> None:
    root = site(
        tmp_path,
        """
-- string wanted:
$processor$: pr.request-data

-- person list found:
$processor$: pr.sql
id: $wanted

SELECT * FROM person WHERE id = $id::INTEGER
""",
    )
    with pytest.raises(ProcessorError) as caught:
        render(root, request=RequestInfo(query_string="wanted=1%20OR%201%3D1"))
    assert caught.value.status == 400
    assert "index.ftd:14:" in str(caught.value)  # the `id:` header line
    assert "is not a valid INTEGER value" in str(caught.value)


def test_a_slow_query_is_stopped_by_the_time_limit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FASTN_SQL_TIME_LIMIT_MS", "200")
    root = site(
        tmp_path,
        """
-- integer forever:
$processor$: pr.sql

WITH RECURSIVE counter(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM counter)
SELECT count(*) FROM counter
""",
    )
    with pytest.raises(ProcessorError) as caught:
        render(root)
    assert "index.ftd:12: the query ran longer than 200 ms and was stopped" in str(caught.value)


@pytest.mark.parametrize("writes", ["false", "true"])
def test_a_value_too_large_for_the_cap_fails_at_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, writes: str
) -> None:
    """One long operation (a 400 MB blob) is not interrupted by the time limit: the size of a
    value is capped instead (`FASTN_SQL_MAX_VALUE_BYTES`, 10 MiB by default)."""
    monkeypatch.setenv("FASTN_DB_WRITES", writes)
    page = """
-- integer size:
$processor$: pr.sql

SELECT length(randomblob({size}))

-- ftd.integer: $size
"""
    root = site(tmp_path, page.format(size=400_000_000))
    with pytest.raises(ProcessorError) as caught:
        render(root)
    assert (
        "index.ftd:12: the query made a value larger than 10485760 bytes and was stopped "
        "(FASTN_SQL_MAX_VALUE_BYTES sets the limit)" in str(caught.value)
    )
    (root / "index.ftd").write_text(PERSON + page.format(size=10_000_000))
    assert texts(render(root).body) == ["10000000"]


WRITE = """
-- integer changed:
$processor$: pr.sql

UPDATE person SET name = 'Changed' WHERE id = 1

-- ftd.integer: $changed
"""


def test_writes_are_refused_by_default(tmp_path: Path) -> None:
    root = site(tmp_path, WRITE)
    with pytest.raises(ProcessorError) as caught:
        render(root)
    assert "read-only" in str(caught.value) and "FASTN_DB_WRITES=true" in str(caught.value)
    name = sqlite3.connect(root / "db.sqlite").execute("SELECT name FROM person WHERE id = 1")
    assert name.fetchone() == ("Amit",)


def test_writes_when_the_package_opts_in(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FASTN_DB_WRITES", "true")
    root = site(tmp_path, WRITE)
    assert texts(render(root).body) == ["1"]  # rows changed
    name = sqlite3.connect(root / "db.sqlite").execute("SELECT name FROM person WHERE id = 1")
    assert name.fetchone() == ("Changed",)


def test_row_cap(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FASTN_SQL_MAX_ROWS", "3")
    root = site(
        tmp_path,
        """
-- integer list numbers:
$processor$: pr.sql

WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < 10) SELECT x FROM n

-- ftd.integer: $n
for: $n in $numbers
""",
    )
    assert texts(render(root).body) == ["1", "2", "3"]


def test_database_url_relative_to_the_package(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make_package(
        tmp_path / "site",
        {
            "index.ftd": "-- import: fastn/processors as pr\n\n-- string name:\n"
            "$processor$: pr.sql\n\nSELECT name FROM t\n\n-- ftd.text: $name\n"
        },
    )
    (root / "data").mkdir()
    sqlite_db(root / "data" / "other.db", "CREATE TABLE t (name TEXT); INSERT INTO t VALUES ('x');")
    monkeypatch.setenv("FASTN_DB_URL", "sqlite:///data/other.db")
    assert texts(render(root).body) == ["x"]
    monkeypatch.setenv("FASTN_DB_URL", f"sqlite:///{root / 'data' / 'other.db'}")  # absolute
    assert texts(render(root).body) == ["x"]


def test_no_database_is_a_located_error(tmp_path: Path) -> None:
    root = make_package(
        tmp_path / "site",
        {"index.ftd": "-- import: fastn/processors as pr\n\n-- integer n:\n$processor$: pr.sql\n\n"
         "SELECT 1\n"},
    )  # fmt: skip
    with pytest.raises(ProcessorError) as caught:
        render(root)
    assert "index.ftd:3: no database: set FASTN_DB_URL" in str(caught.value)


def test_package_query_names_its_sqlite_file(tmp_path: Path) -> None:
    root = site(
        tmp_path,
        """
-- person list people:
$processor$: pr.package-query
db: db.sqlite

SELECT * FROM person WHERE active = $active::INTEGER

-- integer active: 1

-- ftd.text: $p.name
for: $p in $people
""",
    )
    assert texts(render(root).body) == ["Amit"]


@pytest.mark.parametrize(
    ("query", "kind", "message"),
    [
        ("SELECT id, name FROM person", "person list", "no value for field `active`"),
        (
            "SELECT *, 'x' AS nickname FROM person",
            "person list",
            "`nickname` is not a field of `person`",
        ),
        (
            "SELECT id, 'abc' AS active, name, created_on FROM person",
            "person list",
            "true or false",
        ),
        ("SELECT * FROM person", "person", "returned 2 rows"),
        ("SELECT id, name FROM person", "integer list", "needs one column"),
        ("SELECT p.id, q.id FROM person p, person q", "object list", "`id` appears twice"),
    ],
)
def test_result_that_does_not_fit_is_a_located_error(
    tmp_path: Path, query: str, kind: str, message: str
) -> None:
    root = site(tmp_path, f"\n-- {kind} result:\n$processor$: pr.sql\n\n{query}\n")
    with pytest.raises(ProcessorError) as caught:
        render(root)
    assert "index.ftd:9:" in str(caught.value)
    assert message in str(caught.value)


def test_no_row_for_one_record_is_404_and_null_when_optional(tmp_path: Path) -> None:
    query = "SELECT * FROM person WHERE id = 99"
    root = site(tmp_path, f"\n-- person nobody:\n$processor$: pr.sql\n\n{query}\n")
    with pytest.raises(ProcessorError) as caught:
        render(root)
    assert caught.value.status == 404
    root = site(
        tmp_path / "2",
        f"\n-- optional person nobody:\n$processor$: pr.sql\n\n{query}\n\n"
        "-- ftd.text: nobody\nif: { nobody == NULL }\n",
    )
    assert texts(render(root).body) == ["nobody"]


def test_sql_errors_point_at_the_query(tmp_path: Path) -> None:
    root = site(tmp_path, "\n-- person list p:\n$processor$: pr.sql\n\nSELECT * FROM nowhere\n")
    with pytest.raises(FtdError) as caught:
        render(root)
    assert "index.ftd:12: SQL error (db.sqlite): no such table: nowhere" in str(caught.value)


def test_unknown_processor_and_missing_parameter(tmp_path: Path) -> None:
    root = site(tmp_path, "\n-- person list p:\n$processor$: pr.nosql\n\nSELECT 1\n")
    with pytest.raises(FtdError) as caught:
        render(root)
    assert "index.ftd:9: unknown processor `pr.nosql`" in str(caught.value)
    root = site(
        tmp_path / "2", "\n-- integer p:\n$processor$: pr.sql\n\nSELECT $nothing::INTEGER\n"
    )
    with pytest.raises(FtdError) as caught:
        render(root)
    assert "index.ftd:12: `$nothing`: give it a value with a header `nothing: …`" in str(
        caught.value
    )


_JSON_HEADERS = [("content-type", "application/json")]


def _json(value: object) -> bytes:
    import json

    return json.dumps(value).encode()


EXECUTE = """
-- string who: Zoe

-- integer added:
$processor$: pr.sql-execute
name: $who

INSERT INTO person (name, created_on, active) VALUES ($name::TEXT, '2026-01-01', 1)

-- ftd.integer: $added
"""


BATCH = """
-- integer changed:
$processor$: pr.sql-batch

CREATE TABLE tag (name TEXT);
INSERT INTO tag VALUES ('a'), ('b');
UPDATE person SET active = 1 WHERE name = 'Jack';

-- ftd.integer: $changed
"""
WRITTEN = {  # what each page writes, read back: (query, rows)
    "execute": ("SELECT name FROM person WHERE id = 3", [("Zoe",)]),
    "batch": (
        "SELECT name FROM tag UNION ALL SELECT name FROM person WHERE active = 1 ORDER BY 1",
        [("Amit",), ("Jack",), ("a",), ("b",)],
    ),
}


@pytest.mark.parametrize(
    ("page", "refusal", "changed"),
    [
        ("execute", "index.ftd:15: db.sqlite is opened read-only", "1"),
        ("batch", "index.ftd:12: `pr.sql-batch` runs several statements", "3"),
    ],
)
def test_sql_execute_and_sql_batch_write_only_when_the_package_opts_in(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, page: str, refusal: str, changed: str
) -> None:
    root = site(tmp_path, EXECUTE if page == "execute" else BATCH)
    with pytest.raises(ProcessorError) as caught:
        render(root)
    assert refusal in str(caught.value) and "FASTN_DB_WRITES=true" in str(caught.value)
    monkeypatch.setenv("FASTN_DB_WRITES", "true")
    assert texts(render(root).body) == [changed]  # rows changed
    query, rows = WRITTEN[page]
    assert sqlite3.connect(root / "db.sqlite").execute(query).fetchall() == rows


def test_sql_batch_takes_no_parameters(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FASTN_DB_WRITES", "true")
    root = site(
        tmp_path,
        "\n-- integer n:\n$processor$: pr.sql-batch\nid: 1\n\n"
        "DELETE FROM person WHERE id = $id::INTEGER;\n",
    )
    with pytest.raises(ProcessorError) as caught:
        render(root)
    assert "index.ftd:13: `$name` parameters are not allowed in a batch" in str(caught.value)
    assert sqlite3.connect(root / "db.sqlite").execute(
        "SELECT count(*) FROM person"
    ).fetchone() == (2,)


def test_database_url_as_a_plain_path_or_file_url(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """fastn also takes FASTN_DB_URL as a SQLite file's path (or `file://` path)."""
    root = site(tmp_path, "\n-- string name:\n$processor$: pr.sql\n\nSELECT name FROM t\n\n"
                "-- ftd.text: $name\n")  # fmt: skip
    (root / "data").mkdir()
    sqlite_db(root / "data" / "other.db", "CREATE TABLE t (name TEXT); INSERT INTO t VALUES ('x');")
    for url in ("data/other.db", str(root / "data" / "other.db"), f"file://{root}/data/other.db"):
        monkeypatch.setenv("FASTN_DB_URL", url)
        assert texts(render(root).body) == ["x"], url


NAMES = """
-- string list names:
$processor$: pr.sql

SELECT name FROM person ORDER BY id

-- ftd.text: $n
for: $n in $names
"""


def serve_renderings(root: Path, between: list[Callable[[], None]]) -> list[list[str]]:
    """Render `index` as the server does (one event loop, connections kept between requests),
    once before and once after each step of `between`."""
    package = parse_package((root / "FASTN.ftd").read_text(), root.resolve())
    environment = environment_for(package)

    async def requests() -> list[list[str]]:
        seen = [texts((await environment.render("index")).body)]
        try:
            for step in between:
                step()
                seen.append(texts((await environment.render("index")).body))
        finally:
            await environment.aclose()
        return seen

    return run_async(requests())


def test_a_kept_connection_reads_what_was_committed_since(tmp_path: Path) -> None:
    root = site(tmp_path, NAMES)

    def insert() -> None:
        with sqlite3.connect(root / "db.sqlite") as connection:
            connection.execute("INSERT INTO person (name) VALUES ('Zoe')")

    def replace_the_file() -> None:  # a new database moved into place: another inode
        sqlite_db(tmp_path / "new.sqlite", SCHEMA.replace("'Amit'", "'Asha'"))
        os.replace(tmp_path / "new.sqlite", root / "db.sqlite")

    assert serve_renderings(root, [insert, replace_the_file]) == [
        ["Amit", "Jack"],
        ["Amit", "Jack", "Zoe"],
        ["Asha", "Jack"],
    ]


def test_a_removed_database_is_an_error_not_old_rows(tmp_path: Path) -> None:
    root = site(tmp_path, NAMES)
    with pytest.raises(ProcessorError, match="no database"):
        serve_renderings(root, [lambda: (root / "db.sqlite").unlink()])


@pytest.mark.parametrize(
    "statement",
    [
        "BEGIN",  # a transaction left open: later pages would read an old snapshot
        "SAVEPOINT kept",
        "PRAGMA case_sensitive_like = 1",  # would change later pages' LIKE
        "CREATE TEMP VIEW person AS SELECT 'Mallory' AS name",  # would hide the table
        "CREATE TEMP TABLE scratch (x)",
    ],
)
def test_a_read_only_query_leaves_nothing_on_the_kept_connection(
    tmp_path: Path, statement: str
) -> None:
    root = site(tmp_path, f"\n-- integer list n:\n$processor$: pr.sql\n\n{statement}\n")
    with pytest.raises(ProcessorError, match="not authorized"):
        render(root)


def test_a_capped_read_does_not_hold_the_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The rows past FASTN_SQL_MAX_ROWS are never read: the statement is ended all the same,
    so a writer does not wait for the kept connection."""
    monkeypatch.setenv("FASTN_SQL_MAX_ROWS", "1")
    root = site(tmp_path, NAMES)

    def write_without_waiting() -> None:
        connection = sqlite3.connect(root / "db.sqlite", timeout=0)
        with connection:
            connection.execute("UPDATE person SET name = 'Amy' WHERE id = 1")
        connection.close()

    assert serve_renderings(root, [write_without_waiting]) == [["Amit"], ["Amy"]]
