"""fastn-server.md §2: redirects > url-mapping proxies > documents/static > endpoint > 404."""

from __future__ import annotations

import pytest

BOTH_MODES = True  # fastn serve alone and with --front nginx (servers.py)

ROUTED = """\
-- import: fastn

-- fastn.package: routed
endpoint: http://127.0.0.1:{port}/backend

-- fastn.url-mappings:

/api/* -> http+proxy://127.0.0.1:${{env.ROUTED_API_PORT or "1"}}/mapped/*
/legacy/ -> /about/

-- fastn.redirects:

/about-us/ -> /about/
/chat/ -> https://discord.gg/example
"""

FILES = {
    "index.ftd": "-- ftd.text: Home page\n",
    "about.ftd": "-- ftd.text: About page\n",
    "about-us.ftd": "-- ftd.text: shadowed by the redirect\n",
    "docs/index.ftd": "-- ftd.text: Docs index\n",
    "docs/intro.ftd": "-- ftd.text: Docs intro\n",
    "api/secret.txt": "a file under a proxied prefix",
    "logo.svg": "<svg xmlns='http://www.w3.org/2000/svg'/>",
    "broken.ftd": "-- ftd.text: ok\n\n-- ftd.nonexistent-component: boom\n",
}


@pytest.fixture(scope="module")
def fastn(upstream, package_folder, start_fastn):
    package = package_folder(ROUTED.format(port=upstream.port), FILES)
    (package / ".env").write_text(f"ROUTED_API_PORT={upstream.port}\n")  # also tests .env loading
    return start_fastn(package)


@pytest.fixture(scope="module")
def standalone(package_folder, start_fastn):
    """No endpoint: unmatched URLs are 404 (plain, as there is no 404.ftd)."""
    package = package_folder("-- import: fastn\n\n-- fastn.package: alone\n", FILES)
    return start_fastn(package)


@pytest.fixture(scope="module")
def with_404_page(package_folder, start_fastn):
    package = package_folder(
        "-- import: fastn\n\n-- fastn.package: alone\n",
        {**FILES, "404.ftd": "-- ftd.text: No such page here\n"},
    )
    return start_fastn(package)


def test_redirects_come_first_even_over_a_document(fastn, fetch) -> None:
    reply = fetch(f"{fastn.url}/about-us/?ref=mail")
    assert reply.status == 308
    assert reply.headers["Location"] == "/about/?ref=mail"
    assert fetch(f"{fastn.url}/legacy/").headers["Location"] == "/about/"
    assert fetch(f"{fastn.url}/chat").headers["Location"] == "https://discord.gg/example"


def test_url_mapping_proxies_claim_their_prefix(fastn, fetch) -> None:
    """`${env.ROUTED_API_PORT}` comes from the package's .env and leads to the upstream."""
    assert fetch(f"{fastn.url}/api/users/1/?x=1").json()["raw_path"] == "/mapped/users/1/?x=1"
    assert fetch(f"{fastn.url}/api/secret.txt").json()["raw_path"] == "/mapped/secret.txt"


def test_documents_and_static_files_come_before_the_endpoint(fastn, fetch) -> None:
    for url, text in [("/", b"Home page"), ("/about/", b"About page"), ("/about", b"About page"),
                      ("/docs/", b"Docs index"), ("/docs/intro/", b"Docs intro")]:  # fmt: skip
        reply = fetch(fastn.url + url)
        assert (reply.status, reply.headers["Content-Type"]) == (200, "text/html; charset=utf-8"), (
            url
        )
        assert text in reply.body, url
    logo = fetch(f"{fastn.url}/logo.svg")
    assert logo.headers["Content-Type"] == "image/svg+xml; charset=utf-8"
    assert logo.body == FILES["logo.svg"].encode()


def test_everything_else_goes_to_the_endpoint(fastn, fetch) -> None:
    assert (
        fetch(f"{fastn.url}/accounts/login/?next=/x").json()["raw_path"]
        == "/backend/accounts/login/?next=/x"
    )
    assert (
        fetch(f"{fastn.url}/FASTN.ftd").json()["raw_path"] == "/backend/FASTN.ftd"
    )  # never the file
    assert fetch(f"{fastn.url}/.env").json()["raw_path"] == "/backend/.env"


def test_other_methods_on_a_page_go_to_the_endpoint(fastn, fetch) -> None:
    """A backend form may post to the page's own URL."""
    report = fetch(f"{fastn.url}/about/", "POST", data=b"name=x").json()
    assert (report["method"], report["raw_path"], report["body_length"]) == (
        "POST",
        "/backend/about/",
        6,
    )


def test_a_broken_document_is_a_located_500(fastn, fetch, serve_mode) -> None:
    reply = fetch(f"{fastn.url}/broken/")
    assert reply.status == 500
    if serve_mode == "plain":  # development mode; the front runs in production: the log has it
        assert b"broken.ftd:3" in reply.body


def test_without_endpoint_unmatched_urls_are_404(standalone, fetch) -> None:
    reply = fetch(f"{standalone.url}/no/such/page/")
    assert reply.status == 404
    assert b"404 Not Found" in reply.body
    assert fetch(f"{standalone.url}/about/").status == 200


def test_without_endpoint_other_methods_on_pages_are_405(standalone, fetch) -> None:
    reply = fetch(f"{standalone.url}/about/", "POST", data=b"x")
    assert reply.status == 405
    assert reply.headers["Allow"] == "GET, HEAD"


def test_404_ftd_is_rendered_with_status_404(with_404_page, fetch) -> None:
    reply = fetch(f"{with_404_page.url}/no/such/page/")
    assert reply.status == 404
    assert b"No such page here" in reply.body


@pytest.mark.parametrize(
    "raw",
    [
        "/FASTN.ftd",
        "/.env",
        "/%2Eenv",
        "/../FASTN.ftd",
        "/%2e%2e/%2e%2e/etc/passwd",
        "/docs/..%2F..%2FFASTN.ftd",
        "/about.ftd",
        "/index.ftd",
        "/%252e%252e/FASTN.ftd",
    ],
)
def test_package_secrets_and_traversal_are_not_served(standalone, fetch, raw: str) -> None:
    reply = fetch(standalone.url + raw)
    assert reply.status in (400, 404)
    assert b"fastn.package" not in reply.body
    assert b"root:" not in reply.body
