"""Markdown files are pages: `guide.md` is served at `/guide/` and built to `guide/index.html`."""

from __future__ import annotations

import subprocess
import sys

from fastn.ftd.environment import markdown_document
from fastn.ftd.p1 import parse, remove_comments

PACKAGE = "-- import: fastn\n\n-- fastn.package: notes\n"
GUIDE = """\
# The guide

Use `-- ftd.text:` like this; not a comment ;; really.

```ftd
-- ftd.text: hello
;; a comment inside ftd code
```

/starts with a slash
"""
FILES = {
    "index.ftd": "-- ftd.text: Home\n",
    "guide.md": GUIDE,
    "docs/index.md": "Docs *home*\n",
    "both.ftd": "-- ftd.text: the ftd document wins\n",
    "both.md": "the markdown loses\n",
}


def test_the_markdown_reaches_the_body_unchanged() -> None:
    sections = remove_comments(parse(markdown_document(GUIDE)))
    assert len(sections) == 1
    assert sections[0].name == "ftd.text"
    assert sections[0].body.value == GUIDE.strip("\n")


def test_markdown_pages_are_served_at_their_url(package_folder, start_fastn, fetch) -> None:
    server = start_fastn(package_folder(PACKAGE, FILES))
    guide = fetch(server.url + "/guide/").body.decode()
    assert "<h1>The guide</h1>" in guide
    assert "not a comment ;; really" in guide
    assert ";; a comment inside ftd code" in guide
    assert "/starts with a slash" in guide
    assert "<em>home</em>" in fetch(server.url + "/docs/").body.decode()
    both = fetch(server.url + "/both/").body.decode()
    assert "the ftd document wins" in both and "markdown loses" not in both


def test_markdown_pages_are_built(package_folder) -> None:
    package = package_folder(PACKAGE, FILES)
    result = subprocess.run(
        [sys.executable, "-m", "fastn.cli", "build"],
        cwd=package,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "<h1>The guide</h1>" in (package / ".build/guide/index.html").read_text()
    assert "<em>home</em>" in (package / ".build/docs/index.html").read_text()
    assert "the ftd document wins" in (package / ".build/both/index.html").read_text()
