"""ftd expressions: tokenizer quirks, precedence, JavaScript-like values, fscript bodies."""

from __future__ import annotations

import json
import math
from typing import Any

import pytest

from fastn.ftd.expr import (
    ExprError,
    UnknownName,
    evaluate,
    identifiers,
    is_truthy,
    js_string,
    parse_expression,
    parse_program,
    to_json,
)
from fastn.ftd.values import OrValue, RecordValue


class DictScope:
    """A scope backed by a dict; dotted names walk records and lists like the interpreter."""

    def __init__(self, values: dict[str, Any] | None = None, functions: dict | None = None):
        self.values = dict(values or {})
        self.functions = dict(functions or {})
        self.assignments: list[tuple[str, Any]] = []

    def lookup(self, name: str) -> Any:
        head, *path = name.split(".")
        if head not in self.values:
            raise UnknownName(name)
        value = self.values[head]
        for key in path:
            if isinstance(value, list) and key.isdigit() and int(key) < len(value):
                value = value[int(key)]
            elif isinstance(value, dict) and key in value:
                value = value[key]
            else:
                raise UnknownName(name)
        return value

    def assign(self, name: str, value: Any) -> None:
        self.assignments.append((name, value))
        self.values[name] = value

    def call(self, name: str, args: list[Any]) -> Any:
        if name not in self.functions:
            raise UnknownName(name)
        return self.functions[name](*args)


def run(source: str, **values: Any) -> Any:
    return evaluate(parse_expression(source), DictScope(values))


def run_body(source: str, scope: DictScope) -> Any:
    return evaluate(parse_program(source), scope)


SMALL = OrValue("foo#size", "small", "S")
MOBILE = OrValue("ftd#device-data", "mobile", "mobile")


# ------------------------------------------------------------------------ tokenizer


def test_hyphen_inside_a_name_is_part_of_it():
    assert to_json(parse_expression("a-b")) == ["id", "a-b"]
    assert run("a-b", **{"a-b": 7}) == 7


def test_spaced_hyphen_subtracts():
    assert to_json(parse_expression("a - b")) == ["bin", "-", ["id", "a"], ["id", "b"]]
    assert run("a - b", a=7, b=2) == 5
    assert run("a -b", a=7, b=2) == 5


def test_hyphen_after_a_number_subtracts_and_exponents_keep_their_sign():
    assert run("10-2") == 8
    assert run("1e-3") == 0.001
    assert run("2.5e+2") == 250.0


def test_dots_dollars_hashes_and_digits_belong_to_names():
    assert to_json(parse_expression("ftd.dark-mode")) == ["id", "ftd.dark-mode"]
    assert to_json(parse_expression("names.2")) == ["id", "names.2"]
    assert to_json(parse_expression("foo#bar.x")) == ["id", "foo#bar.x"]
    assert to_json(parse_expression("$inherited.colors.text")) == ["id", "inherited.colors.text"]
    assert run("names.2", names=["a", "b", "c"]) == "c"


def test_literals():
    assert run("42") == 42
    assert run("1.5") == 1.5
    assert run("true") is True
    assert run("false") is False
    assert run("NULL") is None


def test_string_escapes():
    assert run(r'"say \"hi\""') == 'say "hi"'
    assert run(r'"\n"') == "n"
    # fastn writes the unescaped text between quotes into the page's JavaScript, which reads
    # it once more: `\\n` is a newline there, `\\s` an `s`, and `\\\\` one backslash.
    assert run(r'"a\\nb"') == "a\nb"
    assert run(r'"back\\slash"') == "backslash"
    assert run(r'"back\\\\slash"') == "back\\slash"
    assert run(r'"\\u00e9\\x41\\u{1F600}\\t"') == "\u00e9A\U0001f600\t"
    assert run(r'"\\uD83D\\uDE00 \\uD800"') == "\U0001f600 \ufffd"  # pairs join; a lone half
    assert run('"a + b; (c)"') == "a + b; (c)"


