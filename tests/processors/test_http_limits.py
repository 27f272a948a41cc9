"""`pr.http` against backends that misbehave or are fed a visitor's data.

- An answer over `FASTN_HTTP_MAX_BYTES`, or one still coming after `FASTN_HTTP_TIMEOUT`
  seconds (an endless body), makes the page a 502; fastn stops reading at once and its memory
  goes back to where it was.
- Values a function takes from variables to build `url:` are percent-encoded.
- `x-fastn-root` and `x-fastn-request-path` go to the package's own backend only, and
  `x-fastn-root` is no path of the server.
"""

from __future__ import annotations

import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import quote

import pytest
from processor_support import Backend, make_package, package_text, render

from fastn.ftd.page import RequestInfo
from fastn.processors.errors import ProcessorError
from servers import Upstream

MB = 1024 * 1024
BIG_PAGE = """\
-- import: fastn/processors as pr

-- string answer:
$processor$: pr.http
url: http://127.0.0.1:{port}/big?bytes={size}

-- ftd.text: $answer
"""


def big_answer_site(tmp_path: Path, upstream: Upstream, size: int) -> Path:
    page = BIG_PAGE.format(port=upstream.port, size=size)
    return make_package(tmp_path / "site", {"index.ftd": page})


def test_an_answer_over_the_size_cap_is_a_502(
    tmp_path: Path, upstream: Upstream, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FASTN_HTTP_MAX_BYTES", str(MB))
    ended = len(upstream.streams_ended)
    with pytest.raises(ProcessorError) as caught:
        render(big_answer_site(tmp_path, upstream, 500 * MB))
    assert caught.value.status == 502
    assert f"answered more than {MB} bytes" in str(caught.value)
    deadline = time.monotonic() + 10
    while len(upstream.streams_ended) == ended and time.monotonic() < deadline:
        time.sleep(0.05)
    assert upstream.streams_ended[-1] < 100 * MB  # fastn hung up long before the end


def test_an_endless_answer_is_a_502_at_the_deadline(
    tmp_path: Path, upstream: Upstream, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FASTN_HTTP_MAX_BYTES", str(100_000 * MB))  # the size never decides
    monkeypatch.setenv("FASTN_HTTP_TIMEOUT", "1")
    with pytest.raises(ProcessorError) as caught:
        render(big_answer_site(tmp_path, upstream, 100_000 * MB))
    assert caught.value.status == 502
    assert "did not finish its answer within 1 s" in str(caught.value)


def test_an_answer_within_the_cap_is_read(
    tmp_path: Path, upstream: Upstream, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Zero bytes are no JSON, so the page fails after reading them all, not before."""
    monkeypatch.setenv("FASTN_HTTP_MAX_BYTES", str(MB))
    with pytest.raises(ProcessorError) as caught:
        render(big_answer_site(tmp_path, upstream, MB))
    assert "but not with JSON" in str(caught.value)


def test_the_memory_of_a_big_answer_is_released(start_fastn, package_folder, upstream) -> None:
    """Served: a 300 MB answer to a page leaves fastn's memory where it was (10 MiB cap)."""
    package = package_folder(
        package_text(), {"index.ftd": BIG_PAGE.format(port=upstream.port, size=300 * MB)}
    )
    fastn = start_fastn(package, "--production")

    def get() -> int:
        try:
            with urllib.request.urlopen(fastn.url + "/", timeout=60) as reply:
                return reply.status
        except urllib.error.HTTPError as error:
            return error.code

    assert get() == 502  # the first run also loads aiohttp: measured from the second on
    before = fastn.rss_bytes()
    for _ in range(3):
        assert get() == 502
    assert fastn.rss_bytes() - before < 30 * MB


URL_PAGE = """\
-- import: fastn/processors as pr

-- string name:
$processor$: pr.request-data

-- string user-url(who, tab):
string who:
string tab:

"/api/echo/users/" + who + "/" + tab

-- string profile-url: $user-url(who = $name, tab = profile)

-- string direct:
$processor$: pr.http
url: $user-url(who = $name, tab = posts)

-- string through-a-variable:
$processor$: pr.http
url: $profile-url
"""


@pytest.mark.parametrize(
    ("name", "sent"),
    [
        ("a b/../../admin?x=1#y", "a%20b%2F..%2F..%2Fadmin%3Fx%3D1%23y"),
        ("..", "%2E%2E"),
        ("café", "caf%C3%A9"),
        ("plain", "plain"),
    ],
)
def test_values_building_the_url_are_percent_encoded(
    tmp_path: Path, backend: Backend, name: str, sent: str
) -> None:
    fastn = package_text(headers=f"endpoint: http://127.0.0.1:{backend.port}")
    root = make_package(tmp_path / "site", {"index.ftd": URL_PAGE}, fastn)
    seen = len(backend.seen)
    render(root, request=RequestInfo(query_string="name=" + quote(name)))
    paths = sorted(request["path"] for request in backend.seen[seen:])
    assert paths == [f"/api/echo/users/{sent}/posts", f"/api/echo/users/{sent}/profile"]


def test_fastn_headers_go_to_the_own_backend_only(tmp_path: Path, backend: Backend) -> None:
    other = Backend().start()
    try:
        page = f"""\
-- import: fastn/processors as pr

-- string own:
$processor$: pr.http
url: /api/echo/own

-- string third:
$processor$: pr.http
url: http://127.0.0.1:{other.port}/api/echo/third
"""
        fastn = package_text(headers=f"endpoint: http://127.0.0.1:{backend.port}")
        root = make_package(tmp_path / "site", {"index.ftd": page}, fastn)
        render(root, request=RequestInfo(path="/secret/page/"))
        (own,) = backend.requests_to("/api/echo/own")
        assert own["headers"]["x-fastn-root"] == "site"
        assert own["headers"]["x-fastn-request-path"] == "/secret/page/"
        (third,) = other.requests_to("/api/echo/third")
        assert "x-fastn-root" not in third["headers"]
        assert "x-fastn-request-path" not in third["headers"]
        assert str(tmp_path) not in str(own["headers"]) + str(third["headers"])
    finally:
        other.stop()
