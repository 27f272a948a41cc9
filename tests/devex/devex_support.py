"""Helpers of the developer-experience tests: the `fastn` command, a backend that can be
stopped and started again on its port, nginx, and waiting for something to become true."""

from __future__ import annotations

import asyncio
import os
import pty
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path

from aiohttp import web

from servers import LOOPBACK, NGINX, STARTUP_SECONDS, free_port, wait_for_port


def fastn(*arguments: str, cwd: Path, env: dict[str, str] | None = None):
    """Run the `fastn` command to completion (`env`: extra environment variables)."""
    return subprocess.run(
        [sys.executable, "-m", "fastn.cli", *arguments],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **(env or {})},
    )


def get(url: str, method: str = "GET", data: bytes | None = None) -> tuple[int, dict, bytes]:
    """A plain blocking request (safe next to Playwright's sync API), redirects not followed."""

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):  # type: ignore[no-untyped-def]
            return None

    opener = urllib.request.build_opener(NoRedirect)
    request = urllib.request.Request(url, method=method, data=data)
    try:
        with opener.open(request, timeout=30) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def eventually(check: Callable[[], object], what: str, timeout: float = STARTUP_SECONDS):
    """Poll `check` until it returns something true (file watching is asynchronous)."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"not after {timeout}s: {what}")
        time.sleep(0.1)


class Backend:
    """An HTML backend answering every path with `<h1>{text}</h1>` (and `filler` bytes more,
    making a page too large to reach fastn in one piece), restartable on its port."""

    def __init__(self) -> None:
        self.port = free_port()
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.runner: web.ServerRunner | None = None

    @property
    def url(self) -> str:
        return f"http://{LOOPBACK}:{self.port}"

    def start(self, text: str, filler: int = 0) -> None:
        padding = "<p hidden>" + "x" * filler + "</p>" if filler else ""

        async def handle(request: web.BaseRequest) -> web.Response:
            body = (
                "<!DOCTYPE html><html><head><title>Backend</title></head>"
                f"<body><h1>{text}</h1>{padding}</body></html>"
            )
            return web.Response(text=body, content_type="text/html")

        async def run() -> None:
            self.runner = web.ServerRunner(web.Server(handle), shutdown_timeout=1)
            await self.runner.setup()
            await web.TCPSite(self.runner, LOOPBACK, self.port, reuse_address=True).start()

        asyncio.run_coroutine_threadsafe(run(), self.loop).result(10)
        wait_for_port(self.port)

    def stop(self) -> None:
        if self.runner is not None:
            asyncio.run_coroutine_threadsafe(self.runner.cleanup(), self.loop).result(10)
            self.runner = None

    def close(self) -> None:
        self.stop()
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)


class Nginx:
    """A real nginx serving one generated configuration, in the foreground, as this user."""

    def __init__(self, folder: Path, conf: Path) -> None:
        self.folder = folder
        for temp in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
            (folder / temp).mkdir(parents=True, exist_ok=True)
        self.main = folder / "nginx.conf"
        self.main.write_text(
            f"""daemon off;
master_process off;
worker_processes 1;
error_log {folder}/error.log warn;
pid {folder}/nginx.pid;
events {{ worker_connections 256; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log off;
    client_body_temp_path {folder}/body;
    proxy_temp_path {folder}/proxy;
    fastcgi_temp_path {folder}/fastcgi;
    uwsgi_temp_path {folder}/uwsgi;
    scgi_temp_path {folder}/scgi;
    include {conf};
}}
"""
        )
        self.process: subprocess.Popen | None = None

    def test_config(self) -> subprocess.CompletedProcess:
        return subprocess.run(
            [NGINX, "-t", "-p", str(self.folder), "-c", str(self.main)],
            capture_output=True,
            text=True,
            timeout=30,
        )

    def start(self, port: int) -> None:
        self.process = subprocess.Popen(
            [NGINX, "-p", str(self.folder), "-c", str(self.main)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for_port(port, self.process)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)


class Terminal:
    """A command whose stdin, stdout and stderr are a pseudo-terminal, its output collected."""

    def __init__(self, arguments: list[str], cwd: Path, env: dict[str, str] | None = None):
        master, slave = pty.openpty()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "fastn.cli", *arguments],
            cwd=cwd,
            stdin=slave,
            stdout=slave,
            stderr=slave,
            env={**os.environ, "COLUMNS": "100", **(env or {})},
        )
        os.close(slave)
        self.master = master
        self.chunks: list[bytes] = []
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        while True:
            try:
                data = os.read(self.master, 65536)
            except OSError:  # EIO: the other side is closed
                break
            if not data:
                break
            self.chunks.append(data)

    def output(self) -> str:
        return b"".join(self.chunks).decode(errors="replace")

    def wait(self) -> int:
        code = self.process.wait(120)
        self.reader.join(10)
        os.close(self.master)
        return code

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
        self.wait()