def test_unknown_hyphenated_name_hints_at_spaces():
    with pytest.raises(UnknownName, match="with spaces to subtract") as raised:
        run("LOOP.COUNTER-1", LOOP={"COUNTER": 3})
    assert raised.value.name == "LOOP.COUNTER-1"


# ----------------------------------------------------------------------- precedence


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("1 + 2 * 3", 7),
        ("(1 + 2) * 3", 9),
        ("-2 ^ 2", -4),
        ("2 ^ 3 ^ 2", 512),
        ("10 - 4 - 3", 3),
        ("2 * 3 % 4", 2),
        ("1 + 2 > 2 && 3 < 4", True),
        ("-3 * 2", -6),
        ("!true == false", True),
    ],
)
def test_precedence(source: str, expected: Any):
    assert run(source) == expected


def test_not_binds_tighter_than_and_which_binds_tighter_than_or():
    assert to_json(parse_expression("!a && b || c")) == [
        "or",
        ["and", ["not", ["id", "a"]], ["id", "b"]],
        ["id", "c"],
    ]
    assert run("!a && b || c", a=False, b=False, c="fallback") == "fallback"


# ------------------------------------------------------------------------ semantics


def test_plus_concatenates_with_strings_printing_numbers_like_javascript():
    assert run('"n: " + 3') == "n: 3"
    assert run('"n: " + 3.0') == "n: 3"
    assert run('"n: " + 0.5') == "n: 0.5"
    assert run('1 + 2 + "x"') == "3x"
    assert run('"x" + NULL + true') == "xnulltrue"
    assert run('"v" + items', items=[1, None, "b"]) == "v1,,b"


def test_javascript_number_printing():
    assert js_string(1e21) == "1e+21"
    assert js_string(1e-7) == "1e-7"
    assert js_string(0.000001) == "0.000001"
    assert js_string(1.5e-6) == "0.0000015"
    assert js_string(-0.000015) == "-0.000015"
    assert js_string(math.inf) == "Infinity"
    assert js_string(math.nan) == "NaN"
    assert js_string(RecordValue("foo#p", {"a": 1})) == "[object Object]"


def test_division_is_exact_when_it_can_be():
    assert run("6 / 3") == 2 and isinstance(run("6 / 3"), int)
    assert run("7 / 2") == 3.5
    assert run("1 / 0") == math.inf
    assert run("-1 / 0") == -math.inf
    assert math.isnan(run("0 / 0"))


def test_remainder_keeps_the_dividend_sign():
    assert run("-7 % 3") == -1
    assert run("7 % -3") == 1
    assert run("7.5 % 2") == 1.5
    assert math.isnan(run("1 % 0"))


def test_arithmetic_converts_like_javascript():
    assert run('"5" - 2') == 3
    assert run("true + 1") == 2
    assert run("NULL + 1") == 1
    assert math.isnan(run('"abc" * 2'))


def test_relational_comparisons():
    assert run('"apple" < "banana"') is True
    assert run('"10" > 9') is True
    assert run("NULL < 1") is True
    assert run('"x" < 1') is False


def test_loose_equality_and_strict_inequality():
    assert run("1 == 1.0") is True
    assert run('1 == "1"') is True
    assert run('1 != "1"') is True  # fastn emits `!==`
    assert run("1 != 1.0") is False
    assert run("0 == false") is True
    assert run("items == other", items=[1, 2], other=[1, 2]) is True


def test_null_comparisons():
    assert run("NULL == NULL") is True
    assert run("name != NULL", name="Arpita") is True
    assert run("name != NULL", name=None) is False
    assert run("name == NULL", name=0) is False
    assert run("name != NULL", name=SMALL) is True


def test_or_type_compares_with_a_variant_name():
    assert run("size == small", size=SMALL) is True
    assert run("size != small", size=SMALL) is False
    assert run("size == medium", size=SMALL) is False
    assert run("size != medium", size=SMALL) is True


