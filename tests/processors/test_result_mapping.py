"""Data → ftd values of the declared kind: by name, lenient with numbers, precise when failing."""

from __future__ import annotations

import datetime
import decimal
from typing import Any

import pytest

from fastn.ftd.interpreter import Interpreter
from fastn.ftd.kinds import Kind
from fastn.ftd.model import Document, Lit
from fastn.ftd.values import OrValue, RecordValue
from fastn.processors.mapping import Mapper, MappingError, Rows

SOURCE = """\
-- record address:
string city:
optional string zip:

-- record person:
integer id:
string full-name:
decimal score: 1.5
boolean active:
optional address home:
string list tags:

-- or-type status:

-- constant string open: open
-- constant string closed: closed

-- end: status

-- person p:
id: 1
full-name: x
active: true

-- status s: open

-- ftd.text: $p.full-name
"""


@pytest.fixture(scope="module")
def doc() -> Document:
    interpreter = Interpreter(lambda module: SOURCE if module == "m" else None)
    document = interpreter.document("m")
    interpreter.definition("m#address", 0)
    interpreter.definition("m#status", 0)
    return document


def fill(doc: Document, data: Any, kind: str, strict: bool = False) -> Any:
    words = kind.split()
    kind_ = Kind(
        words[-2] if words[-1] == "list" else words[-1],
        is_list=words[-1] == "list",
        optional=words[0] == "optional",
    )
    return Mapper(
        doc, lambda default: default.value if isinstance(default, Lit) else None, strict
    ).value(data, kind_, "v")


def test_records_by_field_name_with_defaults_optionals_and_underscored_keys(doc: Document) -> None:
    value = fill(
        doc,
        {"tags": ["a"], "active": 1, "full_name": "Amit", "id": "7", "home": {"city": "Delhi"}},
        "m#person",
    )
    assert isinstance(value, RecordValue) and value.type_name == "m#person"
    assert value == {
        "id": 7,
        "full-name": "Amit",
        "score": 1.5,
        "active": True,
        "home": {"city": "Delhi", "zip": None},
        "tags": ["a"],
    }
    assert list(value) == ["id", "full-name", "score", "active", "home", "tags"]


@pytest.mark.parametrize(
    ("data", "kind", "expected"),
    [
        ("42", "integer", 42),
        (" 42 ", "integer", 42),
        (42.0, "integer", 42),
        (decimal.Decimal("3"), "integer", 3),
        ("2.5", "decimal", 2.5),
        (3, "decimal", 3.0),
        ("true", "boolean", True),
        ("0", "boolean", False),
        (1, "boolean", True),
        (12, "string", "12"),
        (datetime.date(2024, 1, 2), "string", "2024-01-02"),
        (None, "optional integer", None),
        (None, "integer list", []),
        (["1", 2], "integer list", [1, 2]),
        ({"any": ["thing"]}, "object", {"any": ["thing"]}),
        ("open", "m#status", OrValue("m#status", "open", "open")),
    ],
)
def test_lenient_primitives(doc: Document, data: Any, kind: str, expected: Any) -> None:
    assert fill(doc, data, kind) == expected


@pytest.mark.parametrize(
    ("data", "kind", "message"),
    [
        ("abc", "integer", "v: expected an integer, found \"abc\""),
        (True, "integer", "v: expected an integer, found true"),
        (2.5, "integer", "v: expected an integer, found 2.5"),
        ("yes", "boolean", "v: expected true or false, found \"yes\""),
        ({"a": 1}, "string", "v: expected a string, found an object"),
        (None, "integer", "v: no value (null) for integer"),
        ("x", "integer list", 'v: expected a list, found "x"'),
        ([1, "b"], "integer list", 'v[1]: expected an integer, found "b"'),
        ("x", "m#person", 'v: expected the fields of `person`, found "x"'),
        ({"id": 1, "full-name": "a", "active": True, "home": {}}, "m#person",
         "v.home: no value for field `city` of `address`"),
        ({"id": 1, "full-name": "a"}, "m#person", "v: no value for field `active` of `person`"),
        ("half", "m#status", 'v: expected a variant of `status`, found "half"'),
    ],
)  # fmt: skip
def test_errors_say_where_in_the_data(doc: Document, data: Any, kind: str, message: str) -> None:
    with pytest.raises(MappingError) as caught:
        fill(doc, data, kind)
    assert str(caught.value) == message


