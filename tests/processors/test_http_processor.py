"""`pr.http` against a real JSON backend on loopback (rendering in this process)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from processor_support import Backend, make_package, package_text, render, texts

from fastn.ftd.page import RequestInfo
from fastn.processors.errors import ProcessorError, UpstreamAnswer
from servers import free_port

PERSON = """\
-- import: fastn/processors as pr

-- record person:
integer id:
string name:
integer age:
"""


def site(tmp_path: Path, backend: Backend, page: str, sections: str = "") -> Path:
    fastn = package_text(headers=f"endpoint: http://127.0.0.1:{backend.port}", sections=sections)
    return make_package(tmp_path / "site", {"index.ftd": PERSON + page}, fastn)


def test_json_fills_the_declared_type_leniently(tmp_path: Path, backend: Backend) -> None:
    root = site(
        tmp_path,
        backend,
        """
-- person list people:
$processor$: pr.http
url: /api/people

-- ftd.integer: $p.age
for: $p in $people
""",
    )
    assert texts(render(root).body) == ["33", "41"]  # "33" was a string in the JSON


def test_get_sends_fields_as_query_the_url_as_written_and_headers(
    tmp_path: Path, backend: Backend
) -> None:
    root = site(
        tmp_path,
        backend,
        """
-- integer id: 120

-- string answer:
$processor$: pr.http
url: /api/echo/get?id=120&next=%2Fa%2F
q: language:rust
page: $id
nothing: NULL
$header-x-token$: secret
$header-authorization$: Token from-the-page
""",
    )
    request = RequestInfo(
        path="/the/page/",
        headers=[("cookie", "sessionid=abc"), ("authorization", "Bearer user"), ("x-other", "1")],
    )
    render(root, request=request)
    (seen,) = backend.requests_to("/api/echo/get")
    assert seen["method"] == "GET"
    assert seen["path"] == "/api/echo/get?id=120&next=%2Fa%2F&q=language%3Arust&page=120"
    headers = seen["headers"]
    assert headers["cookie"] == "sessionid=abc"  # the browser's cookies go to the backend
    assert headers["authorization"] == "Token from-the-page"  # $header-…$ wins over forwarding
    assert headers["x-token"] == "secret"
    assert "x-other" not in headers
    assert headers["x-fastn-request-path"] == "/the/page/"
    assert headers["x-fastn-root"] == "site"  # the package's name, no path of the server


def test_post_sends_a_json_body_with_fastn_types(tmp_path: Path, backend: Backend) -> None:
    root = site(
        tmp_path,
        backend,
        """
-- string amit-bio:

I am Amit.

-- string answer:
$processor$: pr.http
url: /api/echo/post
method: post
name: "Amit"
age: 33
plain: hello world
bio: $amit-bio
string as-text: 33
boolean flag: true
nothing: NULL
""",
    )
    render(root)
    (seen,) = backend.requests_to("/api/echo/post")
    assert seen["method"] == "POST"
    assert seen["headers"]["content-type"] == "application/json"
    assert json.loads(seen["body"]) == {
        "name": "Amit",
        "age": 33,
        "plain": "hello world",
        "bio": "I am Amit.",
        "as-text": "33",
        "flag": True,
        "nothing": None,
    }


@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH"])
def test_any_method(tmp_path: Path, backend: Backend, method: str) -> None:
    path = f"/api/echo/{method.lower()}"
    root = site(tmp_path, backend, f"\n-- string a:\n$processor$: pr.http\nurl: {path}\n"
                f"method: {method.lower()}\n")  # fmt: skip
    render(root)
    assert [seen["method"] for seen in backend.requests_to(path)] == [method]


def test_relative_url_through_url_mappings(tmp_path: Path, backend: Backend) -> None:
    target = f"http+proxy://127.0.0.1:{backend.port}/mapped/api/*"
    mappings = f"\n-- fastn.url-mappings:\n\n/api/* -> {target}\n"
    fastn = package_text(headers=f"endpoint: http://127.0.0.1:{free_port()}", sections=mappings)
    page = "\n-- person list people:\n$processor$: pr.http\nurl: /api/people\n\n" \
           "-- ftd.text: $p.name\nfor: $p in $people\n"  # fmt: skip
    root = make_package(tmp_path / "site", {"index.ftd": PERSON + page}, fastn)
    assert texts(render(root).body) == ["Amit", "Jack"]
    assert backend.requests_to("/mapped/api/people")


def test_upstream_set_cookie_reaches_the_page_response(tmp_path: Path, backend: Backend) -> None:
    root = site(tmp_path, backend, "\n-- string hello:\n$processor$: pr.http\nurl: /api/login\n")
    page = render(root)
    assert [value for name, value in page.headers if name == "set-cookie"] == [
        "sessionid=s1; Path=/; HttpOnly",
        "csrftoken=c1; Path=/",
    ]


@pytest.mark.parametrize(
    ("path", "status", "header"),
    [
        ("/api/missing", 404, ("Set-Cookie", "seen=1; Path=/")),
        ("/api/forbidden", 403, ("Content-Type", "text/plain; charset=utf-8")),
        ("/api/redirect", 302, ("Location", "/login/?next=/private/")),
    ],
)
def test_non_2xx_short_circuits_the_page(
    tmp_path: Path, backend: Backend, path: str, status: int, header: tuple[str, str]
) -> None:
    root = site(tmp_path, backend, f"\n-- string a:\n$processor$: pr.http\nurl: {path}\n")
    with pytest.raises(UpstreamAnswer) as caught:
        render(root)
    assert caught.value.status == status
    assert header in caught.value.headers
    assert f"index.ftd:8: GET http://127.0.0.1:{backend.port}{path} answered {status}" in str(
        caught.value
    )


def test_not_json_and_unreachable_are_located_502s(tmp_path: Path, backend: Backend) -> None:
    root = site(tmp_path, backend, "\n-- string a:\n$processor$: pr.http\nurl: /api/not-json\n")
    with pytest.raises(ProcessorError) as caught:
        render(root)
    assert caught.value.status == 502
    assert "index.ftd:8:" in str(caught.value) and "but not with JSON" in str(caught.value)
    url = f"http://127.0.0.1:{free_port()}/x"
    root = site(tmp_path / "2", backend, f"\n-- string a:\n$processor$: pr.http\nurl: {url}\n")
    with pytest.raises(ProcessorError) as caught:
        render(root)
    assert caught.value.status == 502
    assert f"index.ftd:8: GET {url} could not be reached" in str(caught.value)


def test_relative_url_without_endpoint_is_an_error(tmp_path: Path) -> None:
    page = "\n-- string a:\n$processor$: pr.http\nurl: /api/x\n"
    root = make_package(tmp_path / "site", {"index.ftd": PERSON + page})
    with pytest.raises(ProcessorError) as caught:
        render(root)
    assert "index.ftd:10: `url: /api/x` is relative, but no url-mapping covers it" in str(
        caught.value
    )


def test_independent_processors_run_concurrently_dependent_ones_wait(
    tmp_path: Path, backend: Backend
) -> None:
    """/api/barrier/2 answers only when two requests wait there at the same time."""
    root = site(
        tmp_path,
        backend,
        """
