"""Shared fixtures: the conformance corpus, real servers (`servers.py`), Chromium, PostgreSQL.

Real parts that a machine may lack (the corpus, Chromium, PostgreSQL) are skipped outside CI
and fail the run under `CI=true`, where `scripts/test` has installed or started them.
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

REPO = Path(__file__).resolve().parent.parent
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
CHROMIUM = os.environ.get("FASTN_CHROMIUM", "/usr/bin/chromium")
POSTGRES_URL = os.environ.get("FASTN_TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/test")

pytest_plugins = ["servers"]


def missing(what: str, provided_by: str = "scripts/test installs or starts it") -> None:
    """Skip, or fail under CI: a real part the suite needs is not there."""
    if IN_CI:
        pytest.fail(f"{what} (CI must provide it: {provided_by})")
    pytest.skip(what)


def conformance_path() -> Path:
    """Where the shared conformance corpus is looked for: $FASTN_CONFORMANCE_DIR, else
    ../shared/conformance next to the repository."""
    configured = os.environ.get("FASTN_CONFORMANCE_DIR")
    return Path(configured) if configured else REPO.parent / "shared" / "conformance"


@pytest.fixture(scope="session")
def conformance_dir() -> Path:
    path = conformance_path()
    if not path.is_dir():
        missing(
            "fastn's conformance corpus (ftd documents with the pages fastn rendered from them) "
            f"is not at {path}",
            "set FASTN_CONFORMANCE_DIR to its folder, or place it at ../shared/conformance",
        )
    return path


@pytest.fixture(scope="session")
def realworld_dir() -> Path:
    """The shared corpus of real fastn packages and the pages fastn built from them:
    $FASTN_REALWORLD_DIR, else ../shared/realworld next to the repository."""
    configured = os.environ.get("FASTN_REALWORLD_DIR")
    path = Path(configured) if configured else REPO.parent / "shared" / "realworld"
    if not (path / "score.py").is_file():
        missing(
            f"the corpus of real fastn packages is not at {path}",
            "set FASTN_REALWORLD_DIR to its folder, or place it at ../shared/realworld",
        )
    return path


@pytest.fixture(scope="session")
def realworld_packages(realworld_dir: Path) -> Path:
    """The real packages of the shared corpus, each with its dependencies in `.packages/`."""
    return realworld_dir / "packages"


@pytest.fixture(scope="session")
def observe(conformance_dir: Path) -> ModuleType:
    """The conformance comparison tool, so "same as fastn" means what the scorer means."""
    spec = importlib.util.spec_from_file_location(
        "observe", conformance_dir / "tools" / "observe.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def chromium() -> Iterator[Browser]:
    """Debian's headless Chromium driven by Playwright (no browser download, loopback only)."""
    if not os.access(CHROMIUM, os.X_OK):
        missing(f"Chromium not found at {CHROMIUM}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(chromium: Browser) -> Iterator[Page]:
    """A fresh browser context and tab per test (no cookies or storage carried over)."""
    context = chromium.new_context()
    tab = context.new_page()
    yield tab
    context.close()


@pytest.fixture(scope="session")
def postgres_url() -> str:
    """The machine's PostgreSQL (127.0.0.1:5432, user postgres, database test)."""
    import psycopg

    try:
        psycopg.connect(POSTGRES_URL, connect_timeout=3).close()
    except psycopg.OperationalError as error:
        missing(f"PostgreSQL not reachable at {POSTGRES_URL}: {error}")
    return POSTGRES_URL
