"""Behaviours of fastn that real packages rely on: each on a small package written in tmp_path,
and on the shared real-world corpus where it showed."""

from __future__ import annotations

from pathlib import Path

from test_packages import render, write

from fastn.check import check_package
from fastn.package.config import load_package
from fastn.package.documents import environment_for


def test_a_doubled_backslash_in_a_function_string_is_a_javascript_escape(tmp_path):
    # business-card's docs.ftd joins code samples with "\\n\\n": fastn's page shows newlines.
    write(
        tmp_path,
        {
            "FASTN.ftd": "-- fastn.package: site\n",
            "index.ftd": (
                '-- string joined(a, b):\nstring a:\nstring b:\n\na + "\\\\n\\\\n" + b\n\n'
                "-- ftd.text: $joined(a = first, b = second)\n"
            ),
        },
    )
    page = render(tmp_path)
    assert "<p>first</p>\nsecond" in page  # two paragraphs of markdown
    assert "first\\n" not in page


def test_backslashes_in_text_read_as_javascript_escapes(tmp_path):
    # design-system's pricing.ftd shows `currency: \$` in a code sample; fastn's page shows `$`.
    write(
        tmp_path,
        {
            "FASTN.ftd": "-- fastn.package: site\n",
            "index.ftd": (
                "-- ftd.code:\nlang: ftd\n\ncurrency: \\$ \\- item \\\\ end\n\n"
                "-- ftd.text: price: \\$119\n"
            ),
        },
    )
    page = render(tmp_path)
    assert "currency: $ - item \\ end" in page
    assert "price: $119" in page


def test_an_event_action_is_read_up_to_its_call(tmp_path):
    # fastn.com's ftd/built-in-functions.ftd:918 marks a code sample line `;; <hl>`, which the
    # parser keeps on that line; fastn reads the call up to its `)`.
    write(
        tmp_path,
        {
            "FASTN.ftd": "-- fastn.package: site\n",
            "index.ftd": (
                "-- boolean $open: false\n\n"
                "-- ftd.text: toggle\n$on-click$: $ftd.toggle($a = $open) ;; <hl>\n\n"
                "-- ftd.text: again\n$on-click$: $ftd.toggle($a = $open) twice\n"
            ),
        },
    )
    assert "toggle" in render(tmp_path)
    checked, errors, warnings = check_package(tmp_path)
    assert (checked, errors) == (1, [])
    assert [(w.line, w.message) for w in warnings] == [
        (7, "text after the event action's call is ignored: `twice`")
    ]


def _visible_text(observe, page: str, tmp_path: Path) -> str:
    built = tmp_path / "page.html"
    built.write_text(page, encoding="utf-8")
    return "\n".join(observe.extract(str(built))["text"])


def test_design_system_code_samples_read_as_fastns(realworld_packages, observe, tmp_path):
    root = realworld_packages / "design-system"
    environment = environment_for(load_package(root), watch_files=False)
    pricing = environment.render_sync("components/pricing").body
    assert "currency: $\nsubscription: mo" in _visible_text(observe, pricing, tmp_path)
    text_input = environment.render_sync("components/input").body
    assert "-- text-input: Label\n size: small\n hint: hint" in _visible_text(
        observe, text_input, tmp_path
    )


def test_fastn_com_built_in_functions_builds(realworld_packages):
    root = realworld_packages / "fastn.com"
    environment = environment_for(load_package(root), watch_files=False)
    assert "ftd.toggle" in environment.render_sync("ftd/built-in-functions").body
