"""fastn's own render corpus: our pages must show the same text (and mostly the same tree)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

# Raise these as the implementation improves; never lower them.
TEXT_FLOOR = 78
TREE_FLOOR = 73
# The target is 70/74. What is left differs only from fastn's page *without* its
# runtime, which is how that tool shows it (the live test below shows fastn's page as fastn
# serves it, where all 74 match): 4 code cases (unhighlighted without fastn's script; ours is
# highlighted on the server), 4 where fastn's server output puts placeholder <comment>
# elements in flex boxes that its runtime removes, and 03-common-properties (only fastn's
# runtime makes the element an `anchor.id` names the positioned one; fastn-py's page does).
LAYOUT_FLOOR = 65
# The same with both runtimes running (fastn.conformance.layout_live), at each viewport width:
# "layout-live" reads code blocks glyph by glyph (every case matches), "layout-live-nodes" is
# layout_parity's reading, where the 4 code cases differ only in how Prism and Pygments split
# the same coloured text into elements.
LIVE_LAYOUT_FLOOR = {"layout-live@1280": 74, "layout-live@375": 74}
LIVE_LAYOUT_NODES_FLOOR = {"layout-live-nodes@1280": 70, "layout-live-nodes@375": 70}


def score_corpus(conformance_dir: Path, out: Path, tool: str) -> str:
    """Render the corpus into `out` and return the last line a shared scoring tool prints."""
    cases = conformance_dir / "render" / "cases"
    subprocess.run(
        [sys.executable, "-m", "fastn.conformance", str(cases), str(out)],
        check=True,
        timeout=120,
    )
    result = subprocess.run(
        [sys.executable, str(conformance_dir / "tools" / tool), str(cases), str(out)],
        check=True,
        capture_output=True,
        text=True,
        timeout=600,
    )
    return result.stdout.strip().splitlines()[-1]


def test_render_corpus_meets_floor(conformance_dir, tmp_path):
    summary = score_corpus(conformance_dir, tmp_path, "score.py")
    # "cases N: text A/N, tree B/N, full C/N"
    text = int(summary.split("text ")[1].split("/")[0])
    tree = int(summary.split("tree ")[1].split("/")[0])
    assert text >= TEXT_FLOOR, summary
    assert tree >= TREE_FLOOR, summary


def test_render_corpus_lays_out_like_fastn(conformance_dir, chromium, tmp_path):
    """In Chromium: every visible text run in order, its box within 2 px, same colour, size
    and weight as fastn's page (`chromium`: the tool starts its own; this one skips or fails
    the test as the suite does when Chromium is missing)."""
    summary = score_corpus(conformance_dir, tmp_path, "layout_parity.py")  # "layout N/M"
    assert int(summary.split()[1].split("/")[0]) >= LAYOUT_FLOOR, summary


@pytest.mark.timeout(1200)  # 74 pages, each twice (fastn's and ours), at two widths
def test_render_corpus_lays_out_like_fastn_running_its_runtime(conformance_dir, chromium, tmp_path):
    """fastn's page as fastn serves it (its runtime, Prism, its stylesheet) vs ours with ours:
    what the two show once both runtimes have drawn and highlighted."""
    cases = conformance_dir / "render" / "cases"
    subprocess.run(
        [sys.executable, "-m", "fastn.conformance", str(cases), str(tmp_path)],
        check=True,
        timeout=120,
    )
    result = subprocess.run(
        [sys.executable, "-m", "fastn.conformance.layout_live", str(cases), str(tmp_path)],
        check=True,
        capture_output=True,
        text=True,
        timeout=1100,
    )
    lines = result.stdout.strip().splitlines()
    scores = {
        line.split()[0]: int(line.split()[1].split("/")[0])
        for line in lines
        if line.startswith("layout-live")
    }
    failures = "\n".join(line for line in lines if line.startswith("FAIL"))
    for reading, floor in {**LIVE_LAYOUT_FLOOR, **LIVE_LAYOUT_NODES_FLOOR}.items():
        assert scores.get(reading, 0) >= floor, failures


def test_error_case_is_located_like_fastn(conformance_dir, tmp_path):
    from fastn.conformance import render_case

    cases = conformance_dir / "render" / "cases"
    kind, text = render_case(cases, "90-error")
    assert kind == "error"
    assert text == (cases / "90-error.error").read_text().strip()


def test_basic_page_observable_form(conformance_dir, observe, tmp_path):
    from fastn.conformance import render_case

    cases = conformance_dir / "render" / "cases"
    kind, page = render_case(cases, "01-basic")
    assert kind == "html"
    ours = tmp_path / "ours.html"
    ours.write_text(page)
    result = observe.compare(str(cases / "01-basic.html"), str(ours))
    assert result["pass"], result
