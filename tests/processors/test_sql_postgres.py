"""`pr.sql` (and `pr.pg`) against the machine's PostgreSQL, each test with its own tables."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psycopg
import pytest
from processor_support import make_package, render, texts

from fastn.ftd.page import RequestInfo
from fastn.package.config import parse_package
from fastn.package.documents import environment_for
from fastn.processors.errors import ProcessorError

RECORD = """\
-- import: fastn/processors as pr

-- record person:
string name:
integer id:
decimal score:
boolean active:
string joined:
"""


@pytest.fixture
def table(postgres_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A fresh table `people_<random>` with two rows, dropped afterwards."""
    name = f"people_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(postgres_url, autocommit=True) as connection:
        connection.execute(
            f"CREATE TABLE {name} (id serial PRIMARY KEY, name text, score numeric(4,1), "
            "active boolean, joined date)"
        )
        connection.execute(
            f"INSERT INTO {name} (name, score, active, joined) VALUES "
            "('Amit', 9.5, true, '2024-01-02'), ('Jack', 7, false, '2025-03-04')"
        )
    monkeypatch.setenv("FASTN_DB_URL", postgres_url)
    yield name
    with psycopg.connect(postgres_url, autocommit=True) as connection:
        connection.execute(f"DROP TABLE IF EXISTS {name}")


def page(tmp_path: Path, text: str) -> Path:
    return make_package(tmp_path / "site", {"index.ftd": RECORD + text})


def test_rows_by_column_name_with_postgres_types(tmp_path: Path, table: str) -> None:
    root = page(
        tmp_path,
        f"""
-- person list people:
$processor$: pr.sql

SELECT joined, active, score, id, name FROM {table} ORDER BY id

-- ftd.text: $p.name
for: $p in $people

-- ftd.decimal: $p.score
for: $p in $people

-- ftd.text: $p.joined
for: $p in $people
""",
    )
    assert texts(render(root).body) == ["Amit", "Jack", "9.5", "7", "2024-01-02", "2025-03-04"]


def test_parameters_are_bound_and_casts_left_alone(tmp_path: Path, table: str) -> None:
    root = page(
        tmp_path,
        f"""
-- string who:
$processor$: pr.request-data

-- person list found:
$processor$: pr.sql
name: $who

SELECT id, name, score, active, joined::text AS joined FROM {table}
WHERE name = $name::TEXT AND name NOT LIKE '%$%' AND '$name' = '$' || 'name'

-- ftd.text: $p.joined
for: $p in $found
""",
    )
    assert texts(render(root, request=RequestInfo(query_string="who=Jack")).body) == ["2025-03-04"]


@pytest.mark.parametrize("attack", ["x' OR '1'='1", "Amit'; DROP TABLE {table}; --"])
def test_sql_injection_through_request_data_is_inert(
    tmp_path: Path, table: str, postgres_url: str, attack: str
) -> None:
    root = page(
        tmp_path,
        f"""
-- string who:
$processor$: pr.request-data

-- integer count:
$processor$: pr.sql
who: $who

SELECT count(*) FROM {table} WHERE name = $who::VARCHAR

-- ftd.integer: $count
""",
    )
    request = RequestInfo(query_string="who=" + attack.format(table=table).replace(" ", "%20"))
    assert texts(render(root, request=request).body) == ["0"]
    with psycopg.connect(postgres_url) as connection:
        assert connection.execute(f"SELECT count(*) FROM {table}").fetchone() == (2,)


