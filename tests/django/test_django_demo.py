"""The one-command demo: `examples/django-todo/run.py` starts both servers and Ctrl-C stops both."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from django_stack import EXAMPLE, server_environment

from servers import LOOPBACK, STARTUP_SECONDS, Reply, free_port


def test_run_py_starts_both_servers_and_ctrl_c_stops_them(
    fetch: Callable[..., Reply], tmp_path: Path
) -> None:
    environment = server_environment(dict(os.environ))
    environment["FASTN_DB_URL"] = f"sqlite:///{tmp_path / 'demo.sqlite3'}"
    fastn_port, django_port = free_port(), free_port()
    log = tmp_path / "demo.log"
    with log.open("wb") as output:
        demo = subprocess.Popen(
            [sys.executable, str(EXAMPLE / "run.py"), "--port", str(fastn_port),
             "--django-port", str(django_port)],
            env=environment, stdout=output, stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        url = ready_url(demo, log)
        assert url == f"http://{LOOPBACK}:{fastn_port}/"
        login = fetch(f"{url}accounts/login/")
        assert login.status == 200 and b"csrfmiddlewaretoken" in login.body
        assert fetch(f"{url}api/todos/").json() == {"user": None, "todos": []}
    finally:
        demo.send_signal(signal.SIGINT)  # what Ctrl-C sends
        assert demo.wait(30) == 0, log.read_text()
    for port in (fastn_port, django_port):
        assert not listening(port), f"port {port} still open after Ctrl-C"


def ready_url(process: subprocess.Popen, log: Path) -> str:
    deadline = time.monotonic() + 3 * STARTUP_SECONDS  # migrations come first
    while time.monotonic() < deadline:
        assert process.poll() is None, log.read_text()
        for line in log.read_text(errors="replace").splitlines():
            if line.startswith("Demo ready: "):
                return line.split()[2]
        time.sleep(0.1)
    raise TimeoutError(log.read_text())


def listening(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex((LOOPBACK, port)) == 0
