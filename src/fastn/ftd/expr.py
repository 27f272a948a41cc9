"""ftd's expression language: conditions (``if: { … }``) and function bodies (fscript).

Text is parsed once into a tree of small frozen node classes; evaluating a tree walks it
with one method call per node, so per-request evaluation never re-tokenizes.

Tokenizer rules that differ from most languages (spec §7.1):

* identifiers are maximal runs of non-operator characters, so ``.`` ``$`` ``#`` and digits
  belong to them (``ftd.device``, ``names.2``, ``$inherited.colors.text``); a leading ``$``
  is dropped;
* ``-`` directly after an identifier character and followed by one is part of the
  identifier: ``a-b`` and ``ftd.dark-mode`` are single identifiers, ``a - b`` subtracts.
  After a number (``10-2``) and in exponents (``1e-3``) ``-`` keeps its arithmetic meaning;
* ``NULL`` is null, ``true``/``false`` booleans; strings use double quotes, and a backslash
  makes the next character literal (``\\"``, ``\\\\``; ``\\n`` is ``n``). fastn then writes
  that text unescaped between quotes into the page's JavaScript, so the browser reads it
  once more as a JavaScript string literal: ``"\\\\n"`` is a newline (:func:`read_as_javascript`).

Precedence (high to low): ``^`` (right associative), unary ``!`` ``-``, ``* / %``,
``+ -``, comparisons, ``&&``, ``||``, ``,`` (tuple), then ``=`` ``+=`` … and ``;`` which
only function bodies (:func:`parse_program`) may use, an assignment only at the start of
a statement.

Values follow the browser, because that is where fastn evaluates them at runtime:
``+`` concatenates when either side is a string (``1 + "a"`` is ``"1a"``, ``3.0`` prints
as ``3``), ``/`` divides exactly (``7 / 2`` is ``3.5``, ``6 / 3`` the integer ``2``, by
zero gives infinity), ``%`` keeps the dividend's sign, ``==`` is JavaScript's loose equality
and ``!=`` its strict inequality (fastn emits ``!==``), ``&&``/``||`` short-circuit and
return an operand, ``!`` uses JavaScript truthiness (an empty list is truthy). Lists and
records compare by content rather than identity. An or-type value compared with a
non-or-type value compares its payload (``ftd.device == "mobile"``); for ``==``/``!=`` a
bare identifier on the right that names nothing is taken as a variant name of the left
or-type value (``size == small``).

JSON form (:func:`to_json`), for a browser runtime that applies the same rules::

    ["lit", value]                  string, number, boolean or null
    ["id", "name"]                  a read, resolved like Scope.lookup
    ["not", e]  ["neg", e]
    ["and", l, r]  ["or", l, r]     short-circuit, result is an operand
    ["bin", op, l, r]               op in + - * / % ^ == != < > <= >=
    ["call", "name", [args]]        built-in or user function (Scope.call)
    ["if", c, then, else]           if(c, a, b): only the chosen branch is evaluated
    ["tuple", [items]]
    ["assign", op, "name", e]       op in = += -= *= /= %= ^= &&= ||=
    ["seq", [statements]]           value of the last statement (null if an assignment)

Built-ins: ``len`` ``ftd.len`` ``ftd.is_empty`` ``ftd.list_contains`` ``min`` ``max``
``floor`` ``ceil`` ``round`` ``if``, and the list mutators ``ftd.append`` ``ftd.pop``
``ftd.insert_at`` ``ftd.delete_at`` ``ftd.clear`` ``ftd.clear_all`` ``ftd.set_list``, which
change their first argument in place and, when it is a name, also ``Scope.assign`` it.

The right operand of ``==``/``!=`` may be an ``["id", …]`` naming an or-type variant, so
:func:`identifiers` can report names that are not variables.
"""

from __future__ import annotations

import math
import re
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from operator import ge, gt, le, lt
from typing import Any, Protocol

from fastn.ftd.values import OrValue


class ExprError(Exception):
    """An expression that cannot be parsed or evaluated; callers add document and line."""


class UnknownName(ExprError):
    """A name the scope cannot resolve (raised by :class:`Scope` implementations)."""

    def __init__(self, name: str):
        hint = " (write `a - b` with spaces to subtract)" if "-" in name else ""
        super().__init__(f"unknown name `{name}`{hint}")
        self.name = name


class Scope(Protocol):
    """What an evaluation reads from and writes to: variables, arguments, functions."""

    def lookup(self, name: str) -> Any: ...

    def assign(self, name: str, value: Any) -> None: ...

    def call(self, name: str, args: list[Any]) -> Any: ...


# --------------------------------------------------------------------------- values


