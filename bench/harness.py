"""What every benchmark shares: options, tools, processes on loopback, wrk runs, tables.

Every server a benchmark starts listens on 127.0.0.1 and is stopped when the benchmark ends
(`ExitStack`). With pinning on (the default when the machine has 2+ cores), the server under
test runs on the last core and the load generator and the upstream on core 0, so a row shows
what one core of the server under test can do (the method of peers.md §4.2).
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import http.client
import json
import os
import platform
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

LOOPBACK = "127.0.0.1"
REPO = Path(__file__).resolve().parent.parent
READY_TIMEOUT = 30.0
QUICK_SEQUENTIAL_REQUESTS = 200
INSTALL_HINTS = {
    "wrk": "apt-get install -y wrk",
    "nginx": "apt-get install -y nginx-light",
    "taskset": "apt-get install -y util-linux",
}


class MissingTool(RuntimeError):
    """A program the benchmark needs is not installed."""


def require(*tools: str) -> None:
    missing = [tool for tool in tools if tool_path(tool) is None]
    if missing:
        hints = "; ".join(f"{tool}: `{INSTALL_HINTS.get(tool, 'install it')}`" for tool in missing)
        raise MissingTool(f"missing tool(s) {', '.join(missing)} — install with {hints}")


def tool_path(tool: str) -> str | None:
    # nginx lives in /usr/sbin, which is not on every user's PATH
    return shutil.which(tool) or shutil.which(tool, path="/usr/sbin:/sbin")


# --------------------------------------------------------------------------- options


@dataclass(frozen=True)
class Options:
    """`--duration S` seconds per measured load; `--quick`: tiny loads, just to see it run."""

    duration: int = 5
    quick: bool = False
    pin: bool = True

    @property
    def warmup(self) -> int:
        return 0 if self.quick else 1

    def cpu(self, role: str) -> int | None:
        """Core for `role` ("server": the one under test; "load": wrk, upstreams)."""
        cores = os.cpu_count() or 1
        if not self.pin or cores < 2 or tool_path("taskset") is None:
            return None
        return cores - 1 if role == "server" else 0


def parse_options(description: str, argv: Sequence[str] | None = None) -> Options:
    parser = argparse.ArgumentParser(description=description)
    add_arguments(parser)
    return options_from(parser.parse_args(argv))


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--duration", type=int, default=5, help="seconds per measured load")
    parser.add_argument("--quick", action="store_true", help="tiny loads: check that it runs")
    parser.add_argument("--no-pin", action="store_true", help="do not pin processes to cores")


def options_from(arguments: argparse.Namespace) -> Options:
    return Options(
        duration=max(1, arguments.duration), quick=arguments.quick, pin=not arguments.no_pin
    )


# --------------------------------------------------------------------------- tables


@dataclass
class Table:
    title: str
    columns: list[str]
    rows: list[list[str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def add(self, *cells: object) -> None:
        self.rows.append([str(cell) for cell in cells])

    def markdown(self) -> str:
        lines = [f"### {self.title}", ""]
        lines.append("| " + " | ".join(self.columns) + " |")
        lines.append("|" + "|".join("---" for _ in self.columns) + "|")
        lines += ["| " + " | ".join(row) + " |" for row in self.rows]
        lines += [""] + [f"- {note}" for note in self.notes]
        return "\n".join(lines).rstrip() + "\n"


def ratio(value: float, reference: float) -> str:
    return f"{value / reference:.2f}×" if reference else "–"


def verdict(ok: bool) -> str:
    return "met" if ok else "**missed**"


def target_note(measured: str, ok: bool, target: str) -> str:
    """`fastn build: 175 pages/s (target ≥ 500: **missed**)`."""
    return f"{measured} (target {target}: {verdict(ok)})"


def run_main(
    run: Callable[[Options], list[Table]], description: str, argv: Sequence[str] | None = None
) -> int:
    """A benchmark script's `main`: parse options, run, print its tables (exit 2: tool missing)."""
    options = parse_options(description, argv)
    print(machine_summary(options) + "\n", flush=True)
    try:
        tables = run(options)
    except MissingTool as error:
        print(f"cannot run: {error}", file=sys.stderr)
        return 2
    for table in tables:
        print(table.markdown(), flush=True)
    return 0


