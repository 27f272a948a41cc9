"""url-mappings match the path as nginx's locations do: normalised, not as sent.

With `/api/* -> http+proxy://…/v1/*`, `/api/../admin` used to reach the mapped backend as
`/v1/../admin` (outside `/v1/` once it resolves the dots), while `/%61pi/x` or `/./api/x`
skipped the mapping and went to the endpoint. Now the prefix is matched against the path with
unreserved characters decoded, slashes merged and dot segments resolved; the mapped backend
gets that path (still percent-encoded where it must be: `%2F` stays), the endpoint gets what
did not match byte for byte, and a path climbing above the root is 400 for everyone.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from raw_http import exchange, request_bytes
from recording_upstream import RecordingUpstream, recording_upstream, request_line

PACKAGE = """\
-- import: fastn

-- fastn.package: mapped
endpoint: http://127.0.0.1:{endpoint}

-- fastn.url-mappings:

/api/* -> http+proxy://127.0.0.1:{mapped}/v1/*
"""


@pytest.fixture(scope="module")
def endpoint() -> Iterator[RecordingUpstream]:
    with recording_upstream() as server:
        yield server


@pytest.fixture(scope="module")
def mapped() -> Iterator[RecordingUpstream]:
    with recording_upstream() as server:
        yield server


@pytest.fixture(scope="module")
def fastn(start_fastn, package_folder, endpoint, mapped):
    package = package_folder(PACKAGE.format(endpoint=endpoint.port, mapped=mapped.port))
    return start_fastn(package, "--production")


def send(fastn, target: str, *upstreams: RecordingUpstream) -> int:
    for upstream in upstreams:
        upstream.requests.clear()
    return exchange(fastn.port, request_bytes(target)).status


@pytest.mark.parametrize(
    ("target", "sent"),
    [
        ("/api/x", "/v1/x"),
        ("/%61pi/x", "/v1/x"),
        ("/%61%70%69/x", "/v1/x"),
        ("/./api/x", "/v1/x"),
        ("//api/x", "/v1/x"),
        ("/static/../api/x", "/v1/x"),
        ("/static/%2e%2e/api/x", "/v1/x"),
        ("/api/./x/", "/v1/x/"),
        ("/api//x", "/v1/x"),
        ("/api/x/..", "/v1/"),
        ("/api/a%2Fb/./c", "/v1/a%2Fb/c"),
        ("/api/..%2fadmin", "/v1/..%2fadmin"),  # an encoded slash separates nothing
        ("/api/caf%C3%A9/%7Euser?q=%2e%2e/../x", "/v1/caf%C3%A9/~user?q=%2e%2e/../x"),
    ],
)
def test_paths_under_the_prefix_go_to_the_mapping_normalised(
    fastn, endpoint, mapped, target: str, sent: str
) -> None:
    assert send(fastn, target, endpoint, mapped) == 200
    assert endpoint.requests == []
    assert [request_line(request) for request in mapped.requests] == [
        f"GET {sent} HTTP/1.1".encode()
    ]


@pytest.mark.parametrize(
    "target",
    [
        "/api/../admin",
        "/api/%2e%2e/admin",
        "/api/%2E%2E/admin",
        "/api/.%2e/admin",
        "/api/x/../../admin",
        "/api/./../admin",
    ],
)
def test_paths_leaving_the_prefix_are_not_mapped(fastn, endpoint, mapped, target: str) -> None:
    """What resolves outside `/api/` is the endpoint's, passed on as sent (nginx's
    `proxy_pass` without a URI does the same)."""
    assert send(fastn, target, endpoint, mapped) == 200
    assert mapped.requests == []
    assert [request_line(request) for request in endpoint.requests] == [
        f"GET {target} HTTP/1.1".encode()
    ]


@pytest.mark.parametrize(
    "target",
    ["/../x", "/api/../../x", "/api/%2e%2e/%2e%2e/etc/passwd", "/%2e%2e/api/x", "/./../api/x"],
)
def test_paths_above_the_root_are_400(fastn, endpoint, mapped, target: str) -> None:
    assert send(fastn, target, endpoint, mapped) == 400
    assert endpoint.requests == mapped.requests == []
