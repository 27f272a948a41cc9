"""`fastn serve`: the package's app under uvicorn (uvloop + httptools) on the first free port."""

from __future__ import annotations

import asyncio
import errno
import os
import shutil
import socket
import sys
import tempfile
from pathlib import Path
from types import FrameType
from typing import Any

import uvicorn
from uvicorn.supervisors import Multiprocess

from fastn.package.config import load_package
from fastn.server.app import PACKAGE_DIR_VARIABLE, AppOptions
from fastn.server.devtools import end_event_streams
from fastn.server.protocol import GuardedHttpToolsProtocol

DEFAULT_PORT = 8000
PORT_SEARCH_SPAN = 1000  # fastn looks from 8000 up to 9000


class PortTaken(OSError):
    """The port asked for with `--port` is in use."""


class FrontError(Exception):
    """`--front nginx` cannot run (nginx missing, its configuration refused) or stopped."""


def bind_port(host: str, port: int | None) -> socket.socket:
    """A listening socket: on `port` exactly when one is asked for, else on 8000 or the next
    free port above it (as fastn does)."""
    if port is not None:
        sock = _try_bind(host, port)
        if sock is None:
            raise PortTaken(errno.EADDRINUSE, f"port {port} on {host} is already in use")
        return sock
    for candidate in range(DEFAULT_PORT, DEFAULT_PORT + PORT_SEARCH_SPAN):
        sock = _try_bind(host, candidate)
        if sock is not None:
            return sock
    raise OSError(
        errno.EADDRINUSE, f"no free port in {DEFAULT_PORT}..{DEFAULT_PORT + PORT_SEARCH_SPAN - 1}"
    )


def _try_bind(host: str, port: int) -> socket.socket | None:
    """A listening socket on `port`, or None when the port is taken."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as error:
        sock.close()
        if error.errno == errno.EADDRINUSE:
            return None
        raise
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def serve(
    package_dir: Path,
    host: str = "127.0.0.1",
    port: int | None = None,
    workers: int = 1,
    front: str | None = None,
) -> None:
    """Check the package, bind, print the URL, then serve until interrupted.

    Workers find the package through `FASTN_PACKAGE_DIR` and build their own app with the
    factory, exactly as under a user's own `uvicorn --factory` or gunicorn; the mode and the
    ops endpoints come from the environment too (`AppOptions`). With `front="nginx"`, nginx
    listens and fastn-py's workers serve it on a Unix socket (`fastn.front`).
    """
    package = load_package(package_dir)  # report FASTN.ftd/.env problems before binding
    for dependency in package.missing_dependencies():
        print(
            f"fastn: warning: dependency {dependency.name} not found in {dependency.folder}",
            file=sys.stderr,
        )
    os.environ[PACKAGE_DIR_VARIABLE] = str(package.root)
    if front:
        from fastn.front import serve_behind_nginx  # the front's own module: only with it

        serve_behind_nginx(package, host, port, workers)
        return
    sock = bind_port(host, port)
    bound_port = sock.getsockname()[1]
    announce(package.name, host, port, bound_port)
    run_workers(sock, workers)


def announce(name: str, host: str, port: int | None, bound_port: int) -> None:
    """The line saying where the package is served (tests and users read the URL from it)."""
    if port is None and bound_port != DEFAULT_PORT:
        print(f"fastn: port {DEFAULT_PORT} is in use, serving on {bound_port}", file=sys.stderr)
    shown_host = f"[{host}]" if ":" in host else host
    print(f"fastn: serving {name} on http://{shown_host}:{bound_port}/", flush=True)
    if AppOptions.from_env().development:
        print("fastn: development mode: pages reload when the package changes", flush=True)


def run_workers(sock: socket.socket, workers: int) -> None:
    """uvicorn's workers on the listening socket `sock`, until interrupted."""
    options = AppOptions.from_env()
    metrics_folder = None
    if options.ops and workers > 1:
        from fastn.server.metrics import MULTIPROCESS_VARIABLE  # prometheus_client: with --ops

        if not os.environ.get(MULTIPROCESS_VARIABLE):
            metrics_folder = tempfile.mkdtemp(prefix="fastn-metrics-")  # summed over the workers
            os.environ[MULTIPROCESS_VARIABLE] = metrics_folder
    config = uvicorn.Config(
        "fastn.server.app:create_app",
        factory=True,
        workers=workers,
        loop="uvloop",
        http=GuardedHttpToolsProtocol,  # httptools, with limits on request heads
        ws=websocket_protocol,  # type: ignore[arg-type]  # a factory is all uvicorn needs
        lifespan="on",
        access_log=False,  # fastn's own access log has status, bytes and time
        proxy_headers=False,  # forwarded headers are the proxy's business (FASTN_TRUSTED_PROXIES)
        server_header=False,
        log_level="warning",
    )
    server = _Server(config)
    try:
        if workers > 1:
            Multiprocess(config, sockets=[sock]).run()
        else:
            server.run(sockets=[sock])
    finally:
        if metrics_folder is not None:
            shutil.rmtree(metrics_folder, ignore_errors=True)


def websocket_protocol(**kwargs: Any) -> asyncio.Protocol:
    """uvicorn's WebSocket protocol ("auto"), imported at the first upgrade: the websockets
    library costs start-up time that most sites never need back."""
    from uvicorn.protocols.websockets.auto import AutoWebSocketsProtocol

    assert AutoWebSocketsProtocol is not None  # websockets comes with uvicorn[standard]
    return AutoWebSocketsProtocol(**kwargs)


class _Server(uvicorn.Server):
    """uvicorn waits for open responses before it stops; live-reload streams never end by
    themselves, so they are ended as soon as the server is asked to stop."""

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        end_event_streams()
        super().handle_exit(sig, frame)