def machine_summary(options: Options) -> str:
    model = "unknown CPU"
    with open("/proc/cpuinfo") as cpuinfo:
        for line in cpuinfo:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    pinning = "server under test on the last core, load and upstream on core 0"
    if options.cpu("server") is None:
        pinning = "no pinning"
    return (
        f"Machine: {os.cpu_count()} cores, {model}, Python {platform.python_version()}, "
        f"{platform.system()} {platform.release()}; fastn-py {source_version()}; {pinning}; "
        f"{options.duration} s per load{' (quick)' if options.quick else ''}; "
        f"{load_average()}"
    )


def load_average() -> str:
    """Other work on the machine, which the figures cannot exclude."""
    with open("/proc/loadavg") as averages:
        one, five = averages.read().split()[:2]
    return f"load average {one} (1 min), {five} (5 min)"


def source_version() -> str:
    """The commit of this checkout, `+changes` if its working tree differs from it."""
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True
        ).stdout.strip()
        changed = subprocess.run(
            ["git", "status", "--porcelain", "--", "src"], cwd=REPO, capture_output=True, text=True
        ).stdout.strip()
    except OSError:
        return "(not a git checkout)"
    return f"{commit or 'unknown'}{'+changes' if changed else ''}"


# --------------------------------------------------------------------------- processes


@contextlib.contextmanager
def pinned(cpu: int | None) -> Iterator[None]:
    """Run this process on core `cpu` for a while (no-op for None)."""
    if cpu is None:
        yield
        return
    previous = os.sched_getaffinity(0)
    os.sched_setaffinity(0, {cpu})
    try:
        yield
    finally:
        os.sched_setaffinity(0, previous)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((LOOPBACK, 0))
        return sock.getsockname()[1]


def python_environment(extra: dict[str, str] | None = None) -> dict[str, str]:
    """The environment for processes the benchmark starts: this checkout's `src` first on the
    import path (whatever `pip install -e` last pointed at), no inherited FASTN_* settings.

    Bytecode is cached as on a user's machine (pip compiles it at install; an editable
    install writes it at the first import): a shell's PYTHONDONTWRITEBYTECODE would make
    every launch compile fastn's modules again (≈ 0.09 s of CPU), which no user pays.
    """
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("FASTN_") and key != "PYTHONDONTWRITEBYTECODE"
    }
    path = environment.get("PYTHONPATH")
    environment["PYTHONPATH"] = str(REPO / "src") + (os.pathsep + path if path else "")
    environment.update(extra or {})
    return environment


class Service:
    """A server process on loopback; its output goes to a log file read on failure."""

    def __init__(
        self,
        name: str,
        command: list[str],
        log_dir: Path,
        *,
        cwd: Path | None = None,
        env: dict[str, str] | None = None,
        cpu: int | None = None,
    ) -> None:
        self.name = name
        self.log = log_dir / f"{name}.log"
        prefix = ["taskset", "-c", str(cpu)] if cpu is not None else []
        with self.log.open("wb") as output:
            self.process = subprocess.Popen(
                prefix + command,
                cwd=cwd,
                env=python_environment(env),
                stdout=output,
                stderr=subprocess.STDOUT,
            )

    @property
    def pid(self) -> int:
        return self.process.pid

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def check_running(self) -> None:
        if self.process.poll() is not None:
            raise RuntimeError(
                f"{self.name} exited with {self.process.returncode}:\n{self.output()}"
            )

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)

    def __enter__(self) -> Service:
        return self

    def __exit__(self, *_: object) -> None:
        self.stop()


def wait_http(
    port: int, service: Service, path: str = "/", timeout: float = READY_TIMEOUT
) -> float:
    """Poll until the server answers `path` (any status); the seconds it took."""
    started = time.perf_counter()
    deadline = started + timeout
    while True:
        service.check_running()
        try:
            status, _ = http_get(port, path, timeout=1)
            return time.perf_counter() - started
        except OSError:
            if time.perf_counter() > deadline:
                raise TimeoutError(
                    f"{service.name} did not answer on {port} in {timeout}s"
                ) from None
            time.sleep(0.002)


def http_get(port: int, path: str, timeout: float = 10) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection(LOOPBACK, port, timeout=timeout)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def expect_ok(port: int, path: str) -> bytes:
    status, body = http_get(port, path)
    if status != 200:
        raise RuntimeError(f"GET {path} on {port} answered {status}: {body[:300]!r}")
    return body


def rss_bytes(pid: int) -> int:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError(f"no VmRSS for {pid}")