def test_a_variable_named_like_a_variant_takes_precedence():
    assert run("size == small", size=SMALL, small=OrValue("foo#size", "large", "L")) is False


def test_unresolvable_right_name_without_an_or_type_is_an_error():
    with pytest.raises(UnknownName) as raised:
        run("size == small", size="S")
    assert raised.value.name == "small"


def test_or_type_against_a_string_compares_its_value():
    assert run('ftd.device == "mobile"', ftd={"device": MOBILE}) is True
    assert run('ftd.device != "mobile"', ftd={"device": MOBILE}) is False
    assert run('size == "S"', size=SMALL) is True
    assert run("size == other", size=SMALL, other=OrValue("foo#size", "small", "S")) is True


def test_not_uses_javascript_truthiness():
    assert run("!x", x="") is True
    assert run("!x", x=0) is True
    assert run("!x", x=None) is True
    assert run("!x", x=[]) is False
    assert run("!x", x="0") is False
    assert is_truthy(RecordValue("foo#p")) is True


def test_and_or_short_circuit_and_return_operands():
    calls: list[str] = []

    def explode() -> None:
        calls.append("called")

    scope = DictScope({"name": "", "other": "x"}, {"explode": explode})
    assert evaluate(parse_expression('name || "anonymous"'), scope) == "anonymous"
    assert evaluate(parse_expression("other || explode()"), scope) == "x"
    assert evaluate(parse_expression("name && explode()"), scope) == ""
    assert calls == []


def test_unary_minus_and_not_on_names():
    assert run("-n", n=3) == -3
    assert run("!flag", flag=True) is False


def test_modulo_condition_from_the_corpus():
    node = parse_expression("LOOP.COUNTER % 2 == 0")
    assert [evaluate(node, DictScope({"LOOP": {"COUNTER": i}})) for i in range(4)] == [
        True,
        False,
        True,
        False,
    ]


# ------------------------------------------------------------------ function bodies


def test_last_expression_is_the_value():
    assert run_body("a + b", DictScope({"a": "x", "b": "y"})) == "xy"
    assert run_body("1;\n2;\n3", DictScope()) == 3


def test_newlines_are_whitespace():
    source = '"Person " + p.name\n+ " lives at "\n+ p.meta.address'
    person = RecordValue("foo#person", {"name": "Ann", "meta": {"address": "Paris"}})
    assert run_body(source, DictScope({"p": person})) == "Person Ann lives at Paris"


def test_assignment_writes_through_to_the_scope():
    scope = DictScope({"a": 1})
    assert run_body("a = a + 1;", scope) is None
    assert scope.values["a"] == 2
    assert scope.assignments == [("a", 2)]


def test_compound_assignments():
    scope = DictScope({"a": 10, "flag": True, "text": "a"})
    run_body("a += 5; a -= 1; a *= 2; a /= 4; a %= 4; a ^= 2", scope)
    assert scope.values["a"] == 9
    run_body('text += "b"; flag &&= false; flag ||= "on"', scope)
    assert scope.values["text"] == "ab"
    assert scope.values["flag"] == "on"


def test_logical_assignment_only_assigns_when_needed():
    scope = DictScope({"flag": False})
    run_body("flag &&= true", scope)
    assert scope.assignments == []


def test_unknown_assigned_name_becomes_a_local():
    scope = DictScope({"a": ["x"]})
    result = run_body('tmp = len(a);\nftd.append(a, "count " + tmp);\ntmp', scope)
    assert result == 1
    assert "tmp" not in scope.values
    assert scope.values["a"] == ["x", "count 1"]


def test_locals_have_field_paths():
    scope = DictScope({"people": [RecordValue("foo#p", {"name": "Ann"})]})
    assert run_body("first = people.0; first.name", scope) == "Ann"


