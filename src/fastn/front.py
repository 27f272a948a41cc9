"""`fastn serve --production --front nginx`: nginx carries the proxy and static files,
fastn-py renders the pages.

fastn serve writes an nginx configuration for the package (`fastn.nginx`, dynamic mode) into a
private runtime folder with its own pid file, logs and temp paths, and starts Debian's nginx
as its child (`daemon off`, no root needed above port 1024) listening on `--bind`/`--port`.
fastn-py's workers listen on a Unix socket in the same folder. Ctrl-C or SIGTERM stops both;
if nginx dies, fastn serve stops and exits non-zero, saying why.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
from pathlib import Path
from types import FrameType

from fastn.nginx import ERROR_STATUSES, FastnBehind, nginx_config
from fastn.package.config import Package
from fastn.server.app import AppOptions
from fastn.server.errors import ErrorPages
from fastn.server.pages import Pages
from fastn.server.proxy import UPSTREAM_FAILURE_DETAIL
from fastn.server.serve import FrontError, announce, bind_port, run_workers

NGINX_VARIABLE = "FASTN_NGINX"  # the nginx binary, when not /usr/sbin/nginx or on PATH
FRONTS = ("nginx",)
_TEMP_PATHS = ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
_STOP_SECONDS = 10


def find_nginx() -> str:
    """The nginx binary, or a FrontError naming the Debian package that has it."""
    configured = os.environ.get(NGINX_VARIABLE)
    found = configured or shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/sbin")
    if not found or not os.access(found, os.X_OK):
        raise FrontError(
            f"nginx not found{f' at {configured}' if configured else ''}: --front nginx needs "
            "it (Debian/Ubuntu: apt install nginx-light; or set FASTN_NGINX to its path)"
        )
    return found


def render_error_pages(package: Package, folder: Path) -> Path:
    """The package's pages for the statuses nginx answers itself (`404.ftd`, `502.ftd`,
    `5xx.ftd`…, else fastn's plain ones), rendered as fastn-py would send them."""
    folder.mkdir(parents=True, exist_ok=True)
    errors = ErrorPages(Pages(package), development=False)

    async def render(status: int) -> bytes:
        body: list[bytes] = []

        async def capture(message: dict) -> None:
            body.append(message.get("body", b""))

        scope = {"type": "http", "method": "GET", "path": "/", "query_string": b"", "headers": []}
        await errors.send(scope, capture, status, UPSTREAM_FAILURE_DETAIL.get(status, ""))
        return b"".join(body)

    async def render_all() -> None:
        for status in ERROR_STATUSES:
            (folder / f"{status}.html").write_bytes(await render(status))

    asyncio.run(render_all())
    return folder


def main_config(runtime: Path, site: Path, workers: int) -> str:
    """nginx's main configuration: everything it writes stays in `runtime`."""
    lines = [
        "daemon off;",
        "pcre_jit on;  # the routing and forwarding maps are regular expressions",
        f"worker_processes {workers};",
        f"pid {runtime}/nginx.pid;",
        f"error_log {runtime}/error.log warn;",
        "events { worker_connections 4096; }",
        "http {",
        "    access_log off;",
        "    server_tokens off;",
        "    sendfile on;",
        "    tcp_nopush on;",
        "    keepalive_timeout 65s;",
        *(f"    {name}_temp_path {runtime}/{name};" for name in _TEMP_PATHS),
        f"    include {site};",
        "}",
    ]
    if os.geteuid() == 0:  # nginx would run its workers as nobody: keep fastn serve's user
        lines.insert(0, f"user {pwd.getpwuid(os.geteuid()).pw_name};")
    return "\n".join(lines) + "\n"