def is_truthy(value: Any) -> bool:
    """JavaScript truthiness: null, false, 0, NaN and "" are false; lists always true."""
    if value is None or value is False:
        return False
    if type(value) is int or type(value) is float:
        return value != 0 and value == value
    if type(value) is str:
        return value != ""
    return True


def js_string(value: Any) -> str:
    """A value as JavaScript's ``String(value)`` prints it (``3.0`` -> ``"3"``)."""
    if type(value) is str:
        return value
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if type(value) is int:
        return str(value)
    if type(value) is float:
        return _js_number(value)
    if isinstance(value, OrValue):
        return js_string(value.value)
    if isinstance(value, list):
        return ",".join("" if item is None else js_string(item) for item in value)
    if isinstance(value, dict):
        return "[object Object]"
    return str(value)


def _js_number(number: float) -> str:
    """Shortest round-trip digits, laid out the way JavaScript does (``1e-7``, ``0.000001``)."""
    if number != number:
        return "NaN"
    if math.isinf(number):
        return "Infinity" if number > 0 else "-Infinity"
    if number.is_integer() and abs(number) < 1e21:
        return str(int(number))
    text = repr(number)
    if "e" not in text:
        return text
    mantissa, exponent_text = text.split("e")
    exponent = int(exponent_text)
    if 1e-6 <= abs(number) < 1e21:  # Python switches to exponents earlier than JavaScript
        sign = "-" if mantissa.startswith("-") else ""
        digits = mantissa.lstrip("-").replace(".", "")
        return f"{sign}0.{'0' * (-exponent - 1)}{digits}"
    return f"{mantissa}e{'+' if exponent > 0 else '-'}{abs(exponent)}"


def _to_number(value: Any) -> int | float:
    """JavaScript's ``Number(value)``: null -> 0, booleans -> 0/1, bad strings -> NaN."""
    if type(value) is int or type(value) is float:
        return value
    if value is None:
        return 0
    if type(value) is bool:
        return int(value)
    if isinstance(value, OrValue):
        return _to_number(value.value)
    if isinstance(value, list):
        return _to_number(js_string(value))
    if type(value) is str:
        return _string_to_number(value)
    return math.nan


def _string_to_number(text: str) -> int | float:
    text = text.strip()
    if not text:
        return 0
    unsigned = text.lstrip("+-")
    if unsigned == "Infinity":
        return -math.inf if text.startswith("-") else math.inf
    if "_" in text or unsigned.lower() in ("inf", "infinity", "nan"):
        return math.nan  # spellings Python accepts and JavaScript does not
    try:
        return int(text)
    except ValueError:
        pass
    try:
        return float(text)
    except ValueError:
        return math.nan


def _describe(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, OrValue):
        return "an or-type value"
    if isinstance(value, dict):
        return "a record"
    return type(value).__name__


# ------------------------------------------------------------------------ operators


def _add(left: Any, right: Any) -> Any:
    if isinstance(left, OrValue):
        left = left.value
    if isinstance(right, OrValue):
        right = right.value
    if isinstance(left, str | list | dict) or isinstance(right, str | list | dict):
        return js_string(left) + js_string(right)
    return _to_number(left) + _to_number(right)


def _subtract(left: Any, right: Any) -> Any:
    return _to_number(left) - _to_number(right)


def _multiply(left: Any, right: Any) -> Any:
    return _to_number(left) * _to_number(right)


def _divide(left: Any, right: Any) -> Any:
    dividend, divisor = _to_number(left), _to_number(right)
    if divisor == 0:
        if dividend == 0 or dividend != dividend:
            return math.nan
        return math.copysign(math.inf, dividend) * math.copysign(1.0, divisor)
    if type(dividend) is int and type(divisor) is int and dividend % divisor == 0:
        return dividend // divisor
    return dividend / divisor


def _remainder(left: Any, right: Any) -> Any:
    """JavaScript ``%``: the result takes the dividend's sign (``-7 % 3`` is ``-1``)."""
    dividend, divisor = _to_number(left), _to_number(right)
    if type(dividend) is int and type(divisor) is int:
        if divisor == 0:
            return math.nan
        magnitude = abs(dividend) % abs(divisor)
        return -magnitude if dividend < 0 else magnitude
    try:
        return math.fmod(dividend, divisor)
    except ValueError:  # zero divisor or infinite dividend
        return math.nan


def _power(left: Any, right: Any) -> Any:
    base, exponent = _to_number(left), _to_number(right)
    if type(base) is int and type(exponent) is int and 0 <= exponent <= 1024:
        return base**exponent
    try:
        result = float(base) ** float(exponent)
    except ZeroDivisionError:
        return math.inf
    except OverflowError:
        return math.inf if base > 0 or exponent % 2 == 0 else -math.inf
    return math.nan if isinstance(result, complex) else result


