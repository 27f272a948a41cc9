"""Headers the proxy sends upstream (from an ASGI scope) and back to the browser."""

from __future__ import annotations

import ipaddress

from fastn.server.proxy import ProxySettings, forwarded_headers, response_headers

BOTH_MODES = True  # fastn serve alone and with --front nginx (servers.py)


def scope(client: str, headers: list[tuple[bytes, bytes]], scheme: str = "http") -> dict:
    return {"type": "http", "client": (client, 50000), "scheme": scheme, "headers": headers}


def test_ipv6_clients_are_bracketed_and_quoted_in_forwarded() -> None:
    headers = dict(
        forwarded_headers(
            scope("2001:db8::1", [(b"host", b"example.com")], "https"), ProxySettings()
        )
    )
    assert headers["Forwarded"] == 'for="[2001:db8::1]";proto=https;host=example.com'
    assert headers["X-Forwarded-For"] == "2001:db8::1"
    assert headers["X-Forwarded-Proto"] == "https"


def test_utf8_header_values_survive() -> None:
    value = 'attachment; filename="café.txt"'.encode()
    headers = forwarded_headers(scope("10.0.0.1", [(b"x-name", value)]), ProxySettings())
    assert ("x-name", 'attachment; filename="café.txt"') in headers


def test_host_is_left_to_the_client_library_unless_preserved() -> None:
    request = scope("10.0.0.1", [(b"host", b"public.example.com")])
    assert "Host" not in dict(forwarded_headers(request, ProxySettings()))
    preserved = dict(forwarded_headers(request, ProxySettings(preserve_host=True)))
    assert preserved["Host"] == "public.example.com"


def test_trust_is_by_network() -> None:
    settings = ProxySettings(trusted_proxies=(ipaddress.ip_network("10.0.0.0/8"),))
    assert settings.trusts("10.1.2.3")
    assert not settings.trusts("192.168.1.1")
    assert not settings.trusts("not-an-address")
    assert not settings.trusts(None)


def test_response_hop_by_hop_headers_are_dropped_with_those_connection_names() -> None:
    raw = (
        (b"Content-Type", b"text/html"),
        (b"Connection", b"keep-alive, X-Internal"),
        (b"X-Internal", b"secret"),
        (b"Keep-Alive", b"timeout=5"),
        (b"Transfer-Encoding", b"chunked"),
        (b"Set-Cookie", b"a=1"),
        (b"Set-Cookie", b"b=2"),
        (b"Date", b"Mon, 01 Jan 2001 00:00:00 GMT"),
    )
    assert response_headers(raw) == [
        (b"Content-Type", b"text/html"),
        (b"Set-Cookie", b"a=1"),
        (b"Set-Cookie", b"b=2"),
    ]
