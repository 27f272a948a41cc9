"""Issue 9 point 2: a broken document in development shows what, where and the lines around
it (on the page and the terminal); production shows a plain 500 (`500.ftd` if there is one)
and keeps the details in the log."""

from __future__ import annotations

from devex_support import eventually, get

PACKAGE = "-- import: fastn\n\n-- fastn.package: errors\n"
BROKEN = "-- ftd.text: fine\n\n-- ftd.column:\n\n-- ftd.nonexistent-component: boom\n\n-- end: ftd.column\n"


def test_development_shows_the_error_with_its_source(package_folder, start_fastn) -> None:
    package = package_folder(PACKAGE, {"broken.ftd": BROKEN})
    server = start_fastn(package)

    status, headers, body = get(f"{server.url}/broken/")

    assert status == 500
    page = body.decode()
    assert "broken.ftd:5" in page
    assert "ftd.nonexistent-component" in page  # the message names what is missing
    assert "<tr class=here><td>5</td><td>-- ftd.nonexistent-component: boom</td>" in page
    assert "<td>2</td>" in page and "<td>8</td>" not in page  # three lines either side
    eventually(lambda: "> 5 | -- ftd.nonexistent-component: boom" in server.output(), "excerpt")
    assert "broken.ftd:5: " in server.output()


def test_production_shows_a_plain_500_and_logs_the_details(
    package_folder, start_fastn, start_uvicorn
) -> None:
    package = package_folder(PACKAGE, {"broken.ftd": BROKEN})
    for server in (start_fastn(package, "--production"), start_uvicorn(package)):
        status, _, body = get(f"{server.url}/broken/")
        assert status == 500
        assert b"500 Internal Server Error" in body
        assert b"nonexistent" not in body and b"broken.ftd" not in body
        output = server.output
        eventually(lambda output=output: "broken.ftd:5: " in output(), "the log has the error")


def test_production_uses_the_package_500_page(package_folder, start_fastn) -> None:
    files = {"broken.ftd": BROKEN, "500.ftd": "-- ftd.text: Sorry, our fault\n"}
    server = start_fastn(package_folder(PACKAGE, files), "--production")

    status, _, body = get(f"{server.url}/broken/")

    assert status == 500
    assert b"Sorry, our fault" in body and b"nonexistent" not in body


def test_development_error_page_wins_over_500_ftd(package_folder, start_fastn) -> None:
    files = {"broken.ftd": BROKEN, "500.ftd": "-- ftd.text: Sorry, our fault\n"}
    server = start_fastn(package_folder(PACKAGE, files))

    status, _, body = get(f"{server.url}/broken/")

    assert status == 500 and b"broken.ftd:5" in body and b"Sorry" not in body