def fastn_serve(
    package: Path,
    log_dir: Path,
    cpu: int | None,
    env: dict[str, str] | None = None,
    *options: str,
) -> tuple[Service, int]:
    """`fastn serve --production` (1 worker: no live reload, as deployed) in `package`;
    `options` such as `--front nginx`."""
    port = free_port()
    command = [sys.executable, "-m", "fastn.cli", "serve", "--production", "--port", str(port)]
    name = "fastn-front" if options else "fastn"
    service = Service(name, [*command, *options], log_dir, cwd=package, env=env, cpu=cpu)
    wait_http(port, service)
    return service, port


def fastn_in_front(
    work: Path, name: str, upstream_port: int, cpu: int | None, *options: str
) -> tuple[Service, int]:
    """`fastn serve` of a package with nothing but `endpoint:` pointing at the upstream."""
    package = work / name
    package.mkdir()
    (package / "FASTN.ftd").write_text(
        f"-- import: fastn\n\n-- fastn.package: {name}\n"
        f"endpoint: http://{LOOPBACK}:{upstream_port}\n"
    )
    return fastn_serve(package, work, cpu, None, *options)


def uvicorn_app(
    app: str, app_dir: Path, log_dir: Path, cpu: int | None, name: str, factory: bool = False
) -> tuple[Service, int]:
    """An ASGI app under uvicorn configured as `fastn serve` configures it (uvloop, httptools)."""
    port = free_port()
    command = [
        sys.executable, "-m", "uvicorn", app, "--app-dir", str(app_dir),
        "--host", LOOPBACK, "--port", str(port), "--workers", "1",
        "--loop", "uvloop", "--http", "httptools", "--no-access-log", "--no-server-header",
        "--log-level", "warning", *(["--factory"] if factory else []),
    ]  # fmt: skip
    service = Service(name, command, log_dir, cwd=app_dir, cpu=cpu)
    wait_http(port, service)
    return service, port


# --------------------------------------------------------------------------- nginx


def nginx(name: str, server_block: str, log_dir: Path, cpu: int | None) -> Service:
    """An nginx (1 worker, no access log) in the foreground with `server_block` in `http {}`."""
    require("nginx")
    prefix = log_dir / name
    prefix.mkdir(parents=True, exist_ok=True)
    config = prefix / "nginx.conf"
    config.write_text(
        f"""worker_processes 1;
daemon off;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;
events {{ worker_connections 4096; }}
http {{
  access_log off;
  client_body_temp_path {prefix}/body;
  proxy_temp_path {prefix}/proxy;
  fastcgi_temp_path {prefix}/fastcgi;
  uwsgi_temp_path {prefix}/uwsgi;
  scgi_temp_path {prefix}/scgi;
  default_type application/octet-stream;
{server_block}
}}
"""
    )
    return Service(
        name,
        [tool_path("nginx") or "nginx", "-p", str(prefix), "-c", str(config)],
        log_dir,
        cpu=cpu,
    )


# --------------------------------------------------------------------------- wrk


@dataclass(frozen=True)
class Load:
    """One bounded wrk run."""

    requests: int
    seconds: float
    errors: int
    p50_ms: float
    p99_ms: float
    server_cpu_seconds: float | None = None  # CPU the server under test used meanwhile

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def cpu_us_per_request(self) -> float | None:
        """Server CPU per request: unlike req/s, barely moved by other load on the machine."""
        if self.server_cpu_seconds is None or not self.requests:
            return None
        return self.server_cpu_seconds / self.requests * 1e6


# wrk's `done` hook prints exact figures as one JSON line (no parsing of its human output).
_WRK_REPORT = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRK-REPORT {"requests": %d, "duration_us": %d, "errors": %d, "p50_us": %d, "p99_us": %d}\\n',
    summary.requests, summary.duration, e.connect + e.read + e.write + e.status + e.timeout,
    latency:percentile(50), latency:percentile(99)))
