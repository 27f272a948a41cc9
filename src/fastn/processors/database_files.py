"""Which SQLite file a database URL names, apart from `sql.py` so that the router can ask it
too (a configured database is never served as a static file) without importing the drivers.

`sqlite:///db.sqlite` is relative to the package, `sqlite:////abs/path` absolute; a plain
path or a `file://` path is taken as fastn takes it; `postgres://…` names no file.
"""

from __future__ import annotations

import os
from pathlib import Path

DB_URL = "FASTN_DB_URL"
PG_URL = "FASTN_PG_URL"
DEFAULT_SQLITE_FILE = "db.sqlite"
POSTGRES_SCHEMES = ("postgres://", "postgresql://")
SQLITE_SCHEME = "sqlite://"
FILE_SCHEME = "file://"
# files SQLite writes next to a database while it is in use
SQLITE_COMPANIONS = ("", "-wal", "-journal", "-shm")


def sqlite_file(url: str, root: Path) -> Path | None:
    """The SQLite file of `url`, None for a PostgreSQL URL or an unsupported scheme."""
    if url.startswith(SQLITE_SCHEME + "/"):
        return root / url[len(SQLITE_SCHEME) + 1 :]
    if url.startswith(FILE_SCHEME) or "://" not in url:
        return root / url.removeprefix(FILE_SCHEME)
    return None


def configured_sqlite_files(root: Path) -> list[Path]:
    """The database files the package's queries may use, with their companions: those of
    `FASTN_DB_URL` and `FASTN_PG_URL` when they name SQLite files, and the default one."""
    named = [os.environ.get(name, "").strip() for name in (DB_URL, PG_URL)]
    databases = [sqlite_file(url, root) for url in named if url]
    databases.append(root / DEFAULT_SQLITE_FILE)
    return [
        Path(f"{database}{companion}")
        for database in databases
        if database is not None
        for companion in SQLITE_COMPANIONS
    ]
