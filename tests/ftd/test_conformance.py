"""fastn's own render corpus: our pages must show the same text (and mostly the same tree)."""

from __future__ import annotations

import subprocess
import sys

# Raise these as the implementation improves; never lower them.
TEXT_FLOOR = 78
TREE_FLOOR = 73


def test_render_corpus_meets_floor(conformance_dir, tmp_path):
    cases = conformance_dir / "render" / "cases"
    subprocess.run(
        [sys.executable, "-m", "fastn.conformance", str(cases), str(tmp_path)],
        check=True,
        timeout=120,
    )
    result = subprocess.run(
        [sys.executable, str(conformance_dir / "tools" / "score.py"), str(cases), str(tmp_path)],
        check=True,
        capture_output=True,
        text=True,
        timeout=120,
    )
    summary = result.stdout.strip().splitlines()[-1]  # "cases N: text A/N, tree B/N, full C/N"
    text = int(summary.split("text ")[1].split("/")[0])
    tree = int(summary.split("tree ")[1].split("/")[0])
    assert text >= TEXT_FLOOR, result.stdout
    assert tree >= TREE_FLOOR, result.stdout


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
