"""Issue 9 point 4: a progress bar for `fastn build` on a terminal and plain lines otherwise,
a coloured access log on a terminal, `--quiet` and `--verbose`."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from devex_support import Terminal, eventually, fastn, get

from servers import free_port

PACKAGE = "-- import: fastn\n\n-- fastn.package: chatty\n"
FILES = {
    "index.ftd": "-- ftd.text: Home\n",
    "a.ftd": "-- ftd.text: A\n",
    "b.ftd": "-- ftd.text: B\n",
    "broken.ftd": "-- ftd.nope: x\n",
}


def test_build_shows_a_progress_bar_on_a_terminal(package_folder) -> None:
    package = package_folder(PACKAGE, FILES)
    terminal = Terminal(["build"], package)
    assert terminal.wait() == 1
    output = terminal.output()

    assert "\r[" in output and "] 4/4 " in output  # one redrawn line
    assert "\n  /a/ -> a/index.html" not in output  # no line per document
    assert "broken.ftd:1: " in output  # errors still on their own line
    assert "Built chatty into" in output and "(1 failed)" in output


def test_build_prints_lines_when_not_on_a_terminal(package_folder) -> None:
    package = package_folder(PACKAGE, FILES)
    result = fastn("build", cwd=package)
    assert "\r" not in result.stdout
    assert "  /a/ -> a/index.html (" in result.stdout


def test_build_verbose_on_a_terminal_has_lines_and_quiet_only_errors(package_folder) -> None:
    package = package_folder(PACKAGE, FILES)
    verbose = Terminal(["build", "--verbose"], package)
    verbose.wait()
    assert "\r[" not in verbose.output()
    assert "  /a/ -> a/index.html (" in verbose.output()

    quiet = fastn("build", "--quiet", cwd=package)
    assert quiet.returncode == 1
    assert quiet.stdout == ""
    assert quiet.stderr.startswith("broken.ftd:1: ")


def test_the_console_script_ends_a_build_with_its_status_and_all_its_output(
    package_folder,
) -> None:
    """`fastn` (the console script, `fastn.cli:run`) ends a build's process at once: the
    status and every line written before still reach the caller through a pipe."""
    package = package_folder(PACKAGE, FILES)
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from fastn.cli import run; sys.argv[1:] = ['build']; run()",
        ],
        cwd=package,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert "  /a/ -> a/index.html (" in result.stdout
    assert result.stdout.endswith("(1 failed)\n")
    assert result.stderr.startswith("broken.ftd:1: ")


def test_access_log_is_coloured_on_a_terminal(package_folder) -> None:
    package = package_folder(PACKAGE, FILES)
    port = free_port()
    terminal = Terminal(["serve", "--port", str(port)], package)
    try:
        eventually(lambda: f":{port}/" in terminal.output(), "the URL")
        get(f"http://127.0.0.1:{port}/")
        get(f"http://127.0.0.1:{port}/missing/")
        eventually(lambda: "GET /missing/ 404" in terminal.output(), "two log lines")
    finally:
        terminal.stop()
    output = terminal.output()
    assert "\x1b[32mGET / 200 " in output  # green: success
    assert "\x1b[33mGET /missing/ 404 " in output  # yellow: client error


def test_no_color_turns_colours_off(package_folder) -> None:
    package = package_folder(PACKAGE, FILES)
    port = free_port()
    terminal = Terminal(["serve", "--port", str(port)], package, env={"NO_COLOR": "1"})
    try:
        eventually(lambda: f":{port}/" in terminal.output(), "the URL")
        get(f"http://127.0.0.1:{port}/")
        eventually(lambda: "GET / 200" in terminal.output(), "a log line")
    finally:
        terminal.stop()
    assert "\x1b[" not in terminal.output()


def test_serve_quiet_and_verbose(package_folder, start_fastn) -> None:
    package = package_folder(PACKAGE, FILES)
    quiet = start_fastn(package, "--quiet")
    assert get(f"{quiet.url}/")[0] == 200
    assert get(f"{quiet.url}/broken/")[0] == 500
    eventually(lambda: "broken.ftd:1: " in quiet.output(), "the error is still logged")
    assert "GET /" not in quiet.output()

    verbose = start_fastn(package, "--verbose")
    assert get(f"{verbose.url}/a/")[0] == 200  # started: the package is watched
    (package / "a.ftd").write_text("-- ftd.text: A2\n")
    eventually(lambda: "changed: a.ftd" in verbose.output(), "what changed is logged")


def test_serve_workers_need_production(package_folder) -> None:
    package = package_folder(PACKAGE, FILES)
    result = fastn("serve", "--workers", "2", "--port", "0", cwd=Path(package))
    assert result.returncode == 2
    assert "--workers needs --production" in result.stderr
