"""Issue 9 point 1: in development, edits apply without a restart and open tabs reload.

Browser tests run Chromium against `fastn serve`: a tab reloads by itself when a document or
a static file changes and when the backend comes back after a restart. `FASTN.ftd` and `.env`
changes (fastn#1362) are checked over HTTP. Production has none of it.
"""

from __future__ import annotations

import asyncio
import http.client
import signal
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from devex_support import Backend, eventually, get

from fastn.package.config import load_package
from fastn.server.app import AppOptions, build_app
from fastn.server.devtools import LiveReload, PackageFiles
from fastn.server.responses import ASGIApp
from servers import STARTUP_SECONDS

PACKAGE = "-- import: fastn\n\n-- fastn.package: live\n"


def wait_for_text(page, text: str) -> None:
    page.wait_for_function(
        "text => document.body && document.body.innerText.includes(text)", arg=text, timeout=20000
    )


def test_an_open_tab_reloads_when_a_document_changes(package_folder, start_fastn, page) -> None:
    package = package_folder(PACKAGE, {"index.ftd": "-- ftd.text: First version\n"})
    server = start_fastn(package)
    page.goto(f"{server.url}/")
    wait_for_text(page, "First version")
    page.evaluate("window.sameDocument = true")

    (package / "index.ftd").write_text("-- ftd.text: Second version\n")

    wait_for_text(page, "Second version")
    assert page.evaluate("window.sameDocument") is None  # reloaded, not patched in place


def test_an_open_tab_reloads_when_a_static_file_changes(package_folder, start_fastn, page) -> None:
    html = "<!DOCTYPE html><html><body><p>{}</p></body></html>"
    package = package_folder(PACKAGE, {"plain.html": html.format("Old static text")})
    server = start_fastn(package)
    page.goto(f"{server.url}/plain.html")
    wait_for_text(page, "Old static text")

    (package / "plain.html").write_text(html.format("New static text"))

    wait_for_text(page, "New static text")


LARGE_PAGE = 2_000_000  # bytes: streamed through the proxy in many pieces


@pytest.mark.parametrize("filler", [0, LARGE_PAGE], ids=["small-page", "large-page"])
def test_an_open_tab_reloads_when_the_backend_comes_back(
    package_folder, start_fastn, page, backend: Backend, filler: int
) -> None:
    backend.start("Backend version 1", filler)
    package = package_folder(PACKAGE + f"endpoint: {backend.url}\n")
    server = start_fastn(package)
    page.goto(f"{server.url}/app/")  # not in the package: proxied, and the script injected
    wait_for_text(page, "Backend version 1")

    backend.stop()  # e.g. Django's autoreloader restarting after a code change
    assert get(f"{server.url}/app/")[0] == 502
    backend.start("Backend version 2", filler)

    wait_for_text(page, "Backend version 2")


def test_a_large_backend_page_streams_with_the_script_and_a_right_length(
    package_folder, start_fastn, backend: Backend
) -> None:
    backend.start("Big page", LARGE_PAGE)
    server = start_fastn(package_folder(PACKAGE + f"endpoint: {backend.url}\n"))

    status, headers, body = get(f"{server.url}/app/")  # urllib checks the declared length

    assert status == 200 and b"Big page" in body
    assert int(headers["content-length"]) == len(body) > LARGE_PAGE
    assert body.startswith(b'<!DOCTYPE html><html><head><script src="/-/live-reload.js"')
    assert body.count(b"/-/live-reload.js") == 1


def test_a_fixed_error_page_reloads_into_the_page(package_folder, start_fastn, page) -> None:
    package = package_folder(PACKAGE, {"index.ftd": "-- ftd.txt: typo\n"})
    server = start_fastn(package)
    page.goto(f"{server.url}/")
    wait_for_text(page, "index.ftd:1")

    (package / "index.ftd").write_text("-- ftd.text: Fixed\n")

    wait_for_text(page, "Fixed")


def test_removing_a_redirect_from_fastn_ftd_needs_no_restart(package_folder, start_fastn) -> None:
    redirects = "\n-- fastn.redirects:\n\n/old/ -> /new/\n"
    package = package_folder(PACKAGE + redirects, {"new.ftd": "-- ftd.text: New\n"})
    server = start_fastn(package)
    assert get(f"{server.url}/old/")[0] == 308

    (package / "FASTN.ftd").write_text(PACKAGE + "\n-- fastn.redirects:\n\n/gone/ -> /new/\n")

    eventually(lambda: get(f"{server.url}/old/")[0] == 404, "/old/ no longer redirects")
    assert get(f"{server.url}/gone/")[1]["location"] == "/new/"


def test_a_broken_fastn_ftd_is_shown_until_fixed(package_folder, start_fastn) -> None:
    package = package_folder(PACKAGE, {"index.ftd": "-- ftd.text: Home\n"})
    server = start_fastn(package)
    assert get(f"{server.url}/")[0] == 200

    (package / "FASTN.ftd").write_text(PACKAGE + "\n-- fastn.redirects:\n\n/a/ -> /a/\n")

    status, _, body = eventually(
        lambda: (reply := get(f"{server.url}/"))[0] == 500 and reply, "the error page"
    )
    assert b"FASTN.ftd:7" in body and b"points to itself" in body
    assert "> 7 | /a/ -&gt; /a/" not in server.output()  # the terminal has the raw text
    assert "> 7 | /a/ -> /a/" in server.output()

    (package / "FASTN.ftd").write_text(PACKAGE)

    eventually(lambda: get(f"{server.url}/")[0] == 200, "the page again")