def write_front(package: Package, runtime: Path, listen: str, workers: int) -> tuple[Path, str]:
    """The runtime folder's files: error pages, site and main configuration; the main
    configuration's path and the Unix socket address fastn-py listens on."""
    for name in _TEMP_PATHS:
        (runtime / name).mkdir()
    fastn = FastnBehind(
        f"unix:{runtime}/fastn.sock", render_error_pages(package, runtime / "errors")
    )
    site = runtime / "site.conf"
    site.write_text(nginx_config(package, listen=listen, fastn=fastn), encoding="utf-8")
    main = runtime / "nginx.conf"
    main.write_text(main_config(runtime, site, workers), encoding="utf-8")
    return main, fastn.address.removeprefix("unix:")


def serve_behind_nginx(package: Package, host: str, port: int | None, workers: int) -> None:
    """Run nginx and fastn-py's workers until interrupted; FrontError if nginx fails."""
    if AppOptions.from_env().development:
        raise FrontError("--front nginx needs --production (live reload runs without it)")
    nginx = find_nginx()
    probe = bind_port(host, port)  # the port is checked (and found) as without the front
    bound_port = probe.getsockname()[1]
    probe.close()
    runtime = Path(tempfile.mkdtemp(prefix="fastn-front-"))
    try:
        listen = f"[{host}]:{bound_port}" if ":" in host else f"{host}:{bound_port}"
        main, socket_path = write_front(package, runtime, listen, workers)
        workers_socket = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        workers_socket.bind(socket_path)
        workers_socket.listen(2048)
        workers_socket.set_inheritable(True)
        process = subprocess.Popen(
            [nginx, "-p", str(runtime), "-e", f"{runtime}/error.log", "-c", str(main)],
            stdin=subprocess.DEVNULL,
            start_new_session=True,  # stopped by fastn serve, not by the terminal's Ctrl-C
        )
        watcher = _Watcher(process, runtime / "error.log")
        announce(package.name, host, port, bound_port)
        print(f"fastn: nginx in front (pid {process.pid}), fastn-py on {socket_path}", flush=True)
        # uvicorn stops gracefully on SIGTERM, then raises it again: caught here, so that
        # nginx is stopped and the folder removed before fastn serve ends as it would alone
        previous = signal.signal(signal.SIGTERM, _terminated)
        terminated = False
        try:
            run_workers(workers_socket, workers)
        except _Terminated:
            terminated = True
        finally:
            watcher.stop()
            signal.signal(signal.SIGTERM, previous)
        if watcher.failure:
            raise FrontError(watcher.failure)
    finally:
        shutil.rmtree(runtime, ignore_errors=True)
    if terminated:
        signal.raise_signal(signal.SIGTERM)


class _Terminated(Exception):
    """SIGTERM arrived (again, from uvicorn, once it has stopped)."""


def _terminated(signum: int, frame: FrameType | None) -> None:
    raise _Terminated


class _Watcher:
    """Waits for nginx: if it exits while fastn serve runs, stops fastn serve (SIGTERM to
    itself, as from outside) and keeps the reason."""

    def __init__(self, process: subprocess.Popen, error_log: Path) -> None:
        self.process = process
        self.error_log = error_log
        self.stopping = False
        self.failure = ""
        threading.Thread(target=self.wait, name="nginx-watcher", daemon=True).start()

    def wait(self) -> None:
        status = self.process.wait()
        if self.stopping:
            return
        last = [line for line in _tail(self.error_log) if "[emerg]" in line or "[alert]" in line]
        if last:
            reason = last[-1].split("] ", 2)[-1]
        else:
            reason = f"killed by signal {-status}" if status < 0 else f"exit status {status}"
        self.failure = f"nginx stopped ({reason}); fastn serve stopped too"
        with contextlib.suppress(ProcessLookupError):  # its workers, if it was killed
            os.killpg(self.process.pid, signal.SIGKILL)
        os.kill(os.getpid(), signal.SIGTERM)

    def stop(self) -> None:
        """Stop nginx gracefully (open requests finish), then for good."""
        self.stopping = True
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGQUIT)
            try:
                self.process.wait(_STOP_SECONDS)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def _tail(path: Path, lines: int = 20) -> list[str]:
    try:
        return path.read_text(errors="replace").splitlines()[-lines:]
    except OSError:
        return []
