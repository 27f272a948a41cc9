"""Fuzzing the ftd pipeline: whatever the text, the answer is a page or a located error.

Two sources of documents (`ftd_documents.py`): a grammar-aware generator, and mutations of
the documents of fastn's own corpus (read from the conformance folder). Each is parsed,
interpreted and rendered; the only exception allowed out is `FtdError` (`ParseError`
included) whose text is `path:line: message` and points into one of the package's modules,
and each case has a time budget. `HYPOTHESIS_CASES` sets the number of cases per test
(default 200; the 10⁵ run is `HYPOTHESIS_CASES=50000` for each of the two tests).

The 10⁵ run was made once (2026-12-07, `nice -n 19` on a shared 2-core machine, 42 min):
50 000 corpus mutations passed; the generated documents found one bug after 44 309 cases
(hypothesis stops generating at a failure; it is pinned below and fixed: a variant header
without its value is a located error)
and 5 700 more generated cases then passed: 100 009 cases in all.
"""

from __future__ import annotations

import functools
import os
import re
import signal
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from ftd_documents import Corpus, mutated, packages
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from both_ways import render_both_ways
from fastn.ftd.errors import FtdError
from fastn.ftd.interpreter import Interpreter, Module
from fastn.ftd.render.html import render_payload

CASES = int(os.environ.get("HYPOTHESIS_CASES", "200"))
CASE_SECONDS = 5.0  # generous: the machine is shared; a real hang runs into it anyway
LOCATED = re.compile(r"[^\s:][^:\n]*:\d+: \S")

# hypothesis describes a strategy by its arguments once; the document grammar is a big one
pytestmark = pytest.mark.filterwarnings("ignore:Generating overly large repr")
FUZZ_SETTINGS = settings(
    max_examples=CASES,
    deadline=None,  # the time budget below is the deadline, measured the same way everywhere
    database=None,  # nothing written into the working tree
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


class Overtime(BaseException):
    """Raised by the alarm; a BaseException so that no `except Exception` in the engine eats it."""


@contextmanager
def time_budget(seconds: float) -> Iterator[None]:
    """Interrupt the block after `seconds`; pytest-timeout's own alarm is re-armed afterwards."""

    def expire(signum: int, frame: Any) -> None:
        raise Overtime(f"case ran longer than {seconds}s")

    started = time.monotonic()
    previous_handler = signal.signal(signal.SIGALRM, expire)
    previous_delay, previous_interval = signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous_handler)
        if previous_delay:
            left = max(previous_delay - (time.monotonic() - started), 0.001)
            signal.setitimer(signal.ITIMER_REAL, left, previous_interval)


@functools.cache
def builtins_module() -> Module:
    """The `ftd` module parsed once: it is the same text for every case (and parsing it is most
    of a small case's time); each case still gets a fresh Interpreter with empty caches."""
    return Interpreter(lambda _: None).module("ftd")


def stub_processors(doc: Any) -> dict[str, Any]:
    """Every `$processor$` variable gets a string, as in fastn's own test harness."""
    return {name: "STUB" for name, var in doc.variables.items() if var.processor}


def run_case(modules: dict[str, str], missing_module_is_empty: bool) -> str | None:
    """Interpret and render document `foo`; the page, or None when it failed with a located error.
    A page the compiled program draws must be the walker's page.

    Any other exception, an error pointing elsewhere than the package's modules, or a case
    over its time budget fails the test.
    """
    try:
        with time_budget(CASE_SECONDS):
            interpreter = Interpreter(modules.get, missing_module_is_empty=missing_module_is_empty)
            interpreter.modules["ftd"] = builtins_module()
            doc = interpreter.document("foo")
            payload = render_payload(doc)
            if payload is not None:
                return payload[0]
            page, compiled_page = render_both_ways(doc, stub_processors(doc))
            assert compiled_page in (None, page), "the compiled program drew another page"
            return page
    except FtdError as error:
        text = str(error)
        assert LOCATED.match(text), f"error not in `path:line: message` form: {text!r}"
        assert error.doc_id in modules, f"error points outside the package: {text!r}"
        return None


@FUZZ_SETTINGS
@given(modules=packages(), missing_module_is_empty=st.booleans())
def test_generated_documents_render_or_fail_located(
    modules: dict[str, str], missing_module_is_empty: bool
) -> None:
    page = run_case(modules, missing_module_is_empty)
    assert page is None or isinstance(page, str)


@pytest.fixture(scope="module")
def corpus(conformance_dir: Path) -> Corpus:
    """Every `.ftd` of the render and p1 corpora, by module id (`p1/…` for the p1 ones)."""
    texts = Corpus(
        {
            path.stem: path.read_text(encoding="utf-8")
            for path in (conformance_dir / "render" / "cases").glob("*.ftd")
        }
    )
    for path in (conformance_dir / "p1").glob("*.ftd"):
        texts[f"p1/{path.stem}"] = path.read_text(encoding="utf-8")
    return texts


def test_corpus_mutations_render_or_fail_located(corpus: Corpus) -> None:
    @FUZZ_SETTINGS
    @given(case=mutated(corpus), missing_module_is_empty=st.booleans())
    def check(case: tuple[str, str], missing_module_is_empty: bool) -> None:
        _, text = case
        # imports load the corpus modules next to the case, as fastn's harness does
        page = run_case({**corpus, "foo": text}, missing_module_is_empty)
        assert page is None or isinstance(page, str)

    check()


def test_the_budget_interrupts_a_hang() -> None:
    """The time budget is real: a case that never ends is stopped, not waited for."""
    with pytest.raises(Overtime), time_budget(0.2):
        while True:
            pass


@pytest.mark.parametrize(
    "header", ["min-width.fixed.responsive:", "padding.responsive:", "padding.px:"]
)
def test_a_variant_without_its_value_is_a_located_error(header: str) -> None:
    assert run_case({"foo": f"-- ftd.text: hello\n{header}\n"}, False) is None
