"""Smoke test of `bench/`: each script runs with tiny loads and prints its table.

Only that the scripts work is checked (they start and stop their servers, and the table has a
row per measurement and a verdict per target); the numbers themselves are not asserted.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import missing

BENCH = Path(__file__).resolve().parents[2] / "bench"
NUMBER = re.compile(r"\d")

# script -> (tools it needs, [(table title, rows the table must have)])
SCRIPTS = {
    "proxy.py": (("wrk", "nginx"), [("### Proxy:", 6), ("### Proxy floor", 5)]),
    "pages.py": (("wrk",), [("### Pages", 2)]),
    "build.py": ((), [("### Build", 2)]),
    "memory.py": ((), [("### Memory", 4)]),
    "startup.py": ((), [("### Start-up", 3)]),
    "page_limits.py": ((), [("### Page limits: other", 2), ("### Page limits: a", 2)]),
}


def run_script(*arguments: str) -> str:
    finished = subprocess.run(
        [sys.executable, *arguments, "--quick", "--duration", "1"],
        cwd=BENCH.parent,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert finished.returncode == 0, finished.stdout + finished.stderr
    return finished.stdout


def table_rows(output: str, title: str) -> list[str]:
    """The data rows of the markdown table under `title`."""
    assert title in output, output
    section = output.split(title, 1)[1].split("\n### ", 1)[0]
    lines = [line for line in section.splitlines() if line.startswith("|")]
    return lines[2:]  # after the header and the |---| line


def require_tools(tools: tuple[str, ...]) -> None:
    for tool in tools:
        if shutil.which(tool) is None and shutil.which(tool, path="/usr/sbin:/sbin") is None:
            missing(f"{tool} is not installed (apt-get install -y wrk nginx-light)")


@pytest.mark.timeout(300)
@pytest.mark.parametrize("script", sorted(SCRIPTS))
def test_script_prints_its_table(script: str) -> None:
    tools, tables = SCRIPTS[script]
    require_tools(tools)
    output = run_script(str(BENCH / script))
    assert output.startswith("Machine: "), output
    for title, row_count in tables:
        rows = table_rows(output, title)
        assert len(rows) >= row_count, output
        for row in rows:
            assert NUMBER.search(row), row
    assert "(target " in output, output


@pytest.mark.timeout(300)
def test_run_all_prints_the_tables_it_ran() -> None:
    output = run_script(str(BENCH / "run_all.py"), "--only", "build")
    assert table_rows(output, "### Build"), output
    assert "### Proxy" not in output and "### Start-up" not in output, output
