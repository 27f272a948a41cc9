"""`pr.figma-cs-token`: a color scheme exported as Figma design tokens (JSON text)."""

from __future__ import annotations

import json
from pathlib import Path

from processor_support import make_package

from fastn.ftd.page import RequestInfo
from fastn.package.config import parse_package
from fastn.package.documents import environment_for
from fastn.processors import runner
from fastn.processors.context import Resources
from servers import run_async

PAGE = """
-- import: fastn/processors as pr

-- ftd.color-scheme main: $ftd.default-colors

-- string tokens:
$processor$: pr.figma-cs-token
variable: $main
{name}

-- ftd.text: $tokens
"""


def tokens(root: Path) -> str:
    """The processor's value, as the page's variable gets it."""
    package = parse_package((root / "FASTN.ftd").read_text(), root)
    environment = environment_for(package)
    interpreter = environment.interpreter()
    doc = interpreter.document("site/index")
    plan = runner.plan(doc, interpreter, "site/index")
    values, _ = run_async(
        runner.run(plan, doc, RequestInfo(), environment.processor_settings, Resources())
    )
    return values["site/index#tokens"]


def test_color_scheme_as_light_and_dark_token_sets(tmp_path: Path) -> None:
    root = make_package(tmp_path, {"index.ftd": PAGE.format(name="name: forest")})
    text = tokens(root)
    assert text.startswith('{\n"forest-light": {\n  "Accent Colors": {\n    "primary": {\n')
    data = json.loads(text)
    assert list(data) == ["forest-light", "forest-dark"]
    light = data["forest-light"]
    assert list(light) == sorted(light)
    assert set(light) == {
        "Accent Colors",
        "Background Colors",
        "CTA Danger Colors",
        "CTA Primary Colors",
        "CTA Secondary Colors",
        "CTA Tertiary Colors",
        "Custom Colors",
        "Error Colors",
        "Info Colors",
        "Standalone Colors",
        "Success Colors",
        "Warning Colors",
    }
    assert set(light["Standalone Colors"]) == {
        "border",
        "border-strong",
        "scrim",
        "shadow",
        "text",
        "text-strong",
    }
    base = light["Background Colors"]["base"]
    assert base["type"] == "color" and base["value"] == base["value"].lower()
    assert list(base) == ["value", "type"]


def test_without_a_name_the_variable_names_the_sets(tmp_path: Path) -> None:
    root = make_package(tmp_path, {"index.ftd": PAGE.format(name="")})
    assert list(json.loads(tokens(root))) == ["main-light", "main-dark"]


TYPO_PAGE = """
-- import: fastn/processors as pr

-- string tokens:
$processor$: pr.figma-typo-token
variable: $ftd.default-types
name: virgil
"""


def test_typography_as_desktop_and_mobile_token_sets(tmp_path: Path) -> None:
    root = make_package(tmp_path, {"index.ftd": TYPO_PAGE})
    data = json.loads(tokens(root))
    assert list(data) == ["virgil-desktop", "virgil-mobile"]
    desktop = data["virgil-desktop"]
    assert list(desktop) == sorted(desktop) and "heading-large" in desktop
    heading = desktop["heading-large"]
    assert list(heading) == ["font-family", "size", "letter-spacing", "weight", "line-height"]
    assert heading["size"]["type"] == "px" and heading["size"]["value"].isdigit()
    assert heading["weight"]["type"] == "integer"
