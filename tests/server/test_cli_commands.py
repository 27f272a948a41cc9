"""The `fastn` command: serve prints its URL (moving past a taken 8000, refusing a taken
`--port`); render inside and outside a package; build's plain 404 page; errors."""

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


def test_serve_refuses_a_port_given_explicitly_when_it_is_taken(package_folder) -> None:
    package = package_folder("-- import: fastn\n\n-- fastn.package: hello\n", {"index.ftd": INDEX})
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        taken = busy.getsockname()[1]
        result = fastn("serve", "--port", str(taken), cwd=package)
    assert result.returncode == 1
    assert f"port {taken} on 127.0.0.1 is already in use" in result.stderr
    assert "leave out --port" in result.stderr


def test_serve_without_port_moves_past_a_taken_8000_and_says_so(package_folder, fetch) -> None:
    package = package_folder("-- import: fastn\n\n-- fastn.package: hello\n", {"index.ftd": INDEX})
    with socket.socket() as busy:
        try:
            busy.bind(("127.0.0.1", 8000))
            busy.listen()
        except OSError:
            pass  # something else holds 8000 already: just as good
        process = subprocess.Popen(
            [sys.executable, "-m", "fastn.cli", "serve"],
            cwd=package,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            url_line = process.stdout.readline()
            moved_line = process.stderr.readline()
            port = int(url_line.rsplit(":", 1)[1].strip().strip("/"))
            reply = fetch(f"http://127.0.0.1:{port}/")
        finally:
            process.terminate()
            process.wait(10)
    assert port > 8000
    assert moved_line.strip() == f"fastn: port 8000 is in use, serving on {port}"
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


def test_render_finds_the_package_the_file_is_in(tmp_path: Path) -> None:
    """Imports of the package's own modules resolve, from any folder, as `fastn serve` does."""
    (tmp_path / "FASTN.ftd").write_text("-- import: fastn\n\n-- fastn.package: site\n")
    (tmp_path / "parts").mkdir()
    (tmp_path / "parts" / "greeting.ftd").write_text("-- string message: Hello from a module\n")
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "page.ftd").write_text(
        "-- import: site/parts/greeting\n\n-- ftd.text: $greeting.message\n"
    )
    result = fastn("render", "page.ftd", cwd=tmp_path / "docs")
    assert result.returncode == 0, result.stderr
    assert "Hello from a module" in result.stdout
    elsewhere = fastn("render", str(tmp_path / "docs" / "page.ftd"), cwd=Path("/"))
    assert "Hello from a module" in elsewhere.stdout


def test_render_reports_located_errors_inside_a_package(tmp_path: Path) -> None:
    (tmp_path / "FASTN.ftd").write_text("-- import: fastn\n\n-- fastn.package: site\n")
    (tmp_path / "bad.ftd").write_text("-- import: site/missing\n\n-- ftd.text: $missing.x\n")
    result = fastn("render", "bad.ftd", cwd=tmp_path)
    assert result.returncode == 1
    assert "bad.ftd:" in result.stderr and "missing" in result.stderr


def test_commands_outside_a_package_suggest_create_package(tmp_path: Path) -> None:
    for command in ("serve", "build", "check"):
        result = fastn(command, cwd=tmp_path)
        assert result.returncode == 1
        assert "is not a fastn package (`fastn create-package NAME` starts one)" in result.stderr


def test_build_writes_a_plain_404_page_without_404_ftd(tmp_path: Path) -> None:
    (tmp_path / "FASTN.ftd").write_text("-- import: fastn\n\n-- fastn.package: site\n")
    (tmp_path / "index.ftd").write_text(INDEX)
    result = fastn("build", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    page = (tmp_path / ".build" / "404.html").read_text()
    assert "404 Not Found" in page
