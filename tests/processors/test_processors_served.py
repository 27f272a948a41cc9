"""Processors in a running `fastn serve` and in `fastn build`: what the browser gets."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from processor_support import Backend, package_text, sqlite_db, texts

from servers import write_package

SHOP = """
CREATE TABLE person (id INTEGER PRIMARY KEY, name TEXT, city TEXT);
INSERT INTO person (name, city) VALUES ('Amit', 'Delhi'), ('Jack', 'Paris'), ('Zoe', 'Delhi');
"""

RECORD = """\
-- import: fastn/processors as pr

-- record person:
integer id:
string name:
string city:
"""

FILES = {
    "index.ftd": RECORD
    + """
-- string city: %
$processor$: pr.request-data

-- person list people:
$processor$: pr.sql
city: $city

SELECT * FROM person WHERE city LIKE $city::TEXT ORDER BY id

-- ftd.text: $p.name
for: $p in $people
""",
    "person.ftd": RECORD
    + """
-- integer id:
$processor$: pr.request-data

-- string title:
$processor$: pr.request-data

-- person p:
$processor$: pr.sql

SELECT * FROM person WHERE id = $id::INTEGER

-- ftd.text: $title

-- ftd.text: $p.name
""",
    "who.ftd": "-- import: fastn/processors as pr\n\n-- string name:\n$processor$: pr.request-data"
    "\n\n-- ftd.text: $name\n",
    "who/admin.ftd": "-- ftd.text: the real admin page\n",
    "login.ftd": "-- import: fastn/processors as pr\n\n-- string hello:\n$processor$: pr.http\n"
    "url: /api/login\n\n-- ftd.text: $hello\n",
    "missing.ftd": "-- import: fastn/processors as pr\n\n-- string a:\n$processor$: pr.http\n"
    "url: /api/missing\n",
    "forbidden.ftd": "-- import: fastn/processors as pr\n\n-- string a:\n$processor$: pr.http\n"
    "url: /api/forbidden\n",
    "redirect.ftd": "-- import: fastn/processors as pr\n\n-- string a:\n$processor$: pr.http\n"
    "url: /api/redirect\n",
    "broken.ftd": "-- import: fastn/processors as pr\n\n-- integer n:\n$processor$: pr.sql\n\n"
    "SELECT * FROM nowhere\n",
    "404.ftd": "-- ftd.text: the package's own 404 page\n",
    "count.ftd": "-- import: fastn/processors as pr\n\n-- integer n: 1\n$processor$: pr.request-data"
    "\n\n-- ftd.integer: $n\n",
    "score.ftd": "-- import: fastn/processors as pr\n\n-- decimal value:\n"
    "$processor$: pr.request-data\n\n-- ftd.decimal: $value\n",
    ".env": "FASTN_DB_URL=sqlite:///data/shop.sqlite\n",
}


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory, backend: Backend) -> Path:
    sections = f"""
-- fastn.url-mappings:

