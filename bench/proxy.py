"""Proxy: one nginx upstream reached directly, through an nginx reverse proxy, through fastn.

The upstream serves a 1 KB file (`GET /1k`) and takes a 64 KB body (`POST /upload`: nginx's
mirror module reads the whole body before the 16-byte answer, as a real backend would). The
nginx reverse proxy is what a user would put in front instead: 1 worker, upstream keepalive,
X-Forwarded-* set, the body buffered in memory. `fastn serve` runs with 1 worker and the
upstream as its `endpoint:`. Targets (issue 7): fastn ≥ 0.5× nginx's requests/s, and at
concurrency 1 a p50 no more than 0.5 ms above nginx's.
"""

from __future__ import annotations

import http.client
import importlib.util
import subprocess
import sys
from contextlib import ExitStack
from pathlib import Path

from harness import (
    LOOPBACK,
    Load,
    Options,
    Service,
    Table,
    expect_ok,
    fastn_in_front,
    free_port,
    load_cells,
    measure,
    nginx,
    ratio,
    require,
    run_main,
    scratch_folder,
    target_note,
    uvicorn_app,
    wait_http,
)

# The floor of the stack: uvicorn answering from memory, and aiohttp's client alone.
CONSTANT_APP = """\
BODY = b"x" * 1024
HEAD = {"type": "http.response.start", "status": 200,
        "headers": [(b"content-type", b"text/plain"), (b"content-length", b"1024")]}


async def app(scope, receive, send):
    if scope["type"] == "http":
        await send(HEAD)
        await send({"type": "http.response.body", "body": BODY})
"""
CLIENT_ALONE = """\
import asyncio, sys, time
import uvloop


async def aiohttp_gets(url, rounds):
    import aiohttp

    async with aiohttp.ClientSession(auto_decompress=False) as session:
        async def get(count):
            for _ in range(count):
                async with session.get(url) as response:
                    await response.read()
        return await rounds(get)


async def pyreqwest_gets(url, rounds):
    from pyreqwest.client import ClientBuilder

    async with ClientBuilder().http1_only().build() as client:
        async def get(count):
            for _ in range(count):
                async with client.get(url).build_streamed() as response:
                    await response.bytes()
        return await rounds(get)


async def main(client, url, requests, concurrency):
    async def rounds(get):
        await asyncio.gather(*(get(20) for _ in range(concurrency)))  # warm: connections open
        started = time.process_time()  # every thread's: pyreqwest's runtime too
        await asyncio.gather(*(get(requests // concurrency) for _ in range(concurrency)))
        return time.process_time() - started
    spent = await globals()[client + "_gets"](url, rounds)
    print(spent / (requests // concurrency * concurrency) * 1e6)


uvloop.install()
asyncio.run(main(sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])))
"""
RSGI_CONSTANT_APP = """
class RSGIApp:
    async def __call__(self, scope, protocol):
        protocol.response_bytes(200, [("content-type", "text/plain")], BODY)


rsgi_app = RSGIApp()
"""
POST_BYTES = 64 * 1024
REQUESTS = [("1 KB GET", "/1k", 0), ("64 KB POST", "/upload", POST_BYTES)]
THROUGHPUT_RATIO_TARGET = 0.5
ADDED_P50_TARGET_MS = 0.5


def upstream_server(port: int, docroot: Path) -> str:
    return f"""
  server {{
    listen {LOOPBACK}:{port};
    root {docroot};
    location = /upload {{
      client_max_body_size 0;
      client_body_buffer_size 128k;
      mirror /sink;
      mirror_request_body on;
      error_page 405 =200 $uri;
    }}
    location = /sink {{ internal; return 204; }}
    location = /connections {{ stub_status; }}
  }}"""


def proxy_server(port: int, upstream_port: int) -> str:
    return f"""
  upstream backend {{ server {LOOPBACK}:{upstream_port}; keepalive 64; }}
  server {{
    listen {LOOPBACK}:{port};
    client_max_body_size 0;
    client_body_buffer_size 128k;
    location / {{
      proxy_pass http://backend;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto $scheme;
      proxy_set_header X-Forwarded-Host $host;
    }}
  }}"""


def start_upstream(stack: ExitStack, work: Path, options: Options) -> tuple[int, Service]:
    """The upstream nginx (`GET /1k`, `POST /upload`) on the load core; its port."""
    docroot = work / "upstream-files"
    docroot.mkdir()
    (docroot / "1k").write_bytes(b"x" * 1024)
    (docroot / "upload").write_text("body received.\n")
    port = free_port()
    upstream = stack.enter_context(
        nginx("upstream", upstream_server(port, docroot), work, options.cpu("load"))
    )
    wait_http(port, upstream, "/1k")
    return port, upstream