def _ordering(compare: Callable[[Any, Any], bool]) -> Callable[[Any, Any], bool]:
    """JavaScript relational comparison: strings by characters, anything else as numbers."""

    def relation(left: Any, right: Any) -> bool:
        if type(left) is str and type(right) is str:
            return compare(left, right)
        left_number, right_number = _to_number(left), _to_number(right)
        if left_number != left_number or right_number != right_number:
            return False
        return compare(left_number, right_number)

    return relation


def _category(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "list"
    return "record" if isinstance(value, dict) else "other"


def _unwrap_or_type(left: Any, right: Any) -> tuple[Any, Any]:
    """An or-type value against anything else compares its payload (``ftd.device``)."""
    left_is_or = isinstance(left, OrValue)
    if left_is_or != isinstance(right, OrValue):
        return (left.value, right) if left_is_or else (left, right.value)
    return left, right


def strict_equal(left: Any, right: Any) -> bool:
    """JavaScript ``===``, except that lists and records compare by content."""
    if left is None or right is None:
        return left is right
    left, right = _unwrap_or_type(left, right)
    if _category(left) != _category(right):
        return False
    return bool(left == right)


def loose_equal(left: Any, right: Any) -> bool:
    """JavaScript ``==``: ``1 == "1"``, ``0 == false``, ``null`` equals only ``null``."""
    if left is None or right is None:
        return left is right
    left, right = _unwrap_or_type(left, right)
    left_category, right_category = _category(left), _category(right)
    if left_category == right_category:
        return bool(left == right)
    primitives = ("boolean", "number", "string")
    if left_category in primitives and right_category in primitives:
        return _to_number(left) == _to_number(right)
    if left_category in ("list", "record") and right_category in primitives:
        return loose_equal(js_string(left), right)
    if right_category in ("list", "record") and left_category in primitives:
        return loose_equal(left, js_string(right))
    return False


def _not_strict_equal(left: Any, right: Any) -> bool:
    return not strict_equal(left, right)


_BINARY_OPERATORS: dict[str, Callable[[Any, Any], Any]] = {
    "+": _add,
    "-": _subtract,
    "*": _multiply,
    "/": _divide,
    "%": _remainder,
    "^": _power,
    "<": _ordering(lt),
    ">": _ordering(gt),
    "<=": _ordering(le),
    ">=": _ordering(ge),
}
_EQUALITY_OPERATORS: dict[str, Callable[[Any, Any], bool]] = {
    "==": loose_equal,
    "!=": _not_strict_equal,
}


# ------------------------------------------------------------------------- built-ins


def _require_list(value: Any) -> list:
    if not isinstance(value, list):
        raise ExprError(f"expected a list, got {_describe(value)}")
    return value


def _require_index(value: Any) -> int:
    number = _to_number(value)
    if type(number) is float and number.is_integer():
        return int(number)
    if type(number) is not int:
        raise ExprError(f"expected an integer index, got {js_string(value)!r}")
    return number


def _length(value: Any) -> int:
    if value is None:
        return 0
    if isinstance(value, str | list):
        return len(value)
    raise ExprError(f"expected a list or a string, got {_describe(value)}")


def _is_empty(value: Any) -> bool:
    return value is None or (isinstance(value, str | list | dict) and len(value) == 0)


def _append(items: Any, item: Any) -> None:
    _require_list(items).append(item)


def _pop(items: Any) -> Any:
    items = _require_list(items)
    return items.pop() if items else None


def _insert_at(items: Any, index: Any, item: Any) -> None:
    _require_list(items).insert(_require_index(index), item)


def _delete_at(items: Any, index: Any) -> None:
    """Like JavaScript's ``splice``: an index past the end deletes nothing."""
    items, position = _require_list(items), _require_index(index)
    if 0 <= position < len(items):
        del items[position]


def _clear(items: Any) -> None:
    _require_list(items).clear()


def _set_list(items: Any, value: Any) -> None:
    _require_list(items)[:] = [] if value is None else _require_list(value)


def _list_contains(items: Any, item: Any) -> bool:
    return any(strict_equal(candidate, item) for candidate in _require_list(items))


def _numbers(args: tuple[Any, ...]) -> list[int | float]:
    values = args[0] if len(args) == 1 and isinstance(args[0], list) else args
    if not values:
        raise ExprError("expected at least one number")
    return [_to_number(value) for value in values]


def _minimum(*args: Any) -> int | float:
    numbers = _numbers(args)
    return math.nan if any(n != n for n in numbers) else min(numbers)


def _maximum(*args: Any) -> int | float:
    numbers = _numbers(args)
    return math.nan if any(n != n for n in numbers) else max(numbers)


def _rounding(to_integer: Callable[[float], int]) -> Callable[[Any], int | float]:
    def round_number(value: Any) -> int | float:
        number = _to_number(value)
        if type(number) is int or math.isinf(number) or number != number:
            return number
        return to_integer(number)

    return round_number


def _round_half_away_from_zero(number: float) -> int:
    """evalexpr's (Rust's) ``round``: 2.5 -> 3 and -2.5 -> -3."""
    return int(math.copysign(math.floor(abs(number) + 0.5), number))


@dataclass(frozen=True, slots=True)
class _Builtin:
    function: Callable[..., Any]
    arity: int | None  # None: any number of arguments, at least one
    mutates_list: bool = False  # the first argument is a list changed in place


_BUILTINS: dict[str, _Builtin] = {
    "len": _Builtin(_length, 1),
    "ftd.len": _Builtin(_length, 1),
    "ftd.is_empty": _Builtin(_is_empty, 1),
    "ftd.append": _Builtin(_append, 2, mutates_list=True),
    "ftd.pop": _Builtin(_pop, 1, mutates_list=True),
    "ftd.insert_at": _Builtin(_insert_at, 3, mutates_list=True),
    "ftd.delete_at": _Builtin(_delete_at, 2, mutates_list=True),
    "ftd.clear": _Builtin(_clear, 1, mutates_list=True),
    "ftd.clear_all": _Builtin(_clear, 1, mutates_list=True),
    "ftd.set_list": _Builtin(_set_list, 2, mutates_list=True),
    "ftd.list_contains": _Builtin(_list_contains, 2),
    "min": _Builtin(_minimum, None),
    "max": _Builtin(_maximum, None),
    "floor": _Builtin(_rounding(math.floor), 1),
    "ceil": _Builtin(_rounding(math.ceil), 1),
    "round": _Builtin(_rounding(_round_half_away_from_zero), 1),
}


# ------------------------------------------------------------------------ evaluation


class _Run:
    """One evaluation: the caller's scope plus the locals the program creates."""

    __slots__ = ("scope", "locals")

    def __init__(self, scope: Scope):
        self.scope = scope
        self.locals: dict[str, Any] = {}

    def lookup(self, name: str) -> Any:
        if self.locals:
            if name in self.locals:
                return self.locals[name]
            head, dot, path = name.partition(".")
            if dot and head in self.locals:
                return _read_path(self.locals[head], path, name)
        return self.scope.lookup(name)

    def assign(self, name: str, value: Any) -> None:
        """Write to a local, else to the scope; a plain name the scope lacks becomes local."""
        head, dot, _ = name.partition(".")
        if head in self.locals:
            if dot:
                raise ExprError(f"cannot assign to `{name}`: `{head}` is a local value")
            self.locals[name] = value
            return
        if not dot:
            try:
                self.scope.lookup(name)
            except UnknownName as missing:
                if missing.name != name:
                    raise
                self.locals[name] = value
                return
        self.scope.assign(name, value)

    def announce_list_change(self, name: str, items: list) -> None:
        """A list changed in place: tell the scope, so that reactive readers update."""
        if name.partition(".")[0] not in self.locals:
            self.scope.assign(name, items)


def _read_path(value: Any, path: str, full_name: str) -> Any:
    """Field path into a local (``item.name``, ``rows.0``)."""
    for key in path.split("."):
        if isinstance(value, OrValue):
            value = value.value
        if isinstance(value, dict) and key in value:
            value = value[key]
        elif isinstance(value, list) and key.isdigit() and int(key) < len(value):
            value = value[int(key)]
        else:
            raise UnknownName(full_name)
    return value


class Node:
    """A parsed expression; subclasses are frozen dataclasses."""

    __slots__ = ()

    def run(self, run: _Run) -> Any:
        raise NotImplementedError

    def to_json(self) -> Any:
        raise NotImplementedError

    def reads(self) -> Iterator[str]:
        """Names this node reads, in evaluation order, possibly repeated."""
        raise NotImplementedError


@dataclass(frozen=True, slots=True)
class Literal(Node):
    value: str | int | float | bool | None

    def run(self, run: _Run) -> Any:
        return self.value

    def to_json(self) -> Any:
        return ["lit", self.value]

    def reads(self) -> Iterator[str]:
        return iter(())


@dataclass(frozen=True, slots=True)
class Name(Node):
    name: str  # without the leading `$`

    def run(self, run: _Run) -> Any:
        return run.lookup(self.name)

    def to_json(self) -> Any:
        return ["id", self.name]

    def reads(self) -> Iterator[str]:
        yield self.name


@dataclass(frozen=True, slots=True)
class Not(Node):
    operand: Node

    def run(self, run: _Run) -> Any:
        return not is_truthy(self.operand.run(run))

    def to_json(self) -> Any:
        return ["not", self.operand.to_json()]

    def reads(self) -> Iterator[str]:
        return self.operand.reads()


@dataclass(frozen=True, slots=True)
class Negate(Node):
    operand: Node

    def run(self, run: _Run) -> Any:
        return -_to_number(self.operand.run(run))

    def to_json(self) -> Any:
        return ["neg", self.operand.to_json()]

    def reads(self) -> Iterator[str]:
        return self.operand.reads()


@dataclass(frozen=True, slots=True)
class And(Node):
    left: Node
    right: Node

    def run(self, run: _Run) -> Any:
        left = self.left.run(run)
        return self.right.run(run) if is_truthy(left) else left

    def to_json(self) -> Any:
        return ["and", self.left.to_json(), self.right.to_json()]

    def reads(self) -> Iterator[str]:
        yield from self.left.reads()
        yield from self.right.reads()


@dataclass(frozen=True, slots=True)
class Or(Node):
    left: Node
    right: Node

    def run(self, run: _Run) -> Any:
        left = self.left.run(run)
        return left if is_truthy(left) else self.right.run(run)

    def to_json(self) -> Any:
        return ["or", self.left.to_json(), self.right.to_json()]

    def reads(self) -> Iterator[str]:
        yield from self.left.reads()
        yield from self.right.reads()


@dataclass(frozen=True, slots=True)
class Binary(Node):
    """Arithmetic and ordering operators (``==``/``!=`` are :class:`Equality`)."""

    op: str
    left: Node
    right: Node
    apply: Callable[[Any, Any], Any] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "apply", _BINARY_OPERATORS[self.op])

    def run(self, run: _Run) -> Any:
        return self.apply(self.left.run(run), self.right.run(run))

    def to_json(self) -> Any:
        return ["bin", self.op, self.left.to_json(), self.right.to_json()]

    def reads(self) -> Iterator[str]:
        yield from self.left.reads()
        yield from self.right.reads()


