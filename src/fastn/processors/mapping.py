"""Data from outside (JSON, SQL rows, request values) as ftd values of a declared kind.

Records are filled by field name (a field `created-on` also takes a key `created_on`), lists
from arrays, primitives with fastn's leniency: numeric strings are accepted for integer,
decimal and boolean (fastn#1027). A missing required field or a value of the wrong type is a
:class:`MappingError` saying where in the data it is (`people[2].age`); `strict` (SQL rows)
also refuses keys that are no field, so a misspelt column is not silently dropped.
"""

from __future__ import annotations

import datetime
import decimal
import functools
import json
import math
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeAlias

from fastn.ftd.kinds import Kind
from fastn.ftd.model import Document, Field
from fastn.ftd.values import OrValue, RecordValue


class MappingError(Exception):
    """The data does not fit the declared kind; the message starts with where it failed.

    `missing`: a required field is absent (rather than present with a wrong value).
    """

    def __init__(self, message: str, missing: bool = False):
        super().__init__(message)
        self.missing = missing


def to_string(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    raise ValueError


def to_integer(value: Any) -> int:
    if isinstance(value, bool):
        raise ValueError
    if isinstance(value, int):
        return value
    if isinstance(value, float | decimal.Decimal) and value == int(value):
        return int(value)
    if isinstance(value, str):
        return int(value.strip())
    raise ValueError


def to_decimal(value: Any) -> float:
    if isinstance(value, bool):
        raise ValueError
    if isinstance(value, int | float | decimal.Decimal):
        return float(value)
    if isinstance(value, str):
        number = float(value.strip())
        if math.isfinite(number):
            return number
    raise ValueError


_TRUE = frozenset({"true", "1"})
_FALSE = frozenset({"false", "0"})


def to_boolean(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        text = value.strip().lower()
        if text in _TRUE | _FALSE:
            return text in _TRUE
    raise ValueError


PRIMITIVE_READERS: dict[str, Callable[[Any], Any]] = {
    "string": to_string,
    "integer": to_integer,
    "decimal": to_decimal,
    "boolean": to_boolean,
}
_ARTICLES = {"integer": "an integer", "decimal": "a decimal", "boolean": "true or false"}


def json_or_text(text: str) -> Any:
    """A literal written in a document: its JSON value when it is JSON (`33`, `"Amit"`)."""
    try:
        return json.loads(text)
    except ValueError:
        return text


def describe(value: Any) -> str:
    """A short account of a data value for error messages: `"abc"`, `an object`, `a list`."""
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "a list"
    text = json.dumps(value, default=str)
    return text if len(text) <= 40 else text[:37] + "..."


# Where a value sits in the data: the variable's name, or (the parent, a list index or a
# field name). Made into text (`people[3].name`) only for an error message.
Where: TypeAlias = "str | tuple[Where, int | str]"


def where_text(where: Where) -> str:
    if isinstance(where, str):
        return where
    parent, part = where
    return (
        f"{where_text(parent)}[{part}]" if isinstance(part, int) else f"{where_text(parent)}.{part}"
    )


@dataclass(frozen=True, slots=True)
class Rows:
    """A query's result as data: each row a record with one field per column."""

    columns: list[str]
    rows: list[tuple]

    def dicts(self) -> list[dict[str, Any]]:
        return [dict(zip(self.columns, row, strict=True)) for row in self.rows]


@dataclass(frozen=True, slots=True)
class Premapped:
    """Part of the data that is mapped already: `value`, a record `name` (the same for
    every page, made by a processor that checked the records it depends on). Taken as it
    is where a record `name` is expected."""

    name: str
    value: RecordValue


class Mapper:
    """Fills ftd values of `doc`'s kinds; `default` evaluates a record field's default."""

    def __init__(self, doc: Document, default: Callable[[Any], Any], strict: bool = False):
        self.doc = doc
        self.default = default
        self.strict = strict
        # record -> its fields with the keys data may give them (`created-on`, `created_on`)
        # and, for a primitive field, the function reading its value
        self._fields: dict[str, list[tuple[Field, str, str, Callable[[Any], Any] | None]]] = {}

    def value(self, data: Any, kind: Kind, where: Where) -> Any:
        if kind.is_list:
            if data is None:
                return None if kind.optional else []
            element = kind.element
            if type(data) is Rows:
                if element.name in self.doc.records:
                    return self.records(data, element.name, where)
                data = data.dicts()
            if not isinstance(data, list):
                raise MappingError(f"{where_text(where)}: expected a list, found {describe(data)}")
            return [self.value(item, element, (where, i)) for i, item in enumerate(data)]
        if data is None:
            if kind.optional:
                return None
            raise MappingError(f"{where_text(where)}: no value (null) for {kind.describe()}")
        name = kind.name
        reader = PRIMITIVE_READERS.get(name)
        if reader is not None:
            try:
                return reader(data)
            except (ValueError, ArithmeticError):
                article = _ARTICLES.get(name, "a string")
                raise MappingError(
                    f"{where_text(where)}: expected {article}, found {describe(data)}"
                ) from None
        if name == "object":
            return data
        if name in self.doc.records:
            return self.record(data, name, where)
        if name in self.doc.or_types:
            return self.or_value(data, name, where)
        raise MappingError(f"{where_text(where)}: a {kind.describe()} cannot be filled from data")

    def records(self, data: Rows, name: str, where: Where) -> list[RecordValue]:
        """Rows as records `name`. When every column is a primitive field and every field a
        column, the rows are read by position (:func:`_row_reader`); anything else (and any
        row that does not fit, for its error message) goes through `record`."""
        position = {column: i for i, column in enumerate(data.columns)}
        plan = []
        for field, key, other_key, reader in self._fields_of(name):
            i = position.get(key, position.get(other_key))
            if i is None or reader is None:
                break
            plan.append((field.name, i, reader))
        else:
            if len({i for _, i, _ in plan}) == len(data.columns):
                read = _row_reader(
                    name,
                    len(data.columns),
                    tuple((field, i, _KIND_OF_READER[reader]) for field, i, reader in plan),
                )

                def by_readers(row: tuple, n: int) -> RecordValue:
                    try:
                        return RecordValue(name, {f: reader(row[i]) for f, i, reader in plan})
                    except (ValueError, ArithmeticError):  # a null, or a value to explain
                        row_data = dict(zip(data.columns, row, strict=True))
                        return self.record(row_data, name, (where, n))

                return read(data.rows, _new_record, RecordValue, by_readers)
        return [self.record(row, name, (where, n)) for n, row in enumerate(data.dicts())]

    def _fields_of(self, name: str) -> list[tuple[Field, str, str, Callable[[Any], Any] | None]]:
        fields_of = self._fields.get(name)
        if fields_of is None:
            fields_of = self._fields[name] = [
                (
                    field,
                    field.name,
                    field.name.replace("-", "_"),
                    None if field.kind.is_list else PRIMITIVE_READERS.get(field.kind.name),
                )
                for field in self.doc.records[name].fields
            ]
        return fields_of

    def record(self, data: Any, name: str, where: Where) -> RecordValue:
        if type(data) is Premapped and data.name == name:
            return data.value
        if not isinstance(data, dict):
            raise MappingError(
                f"{where_text(where)}: expected the fields of `{_display(name)}`, "
                f"found {describe(data)}"
            )
        fields_of = self._fields_of(name)
        used: set[str] | None = set() if self.strict else None  # the keys read, when checked
        fields: dict[str, Any] = {}
        for field, key, other_key, reader in fields_of:
            if key not in data:
                key = other_key if other_key in data else None
            if key is not None:
                if used is not None:
                    used.add(key)
                item = data[key]
                if reader is not None and item is not None:
                    try:
                        fields[field.name] = reader(item)
                        continue
                    except (ValueError, ArithmeticError):
                        pass  # `value` says where and what was expected
                fields[field.name] = self.value(item, field.kind, (where, field.name))
            elif field.default is not None:
                fields[field.name] = self.default(field.default)
            elif field.kind.optional:
                fields[field.name] = None
            elif field.kind.is_list:
                fields[field.name] = []
            else:
                raise MappingError(
                    f"{where_text(where)}: no value for field `{field.name}` of `{_display(name)}`",
                    missing=True,
                )
        if used is not None and len(used) != len(data):
            extra = [key for key in data if key not in used]
            raise MappingError(
                f"{where_text(where)}: `{extra[0]}` is not a field of `{_display(name)}`"
            )
        return RecordValue(name, fields)

    def or_value(self, data: Any, name: str, where: Where) -> OrValue:
        """An or-type from data: the name of one of its constant variants."""
        variant = self.doc.or_types[name].variants.get(data) if isinstance(data, str) else None
        if variant is None or not variant.constant:
            raise MappingError(
                f"{where_text(where)}: expected a variant of `{_display(name)}`, "
                f"found {describe(data)}"
            )
        return OrValue(name, variant.name, variant.value)


# A row value that is already what a field's reader returns, as a test and the value.
_TAKEN_AS_IS = {
    "string": ("type({v}) is str", "{v}"),
    "integer": ("type({v}) is int", "{v}"),
    "decimal": ("type({v}) is float", "{v}"),
    "boolean": ("(type({v}) is bool or (type({v}) is int and 0 <= {v} <= 1))", "bool({v})"),
}
_KIND_OF_READER = {reader: kind for kind, reader in PRIMITIVE_READERS.items()}
_new_record = RecordValue.__new__


@functools.lru_cache(maxsize=256)
def _row_reader(
    name: str, width: int, plan: tuple[tuple[str, int, str], ...]
) -> Callable[..., list[RecordValue]]:
    """A function reading rows of `width` columns into records `name`, one field per
    (field, column, kind) of `plan`: Python written for this shape of row, so that a row whose
    values already have their fields' types costs a record and no call per field. Other rows
    go to `slow(row, n)`."""
    columns = [f"c{i}" for i in range(width)]
    test = " and ".join(_TAKEN_AS_IS[kind][0].format(v=columns[i]) for _, i, kind in plan)
    fill = "; ".join(
        f"r[{field!r}] = {_TAKEN_AS_IS[kind][1].format(v=columns[i])}" for field, i, kind in plan
    )
    unpack = ", ".join(columns) + ("," if width == 1 else "")
    source = (
        "def read(rows, new, RecordValue, slow):\n"
        "    out = []\n"
        "    append = out.append\n"
        "    for n, row in enumerate(rows):\n"
        f"        {unpack} = row\n"
        f"        if {test or 'True'}:\n"
        "            r = new(RecordValue)\n"
        f"            {fill or 'pass'}\n"
        f"            r.type_name = {name!r}\n"
        "            append(r)\n"
        "        else:\n"
        "            append(slow(row, n))\n"
        "    return out\n"
    )
    namespace: dict[str, Any] = {}
    exec(compile(source, f"<rows of {name}>", "exec"), namespace)  # noqa: S102
    return namespace["read"]


def _display(qualified: str) -> str:
    module, _, name = qualified.partition("#")
    return f"ftd.{name}" if module == "ftd" else name
