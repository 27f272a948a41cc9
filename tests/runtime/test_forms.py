"""Frontend API calls: ftd.submit_form and ftd.http go to fastn (same origin), fastn forwards
them to a real backend on loopback (url-mappings), and the page applies the JSON answer:
data, errors (Django's lists of strings included), redirect, reload."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from aiohttp import web
from runtime_support import Tab

from servers import LOOPBACK, free_port

FORM = """
-- string $email: someone
-- string $name: Ann
-- optional string $email-error:
-- optional string $form-error:
-- optional string $name-error:
-- string $message: nothing yet
-- string $greeting: no greeting
-- ftd.string-field $nick: nick
value: none

-- ftd.text-input:
id: email
$on-input$: $ftd.set-string($a = $email, v = $VALUE)

-- ftd.text: $email-error
id: email-error
if: { email-error != NULL }

-- ftd.text: $form-error
id: form-error
if: { form-error != NULL }

-- ftd.text: $message
id: message

-- ftd.text: subscribe
id: subscribe
$on-click$: $subscribe(email = $email, name = $name, $email-error = $email-error, $form-error = $form-error)

-- ftd.text-input:
id: nick
$on-input$: $ftd.set-string($a = $nick.value, v = $VALUE)

-- ftd.text: $nick.error
id: nick-error
if: { nick.error != NULL }

-- ftd.text: save nick
id: save-nick
$on-click$: $save-nick($nick = $nick)

-- ftd.text: $greeting
id: greeting

-- ftd.text: greet
id: greet
$on-click$: $greet(name = $name)

-- ftd.text: $name-error
id: name-error
if: { name-error != NULL }

-- ftd.text: check
id: check
$on-click$: $check(name = $name)

-- ftd.text: leave
id: leave
$on-click$: $leave()

-- ftd.text: again
id: again
$on-click$: $again()

-- ftd.text: through the endpoint
id: via-endpoint
$on-click$: $via-endpoint(name = $name, headers = $headers)

-- void subscribe(email, name, email-error, form-error):
string email:
string name:
optional string $email-error:
optional string $form-error:

ftd.submit_form(("/api/subscribe/", form-error), ("email", email, email-error), ("name", name))

-- void save-nick(nick):
ftd.string-field $nick:

ftd.submit_form("/api/nick/", nick)

-- void greet(name):
string name:

ftd.http("/api/greeting/", "GET", ("name", name))

-- void check(name):
string name:

ftd.http("/api/check/", "POST", ("name", name))

-- void leave():

ftd.submit_form("/api/leave/", ("why", "done"))

-- record api-headers:
string x-client:

-- api-headers headers:
x-client: fastn page

-- void via-endpoint(name, headers):
string name:
api-headers headers:

ftd.http("/greeting/", "PUT", headers, ("name", name))

-- void again():

