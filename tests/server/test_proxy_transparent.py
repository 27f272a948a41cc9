"""The endpoint proxy passes requests through like nginx (peers.md §1.2 lists what fastn breaks)."""

from __future__ import annotations

import asyncio

import aiohttp
import pytest

from servers import run_async

BOTH_MODES = True  # fastn serve alone and with --front nginx (servers.py)

ENDPOINT_PACKAGE = """\
-- import: fastn

-- fastn.package: proxied
endpoint: http://127.0.0.1:{port}
"""


@pytest.fixture(scope="module")
def fastn(upstream, package_folder, start_fastn):
    return start_fastn(package_folder(ENDPOINT_PACKAGE.format(port=upstream.port)))


@pytest.mark.parametrize(
    "method", ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "PROPFIND", "MKCOL", "PURGE"]
)
def test_every_method_is_forwarded_as_is(fastn, fetch, method: str) -> None:
    reply = fetch(f"{fastn.url}/echo", method, data=b"payload" if method != "GET" else None)
    assert reply.status == 200
    assert reply.json()["method"] == method


def test_head_is_forwarded_without_a_body(fastn, fetch) -> None:
    reply = fetch(f"{fastn.url}/1k", "HEAD")
    assert reply.status == 200
    assert reply.headers["Content-Length"] == "1024"
    assert reply.body == b""


@pytest.mark.parametrize(
    "raw",
    [
        "/echo",
        "/echo/",
        "/a/b/echo/?x=1",
        "/echo?q=a%20b&q=c+d&empty=&flag",
        "/%7Euser/caf%C3%A9/echo?next=%2Fprivate%2F%3Fa%3D1",
        "//double//slashes//echo//",
        "/encoded%2Fslash/echo",
        "/dots/./and/../echo?x=..",
        "/echo?x=1?y=2",
        "/echo;params?x=1",
    ],
)
def test_path_and_query_arrive_byte_for_byte(fastn, fetch, raw: str) -> None:
    assert fetch(fastn.url + raw).json()["raw_path"] == raw


def test_forwarding_headers_are_added(fastn, fetch) -> None:
    reply = fetch(f"{fastn.url}/echo", headers=[("Host", "shop.example.com:8443")])
    assert reply.upstream_header("X-Forwarded-For") == ["127.0.0.1"]
    assert reply.upstream_header("X-Forwarded-Proto") == ["http"]
    assert reply.upstream_header("X-Forwarded-Host") == ["shop.example.com:8443"]
    assert reply.upstream_header("Forwarded") == [
        'for=127.0.0.1;proto=http;host="shop.example.com:8443"'
    ]
    # the upstream's own Host by default, as fastn does
    assert reply.upstream_header("Host") == [f"127.0.0.1:{reply_port(reply)}"]


def reply_port(reply) -> int:
    return int(reply.upstream_header("Host")[0].rsplit(":", 1)[1])


def test_spoofed_forwarding_headers_from_an_untrusted_client_are_replaced(fastn, fetch) -> None:
    reply = fetch(
        f"{fastn.url}/echo",
        headers=[
            ("X-Forwarded-For", "6.6.6.6"),
            ("Forwarded", "for=6.6.6.6"),
            ("X-Forwarded-Host", "evil"),
        ],
    )
    assert reply.upstream_header("X-Forwarded-For") == ["127.0.0.1"]
    assert reply.upstream_header("Forwarded") == [
        f'for=127.0.0.1;proto=http;host="127.0.0.1:{fastn.port}"'
    ]
    assert reply.upstream_header("X-Forwarded-Host") == [f"127.0.0.1:{fastn.port}"]


def test_a_clients_own_front_headers_are_dropped(fastn, fetch) -> None:
    """X-Fastn-Client/X-Fastn-Scheme name the client only when fastn's own front sets them:
    a client's are dropped, not believed (pages, access log) nor passed to the backend."""
    reply = fetch(
        f"{fastn.url}/echo",
        headers=[("X-Fastn-Client", "6.6.6.6"), ("X-Fastn-Scheme", "https")],
    )
    assert reply.upstream_header("X-Fastn-Client") == []
    assert reply.upstream_header("X-Fastn-Scheme") == []
    assert reply.upstream_header("X-Forwarded-For") == ["127.0.0.1"]
    assert reply.upstream_header("X-Forwarded-Proto") == ["http"]


def test_a_trusted_proxy_chain_is_extended(upstream, package_folder, start_fastn, fetch) -> None:
    fastn = start_fastn(
        package_folder(ENDPOINT_PACKAGE.format(port=upstream.port)),
        "--trusted-proxies",
        "127.0.0.0/8",
    )
    reply = fetch(
        f"{fastn.url}/echo",
        headers=[
            ("X-Forwarded-For", "203.0.113.7"),
            ("X-Forwarded-Proto", "https"),
            ("X-Forwarded-Host", "www.example.com"),
            ("Forwarded", "for=203.0.113.7;proto=https;host=www.example.com"),
        ],
    )
    assert reply.upstream_header("X-Forwarded-For") == ["203.0.113.7, 127.0.0.1"]
    assert reply.upstream_header("X-Forwarded-Proto") == ["https"]
    assert reply.upstream_header("X-Forwarded-Host") == ["www.example.com"]
    assert reply.upstream_header("Forwarded") == [
        f'for=203.0.113.7;proto=https;host=www.example.com, for=127.0.0.1;proto=http;host="127.0.0.1:{fastn.port}"'
    ]


