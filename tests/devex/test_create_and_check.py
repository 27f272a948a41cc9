"""Issue 9 point 3: `fastn create-package` scaffolds a package that serves, builds and checks
clean; `fastn check` lists every located error of a package and fails."""

from __future__ import annotations

from pathlib import Path

from devex_support import fastn, get

import fastn as fastn_package

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def test_create_package_then_serve_build_and_check(tmp_path: Path, start_fastn) -> None:
    created = fastn("create-package", "my-site", cwd=tmp_path)
    assert created.returncode == 0, created.stderr
    package = tmp_path / "my-site"
    assert sorted(path.name for path in package.iterdir()) == [
        ".gitignore",
        "FASTN.ftd",
        "_components.ftd",
        "index.ftd",
    ]
    assert ";; endpoint: http://" in (package / "FASTN.ftd").read_text()

    checked = fastn("check", cwd=package)
    assert checked.returncode == 0, checked.stderr
    assert "no errors" in checked.stdout

    server = start_fastn(package)
    status, _, body = get(f"{server.url}/")
    assert status == 200
    assert b"Welcome to my-site" in body and b"Edit index.ftd" in body  # the card component

    built = fastn("build", cwd=package)
    assert built.returncode == 0, built.stderr
    assert b"Welcome to my-site" in (package / ".build/index.html").read_bytes()


def test_create_package_refuses_a_folder_in_use(tmp_path: Path) -> None:
    (tmp_path / "taken").mkdir()
    (tmp_path / "taken" / "notes.txt").write_text("mine")

    result = fastn("create-package", "site", "--path", "taken", cwd=tmp_path)

    assert result.returncode == 1
    assert "taken already exists and is not empty" in result.stderr
    assert fastn("create-package", "bad name!", cwd=tmp_path).returncode == 1


BROKEN_PACKAGE = {
    "FASTN.ftd": "-- import: fastn\n\n-- fastn.package: broken\n",
    "index.ftd": "-- import: broken/widgets\n\n-- ftd.text: fine\n",
    "two.ftd": (
        "-- ftd.text: fine\n"
        "\n"
        "-- ftd.missing-one: a\n"
        "\n"
        "-- integer count: not a number\n"
        "\n"
        "-- ftd.missing-two: b\n"
    ),
    "unparsable.ftd": "-- ftd.text: fine\n\n-- end: ftd.column\n",
    "widgets.ftd": "-- component w:\n\n-- ftd.nothing-here:\n\n-- end: w\n",
    "also-uses-widgets.ftd": "-- import: broken/widgets\n",
    "good.ftd": "-- ftd.text: all good\n",
}


def test_check_lists_every_located_error(tmp_path: Path) -> None:
    for name, text in BROKEN_PACKAGE.items():
        (tmp_path / name).write_text(text)

    result = fastn("check", cwd=tmp_path)

    assert result.returncode == 1
    lines = result.stderr.splitlines()
    located = sorted(line.split(": ", 1)[0] for line in lines[:-1])
    assert located == ["two.ftd:3", "two.ftd:5", "two.ftd:7", "unparsable.ftd:3", "widgets.ftd:3"]
    assert all(len(line.split(": ", 1)[1]) > 5 for line in lines[:-1])  # each has a message
    assert "missing-one" in result.stderr and "missing-two" in result.stderr
    assert lines[-1] == "fastn check: 5 errors (6 documents)"


def test_check_counts_in_the_singular(tmp_path: Path) -> None:
    (tmp_path / "FASTN.ftd").write_text(BROKEN_PACKAGE["FASTN.ftd"])
    (tmp_path / "unparsable.ftd").write_text(BROKEN_PACKAGE["unparsable.ftd"])
    result = fastn("check", cwd=tmp_path)
    assert result.stderr.splitlines()[-1] == "fastn check: 1 error (1 document)"


def test_check_reports_a_broken_fastn_ftd(tmp_path: Path) -> None:
    (tmp_path / "FASTN.ftd").write_text("-- import: fastn\n\n-- fastn.package:\n")

    result = fastn("check", cwd=tmp_path)

    assert result.returncode == 1
    assert "FASTN.ftd:3: fastn.package needs the package name as caption" in result.stderr


def test_version(tmp_path: Path) -> None:
    result = fastn("--version", cwd=tmp_path)
    assert result.returncode == 0
    assert result.stdout.strip() == f"fastn-py {fastn_package.__version__}"


def test_the_example_packages_check_clean_and_hello_serves(start_fastn) -> None:
    """The README's quick start (`cd examples/hello && fastn serve`) and the Django demo's
    frontend stay valid packages."""
    for folder in (EXAMPLES / "hello", EXAMPLES / "django-todo" / "frontend"):
        checked = fastn("check", cwd=folder)
        assert checked.returncode == 0, (folder, checked.stderr)
        assert "no errors" in checked.stdout

    server = start_fastn(EXAMPLES / "hello", "--production")  # nothing written into the tree
    status, _, body = get(f"{server.url}/")
    assert status == 200 and b"Hello from fastn-py" in body


def test_uncommenting_the_scaffolds_endpoint_names_the_backend(tmp_path: Path) -> None:
    from fastn.package.config import load_package

    assert fastn("create-package", "site", cwd=tmp_path).returncode == 0
    package_file = tmp_path / "site" / "FASTN.ftd"
    assert load_package(tmp_path / "site").endpoint is None
    package_file.write_text(package_file.read_text().replace(";; endpoint:", "endpoint:"))
    assert load_package(tmp_path / "site").endpoint == "http://127.0.0.1:8001"