def test_fields_of_locals_cannot_be_assigned():
    scope = DictScope({"people": [RecordValue("foo#p", {"name": "Ann"})]})
    with pytest.raises(ExprError, match="`first` is a local value"):
        run_body('first = people.0; first.name = "Bob"', scope)


def test_dotted_assignment_goes_to_the_scope():
    scope = DictScope({"person": RecordValue("foo#p", {"age": 1})})
    run_body("person.age = person.age + 1", scope)
    assert scope.assignments == [("person.age", 2)]


def test_toggle_and_increment_from_the_corpus():
    scope = DictScope({"a": True, "n": 4})
    run_body("a = !a;", scope)
    run_body("n = n + 1", scope)
    assert scope.values == {"a": False, "n": 5}


def test_calls_to_other_functions_go_to_the_scope():
    scope = DictScope({"x": 2}, {"double": lambda value: value * 2, "header.m.loggedIn": lambda: 1})
    assert run_body("double(x) + 1", scope) == 5
    assert evaluate(parse_expression("!header.m.loggedIn()"), scope) is False
    with pytest.raises(UnknownName, match="nope"):
        run_body("nope(1)", scope)


def test_tuples_evaluate_to_lists():
    assert run("(1, 2), 3") == [[1, 2], 3]


def test_each_evaluation_starts_without_locals():
    node = parse_program("t = n * 2; t")
    assert [evaluate(node, DictScope({"n": n})) for n in (1, 2)] == [2, 4]


# ------------------------------------------------------------------------- built-ins


def test_length_and_emptiness():
    assert run("len(items)", items=[1, 2, 3]) == 3
    assert run("ftd.len(name)", name="abc") == 3
    assert run("ftd.len(names) > 2", names=["a", "b", "c"]) is True
    assert run("ftd.is_empty(x)", x=None) is True
    assert run("ftd.is_empty(x)", x="") is True
    assert run("ftd.is_empty(x)", x=[]) is True
    assert run("ftd.is_empty(x)", x=[0]) is False


def test_list_builtins_mutate_in_place_and_announce_the_change():
    items = ["a", "b"]
    scope = DictScope({"items": items})
    run_body('ftd.append(items, "c"); ftd.insert_at(items, 0, "z"); ftd.delete_at(items, 1)', scope)
    assert items == ["z", "b", "c"]
    assert scope.values["items"] is items
    assert [name for name, _ in scope.assignments] == ["items", "items", "items"]
    assert run_body("ftd.pop(items)", scope) == "c"
    assert run_body('ftd.list_contains(items, "b")', scope) is True
    assert run_body('ftd.list_contains(items, "c")', scope) is False
    run_body("ftd.append(items, 1); ftd.clear_all(items)", scope)
    assert items == []
    assert scope.assignments[-1] == ("items", [])


def test_set_list_copies_the_new_items():
    items: list = ["old"]
    scope = DictScope({"items": items, "new": ["x", "y"]})
    run_body("ftd.set_list(items, new)", scope)
    assert items == ["x", "y"]
    run_body("ftd.clear(items)", scope)
    assert scope.values["new"] == ["x", "y"]


def test_delete_past_the_end_does_nothing():
    items = ["a"]
    run_body("ftd.delete_at(items, 5)", DictScope({"items": items}))
    assert items == ["a"]


def test_list_builtin_on_a_non_list_names_the_function():
    with pytest.raises(ExprError, match=r"ftd\.append\(\): expected a list, got null"):
        run_body("ftd.append(items, 1)", DictScope({"items": None}))


def test_numeric_builtins():
    assert run("min(3, 1, 2)") == 1
    assert run("max(items)", items=[3, 9, 2]) == 9
    assert run("floor(2.7)") == 2
    assert run("ceil(2.1)") == 3
    assert run("round(2.5)") == 3
    assert run("round(-2.5)") == -3
    assert run("round(7)") == 7


