"""Shared fixtures: where the conformance corpus lives, and CI strictness."""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path
from types import ModuleType

import pytest

REPO = Path(__file__).resolve().parent.parent
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def conformance_root() -> Path | None:
    """The shared conformance corpus: $FASTN_CONFORMANCE_DIR or ../shared/conformance."""
    configured = os.environ.get("FASTN_CONFORMANCE_DIR")
    path = Path(configured) if configured else REPO.parent / "shared" / "conformance"
    return path if path.is_dir() else None


@pytest.fixture(scope="session")
def conformance_dir() -> Path:
    path = conformance_root()
    if path is None:
        if IN_CI:
            pytest.fail("conformance corpus not found (set FASTN_CONFORMANCE_DIR)")
        pytest.skip("conformance corpus not found")
    return path


@pytest.fixture(scope="session")
def observe(conformance_dir: Path) -> ModuleType:
    """The conformance comparison tool, so "same as fastn" means what the scorer means."""
    spec = importlib.util.spec_from_file_location("observe", conformance_dir / "tools" / "observe.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