@dataclass(frozen=True, slots=True)
class Equality(Node):
    """``==``/``!=``; a right-hand name that resolves to nothing may be a variant name."""

    op: str
    left: Node
    right: Node
    apply: Callable[[Any, Any], bool] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "apply", _EQUALITY_OPERATORS[self.op])

    def run(self, run: _Run) -> Any:
        left = self.left.run(run)
        if isinstance(left, OrValue) and isinstance(self.right, Name):
            try:
                right = run.lookup(self.right.name)
            except UnknownName as missing:
                if missing.name != self.right.name:
                    raise
                return (left.variant == self.right.name) == (self.op == "==")
            return self.apply(left, right)
        return self.apply(left, self.right.run(run))

    def to_json(self) -> Any:
        return ["bin", self.op, self.left.to_json(), self.right.to_json()]

    def reads(self) -> Iterator[str]:
        yield from self.left.reads()
        yield from self.right.reads()


@dataclass(frozen=True, slots=True)
class Call(Node):
    """``name(args)``: a built-in when the name is one, otherwise ``Scope.call``."""

    name: str
    args: tuple[Node, ...]
    builtin: _Builtin | None = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "builtin", _BUILTINS.get(self.name))

    def run(self, run: _Run) -> Any:
        args = [arg.run(run) for arg in self.args]
        builtin = self.builtin
        if builtin is None:
            return run.scope.call(self.name, args)
        try:
            result = builtin.function(*args)
        except ExprError as problem:
            raise ExprError(f"{self.name}(): {problem}") from None
        if builtin.mutates_list and isinstance(self.args[0], Name):
            run.announce_list_change(self.args[0].name, args[0])
        return result

    def to_json(self) -> Any:
        return ["call", self.name, [arg.to_json() for arg in self.args]]

    def reads(self) -> Iterator[str]:
        for arg in self.args:
            yield from arg.reads()