def cpu_ratio(reference: Load, load: Load) -> str:
    reference_cpu, cpu = reference.cpu_us_per_request, load.cpu_us_per_request
    return ratio(reference_cpu, cpu) if reference_cpu and cpu else "–"


def upstream_connections(port: int) -> int:
    """Connections the upstream nginx has accepted so far (stub_status)."""
    status = expect_ok(port, "/connections").decode()
    return int(status.splitlines()[2].split()[0])


def check_post(port: int) -> None:
    connection = http.client.HTTPConnection(LOOPBACK, port, timeout=10)
    try:
        connection.request("POST", "/upload", body=b"x" * POST_BYTES)
        response = connection.getresponse()
        if response.status != 200:
            raise RuntimeError(f"POST /upload on {port} answered {response.status}")
        response.read()
    finally:
        connection.close()


def run(options: Options) -> list[Table]:
    require("wrk", "nginx")
    connections = 8 if options.quick else 32
    with ExitStack() as stack:
        work = stack.enter_context(scratch_folder())
        upstream_port, upstream = start_upstream(stack, work, options)
        nginx_port = free_port()
        reference = stack.enter_context(
            nginx(
                "nginx-proxy", proxy_server(nginx_port, upstream_port), work, options.cpu("server")
            )
        )
        wait_http(nginx_port, reference, "/1k")
        fastn, fastn_port = fastn_in_front(
            work, "bench-proxy", upstream_port, options.cpu("server")
        )
        stack.enter_context(fastn)

        targets = [
            ("direct", upstream_port, upstream),
            ("nginx proxy", nginx_port, reference),
            ("fastn serve", fastn_port, fastn),
        ]
        for _, port, _ in targets:
            if len(expect_ok(port, "/1k")) != 1024:
                raise RuntimeError(f"GET /1k on {port} did not give 1 KB")
            check_post(port)

        constant_folder = _script(work, "constant", CONSTANT_APP + RSGI_CONSTANT_APP)
        constant, constant_port = uvicorn_app(
            "constant:app",
            constant_folder,
            work,
            options.cpu("server"),
            "uvicorn-constant",
        )
        stack.enter_context(constant)
        constant_load = measure(
            f"http://{LOOPBACK}:{constant_port}/1k", options, connections, work, constant
        )
        upstream_url = f"http://{LOOPBACK}:{upstream_port}/1k"
        client_cpu_us = _client_alone(work, "aiohttp", upstream_url, options, connections)
        alternatives = _alternatives(stack, work, options, connections, upstream_url)

        busy: dict[tuple[str, str], Load] = {}
        single: dict[tuple[str, str], Load] = {}
        opened: dict[str, int] = {}
        for name, port, server in targets:
            before = upstream_connections(upstream_port)
            for label, path, post_bytes in REQUESTS:
                url = f"http://{LOOPBACK}:{port}{path}"
                busy[name, label] = measure(
                    url, options, connections, work, server, post_bytes=post_bytes
                )
                single[name, label] = measure(url, options, 1, work, server, post_bytes=post_bytes)
            opened[name] = upstream_connections(upstream_port) - before - 1
            fastn.check_running()

    table = Table(
        f"Proxy: requests/s, latency (ms) and server CPU per request at c={connections}; "
        "p50 at c=1",
        [
            "request", "route", f"req/s c={connections}", "p50", "p99", "server CPU µs/req",
            "× nginx req/s", "× nginx CPU efficiency", "p50 c=1", "c=1 p50 over nginx",
            "upstream connections opened",
        ],
    )  # fmt: skip
    table.notes.append(
        "CPU efficiency = nginx's CPU per request ÷ this server's: the req/s ratio one core of "
        "each would reach with the machine otherwise idle (robust to other load)"
    )
    for label, _, _ in REQUESTS:
        for name, _, _ in targets:
            load, quiet = busy[name, label], single[name, label]
            nginx_load, nginx_quiet = busy["nginx proxy", label], single["nginx proxy", label]
            proxied = name != "direct"
            table.add(
                label,
                name,
                *load_cells(load),
                ratio(load.rps, nginx_load.rps) if proxied else "",
                cpu_ratio(nginx_load, load) if proxied else "",
                f"{quiet.p50_ms:.3f}",
                f"{quiet.p50_ms - nginx_quiet.p50_ms:+.3f}" if name == "fastn serve" else "",
                opened[name] if proxied else "",
            )
    for label, _, _ in REQUESTS:
        throughput = busy["fastn serve", label].rps / busy["nginx proxy", label].rps
        added = single["fastn serve", label].p50_ms - single["nginx proxy", label].p50_ms
        table.notes.append(
            target_note(
                f"{label}: fastn {throughput:.2f}× nginx req/s",
                throughput >= THROUGHPUT_RATIO_TARGET,
                f"≥ {THROUGHPUT_RATIO_TARGET}",
            )
        )
        table.notes.append(
            target_note(
                f"{label}: p50 at c=1 {added:+.3f} ms over nginx",
                added <= ADDED_P50_TARGET_MS,
                f"≤ {ADDED_P50_TARGET_MS} ms",
            )
        )
    floor = _floor_table(busy, constant_load, client_cpu_us, connections, alternatives)
    return [table, floor]


