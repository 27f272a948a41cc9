"""Issue 18: `fastn serve --production --front nginx` runs nginx as its child and stops with
it; `fastn nginx-conf` puts one's own nginx in front of a running fastn-py."""

from __future__ import annotations

import json
import os
import re
import signal
from pathlib import Path

import pytest
from devex_support import NGINX, eventually, fastn, get

from servers import free_port

PACKAGE = """\
-- import: fastn

-- fastn.package: fronted
endpoint: http://127.0.0.1:{port}/backend
"""
FILES = {
    "index.ftd": "-- ftd.text: Home page\n",
    "404.ftd": "-- ftd.text: Nothing here\n",
    "style.css": "body { color: red }\n",
}


@pytest.fixture(scope="module", autouse=True)
def needs_nginx() -> None:
    if not os.access(NGINX, os.X_OK):
        pytest.skip(f"nginx not found at {NGINX}")


def nginx_of(server) -> int:
    """The pid of the nginx fastn serve started (it says so when it starts)."""
    found = eventually(lambda: re.search(r"nginx in front \(pid (\d+)\)", server.output()), "pid")
    return int(found.group(1))


def runtime_of(server) -> Path:
    found = re.search(r"fastn-py on (\S+)/fastn\.sock", server.output())
    assert found
    return Path(found.group(1))


def is_running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return Path(f"/proc/{pid}/stat").read_text().split(")")[1].split()[0] != "Z"


def test_sigterm_stops_nginx_and_removes_the_runtime_folder(
    package_folder, start_fastn, upstream
) -> None:
    server = start_fastn(
        package_folder(PACKAGE.format(port=upstream.port), FILES),
        "--production",
        "--front",
        "nginx",
    )
    pid, runtime = nginx_of(server), runtime_of(server)
    assert get(f"{server.url}/")[0] == 200
    assert (runtime / "nginx.conf").is_file()

    server.process.send_signal(signal.SIGTERM)
    server.process.wait(20)

    assert not is_running(pid)
    assert not runtime.exists()


def test_nginx_dying_stops_fastn_serve_saying_why(package_folder, start_fastn, upstream) -> None:
    server = start_fastn(
        package_folder(PACKAGE.format(port=upstream.port), FILES),
        "--production",
        "--front",
        "nginx",
    )
    os.kill(nginx_of(server), signal.SIGKILL)

    assert server.process.wait(20) == 1
    assert "nginx stopped (killed by signal 9)" in server.output()
    with pytest.raises(OSError):  # nothing left listening: its workers went too
        get(f"{server.url}/style.css")


def test_missing_nginx_names_the_debian_package(package_folder, upstream) -> None:
    package = package_folder(PACKAGE.format(port=upstream.port), FILES)
    result = fastn(
        "serve", "--production", "--front", "nginx", cwd=package,
        env={"FASTN_NGINX": "/nonexistent/nginx"},
    )  # fmt: skip
    assert result.returncode == 1
    assert "nginx not found at /nonexistent/nginx" in result.stderr
    assert "nginx-light" in result.stderr


def test_the_front_needs_production(package_folder, upstream) -> None:
    result = fastn(
        "serve", "--front", "nginx", cwd=package_folder(PACKAGE.format(port=upstream.port), FILES)
    )
    assert result.returncode == 1 and "needs --production" in result.stderr


def test_nginx_conf_puts_ones_own_nginx_in_front(
    package_folder, start_fastn, upstream, nginx, tmp_path: Path
) -> None:
    package = package_folder(PACKAGE.format(port=upstream.port), FILES)
    fastn_py = start_fastn(package, "--production")
    port = free_port()
    result = fastn(
        "nginx-conf", "--fastn", f"127.0.0.1:{fastn_py.port}", "--listen", f"127.0.0.1:{port}",
        "--error-pages", str(tmp_path / "errors"), cwd=package,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    conf = tmp_path / "front.conf"
    conf.write_text(result.stdout)
    server = nginx(conf)
    checked = server.test_config()
    assert checked.returncode == 0, checked.stderr
    server.start(port)

    for path in ("/", "/style.css"):
        front, direct = get(f"http://127.0.0.1:{port}{path}"), get(f"{fastn_py.url}{path}")
        assert (front[0], front[2]) == (direct[0], direct[2]), path
    status, _, body = get(f"http://127.0.0.1:{port}/about/x?y=1")  # straight to the endpoint
    assert (status, json.loads(body)["raw_path"]) == (200, "/backend/about/x?y=1")
    assert (tmp_path / "errors" / "404.html").read_text().count("Nothing here") == 1


def test_fastn_front_names_the_front(package_folder, upstream) -> None:
    package = package_folder(PACKAGE.format(port=upstream.port), FILES)
    result = fastn("serve", "--production", cwd=package, env={"FASTN_FRONT": "apache"})
    assert result.returncode == 2 and "the only front is nginx" in result.stderr
