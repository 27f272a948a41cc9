"""Databases and editors' leftovers inside the package are never static files.

`GET /db.sqlite` once returned the whole default database and `GET /index.ftd~` a page's
source, SQL included. They answer 404 like any missing file, and `fastn build` does not copy
them into `.build/` (from where a static host or the generated nginx configuration would
serve them).
"""

from __future__ import annotations

import pytest
from raw_http import exchange, request_bytes

from servers import run_fastn

SECRET = "never-served-5d1c"
PACKAGE = "-- import: fastn\n\n-- fastn.package: refusals\n"
PAGE = "-- ftd.text: Home page\n"
REFUSED = {
    "db.sqlite": SECRET,
    "db.sqlite-wal": SECRET,
    "db.sqlite-journal": SECRET,
    "db.sqlite-shm": SECRET,
    "data/shop.sqlite3": SECRET,
    "data/Old.DB": SECRET,
    "cache.db-wal": SECRET,
    "store/app.data": SECRET,  # the configured database: refused whatever its name
    "store/app.data-wal": SECRET,
    "index.ftd~": f";; {SECRET}\n{PAGE}",
    "notes.txt~": SECRET,
    "about.ftd.bak": SECRET,
    "style.css.orig": SECRET,
    "draft.md.swp": SECRET,
}
SERVED = {"logo.txt": "logo-ok", "docs/database.html": "about databases"}


@pytest.fixture(scope="module")
def package(package_folder):
    files = {
        "index.ftd": PAGE,
        ".env": "FASTN_DB_URL=sqlite:///store/app.data\n",
        ".index.ftd.swp": SECRET,
        **REFUSED,
        **SERVED,
    }
    return package_folder(PACKAGE, files)


@pytest.fixture(scope="module")
def fastn(start_fastn, package):
    return start_fastn(package, "--production")


@pytest.mark.parametrize("name", [*REFUSED, ".index.ftd.swp"])
def test_databases_and_leftovers_are_404(fastn, name: str) -> None:
    for target in (f"/{name}", f"/{name.upper()}", f"//{name}"):
        reply = exchange(fastn.port, request_bytes(target))
        assert reply.status == 404, (target, reply.status)
        assert SECRET.encode() not in reply.body, target


def test_other_files_are_still_served(fastn) -> None:
    for name, content in SERVED.items():
        reply = exchange(fastn.port, request_bytes(f"/{name}"))
        assert (reply.status, reply.body) == (200, content.encode()), name


def test_the_build_does_not_copy_them(package) -> None:
    result = run_fastn(package, "build")
    assert result.returncode == 0, result.stderr
    built = package / ".build"
    copied = {str(path.relative_to(built)) for path in built.rglob("*") if path.is_file()}
    assert set(SERVED) <= copied
    assert not copied & set(REFUSED), copied & set(REFUSED)
    for path in built.rglob("*"):
        if path.is_file():
            assert SECRET.encode() not in path.read_bytes(), path
