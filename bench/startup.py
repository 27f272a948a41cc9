"""Start-up: `fastn serve` of a 100-page package, from launch to the first 200 for `/`.

The clock starts just before the process is launched and stops at the first successful
response (the client retries every 2 ms). References in the same run: a bare `python3 -c
pass`, and uvicorn (configured as fastn configures it) serving a one-line ASGI app, which is
the floor for any server built on it. A first round is not timed: as on a user's machine
after the first start, bytecode is cached (see `harness.python_environment`). Target (issue
7): ≤ 0.3 s.
"""

from __future__ import annotations

import resource
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from build import write_package
from harness import (
    Options,
    Service,
    Table,
    cpu_seconds,
    expect_ok,
    free_port,
    pinned,
    python_environment,
    run_main,
    scratch_folder,
    target_note,
    wait_http,
)

READY_TARGET_SECONDS = 0.3
HELLO_APP = """\
async def app(scope, receive, send):
    if scope["type"] != "http":
        return
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"hello"})
"""


@dataclass(frozen=True)
class Start:
    seconds: float  # launch to the first successful response
    cpu: float  # CPU seconds the process had used by then


def first_response(name: str, command: list[str], cwd: Path, log_dir: Path, port: int) -> Start:
    started = time.perf_counter()
    with Service(name, command, log_dir, cwd=cwd) as service:
        wait_http(port, service, "/")
        elapsed = time.perf_counter() - started
        cpu = cpu_seconds(service.pid)
        expect_ok(port, "/")
    return Start(elapsed, cpu)


def python_start(cwd: Path) -> Start:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", "pass"], cwd=cwd, env=python_environment(), check=True)
    elapsed = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return Start(elapsed, after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)


def run(options: Options) -> list[Table]:
    pages = 10 if options.quick else 100
    repeats = 1 if options.quick else 7
    starts: dict[str, list[Start]] = {"fastn": [], "uvicorn": [], "python": []}
    with scratch_folder() as work:
        package = work / "package"
        write_package(package, pages - 2)  # + lib.ftd + index.ftd
        (package / "index.ftd").write_text("-- ftd.text: Hello from a 100-page package\n")
        (work / "hello.py").write_text(HELLO_APP)
        # the server under test, alone on its core; the waiting client is mostly asleep
        with pinned(options.cpu("server")):
            # a first, untimed round writes fastn's bytecode if missing and warms the file cache
            for timed in [False] + [True] * repeats:
                port = free_port()
                fastn = [sys.executable, "-m", "fastn.cli", "serve", "--port", str(port)]
                fastn_start = first_response("fastn", fastn, package, work, port)
                port = free_port()
                uvicorn = [
                    sys.executable, "-m", "uvicorn", "hello:app", "--port", str(port),
                    "--loop", "uvloop", "--http", "httptools", "--log-level", "warning",
                ]  # fmt: skip
                uvicorn_start = first_response("uvicorn", uvicorn, work, work, port)
                python = python_start(work)
                if timed:
                    starts["fastn"].append(fastn_start)
                    starts["uvicorn"].append(uvicorn_start)
                    starts["python"].append(python)

    table = Table(
        f"Start-up: launch to first 200 response, {pages}-page package, {repeats} runs",
        ["command", "median s", "min s", "max s", "CPU s (median)", "× uvicorn hello"],
    )
    labels = {
        "fastn": "fastn serve",
        "uvicorn": "uvicorn + one-line ASGI app",
        "python": "python3 -c pass (no server)",
    }
    uvicorn_median = statistics.median(start.seconds for start in starts["uvicorn"])
    for key, label in labels.items():
        seconds = [start.seconds for start in starts[key]]
        median = statistics.median(seconds)
        table.add(
            label,
            f"{median:.3f}",
            f"{min(seconds):.3f}",
            f"{max(seconds):.3f}",
            f"{statistics.median(start.cpu for start in starts[key]):.3f}",
            f"{median / uvicorn_median:.2f}×",
        )
    fastn_median = statistics.median(start.seconds for start in starts["fastn"])
    fastn_cpu = statistics.median(start.cpu for start in starts["fastn"])
    table.notes.append(
        target_note(
            f"fastn serve ready in {fastn_median:.3f} s",
            fastn_median <= READY_TARGET_SECONDS,
            f"≤ {READY_TARGET_SECONDS} s",
        )
    )
    table.notes.append(
        target_note(
            f"fastn serve used {fastn_cpu:.3f} CPU s until ready (≈ an idle machine's wait)",
            fastn_cpu <= READY_TARGET_SECONDS,
            f"≤ {READY_TARGET_SECONDS} s",
        )
    )
    return [table]


if __name__ == "__main__":
    sys.exit(run_main(run, __doc__.splitlines()[0]))