/api/* -> http+proxy://127.0.0.1:{backend.port}/mapped/api/*

-- fastn.dynamic-urls:

# Person
  url: /person/<integer:id>/
  document: person.ftd
  title: from FASTN.ftd

# Who
  url: /who/<string:name>/
  document: who.ftd

# Score
  url: /score/<decimal:value>/
  document: score.ftd
"""
    root = write_package(tmp_path_factory.mktemp("shop"), package_text("shop", "", sections), FILES)
    (root / "data").mkdir()
    sqlite_db(root / "data" / "shop.sqlite", SHOP)
    return root


@pytest.fixture(scope="module")
def served(shop: Path, start_fastn):
    return start_fastn(shop)


def test_request_data_to_sql_page_in_serve(served, fetch) -> None:
    reply = fetch(f"{served.url}/?city=Delhi")
    assert reply.status == 200
    assert texts(reply.body.decode()) == ["Amit", "Zoe"]
    assert texts(fetch(f"{served.url}/").body.decode()) == ["Amit", "Jack", "Zoe"]


def test_injection_through_the_query_string_is_inert(served, fetch) -> None:
    reply = fetch(f"{served.url}/?city=%27%20OR%20%271%27%3D%271")
    assert reply.status == 200 and texts(reply.body.decode()) == []


def test_dynamic_url_typed_segment_and_fastn_data_precedence(served, fetch) -> None:
    reply = fetch(f"{served.url}/person/2/?title=from-the-query&id=3")
    assert reply.status == 200
    assert texts(reply.body.decode()) == ["from FASTN.ftd", "Jack"]  # path id beats query id
    assert fetch(f"{served.url}/person/two/").status == 404  # not an integer: no match


def test_a_decimal_segment_reaches_request_data(served, fetch) -> None:
    assert texts(fetch(f"{served.url}/score/2.5/").body.decode()) == ["2.5"]
    assert texts(fetch(f"{served.url}/score/7/").body.decode()) == ["7"]
    assert fetch(f"{served.url}/score/high/").status == 404  # not a number: no match


def test_a_real_document_wins_over_a_dynamic_url(served, fetch) -> None:
    """fastn#2048: fastn renders the pattern's document instead."""
    assert texts(fetch(f"{served.url}/who/admin/").body.decode()) == ["the real admin page"]
    assert texts(fetch(f"{served.url}/who/amit/").body.decode()) == ["amit"]


def test_missing_request_data_and_missing_row_are_404_pages(served, fetch) -> None:
    reply = fetch(f"{served.url}/person/99/")
    assert reply.status == 404
    assert texts(reply.body.decode()) == ["the package's own 404 page"]


def test_an_unreadable_request_value_is_a_400_page_saying_why(served, fetch) -> None:
    assert texts(fetch(f"{served.url}/count/?n=5").body.decode()) == ["5"]
    reply = fetch(f"{served.url}/count/?n=five")
    assert reply.status == 400
    assert "n: expected an integer, found &quot;five&quot;" in reply.body.decode()


def test_cookies_go_to_the_backend_and_come_back_to_the_browser(
    served, fetch, backend: Backend
) -> None:
    reply = fetch(
        f"{served.url}/login/",
        headers=[("Cookie", "sessionid=old"), ("Authorization", "Bearer t")],
    )
    assert reply.status == 200
    assert texts(reply.body.decode()) == ["welcome"]
    assert reply.headers.getall("Set-Cookie") == [
        "sessionid=s1; Path=/; HttpOnly",
        "csrftoken=c1; Path=/",
    ]
    seen = backend.requests_to("/mapped/api/login")[-1]["headers"]
    assert (seen["cookie"], seen["authorization"]) == ("sessionid=old", "Bearer t")
    assert seen["x-fastn-request-path"] == "/login/"


def test_non_2xx_from_the_backend_short_circuits_the_page(served, fetch) -> None:
    missing = fetch(f"{served.url}/missing/")  # the package has a 404 page: it is used
    assert missing.status == 404
    assert texts(missing.body.decode()) == ["the package's own 404 page"]
    assert missing.headers.getall("Set-Cookie") == ["seen=1; Path=/"]
    forbidden = fetch(f"{served.url}/forbidden/")  # no 403 page: the backend's answer
    assert (forbidden.status, forbidden.body) == (403, b"backend says no")
    redirect = fetch(f"{served.url}/redirect/")
    assert (redirect.status, redirect.headers["Location"]) == (302, "/login/?next=/private/")


def test_a_failing_query_is_a_located_error_page_not_a_traceback(served, fetch) -> None:
    reply = fetch(f"{served.url}/broken/")
    assert reply.status == 500
    body = reply.body.decode()
    assert "no such table: nowhere" in body and "Traceback" not in body
    assert "broken.ftd:6" in served.output()


def test_request_data_to_sql_page_in_build(shop: Path, tmp_path: Path) -> None:
    """`fastn build` runs processors once, with an empty request: the default city is used."""
    result = subprocess.run(
        [sys.executable, "-m", "fastn.cli", "build", "--ignore-failed"],
        cwd=shop,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    index = (shop / ".build" / "index.html").read_text()
    assert texts(index) == ["Amit", "Jack", "Zoe"]
    assert "broken.ftd:6: SQL error (shop.sqlite): no such table: nowhere" in result.stderr
