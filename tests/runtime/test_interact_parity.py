"""fastn's pages running fastn's own runtime and ours running fastn-py's, in Chromium: the same
clicks, hovers, typing and keys on both must leave the same visible page (the conformance
tool `interact_parity.py`, on fastn's whole render corpus).

Cases that still differ, and why: 32-ftd-len (fastn shows the word "undefined" for an unset
optional string appended to a list; fastn-py shows nothing) and 45-re-module (fastn-py refuses
a name defined twice, which fastn takes)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import fastn

# Raise these as the implementation improves; never lower them.
INTERACT_FLOOR = 23  # of the 24 cases where an interaction changes fastn's page
INTERACT_ALL_FLOOR = 72  # of the 74 HTML cases


@pytest.mark.timeout(1800)  # every corpus page, in two browsers, two at a time (~10 minutes)
def test_pages_behave_like_fastns_in_a_browser(conformance_dir: Path, chromium: object) -> None:
    """`chromium` only makes sure the browser is there (the tool starts its own)."""
    source = Path(fastn.__file__).resolve().parent.parent
    environment = {
        **os.environ,
        "FASTNPY_PYTHON": sys.executable,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(source), os.environ.get("PYTHONPATH")])),
    }
    result = subprocess.run(
        [
            sys.executable,
            str(conformance_dir / "tools" / "interact_parity.py"),
            str(conformance_dir / "render" / "cases"),
            "-j",
            "2",
        ],
        env=environment,
        capture_output=True,
        text=True,
        timeout=1700,
    )
    lines = result.stdout.strip().splitlines()
    scores = {
        line.split()[0]: int(line.split()[1].split("/")[0])
        for line in lines
        if line.startswith(("interact ", "interact-all "))
    }
    report = "\n".join(line for line in lines if line.startswith(("FAIL", "ERROR")))
    assert scores.get("interact", 0) >= INTERACT_FLOOR, report or result.stderr[-2000:]
    assert scores.get("interact-all", 0) >= INTERACT_ALL_FLOOR, report or result.stderr[-2000:]
