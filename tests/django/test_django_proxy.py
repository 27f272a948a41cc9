"""Django behind fastn, over plain HTTP: sessions, CSRF, redirects and static files survive the
proxy, and the JSON API answers in fastn's protocol and refuses cross-site writes."""

from __future__ import annotations

import json
import re
from collections.abc import Callable

from django_stack import PASSWORD, USERNAME, Stack

from servers import Reply


def set_cookies(reply: Reply) -> dict[str, str]:
    cookies = {}
    for value in reply.headers.getall("Set-Cookie", []):
        name, _, rest = value.partition("=")
        cookies[name] = rest.split(";", 1)[0]
    return cookies


def cookie_header(cookies: dict[str, str]) -> tuple[str, str]:
    return ("Cookie", "; ".join(f"{name}={value}" for name, value in cookies.items()))


def session_login(fetch: Callable[..., Reply], stack: Stack) -> tuple[Reply, dict[str, str]]:
    """Django's login form, through fastn, as a browser would post it."""
    form = fetch(f"{stack.fastn_url}/accounts/login/?next=/mine/")
    assert form.status == 200
    cookies = set_cookies(form)
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', form.body)
    assert token is not None and "csrftoken" in cookies
    body = (
        f"csrfmiddlewaretoken={token.group(1).decode()}&username={USERNAME}"
        f"&password={PASSWORD}&next=/mine/"
    )
    reply = fetch(
        f"{stack.fastn_url}/accounts/login/",
        "POST",
        [
            ("Content-Type", "application/x-www-form-urlencoded"),
            ("Origin", stack.fastn_url),
            ("Referer", f"{stack.fastn_url}/accounts/login/?next=/mine/"),
            cookie_header(cookies),
        ],
        body.encode(),
    )
    assert reply.status == 302, (reply.status, reply.body[:2000], stack.log())
    return reply, cookies | set_cookies(reply)


def test_session_login_redirect_and_cookies_survive_the_proxy(
    fetch: Callable[..., Reply], stack: Stack
) -> None:
    reply, cookies = session_login(fetch, stack)
    assert reply.headers["Location"] == "/mine/"  # handed to the browser, not followed
    # Django rotates both cookies at login: two Set-Cookie lines, both kept by the proxy.
    assert {"sessionid", "csrftoken"} <= set(set_cookies(reply))
    api = fetch(f"{stack.fastn_url}/api/todos/", headers=[cookie_header(cookies)])
    assert api.json()["user"] == USERNAME


def test_a_post_without_csrf_token_is_still_refused_by_django(
    fetch: Callable[..., Reply], stack: Stack
) -> None:
    reply = fetch(
        f"{stack.fastn_url}/admin/login/",
        "POST",
        [("Content-Type", "application/x-www-form-urlencoded"), ("Origin", stack.fastn_url)],
        f"username={USERNAME}&password={PASSWORD}".encode(),
    )
    assert reply.status == 403
    assert b"CSRF" in reply.body


def test_django_static_files_come_through_fastn(fetch: Callable[..., Reply], stack: Stack) -> None:
    through_fastn = fetch(f"{stack.fastn_url}/static/admin/css/base.css")
    direct = fetch(f"{stack.django_url}/static/admin/css/base.css")
    assert through_fastn.status == 200
    assert through_fastn.headers["Content-Type"].startswith("text/css")
    assert through_fastn.body == direct.body


def post_json(
    fetch: Callable[..., Reply], url: str, fields: dict, headers: list[tuple[str, str]]
) -> Reply:
    return fetch(url, "POST", [("Content-Type", "application/json"), *headers],
                 json.dumps(fields).encode())  # fmt: skip


def test_cross_origin_writes_are_refused(fetch: Callable[..., Reply], stack: Stack) -> None:
    _, cookies = session_login(fetch, stack)
    url = f"{stack.fastn_url}/api/todos/"
    evil = post_json(
        fetch, url, {"title": "evil"}, [("Origin", "http://evil.example"), cookie_header(cookies)]
    )
    assert evil.status == 403
    assert "cross-origin" in evil.json()["errors"]["all"][0]
    form_post = fetch(
        url,
        "POST",
        [("Content-Type", "text/plain"), ("Origin", stack.fastn_url), cookie_header(cookies)],
        b'{"title": "evil"}',
    )
    assert form_post.status == 415
    titles = [
        todo["title"] for todo in fetch(url, headers=[cookie_header(cookies)]).json()["todos"]
    ]
    assert "evil" not in titles


def test_json_protocol_answers(fetch: Callable[..., Reply], stack: Stack) -> None:
    url = f"{stack.fastn_url}/api/todos/"
    same_origin = [("Origin", stack.fastn_url), ("Referer", f"{stack.fastn_url}/add/")]
    anonymous = post_json(fetch, url, {"title": "x"}, same_origin)
    assert anonymous.json() == {"redirect": "/accounts/login/?next=/add/"}

    _, cookies = session_login(fetch, stack)
    signed_in = [*same_origin, cookie_header(cookies)]
    invalid = post_json(fetch, url, {"title": ""}, signed_in)
    assert invalid.json() == {"errors": {"title": ["This field is required."]}}, stack.log()
    saved = post_json(fetch, url, {"title": "From the protocol test"}, signed_in)
    assert saved.json() == {"redirect": "/mine/"}
    mine = fetch(url, headers=[cookie_header(cookies)]).json()
    todo = next(todo for todo in mine["todos"] if todo["title"] == "From the protocol test")
    toggled = post_json(fetch, f"{url}{todo['id']}/toggle/", {}, signed_in)
    assert toggled.json() == {"reload": True}