-- integer first:
$processor$: pr.http
url: /api/barrier/2

-- integer second:
$processor$: pr.http
url: /api/barrier/2

-- person after-both:
$processor$: pr.http
url: /api/person-like
id: $first
age: $second

-- ftd.integer: $first

-- ftd.integer: $second
""",
    )
    with pytest.raises(ProcessorError) as caught:  # "ok" is not a person: it did run, last
        render(root)
    assert "expected the fields of `person`" in str(caught.value)
    (seen,) = backend.requests_to("/api/person-like")
    assert seen["path"] == "/api/person-like?id=2&age=2"


def test_forwarding_can_be_turned_off(
    tmp_path: Path, backend: Backend, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FASTN_HTTP_FORWARD_HEADERS", "")
    root = site(tmp_path, backend, "\n-- string a:\n$processor$: pr.http\nurl: /api/echo/quiet\n")
    render(root, request=RequestInfo(headers=[("cookie", "sessionid=abc")]))
    (seen,) = backend.requests_to("/api/echo/quiet")
    assert "cookie" not in seen["headers"]


def test_nothing_is_cached_between_renderings(tmp_path: Path, backend: Backend) -> None:
    root = site(tmp_path, backend, "\n-- string a:\n$processor$: pr.http\nurl: /api/echo/twice\n")
    render(root, request=RequestInfo(headers=[("cookie", "user=1")]))
    render(root, request=RequestInfo(headers=[("cookie", "user=2")]))
    cookies = [seen["headers"]["cookie"] for seen in backend.requests_to("/api/echo/twice")]
    assert cookies == ["user=1", "user=2"]


def test_credentials_go_only_to_the_packages_own_backend(tmp_path: Path, backend: Backend) -> None:
    other = Backend().start()  # another origin: a third-party API
    try:
        root = site(
            tmp_path,
            backend,
            f"""
-- string own:
$processor$: pr.http
url: http://127.0.0.1:{backend.port}/api/echo/own

-- string third-party:
$processor$: pr.http
url: http://127.0.0.1:{other.port}/api/echo/third-party
""",
        )
        browser = [("cookie", "sessionid=abc"), ("authorization", "Bearer user")]
        render(root, request=RequestInfo(headers=browser))
        (own,) = backend.requests_to("/api/echo/own")
        assert own["headers"]["cookie"] == "sessionid=abc"
        (third,) = other.requests_to("/api/echo/third-party")
        assert "cookie" not in third["headers"] and "authorization" not in third["headers"]
    finally:
        other.stop()


def test_url_from_a_function_call(tmp_path: Path, backend: Backend) -> None:
    root = site(
        tmp_path,
        backend,
        """
-- string echo-url(id):
integer id:

"/api/echo/fn/" + id

-- string a:
$processor$: pr.http
url: $echo-url(id = 7)
""",
    )
    render(root)
    assert [seen["path"] for seen in backend.requests_to("/api/echo/fn/")] == ["/api/echo/fn/7"]
