"""The runtime and the server agree: expressions give the same values, the browser computes
exactly the server's HTML for every element (hydration repairs nothing), drawing a page anew
in the browser shows what the server's page shows, and so does a page changed by a click
compared with the server's page for that state. Documents: fastn's conformance corpus.

"Shows" is the conformance tool's observable form: visible text and the element tree with
the CSS each element gets from its classes.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from runtime_support import FASTN_FTD, Tab

from fastn.ftd import expr
from fastn.ftd.interpreter import Interpreter
from fastn.ftd.markdown import markdown_to_html
from fastn.ftd.render.evaluate import follow
from fastn.ftd.render.html import render_page
from fastn.ftd.values import OrValue, RecordValue
from fastn.runtime.model import encode_value

# ------------------------------------------------------------------ expressions

VARIABLES = {
    "n": 7,
    "x": 2.5,
    "s": "12",
    "e": "",
    "name": "Ann",
    "numbers": [1, 2, 3],
    "empty": [],
    "flag": True,
    "nothing": None,
    "person": RecordValue("foo#person", {"name": "Bo", "age": 40}),
    "size": OrValue("foo#size", "small", "small"),
    "device": OrValue("ftd#device-data", "mobile", "mobile"),
}

EXPRESSIONS = [
    "1 + 2 * 3",
    "(1 + 2) * 3",
    "7 / 2",
    "6 / 3",
    "7 % 3",
    "-7 % 3",
    "2 ^ 10",
    "2 ^ 0.5",
    "-2 ^ 2",
    "1 / 0",
    "-1 / 0",
    "0 / 0",
    "n + 1",
    "n + s",
    "s + n",
    "s * 2",
    "s - 2",
    "e + 1",
    "e * 3",
    "x * 2",
    "0.1 + 0.2",
    "1e21 + 1",
    "1e-7 * 1",
    "123456789 * 1000000000000",
    'name + " is " + n',
    "name + nothing",
    'numbers + ""',
    'person + ""',
    '"a" < "b"',
    '"10" < "9"',
    "10 < 9",
    "s < 100",
    "s == 12",
    "s != 12",
    "n == 7.0",
    "flag == 1",
    "e == 0",
    "nothing == NULL",
    "nothing != NULL",
    "nothing == 0",
    "flag && name",
    "nothing && name",
    '"" || "default"',
    "!e",
    "!numbers",
    "!empty",
    "!!0",
    "-s",
    "len(numbers)",
    "len(name)",
    'len("⭐ ok")',
    "len(nothing)",
    "ftd.is_empty(empty)",
    "ftd.is_empty(e)",
    "ftd.is_empty(numbers)",
    "ftd.is_empty(nothing)",
    "ftd.list_contains(numbers, 2)",
    'ftd.list_contains(numbers, "2")',
    "person.name + person.age",
    "person == person",
    "numbers == numbers",
    "size == small",
    "size != small",
    "size == big",
    'device == "mobile"',
    'device != "desktop"',
    "min(3, 1, 2)",
    "max(numbers)",
    "round(2.5)",
    "round(-2.5)",
    "floor(2.7)",
    "ceil(-2.2)",
    'if(flag, "yes", "no")',
    "if(nothing, 1, 2)",
    "t = 1; t = t + n; t",
    "copy = numbers; ftd.append(copy, 9); ftd.insert_at(copy, 0, 0); copy",
    "copy = numbers; ftd.delete_at(copy, 1); ftd.delete_at(copy, 10); copy",
    "copy = numbers; ftd.pop(copy); ftd.set_list(copy, empty); len(copy)",
    "k = 3; k += 2; k *= 2; k -= 1; k /= 3; k",
    "a = 0; a ||= 5; a &&= a + 1; a",
    "len(5)",
    "missing + 1",
    "numbers.1 + numbers.7",
]


class _Scope:
    def __init__(self, values: dict[str, Any]):
        self.values = values

    def lookup(self, name: str) -> Any:
        head, *path = name.split(".")
        if head not in self.values:
            raise expr.UnknownName(name)
        return follow(self.values[head], tuple(path))

    def assign(self, name: str, value: Any) -> None:
        self.values[name] = value

    def call(self, name: str, args: list[Any]) -> Any:
        raise expr.UnknownName(name)


def _python_result(source: str) -> dict[str, Any]:
    values = json.loads(json.dumps({k: encode_value(v) for k, v in VARIABLES.items()}))
    try:
        value = expr.evaluate(expr.parse_program(source), _Scope(_decoded(values)))
    except expr.ExprError as error:
        return {"error": str(error)}
    return {"value": encode_value(value)}


def _decoded(values: dict[str, Any]) -> dict[str, Any]:
    """Fresh Python values from their JSON form (so that no expression sees another's list)."""

    def decode(v: Any) -> Any:
        if isinstance(v, list):
            return [decode(item) for item in v]
        if isinstance(v, dict) and "$r" in v:
            return RecordValue(v["$r"], {k: decode(f) for k, f in v["f"].items()})
        if isinstance(v, dict) and "$o" in v:
            return OrValue(v["$o"], v["v"], decode(v["p"]))
        return v

    return {k: decode(v) for k, v in values.items()}


def _comparable(result: dict[str, Any]) -> Any:
    """Both sides' answers in one form: numbers as floats, NaN and infinities by name."""
    if "error" in result:
        return "error"

    def normal(v: Any) -> Any:
        if isinstance(v, bool) or v is None or isinstance(v, str):
            return v
        if isinstance(v, int | float):
            return float(v) if math.isfinite(v) else str(v)
        if isinstance(v, list):
            return [normal(item) for item in v]
        if "$num" in v:
            return {"nan": "nan", "NaN": "nan", "Infinity": "inf", "-Infinity": "-inf"}.get(
                v["$num"], v["$num"]
            )
        return {k: normal(item) for k, item in v.items()}

    return normal(result["value"])


# ------------------------------------------------------------------ documents

SAMPLE = [
    "01-basic",
    "02-property",
    "03-common-properties",
    "04-variable",
    "08-inherited",
    "12-children",
    "13-non-style-properties",
    "14-code",
    "17-events",
    "20-background-properties",
    "24-device",
    "27-for-loop",
    "34-ftd-ui",
    "37-expander",
    "38-background-image-properties",
    "49-align-content",
    "51-markdown-table",
    "59-text-shadow",
    "67-counter",
    "91-component-event",
]


def _render(cases: Path, name: str, source: str | None = None) -> str:
    """A corpus case rendered the conformance way (document `foo`), with the runtime."""
    main = source if source is not None else (cases / f"{name}.ftd").read_text()

    def load(module_id: str) -> str | None:
        if module_id == "foo":
            return main
        path = cases / f"{module_id}.ftd"
        return path.read_text() if path.is_file() else None

    doc = Interpreter(load, missing_module_is_empty=True).document("foo")
    return render_page(doc, runtime=True)


TEXT_PAGE = """
-- string $shown: set by the test

-- ftd.text: $shown
id: shown
$on-click$: $ftd.set-string($a = $shown, v = clicked)
"""

COUNTER_AT_11 = ("-- counter:\n$count: 10\n", "-- counter:\n$count: 11\n")
EXPANDER_OPEN = ("-- box: What is FTD?\n", "-- box: What is FTD?\n$open: true\n")


@pytest.fixture(scope="module")
def server(
    package_folder: Callable[..., Path], start_fastn: Callable, conformance_dir: Path
) -> str:
    cases = conformance_dir / "render" / "cases"
    files: dict[str, str | bytes] = {"text.ftd": TEXT_PAGE}
    for name in SAMPLE:
        files[f"cases/{name}.html"] = _render(cases, name)
    counter = (cases / "67-counter.ftd").read_text()
    files["cases/counter-at-11.html"] = _render(cases, "", counter.replace(*COUNTER_AT_11))
    expander = (cases / "37-expander.ftd").read_text()
    files["cases/expander-open.html"] = _render(cases, "", expander.replace(*EXPANDER_OPEN))
    return start_fastn(package_folder(FASTN_FTD, files)).url


def test_expressions_evaluate_alike(tab: Tab, server: str) -> None:
    page = tab.open(f"{server}/text/").page
    variables = {k: encode_value(v) for k, v in VARIABLES.items()}
    trees = [expr.parse_program(source).to_json() for source in EXPRESSIONS]
    browser = page.evaluate(
        "([trees, variables]) => trees.map(t => window.fastn.evaluateExpression(t, variables))",
        [trees, variables],
    )
    differences = [
        (source, _python_result(source), answer)
        for source, answer in zip(EXPRESSIONS, browser, strict=True)
        if _comparable(_python_result(source)) != _comparable(answer)
    ]
    assert differences == []


MARKDOWN = [
    "plain words",
    'a & b < c > d "quoted" it\'s',
    "  spaced  ",
    "two\nlines",
    "first paragraph\n\nsecond paragraph",
    "some *emphasis* and **strength**",
    "snake_case_name and _em_",
    "`code <b>` here",
    "a [link](https://example.com/x) and https://example.com/y.",
    "~~gone~~ text",
    "escaped \\*stars\\*",
]


def test_text_the_server_never_saw_renders_like_the_server(tab: Tab, server: str) -> None:
    page = tab.open(f"{server}/text/").page
    server_html = [markdown_to_html(text) for text in MARKDOWN]
    # both as the browser reads them (innerHTML does not write `&quot;` in text)
    shown, expected = page.evaluate(
        """([texts, html]) => {
            const scratch = document.createElement("template");
            const normal = h => { scratch.innerHTML = h; return scratch.innerHTML; };
            const shown = texts.map(t => {
                window.fastn.set("app/text#shown", t);
                return document.getElementById("shown").innerHTML;
            });
            return [shown, html.map(normal)];
        }""",
        [MARKDOWN, server_html],
    )
    assert dict(zip(MARKDOWN, shown, strict=True)) == dict(zip(MARKDOWN, expected, strict=True))


def _observed(tab: Tab, observe: ModuleType, folder: Path, label: str) -> dict[str, Any]:
    file = folder / f"{label}.html"
    file.write_text(tab.page.content())
    seen = observe.extract(str(file))
    return {"text": seen["text"], "tree": seen["tree"]}


@pytest.mark.parametrize("name", SAMPLE)
def test_corpus_hydrates_exactly_and_redraws_alike(
    tab: Tab, server: str, observe: ModuleType, tmp_path: Path, name: str
) -> None:
    tab.page.set_viewport_size({"width": 600, "height": 800})  # the server renders for mobile
    tab.open(f"{server}/cases/{name}.html")
    assert tab.page.evaluate("[window.fastn.hydrated, window.fastn.repairs]") == [True, 0]
    served = _observed(tab, observe, tmp_path, "served")
    tab.page.evaluate("window.fastn.redraw()")
    assert _observed(tab, observe, tmp_path, "redrawn") == served


def test_a_click_shows_what_the_server_shows_for_that_state(
    tab: Tab, server: str, observe: ModuleType, tmp_path: Path
) -> None:
    tab.page.set_viewport_size({"width": 600, "height": 800})
    for page, expected, click in [
        ("67-counter", "counter-at-11", "text=➕ >> nth=0"),
        ("37-expander", "expander-open", "text=What is FTD?"),
    ]:
        tab.open(f"{server}/cases/{expected}.html")
        wanted = _observed(tab, observe, tmp_path, expected)
        tab.open(f"{server}/cases/{page}.html")
        assert _observed(tab, observe, tmp_path, page) != wanted
        tab.page.click(click)
        assert _observed(tab, observe, tmp_path, page) == wanted, page
