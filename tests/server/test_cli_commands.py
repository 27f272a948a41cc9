"""The `fastn` command: serve prints its URL and moves past a taken port; render; errors."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path

INDEX = "-- ftd.text: Hello from fastn\n"


def fastn(*arguments: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "fastn.cli", *arguments],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_serve_prints_its_url_and_takes_the_next_port_when_busy(
    package_folder, start_fastn, fetch
) -> None:
    package = package_folder("-- import: fastn\n\n-- fastn.package: hello\n", {"index.ftd": INDEX})
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        taken = busy.getsockname()[1]
        server = start_fastn(
            package, "--port", str(taken)
        )  # the later --port wins over the fixture's
        assert server.port > taken
        assert f"http://127.0.0.1:{server.port}/" in server.output()
        reply = fetch(f"{server.url}/")
    assert reply.status == 200
    assert b"Hello from fastn" in reply.body


def test_serve_writes_one_access_log_line_per_request(package_folder, start_fastn, fetch) -> None:
    package = package_folder("-- import: fastn\n\n-- fastn.package: hello\n", {"index.ftd": INDEX})
    server = start_fastn(package)
    fetch(f"{server.url}/?x=1")
    fetch(f"{server.url}/missing/")
    deadline = time.monotonic() + 10  # the line is written once the response has gone out
    while True:
        lines = [line for line in server.output().splitlines() if line.startswith("GET ")]
        if len(lines) >= 2 or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert len(lines) == 2
    assert lines[0].startswith("GET /?x=1 200 ") and lines[0].endswith("ms")
    assert lines[1].startswith("GET /missing/ 404 ")


def test_serve_reports_a_bad_package_and_exits(package_folder) -> None:
    package = package_folder(
        "-- import: fastn\n\n-- fastn.package: p\n\n-- fastn.url-mappings:\n\n/a/ -> /a/\n"
    )
    result = fastn("serve", "--port", "0", cwd=package)
    assert result.returncode == 1
    assert "FASTN.ftd:7: redirect /a/ -> /a/ points to itself" in result.stderr


def test_render_writes_html(tmp_path: Path) -> None:
    (tmp_path / "page.ftd").write_text(INDEX)
    result = fastn("render", "page.ftd", "-o", "page.html", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Hello from fastn" in (tmp_path / "page.html").read_text()
    assert "Hello from fastn" in fastn("render", "page.ftd", cwd=tmp_path).stdout


def test_render_reports_located_errors(tmp_path: Path) -> None:
    (tmp_path / "bad.ftd").write_text("-- ftd.text: fine\n\n-- ftd.missing-component: x\n")
    result = fastn("render", "bad.ftd", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.startswith("bad.ftd:3: ")
