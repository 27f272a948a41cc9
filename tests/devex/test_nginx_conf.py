"""Issue 9 point 6 and issue 3 (`--base-url`): `fastn build --nginx-conf` gives nginx the
routing of `fastn serve`, checked by sending the same requests to a real nginx and to
`fastn serve` with the same backend; a site built for `/prefix/` works served there."""

from __future__ import annotations

import asyncio
from pathlib import Path

import aiohttp
import pytest
from devex_support import fastn, get

from servers import free_port, run_async

PACKAGE = """\
-- import: fastn

-- fastn.package: routed
endpoint: http://127.0.0.1:{port}/backend

-- fastn.url-mappings:

/api/* -> http+proxy://127.0.0.1:{port}/api/*
/v2/* -> http+proxy://127.0.0.1:{port}/mapped/*
/legacy/ -> /about/

-- fastn.redirects:

/old/ -> /docs/intro/
"""

FILES = {
    "index.ftd": "-- ftd.text: Home page\n",
    "about.ftd": "-- ftd.text: About page\n",
    "docs/index.ftd": "-- ftd.text: Docs index\n",
    "docs/intro.ftd": "-- ftd.text: Docs intro\n",
    "404.ftd": "-- ftd.text: Lost?\n",
    "logo.svg": "<svg xmlns='http://www.w3.org/2000/svg'/>",
}

REQUESTS = [
    ("GET", "/", None),
    ("GET", "/about", None),
    ("GET", "/about/", None),
    ("GET", "/docs/", None),
    ("GET", "/docs/intro/", None),
    ("HEAD", "/about/", None),
    ("GET", "/logo.svg", None),
    ("GET", "/old/?from=mail", None),
    ("GET", "/old", None),
    ("GET", "/legacy/", None),
    ("GET", "/api/echo/a%2Fb?q=1&q=2", None),
    ("GET", "/v2/echo", None),
    ("GET", "/somewhere/else%20x?y=2", None),
    ("GET", "/missing.png", None),
    ("POST", "/about/", b"a=1&b=2"),
    ("PUT", "/logo.svg", b"new"),
    ("DELETE", "/api/items/7", None),
]


def outcome(base: str, method: str, path: str, data: bytes | None) -> tuple:
    """What a request came to: a redirect, what the backend saw, or a page/file of the site."""
    status, headers, body = get(base + path, method, data)
    content_type = headers.get("content-type") or headers.get("Content-Type") or ""
    if status in (301, 302, 307, 308):
        return status, headers.get("location") or headers.get("Location")
    if content_type.startswith("application/json"):  # the echo backend
        import json

        seen = json.loads(body)
        return status, "backend", seen["method"], seen["raw_path"], seen["body_length"]
    return status, content_type.split(";")[0], body


def build_with_nginx(package: Path, nginx, *options: str):
    port = free_port()
    conf = package.parent / f"{package.name}-nginx.conf"
    built = fastn(
        "build", "--nginx-conf", str(conf), "--nginx-listen", f"127.0.0.1:{port}", *options,
        cwd=package,
    )  # fmt: skip
    assert built.returncode == 0, built.stderr
    server = nginx(conf)
    checked = server.test_config()
    assert checked.returncode == 0, checked.stderr
    server.start(port)
    return f"http://127.0.0.1:{port}", conf.read_text()


def test_nginx_routes_like_fastn_serve(upstream, package_folder, start_fastn, nginx) -> None:
    package = package_folder(PACKAGE.format(port=upstream.port), FILES)
    nginx_url, _ = build_with_nginx(package, nginx)
    served = start_fastn(package, "--production")

    for method, path, data in REQUESTS:
        expected = outcome(served.url, method, path, data)
        assert outcome(nginx_url, method, path, data) == expected, (method, path)

    assert outcome(nginx_url, "GET", "/about/", None)[2].count(b"About page") == 1
    assert outcome(nginx_url, "GET", "/old/?from=mail", None) == (308, "/docs/intro/?from=mail")
    assert outcome(nginx_url, "POST", "/about/", b"a=1&b=2") == (
        200, "backend", "POST", "/backend/about/", 7,
    )  # fmt: skip


def test_nginx_proxies_like_fastn(upstream, package_folder, nginx) -> None:
    package = package_folder(PACKAGE.format(port=upstream.port), FILES)
    nginx_url, _ = build_with_nginx(package, nginx)

    status, _, body = get(f"{nginx_url}/api/echo", "POST", b"x" * 100_000)

    import json

    seen = json.loads(body)
    headers = {name.lower(): value for name, value in seen["headers"]}
    assert (status, seen["body_length"]) == (200, 100_000)
    assert headers["host"] == f"127.0.0.1:{upstream.port}"
    assert headers["x-forwarded-for"] == "127.0.0.1"
    assert headers["x-forwarded-proto"] == "http"


def test_nginx_without_endpoint_serves_404_page(package_folder, start_fastn, nginx) -> None:
    package = package_folder("-- import: fastn\n\n-- fastn.package: alone\n", FILES)
    nginx_url, conf = build_with_nginx(package, nginx)
    served = start_fastn(package, "--production")
    assert "proxy_pass" not in conf

    for method, path in (("GET", "/no/such/page/"), ("POST", "/about/"), ("GET", "/about")):
        nginx_status, _, nginx_body = get(nginx_url + path, method)
        fastn_status, _, _ = get(served.url + path, method)
        assert nginx_status == fastn_status, (method, path)
    assert b"Lost?" in get(f"{nginx_url}/no/such/page/")[2]


