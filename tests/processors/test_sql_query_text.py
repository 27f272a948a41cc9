"""`$name::TYPE` → driver placeholders, leaving strings, comments and casts of the SQL alone."""

from __future__ import annotations

import pytest

from fastn.processors.sql import parse_query


@pytest.mark.parametrize(
    ("sql", "sqlite", "postgres", "parameters"),
    [
        (
            "SELECT * FROM t WHERE id = $id::INTEGER AND name = $name",
            "SELECT * FROM t WHERE id = ? AND name = ?",
            "SELECT * FROM t WHERE id = %s::INTEGER AND name = %s",
            [("id", "INTEGER"), ("name", None)],
        ),
        (  # a PostgreSQL cast of a column is not a parameter; STRING is TEXT to PostgreSQL
            "SELECT created::text FROM t WHERE x = $x::string",
            "SELECT created::text FROM t WHERE x = ?",
            "SELECT created::text FROM t WHERE x = %s::TEXT",
            [("x", "STRING")],
        ),
        (  # `$` inside string literals, quoted identifiers and comments stays text
            "SELECT '$a::INT', \"$b\" -- $c\nFROM t /* $d */ WHERE v = 'it''s $e' AND w = $f",
            "SELECT '$a::INT', \"$b\" -- $c\nFROM t /* $d */ WHERE v = 'it''s $e' AND w = ?",
            "SELECT '$a::INT', \"$b\" -- $c\nFROM t /* $d */ WHERE v = 'it''s $e' AND w = %s",
            [("f", None)],
        ),
        (  # PostgreSQL dollar quoting
            "SELECT $$ $a $$, $tag$ $b $tag$, $user-id::INT8",
            "SELECT $$ $a $$, $tag$ $b $tag$, ?",
            "SELECT $$ $a $$, $tag$ $b $tag$, %s::INT8",
            [("user-id", "INT8")],
        ),
        (  # psycopg reads % as a placeholder: a literal one is doubled
            "SELECT * FROM t WHERE name LIKE 'a%' AND n % 2 = $n",
            "SELECT * FROM t WHERE name LIKE 'a%' AND n % 2 = ?",
            "SELECT * FROM t WHERE name LIKE 'a%%' AND n %% 2 = %s",
            [("n", None)],
        ),
    ],
)
def test_placeholders(
    sql: str, sqlite: str, postgres: str, parameters: list[tuple[str, str | None]]
) -> None:
    assert parse_query(sql, postgres=False).text == sqlite
    query = parse_query(sql, postgres=True)
    assert query.text == postgres
    assert list(query.parameters) == parameters


def test_an_unterminated_string_is_left_for_the_database_to_report() -> None:
    assert parse_query("SELECT 'abc $x", postgres=False).text == "SELECT 'abc $x"
