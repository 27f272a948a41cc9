"""The p1 section parser against fastn's oracle, its error messages and its quirks."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fastn.ftd import p1
from fastn.ftd.errors import ParseError


def parse_json(text: str) -> list[dict]:
    return p1.to_json(p1.parse(text))


def only(text: str) -> p1.Section:
    (section,) = p1.parse(text)
    return section


# ---------------------------------------------------------------------------------------
# Conformance: fastn's own p1 test corpus, and the render corpus must parse


def test_conformance_p1_cases(conformance_dir: Path) -> None:
    cases = sorted((conformance_dir / "p1").glob("*.ftd"))
    assert len(cases) >= 8
    mismatched = []
    for case in cases:
        expected = json.loads((case.parent / (case.name.split(".")[0] + ".json")).read_text())
        actual = p1.to_json(p1.without_line_numbers(p1.parse(case.read_text())))
        if actual != expected:
            mismatched.append(case.name)
    assert mismatched == []


def test_render_corpus_parses(conformance_dir: Path) -> None:
    cases = sorted((conformance_dir / "render" / "cases").glob("*.ftd"))
    assert cases
    failures = []
    for case in cases:
        try:
            p1.parse(case.read_text(), doc_id=case.stem)
        except ParseError as error:
            failures.append(str(error))
    assert failures == []


# ---------------------------------------------------------------------------------------
# Structure and line numbers


def test_nesting_comes_from_end_lines_only() -> None:
    sections = p1.parse("-- a:\n  -- b:\n-- c:\n-- end: a\n-- d:\n")
    assert [s.name for s in sections] == ["a", "d"]
    assert [s.name for s in sections[0].sub_sections] == ["b", "c"]


def test_same_name_nesting_closes_innermost_first() -> None:
    text = "-- ftd.column:\n-- ftd.column:\n-- ftd.text: hi\n-- end: ftd.column\n-- end: ftd.column"
    (outer,) = p1.parse(text)
    (inner,) = outer.sub_sections
    assert [s.name for s in inner.sub_sections] == ["ftd.text"]


def test_real_line_numbers() -> None:
    text = "\n-- foo: cap\nk: v\n\nbody line\n\n-- foo2:\n-- foo2.h: x\n"
    foo, foo2 = p1.parse(text)
    assert (foo.line_number, foo.caption.line_number) == (2, 2)
    assert foo.headers[0].line_number == 3
    assert foo.body == p1.Body("body line", 5)
    assert (foo2.line_number, foo2.headers[0].line_number, foo2.block_body) == (7, 8, True)


def test_section_line_kind_name_and_caption() -> None:
    section = only("-- optional caption ftd.color c: a: b ;; note")
    assert (section.kind, section.name, section.caption.value) == (
        "optional caption ftd.color",
        "c",
        "a: b",
    )
    function = only("-- integer add(a, b):\ninteger a:\ninteger b:\n\na + b")
    assert (function.kind, function.name, function.body.value) == ("integer", "add(a,b)", "a + b")


def test_inline_header_parts() -> None:
    section = only("-- foo:\nprivate boolean $open if { x }: true\nlink: https://a.b/c\nempty:")
    opened, link, empty = section.headers
    assert (opened.kind, opened.key, opened.condition, opened.value) == (
        "boolean",
        "$open",
        "{ x }",
        "true",
    )
    assert opened.access_modifier == "Private"
    assert (link.value, empty.value, empty.source) == ("https://a.b/c", None, "Header")


def test_body_indentation_is_trimmed() -> None:
    section = only("-- foo:\n\n    first\n      second\n\n    third   \n\n")
    assert section.body.value == "first\n  second\n\nthird"


def test_a_line_of_only_tabs_counts_towards_the_body_indentation() -> None:
    # design-system's components/input.ftd: a tab-indented blank line, then code indented by
    # two tabs and a space; fastn keeps that space on every line but the first.
    section = only("-- foo:\n\t\t\n\t\t \\-- bar: x\n\t\t size: small\n\t\t\n")
    assert section.body.value == "-- bar: x\n size: small"


def test_comments_and_escapes() -> None:
    text = (
        "-- foo: a \\;; b ;; gone\n;; whole line\n\n"
        "\\-- x: y\n  \\;; z\nkeep ;; drop\ncode ;; <hl>\n"
    )
    section = only(text)
    assert section.caption.value == "a ;; b"
    assert section.body.value == "-- x: y\n  ;; z\nkeep \ncode ;; <hl>"


def test_only_comments_gives_nothing() -> None:
    assert p1.parse(";; a\n\n   ;; b\n") == []
    assert p1.parse("") == []


def test_block_headers() -> None:
    text = (
        "-- foo:\n\n-- foo.cap: One\nif: flag\n\n-- foo.text:\n\n  Some\n  text\n\n"
        "-- foo.rec: Caption\nb: 2\na: 1\n\nRecord body\n\n"
        "-- foo.list:\n\n-- bar: x\n-- end: foo.list\n\n-- string foo.typed: v\n"
    )
    cap, text_header, record, sections, typed = only(text).headers
    assert (cap.value, cap.source, cap.condition) == ("One", "Caption", "flag")
    assert (text_header.value, text_header.source) == ("Some\ntext", "Body")
    assert isinstance(record, p1.BlockRecordHeader)
    assert (record.caption, record.body) == ("Caption", ("Record body", 15))
    assert [field.key for field in record.fields] == ["a", "b"]
    assert isinstance(sections, p1.SectionHeader)
    assert [s.name for s in sections.section] == ["bar"]
    assert (typed.kind, typed.key, typed.value) == ("string", "typed", "v")


def test_block_caption_and_body_set_the_section() -> None:
    section = only("-- foo:\n-- foo.caption:\n\nthe caption\n\n-- foo.body:\n\nthe body\n")
    assert section.caption.value == "the caption"
    assert section.body == p1.Body("the body", 8)


def test_dotted_block_key_builds_a_record() -> None:
    (record,) = only("-- foo:\n-- foo.k: v\n-- foo.k.f: x\n-- foo.n.g: y\n").headers[:1]
    assert isinstance(record, p1.BlockRecordHeader)
    assert (record.caption, [(f.key, f.value) for f in record.fields]) == ("v", [("f", "x")])
    created = only("-- foo:\n-- foo.n.g: y\n").headers[0]
    assert (created.key, created.fields[0].key) == ("n", "g")


def test_module_header_makes_dotted_name_a_section() -> None:
    (component,) = p1.parse("-- component c:\nmodule m: lib\n\n-- c.m.button:\n\n-- end: c")
    assert component.headers[0].kind == "module"
    assert [s.name for s in component.sub_sections] == ["c.m.button"]


# ---------------------------------------------------------------------------------------
# Errors: message and line


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("hello\n-- foo:", 1, "SectionNotFound"),
        ("\n;; c\nhello", 3, "SectionNotFound"),
        ("-- foo:\n\n-- foo.k: v\n\nfree text", 5, "SectionNotFound"),
        ("-- foo:\n\nbody\n\n-- foo.k: v", 5, "SectionNotFound"),
        ("-- foo:\n-- bar:\n-- end: bar\n-- foo.k: v", 4, "SectionNotFound"),
        ("-- foo:\nbody text", 2, "start section body 'body text' after a newline!!"),
        ("-- foo:\na: b\n;; c\ntext", 4, "start section body 'text' after a newline!!"),
        ("-- foo:\n-- foo.k:\ntext", 3, "start section body 'text' after a newline!!"),
        ("-- foo:\n-- foo.body:\ntext", 3, "start section body 'text' after a newline!!"),
        ("-- foo\n", 1, ": is missing in: -- foo"),
        ("-- foo: a\n  -- bar ;; x: y", 2, ": is missing in: -- bar"),
        ("-- foo:\n-- end:", 2, "section name not provided for `end`"),
        ("-- foo:\n-- end: bar", 2, "No section found to end: bar"),
        ("-- foo:\n-- end: foo\n-- end: foo", 3, "No section found to end: foo"),
        ("-- foo: a\n\n-- foo.caption: b", 3, "MoreThanOneCaption"),
        (
            "-- foo:\nk: v\n\n-- foo.k.f: x",
            4,
            "`k` is an inline header; it cannot take the field `f`",
        ),
    ],
)
def test_errors(text: str, line: int, message: str) -> None:
    with pytest.raises(ParseError) as caught:
        p1.parse(text, doc_id="doc")
    assert (caught.value.message, caught.value.line, caught.value.doc_id) == (message, line, "doc")


# ---------------------------------------------------------------------------------------
# fastn quirks (§1.11)


def test_quirk_text_with_colon_is_a_header() -> None:
    assert only("-- foo:\nNote: read this\n").headers[0].key == "Note"


def test_quirk_header_lost_after_comment_with_colon() -> None:
    section = p1.parse("-- foo:\n-- foo.k: v\n;; a: b\n-- bar:\n")[0]
    assert section.headers == []
    with pytest.raises(ParseError) as caught:  # fastn loops forever here
        p1.parse("-- foo:\n-- foo.k: v\n;; a: b\n")
    assert caught.value.line == 2


def test_quirk_block_caption_stops_only_at_unindented_section() -> None:
    foo, bar = p1.parse("-- foo:\n  -- foo.caption:\n\n  hello\n  -- end: foo\n-- bar:")
    assert (foo.caption.value, bar.name) == ("hello\n-- end: foo", "bar")


def test_quirk_any_key_containing_caption_is_the_caption() -> None:
    section = only("-- foo:\n-- foo.my-caption:\n\nhi")
    assert (section.caption.value, section.headers) == ("hi", [])


def test_quirk_record_fields_sorted_and_deduplicated() -> None:
    (record,) = only("-- foo:\n-- foo.k:\nz: 1\na: 2\nz: 3\n").headers
    assert [(f.key, f.value) for f in record.fields] == [("a", "2"), ("z", "3")]


def test_quirk_commented_block_header_is_live() -> None:
    (header,) = p1.remove_comments(p1.parse("-- foo:\n/-- foo.k: v"))[0].headers
    assert (header.key, header.value) == ("k", "v")


def test_quirk_empty_block_header_at_eof_is_dropped() -> None:
    assert only("-- foo:\n-- foo.k:\n").headers == []


def test_quirk_unended_sections_are_siblings() -> None:
    assert [s.name for s in p1.parse("-- a:\n-- b:\n-- c:")] == ["a", "b", "c"]


# ---------------------------------------------------------------------------------------
# Comment removal (§1.10)


def test_remove_comments() -> None:
    text = (
        "-- foo: /hidden\n/k: 1\n/string j: 2\n\\/kept: 3\nplain: 4\n\n\\/body\n\n"
        "/-- gone:\n-- child:\n-- end: foo\n/-- also-gone:\n"
    )
    parsed = p1.parse(text)
    assert [s.is_commented for s in parsed] == [False, True]
    (foo,) = p1.remove_comments(parsed)
    assert foo.caption is None
    assert [(h.key, h.value) for h in foo.headers] == [("/kept", "3"), ("plain", "4")]
    assert foo.body.value == "/body"
    assert [s.name for s in foo.sub_sections] == ["child"]
    assert parsed[0].caption.value == "/hidden"  # the input is left alone


def test_parse_uncommented_is_remove_comments_of_parse() -> None:
    texts = [
        "-- foo: /hidden\n/k: 1\n/string j: 2\n\\/kept: 3\nplain: 4\n\n\\/body\n\n"
        "/-- gone:\n-- child:\n-- end: foo\n/-- also-gone:\n",
        "-- foo:\n-- foo.items:\n-- a:\n/-- b:\n-- end: foo.items\n",
        "-- foo:\n\n/body\n",
        "-- foo:\n-- foo.caption:\n\n/caption\n",
        "-- foo:\n-- foo.body:\n\n/body\n",
        "-- foo:\n-- /string foo.k: v\n",
        "-- foo: kept\nurl: /path\n\nbody with a /path\n",
    ]
    for text in texts:
        expected = p1.remove_comments(p1.parse(text))
        assert p1.parse_uncommented(text) == expected
        assert p1.remove_comments_in_place(p1.parse(text)) == expected


def test_nesting_limit_counts_depth_not_sections() -> None:
    flat = "".join(f"-- s{i}:\n" for i in range(3 * p1.MAX_NESTING))
    assert len(p1.parse(flat)) == 3 * p1.MAX_NESTING
    deep = flat + "".join(f"-- end: s{i}\n" for i in reversed(range(3 * p1.MAX_NESTING)))
    with pytest.raises(ParseError, match="nesting deeper than"):
        p1.parse(deep)


def test_remove_comments_inside_section_list_header() -> None:
    text = "-- foo:\n-- foo.items:\n-- a:\n/-- b:\n-- end: foo.items\n"
    (items,) = p1.remove_comments(p1.parse(text))[0].headers
    assert [s.name for s in items.section] == ["a"]


# ---------------------------------------------------------------------------------------
# `python -m fastn.ftd.p1`


def test_module_entry_point(tmp_path: Path) -> None:
    good = tmp_path / "good.ftd"
    good.write_text("-- foo: hi\n/k: v\n")
    result = subprocess.run(
        [sys.executable, "-m", "fastn.ftd.p1", str(good)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == parse_json(good.read_text())

    bad = tmp_path / "bad.ftd"
    bad.write_text("-- foo:\nbody")
    result = subprocess.run(
        [sys.executable, "-m", "fastn.ftd.p1", str(bad)], capture_output=True, text=True
    )
    assert result.returncode == 1
    assert result.stderr.strip() == f"{bad}:2: start section body 'body' after a newline!!"


# ---------------------------------------------------------------------------------------
# Fuzz: any text gives sections or a ParseError, quickly

FRAGMENTS = [
    "-- ",
    "/-- ",
    ":",
    "end",
    "\n",
    "\n\n",
    ";;",
    "\\",
    "/",
    " ",
    "  ",
    ".",
    "foo",
    "foo.k",
    "foo.caption",
    "foo.body",
    "foo.k.f",
    "if",
    "module",
    "caption",
    "string",
    "(",
    ")",
    "<hl>",
    "\t",
]


LINES = [
    "-- foo:",
    "-- foo: cap",
    "/-- foo:",
    "  -- bar: x",
    "-- foo.k:",
    "-- foo.k: v",
    "-- foo.k.f: v",
    "-- string foo.k:",
    "-- foo.caption:",
    "-- foo.body:",
    "-- bar.k:",
    "-- end: foo",
    "-- end: foo.k",
    "-- end: bar",
    "-- end:",
    "-- component foo:",
    "module k: lib",
    "if: flag",
    "a: 1",
    "/a if c: 2",
    ";; a: b",
    "text",
    "  \\-- foo: x",
    "",
    "",
]
FUZZ_SETTINGS = settings(
    max_examples=300, deadline=500, suppress_health_check=[HealthCheck.too_slow]
)


@FUZZ_SETTINGS
@given(st.lists(st.sampled_from(FRAGMENTS), max_size=60).map("".join))
def test_fuzz_parse_returns_sections_or_parse_error(text: str) -> None:
    check_parses_or_fails_cleanly(text)


@FUZZ_SETTINGS
@given(st.lists(st.sampled_from(LINES), max_size=30).map("\n".join))
def test_fuzz_plausible_lines(text: str) -> None:
    check_parses_or_fails_cleanly(text)


def check_parses_or_fails_cleanly(text: str) -> None:
    try:
        sections = p1.parse(text)
    except ParseError as error:
        assert 1 <= error.line <= text.count("\n") + 1
        return
    uncommented = p1.remove_comments(sections)
    json.dumps(p1.to_json(uncommented))
    p1.without_line_numbers(sections)
    # the two fast ways of removing comments give the same sections
    assert p1.parse_uncommented(text) == uncommented
    assert p1.remove_comments_in_place(p1.parse(text)) == uncommented
