"""Real servers on loopback for the server tests: an upstream backend and fastn itself.

The upstream is an aiohttp low-level server (no router, so it sees every path exactly as it
arrived) running in a thread; fastn runs as a separate process (`fastn serve` or uvicorn),
so its memory can be read from /proc and it is exercised exactly as users run it.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import aiohttp
import pytest
from aiohttp import web
from multidict import CIMultiDictProxy
from yarl import URL

LOOPBACK = "127.0.0.1"
STARTUP_SECONDS = 20
NGINX = "/usr/sbin/nginx"  # Debian's nginx-light
T = TypeVar("T")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((LOOPBACK, 0))
        return sock.getsockname()[1]


def wait_for_port(
    port: int, process: subprocess.Popen | None = None, timeout: float = STARTUP_SECONDS
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}")
        try:
            with socket.create_connection((LOOPBACK, port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"nothing listening on {port} after {timeout}s")


# --------------------------------------------------------------------------- upstream


class Upstream:
    """A backend that reports what it received. Paths (after any prefix):

    `.../echo…` (and anything else): JSON of method, raw path, raw headers, body length+sha256
    `.../cookies`: two Set-Cookie headers   `.../redirect`: 302 + Set-Cookie
    `.../big?bytes=N`: N bytes streamed     `.../stall`: never answers
    `.../ws`: WebSocket echo                `.../1k`: 1 KB of text
    """

    def __init__(self) -> None:
        self.port = free_port()
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.runner: web.ServerRunner | None = None
        self.streams_ended: list[int] = []  # bytes each `big` response got out before it ended

    def start(self) -> Upstream:
        self.thread.start()
        asyncio.run_coroutine_threadsafe(self._start(), self.loop).result(10)
        return self

    async def _start(self) -> None:
        # handlers of closed connections are cancelled (a stalled one must not outlive its test)
        server = web.Server(self.handle, handler_cancellation=True)
        self.runner = web.ServerRunner(server, shutdown_timeout=1)
        await self.runner.setup()
        await web.TCPSite(self.runner, LOOPBACK, self.port).start()

    def stop(self) -> None:
        if self.runner is not None:
            asyncio.run_coroutine_threadsafe(self.runner.cleanup(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)

    async def handle(self, request: web.BaseRequest) -> web.StreamResponse:
        path = request.path
        if path.endswith("/ws"):
            return await self.websocket(request)
        if path.endswith("/cookies"):
            response = web.Response(text="cookies")
            response.headers.add("Set-Cookie", "csrftoken=abc; Path=/")
            response.headers.add("Set-Cookie", "sessionid=xyz; Path=/; HttpOnly")
            return response
        if path.endswith("/redirect"):
            response = web.Response(status=302, headers={"Location": "/login/?next=/private/"})
            response.headers.add("Set-Cookie", "visited=1; Path=/")
            return response
        if path.endswith("/big"):
            return await self.big(request, int(request.query["bytes"]))
        if path.endswith("/stall"):
            await asyncio.sleep(60)
        if path.endswith("/1k"):
            return web.Response(body=b"x" * 1024, content_type="text/plain")
        return await self.echo(request)

    async def echo(self, request: web.BaseRequest) -> web.Response:
        digest = hashlib.sha256()
        length = 0
        async for chunk in request.content.iter_any():
            digest.update(chunk)
            length += len(chunk)
        report = {
            "method": request.method,
            "raw_path": request.raw_path,
            "headers": [
                [name.decode("latin-1"), value.decode("latin-1")]
                for name, value in request.raw_headers
            ],
            "body_length": length,
            "body_sha256": digest.hexdigest(),
        }
        return web.json_response(report)

    async def big(self, request: web.BaseRequest, size: int) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "application/octet-stream"})
        await response.prepare(request)
        chunk = b"\0" * 65536
        remaining = size
        try:
            while remaining > 0:
                piece = chunk[: min(len(chunk), remaining)]
                await response.write(piece)
                remaining -= len(piece)
            await response.write_eof()
        finally:
            self.streams_ended.append(size - remaining)
        return response

    async def websocket(self, request: web.BaseRequest) -> web.WebSocketResponse:
        socket_ = web.WebSocketResponse(protocols=("chat",))
        await socket_.prepare(request)
        await socket_.send_str(f"hello {request.headers.get('X-Forwarded-For')}")
        async for message in socket_:
            if message.type == aiohttp.WSMsgType.TEXT:
                await socket_.send_str("echo:" + message.data)
            elif message.type == aiohttp.WSMsgType.BINARY:
                await socket_.send_bytes(b"echo:" + message.data)
        return socket_


@pytest.fixture(scope="session")
def upstream() -> Iterator[Upstream]:
    server = Upstream().start()
    yield server
    server.stop()


# --------------------------------------------------------------------------- fastn


@dataclass
class FastnProcess:
    """A running fastn server process and where it listens."""

    process: subprocess.Popen
    port: int
    log: Path

    @property
    def url(self) -> str:
        return f"http://{LOOPBACK}:{self.port}"

    def rss_bytes(self) -> int:
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
        raise RuntimeError("no VmRSS")

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)


def _server_environment(extra: dict[str, str]) -> dict[str, str]:
    environment = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith("FASTN_") and name not in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy")
    }
    environment.update(extra)
    return environment


SERVE_MODES = ("plain", "front")  # `fastn serve` alone, and with `--front nginx`
FRONT_ARGUMENTS = ("--production", "--front", "nginx")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """A test module with `BOTH_MODES = True` runs its `start_fastn` tests in both modes, so
    that the front keeps every promise of `fastn serve` alone."""
    if getattr(metafunc.module, "BOTH_MODES", False) and "start_fastn" in metafunc.fixturenames:
        metafunc.parametrize("serve_mode", SERVE_MODES, scope="module")


@pytest.fixture(scope="module")
def serve_mode() -> str:
    return "plain"


@pytest.fixture(scope="module")
def start_fastn(
    tmp_path_factory: pytest.TempPathFactory, serve_mode: str
) -> Iterator[Callable[..., FastnProcess]]:
    """Start `fastn serve` in a package folder; the URL is read from what it prints.

    Module-scoped so a module's tests can share one server; all are stopped at the module end.
    In the "front" mode (`serve_mode`), nginx is in front (`--production --front nginx`).
    """
    tmp_path = tmp_path_factory.mktemp("fastn-logs")
    started: list[FastnProcess] = []
    if serve_mode == "front" and not os.access(NGINX, os.X_OK):
        from conftest import missing

        missing(f"nginx not found at {NGINX}")

    def start(package: Path, *arguments: str, env: dict[str, str] | None = None) -> FastnProcess:
        log = tmp_path / f"fastn-{len(started)}.log"
        port = free_port()
        if serve_mode == "front":
            arguments = (*FRONT_ARGUMENTS, *(a for a in arguments if a != "--production"))
        with log.open("wb") as output:
            process = subprocess.Popen(
                [sys.executable, "-m", "fastn.cli", "serve", "--port", str(port), *arguments],
                cwd=package,
                env=_server_environment(env or {}),
                stdout=output,
                stderr=subprocess.STDOUT,
            )
        server = FastnProcess(process, 0, log)
        started.append(server)
        deadline = time.monotonic() + STARTUP_SECONDS
        while time.monotonic() < deadline and not server.port:
            if process.poll() is not None:
                raise RuntimeError(f"fastn serve exited:\n{server.output()}")
            for line in server.output().splitlines():
                if "http://" in line:
                    server.port = int(line.rsplit(":", 1)[1].strip("/"))
            time.sleep(0.05)
        wait_for_port(server.port, process)
        return server

    yield start
    for server in started:
        server.stop()


@pytest.fixture(scope="module")
def start_uvicorn(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Callable[..., FastnProcess]]:
    """Start the app the way a user's own deployment would: `uvicorn --factory …`."""
    tmp_path = tmp_path_factory.mktemp("uvicorn-logs")
    started: list[FastnProcess] = []

    def start(package: Path, *arguments: str, env: dict[str, str] | None = None) -> FastnProcess:
        log = tmp_path / f"uvicorn-{len(started)}.log"
        port = free_port()
        command = [
            sys.executable, "-m", "uvicorn", "--factory", "fastn.server.app:create_app",
            "--host", LOOPBACK, "--port", str(port), "--no-access-log", *arguments,
        ]  # fmt: skip
        with log.open("wb") as output:
            process = subprocess.Popen(
                command,
                cwd=package,
                env=_server_environment({"FASTN_PACKAGE_DIR": str(package), **(env or {})}),
                stdout=output,
                stderr=subprocess.STDOUT,
            )
        server = FastnProcess(process, port, log)
        started.append(server)
        wait_for_port(port, process)
        return server

    yield start
    for server in started:
        server.stop()


