#!/usr/bin/env python3
"""The demo in one command: fastn-py in front of a Django backend.

    python3 examples/django-todo/run.py [--port 8000] [--django-port 8001]

Migrates and seeds Django's database, starts Django's development server and `fastn serve`
on loopback, prints the URL, and stops both on Ctrl-C. The database is `FASTN_DB_URL` if set
(`postgres://…` works: Django and fastn's `pr.sql` both read it), else `backend/db.sqlite3`.
Needs `pip install -e '.[test]'` (fastn-py, Django, dj-database-url).
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
BACKEND = HERE / "backend"
FRONTEND = HERE / "frontend"
LOOPBACK = "127.0.0.1"
DEMO_LOGIN = ("admin", "admin")


def database_url() -> str:
    return os.environ.get("FASTN_DB_URL") or f"sqlite:///{BACKEND / 'db.sqlite3'}"


def backend_environment(db_url: str, extra: dict[str, str] | None = None) -> dict[str, str]:
    """What both servers see: the shared database URL, and Django in development mode."""
    environment = dict(os.environ)
    environment.update(
        FASTN_DB_URL=db_url,
        DJANGO_SETTINGS_MODULE="todo_site.settings",
        DJANGO_DEBUG=os.environ.get("DJANGO_DEBUG", "1"),
        PYTHONUNBUFFERED="1",
    )
    environment.update(extra or {})
    return environment


def manage(*arguments: str, environment: dict[str, str]) -> None:
    """Run a `manage.py` command to completion (migrate, seed_demo…)."""
    subprocess.run(
        [sys.executable, "manage.py", *arguments], cwd=BACKEND, env=environment, check=True
    )


def prepare_database(environment: dict[str, str]) -> None:
    manage("migrate", "--noinput", "-v", "0", environment=environment)
    manage("seed_demo", "--username", DEMO_LOGIN[0], "--password", DEMO_LOGIN[1],
           environment=environment)  # fmt: skip


def start_django(port: int, environment: dict[str, str], **popen) -> subprocess.Popen:
    """Django's development server (it serves Django's static files while DEBUG is on)."""
    return subprocess.Popen(
        [sys.executable, "manage.py", "runserver", "--noreload", f"{LOOPBACK}:{port}"],
        cwd=BACKEND,
        env=environment,
        start_new_session=True,  # its own process group: Ctrl-C is handled here, once
        **popen,
    )


def free_port_from(port: int) -> int:
    """`port` if nothing listens there, else the next free one."""
    for candidate in range(port, port + 1000):
        with socket.socket() as sock:
            try:
                sock.bind((LOOPBACK, candidate))
            except OSError:
                continue
            return candidate
    raise OSError(f"no free port from {port}")


def wait_for(port: int, process: subprocess.Popen, seconds: float = 30) -> None:
    for _ in range(int(seconds * 20)):
        if process.poll() is not None:
            raise RuntimeError(f"{process.args[:3]} exited with {process.returncode}")
        try:
            with socket.create_connection((LOOPBACK, port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"nothing listening on {LOOPBACK}:{port} after {seconds}s")


def start_fastn(port: int, environment: dict[str, str]) -> tuple[subprocess.Popen, str]:
    """`fastn serve` in the frontend package; returns the process and the URL it printed."""
    process = subprocess.Popen(
        [sys.executable, "-m", "fastn.cli", "serve", "--port", str(port)],
        cwd=FRONTEND,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    assert process.stdout is not None
    url = ""
    for line in process.stdout:
        sys.stdout.write(line)
        if "http://" in line:
            url = line[line.index("http://") :].strip()
            break
    if not url:
        process.wait()
        raise RuntimeError(f"fastn serve exited with {process.returncode}")
    relay = threading.Thread(target=_relay, args=(process.stdout,), daemon=True)
    relay.start()
    return process, url


def _relay(stream) -> None:
    for line in stream:
        sys.stdout.write(line)


def stop(process: subprocess.Popen) -> None:
    """Stop a server started here, with the processes it started (its process group)."""
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(10)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(10)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=8000, help="fastn's port (or the next free)")
    parser.add_argument("--django-port", type=int, default=8001, help="Django's (or next free)")
    arguments = parser.parse_args(argv)

    db_url = database_url()
    print(f"database: {db_url}")
    django_port = free_port_from(arguments.django_port)
    environment = backend_environment(db_url, {"DJANGO_URL": f"http://{LOOPBACK}:{django_port}"})
    prepare_database(environment)
    servers: dict[str, subprocess.Popen] = {}
    stopping = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    try:
        servers["Django"] = start_django(django_port, environment)
        wait_for(django_port, servers["Django"])
        servers["fastn"], url = start_fastn(arguments.port, environment)
        print(
            f"\nDemo ready: {url}  (Django at http://{LOOPBACK}:{django_port}/; "
            f"log in as {DEMO_LOGIN[0]} / {DEMO_LOGIN[1]}). Ctrl-C stops both.\n",
            flush=True,
        )
        while not stopping.wait(0.5):
            for name, server in servers.items():
                if server.poll() is not None:
                    print(f"{name} exited with {server.returncode}; stopping the demo")
                    return 1
    except KeyboardInterrupt:
        pass
    finally:
        for server in reversed(servers.values()):
            stop(server)
    return 0


if __name__ == "__main__":
    sys.exit(main())