@dataclass(frozen=True, slots=True)
class If(Node):
    """``if(c, a, b)``: evaluates only the branch it returns."""

    condition: Node
    then: Node
    otherwise: Node

    def run(self, run: _Run) -> Any:
        branch = self.then if is_truthy(self.condition.run(run)) else self.otherwise
        return branch.run(run)

    def to_json(self) -> Any:
        return ["if", self.condition.to_json(), self.then.to_json(), self.otherwise.to_json()]

    def reads(self) -> Iterator[str]:
        yield from self.condition.reads()
        yield from self.then.reads()
        yield from self.otherwise.reads()


@dataclass(frozen=True, slots=True)
class Tuple(Node):
    """``a, b`` outside a call's argument list; evaluates to a list."""

    items: tuple[Node, ...]

    def run(self, run: _Run) -> Any:
        return [item.run(run) for item in self.items]

    def to_json(self) -> Any:
        return ["tuple", [item.to_json() for item in self.items]]

    def reads(self) -> Iterator[str]:
        for item in self.items:
            yield from item.reads()


@dataclass(frozen=True, slots=True)
class Assign(Node):
    """``target OP= value`` at the start of a statement; evaluates to null."""

    op: str
    target: str
    value: Node
    combine: Callable[[Any, Any], Any] | None = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        operator = self.op[:-1]
        object.__setattr__(self, "combine", _BINARY_OPERATORS.get(operator))

    def run(self, run: _Run) -> Any:
        if self.op == "=":
            run.assign(self.target, self.value.run(run))
            return None
        current = run.lookup(self.target)
        if self.op == "&&=":
            if is_truthy(current):
                run.assign(self.target, self.value.run(run))
        elif self.op == "||=":
            if not is_truthy(current):
                run.assign(self.target, self.value.run(run))
        else:
            run.assign(self.target, self.combine(current, self.value.run(run)))
        return None

    def to_json(self) -> Any:
        return ["assign", self.op, self.target, self.value.to_json()]

    def reads(self) -> Iterator[str]:
        if self.op != "=":
            yield self.target
        yield from self.value.reads()


