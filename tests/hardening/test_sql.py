"""`pr.sql` under attack, on a real SQLite file and the machine's PostgreSQL, through `fastn serve`.

Hostile text reaches `$name` parameters every way a request can carry it — the query string,
a dynamic URL's path segment, a JSON body, a processor header computed from a variable — and
must stay a value: no row other than an exact match, the secret column never shown, the
tables intact. A query running past `FASTN_SQL_TIME_LIMIT_MS` is stopped, and connections
are read-only unless writes are switched on.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from raw_http import exchange, request_bytes

SECRET = "secret-4c1d"
TABLE = "hardening_person"  # its own name: the PostgreSQL database is shared with other tests
TIME_LIMIT_MS = "300"

INJECTIONS = [
    "' OR '1'='1",
    "' OR 1=1 --",
    f"x' UNION SELECT secret, secret FROM {TABLE} --",
    f"Amit'; DROP TABLE {TABLE}; --",
    f"Robert'); DELETE FROM {TABLE}; --",
    f"' || (SELECT secret FROM {TABLE} LIMIT 1) || '",
    "$name",
    "?",
    ":name",
    "%s",
    "%(name)s",
    '" OR ""="',
    "\\' OR 1=1 --",
    "Amit\u02bc OR 1=1 --",
]

SCHEMA = [
    f"CREATE TABLE {TABLE} (id INTEGER PRIMARY KEY, name TEXT, secret TEXT)",
    f"INSERT INTO {TABLE} (id, name, secret) VALUES (1, 'Amit', '{SECRET}')",
    f"INSERT INTO {TABLE} (id, name, secret) VALUES (2, 'Jack', '{SECRET}')",
]

PERSON = """\
-- import: fastn/processors as pr

-- record person:
integer id:
string name:

-- string {variable}: nobody
$processor$: pr.request-data

-- person list found:
$processor$: pr.sql
{header}
SELECT id, name FROM {table} WHERE name = $name::TEXT ORDER BY id

-- ftd.text: $p.name
region: h3
for: $p in $found
"""
FILES = {
    # the value arrives in the query string, a JSON body or the URL (request-data finds it)
    "person.ftd": PERSON.format(variable="name", header="", table=TABLE),
    # the query's parameter is a header of the processor, computed from a variable
    "header.ftd": PERSON.format(variable="asked", header="name: $asked\n", table=TABLE),
    "by-id.ftd": f"""\
-- import: fastn/processors as pr

-- integer id: 0
$processor$: pr.request-data

-- integer list names:
$processor$: pr.sql

SELECT id FROM {TABLE} WHERE id = $id::INTEGER

-- ftd.integer: $n
for: $n in $names
""",
    "slow.ftd": """\
-- import: fastn/processors as pr

-- integer n:
$processor$: pr.sql

{slow}

-- ftd.integer: $n
""",
    "write.ftd": f"""\
-- import: fastn/processors as pr

-- integer n:
$processor$: pr.sql

INSERT INTO {TABLE} (id, name, secret) VALUES (99, 'Eve', 'written')

-- ftd.integer: $n
""",
}
FASTN = """\
-- import: fastn

-- fastn.package: sql

-- fastn.dynamic-urls:

# By name
  url: /named/<string:name>/
  document: person.ftd
"""
UNLOCK_PAGE = """\
-- import: fastn/processors as pr

-- string list n:
$processor$: pr.sql

{query}

-- ftd.text: unlocked
"""
UNLOCKS = {  # queries that try to make the connection (or another file) writable
    "sqlite": [
        "PRAGMA query_only = 0",
        "ATTACH 'unlocked.sqlite' AS unlocked",  # would create the file, opened read-write
        "ATTACH 'file:unlocked.sqlite?mode=rwc' AS unlocked",
        "VACUUM INTO 'copy.sqlite'",  # would write a copy of the database
    ],
    "postgres": [
        "SET default_transaction_read_only = off",
        "SET SESSION CHARACTERISTICS AS TRANSACTION READ WRITE",
        "SELECT set_config('default_transaction_read_only', 'off', false)",
        "COMMIT; SET default_transaction_read_only = off",
        f"COMMIT; INSERT INTO {TABLE} (id, name, secret) VALUES (98, 'Eve', 'written')",
        f"ROLLBACK; INSERT INTO {TABLE} (id, name, secret) VALUES (97, 'Eve', 'written')",
        f"BEGIN READ WRITE; INSERT INTO {TABLE} (id, name, secret) VALUES (96, 'Eve', 'x')",
    ],
}
LIFTS = {  # queries that try to lift the time limit for later queries on the connection
    "sqlite": ["PRAGMA busy_timeout = 0"],
    "postgres": [
        "SET statement_timeout = 0",
        "SELECT set_config('statement_timeout', '0', false)",
        "COMMIT; SET statement_timeout = 0",
    ],
}
SLOW = {
    "sqlite": "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) "
    "SELECT count(*) FROM c",
    "postgres": "SELECT count(*) FROM pg_sleep(5)",
}


class Database:
    """The rows as they are, read behind fastn's back."""

    def __init__(self, kind: str, location: str, package: Path) -> None:
        self.kind = kind
        self.location = location
        self.package = package  # the folder fastn serves (and runs in)

    def execute(self, statement: str) -> list[tuple]:
        if self.kind == "sqlite":
            with sqlite3.connect(self.location) as connection:
                return connection.execute(statement).fetchall()
        import psycopg

        with psycopg.connect(self.location, autocommit=True) as connection:
            cursor = connection.execute(statement)
            return cursor.fetchall() if cursor.description else []

    def rows(self) -> list[tuple]:
        return self.execute(f"SELECT id, name, secret FROM {TABLE} ORDER BY id")


