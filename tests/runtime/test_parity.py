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
from fastn.ftd.model import Lit
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


def _decode(v: Any) -> Any:
    """A fresh Python value from its JSON form (encode_value's, the runtime's exportValue)."""
    if isinstance(v, list):
        return [_decode(item) for item in v]
    if isinstance(v, dict) and "$r" in v:
        return RecordValue(v["$r"], {k: _decode(f) for k, f in v["f"].items()})
    if isinstance(v, dict) and "$o" in v:
        return OrValue(v["$o"], v["v"], _decode(v["p"]))
    if isinstance(v, dict) and "$num" in v:
        return float(v["$num"].replace("Infinity", "inf"))
    return v


def _decoded(values: dict[str, Any]) -> dict[str, Any]:
    """Fresh Python values (so that no expression sees another's list)."""
    return {k: _decode(v) for k, v in values.items()}


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

# Corpus cases the server cannot render: nothing to compare (90-error is meant to fail).
NOT_RENDERED = {"45-re-module", "90-error"}


def _corpus(cases: Path) -> list[str]:
    return sorted(f.stem for f in cases.glob("*.ftd") if f.stem not in NOT_RENDERED)


def _render(
    cases: Path, name: str, source: str | None = None, state: dict[str, Any] | None = None
) -> str:
    """A corpus case rendered the conformance way (document `foo`), with the runtime;
    `state`: values of mutable globals (their JSON form) to render instead of the initial
    ones."""
    main = source if source is not None else (cases / f"{name}.ftd").read_text()

    def load(module_id: str) -> str | None:
        if module_id == "foo":
            return main
        path = cases / f"{module_id}.ftd"
        return path.read_text() if path.is_file() else None

    doc = Interpreter(load, missing_module_is_empty=True).document("foo")
    for variable, value in (state or {}).items():  # applied after the declared value
        doc.updates.append((variable, (), Lit(_decode(value))))
    return render_page(doc, runtime=True)


TEXT_PAGE = """
-- string $shown: set by the test

-- ftd.text: $shown
id: shown
$on-click$: $ftd.set-string($a = $shown, v = clicked)
"""

# The script 63-external-js loads (fastn's ftd/t/assets/test.js, not in the corpus).
TEST_JS = """
function show(text) { (window.shown ||= []).push(text); }
function greeting() { return "Hello from test.js"; }
"""
# Documents showing what only the browser computes (a JavaScript function's result): the
# runtime corrects the server's HTML there.
BROWSER_COMPUTED = {"63-external-js"}

COUNTER_AT_11 = ("-- counter:\n$count: 10\n", "-- counter:\n$count: 11\n")
EXPANDER_OPEN = ("-- box: What is FTD?\n", "-- box: What is FTD?\n$open: true\n")


@pytest.fixture(scope="module")
def server(
    package_folder: Callable[..., Path], start_fastn: Callable, conformance_dir: Path
) -> str:
    cases = conformance_dir / "render" / "cases"
    files: dict[str, str | bytes] = {"text.ftd": TEXT_PAGE, "t/assets/test.js": TEST_JS}
    for name in _corpus(cases):
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


def test_the_corpus_hydrates_exactly_and_redraws_alike(
    tab: Tab, server: str, observe: ModuleType, tmp_path: Path, conformance_dir: Path
) -> None:
    """Every corpus document: the browser computes the server's HTML for every element, and
    drawing the page anew from the model shows what the server's page shows."""
    tab.page.set_viewport_size({"width": 600, "height": 800})  # the server renders for mobile
    names = _corpus(conformance_dir / "render" / "cases")
    assert len(names) > 70
    differences = []
    for name in names:
        tab.open(f"{server}/cases/{name}.html")
        started = tab.page.evaluate("[window.fastn.hydrated, window.fastn.repairs]")
        served = _observed(tab, observe, tmp_path, "served")
        tab.page.evaluate("window.fastn.redraw()")
        redrawn = _observed(tab, observe, tmp_path, "redrawn")
        if started != [True, int(name in BROWSER_COMPUTED)] or redrawn != served:
            differences.append((name, started, observe.first_difference(served, redrawn)))
    assert differences == []


# Corpus documents whose clicks change state a component keeps for itself (an argument such
# as `$open` of one invocation), which the server cannot be given: the hand-written variants
# of the next test cover two of them.
LOCAL_STATE = {
    "30-web-component",
    "37-expander",
    "67-counter",
    "79-module-using-function",
    "88-module-reference-wrap-in-variant",
}

MUTABLE_GLOBALS = """() => {
    const model = JSON.parse(document.getElementById("fastn-model").textContent);
    const names = Object.keys(model.globals).filter(
        n => model.globals[n].m && !model.globals[n].a && !n.startsWith("ftd#"));
    return Object.fromEntries(names.map(n => [n, window.fastn.get(n)]));
}"""


def test_after_clicks_the_corpus_shows_what_the_server_shows_for_that_state(
    tab: Tab, server: str, observe: ModuleType, tmp_path: Path, conformance_dir: Path
) -> None:
    """Every corpus document with click handlers: each clickable element is clicked once,
    then the page shows what the server renders for the state the clicks left."""
    cases = conformance_dir / "render" / "cases"
    tab.page.set_viewport_size({"width": 600, "height": 800})
    clicked = []
    differences = []
    for name in _corpus(cases):
        if (
            name in LOCAL_STATE | BROWSER_COMPUTED
            or "$on-click$" not in (cases / f"{name}.ftd").read_text()
        ):
            continue
        tab.open(f"{server}/cases/{name}.html")
        clickable = tab.page.locator("[class*='__cur-']")
        for i in range(clickable.count()):
            if i < clickable.count():
                clickable.nth(i).click()
        state = tab.page.evaluate(MUTABLE_GLOBALS)
        shown = _observed(tab, observe, tmp_path, "clicked")
        # that state as the server shows it (its start script sets body.mobile)
        tab.page.set_content(_render(cases, name, state=state))
        expected = _observed(tab, observe, tmp_path, "expected")
        clicked.append(name)
        if shown != expected:
            differences.append((name, state, observe.first_difference(expected, shown)))
    assert len(clicked) >= 15
    assert differences == []
    tab.open(f"{server}/cases/63-external-js.html")  # functions written in JavaScript
    assert tab.text("body").split("\n")[-1] == "Hello from test.js"
    tab.page.click("text=Hello")
    assert tab.page.evaluate("window.shown") == ["Hello World!", "Hello World Again!"]


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
