"""`fastn build` of the Django example: a static site with the data of build time."""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from django_stack import Stack, copy_frontend, demo, log_in
from playwright.sync_api import Page, expect

from servers import LOOPBACK, free_port, wait_for_port


@pytest.fixture
def built_site(stack: Stack, tmp_path: Path) -> Path:
    package = copy_frontend(tmp_path / "frontend")
    result = subprocess.run(
        [sys.executable, "-m", "fastn.cli", "build"],
        cwd=package,
        env=stack.environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return package / ".build"


@pytest.fixture
def static_host(built_site: Path) -> Iterator[str]:
    """The built folder served as a static host would: files only, no fastn, no Django."""
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "http.server", str(port), "--bind", LOOPBACK],
        cwd=built_site,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        wait_for_port(port, server)
        yield f"http://{LOOPBACK}:{port}"
    finally:
        demo.stop(server)


def test_static_build_shows_the_data_of_build_time(
    page: Page, stack: Stack, built_site: Path, static_host: str
) -> None:
    for route in ("index.html", "mine/index.html", "add/index.html"):
        assert (built_site / route).is_file(), route
    assert not (built_site / "_layout").exists()  # a module of components is not a page
    assert "Put fastn in front of Django" in (built_site / "index.html").read_text()

    later = f"Added after the build {uuid.uuid4().hex[:8]}"
    log_in(page, stack, "/mine/")
    answer = page.request.post(
        f"{stack.fastn_url}/api/todos/",
        data=json.dumps({"title": later}),
        headers={"Content-Type": "application/json", "Origin": stack.fastn_url},
    )
    assert answer.json() == {"redirect": "/mine/"}

    page.goto(f"{static_host}/")
    expect(page.get_by_text("Put fastn in front of Django")).to_be_visible()
    expect(page.get_by_text(later)).to_have_count(0)  # a snapshot: built before it existed
    page.goto(f"{stack.fastn_url}/")
    expect(page.get_by_text(later)).to_be_visible()  # fastn serve reads the database live
