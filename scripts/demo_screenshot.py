#!/usr/bin/env python3
"""Regenerate the README's picture: the Django demo's "My todos" page, signed in, in Chromium.

    python3 scripts/demo_screenshot.py [--out docs/demo.png] [--width 1280] [--dark]

Starts the demo of `examples/django-todo` (Django and `fastn serve`, on free loopback ports,
with a fresh SQLite database in a temporary folder), logs in as the demo user through fastn,
takes the screenshot with Debian's Chromium (Playwright, `/usr/bin/chromium` or
`$FASTN_CHROMIUM`) and stops both servers. Needs `pip install -e '.[test]'`.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import subprocess
import tempfile
from pathlib import Path
from types import ModuleType

REPO = Path(__file__).resolve().parent.parent
CHROMIUM = os.environ.get("FASTN_CHROMIUM", "/usr/bin/chromium")


def demo_module() -> ModuleType:
    """`examples/django-todo/run.py`, whose functions start and stop the demo."""
    spec = importlib.util.spec_from_file_location("demo", REPO / "examples/django-todo/run.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def screenshot(url: str, out: Path, width: int, dark: bool, login: tuple[str, str]) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM)
        context = browser.new_context(
            viewport={"width": width, "height": 640},
            color_scheme="dark" if dark else "light",
            device_scale_factor=1,
        )
        page = context.new_page()
        page.goto(f"{url}accounts/login/?next=/mine/")
        page.fill("input[name=username]", login[0])
        page.fill("input[name=password]", login[1])
        page.click("button[type=submit]")
        page.wait_for_url(f"{url}mine/")
        page.get_by_text("Put fastn in front of Django").wait_for()
        page.screenshot(path=str(out))
        browser.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "demo.png")
    parser.add_argument("--width", type=int, default=1280)
    parser.add_argument("--dark", action="store_true", help="the dark colour scheme")
    arguments = parser.parse_args()

    demo = demo_module()
    with tempfile.TemporaryDirectory(prefix="fastn-demo-") as folder:
        environment = demo.backend_environment(f"sqlite:///{Path(folder) / 'demo.sqlite3'}")
        demo.prepare_database(environment)
        django_port = demo.free_port_from(8801)
        environment["DJANGO_URL"] = f"http://{demo.LOOPBACK}:{django_port}"
        django = demo.start_django(django_port, environment, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL)  # fmt: skip
        fastn = None
        try:
            demo.wait_for(django_port, django)
            fastn, url = demo.start_fastn(demo.free_port_from(8800), environment)
            screenshot(url, arguments.out, arguments.width, arguments.dark, demo.DEMO_LOGIN)
        finally:
            if fastn is not None:
                demo.stop(fastn)
            demo.stop(django)
    print(f"wrote {arguments.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