end
"""


def wrk(
    url: str,
    seconds: int,
    connections: int,
    workdir: Path,
    *,
    post_bytes: int = 0,
    cpu: int | None = None,
) -> Load:
    """Run wrk (1 thread) against `url`; POST `post_bytes` bytes when given."""
    require("wrk")
    script = workdir / f"wrk-{post_bytes}.lua"
    body = ""
    if post_bytes:
        body = (
            'wrk.method = "POST"\n'
            f'wrk.body = string.rep("x", {post_bytes})\n'
            'wrk.headers["Content-Type"] = "application/octet-stream"\n'
        )
    script.write_text(body + _WRK_REPORT)
    prefix = ["taskset", "-c", str(cpu)] if cpu is not None else []
    command = prefix + [
        "wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s", "-s", str(script), url,
    ]  # fmt: skip
    finished = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60)
    for line in finished.stdout.splitlines():
        if line.startswith("WRK-REPORT "):
            report = json.loads(line.removeprefix("WRK-REPORT "))
            return Load(
                requests=report["requests"],
                seconds=report["duration_us"] / 1e6,
                errors=report["errors"],
                p50_ms=report["p50_us"] / 1000,
                p99_ms=report["p99_us"] / 1000,
            )
    raise RuntimeError(f"wrk gave no report:\n{finished.stdout}\n{finished.stderr}")


def measure(
    url: str,
    options: Options,
    connections: int,
    workdir: Path,
    server: Service,
    *,
    post_bytes: int = 0,
) -> Load:
    """A warm-up run (unless quick), then the measured run, with the CPU `server` used.

    Quick runs at concurrency 1 use a few hundred sequential requests from this process
    instead of wrk, which cannot run for less than a second.
    """
    cpu = options.cpu("load")
    if options.warmup:
        wrk(url, options.warmup, connections, workdir, post_bytes=post_bytes, cpu=cpu)
    before = cpu_seconds(server.pid)
    if options.quick and connections == 1:
        load = sequential(url, QUICK_SEQUENTIAL_REQUESTS, post_bytes)
    else:
        load = wrk(url, options.duration, connections, workdir, post_bytes=post_bytes, cpu=cpu)
    return dataclasses.replace(load, server_cpu_seconds=cpu_seconds(server.pid) - before)


def process_tree(pid: int) -> list[int]:
    """A process and its descendants (those still running)."""
    processes = [pid]
    for parent in processes:  # grows as children are found
        with contextlib.suppress(FileNotFoundError, ProcessLookupError):
            for task in Path(f"/proc/{parent}/task").iterdir():
                processes += [int(child) for child in (task / "children").read_text().split()]
    return processes


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process, its threads and its descendants (nginx's worker;
    fastn serve's nginx in front and its worker)."""
    ticks = 0
    for process in process_tree(pid):
        fields = Path(f"/proc/{process}/stat").read_text().rsplit(")", 1)[1].split()
        ticks += int(fields[11]) + int(fields[12])  # utime, stime
    return ticks / os.sysconf("SC_CLK_TCK")


def tree_memory_bytes(pid: int) -> tuple[int, int]:
    """(Σ RSS, Σ PSS) of a process and its descendants. RSS counts a page shared by forked
    workers once per worker; PSS splits it among them, so Σ PSS is the memory they hold."""
    rss = pss = 0
    for process in process_tree(pid):
        with contextlib.suppress(FileNotFoundError, ProcessLookupError):
            for line in Path(f"/proc/{process}/smaps_rollup").read_text().splitlines():
                if line.startswith("Rss:"):
                    rss += int(line.split()[1]) * 1024
                elif line.startswith("Pss:"):
                    pss += int(line.split()[1]) * 1024
    return rss, pss


def sequential(url: str, count: int, post_bytes: int = 0) -> Load:
    """`count` requests one after another on one keep-alive connection."""
    parsed = urllib.parse.urlsplit(url)
    connection = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=10)
    method, body = ("POST", b"x" * post_bytes) if post_bytes else ("GET", None)
    latencies, errors = [], 0
    started = time.perf_counter()
    try:
        for _ in range(count):
            sent = time.perf_counter()
            connection.request(method, parsed.path, body=body)
            response = connection.getresponse()
            response.read()
            latencies.append(time.perf_counter() - sent)
            errors += response.status >= 400
    finally:
        connection.close()
    latencies.sort()
    return Load(
        requests=count,
        seconds=time.perf_counter() - started,
        errors=errors,
        p50_ms=latencies[len(latencies) // 2] * 1000,
        p99_ms=latencies[min(len(latencies) - 1, len(latencies) * 99 // 100)] * 1000,
    )


@contextlib.contextmanager
def scratch_folder() -> Iterator[Path]:
    """A temporary folder for packages, configs and logs, removed afterwards."""
    with tempfile.TemporaryDirectory(prefix="fastn-bench-") as folder:
        os.chmod(folder, 0o755)  # nginx workers run as an unprivileged user when started as root
        yield Path(folder)


def load_cells(load: Load) -> list[str]:
    """req/s, p50, p99 and server CPU µs per request."""
    errors = f" ({load.errors} errors)" if load.errors else ""
    cpu = load.cpu_us_per_request
    return [
        f"{load.rps:,.0f}{errors}",
        f"{load.p50_ms:.2f}",
        f"{load.p99_ms:.2f}",
        f"{cpu:,.0f}" if cpu is not None else "–",
    ]
