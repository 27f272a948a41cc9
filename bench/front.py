"""The nginx front (`fastn serve --production --front nginx`) against what it replaces.

Rows, each measured in the same run as its reference:
- proxy 1 KB GET and 64 KB POST to the endpoint: through the front vs nginx as a plain
  reverse proxy (the configuration of `proxy.py`);
- a static 1 KB file: through the front vs nginx serving it directly;
- the rows page (`pages.py`'s 100 SQLite rows): through the front vs `fastn serve` alone;
- start-up: launch to the first 200 of `/` through the front.
Targets (issue 18): ≥ 0.9× the reference in req/s and CPU efficiency; start-up ≤ 0.5 s.
"""

from __future__ import annotations

import statistics
import sys
import time
from contextlib import ExitStack
from pathlib import Path

from harness import (
    LOOPBACK,
    READY_TIMEOUT,
    Load,
    Options,
    Service,
    Table,
    expect_ok,
    fastn_in_front,
    fastn_serve,
    free_port,
    http_get,
    load_cells,
    measure,
    nginx,
    ratio,
    require,
    run_main,
    scratch_folder,
    target_note,
    wait_http,
)
from pages import write_package
from proxy import REQUESTS, check_post, cpu_ratio, proxy_server, start_upstream

FRONT = ("--front", "nginx")
RATIO_TARGET = 0.9
READY_TARGET_SECONDS = 0.5
DATABASE = {"FASTN_DB_URL": "sqlite:///db.sqlite"}


def static_server(port: int, docroot: Path) -> str:
    return f"""
  server {{
    listen {LOOPBACK}:{port};
    root {docroot};
  }}"""


def first_200(command: list[str], package: Path, work: Path, port: int) -> float:
    """Seconds from launch to the first 200 for `/` (nginx answers 502 until fastn-py is up)."""
    started = time.perf_counter()
    with Service("fastn-front-start", command, work, cwd=package) as service:
        while time.perf_counter() - started < READY_TIMEOUT:
            service.check_running()
            try:
                if http_get(port, "/", timeout=1)[0] == 200:
                    return time.perf_counter() - started
            except OSError:
                pass
            time.sleep(0.002)
    raise TimeoutError(f"the front did not answer 200 in {READY_TIMEOUT} s")


def run(options: Options) -> list[Table]:
    require("wrk", "nginx")
    connections = 8 if options.quick else 32
    server_cpu = options.cpu("server")
    rows: list[tuple[str, str, Load, Load]] = []  # (row, reference name, front, reference)
    with ExitStack() as stack:
        work = stack.enter_context(scratch_folder())
        upstream_port, _ = start_upstream(stack, work, options)

        def load(port: int, path: str, server, post_bytes: int = 0) -> Load:
            url = f"http://{LOOPBACK}:{port}{path}"
            return measure(url, options, connections, work, server, post_bytes=post_bytes)

        # proxy: the front vs nginx as a plain reverse proxy
        proxy_port = free_port()
        plain_proxy = stack.enter_context(
            nginx("nginx-proxy", proxy_server(proxy_port, upstream_port), work, server_cpu)
        )
        wait_http(proxy_port, plain_proxy, "/1k")
        front, front_port = fastn_in_front(work, "bench-front", upstream_port, server_cpu, *FRONT)
        stack.enter_context(front)
        for label, path, post_bytes in REQUESTS:
            for port in (proxy_port, front_port):
                if post_bytes:
                    check_post(port)
                elif len(expect_ok(port, path)) != 1024:
                    raise RuntimeError(f"GET {path} on {port} did not give 1 KB")
            rows.append(
                (
                    f"proxy {label}",
                    "nginx proxy",
                    load(front_port, path, front, post_bytes),
                    load(proxy_port, path, plain_proxy, post_bytes),
                )
            )
        front.stop()
        plain_proxy.stop()

        # static file and rows page: one package, served by the front and by fastn alone
        package = work / "package"
        write_package(package)
        (package / "1k.txt").write_bytes(b"x" * 1024)
        (package / "index.ftd").write_text("-- ftd.text: Hello through the front\n")
        direct_port = free_port()
        direct = stack.enter_context(
            nginx("nginx-static", static_server(direct_port, package), work, server_cpu)
        )
        wait_http(direct_port, direct, "/1k.txt")
        front, front_port = fastn_serve(package, work, server_cpu, DATABASE, *FRONT)
        stack.enter_context(front)

        def compare(row: str, path: str, name: str, port: int, reference: Service) -> None:
            """`path` through the front and from `reference`: the same bytes, then loads."""
            if expect_ok(front_port, path) != expect_ok(port, path):
                raise RuntimeError(f"the front and {name} gave different bytes for {path}")
            rows.append((row, name, load(front_port, path, front), load(port, path, reference)))

        compare("static 1 KB file", "/1k.txt", "nginx direct", direct_port, direct)
        direct.stop()
        alone, alone_port = fastn_serve(package, work, server_cpu, DATABASE)
        stack.enter_context(alone)
        compare("rows page", "/rows/", "fastn serve alone", alone_port, alone)
        front.check_running()
        front.stop()
        alone.stop()

        starts: dict[str, list[float]] = {"front": [], "alone": []}
        for timed in [False] + [True] * (1 if options.quick else 5):
            for mode, extra in (("front", FRONT), ("alone", ())):
                port = free_port()
                command = [
                    sys.executable, "-m", "fastn.cli", "serve", "--production", *extra,
                    "--port", str(port),
                ]  # fmt: skip
                seconds = first_200(command, package, work, port)
                if timed:
                    starts[mode].append(seconds)

    table = Table(
        f"The nginx front: requests/s, latency (ms), server CPU per request at c={connections}",
        [
            "row", "served by", f"req/s c={connections}", "p50", "p99", "server CPU µs/req",
            "× reference req/s", "× reference CPU efficiency",
        ],
    )  # fmt: skip
    table.notes.append(
        "server CPU counts every process of the server (fastn serve, its nginx, their "
        "workers); CPU efficiency = the reference's CPU per request ÷ this one's"
    )
    for row, reference_name, front_load, reference_load in rows:
        table.add(row, reference_name, *load_cells(reference_load), "", "")
        table.add(
            row,
            "fastn --front nginx",
            *load_cells(front_load),
            ratio(front_load.rps, reference_load.rps),
            cpu_ratio(reference_load, front_load),
        )
        efficiency = (
            reference_load.cpu_us_per_request / front_load.cpu_us_per_request
            if reference_load.cpu_us_per_request and front_load.cpu_us_per_request
            else 0.0
        )
        table.notes.append(
            target_note(
                f"{row}: {efficiency:.2f}× {reference_name}'s CPU efficiency",
                efficiency >= RATIO_TARGET,
                f"≥ {RATIO_TARGET}",
            )
        )
    ready = statistics.median(starts["front"])
    alone_ready = statistics.median(starts["alone"])
    table.notes.append(
        target_note(
            f"start-up with the front: first 200 in {ready:.3f} s, fastn serve alone "
            f"{alone_ready:.3f} s (medians of {len(starts['front'])})",
            ready <= READY_TARGET_SECONDS,
            f"≤ {READY_TARGET_SECONDS} s",
        )
    )
    return [table]


if __name__ == "__main__":
    sys.exit(run_main(run, __doc__.splitlines()[0]))
