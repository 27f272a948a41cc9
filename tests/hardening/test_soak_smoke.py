"""`bench/soak.py` runs: two seconds of mixed traffic, zero errors, memory stable."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

SOAK = Path(__file__).resolve().parents[2] / "bench" / "soak.py"


@pytest.mark.timeout(180)
@pytest.mark.parametrize("client", ["wrk", "aiohttp"])
def test_soak_runs_clean_for_two_seconds(client: str) -> None:
    if client == "wrk" and shutil.which("wrk") is None:
        pytest.skip("wrk is not installed (apt-get install -y wrk)")
    finished = subprocess.run(
        [sys.executable, str(SOAK), "--duration", "2", "--connections", "16", "--client", client],
        capture_output=True,
        text=True,
        timeout=150,
    )
    assert finished.returncode == 0, finished.stdout + finished.stderr
    assert "errors: 0 " in finished.stdout
    assert "result: PASS" in finished.stdout
