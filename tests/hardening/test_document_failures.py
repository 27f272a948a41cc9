"""Documents that cannot be rendered fail with a located error, the same way every time.

- A document nested 400 sections deep, or through 400 components each using the next, once
  gave a generic 500 with a `RecursionError` traceback: now `file:line: nesting deeper…`.
- A page whose import is missing once answered 500 on the first request and 200 (the import
  silently dropped) afterwards: a half-loaded module was left in the interpreter's cache.
  Imports are read when a name of them is used (as in fastn): a page using a missing module
  fails at that line every time, one only importing it renders every time.
"""

from __future__ import annotations

import pytest
from raw_http import exchange, request_bytes

PACKAGE = "-- import: fastn\n\n-- fastn.package: failures\n"
DEPTH = 400


def nested_sections(depth: int) -> str:
    opened = "".join("-- ftd.column:\n\n" for _ in range(depth))
    closed = "".join("-- end: ftd.column\n\n" for _ in range(depth))
    return opened + "-- ftd.text: bottom\n\n" + closed


def chained_components(depth: int) -> str:
    chain = "".join(
        f"-- component c{index}:\n\n-- c{index + 1}:\n\n-- end: c{index}\n\n"
        for index in range(depth)
    )
    return f"-- c0:\n\n{chain}-- component c{depth}:\n\n-- ftd.text: bottom\n\n-- end: c{depth}\n"


FILES = {
    "index.ftd": "-- ftd.text: Home page\n",
    "deep.ftd": nested_sections(DEPTH),
    "shallow.ftd": nested_sections(50),
    "chain.ftd": chained_components(DEPTH),
    "missing-import.ftd": "-- import: failures/not-there\n\n-- ftd.text: $not-there.greeting\n",
    "missing-inside.ftd": "-- import: failures/imports-missing\n\n-- ftd.text: $imports-missing.x\n",
    "imports-missing.ftd": "-- import: failures/not-there-either\n\n-- string x: $not-there-either.y\n",
    "unused-import.ftd": "-- import: failures/not-there\n\n-- ftd.text: shown without it\n",
}


@pytest.fixture(scope="module")
def development(start_fastn, package_folder):
    return start_fastn(package_folder(PACKAGE, FILES))


@pytest.fixture(scope="module")
def production(start_fastn, package_folder):
    return start_fastn(package_folder(PACKAGE, FILES), "--production")


@pytest.mark.parametrize(
    ("target", "message"),
    [
        ("/deep/", "deep.ftd:201: nesting deeper than 100"),
        ("/chain/", "chain.ftd:0: nesting deeper than fastn can follow"),
    ],
)
def test_deep_nesting_is_a_located_error(development, production, target, message) -> None:
    shown = exchange(development.port, request_bytes(target))
    assert shown.status == 500
    text = shown.body.decode()
    place, _, what = message.partition(": ")
    assert place.removesuffix(":0") in text and what in text, text[:1000]
    assert "RecursionError" not in text and "Traceback" not in text
    hidden = exchange(production.port, request_bytes(target))
    assert hidden.status == 500 and b"nesting" not in hidden.body
    assert message in production.output()
    assert "RecursionError" not in production.output()
    assert exchange(production.port, request_bytes("/shallow/")).status == 200


@pytest.mark.parametrize(
    ("target", "message"),
    [
        ("/missing-import/", "missing-import.ftd:3: module `failures/not-there` not found"),
        (
            "/missing-inside/",
            "imports-missing.ftd:3: module `failures/not-there-either` not found",
        ),
    ],
)
def test_a_missing_import_fails_the_same_way_every_time(development, target, message) -> None:
    place, _, what = message.partition(": ")
    for _ in range(3):
        reply = exchange(development.port, request_bytes(target))
        text = reply.body.decode()
        assert (
            reply.status == 500 and place in text and what.replace("`", "") in text.replace("`", "")
        ), text[:1000]


def test_an_unused_missing_import_renders_every_time(development) -> None:
    for _ in range(3):
        reply = exchange(development.port, request_bytes("/unused-import/"))
        assert reply.status == 200 and "shown without it" in reply.body.decode()