def test_a_slow_query_is_stopped_by_the_time_limit(
    tmp_path: Path, table: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FASTN_SQL_TIME_LIMIT_MS", "200")
    root = page(tmp_path, "\n-- string slept:\n$processor$: pr.sql\n\nSELECT pg_sleep(30)::text\n")
    with pytest.raises(ProcessorError) as caught:
        render(root)
    assert "index.ftd:13: the query ran longer than 200 ms and was stopped" in str(caught.value)


def test_writes_refused_by_default_allowed_when_opted_in(
    tmp_path: Path, table: str, postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = page(
        tmp_path,
        f"""
-- integer new-id:
$processor$: pr.sql
name: Zoe

INSERT INTO {table} (name, score, active, joined) VALUES ($name, 1, true, now()) RETURNING id

-- ftd.integer: $new-id
""",
    )
    with pytest.raises(ProcessorError) as caught:
        render(root)
    assert "PostgreSQL is opened read-only" in str(caught.value)
    monkeypatch.setenv("FASTN_DB_WRITES", "true")
    assert texts(render(root).body) == ["3"]
    with psycopg.connect(postgres_url) as connection:
        assert connection.execute(f"SELECT count(*) FROM {table}").fetchone() == (3,)


def test_pg_reads_fastn_pg_url(
    tmp_path: Path, table: str, postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("FASTN_DB_URL")
    monkeypatch.setenv("FASTN_PG_URL", postgres_url.replace("postgres://", "postgresql://"))
    root = page(
        tmp_path,
        f"\n-- string list names:\n$processor$: pr.pg\n\nSELECT name FROM {table} ORDER BY id\n\n"
        "-- ftd.text: $n\nfor: $n in $names\n",
    )
    assert texts(render(root).body) == ["Amit", "Jack"]


def test_sql_error_is_located(tmp_path: Path, table: str) -> None:
    root = page(tmp_path, "\n-- integer n:\n$processor$: pr.sql\n\nSELECT nope FROM nowhere\n")
    with pytest.raises(ProcessorError) as caught:
        render(root)
    assert 'index.ftd:13: SQL error (PostgreSQL): relation "nowhere" does not exist' in str(
        caught.value
    )


def test_a_query_leaves_nothing_on_the_pooled_connection_even_with_writes(
    tmp_path: Path, table: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With writes on, a query's transaction commits, `SET`s included: the pool's reset
    (`DISCARD ALL`) must still give the next page a clean session with the time limit."""
    monkeypatch.setenv("FASTN_DB_WRITES", "true")
    monkeypatch.setenv("FASTN_SQL_TIME_LIMIT_MS", "200")
    header = "-- import: fastn/processors as pr\n\n"
    root = make_package(
        tmp_path / "site",
        {
            "change.ftd": header + "-- integer pid:\n$processor$: pr.sql\n\n"
            "SELECT pg_backend_pid() + 0 * length(set_config('statement_timeout', '0', false) "
            "|| set_config('application_name', 'leaked', false))\n\n-- ftd.integer: $pid\n",
            "look.ftd": header + "-- record session:\ninteger pid:\nstring name:\n\n"
            "-- session s:\n$processor$: pr.sql\n\n"
            "SELECT pg_backend_pid() AS pid, '[' || current_setting('application_name') || ']' "
            "AS name\n\n"
            "-- ftd.integer: $s.pid\n\n-- ftd.text: $s.name\n",
            "slow.ftd": header + "-- string slept:\n$processor$: pr.sql\n\n"
            "SELECT pg_sleep(30)::text\n",
        },
    )
    package = parse_package((root / "FASTN.ftd").read_text(), root.resolve())
    environment = environment_for(package)

    async def pages() -> tuple[list[str], list[list[str]], list[str]]:
        try:
            changed = texts((await environment.render("change")).body)
            # the pool may have opened a second connection: enough pages to meet both
            looked = [texts((await environment.render("look")).body) for _ in range(4)]
            slow = []
            for _ in range(2):
                with pytest.raises(ProcessorError) as caught:
                    await environment.render("slow")
                slow.append(str(caught.value))
            return changed, looked, slow
        finally:
            await environment.aclose()

    # a thread of its own: an event loop may already run in this one (Playwright's, when the
    # browser tests ran first)
    with ThreadPoolExecutor(1) as thread:
        run = thread.submit(asyncio.run, asyncio.wait_for(pages(), 20))
        changed, looked, slow = run.result()
    assert [changed[0], "[]"] in looked  # the changed connection again, its name reset
    assert all(name == "[]" for _, name in looked)
    assert all("the query ran longer than 200 ms and was stopped" in text for text in slow)


def test_sql_batch_is_one_transaction_and_sql_execute_binds(
    tmp_path: Path, table: str, postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FASTN_DB_WRITES", "true")
    batch = (
        f"UPDATE {table} SET score = 1;\nINSERT INTO {table} (name) VALUES ('Ann'), ('Bob');\n"
        "{last}\n"
    )
    header = "-- import: fastn/processors as pr\n\n"
    root = make_package(
        tmp_path / "site",
        {
            "good.ftd": header
            + "-- integer changed:\n$processor$: pr.sql-batch\n\n"
            + batch.format(last="SELECT 1;")
            + "\n-- ftd.integer: $changed\n",
            "bad.ftd": header
            + "-- integer changed:\n$processor$: pr.sql-batch\n\n"
            + batch.format(last="SELECT * FROM nowhere;"),
            "execute.ftd": header + "-- integer n:\n$processor$: pr.sql-execute\nname: Cy\n\n"
            f"DELETE FROM {table} WHERE name = $name::TEXT OR name = 'Amit'\n\n"
            "-- ftd.integer: $n\n",
        },
    )

    def rows() -> list[tuple]:
        with psycopg.connect(postgres_url) as connection:
            return connection.execute(f"SELECT name, score FROM {table} ORDER BY id").fetchall()

    before = rows()
    with pytest.raises(ProcessorError) as caught:
        render(root, "bad")
    assert 'bad.ftd:6: SQL error (PostgreSQL): relation "nowhere" does not exist' in str(
        caught.value
    )
    assert rows() == before  # the failed batch changed nothing
    assert texts(render(root, "good").body) == ["4"]  # 2 updated + 2 inserted
    assert [name for name, _ in rows()] == ["Amit", "Jack", "Ann", "Bob"]
    assert texts(render(root, "execute").body) == ["1"]
    assert [name for name, _ in rows()] == ["Jack", "Ann", "Bob"]
