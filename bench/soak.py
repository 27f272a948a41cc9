"""Soak: `fastn serve` under mixed traffic for a while — zero errors, memory that stays flat.

    python3 bench/soak.py [--duration 60] [--connections 64] [--client auto|wrk|aiohttp]

The package has pages (components, a loop, markdown, a code block, and a page filled by
`pr.http` from the backend), static files, and an `endpoint` backend. At `--connections`
connections the load cycles through pages, static files and proxied API calls (wrk with a
request script; an aiohttp client when wrk is missing: `apt-get install -y wrk`). The fastn
process's resident memory is sampled every half second.

Passes (exit status 0) with zero errors — connection, read, write, timeout, or any status but
200 — and stable memory: after the warm-up (the first fifth), the median of the last third of
the samples is at most max(8 MiB, 5 %) above the median of the first third.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
from aiohttp import web
from harness import (
    LOOPBACK,
    Service,
    expect_ok,
    fastn_serve,
    free_port,
    rss_bytes,
    scratch_folder,
    tool_path,
    wait_http,
)

MIB = 1024 * 1024
SAMPLE_SECONDS = 0.5
WARMUP_SHARE = 0.2
GROWTH_ALLOWED = (8 * MIB, 0.05)  # absolute, relative: whichever is larger
PATHS = (  # 3 pages, 2 static files, 2 proxied calls per cycle
    "/",
    "/docs/intro/",
    "/people/",
    "/static/site.css",
    "/static/logo.png",
    "/api/people",
    "/api/status?probe=1",
)

PEOPLE = [{"name": f"Person {index}", "age": 20 + index % 50} for index in range(20)]

INDEX = """\
-- import: soak/lib

-- lib.page: Home

-- lib.card: Welcome
body: Pages, **static files** and a backend, all on one port.

-- lib.card: $item
body: A card in a loop, [with a link](/docs/intro/).
for: $item in $lib.topics

-- end: lib.page
"""
INTRO = """\
-- import: soak/lib

-- lib.page: Introduction

-- ftd.text:

# Getting started

Some *markdown* with `code`, a [link](/), and a list:

- one
- two
- three

-- ftd.code:
lang: python

def hello(name):
    return f"hello {name}"

-- end: lib.page
"""
PEOPLE_PAGE = """\
-- import: soak/lib
-- import: fastn/processors as pr

-- record person:
string name:
integer age:

-- person list people:
$processor$: pr.http
url: /api/people

-- lib.page: People

-- ftd.row:
spacing.fixed.px: 8
for: $p in $people

-- ftd.text: $p.name
-- ftd.integer: $p.age

-- end: ftd.row

-- end: lib.page
"""
LIB = """\
-- string list topics:

-- string: Routing
-- string: Proxy
-- string: Processors

-- end: topics

-- component page:
caption title:
children content:

-- ftd.column:
width: fill-container
padding.px: 16
spacing.fixed.px: 12

-- ftd.text: $page.title
role: $inherited.types.heading-large

-- ftd.column:
children: $page.content
width: fill-container

-- end: ftd.column

-- end: ftd.column

-- end: page

-- component card:
caption title:
body body:

-- ftd.column:
border-width.px: 1
border-radius.px: 6
padding.px: 12

-- ftd.text: $card.title
role: $inherited.types.heading-small

-- ftd.text: $card.body

-- end: ftd.column