def run_fastn(package: Path, *arguments: str) -> subprocess.CompletedProcess:
    """A `fastn` command (`build`, `check`…) run to its end in the package folder."""
    return subprocess.run(
        [sys.executable, "-m", "fastn.cli", *arguments],
        cwd=package,
        capture_output=True,
        text=True,
        timeout=120,
    )


def write_package(root: Path, fastn_ftd: str, files: dict[str, str | bytes] | None = None) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "FASTN.ftd").write_text(fastn_ftd)
    for name, content in (files or {}).items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content)
    return root


@pytest.fixture(scope="module")
def package_folder(tmp_path_factory: pytest.TempPathFactory) -> Callable[..., Path]:
    """Write a package: `package_folder(FASTN_ftd_text, {"index.ftd": "...", ...})`."""

    def make(fastn_ftd: str, files: dict[str, str | bytes] | None = None) -> Path:
        return write_package(tmp_path_factory.mktemp("package"), fastn_ftd, files)

    return make


# --------------------------------------------------------------------------- client


@dataclass
class Reply:
    status: int
    headers: CIMultiDictProxy[str]
    body: bytes
    raw_headers: list[tuple[bytes, bytes]] = field(default_factory=list)

    def json(self) -> dict:
        return json.loads(self.body)

    def upstream_header(self, name: str) -> list[str]:
        """Values of a header as the upstream echo saw it (every occurrence)."""
        return [value for key, value in self.json()["headers"] if key.lower() == name.lower()]