ORIGINAL_ROWS = [(1, "Amit", SECRET), (2, "Jack", SECRET)]


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def served(request, start_fastn, tmp_path_factory) -> Iterator[tuple[object, Database]]:
    """(fastn server, database) for each database kind."""
    kind = request.param
    root = tmp_path_factory.mktemp(f"sql-{kind}")
    (root / "FASTN.ftd").write_text(FASTN)
    for name, text in FILES.items():
        (root / name).write_text(text.replace("{slow}", SLOW[kind]))
    for name, queries in (("unlock", UNLOCKS[kind]), ("lift", LIFTS[kind])):
        for number, query in enumerate(queries):
            (root / f"{name}-{number}.ftd").write_text(UNLOCK_PAGE.format(query=query))
    env = {"FASTN_SQL_TIME_LIMIT_MS": TIME_LIMIT_MS}
    if kind == "sqlite":
        path = root / "db.sqlite"
        with sqlite3.connect(path) as connection:
            for statement in SCHEMA:
                connection.execute(statement)
        database = Database(kind, str(path), root)
    else:
        url = request.getfixturevalue("postgres_url")
        database = Database(kind, url, root)
        for statement in [f"DROP TABLE IF EXISTS {TABLE}", *SCHEMA]:
            database.execute(statement)
        env["FASTN_DB_URL"] = url
    yield start_fastn(root, env=env), database
    if kind == "postgres":
        database.execute(f"DROP TABLE {TABLE}")


def get(port: int, target: str, body: bytes = b"") -> tuple[int, str]:
    headers = [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]
    data = request_bytes(target, headers=headers if body else None) + body
    reply = exchange(port, data)
    return reply.status, reply.body.decode(errors="replace")


def assert_matched_nothing(status: int, page: str, statuses: tuple[int, ...] = (200,)) -> None:
    assert status in statuses, page[:800]
    assert "<h3" not in page and SECRET not in page  # no row shown


@pytest.mark.parametrize("text", INJECTIONS, ids=range(len(INJECTIONS)))
def test_injection_through_every_parameter_path_is_inert(served, text: str) -> None:
    fastn, database = served
    encoded = quote(text, safe="")
    assert_matched_nothing(*get(fastn.port, f"/person/?name={encoded}"))
    # a backslash in a path segment is never routed (it could step out of the package)
    assert_matched_nothing(*get(fastn.port, f"/named/{encoded}/"), statuses=(200, 404))
    assert_matched_nothing(*get(fastn.port, "/person/", json.dumps({"name": text}).encode()))
    assert_matched_nothing(*get(fastn.port, f"/header/?asked={encoded}"))
    assert database.rows() == ORIGINAL_ROWS


def test_the_parameter_paths_do_reach_the_query(served) -> None:
    """The same four ways find the row when the value is a real name (the test can fail)."""
    fastn, _ = served
    for status, page in (
        get(fastn.port, "/person/?name=Amit"),
        get(fastn.port, "/named/Amit/"),
        get(fastn.port, "/person/", b'{"name": "Amit"}'),
        get(fastn.port, "/header/?asked=Amit"),
    ):
        assert status == 200 and page.count("<h3") == 1 and ">Amit</h3>" in page


@pytest.mark.parametrize("text", ["1 OR 1=1", "1; DROP TABLE x", "0x1", "1e3", "--1"])
def test_a_typed_parameter_refuses_what_is_not_its_type(served, text: str) -> None:
    fastn, database = served
    status, page = get(fastn.port, f"/by-id/?id={quote(text, safe='')}")
    assert status == 400 and SECRET not in page
    assert database.rows() == ORIGINAL_ROWS


def test_a_long_query_is_stopped_by_the_time_limit(served) -> None:
    fastn, _ = served
    status, page = get(fastn.port, "/slow/")
    assert status == 500
    assert f"longer than {TIME_LIMIT_MS} ms" in page
    assert ">Jack</h3>" in get(fastn.port, "/person/?name=Jack")[1]  # still serving


def test_writes_are_refused_on_read_only_connections(served) -> None:
    fastn, database = served
    status, page = get(fastn.port, "/write/")
    assert status == 500 and "read-only" in page
    assert database.rows() == ORIGINAL_ROWS


def test_a_query_cannot_unlock_writes_for_later_pages(served) -> None:
    """Settings one query changes must not outlive it on a pooled connection; a query is one
    statement (it cannot end the read-only transaction and go on); no other file is written."""
    fastn, database = served
    files = sorted(path.name for path in database.package.iterdir())
    try:
        for number in range(len(UNLOCKS[database.kind])):
            status, page = get(fastn.port, f"/unlock-{number}/")
            assert status in (200, 500), page[:800]
            if status == 500:
                assert "read-only" in page or "SQL error" in page, page[:800]
            for _ in range(12):  # enough to meet the unlocked connection of a pool of 10 again
                assert get(fastn.port, "/write/")[0] == 500
            assert database.rows() == ORIGINAL_ROWS
        assert sorted(path.name for path in database.package.iterdir()) == files
    finally:
        database.execute(f"DELETE FROM {TABLE} WHERE id > 2")  # as it was, for other tests


def test_a_query_cannot_lift_the_time_limit_for_later_pages(served) -> None:
    fastn, database = served
    for number in range(len(LIFTS[database.kind])):
        get(fastn.port, f"/lift-{number}/")
        for _ in range(3):  # requests one after another: the same pooled connection
            status, page = get(fastn.port, "/slow/")
            assert status == 500 and f"longer than {TIME_LIMIT_MS} ms" in page, page[:800]
