"""The proxy cannot be pointed at another host, and requests that could mislead it are 400.

Issue 14's attack, `curl --request-target '*@127.0.0.2:PORT/internal-admin'`, made fastn join
its endpoint and the raw target into `http://127.0.0.1:PORT*@127.0.0.2:PORT/internal-admin`:
a request to the second host, with the victim's cookie and the endpoint as Basic credentials.
Here a second real backend listens on 127.0.0.2, and whatever the request, under `fastn serve`
(production and development) and under a user's own `uvicorn --factory`, it must receive
nothing. Requests are written by hand (`raw_http`), so targets arrive exactly as written.
"""

from __future__ import annotations

import base64
import os
import socket
from collections.abc import Iterator

import pytest
from raw_http import exchange, request_bytes
from recording_upstream import RecordingUpstream, recording_upstream

from fastn.server.proxy import ProxySettings, ReverseProxy, UpstreamClient
from fastn.server.responses import Scope, Send

PACKAGE = """\
-- import: fastn

-- fastn.package: targets
endpoint: http://127.0.0.1:{endpoint}

-- fastn.url-mappings:

/api/* -> http+proxy://127.0.0.1:{endpoint}/v1/*
"""
COOKIE = "sessionid=VICTIM-0d5e"
WEBSOCKET_HEADERS = [
    ("Upgrade", "websocket"),
    ("Connection", "Upgrade"),
    ("Sec-WebSocket-Key", base64.b64encode(os.urandom(16)).decode()),
    ("Sec-WebSocket-Version", "13"),
]


@pytest.fixture(scope="module")
def endpoint() -> Iterator[RecordingUpstream]:
    with recording_upstream() as server:
        yield server


@pytest.fixture(scope="module")
def intruder() -> Iterator[RecordingUpstream]:
    """The host an attacker would like fastn to reach: another address, another port. It is
    checked to answer, so that silence from it below means fastn never asked it."""
    with recording_upstream("127.0.0.2") as server:
        with socket.create_connection((server.host, server.port), timeout=10) as sock:
            sock.sendall(request_bytes("/probe"))
            assert sock.recv(100).startswith(b"HTTP/1.1 200")
        server.connections = 0
        server.requests.clear()
        yield server


@pytest.fixture(scope="module", params=["production", "development", "uvicorn"])
def fastn(request, start_fastn, start_uvicorn, package_folder, endpoint):
    package = package_folder(
        PACKAGE.format(endpoint=endpoint.port), {"index.ftd": "-- ftd.text: Home page\n"}
    )
    if request.param == "production":
        return start_fastn(package, "--production")
    if request.param == "development":
        return start_fastn(package)
    return start_uvicorn(package)


def attacks(intruder: RecordingUpstream) -> list[bytes]:
    other = f"127.0.0.2:{intruder.port}"
    cookie = [("Cookie", COOKIE)]
    return [
        request_bytes(f"*@{other}/internal-admin", headers=cookie),
        request_bytes(f"*@{other}/api/internal-admin", headers=cookie),
        request_bytes(f"*@{other}/internal-admin", "DELETE", cookie),
        request_bytes(f"*@{other}/internal-admin", "POST", [*cookie, ("Content-Length", "5")])
        + b"hello",
        request_bytes(f"@{other}/internal-admin", headers=cookie),
        request_bytes(f"{other}/internal-admin", headers=cookie),
        request_bytes(other, "CONNECT", cookie),
        request_bytes("*"),
        request_bytes("*", "OPTIONS"),
        request_bytes(f"*@{other}/ws", headers=[*cookie, *WEBSOCKET_HEADERS]),
    ]


@pytest.mark.parametrize("index", range(10))
def test_a_target_that_is_not_a_path_is_400(fastn, intruder, endpoint, index: int) -> None:
    endpoint.requests.clear()
    contacted = intruder.connections
    reply = exchange(fastn.port, attacks(intruder)[index])
    assert reply.status == 400, reply
    assert intruder.connections == contacted
    assert COOKIE.encode() not in endpoint.received()
    assert "Traceback" not in fastn.output()
    assert exchange(fastn.port, request_bytes("/")).status == 200