ftd.http("/api/again/", "POST")
"""


class Backend:
    """A JSON API in the style of a Django app, recording what it was sent."""

    def __init__(self) -> None:
        self.port = free_port()
        self.received: list[dict] = []
        self.loop = asyncio.new_event_loop()
        self.runner: web.AppRunner | None = None

    async def handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        self.received.append(
            {
                "method": request.method,
                "path": request.path,
                "query": dict(request.query),
                "type": request.headers.get("Content-Type"),
                "client": request.headers.get("X-Client"),
                "json": json.loads(body) if body else None,
            }
        )
        data = self.received[-1]["json"] or {}
        name = request.match_info["name"]
        if name == "subscribe":
            if "@" not in data["email"]:
                errors = {
                    "email": ["Enter a valid email address.", "It needs an @."],
                    "__all__": ["Please correct the errors below."],
                }
                return web.json_response({"errors": errors}, status=400)
            return web.json_response({"data": {"app/form#message": f"welcome {data['name']}"}})
        if name == "nick":
            if len(data["nick"]) < 3:
                return web.json_response({"errors": {"nick": "too short"}})
            return web.json_response({"data": {"app/form#message": f"nick {data['nick']}"}})
        if name == "greeting":
            who = request.query.get("name") or data.get("name")
            return web.json_response({"data": {"greeting": f"hello {who}"}})
        if name == "check":
            return web.json_response({"errors": {"name": ["taken,", "sorry"]}})
        if name == "leave":
            return web.json_response({"redirect": "/done/"})
        return web.json_response({"reload": True})

    def start(self) -> Backend:
        app = web.Application()
        app.router.add_route("*", "/api/{name}/", self.handle)
        self.runner = web.AppRunner(app)
        threading.Thread(target=self.loop.run_forever, daemon=True).start()
        asyncio.run_coroutine_threadsafe(self._serve(), self.loop).result(10)
        return self

    async def _serve(self) -> None:
        assert self.runner is not None
        await self.runner.setup()
        await web.TCPSite(self.runner, LOOPBACK, self.port).start()

    def stop(self) -> None:
        assert self.runner is not None
        asyncio.run_coroutine_threadsafe(self.runner.cleanup(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)


@pytest.fixture(scope="module")
def backend() -> Iterator[Backend]:
    server = Backend().start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def server(package_folder: Callable[..., Path], start_fastn: Callable, backend: Backend) -> str:
    fastn_ftd = (
        "-- import: fastn\n\n-- fastn.package: app\n"
        f"endpoint: http://{LOOPBACK}:{backend.port}/api\n\n-- fastn.url-mappings:\n\n"
        f"/api/* -> http+proxy://{LOOPBACK}:{backend.port}/api/*\n"
    )
    files = {"form.ftd": FORM, "done.ftd": "-- ftd.text: all done\nid: done\n"}
    return start_fastn(package_folder(fastn_ftd, files)).url


def test_form_errors_then_data(tab: Tab, server: str, backend: Backend) -> None:
    page = tab.open(f"{server}/form/").page
    page.fill("#email", "not-an-address")
    page.click("#subscribe")
    page.wait_for_selector("#email-error")
    assert tab.text("#email-error") == "Enter a valid email address. It needs an @."
    assert tab.text("#form-error") == "Please correct the errors below."
    sent = backend.received[-1]
    assert (sent["method"], sent["path"], sent["type"]) == (
        "POST",
        "/api/subscribe/",
        "application/json",
    )
    assert sent["json"] == {"email": "not-an-address", "name": "Ann"}
    assert tab.text("#message") == "nothing yet"  # no data with errors

    page.fill("#email", "ann@example.com")
    page.click("#subscribe")
    page.wait_for_selector("#email-error", state="detached")
    assert tab.text("#message") == "welcome Ann"
    assert page.locator("#form-error").count() == 0


def test_field_records_carry_their_errors(tab: Tab, server: str, backend: Backend) -> None:
    page = tab.open(f"{server}/form/").page
    page.fill("#nick", "ab")
    page.click("#save-nick")
    page.wait_for_selector("#nick-error")
    assert tab.text("#nick-error") == "too short"
    assert backend.received[-1]["json"] == {"nick": "ab"}
    page.fill("#nick", "abcd")
    page.click("#save-nick")
    page.wait_for_selector("#nick-error", state="detached")
    assert tab.text("#message") == "nick abcd"


def test_http_get_data_and_post_errors(tab: Tab, server: str, backend: Backend) -> None:
    page = tab.open(f"{server}/form/").page
    page.click("#greet")
    page.wait_for_function("document.getElementById('greeting').innerText === 'hello Ann'")
    assert backend.received[-1]["method"] == "GET"
    assert backend.received[-1]["query"] == {"name": "Ann"}
    page.click("#check")
    page.wait_for_selector("#name-error")
    assert tab.text("#name-error") == "taken, sorry"  # `<key>-error`, Django's list joined
    assert backend.received[-1]["json"] == {"name": "Ann"}


def test_redirect_and_reload(tab: Tab, server: str, backend: Backend) -> None:
    page = tab.open(f"{server}/form/").page
    page.evaluate("window.before = true")
    page.click("#again")
    page.wait_for_function("window.before === undefined && window.fastn !== undefined")
    assert page.url == f"{server}/form/"
    with page.expect_navigation(url=f"{server}/done/"):
        page.click("#leave")
    assert tab.text("#done") == "all done"
    assert backend.received[-1]["json"] == {"why": "done"}


def test_http_with_headers_through_the_endpoint(tab: Tab, server: str, backend: Backend) -> None:
    """No url-mapping matches `/greeting/`: fastn forwards it to `endpoint` (`/api/…`)."""
    page = tab.open(f"{server}/form/").page
    page.click("#via-endpoint")
    page.wait_for_function("document.getElementById('greeting').innerText === 'hello Ann'")
    sent = backend.received[-1]
    assert (sent["method"], sent["path"], sent["client"]) == ("PUT", "/api/greeting/", "fastn page")
    assert sent["json"] == {"name": "Ann"}
