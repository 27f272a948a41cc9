"""Helpers for the Django tests: the demo's own start-up code, the running stack, logging in.

The servers are started as `examples/django-todo/run.py` starts them (its functions are
reused), so the one-command demo and the tests cannot drift apart.
"""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING

from servers import STARTUP_SECONDS, free_port, wait_for_port

if TYPE_CHECKING:
    from playwright.sync_api import Page

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "django-todo"


def load_demo() -> ModuleType:
    """`examples/django-todo/run.py`, the demo starter."""
    spec = importlib.util.spec_from_file_location("django_todo_demo", EXAMPLE / "run.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


demo = load_demo()
USERNAME, PASSWORD = demo.DEMO_LOGIN


@dataclass
class Stack:
    """Django and fastn running on one database."""

    database_url: str
    django_url: str
    fastn_url: str
    frontend: Path  # the fastn package (a copy of the example's)
    environment: dict[str, str]  # what both servers were started with
    logs: Path

    def log(self) -> str:
        """The end of each server's output, for assertion messages."""
        return "\n".join(
            f"--- {file.name}\n{file.read_text(errors='replace')[-4000:]}"
            for file in sorted(self.logs.glob("*.log"))
        )


def copy_frontend(destination: Path) -> Path:
    """The example's fastn package, without a `.env` or `.build` a developer may have left."""
    shutil.copytree(
        EXAMPLE / "frontend", destination, ignore=shutil.ignore_patterns(".env", ".build")
    )
    return destination


def server_environment(base: dict[str, str]) -> dict[str, str]:
    """`base` without the machine's other FASTN_* settings and HTTP proxy variables."""
    return {
        name: value
        for name, value in base.items()
        if (name == "FASTN_DB_URL" or not name.startswith("FASTN_"))
        and name.lower() not in ("http_proxy", "https_proxy", "all_proxy")
    }


def start_fastn_serve(
    package: Path, environment: dict[str, str], log: Path
) -> tuple[subprocess.Popen, str]:
    """`fastn serve` on a free loopback port; the URL is the one it prints."""
    with log.open("wb") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "fastn.cli", "serve", "--port", str(free_port())],
            cwd=package,
            env=environment,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # stopped with its process group, like the demo's servers
        )
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"fastn serve exited:\n{log.read_text()}")
        for line in log.read_text(errors="replace").splitlines():
            if "http://" in line:
                url = line[line.index("http://") :].strip().rstrip("/")
                wait_for_port(int(url.rsplit(":", 1)[1]), process)
                return process, url
        time.sleep(0.05)
    demo.stop(process)
    raise TimeoutError(f"fastn serve printed no URL:\n{log.read_text()}")


def log_in(page: Page, stack: Stack, next_path: str = "/mine/") -> None:
    """Log in with Django's login form, reached through fastn, and land on `next_path`."""
    page.goto(f"{stack.fastn_url}/accounts/login/?next={next_path}")
    page.fill("input[name=username]", USERNAME)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{stack.fastn_url}{next_path}")