-- end: card
"""


# --------------------------------------------------------------------------- the backend


async def backend_handler(request: web.BaseRequest) -> web.StreamResponse:
    if request.path == "/api/people":
        return web.json_response(PEOPLE)
    if request.path == "/api/status":
        return web.json_response({"ok": True, "query": request.query_string})
    return web.Response(status=404)


def serve_backend(port: int) -> None:
    """The backend process: `soak.py --backend PORT`."""

    async def main() -> None:
        runner = web.ServerRunner(web.Server(backend_handler), access_log=None)
        await runner.setup()
        await web.TCPSite(runner, LOOPBACK, port).start()
        await asyncio.Event().wait()

    asyncio.run(main())


def write_package(root: Path, backend_port: int) -> Path:
    files = {
        "FASTN.ftd": f"-- import: fastn\n\n-- fastn.package: soak\n"
        f"endpoint: http://{LOOPBACK}:{backend_port}\n",
        "index.ftd": INDEX,
        "docs/intro.ftd": INTRO,
        "people.ftd": PEOPLE_PAGE,
        "lib.ftd": LIB,
        "static/site.css": "body { margin: 0 }\n" * 200,
    }
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    (root / "static" / "logo.png").write_bytes(bytes(range(256)) * 160)  # 40 KiB
    return root


# --------------------------------------------------------------------------- load


@dataclass
class Traffic:
    """What the load generator saw."""

    client: str
    requests: int = 0
    seconds: float = 0.0
    errors: dict[str, int] = field(default_factory=dict)
    p50_ms: float = 0.0
    p99_ms: float = 0.0

    @property
    def error_count(self) -> int:
        return sum(self.errors.values())


WRK_SCRIPT = """
local paths = {%s}
local counter = 0
request = function()
  counter = counter + 1
  return wrk.format("GET", paths[(counter %% #paths) + 1])
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'SOAK-REPORT {"requests": %%d, "duration_us": %%d, "connect": %%d, "read": %%d, ' ..
    '"write": %%d, "status": %%d, "timeout": %%d, "p50_us": %%d, "p99_us": %%d}\\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(99)))
end
"""


def run_wrk(port: int, seconds: float, connections: int, workdir: Path) -> Traffic:
    script = workdir / "soak.lua"
    script.write_text(WRK_SCRIPT % ", ".join(f'"{path}"' for path in PATHS))
    threads = min(2, connections)
    command = [
        "wrk", f"-t{threads}", f"-c{connections}", f"-d{max(1, round(seconds))}s",
        "--timeout", "10s", "-s", str(script), f"http://{LOOPBACK}:{port}/",
    ]  # fmt: skip
    finished = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60)
    for line in finished.stdout.splitlines():
        if line.startswith("SOAK-REPORT "):
            report = json.loads(line.removeprefix("SOAK-REPORT "))
            kinds = ("connect", "read", "write", "status", "timeout")
            return Traffic(
                client="wrk",
                requests=report["requests"],
                seconds=report["duration_us"] / 1e6,
                errors={kind: report[kind] for kind in kinds},
                p50_ms=report["p50_us"] / 1000,
                p99_ms=report["p99_us"] / 1000,
            )
    raise RuntimeError(f"wrk gave no report:\n{finished.stdout}\n{finished.stderr}")


async def run_aiohttp(port: int, seconds: float, connections: int) -> Traffic:
    traffic = Traffic(client="aiohttp")
    latencies: list[float] = []
    base = f"http://{LOOPBACK}:{port}"
    deadline = time.monotonic() + seconds
    connector = aiohttp.TCPConnector(limit=connections)
    timeout = aiohttp.ClientTimeout(total=10)

    def failed(kind: str) -> None:
        traffic.errors[kind] = traffic.errors.get(kind, 0) + 1

    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:

        async def worker(offset: int) -> None:
            index = offset
            while time.monotonic() < deadline:
                path = PATHS[index % len(PATHS)]
                index += 1
                started = time.perf_counter()
                try:
                    async with session.get(base + path) as response:
                        await response.read()
                        if response.status != 200:
                            failed("status")
                except TimeoutError:
                    failed("timeout")
                except aiohttp.ClientError:
                    failed("read")
                latencies.append(time.perf_counter() - started)

        started = time.monotonic()
        await asyncio.gather(*(worker(offset) for offset in range(connections)))
        traffic.seconds = time.monotonic() - started
    traffic.requests = len(latencies)
    if latencies:
        cuts = statistics.quantiles(latencies, n=100)
        traffic.p50_ms, traffic.p99_ms = cuts[49] * 1000, cuts[98] * 1000
    return traffic


class MemorySampler:
    """Samples a process's RSS every SAMPLE_SECONDS in a thread."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.samples: list[int] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while True:
            self.samples.append(rss_bytes(self.pid))
            if self._stop.wait(SAMPLE_SECONDS):
                return

    def __enter__(self) -> MemorySampler:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()


@dataclass(frozen=True)
class Memory:
    start: int
    early: int  # median of the first third after warm-up
    late: int  # median of the last third
    peak: int
    samples: int

    @property
    def growth(self) -> int:
        return self.late - self.early

    @property
    def stable(self) -> bool:
        absolute, relative = GROWTH_ALLOWED
        return self.growth <= max(absolute, relative * self.early)


def memory_figures(samples: list[int]) -> Memory:
    settled = samples[int(len(samples) * WARMUP_SHARE) :] or samples
    third = max(1, len(settled) // 3)
    return Memory(
        start=samples[0],
        early=int(statistics.median(settled[:third])),
        late=int(statistics.median(settled[-third:])),
        peak=max(samples),
        samples=len(samples),
    )


def open_files(pid: int) -> tuple[int, int]:
    """(files, pipes and other descriptors; sockets) the process has open."""
    folder = f"/proc/{pid}/fd"
    links = []
    for fd in os.listdir(folder):
        with contextlib.suppress(FileNotFoundError):  # closed while listed
            links.append(os.readlink(f"{folder}/{fd}"))
    sockets = sum(link.startswith("socket:") for link in links)
    return len(links) - sockets, sockets


# --------------------------------------------------------------------------- main


def soak(
    duration: float, connections: int, client: str
) -> tuple[Traffic, Memory, tuple[tuple[int, int], tuple[int, int]]]:
    with scratch_folder() as work:
        backend_port = free_port()
        command = [sys.executable, str(Path(__file__).resolve()), "--backend", str(backend_port)]
        with Service("backend", command, work) as backend:
            wait_http(backend_port, backend, "/api/people")
            package = write_package(work / "soak", backend_port)
            fastn, port = fastn_serve(package, work, cpu=None)
            with fastn:
                for path in PATHS:  # every kind answers before the clock starts
                    expect_ok(port, path)
                files_before = open_files(fastn.pid)
                with MemorySampler(fastn.pid) as sampler:
                    if client == "wrk":
                        traffic = run_wrk(port, duration, connections, work)
                    else:
                        traffic = asyncio.run(run_aiohttp(port, duration, connections))
                fastn.check_running()
                files_after = open_files(fastn.pid)
    return traffic, memory_figures(sampler.samples), (files_before, files_after)


def report(
    traffic: Traffic,
    memory: Memory,
    files: tuple[tuple[int, int], tuple[int, int]],
    connections: int,
) -> bool:
    rate = traffic.requests / traffic.seconds if traffic.seconds else 0.0
    errors = ", ".join(f"{kind} {count}" for kind, count in sorted(traffic.errors.items()))
    passed = traffic.error_count == 0 and memory.stable and traffic.requests > 0
    passed = passed and files[1][0] <= files[0][0]  # no file left open by a request
    print(f"soak: {traffic.seconds:.1f} s at {connections} connections ({traffic.client})")
    print(f"paths: {' '.join(PATHS)}")
    print(f"requests: {traffic.requests} ({rate:.0f}/s)")
    print(f"errors: {traffic.error_count} ({errors or 'none'})")
    print(f"latency: p50 {traffic.p50_ms:.1f} ms, p99 {traffic.p99_ms:.1f} ms")
    print(
        f"fastn RSS: start {memory.start / MIB:.1f} MiB, after warm-up {memory.early / MIB:.1f},"
        f" end {memory.late / MIB:.1f}, peak {memory.peak / MIB:.1f}"
        f" (growth {memory.growth / MIB:+.1f} MiB over {memory.samples} samples):"
        f" {'stable' if memory.stable else 'GROWING'}"
    )
    (files_before, sockets_before), (files_after, sockets_after) = files
    print(
        f"descriptors: {files_before} -> {files_after} (not sockets),"
        f" sockets {sockets_before} -> {sockets_after} (open keep-alive connections)"
    )
    print(f"result: {'PASS' if passed else 'FAIL'}")
    return passed


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=60.0, help="seconds of load (60)")
    parser.add_argument("--connections", type=int, default=64, help="open connections (64)")
    parser.add_argument("--client", choices=("auto", "wrk", "aiohttp"), default="auto")
    parser.add_argument("--backend", type=int, metavar="PORT", help=argparse.SUPPRESS)
    arguments = parser.parse_args(argv)
    if arguments.backend:
        serve_backend(arguments.backend)
        return 0
    client = arguments.client
    if client == "auto":
        client = "wrk" if tool_path("wrk") else "aiohttp"
    traffic, memory, files = soak(arguments.duration, arguments.connections, client)
    return 0 if report(traffic, memory, files, arguments.connections) else 1


if __name__ == "__main__":
    raise SystemExit(main())