async def fetch_async(
    url: str,
    method: str = "GET",
    headers: list[tuple[str, str]] | None = None,
    data: bytes | None = None,
) -> Reply:
    async with (
        aiohttp.ClientSession(  # what the test sends, no more: compression only when asked
            auto_decompress=False,
            cookie_jar=aiohttp.DummyCookieJar(),
            skip_auto_headers=("Accept-Encoding",),
        ) as session,
        session.request(
            method, URL(url, encoded=True), headers=headers, data=data, allow_redirects=False
        ) as response,
    ):
        body = await response.read()
        return Reply(response.status, response.headers, body, list(response.raw_headers))


def run_async(coroutine: Coroutine[Any, Any, T]) -> T:
    """`asyncio.run` in a thread of its own.

    Playwright's sync API (the browser tests) keeps an event loop running in the main thread
    once a browser was started, and `asyncio.run` refuses to start there.
    """
    with ThreadPoolExecutor(1) as worker:
        return worker.submit(asyncio.run, coroutine).result()


def _fetch(
    url: str,
    method: str = "GET",
    headers: list[tuple[str, str]] | None = None,
    data: bytes | None = None,
) -> Reply:
    return run_async(fetch_async(url, method, headers, data))


@pytest.fixture
def fetch() -> Callable[..., Reply]:
    """`fetch(url, method, headers, data)`: one request, the path sent exactly as written."""
    return _fetch
