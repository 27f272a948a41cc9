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

PORT_SEARCH_SPAN = 1000  # fastn looks from 8000 up to 9000


def bind_first_free(host: str, port: int) -> socket.socket:
    """A listening socket on `port`, or the next free one above it (as fastn does)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    for candidate in range(port, port + PORT_SEARCH_SPAN):
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, candidate))
        except OSError as error:
            sock.close()
            if error.errno == errno.EADDRINUSE:
                continue
            raise
        sock.listen(2048)
        sock.set_inheritable(True)
        return sock
    raise OSError(errno.EADDRINUSE, f"no free port in {port}..{port + PORT_SEARCH_SPAN - 1}")


def serve(package_dir: Path, host: str = "127.0.0.1", port: int = 8000, workers: int = 1) -> None:
    """Check the package, bind, print the URL, then serve until interrupted.

    Workers find the package through `FASTN_PACKAGE_DIR` and build their own app with the
    factory, exactly as under a user's own `uvicorn --factory` or gunicorn; the mode and the
    ops endpoints come from the environment too (`AppOptions`).
    """
    package = load_package(package_dir)  # report FASTN.ftd/.env problems before binding
    for dependency in package.missing_dependencies():
        print(
            f"fastn: warning: dependency {dependency.name} not found in {dependency.folder}",
            file=sys.stderr,
        )
    os.environ[PACKAGE_DIR_VARIABLE] = str(package.root)
    sock = bind_first_free(host, port)
    bound_port = sock.getsockname()[1]
    shown_host = f"[{host}]" if ":" in host else host
    print(f"fastn: serving {package.name} on http://{shown_host}:{bound_port}/", flush=True)
    options = AppOptions.from_env()
    if options.development:
        print("fastn: development mode: pages reload when the package changes", flush=True)
    metrics_folder = None
    if options.ops and workers > 1:
        from fastn.server.metrics import MULTIPROCESS_VARIABLE  # prometheus_client: with --ops

        if not os.environ.get(MULTIPROCESS_VARIABLE):
            metrics_folder = tempfile.mkdtemp(prefix="fastn-metrics-")  # summed over the workers
            os.environ[MULTIPROCESS_VARIABLE] = metrics_folder
    config = uvicorn.Config(
        "fastn.server.app:create_app",
        factory=True,
        host=host,
        port=bound_port,
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