def test_if_evaluates_only_the_chosen_branch():
    assert run('if(n > 1, "many", missing)', n=2) == "many"
    assert run('if(n > 1, missing, "one")', n=1) == "one"
    assert to_json(parse_expression("if(a, 1, 2)")) == ["if", ["id", "a"], ["lit", 1], ["lit", 2]]


# ----------------------------------------------------------------------- identifiers


def test_identifiers_lists_reads_once_in_order_without_function_names():
    node = parse_program('tmp = len($a); ftd.append(a, "x" + tmp + b); c = 1; a')
    assert identifiers(node) == ["a", "tmp", "b"]
    assert identifiers(parse_program("x += y")) == ["x", "y"]
    assert identifiers(parse_expression('ftd.device == "mobile" || !flag')) == [
        "ftd.device",
        "flag",
    ]
    assert identifiers(parse_expression("1 + 2")) == []


# ----------------------------------------------------------------------------- JSON


def test_json_shapes():
    program = parse_program('x = -a * 2; ftd.append(list, "v" + x); !b && c || NULL, d')
    expected = [
        "seq",
        [
            ["assign", "=", "x", ["bin", "*", ["neg", ["id", "a"]], ["lit", 2]]],
            [
                "call",
                "ftd.append",
                [["id", "list"], ["bin", "+", ["lit", "v"], ["id", "x"]]],
            ],
            [
                "tuple",
                [["or", ["and", ["not", ["id", "b"]], ["id", "c"]], ["lit", None]], ["id", "d"]],
            ],
        ],
    ]
    assert to_json(program) == expected
    assert json.loads(json.dumps(to_json(program))) == expected


def test_single_statement_program_is_not_wrapped():
    assert to_json(parse_program("a = a + 1;")) == [
        "assign",
        "=",
        "a",
        ["bin", "+", ["id", "a"], ["lit", 1]],
    ]


def test_equal_sources_parse_to_equal_trees():
    assert parse_expression("a == b") == parse_expression(" a==b ")
    assert parse_expression("a == b") != parse_expression("a != b")


# --------------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("(a + b", r"`\(` is never closed \(at column 1 in `\(a \+ b`\)"),
        ("len(a", r"`\(` is never closed \(at column 4"),
        ("a + b)", r"`\)` has no matching `\(` \(at column 6"),
        ("a +", r"expected a value after `\+`, found the end \(at column 4"),
        ("a &&", r"expected a value after `&&`"),
        ('"abc', r"unterminated string \(missing closing `\"`\) \(at column 1"),
        ('x == "abc\\"', r"unterminated string"),
        ("a b", r"expected an operator before `b` \(at column 3"),
        ("a = 1", r"assignment `=` is only allowed .* \(compare with `==`\)"),
        ("a; b", r"`;` separates statements"),
        ("{ a }", r"unexpected `\{` \(write the expression without its surrounding braces\)"),
        ("'a'", r"strings are written in double quotes"),
        ("a & b", r"`&` must be doubled \(`&&`\)"),
        ("", r"empty expression"),
        ("* 2", r"expected a value, found `\*`"),
        ("len(a, b)", r"len\(\) takes 1 argument\(s\), got 2"),
        ("if(a, b)", r"if\(\) takes 3 arguments"),
        ("max()", r"max\(\) takes at least 1 argument"),
        ("$", r"`\$` must be followed by a name"),
    ],
)
def test_expression_errors(source: str, message: str):
    with pytest.raises(ExprError, match=message):
        parse_expression(source)


def test_program_errors_name_the_line():
    with pytest.raises(ExprError, match=r"at line 2, column 3 in `a b`"):
        parse_program("x = 1;\na b")
    with pytest.raises(ExprError, match="empty function body"):
        parse_program(" ;\n ; ")
    with pytest.raises(ExprError, match=r"assignment `=`"):
        parse_program("a = b = 1")


def test_trailing_and_repeated_semicolons_are_allowed():
    assert to_json(parse_program(";a;;b;")) == ["seq", [["id", "a"], ["id", "b"]]]
