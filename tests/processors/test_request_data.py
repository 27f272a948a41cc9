"""`pr.request-data` and `pr.get-data`: values from the request and from the package."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from processor_support import make_package, render, texts

from fastn.ftd.page import RequestInfo
from fastn.processors.errors import ProcessorError

HEAD = "-- import: fastn/processors as pr\n"
JSON = [("content-type", "application/json; charset=utf-8")]


def site(tmp_path: Path, page: str, **files: str) -> Path:
    return make_package(tmp_path / "site", {"index.ftd": HEAD + page, **files})


def request(
    query: str = "", body: object = None, path: dict | None = None, data: dict | None = None
):
    return RequestInfo(
        query_string=query,
        headers=JSON if body is not None else [],
        body=json.dumps(body).encode() if body is not None else b"",
        path_params=path or {},
        data=data or {},
    )


READ_X = "\n-- string x:\n$processor$: pr.request-data\n\n-- ftd.text: $x\n"


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        (request(query="x=query"), "query"),
        (request(query="x=query", path={"x": "path"}), "path"),
        (request(query="x=query", path={"x": "path"}, body={"x": "body"}), "body"),
        (request(query="x=q", path={"x": "p"}, body={"x": "b"}, data={"x": "data"}), "data"),
        (request(query="x=first&x=last"), "last"),
    ],
)
def test_precedence_data_body_path_query(tmp_path: Path, given: RequestInfo, expected: str) -> None:
    assert texts(render(site(tmp_path, READ_X), request=given).body) == [expected]


def test_typed_values_defaults_optionals_and_lists(tmp_path: Path) -> None:
    root = site(
        tmp_path,
        """
-- integer page: 1
$processor$: pr.request-data

-- integer size: 10
$processor$: pr.request-data

-- boolean flag:
$processor$: pr.request-data

-- optional string q:
$processor$: pr.request-data

-- string list tag:
$processor$: pr.request-data

-- ftd.integer: $page

-- ftd.integer: $size

-- ftd.boolean: $flag

-- ftd.text: no query
if: { q == NULL }

-- ftd.text: $t
for: $t in $tag
""",
    )
    page = render(root, request=request(query="size=25&tag=a&tag=b", data={"flag": "false"}))
    assert texts(page.body) == ["1", "25", "false", "no query", "a", "b"]


def test_a_record_reads_its_fields_from_all_sources(tmp_path: Path) -> None:
    root = site(
        tmp_path,
        """
-- record search:
string q:
integer page: 1
optional string sort:
integer user-id:

-- search s:
$processor$: pr.request-data

-- ftd.text: $s.q

-- ftd.integer: $s.page

-- ftd.integer: $s.user-id
""",
    )
    page = render(root, request=request(query="q=fastn&page=3", path={"user_id": 7}))
    assert texts(page.body) == ["fastn", "3", "7"]


def test_missing_value_is_404_naming_it_bad_value_is_400(tmp_path: Path) -> None:
    """fastn#1103: fastn answers 500 for a missing value."""
    root = site(tmp_path, "\n-- integer id:\n$processor$: pr.request-data\n\n-- ftd.integer: $id\n")
    with pytest.raises(ProcessorError) as caught:
        render(root)
    assert caught.value.status == 404
    assert "index.ftd:3: `id` is missing from the request" in str(caught.value)
    with pytest.raises(ProcessorError) as caught:
        render(root, request=request(query="id=abc"))
    assert caught.value.status == 400
    assert 'index.ftd:3: request-data: id: expected an integer, found "abc"' in str(caught.value)
    record = "\n-- record r:\nstring name:\n\n-- r v:\n$processor$: pr.request-data\n"
    with pytest.raises(ProcessorError) as caught:
        render(site(tmp_path / "2", record))
    assert caught.value.status == 404
    assert "no value for field `name` of `r`" in str(caught.value)


def test_a_body_that_is_not_json_is_400(tmp_path: Path) -> None:
    bad = RequestInfo(headers=JSON, body=b"{not json")
    with pytest.raises(ProcessorError) as caught:
        render(site(tmp_path, READ_X), request=bad)
    assert caught.value.status == 400


def test_get_data_from_body_file_caption_and_dynamic_url_data(tmp_path: Path) -> None:
    root = site(
        tmp_path,
        """
-- record person:
string name:
integer age:

-- person list people:
$processor$: pr.get-data
file: data/people.json

-- person boss:
$processor$: pr.get-data

{"name": "Amit", "age": "33"}

-- integer answer: 42
$processor$: pr.get-data

-- string title: from the caption
$processor$: pr.get-data
key: page-title

-- ftd.text: $p.name
for: $p in $people

-- ftd.integer: $boss.age

-- ftd.integer: $answer

-- ftd.text: $title
""",
        **{"data/people.json": json.dumps([{"name": "Jack", "age": 41}])},
    )
    assert texts(render(root).body) == ["Jack", "33", "42", "from the caption"]
    page = render(root, request=request(data={"page-title": "from FASTN.ftd"}))
    assert texts(page.body)[-1] == "from FASTN.ftd"


@pytest.mark.parametrize(
    ("section", "message"),
    [
        ("-- string s: cap\n$processor$: pr.get-data\n\nbody", "as the caption or as the body"),
        ("-- string s:\n$processor$: pr.get-data\nfile: ../outside.json", "a .json file of the"),
        ("-- string s:\n$processor$: pr.get-data\nfile: nothing.json", "no such file"),
        ("-- integer s:\n$processor$: pr.get-data\n\n{not json", "the body is not JSON"),
    ],
)
def test_get_data_errors(tmp_path: Path, section: str, message: str) -> None:
    (tmp_path / "outside.json").write_text("{}")
    with pytest.raises(ProcessorError) as caught:
        render(site(tmp_path, "\n" + section + "\n"))
    assert "index.ftd:" in str(caught.value) and message in str(caught.value)
