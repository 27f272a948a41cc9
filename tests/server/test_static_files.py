"""Static files: content types, ETag / Last-Modified revalidation, single Range, HEAD."""

from __future__ import annotations

import pytest

BOTH_MODES = True  # fastn serve alone and with --front nginx (servers.py)

DATA = bytes(range(256)) * 40  # 10240 bytes


@pytest.fixture(scope="module")
def fastn(package_folder, start_fastn):
    package = package_folder(
        "-- import: fastn\n\n-- fastn.package: assets\n",
        {
            "static/data.bin": DATA,
            "static/style.css": "body { color: red }",
            "static/app.js": "console.log(1)",
            "static/photo.png": b"\x89PNG\r\n\x1a\n",
            "static/empty.txt": "",
            "static/no-extension": "plain",
        },
    )
    return start_fastn(package)


@pytest.mark.parametrize(
    ("name", "content_type"),
    [
        ("style.css", "text/css; charset=utf-8"),
        ("photo.png", "image/png"),
        ("data.bin", "application/octet-stream"),
        ("no-extension", "application/octet-stream"),
    ],
)
def test_content_types(fastn, fetch, name: str, content_type: str) -> None:
    reply = fetch(f"{fastn.url}/static/{name}")
    assert reply.status == 200
    assert reply.headers["Content-Type"] == content_type


def test_javascript_is_text(fastn, fetch) -> None:
    content_type = fetch(f"{fastn.url}/static/app.js").headers["Content-Type"]
    assert content_type in (
        "text/javascript; charset=utf-8",
        "application/javascript; charset=utf-8",
    )


def test_whole_file_with_validators(fastn, fetch) -> None:
    reply = fetch(f"{fastn.url}/static/data.bin")
    assert reply.body == DATA
    assert reply.headers["Content-Length"] == str(len(DATA))
    assert reply.headers["Accept-Ranges"] == "bytes"
    assert reply.headers["ETag"].startswith('"')
    assert reply.headers["Last-Modified"].endswith("GMT")


def test_if_none_match_gives_304(fastn, fetch) -> None:
    etag = fetch(f"{fastn.url}/static/data.bin").headers["ETag"]
    for value in (etag, f'"other", W/{etag}', "*"):
        reply = fetch(f"{fastn.url}/static/data.bin", headers=[("If-None-Match", value)])
        assert (reply.status, reply.body) == (304, b""), value
        assert reply.headers["ETag"] == etag
    assert (
        fetch(f"{fastn.url}/static/data.bin", headers=[("If-None-Match", '"stale"')]).status == 200
    )


def test_if_modified_since_gives_304(fastn, fetch) -> None:
    last_modified = fetch(f"{fastn.url}/static/data.bin").headers["Last-Modified"]
    reply = fetch(f"{fastn.url}/static/data.bin", headers=[("If-Modified-Since", last_modified)])
    assert reply.status == 304
    old = "Mon, 01 Jan 2001 00:00:00 GMT"
    assert fetch(f"{fastn.url}/static/data.bin", headers=[("If-Modified-Since", old)]).status == 200


@pytest.mark.parametrize(
    ("range_", "start", "end"),
    [
        ("bytes=0-99", 0, 99),
        ("bytes=100-", 100, 10239),
        ("bytes=-10", 10230, 10239),
        ("bytes=10000-99999", 10000, 10239),
    ],
)
def test_a_single_range(fastn, fetch, range_: str, start: int, end: int) -> None:
    reply = fetch(f"{fastn.url}/static/data.bin", headers=[("Range", range_)])
    assert reply.status == 206
    assert reply.headers["Content-Range"] == f"bytes {start}-{end}/{len(DATA)}"
    assert reply.body == DATA[start : end + 1]


def test_an_unsatisfiable_range_is_416(fastn, fetch) -> None:
    reply = fetch(f"{fastn.url}/static/data.bin", headers=[("Range", "bytes=20000-")])
    assert reply.status == 416
    assert reply.headers["Content-Range"] == f"bytes */{len(DATA)}"


def test_ranges_that_cannot_be_honoured_get_the_whole_file(fastn, fetch) -> None:
    whole = fetch(f"{fastn.url}/static/data.bin")
    for headers in (
        [("Range", "bytes=0-1,5-6")],  # several ranges
        [("Range", "lines=1-2")],
        [("Range", "bytes=0-1"), ("If-Range", '"an old version"')],
    ):
        reply = fetch(f"{fastn.url}/static/data.bin", headers=headers)
        assert (reply.status, reply.body) == (200, DATA), headers
    reply = fetch(
        f"{fastn.url}/static/data.bin",
        headers=[("Range", "bytes=0-1"), ("If-Range", whole.headers["ETag"])],
    )
    assert (reply.status, reply.body) == (206, DATA[:2])


def test_head_has_headers_only(fastn, fetch) -> None:
    reply = fetch(f"{fastn.url}/static/data.bin", "HEAD")
    assert (reply.status, reply.body) == (200, b"")
    assert reply.headers["Content-Length"] == str(len(DATA))


def test_empty_file(fastn, fetch) -> None:
    reply = fetch(f"{fastn.url}/static/empty.txt")
    assert (reply.status, reply.body, reply.headers["Content-Length"]) == (200, b"", "0")