@dataclass(frozen=True, slots=True)
class Sequence(Node):
    """Statements separated by ``;``; the value is the last statement's."""

    statements: tuple[Node, ...]

    def run(self, run: _Run) -> Any:
        result = None
        for statement in self.statements:
            result = statement.run(run)
        return result

    def to_json(self) -> Any:
        return ["seq", [statement.to_json() for statement in self.statements]]

    def reads(self) -> Iterator[str]:
        for statement in self.statements:
            yield from statement.reads()


# ------------------------------------------------------------------------- tokenizer

_OPERATOR_CHARACTERS = frozenset("+-*/%^=!<>&|(),;")
_OPERATORS = sorted(
    ["&&=", "||=", "==", "!=", "<=", ">=", "&&", "||", "+=", "-=", "*=", "/=", "%=", "^="]
    + list("+-*/%^=!<>(),;"),
    key=len,
    reverse=True,
)
_ASSIGNMENT_OPERATORS = frozenset(["=", "+=", "-=", "*=", "/=", "%=", "^=", "&&=", "||="])
_MISPLACED_CHARACTERS = {
    "'": "strings are written in double quotes",
    "{": "write the expression without its surrounding braces",
    "}": "write the expression without its surrounding braces",
    "[": "lists cannot be written inside an expression",
    "]": "lists cannot be written inside an expression",
}
_INTEGER = re.compile(r"\d+")
_NUMBER = re.compile(r"(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
_NUMBER_BEFORE_EXPONENT_SIGN = re.compile(r"(?:\d+\.?\d*|\.\d+)[eE]")
_WORDS: dict[str, bool | None] = {"true": True, "false": False, "NULL": None}

_VALUE, _NAME, _OPERATOR, _END = "value", "name", "operator", "end"


@dataclass(frozen=True, slots=True)
class _Token:
    kind: str  # _VALUE, _NAME, _OPERATOR or _END
    text: str  # source text (operator, name without `$`)
    position: int
    value: Any = None  # for _VALUE


def _is_word_character(character: str) -> bool:
    return not (
        character.isspace()
        or character in _OPERATOR_CHARACTERS
        or character == '"'
        or character in _MISPLACED_CHARACTERS
    )


def _locate(source: str, position: int) -> str:
    """``column C in `line``` so that a message shows where the problem is."""
    line_start = source.rfind("\n", 0, position) + 1
    line_end = source.find("\n", position)
    line = source[line_start : None if line_end < 0 else line_end]
    where = f"column {position - line_start + 1}"
    if "\n" in source:
        where = f"line {source.count(chr(10), 0, position) + 1}, {where}"
    return f"{where} in `{line.strip()}`"


def _error(source: str, position: int, problem: str) -> ExprError:
    return ExprError(f"{problem} (at {_locate(source, position)})")


def _tokenize(source: str) -> list[_Token]:
    tokens: list[_Token] = []
    position, length = 0, len(source)
    while position < length:
        character = source[position]
        if character.isspace():
            position += 1
        elif character == '"':
            position = _read_string(source, position, tokens)
        elif character in _OPERATOR_CHARACTERS:
            operator = next((op for op in _OPERATORS if source.startswith(op, position)), None)
            if operator is None:
                raise _error(source, position, f"`{character}` must be doubled (`{character * 2}`)")
            tokens.append(_Token(_OPERATOR, operator, position))
            position += len(operator)
        elif character in _MISPLACED_CHARACTERS:
            hint = _MISPLACED_CHARACTERS[character]
            raise _error(source, position, f"unexpected `{character}` ({hint})")
        else:
            position = _read_word(source, position, tokens)
    tokens.append(_Token(_END, "", length))
    return tokens


def _read_string(source: str, start: int, tokens: list[_Token]) -> int:
    characters: list[str] = []
    position = start + 1
    while position < len(source):
        character = source[position]
        if character == '"':
            value = read_as_javascript("".join(characters))
            tokens.append(_Token(_VALUE, source[start : position + 1], start, value))
            return position + 1
        if character == "\\":
            position += 1
            if position == len(source):
                break
            character = source[position]
        characters.append(character)
        position += 1
    raise _error(source, start, 'unterminated string (missing closing `"`)')


_JAVASCRIPT_ESCAPE = re.compile(
    r"\\(u\{[0-9a-fA-F]+\}|u[0-9a-fA-F]{4}|x[0-9a-fA-F]{2}|\r\n|.)", re.DOTALL
)
_JAVASCRIPT_SINGLE_ESCAPES = {
    "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v", "0": "\0",
    "\n": "", "\r": "", "\r\n": "", "\u2028": "", "\u2029": "",
}  # fmt: skip


def _javascript_escape_value(match: re.Match[str]) -> str:
    escape = match.group(1)
    if escape in _JAVASCRIPT_SINGLE_ESCAPES:
        return _JAVASCRIPT_SINGLE_ESCAPES[escape]
    if len(escape) == 1:
        return escape
    code_point = int(escape[1:].strip("{}"), 16)  # \xHH, \uHHHH, \u{H…}
    return chr(code_point) if code_point <= sys.maxunicode else escape


def read_as_javascript(text: str) -> str:
    """A string as the browser reads it between the quotes fastn puts around it in the page's
    script (fastn escapes only quotes and newlines there): JavaScript's escapes apply, and a
    backslash before any other character is dropped (``\\$`` is ``$``)."""
    if "\\" not in text:
        return text
    read = _JAVASCRIPT_ESCAPE.sub(_javascript_escape_value, text)
    # `\\uD83D\\uDE00` is one character, as in the browser; a lone surrogate becomes U+FFFD
    return read.encode("utf-16", "surrogatepass").decode("utf-16", "replace")


def _continues_word(word: str, character: str, following: str) -> bool:
    """Whether ``-`` (or an exponent's sign) after ``word`` belongs to it: ``a-b``, ``1e-3``."""
    if character in "+-" and following.isdigit() and _NUMBER_BEFORE_EXPONENT_SIGN.fullmatch(word):
        return True
    return character == "-" and _is_word_character(following) and not _NUMBER.fullmatch(word)


def _read_word(source: str, start: int, tokens: list[_Token]) -> int:
    """An identifier or literal word; ``-`` joins it as described in the module docstring."""
    position = start
    while position < len(source):
        character = source[position]
        if _is_word_character(character):
            position += 1
            continue
        if not _continues_word(
            source[start:position], character, source[position + 1 : position + 2]
        ):
            break
        position += 1
    word = source[start:position]
    if word in _WORDS:
        tokens.append(_Token(_VALUE, word, start, _WORDS[word]))
    elif _INTEGER.fullmatch(word):
        tokens.append(_Token(_VALUE, word, start, int(word)))
    elif _NUMBER.fullmatch(word):
        tokens.append(_Token(_VALUE, word, start, float(word)))
    else:
        name = word[1:] if word.startswith("$") else word
        if not name:
            raise _error(source, start, "`$` must be followed by a name")
        tokens.append(_Token(_NAME, name, start))
    return position


# ---------------------------------------------------------------------------- parser

# Binding power of each binary operator, and whether it groups to the right.
_BINARY_POWER: dict[str, int] = {
    "||": 70,
    "&&": 75,
    "==": 80,
    "!=": 80,
    "<": 80,
    ">": 80,
    "<=": 80,
    ">=": 80,
    "+": 95,
    "-": 95,
    "*": 100,
    "/": 100,
    "%": 100,
    "^": 120,
}
_RIGHT_ASSOCIATIVE = frozenset(["^"])
_PREFIX_POWER = 110


class _Parser:
    """Pratt parser over the token list of one source text."""

    def __init__(self, source: str):
        self.source = source
        self.tokens = _tokenize(source)
        self.index = 0

    def peek(self, ahead: int = 0) -> _Token:
        return self.tokens[min(self.index + ahead, len(self.tokens) - 1)]

    def advance(self) -> _Token:
        token = self.tokens[self.index]
        self.index += 1
        return token

    def fail(self, token: _Token, problem: str) -> ExprError:
        return _error(self.source, token.position, problem)

    def program(self) -> Node:
        statements: list[Node] = []
        while self.peek().kind != _END:
            if self.peek().text == ";":
                self.advance()
                continue
            statements.append(self.statement())
            if self.peek().kind != _END and self.peek().text != ";":
                raise self.unexpected(self.peek())
        if not statements:
            raise ExprError("empty function body")
        return statements[0] if len(statements) == 1 else Sequence(tuple(statements))

    def single_expression(self) -> Node:
        if self.peek().kind == _END:
            raise ExprError("empty expression")
        node = self.expression()
        token = self.peek()
        if token.text == ";":
            raise self.fail(token, "`;` separates statements, which only function bodies have")
        if token.kind != _END:
            raise self.unexpected(token)
        return node

    def statement(self) -> Node:
        target, operator = self.peek(), self.peek(1)
        if target.kind == _NAME and operator.text in _ASSIGNMENT_OPERATORS:
            self.index += 2
            return Assign(operator.text, target.text, self.expression())
        return self.expression()

    def expression(self) -> Node:
        first = self.binary(0)
        if self.peek().text != ",":
            return first
        items = [first]
        while self.peek().text == ",":
            self.advance()
            items.append(self.binary(0))
        return Tuple(tuple(items))

    def binary(self, min_power: int) -> Node:
        left = self.prefix()
        while True:
            token = self.peek()
            power = _BINARY_POWER.get(token.text) if token.kind == _OPERATOR else None
            if power is None or power <= min_power:
                return left
            self.advance()
            right = self.binary(power - 1 if token.text in _RIGHT_ASSOCIATIVE else power)
            left = _binary_node(token.text, left, right)

    def prefix(self) -> Node:
        token = self.advance()
        if token.kind == _VALUE:
            return Literal(token.value)
        if token.kind == _NAME:
            if self.peek().text == "(":
                return self.call(token)
            return Name(token.text)
        if token.text == "!":
            return Not(self.binary(_PREFIX_POWER))
        if token.text == "-":
            return Negate(self.binary(_PREFIX_POWER))
        if token.text == "(":
            inner = self.expression()
            self.expect_closing(token)
            return inner
        self.index -= 1
        if token.kind == _END:
            previous = self.tokens[self.index - 1] if self.index else None
            after = f" after `{previous.text}`" if previous else ""
            raise self.fail(token, f"expected a value{after}, found the end")
        raise self.fail(token, f"expected a value, found `{token.text}`")

    def call(self, name: _Token) -> Node:
        opening = self.advance()
        args: list[Node] = []
        if self.peek().text != ")":
            args.append(self.binary(0))
            while self.peek().text == ",":
                self.advance()
                args.append(self.binary(0))
        self.expect_closing(opening)
        if name.text == "if":
            if len(args) != 3:
                raise self.fail(
                    name, f"if() takes 3 arguments (condition, then, else), got {len(args)}"
                )
            return If(*args)
        builtin = _BUILTINS.get(name.text)
        if builtin is not None:
            if builtin.arity is None and not args:
                raise self.fail(name, f"{name.text}() takes at least 1 argument")
            if builtin.arity is not None and len(args) != builtin.arity:
                raise self.fail(
                    name, f"{name.text}() takes {builtin.arity} argument(s), got {len(args)}"
                )
        return Call(name.text, tuple(args))

    def expect_closing(self, opening: _Token) -> None:
        token = self.peek()
        if token.text == ")":
            self.advance()
        elif token.kind == _END:
            raise self.fail(opening, "`(` is never closed")
        else:
            raise self.unexpected(token)

    def unexpected(self, token: _Token) -> ExprError:
        if token.text == ")":
            return self.fail(token, "`)` has no matching `(`")
        if token.text in _ASSIGNMENT_OPERATORS:
            return self.fail(
                token,
                f"assignment `{token.text}` is only allowed at the start of a statement in a "
                "function body (compare with `==`)",
            )
        if token.kind in (_NAME, _VALUE) or token.text in ("(", "!"):
            return self.fail(token, f"expected an operator before `{token.text}`")
        return self.fail(token, f"unexpected `{token.text}`")


def _binary_node(operator: str, left: Node, right: Node) -> Node:
    if operator == "&&":
        return And(left, right)
    if operator == "||":
        return Or(left, right)
    if operator in _EQUALITY_OPERATORS:
        return Equality(operator, left, right)
    return Binary(operator, left, right)


# ------------------------------------------------------------------------ public API


def parse_expression(src: str) -> Node:
    """One expression, e.g. the text inside ``{ }`` of a condition (no ``;``, no ``=``)."""
    return _Parser(src).single_expression()


def parse_program(src: str) -> Node:
    """A function body: statements separated by ``;`` (newlines are whitespace)."""
    return _Parser(src).program()


def evaluate(node: Node, scope: Scope) -> Any:
    """The node's value; assignments write through ``scope`` or to fresh locals."""
    return node.run(_Run(scope))


def identifiers(node: Node) -> list[str]:
    """Names the node reads, first occurrence order: what a reactive caller depends on."""
    return list(dict.fromkeys(node.reads()))


def to_json(node: Node) -> list | str | int | float | bool | None:
    """The JSON-serialisable form described in the module docstring."""
    return node.to_json()