def test_env_changes_apply_without_restart(package_folder, start_fastn, upstream) -> None:
    mappings = '\n-- fastn.url-mappings:\n\n/api/* -> http+proxy://127.0.0.1:${env.API_PORT or "1"}/api/*\n'
    package = package_folder(PACKAGE + mappings)
    (package / ".env").write_text(f"API_PORT={upstream.port}\n")
    server = start_fastn(package)
    assert get(f"{server.url}/api/echo")[0] == 200

    (package / ".env").write_text("# the API is switched off\n")  # back to the default port 1

    eventually(lambda: get(f"{server.url}/api/echo")[0] == 502, "the .env default applies")

    (package / ".env").write_text(f"API_PORT={upstream.port}\n")

    eventually(lambda: get(f"{server.url}/api/echo")[0] == 200, "the new .env applies")


def test_production_has_no_live_reload(package_folder, start_fastn, start_uvicorn) -> None:
    package = package_folder(PACKAGE, {"index.ftd": "-- ftd.text: Home\n"})
    development = start_fastn(package)
    assert b"/-/live-reload.js" in get(f"{development.url}/")[2]
    assert get(f"{development.url}/-/live-reload.js")[0] == 200

    for server in (start_fastn(package, "--production"), start_uvicorn(package)):
        status, _, body = get(f"{server.url}/")
        assert status == 200 and b"Home" in body
        assert b"live-reload" not in body
        assert get(f"{server.url}/-/live-reload.js")[0] == 404


def test_ctrl_c_stops_the_server_while_a_tab_listens(package_folder, start_fastn) -> None:
    server = start_fastn(package_folder(PACKAGE, {"index.ftd": "-- ftd.text: Home\n"}))
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    connection.request("GET", "/-/live-reload")
    stream = connection.getresponse()
    assert stream.headers["content-type"] == "text/event-stream"
    assert stream.readline().startswith(b"retry: ")  # the tab is listening

    server.process.send_signal(signal.SIGINT)

    server.process.wait(30)  # uvicorn alone would wait for the open stream forever
    stream.read()  # the stream was ended properly (a cut connection raises here)
    connection.close()
    assert "Traceback" not in server.output()


async def asgi_status(app: ASGIApp, path: str) -> int:
    """The status of a GET for `path`, asked of the ASGI app in this process."""
    scope = {
        "type": "http",
        "method": "GET",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "headers": [(b"host", b"127.0.0.1")],  # HTTP/1.1 requests without one are refused
        "client": ("127.0.0.1", 1),
        "server": ("127.0.0.1", 80),
        "scheme": "http",
        "http_version": "1.1",
        "root_path": "",
    }
    sent: list[dict] = []

    async def receive() -> dict:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict) -> None:
        sent.append(message)

    await app(scope, receive, send)
    return sent[0]["status"]


def test_an_edit_made_before_the_watcher_is_up_is_not_missed(tmp_path: Path) -> None:
    """The watcher comes up while the server already answers; what changed since the package
    was read (here: before the watcher even started) still reloads it and the tabs."""
    package = tmp_path / "package"
    package.mkdir()
    (package / "FASTN.ftd").write_text(PACKAGE + "\n-- fastn.redirects:\n\n/old/ -> /new/\n")
    (package / "new.ftd").write_text("-- ftd.text: New\n")
    files = PackageFiles(package)
    app = build_app(load_package(package), options=AppOptions(development=True), files=files)
    live_reload = next(service for service in app.services if isinstance(service, LiveReload))

    (package / "FASTN.ftd").write_text(PACKAGE)  # the redirect removed

    async def main() -> tuple[int, int]:
        before = await asgi_status(app, "/old/")
        await live_reload.start()
        deadline = time.monotonic() + STARTUP_SECONDS
        while live_reload.changes == 0 and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        after = await asgi_status(app, "/old/")
        await live_reload.close()
        return before, after

    with ThreadPoolExecutor(1) as thread:  # this thread may run Playwright's event loop
        before, after = thread.submit(asyncio.run, main()).result()
    assert before == 308  # not yet seen: the package as it was read
    assert live_reload.changes == 1
    assert after == 404


def test_build_output_and_a_build_being_deleted_are_not_watched(tmp_path: Path) -> None:
    """`fastn build` next to a running `fastn serve` writes `.build/` and deletes the previous
    one as `.build-removing-…`: neither is a change of the package."""
    package = tmp_path / "package"
    package.mkdir()
    (package / "FASTN.ftd").write_text(PACKAGE)
    (package / "index.ftd").write_text("-- ftd.text: Hello\n")
    files = PackageFiles(package)
    for folder in (".build", ".build-removing-123-456"):
        (package / folder / "about").mkdir(parents=True)
        (package / folder / "about" / "index.html").write_text("<p>old</p>")
    assert files.changed() == []
    (package / "index.ftd").write_text("-- ftd.text: Hello again\n")
    assert files.changed() == ["index.ftd"]
