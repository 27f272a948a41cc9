"""Fixtures: a real Django backend with fastn-py in front of it, on each database.

`stack` is parametrized over the database both servers share: an SQLite file, and the
machine's PostgreSQL (a database of this run's own, `fastn_django_test_<pid>`, created here and
dropped at the end, so concurrent runs never meet; skipped outside CI when PostgreSQL is
absent, failing under CI). Django is migrated
and seeded by the demo's functions and served by its development server; fastn serves a copy
of the example's frontend package.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from django_stack import Stack, copy_frontend, demo, server_environment, start_fastn_serve

from servers import LOOPBACK, free_port, wait_for_port

TEST_DATABASE_PREFIX = "fastn_django_test_"


def postgres_database(server_url: str) -> Iterator[str]:
    """A fresh database on the test server for this run, dropped (connections and all) after.

    Named after the test process, so runs at the same time on one machine never share it;
    ones left by runs that were killed (their process is gone) are dropped first.
    """
    import psycopg

    def run(statement: str) -> list[tuple]:
        with psycopg.connect(server_url, autocommit=True) as connection:
            cursor = connection.execute(statement)
            return cursor.fetchall() if cursor.description else []

    existing = run(f"SELECT datname FROM pg_database WHERE datname LIKE '{TEST_DATABASE_PREFIX}%'")
    for (name,) in existing:
        pid = name.removeprefix(TEST_DATABASE_PREFIX)
        if pid.isdigit() and not Path(f"/proc/{pid}").exists():
            run(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    database = f"{TEST_DATABASE_PREFIX}{os.getpid()}"
    run(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")
    run(f"CREATE DATABASE {database}")
    try:
        yield server_url.rsplit("/", 1)[0] + "/" + database
    finally:
        run(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")


@pytest.fixture(scope="session", params=["sqlite", "postgres"])
def database_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """The database Django and fastn's pr.sql share (FASTN_DB_URL for both)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('django-db') / 'db.sqlite3'}"
    else:
        yield from postgres_database(request.getfixturevalue("postgres_url"))


@pytest.fixture(scope="session")
def stack(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    logs = tmp_path_factory.mktemp("django-stack-logs")
    django_port = free_port()
    django_url = f"http://{LOOPBACK}:{django_port}"
    environment = server_environment(
        demo.backend_environment(database_url, {"DJANGO_URL": django_url})
    )
    demo.prepare_database(environment)
    with (logs / "django.log").open("wb") as output:
        django = demo.start_django(
            django_port, environment, stdout=output, stderr=subprocess.STDOUT
        )
    fastn = None
    try:
        wait_for_port(django_port, django)
        frontend = copy_frontend(tmp_path_factory.mktemp("django-frontend") / "frontend")
        fastn, fastn_url = start_fastn_serve(frontend, environment, logs / "fastn.log")
        yield Stack(database_url, django_url, fastn_url, frontend, environment, logs)
    finally:
        for process in (fastn, django):
            if process is not None:
                demo.stop(process)