def test_missing_field_is_marked_missing_for_a_404(doc: Document) -> None:
    with pytest.raises(MappingError) as caught:
        fill(doc, {"id": 1}, "m#person")
    assert caught.value.missing
    with pytest.raises(MappingError) as caught:
        fill(doc, {"id": "x"}, "m#person")
    assert not caught.value.missing


def test_strict_refuses_keys_that_are_no_field(doc: Document) -> None:
    data = {"id": 1, "full-name": "a", "active": True, "nickname": "b"}
    assert fill(doc, data, "m#person")["id"] == 1  # JSON: extra keys are the API's business
    with pytest.raises(MappingError) as caught:
        fill(doc, data, "m#person", strict=True)  # SQL: a column nobody reads is a mistake
    assert str(caught.value) == "v: `nickname` is not a field of `person`"


ROW_CASES = [
    (["id", "city"], [(1, "Pune"), (2, None)], "m#place list"),  # by position; a null
    (["id", "city"], [("3", "Oslo")], "m#place list"),  # a numeric string
    (["id", "city", "extra"], [(1, "Pune", 0)], "m#place list"),  # a column nobody reads
    (["id"], [(1,)], "m#place list"),  # a field with no column
    (["id", "city"], [("x", "Pune")], "m#place list"),  # not an integer
    (["id", "full_name", "active", "tags"], [(1, "a", 1, None)], "m#person list"),  # list field
    (
        ["id", "full_name", "active", "score"],
        [(1, "a", 1, 2), (2, "b", False, 2.5)],
        "m#person list",
    ),
    (["id", "full_name", "active", "score"], [(1, "a", 2, 2.0)], "m#person list"),  # not boolean
    (["city"], [("Pune",)], "m#place list"),  # a field with no column, again
    (["label"], [("Pune",), ("Oslo",)], "m#tag list"),  # one column
]


@pytest.mark.parametrize(("columns", "rows", "kind"), ROW_CASES)
def test_query_rows_map_like_the_same_rows_as_objects(
    columns: list[str], rows: list[tuple], kind: str
) -> None:
    """SQL rows are read by position when they can be; values and errors stay those of the
    same rows given as objects."""
    interpreter = Interpreter(
        lambda module: (
            SOURCE
            + "\n-- record place:\ninteger id:\noptional string city:\n"
            + "\n-- record tag:\nstring label:\n"
            if module == "m"
            else None
        )
    )
    doc = interpreter.document("m")
    interpreter.definition("m#place", 0)
    interpreter.definition("m#tag", 0)
    as_objects = [dict(zip(columns, row, strict=True)) for row in rows]

    def outcome(data: Any) -> Any:
        try:
            return fill(doc, data, kind, strict=True)
        except MappingError as error:
            return ("error", str(error), error.missing)

    by_position = outcome(Rows(columns, rows))
    assert repr(by_position) == repr(outcome(as_objects))  # the record types too
    assert by_position != outcome([])


def test_rows_of_fitting_values_are_read_by_code_written_for_their_shape(doc: Document) -> None:
    from fastn.processors import mapping

    mapping._row_reader.cache_clear()
    rows = Rows(["zip", "city"], [("411001", "Pune"), (None, "Oslo")])  # a null: the long way
    places = fill(doc, rows, "m#address list", strict=True)
    assert mapping._row_reader.cache_info().currsize == 1
    assert [p.type_name for p in places] == ["m#address", "m#address"]
    assert [list(p.items()) for p in places] == [
        [("city", "Pune"), ("zip", "411001")],
        [("city", "Oslo"), ("zip", None)],
    ]
