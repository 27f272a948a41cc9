"""Issue 18 point 3: pages and text files are compressed when the client asks (gzip; br too
where the brotli package is installed), in both modes; the backend's answers never are."""

from __future__ import annotations

import gzip

import brotli
import pytest

BOTH_MODES = True  # fastn serve alone and with --front nginx (servers.py)

CSS = "body { color: red }\n" * 100
PACKAGE = """\
-- import: fastn

-- fastn.package: squeezed
endpoint: http://127.0.0.1:{port}
"""


@pytest.fixture(scope="module")
def fastn(package_folder, start_fastn, upstream):
    files = {
        "index.ftd": "-- ftd.text: A page worth compressing\n" * 5,
        "style.css": CSS,
        "photo.png": b"\x89PNG\r\n\x1a\n" + bytes(200),
    }
    return start_fastn(package_folder(PACKAGE.format(port=upstream.port), files), "--production")


def gzip_asked(fetch, url: str, *extra: tuple[str, str]):
    return fetch(url, headers=[("Accept-Encoding", "gzip"), *extra])


def test_a_page_is_gzipped_when_asked(fastn, fetch) -> None:
    plain = fetch(f"{fastn.url}/")
    squeezed = gzip_asked(fetch, f"{fastn.url}/")
    assert "Content-Encoding" not in plain.headers
    assert squeezed.headers["Content-Encoding"] == "gzip"
    assert "accept-encoding" in squeezed.headers["Vary"].lower()
    assert gzip.decompress(squeezed.body) == plain.body
    assert len(squeezed.body) < len(plain.body)


def test_a_page_is_brotli_compressed_when_asked(fastn, fetch) -> None:
    plain = fetch(f"{fastn.url}/")
    squeezed = fetch(f"{fastn.url}/", headers=[("Accept-Encoding", "gzip, deflate, br")])
    assert squeezed.headers["Content-Encoding"] == "br"
    assert brotli.decompress(squeezed.body) == plain.body


def test_a_text_file_is_gzipped_with_a_weak_etag(fastn, fetch) -> None:
    squeezed = gzip_asked(fetch, f"{fastn.url}/style.css")
    assert squeezed.status == 200
    assert squeezed.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(squeezed.body) == CSS.encode()
    assert squeezed.headers["ETag"].startswith('W/"')


def test_images_ranges_and_refusals_stay_as_they_are(fastn, fetch, serve_mode) -> None:
    assert "Content-Encoding" not in gzip_asked(fetch, f"{fastn.url}/photo.png").headers
    part = gzip_asked(fetch, f"{fastn.url}/style.css", ("Range", "bytes=0-3"))
    if serve_mode == "plain":
        assert (part.status, part.body) == (206, b"body")
    else:  # nginx compresses the whole file instead (a server may ignore Range)
        assert (part.status, gzip.decompress(part.body)) == (200, CSS.encode())
    refused = fetch(f"{fastn.url}/style.css", headers=[("Accept-Encoding", "gzip;q=0")])
    assert "Content-Encoding" not in refused.headers and refused.body == CSS.encode()


def test_the_backends_answers_pass_as_they_are(fastn, fetch) -> None:
    reply = gzip_asked(fetch, f"{fastn.url}/api/echo")
    assert reply.status == 200
    assert "Content-Encoding" not in reply.headers
    assert reply.json()["method"] == "GET"
    assert reply.upstream_header("Accept-Encoding") == ["gzip"]