PREFIXED_FILES = {
    "index.ftd": (
        "-- ftd.text: Go to about\nlink: /about/\n\n"
        "-- ftd.image:\nsrc: /logo.svg\nwidth.fixed.px: 20\n"
    ),
    "about.ftd": "-- ftd.text: About page\n",
    "logo.svg": "<svg xmlns='http://www.w3.org/2000/svg' width='10' height='10'/>",
}
INTERACTIVE = (
    "\n-- boolean $open: false\n\n"
    "-- ftd.text: Toggle\n$on-click$: $ftd.toggle($a = $open)\n\n"
    "-- ftd.background-image bg:\nsrc: /logo.svg\n\n"
    "-- ftd.text: Now open\nif: { open }\nbackground.image: $bg\n"
)


def visit_prefixed_site(package: Path, nginx, page) -> list[str]:
    """Open the site built for /prefix/ under /prefix/ and follow its link; the failed URLs."""
    nginx_url, _ = build_with_nginx(package, nginx, "--base-url", "/prefix/")
    failed: list[str] = []
    page.on("response", lambda response: response.status >= 400 and failed.append(response.url))
    page.goto(f"{nginx_url}/prefix/")
    assert page.evaluate("document.querySelector('img').naturalWidth") > 0
    page.click("text=Go to about")
    page.wait_for_url(f"{nginx_url}/prefix/about/", timeout=10_000)
    assert "About page" in page.inner_text("body")
    return failed


def test_a_site_built_for_a_prefix_works_there(package_folder, nginx, page) -> None:
    package = package_folder("-- import: fastn\n\n-- fastn.package: prefixed\n", PREFIXED_FILES)
    assert visit_prefixed_site(package, nginx, page) == []


def test_an_interactive_site_built_for_a_prefix_works_there(package_folder, nginx, page) -> None:
    """The runtime learns the base from its own URL: what it draws has the prefix too."""
    files = {**PREFIXED_FILES, "index.ftd": PREFIXED_FILES["index.ftd"] + INTERACTIVE}
    package = package_folder("-- import: fastn\n\n-- fastn.package: prefixed\n", files)
    assert visit_prefixed_site(package, nginx, page) == []

    page.go_back()
    page.wait_for_function("window.fastn && window.fastn.hydrated")
    assert page.evaluate("window.fastn.repairs") == 0  # its URLs are the server's
    page.click("text=Toggle")
    page.wait_for_selector("text=Now open")
    background = page.eval_on_selector("text=Now open", "e => getComputedStyle(e).backgroundImage")
    assert "/prefix/logo.svg" in background
    assert page.evaluate("document.querySelector('a').getAttribute('href')") == "/prefix/about/"


SPOOFED = [
    ("Host", "shop.example.com:8443"),
    ("X-Forwarded-For", "6.6.6.6"),
    ("X-Forwarded-Proto", "https"),
    ("X-Forwarded-Host", "evil.example"),
    ("Forwarded", "for=6.6.6.6;proto=https"),
]
FORWARDING = ("x-forwarded-for", "x-forwarded-proto", "x-forwarded-host", "forwarded")


def forwarding_seen(fetch, url: str) -> dict[str, list[str]]:
    """The forwarding headers the backend received for a request carrying SPOOFED ones."""
    reply = fetch(f"{url}/api/echo", headers=SPOOFED)
    assert reply.status == 200
    return {name: reply.upstream_header(name) for name in FORWARDING}


@pytest.mark.parametrize("trusted", ["", "127.0.0.0/8"], ids=["untrusted", "trusted"])
def test_nginx_forwarding_headers_match_fastn(
    upstream, package_folder, start_fastn, nginx, fetch, trusted: str
) -> None:
    """A client's own X-Forwarded-*/Forwarded headers are replaced unless it is a trusted proxy,
    whose chain is extended: the backend sees the same from nginx as from fastn."""
    package = package_folder(PACKAGE.format(port=upstream.port), FILES)
    port = free_port()
    conf = package.parent / f"{package.name}-nginx.conf"
    built = fastn(
        "build", "--nginx-conf", str(conf), "--nginx-listen", f"127.0.0.1:{port}",
        cwd=package, env={"FASTN_TRUSTED_PROXIES": trusted},
    )  # fmt: skip
    assert built.returncode == 0, built.stderr
    server = nginx(conf)
    assert server.test_config().returncode == 0, server.test_config().stderr
    server.start(port)
    served = start_fastn(package, "--production", env={"FASTN_TRUSTED_PROXIES": trusted})

    expected = forwarding_seen(fetch, served.url)
    assert forwarding_seen(fetch, f"http://127.0.0.1:{port}") == expected
    if trusted:
        assert expected["x-forwarded-for"] == ["6.6.6.6, 127.0.0.1"]
    else:
        assert expected["x-forwarded-for"] == ["127.0.0.1"]
        assert expected["forwarded"] == ['for=127.0.0.1;proto=http;host="shop.example.com:8443"']


def test_nginx_proxies_websockets(upstream, package_folder, nginx) -> None:
    """Endpoint and url-mapping alike: the upgrade reaches the backend and messages flow."""
    package = package_folder(PACKAGE.format(port=upstream.port), FILES)
    nginx_url, _ = build_with_nginx(package, nginx)

    async def echo(path: str) -> str:
        async with (
            aiohttp.ClientSession() as session,
            session.ws_connect(nginx_url + path) as socket,
        ):
            greeting = (await socket.receive(timeout=10)).data
            await socket.send_str(path)
            return f"{greeting} {(await socket.receive(timeout=10)).data}"

    for path in ("/api/ws", "/app/ws"):
        assert run_async(asyncio.wait_for(echo(path), 20)) == f"hello 127.0.0.1 echo:{path}"
