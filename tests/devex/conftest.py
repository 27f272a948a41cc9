"""Fixtures of the developer-experience tests: a restartable backend, a real nginx."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from devex_support import NGINX, Backend, Nginx


@pytest.fixture
def backend() -> Iterator[Backend]:
    server = Backend()
    yield server
    server.close()


@pytest.fixture
def nginx(tmp_path: Path) -> Iterator[Callable[[Path], Nginx]]:
    if shutil.which(NGINX) is None:
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(f"nginx not found at {NGINX} (scripts/test installs it)")
        pytest.skip(f"nginx not found at {NGINX}")
    started: list[Nginx] = []

    def make(conf: Path) -> Nginx:
        server = Nginx(tmp_path / f"nginx-{len(started)}", conf)
        started.append(server)
        return server

    yield make
    for server in started:
        server.stop()