def test_an_absolute_form_target_never_reaches_its_host(request, fastn, intruder) -> None:
    """`fastn serve` refuses it (400); uvicorn on its own drops the host part before the
    application sees the request, so there it is at worst a request for the path."""
    target = f"http://127.0.0.2:{intruder.port}/internal-admin"
    contacted = intruder.connections
    reply = exchange(fastn.port, request_bytes(target, headers=[("Cookie", COOKIE)]))
    if request.node.callspec.params["fastn"] != "uvicorn":
        assert reply.status == 400
    assert intruder.connections == contacted


def test_paths_that_look_like_hosts_stay_on_the_endpoint(fastn, intruder, endpoint) -> None:
    contacted = intruder.connections
    for path in ["//127.0.0.2/x", "/@127.0.0.2/x", "/api//127.0.0.2/x", "/api/@127.0.0.2/x"]:
        endpoint.requests.clear()
        reply = exchange(fastn.port, request_bytes(path))
        assert reply.status == 200, path
        assert len(endpoint.requests) == 1, path
    assert intruder.connections == contacted


@pytest.mark.parametrize(
    "head",
    [
        b"GET / HTTP/1.1\r\nHost: localhost\r\nHost: 127.0.0.2\r\nConnection: close\r\n\r\n",
        b"GET /x HTTP/1.1\r\nHost: localhost\r\nhost: 127.0.0.2\r\nConnection: close\r\n\r\n",
        b"GET /x HTTP/1.1\r\nConnection: close\r\n\r\n",
        b"POST /x HTTP/1.1\r\nContent-Length: 2\r\nConnection: close\r\n\r\nhi",
    ],
    ids=["two Host", "two Host, proxied", "no Host", "no Host, proxied"],
)
def test_host_must_be_there_once(fastn, endpoint, head: bytes) -> None:
    endpoint.requests.clear()
    assert exchange(fastn.port, head).status == 400
    assert endpoint.requests == []


def test_http_1_0_needs_no_host(fastn) -> None:
    reply = exchange(fastn.port, b"GET / HTTP/1.0\r\n\r\n")
    assert reply.status == 200 and b"Home page" in reply.body


async def no_error_page(scope: Scope, send: Send, status: int, detail: str) -> None:
    raise AssertionError("nothing is sent in this test")


@pytest.mark.parametrize(
    ("upstream", "prefix", "path", "expected"),
    [
        ("http://127.0.0.1:8081", "", b"/x%2Fy", "http://127.0.0.1:8081/x%2Fy?q=1"),
        ("http://127.0.0.1:8081", "", b"//127.0.0.2/x", "http://127.0.0.1:8081//127.0.0.2/x?q=1"),
        ("http://[::1]:9000/backend", "", b"/x", "http://[::1]:9000/backend/x?q=1"),
        (
            "https://example.com/v1/",
            "/api/",
            b"/api/@127.0.0.2/x",
            "https://example.com/v1/@127.0.0.2/x?q=1",
        ),
        ("http://127.0.0.1:8081", "", b"*@127.0.0.2:18082/x", None),
        ("http://[::1]:9000/backend", "", b"*@127.0.0.2:18082/x", None),
        ("http://127.0.0.1:8081", "", b"*", None),
    ],
)
def test_upstream_urls_keep_the_configured_origin(
    upstream: str, prefix: str, path: bytes, expected: str | None
) -> None:
    """Whatever the path, the URL asked for is the configured origin's, or none at all."""
    client = UpstreamClient(ProxySettings(), eager=False)
    proxy = ReverseProxy(upstream, client, no_error_page, prefix)
    url = proxy.upstream_url({"raw_path": path, "path": "", "query_string": b"q=1"})
    assert (str(url) if url is not None else None) == expected