def test_preserve_host_sends_the_clients_host(upstream, package_folder, start_fastn, fetch) -> None:
    fastn = start_fastn(
        package_folder(ENDPOINT_PACKAGE.format(port=upstream.port)), "--preserve-host"
    )
    reply = fetch(f"{fastn.url}/echo", headers=[("Host", "shop.example.com")])
    assert reply.upstream_header("Host") == ["shop.example.com"]


def test_hop_by_hop_headers_are_dropped_and_end_to_end_ones_kept(fastn, fetch, serve_mode) -> None:
    reply = fetch(
        f"{fastn.url}/echo",
        "POST",
        headers=[
            ("Connection", "keep-alive, X-Private-Hop"),
            ("X-Private-Hop", "must not pass"),
            ("Keep-Alive", "timeout=5"),
            ("TE", "trailers"),
            ("Proxy-Authorization", "Basic cHJveHk6c2VjcmV0"),
            ("Upgrade", "h2c"),
            ("User-Agent", "Mozilla/5.0 (fastn-test)"),
            ("Authorization", "Bearer token-123"),
            ("Cookie", "sessionid=abc; csrftoken=def"),
            ("Accept", "application/json"),
            ("X-Repeated", "one"),
            ("X-Repeated", "two"),
            ("Content-Type", "application/x-www-form-urlencoded"),
        ],
        data=b"a=1",
    )
    names = {name.lower() for name, _ in reply.json()["headers"]}
    assert not names & {"keep-alive", "te", "proxy-authorization", "upgrade"}
    if serve_mode == "plain":  # nginx cannot drop a header because Connection names it
        assert "x-private-hop" not in names
    assert reply.upstream_header("User-Agent") == ["Mozilla/5.0 (fastn-test)"]
    assert reply.upstream_header("Authorization") == ["Bearer token-123"]
    assert reply.upstream_header("Cookie") == ["sessionid=abc; csrftoken=def"]
    assert reply.upstream_header("Accept") == ["application/json"]
    assert reply.upstream_header("X-Repeated") == ["one", "two"]
    assert reply.upstream_header("Content-Type") == ["application/x-www-form-urlencoded"]
    assert reply.json()["body_length"] == 3


def test_no_client_headers_are_invented(fastn) -> None:
    """aiohttp would add its own User-Agent, Accept and Accept-Encoding; the browser's are the truth."""

    async def bare_request() -> list[list[str]]:
        reader, writer = await asyncio.open_connection("127.0.0.1", fastn.port)
        writer.write(b"GET /echo HTTP/1.1\r\nHost: bare\r\nConnection: close\r\n\r\n")
        response = await reader.read()
        writer.close()
        return __import__("json").loads(response.split(b"\r\n\r\n", 1)[1])["headers"]

    names = {name.lower() for name, _ in run_async(bare_request())}
    assert not names & {"user-agent", "accept", "accept-encoding", "content-type"}


def test_every_set_cookie_reaches_the_browser(fastn, fetch) -> None:
    reply = fetch(f"{fastn.url}/cookies")
    assert reply.headers.getall("Set-Cookie") == [
        "csrftoken=abc; Path=/",
        "sessionid=xyz; Path=/; HttpOnly",
    ]


def test_upstream_redirects_are_returned_not_followed(fastn, fetch) -> None:
    reply = fetch(f"{fastn.url}/account/redirect")
    assert reply.status == 302
    assert reply.headers["Location"] == "/login/?next=/private/"
    assert reply.headers.getall("Set-Cookie") == ["visited=1; Path=/"]


def test_response_hop_by_hop_headers_are_dropped(fastn, fetch) -> None:
    reply = fetch(f"{fastn.url}/big?bytes=10")  # the upstream answers chunked
    assert reply.body == b"\0" * 10
    assert len([name for name, _ in reply.raw_headers if name.lower() == b"transfer-encoding"]) <= 1
    assert len([name for name, _ in reply.raw_headers if name.lower() == b"date"]) == 1


def test_websocket_upgrades_are_proxied(fastn) -> None:
    async def talk() -> list:
        async with (
            aiohttp.ClientSession() as session,
            session.ws_connect(f"{fastn.url}/live/ws", protocols=("chat",)) as socket,
        ):
            received = [socket.protocol, (await socket.receive()).data]
            await socket.send_str("ping")
            received.append((await socket.receive()).data)
            await socket.send_bytes(b"\x00\x01")
            received.append((await socket.receive()).data)
            return received

    protocol, greeting, text, binary = run_async(asyncio.wait_for(talk(), 10))
    assert protocol == "chat"
    assert greeting == "hello 127.0.0.1"  # the upstream saw X-Forwarded-For on the upgrade
    assert text == "echo:ping"
    assert binary == b"echo:\x00\x01"
