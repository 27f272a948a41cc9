"""Page limits (issue 14): what other clients wait while slow pages render, and fastn's memory
while a page request's body is far over the cap.

A slow page is one that draws request data as markdown: a JSON body of `![` repeated, which
markdown takes quadratic time to read. While 1 (then 8 smaller ones) render, `GET /` (a
constant page) and `GET /echo/?text=light` (a page with a processor) are asked 3 times each,
one after the other; the table shows how long they took. Target: < 100 ms with one slow page.
Then a 300 MiB body is sent to a page (declared with Content-Length, then chunked) and
fastn's RSS is sampled: it is refused with 413 before it is read, so the RSS stays flat.
fastn runs on its own core, the clients on the other.
"""

from __future__ import annotations

import json
import socket
import sys
import threading
import time
import uuid
from pathlib import Path

from harness import (
    LOOPBACK,
    Options,
    Service,
    Table,
    free_port,
    pinned,
    rss_bytes,
    run_main,
    scratch_folder,
    target_note,
    wait_http,
)

WAIT_TARGET_MS = 100
MB = 1024 * 1024
ECHO_PAGE = """\
-- import: fastn/processors as pr

-- string text: none
$processor$: pr.request-data

-- ftd.text: $text
"""


def exchange(port: int, head: bytes, body: bytes = b"") -> tuple[int, float]:
    """(status, seconds) of one request on its own connection."""
    started = time.perf_counter()
    with socket.create_connection((LOOPBACK, port), timeout=600) as sock:
        sock.sendall(head + body)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    return int(answer.split(b" ", 2)[1]), time.perf_counter() - started


def get(path: str) -> bytes:
    return f"GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode()


def slow_page_request(marks: int) -> tuple[bytes, bytes]:
    body = json.dumps({"text": "![" * marks + uuid.uuid4().hex}).encode()  # never cached
    head = (
        b"GET /echo/ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
        b"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n" % len(body)
    )
    return head, body


def waits_while_slow(port: int, slow: int, marks: int) -> tuple[list[float], float]:
    """The other requests' seconds while `slow` slow pages render; the slow pages' longest."""
    slow_seconds: list[float] = []
    threads = [
        threading.Thread(
            target=lambda: slow_seconds.append(exchange(port, *slow_page_request(marks))[1])
        )
        for _ in range(slow)
    ]
    for thread in threads:
        thread.start()
    time.sleep(0.5)  # they are rendering
    waits = []
    for path in ["/", "/echo/?text=light"] * 3:
        status, seconds = exchange(port, get(path))
        if status != 200:
            raise RuntimeError(f"GET {path} answered {status}")
        waits.append(seconds)
    for thread in threads:
        thread.join()
    return waits, max(slow_seconds)


def body_growth(port: int, pid: int, size: int, chunked: bool) -> tuple[int, float, float]:
    """(status, MB sent before fastn stopped reading, peak RSS growth in MB)."""
    framing = b"Transfer-Encoding: chunked" if chunked else b"Content-Length: %d" % size
    before = rss_bytes(pid)
    peak = before
    sent = 0
    piece = b"x" * MB
    chunk = b"%x\r\n%s\r\n" % (len(piece), piece) if chunked else piece
    with socket.create_connection((LOOPBACK, port), timeout=60) as sock:
        sock.sendall(b"GET /echo/ HTTP/1.1\r\nHost: x\r\n" + framing + b"\r\n\r\n")
        try:
            while sent < size:
                sock.sendall(chunk)
                sent += len(piece)
                peak = max(peak, rss_bytes(pid))
        except (BrokenPipeError, ConnectionResetError):
            pass
        try:
            answer = sock.recv(64)
        except ConnectionResetError:
            answer = b""
    status = int(answer.split(b" ", 2)[1]) if answer else 0
    peak = max(peak, rss_bytes(pid))
    return status, sent / MB, (peak - before) / MB


def run(options: Options) -> list[Table]:
    # `![` × 300 000 is a 585 KiB body, ~20 s of drawing; × 60 000 about 1 s
    marks = {1: 8000, 8: 4000} if options.quick else {1: 300_000, 8: 60_000}
    body_size = 30 * MB if options.quick else 300 * MB
    waits = Table(
        "Page limits: other clients while slow pages render (`![` × N drawn as markdown)",
        ["slow pages at once", "N", "GET / ms", "processor page ms", "longest slow page s"],
    )
    memory = Table(
        f"Page limits: a {body_size // MB} MiB body sent to a page (FASTN_MAX_BODY 1 MiB)",
        ["framing", "status", "MiB sent before fastn stopped reading", "RSS growth MiB"],
    )
    with scratch_folder() as work:
        package = Path(work) / "package"
        package.mkdir()
        (package / "FASTN.ftd").write_text("-- import: fastn\n\n-- fastn.package: limits\n")
        (package / "index.ftd").write_text("-- ftd.text: Home page\n")
        (package / "echo.ftd").write_text(ECHO_PAGE)
        port = free_port()
        command = [sys.executable, "-m", "fastn.cli", "serve", "--production"]
        with (
            Service(
                "fastn",
                [*command, "--port", str(port)],
                work,
                cwd=package,
                cpu=options.cpu("server"),
            ) as fastn,
            pinned(options.cpu("load")),
        ):
            wait_http(port, fastn, "/echo/?text=warm")
            one_wait = 0.0
            for slow, size in marks.items():
                seconds, slowest = waits_while_slow(port, slow, size)
                home, processor = seconds[0::2], seconds[1::2]
                waits.add(
                    slow,
                    size,
                    ", ".join(f"{value * 1000:.0f}" for value in home),
                    ", ".join(f"{value * 1000:.0f}" for value in processor),
                    f"{slowest:.1f}",
                )
                if slow == 1:
                    one_wait = max(seconds)
            for chunked in (False, True):
                status, sent, growth = body_growth(port, fastn.pid, body_size, chunked)
                framing = "chunked" if chunked else "Content-Length"
                memory.add(framing, status, f"{sent:.0f}", f"{growth:.1f}")
    waits.notes.append(
        target_note(
            f"longest wait with one slow page: {one_wait * 1000:.0f} ms",
            one_wait * 1000 < WAIT_TARGET_MS,
            f"< {WAIT_TARGET_MS} ms",
        )
    )
    return [waits, memory]


if __name__ == "__main__":
    sys.exit(run_main(run, __doc__.splitlines()[0]))
