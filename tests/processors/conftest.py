"""Fixtures of the processor tests (their helpers are in `processor_support.py`)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from processor_support import Backend


@pytest.fixture(scope="module")
def backend() -> Iterator[Backend]:
    server = Backend().start()
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def no_database_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests start from a machine with none of the processors' settings."""
    for name in (
        "FASTN_DB_URL",
        "FASTN_PG_URL",
        "FASTN_DB_WRITES",
        "FASTN_SQL_TIME_LIMIT_MS",
        "FASTN_SQL_MAX_ROWS",
        "FASTN_SQL_MAX_VALUE_BYTES",
        "FASTN_HTTP_FORWARD_HEADERS",
        "FASTN_HTTP_MAX_BYTES",
        "FASTN_HTTP_TIMEOUT",
    ):
        monkeypatch.delenv(name, raising=False)
