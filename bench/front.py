"""The nginx front (`fastn serve --production --front nginx`) against what it replaces.

Rows, each measured in the same run as its reference:
- proxy 1 KB GET and 64 KB POST to the endpoint: through the front vs nginx as a plain
  reverse proxy (the configuration of `proxy.py`);
- a static 1 KB file: through the front vs nginx serving it directly;
- the rows page (`pages.py`'s 100 SQLite rows): through the front vs `fastn serve` alone;
  the rows above show `fastn serve` alone too, so the table has both modes;
- start-up: launch to the first 200 of `/` through the front.
Targets (issue 18): ≥ 0.9× the reference in req/s and CPU efficiency; start-up ≤ 0.5 s.

The machine is shared: the servers of a row take turns, `ROUNDS` loads each, each turn
starting with the next one, and their loads are added up, so a busy moment weighs on all
sides alike.
"""

from __future__ import annotations

import functools
import statistics
import sys
import time
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass
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
ROUNDS = 4  # loads of each side per row, taking turns
DATABASE = {"FASTN_DB_URL": "sqlite:///db.sqlite"}


def static_server(port: int, docroot: Path) -> str:
    return f"""
  server {{
    listen {LOOPBACK}:{port};
    root {docroot};
  }}"""


Server = tuple[int, Service]  # port, process


@dataclass(frozen=True)
class Row:
    """One row's loads: through the front, from the reference, from fastn serve alone."""

    name: str
    reference_name: str
    front: Load
    reference: Load
    alone: Load | None = None


def taking_turns(
    load: Callable[[int, Service], Load], servers: list[Server], rounds: int
) -> list[Load]:
    """`rounds` loads of each server, each turn starting with the next one, added up
    (latencies: medians); in the order of `servers`."""
    loads: list[list[Load]] = [[] for _ in servers]
    for turn in range(rounds):
        for index in range(len(servers)):
            shifted = (turn + index) % len(servers)
            loads[shifted].append(load(*servers[shifted]))
    return [pooled(each) for each in loads]


def pooled(loads: list[Load]) -> Load:
    cpu = [load.server_cpu_seconds for load in loads]
    return Load(
        requests=sum(load.requests for load in loads),
        seconds=sum(load.seconds for load in loads),
        errors=sum(load.errors for load in loads),
        p50_ms=statistics.median(load.p50_ms for load in loads),
        p99_ms=statistics.median(load.p99_ms for load in loads),
        server_cpu_seconds=None if None in cpu else sum(c for c in cpu if c is not None),
    )


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
    rounds = 1 if options.quick else ROUNDS
    server_cpu = options.cpu("server")
    rows: list[Row] = []
    with ExitStack() as stack:
        work = stack.enter_context(scratch_folder())
        upstream_port, _ = start_upstream(stack, work, options)

        def load(path: str, post_bytes: int, port: int, server: Service) -> Load:
            url = f"http://{LOOPBACK}:{port}{path}"
            return measure(url, options, connections, work, server, post_bytes=post_bytes)

        # proxy: the front vs nginx as a plain reverse proxy (and fastn serve alone)
        proxy_port = free_port()
        plain_proxy = stack.enter_context(
            nginx("nginx-proxy", proxy_server(proxy_port, upstream_port), work, server_cpu)
        )
        wait_http(proxy_port, plain_proxy, "/1k")
        front, front_port = fastn_in_front(work, "bench-front", upstream_port, server_cpu, *FRONT)
        stack.enter_context(front)
        alone, alone_port = fastn_in_front(work, "bench-alone", upstream_port, server_cpu)
        stack.enter_context(alone)
        servers = [(front_port, front), (proxy_port, plain_proxy), (alone_port, alone)]
        for label, path, post_bytes in REQUESTS:
            for port, _ in servers:
                if post_bytes:
                    check_post(port)
                elif len(expect_ok(port, path)) != 1024:
                    raise RuntimeError(f"GET {path} on {port} did not give 1 KB")
            loads = taking_turns(functools.partial(load, path, post_bytes), servers, rounds)
            rows.append(Row(f"proxy {label}", "nginx proxy", *loads))
        for server in (front, plain_proxy, alone):
            server.stop()

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
        alone, alone_port = fastn_serve(package, work, server_cpu, DATABASE)
        stack.enter_context(alone)
        fronted, fastn_alone = (front_port, front), (alone_port, alone)

        def compare(row: str, path: str, reference_name: str, servers: list[Server]) -> None:
            """`path` from each of `servers` (the front first, then the reference): the same
            bytes, then loads."""
            if len({expect_ok(port, path) for port, _ in servers}) != 1:
                raise RuntimeError(f"the front and its references gave different bytes for {path}")
            loads = taking_turns(functools.partial(load, path, 0), servers, rounds)
            rows.append(Row(row, reference_name, *loads))

        compare(
            "static 1 KB file",
            "/1k.txt",
            "nginx direct",
            [fronted, (direct_port, direct), fastn_alone],
        )
        compare("rows page", "/rows/", "fastn serve alone", [fronted, fastn_alone])
        front.check_running()
        for server in (front, direct, alone):
            server.stop()

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
        f"The nginx front: requests/s, latency (ms), server CPU per request at c={connections}, "
        f"{rounds} load(s) of {options.duration} s per server, taking turns",
        [
            "row", "served by", f"req/s c={connections}", "p50", "p99", "server CPU µs/req",
            "× reference req/s", "× reference CPU efficiency",
        ],
    )  # fmt: skip
    table.notes.append(
        "server CPU counts every process of the server (fastn serve, its nginx, their "
        "workers); CPU efficiency = the reference's CPU per request ÷ this one's"
    )
    for row in rows:
        table.add(row.name, row.reference_name, *load_cells(row.reference), "", "")
        served = [("fastn --front nginx", row.front)]
        if row.alone is not None:
            served.append(("fastn serve alone", row.alone))
        for name, served_load in served:
            table.add(
                row.name,
                name,
                *load_cells(served_load),
                ratio(served_load.rps, row.reference.rps),
                cpu_ratio(row.reference, served_load),
            )
        rps = row.front.rps / row.reference.rps if row.reference.rps else 0.0
        reference_cpu, front_cpu = row.reference.cpu_us_per_request, row.front.cpu_us_per_request
        efficiency = reference_cpu / front_cpu if reference_cpu and front_cpu else 0.0
        table.notes.append(
            target_note(
                f"{row.name} through the front: {rps:.2f}× {row.reference_name}'s req/s, "
                f"{efficiency:.2f}× its CPU efficiency",
                min(rps, efficiency) >= RATIO_TARGET,
                f"≥ {RATIO_TARGET} both",
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
