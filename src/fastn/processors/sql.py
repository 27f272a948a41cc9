"""`pr.sql` (also `pr.sql-query`, `pr.sql-execute`, `pr.pg`, `pr.package-query`): a query's
rows as ftd values; `pr.sql-batch` runs a script of statements (writes on, no parameters).

The database is `FASTN_DB_URL` (environment or the package's `.env`): `sqlite:///db.sqlite`
(relative to the package; `sqlite:////abs/path` is absolute; a plain path or `file://` path
as fastn takes it) or `postgres://…` / `postgresql://…`; with nothing configured, `db.sqlite`
in the package. `pr.pg` reads `FASTN_PG_URL` first, `pr.package-query` the SQLite file named
by its `db:` header.

`$name::TYPE` in the query (TYPE optional) becomes a driver placeholder bound to the value of
header `name:`, or of the document's variable `name` when there is no such header; nothing is
ever spliced into the SQL text. Quoted strings, comments and PostgreSQL `$tag$` strings are
left alone. Rows fill the declared kind by column name.

Safety, Datasette-like: `FASTN_SQL_TIME_LIMIT_MS` (default 1000) stops a query that runs
longer; `FASTN_SQL_MAX_ROWS` (default 1000) caps the rows read; with SQLite,
`FASTN_SQL_MAX_VALUE_BYTES` (default 10 MiB) caps the size of one value (string or blob) a
query makes, so that one long operation such as `randomblob(400000000)`, which the time limit
cannot interrupt, fails at once instead; queries are read-only unless
`FASTN_DB_WRITES=true`. SQLite runs in a worker thread on a read-only connection kept for
that thread (`mode=ro`, no ATTACH or `VACUUM INTO`; with writes on, a connection per
statement), PostgreSQL through a psycopg 3 connection pool per worker: each
query alone in a `READ ONLY` transaction that is rolled back, its time limit `SET LOCAL`, the
connection reset with `DISCARD ALL` when it goes back to the pool — so nothing a query sets
(`SET default_transaction_read_only = off`, `SET statement_timeout = 0`) reaches later pages.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import re
import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.request import pathname2url

from fastn.ftd.kinds import PRIMITIVES
from fastn.ftd.model import ProcessorCall
from fastn.processors.context import Invocation, Resources
from fastn.processors.database_files import (
    DB_URL,
    DEFAULT_SQLITE_FILE,
    PG_URL,
    POSTGRES_SCHEMES,
    sqlite_file,
)
from fastn.processors.mapping import Rows, to_boolean, to_decimal, to_integer, to_string

logger = logging.getLogger("fastn.processors")

DB_WRITES = "FASTN_DB_WRITES"
TIME_LIMIT = "FASTN_SQL_TIME_LIMIT_MS"
MAX_ROWS = "FASTN_SQL_MAX_ROWS"
MAX_VALUE_BYTES = "FASTN_SQL_MAX_VALUE_BYTES"
DEFAULT_TIME_LIMIT_MS = 1000
DEFAULT_MAX_ROWS = 1000
DEFAULT_MAX_VALUE_BYTES = 10 * 1024 * 1024
POOL_SIZE = 10
CONNECT_SECONDS = 5.0
BATCH = "sql-batch"


@dataclass(frozen=True, slots=True)
class Limits:
    time_limit_ms: int = DEFAULT_TIME_LIMIT_MS
    max_rows: int = DEFAULT_MAX_ROWS
    writes: bool = False
    max_value_bytes: int = DEFAULT_MAX_VALUE_BYTES

    @classmethod
    def from_env(cls) -> Limits:
        environ = os.environ
        return cls(
            time_limit_ms=int(environ.get(TIME_LIMIT) or DEFAULT_TIME_LIMIT_MS),
            max_rows=int(environ.get(MAX_ROWS) or DEFAULT_MAX_ROWS),
            writes=environ.get(DB_WRITES, "").strip().lower() in ("1", "true", "yes"),
            max_value_bytes=int(environ.get(MAX_VALUE_BYTES) or DEFAULT_MAX_VALUE_BYTES),
        )


# ---------------------------------------------------------------- the query text

_PARAMETER = re.compile(
    r"\$([A-Za-z_][A-Za-z0-9_]*(?:-[A-Za-z0-9_]+)*)(?:::([A-Za-z_][A-Za-z0-9_]*))?"
)
_DOLLAR_QUOTE = re.compile(r"\$(?:[A-Za-z_][A-Za-z0-9_]*)?\$")
_SPECIAL = re.compile(r"['\"$/%-]")
_PG_CAST = {"STRING": "TEXT"}


@dataclass(frozen=True, slots=True)
class Query:
    text: str  # with driver placeholders
    parameters: tuple[tuple[str, str | None], ...]  # (name, TYPE) of each placeholder in order


def parse_query(sql: str, postgres: bool) -> Query:
    """Turn `$name::TYPE` into placeholders (`?` for SQLite, `%s::TYPE` for psycopg)."""
    out: list[str] = []
    parameters: list[tuple[str, str | None]] = []
    position, size = 0, len(sql)
    while position < size:
        found = _SPECIAL.search(sql, position)
        if found is None:
            out.append(sql[position:])
            break
        out.append(sql[position : found.start()])
        position = found.start()
        char = sql[position]
        end = position + 1
        if char in "'\"":
            end = _after_quoted(sql, position)
        elif sql.startswith("--", position):
            end = _after(sql, "\n", position + 2, 0)
        elif sql.startswith("/*", position):
            end = _after(sql, "*/", position + 2, 2)
        elif char == "$":
            quote = _DOLLAR_QUOTE.match(sql, position)
            parameter = None if quote else _PARAMETER.match(sql, position)
            if quote is not None:
                end = _after(sql, quote.group(0), quote.end(), len(quote.group(0)))
            elif parameter is not None:
                kind = parameter.group(2).upper() if parameter.group(2) else None
                parameters.append((parameter.group(1), kind))
                cast = f"::{_PG_CAST.get(kind, kind)}" if kind else ""
                out.append(f"%s{cast}" if postgres else "?")
                position = parameter.end()
                continue
        piece = sql[position:end]
        out.append(piece.replace("%", "%%") if postgres else piece)
        position = end
    return Query("".join(out), tuple(parameters))


def _after_quoted(sql: str, start: int) -> int:
    """The end of a '…' or "…" token (a doubled quote inside does not close it)."""
    quote = sql[start]
    position = start + 1
    while True:
        close = sql.find(quote, position)
        if close < 0:
            return len(sql)
        if sql.startswith(quote * 2, close):
            position = close + 2
            continue
        return close + 1


def _after(sql: str, closing: str, position: int, keep: int) -> int:
    close = sql.find(closing, position)
    return len(sql) if close < 0 else close + keep


def parameter_names(call: ProcessorCall) -> list[str]:
    """The `$name`s a query uses, for values taken from the document when no header has them."""
    names = (name for name, _ in parse_query(call.body or "", postgres=False).parameters)
    return list(dict.fromkeys(names))


_READERS = {
    **dict.fromkeys(("TEXT", "VARCHAR", "STRING", "CHAR"), to_string),
    **dict.fromkeys(("INTEGER", "INT", "INT2", "INT4", "INT8", "SMALLINT", "BIGINT"), to_integer),
    **dict.fromkeys(
        ("REAL", "FLOAT", "FLOAT4", "FLOAT8", "DOUBLE", "NUMERIC", "DECIMAL"), to_decimal
    ),
    **dict.fromkeys(("BOOL", "BOOLEAN"), to_boolean),
}


def _bind(invocation: Invocation, name: str, kind: str | None, postgres: bool) -> Any:
    value = invocation.args.get(name)
    line = invocation.line_of(name)
    if value is None:
        return None
    if kind:
        reader = _READERS.get(kind)
        if reader is None:
            if not postgres:
                known = ", ".join(sorted(_READERS))
                raise invocation.error(
                    f"`${name}::{kind}`: unknown type (one of {known})", line=line
                )
            reader = to_string  # PostgreSQL casts the text itself (DATE, UUID, JSONB…)
        try:
            return reader(value)
        except (ValueError, ArithmeticError):
            raise invocation.error(
                f"`${name}::{kind}`: {value!r} is not a valid {kind} value", 400, line
            ) from None
    if isinstance(value, str | int | float):
        return value
    raise invocation.error(f"`${name}`: a record or list cannot be a query parameter", line=line)


# ---------------------------------------------------------------- processors


async def process_sql(invocation: Invocation) -> Any:
    url = os.environ.get(DB_URL, "").strip()
    if url:
        return await _run(invocation, url)
    default = invocation.settings.root / DEFAULT_SQLITE_FILE
    if not default.is_file():
        raise invocation.error(
            f"no database: set {DB_URL} (in the environment or the package's .env), "
            f"or put {DEFAULT_SQLITE_FILE} in the package"
        )
    return await _sqlite(invocation, default)


async def process_sql_batch(invocation: Invocation) -> Any:
    """`pr.sql-batch`: several statements (a schema, seed rows) run as one script."""
    line = invocation.call.body_line
    if not Limits.from_env().writes:
        raise invocation.error(
            f"`{invocation.variable.processor}` runs several statements, which only a package "
            f"that allows writes may do ({DB_WRITES}=true); one query: `pr.sql`",
            line=line,
        )
    if parse_query(invocation.call.body or "", postgres=False).parameters:
        raise invocation.error(
            "`$name` parameters are not allowed in a batch (`pr.sql-execute` takes them)",
            line=line,
        )
    return await process_sql(invocation)


async def process_pg(invocation: Invocation) -> Any:
    url = (os.environ.get(PG_URL) or os.environ.get(DB_URL) or "").strip()
    if not url.startswith(POSTGRES_SCHEMES):
        raise invocation.error(f"`pr.pg` needs {PG_URL} (or {DB_URL}) set to a postgres:// URL")
    return await _run(invocation, url)


async def process_package_query(invocation: Invocation) -> Any:
    name = invocation.text("db")
    if not name:
        raise invocation.error("`pr.package-query` needs `db:`, the SQLite file of the package")
    root = invocation.settings.root.resolve()
    path = (root / name).resolve()
    if not path.is_relative_to(root) or not path.is_file():
        raise invocation.error(
            f"`db: {name}`: no such file in the package", line=invocation.line_of("db")
        )
    return await _sqlite(invocation, path)


async def _run(invocation: Invocation, url: str) -> Any:
    if url.startswith(POSTGRES_SCHEMES):
        return await _postgres(invocation, url)
    path = sqlite_file(url, invocation.settings.root)
    if path is not None:
        return await _sqlite(invocation, path)
    scheme = url.partition("://")[0]
    raise invocation.error(
        f"{DB_URL}: `{scheme}` databases are not supported (use sqlite:///FILE or postgres://…)"
    )


def _query(invocation: Invocation, postgres: bool) -> tuple[str, list[Any] | None]:
    """The query for the driver and its parameters (None: a batch, run as a script)."""
    body = invocation.call.body
    if not body or not body.strip():
        raise invocation.error(f"`{invocation.variable.processor}` needs the query as the body")
    if invocation.call.name == BATCH:
        return body, None
    query = parse_query(body, postgres)
    return query.text, [_bind(invocation, n, k, postgres) for n, k in query.parameters]


async def _sqlite(invocation: Invocation, path: Path) -> Any:
    text, parameters = _query(invocation, postgres=False)
    limits = Limits.from_env()
    try:
        if limits.writes:
            columns, rows, count = await asyncio.to_thread(
                _sqlite_rows, path, text, parameters, limits
            )
        else:
            readers = await invocation.resources.shared("sqlite", _SqliteReaders.create)
            columns, rows, count = await asyncio.to_thread(
                readers.rows, path, text, parameters, limits
            )
    except sqlite3.Error as error:
        raise _sql_error(invocation, str(error), path.name, limits) from None
    return _result(invocation, columns, rows, count, limits)


def _sqlite_connect(path: Path, limits: Limits) -> sqlite3.Connection:
    return sqlite3.connect(
        f"file:{pathname2url(str(path))}?mode={'rw' if limits.writes else 'ro'}",
        uri=True,
        timeout=limits.time_limit_ms / 1000,
        # read-only: no transaction opened behind the query's back (it would be refused)
        isolation_level="" if limits.writes else None,
        check_same_thread=False,  # used by one thread at a time; closed by the event loop's
    )


class _SqliteReaders:
    """Read-only SQLite connections kept between queries: one per worker thread and database
    file, so that a page does not open the file and read its schema again every time.

    A read sees what was committed before it, as on a new connection. A database file that
    was replaced (another inode at that path) or removed gets a new connection (or the error a
    new connection would give).
    """

    def __init__(self) -> None:
        self._local = threading.local()  # per thread: {(path, time limit): (connection, file id)}
        self._opened: list[sqlite3.Connection] = []
        self._lock = threading.Lock()

    @classmethod
    async def create(cls) -> _SqliteReaders:
        return cls()

    def rows(
        self, path: Path, text: str, parameters: list[Any] | None, limits: Limits
    ) -> tuple[list[str], list[tuple], int]:
        kept: dict[tuple[Path, int], tuple[sqlite3.Connection, tuple[int, int]]] = (
            self._local.__dict__.setdefault("kept", {})
        )
        key = (path, limits.time_limit_ms)
        try:
            info = os.stat(path)
            file_id = (info.st_dev, info.st_ino)
        except OSError:
            file_id = None
        found = kept.get(key)
        if found is None or found[1] != file_id:
            if found is not None:
                del kept[key]
                self._close(found[0])
            connection = _sqlite_connect(path, limits)  # raises when the file is gone
            with self._lock:
                self._opened.append(connection)
            kept[key] = found = (connection, file_id or (0, 0))
        return _sqlite_query(found[0], text, parameters, limits)

    def _close(self, connection: sqlite3.Connection) -> None:
        with self._lock:
            if connection in self._opened:  # else closed already, with the rest
                self._opened.remove(connection)
        connection.close()

    async def close(self) -> None:
        with self._lock:
            opened, self._opened = self._opened, []
        for connection in opened:
            connection.close()


def _sqlite_rows(
    path: Path, text: str, parameters: list[Any] | None, limits: Limits
) -> tuple[list[str], list[tuple], int]:
    """A statement on a connection of its own (writes on: it commits)."""
    connection = _sqlite_connect(path, limits)
    try:
        return _sqlite_query(connection, text, parameters, limits)
    finally:
        connection.close()


# What a read-only query may not leave behind on its connection.
_LASTING = frozenset(
    {
        sqlite3.SQLITE_TRANSACTION,
        sqlite3.SQLITE_SAVEPOINT,
        sqlite3.SQLITE_CREATE_TEMP_TABLE,
        sqlite3.SQLITE_CREATE_TEMP_VIEW,
        sqlite3.SQLITE_CREATE_TEMP_INDEX,
        sqlite3.SQLITE_CREATE_TEMP_TRIGGER,
    }
)


def _sqlite_query(
    connection: sqlite3.Connection, text: str, parameters: list[Any] | None, limits: Limits
) -> tuple[list[str], list[tuple], int]:
    seconds = limits.time_limit_ms / 1000
    attached: list[str] = []

    def authorize(action: int, detail: str | None, value: str | None, *_: Any) -> int:
        """`mode=ro` covers the database file, not others: ATTACH creates files and opens them
        read-write, `VACUUM INTO` writes a copy of the database. A read-only query has neither,
        nor anything that would outlast it on the kept connection: a transaction left open, a
        pragma set, a temporary table or view (which would hide a table of the same name)."""
        if action == sqlite3.SQLITE_ATTACH:
            attached.append("ATTACH")
            return sqlite3.SQLITE_DENY
        if action in _LASTING or (action == sqlite3.SQLITE_PRAGMA and value is not None):
            return sqlite3.SQLITE_DENY
        return sqlite3.SQLITE_OK

    try:
        if not limits.writes:
            connection.set_authorizer(authorize)
        connection.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, limits.max_value_bytes)
        deadline = time.monotonic() + seconds
        connection.set_progress_handler(lambda: time.monotonic() > deadline, 1000)
        if parameters is None:  # a batch (only with writes on)
            connection.executescript(text)
            return [], [], connection.total_changes
        try:
            cursor = connection.execute(text, parameters)
        except sqlite3.DatabaseError:
            if attached:
                raise sqlite3.DatabaseError("attempt to write a readonly database") from None
            raise
        try:
            columns = [column[0] for column in cursor.description or ()]
            rows = cursor.fetchmany(limits.max_rows + 1) if columns else []
            if limits.writes:
                connection.commit()
            return columns, rows, cursor.rowcount
        finally:
            cursor.close()  # a statement not read to its end would keep the database locked
    finally:
        connection.set_progress_handler(None, 0)
        connection.set_authorizer(None)


async def _postgres(invocation: Invocation, url: str) -> Any:
    import psycopg
    import psycopg_pool

    text, parameters = _query(invocation, postgres=True)
    limits = Limits.from_env()
    try:
        pool = await _pool(invocation.resources, url)
        async with pool.connection() as connection:
            columns, rows, count = await _in_transaction(connection, text, parameters, limits)
    except psycopg_pool.PoolTimeout:
        raise invocation.error("cannot connect to the PostgreSQL database") from None
    except psycopg.Error as error:
        message = error.diag.message_primary or str(error).strip()
        if isinstance(error, psycopg.errors.QueryCanceled):
            message = "interrupted"
        elif isinstance(error, psycopg.errors.ReadOnlySqlTransaction):
            message = "attempt to write a readonly database"
        raise _sql_error(invocation, message, "PostgreSQL", limits) from None
    return _result(invocation, columns, rows, count, limits)


async def _in_transaction(
    connection: Any, text: str, parameters: list[Any] | None, limits: Limits
) -> tuple[list[str], list[tuple], int]:
    """Run one query in its own transaction: READ ONLY and rolled back unless writes are on.

    Everything goes in one pipeline (one round trip). In a pipeline every statement is sent
    through the extended protocol, so the query is exactly one statement: it cannot end the
    transaction and go on (`COMMIT; INSERT …`). The time limit is the transaction's own
    (`SET LOCAL`); the rollback of a read-only transaction undoes any `SET` the query made, and
    the pool's reset (`DISCARD ALL`) clears whatever else it leaves on the session.
    """
    if parameters is None:
        return [], [], await _batch(connection, text, limits)
    mode = "READ WRITE" if limits.writes else "READ ONLY"
    try:
        async with connection.pipeline() as pipeline, connection.cursor() as cursor:
            await connection.execute(f"BEGIN {mode}")
            await connection.execute(f"SET LOCAL statement_timeout = {int(limits.time_limit_ms)}")
            await cursor.execute(text, parameters)
            await connection.execute("COMMIT" if limits.writes else "ROLLBACK")
            await pipeline.sync()
            columns = [column.name for column in cursor.description or ()]
            rows = await cursor.fetchmany(limits.max_rows + 1) if columns else []
            return columns, rows, cursor.rowcount
    except Exception:
        with contextlib.suppress(Exception):  # else the pool rolls back or drops it
            await connection.execute("ROLLBACK")
        raise


async def _batch(connection: Any, text: str, limits: Limits) -> int:
    """A script of statements (writes are on) in one transaction: the rows it changed."""
    await connection.execute(
        f"BEGIN READ WRITE; SET LOCAL statement_timeout = {int(limits.time_limit_ms)}"
    )
    changed = 0
    try:
        async with connection.cursor() as cursor:
            await cursor.execute(text)  # no parameters: the simple protocol, several statements
            while True:
                if cursor.description is None:
                    changed += max(cursor.rowcount, 0)
                if not cursor.nextset():
                    break
    except Exception:
        with contextlib.suppress(Exception):
            await connection.execute("ROLLBACK")
        raise
    await connection.execute("COMMIT")
    return changed


async def _reset(connection: Any) -> None:
    """A connection back in the pool: nothing of the query that used it stays on the session."""
    await connection.execute("DISCARD ALL")


async def _pool(resources: Resources, url: str) -> Any:
    from psycopg_pool import AsyncConnectionPool

    async def configure(connection: Any) -> None:
        await connection.set_autocommit(True)  # transactions are explicit: `_in_transaction`

    async def create() -> AsyncConnectionPool:
        pool = AsyncConnectionPool(
            url,
            min_size=1,
            max_size=POOL_SIZE,
            open=False,
            configure=configure,
            reset=_reset,
            timeout=CONNECT_SECONDS,
            kwargs={
                "connect_timeout": int(CONNECT_SECONDS),
                # statements prepared on the server would not survive `DISCARD ALL`
                "prepare_threshold": None,
            },
        )
        await pool.open()
        return pool

    return await resources.shared(f"postgres {url}", create)


def _sql_error(invocation: Invocation, message: str, database: str, limits: Limits) -> Exception:
    line = invocation.call.body_line
    if message == "interrupted":
        return invocation.error(
            f"the query ran longer than {limits.time_limit_ms} ms and was stopped "
            f"({TIME_LIMIT} sets the limit)",
            line=line,
        )
    if message == "string or blob too big":
        return invocation.error(
            f"the query made a value larger than {limits.max_value_bytes} bytes and was "
            f"stopped ({MAX_VALUE_BYTES} sets the limit)",
            line=line,
        )
    if "readonly database" in message:
        return invocation.error(
            f"{database} is opened read-only: the query tried to write "
            f"(set {DB_WRITES}=true to allow writes)",
            line=line,
        )
    return invocation.error(f"SQL error ({database}): {message}", line=line)


# ---------------------------------------------------------------- rows -> the declared kind


def _result(
    invocation: Invocation, columns: list[str], rows: list[tuple], count: int, limits: Limits
) -> Any:
    kind = invocation.variable.kind
    if len(rows) > limits.max_rows:
        rows = rows[: limits.max_rows]
        logger.warning(
            "%s:%d: the query returned more than %d rows; the page shows the first %d (%s)",
            invocation.variable.doc_id,
            invocation.variable.line,
            limits.max_rows,
            limits.max_rows,
            MAX_ROWS,
        )
    duplicated = next((c for i, c in enumerate(columns) if c in columns[:i]), None)
    if duplicated is not None:
        raise invocation.error(f"column `{duplicated}` appears twice in the result: rename one")
    single = kind.name in PRIMITIVES
    if not columns:  # a statement without a result set (a write): its count of changed rows
        data: Any = [] if kind.is_list else count
    elif single and len(columns) != 1:
        raise invocation.error(
            f"a {kind.describe()} needs one column, the query returned {len(columns)}"
        )
    elif kind.is_list:
        data = [row[0] for row in rows] if single else Rows(columns, rows)
    elif len(rows) != 1:
        if not rows:
            if kind.optional:
                return None
            raise invocation.error("the query found no row", 404)
        raise invocation.error(
            f"the query returned {len(rows)} rows for one {kind.describe()} "
            f"(declare `{invocation.short_name}` as a list)"
        )
    else:
        data = rows[0][0] if single else dict(zip(columns, rows[0], strict=True))
    return invocation.result(data, strict=True)
