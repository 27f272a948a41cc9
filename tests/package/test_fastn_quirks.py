"""Behaviours of fastn that real packages rely on (the shared real-world corpus), each on a
small package written in tmp_path."""

from __future__ import annotations

from test_packages import render, write


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