def _floor_table(
    busy: dict[tuple[str, str], Load],
    constant: Load,
    client_cpu_us: float,
    connections: int,
    alternatives: list[tuple[str, float]],
) -> Table:
    """What any proxy made of uvicorn and aiohttp's client costs at least, per 1 KB GET."""
    nginx_cpu = busy["nginx proxy", "1 KB GET"].cpu_us_per_request
    fastn_cpu = busy["fastn serve", "1 KB GET"].cpu_us_per_request
    server_cpu = constant.cpu_us_per_request
    table = Table(
        f"Proxy floor: CPU µs per 1 KB GET (c={connections}) of the parts fastn is built on",
        ["part", "CPU µs/request", "× nginx proxy CPU efficiency"],
    )
    if not (nginx_cpu and fastn_cpu and server_cpu):
        table.notes.append("not measured (a CPU figure is missing)")
        return table
    floor = server_cpu + client_cpu_us
    rows = [
        ("nginx proxy", nginx_cpu),
        ("uvicorn answering 1 KB from memory (a one-line ASGI app)", server_cpu),
        ("aiohttp ClientSession GET of the upstream's 1 KB, alone", client_cpu_us),
        ("the two together: the floor of a uvicorn + aiohttp proxy", floor),
        ("fastn serve", fastn_cpu),
    ]
    for part, cpu in rows + alternatives:
        table.add(part, f"{cpu:,.0f}", ratio(nginx_cpu, cpu))
    table.notes.append(
        f"a proxy built on uvicorn and aiohttp reaches at most {nginx_cpu / floor:.2f}× nginx's "
        f"CPU efficiency here; fastn spends {fastn_cpu - floor:,.0f} µs above that floor"
    )
    if alternatives:
        table.notes.append(
            "alternatives (issue 18 point 5), same method: granian's ASGI and RSGI servers "
            "answering from memory, pyreqwest's client alone; one is worth adopting if its "
            "floor is ≥ 1.5× below"
        )
    return table


def _alternatives(
    stack: ExitStack, work: Path, options: Options, connections: int, upstream_url: str
) -> list[tuple[str, float]]:
    """Floor rows of granian (ASGI, RSGI) and pyreqwest, when they are installed."""
    rows: list[tuple[str, float]] = []
    if importlib.util.find_spec("granian"):
        for interface, app in (("asgi", "constant:app"), ("rsgi", "constant:rsgi_app")):
            port = free_port()
            command = [
                sys.executable, "-m", "granian", "--interface", interface, "--host", LOOPBACK,
                "--port", str(port), "--workers", "1", "--runtime-threads", "1", "--no-ws",
                "--log-level", "warning", app,
            ]  # fmt: skip
            server = Service(
                f"granian-{interface}",
                command,
                work,
                cwd=work / "constant-app",
                cpu=options.cpu("server"),
            )
            stack.enter_context(server)
            wait_http(port, server)
            load = measure(f"http://{LOOPBACK}:{port}/1k", options, connections, work, server)
            if load.cpu_us_per_request:
                part = f"granian {interface.upper()} answering 1 KB from memory"
                rows.append((part, load.cpu_us_per_request))
    if importlib.util.find_spec("pyreqwest"):
        cpu_us = _client_alone(work, "pyreqwest", upstream_url, options, connections)
        rows.append(("pyreqwest Client GET of the upstream's 1 KB, alone", cpu_us))
    return rows


def _script(work: Path, name: str, text: str) -> Path:
    folder = work / f"{name}-app"
    folder.mkdir()
    (folder / f"{name}.py").write_text(text)
    return folder


def _client_alone(work: Path, client: str, url: str, options: Options, connections: int) -> float:
    """CPU µs per GET of `client` (aiohttp or pyreqwest) alone (uvloop, `connections` at a
    time), on the core of the server under test."""
    script = work / "client-app" / "client.py"
    if not script.exists():
        script = _script(work, "client", CLIENT_ALONE) / "client.py"
    requests = 2_000 if options.quick else 20_000
    cpu = options.cpu("server")
    prefix = ["taskset", "-c", str(cpu)] if cpu is not None else []
    result = subprocess.run(
        [*prefix, sys.executable, str(script), client, url, str(requests), str(connections)],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return float(result.stdout.strip())


if __name__ == "__main__":
    sys.exit(run_main(run, __doc__.splitlines()[0]))
