"""`pr.figma-cs-token`: a color scheme as the JSON of Figma's design tokens (a string).

    -- string figma-json:
    $processor$: pr.figma-cs-token
    variable: $main
    name: forest-cs

`variable` is an `ftd.color-scheme`; `name` (default: the variable as written, without `$`)
names the two token sets of the result, `NAME-light` and `NAME-dark`. In each, the groups
`accent`, `background`, `custom`, `cta-*`, `error`, `info`, `success` and `warning` become
"Accent Colors", "CTA Primary Colors"…, every other color of the scheme goes to "Standalone
Colors", and each color is `{"value": "#rrggbb", "type": "color"}` under its field name
(nested groups flattened). Groups and colors are in alphabetical order, the JSON indented by
two spaces, as fastn writes it.
"""

from __future__ import annotations

import json
from typing import Any

from fastn.ftd.values import RecordValue
from fastn.processors.context import Invocation

_GROUPS = frozenset(
    {
        "accent",
        "background",
        "custom",
        "cta-danger",
        "cta-primary",
        "cta-tertiary",
        "cta-secondary",
        "error",
        "info",
        "success",
        "warning",
    }
)
_COLOR = "ftd#color"
Tokens = dict[str, dict[str, dict[str, str]]]  # group title -> color name -> token


async def process_color_scheme(invocation: Invocation) -> Any:
    scheme = invocation.args.get("variable")
    if not isinstance(scheme, RecordValue):
        raise invocation.error("`variable:` must be an ftd.color-scheme, e.g. `variable: $main`")
    name = invocation.text("name") or _written_variable(invocation)
    light: Tokens = {}
    dark: Tokens = {}
    standalone_light: dict[str, dict[str, str]] = {}
    standalone_dark: dict[str, dict[str, str]] = {}
    for key in sorted(scheme):
        if key in _GROUPS:
            title = _group_title(key)
            light[title], dark[title] = {}, {}
            _collect(key, scheme[key], light[title], dark[title])
        else:
            _collect(key, scheme[key], standalone_light, standalone_dark)
    light["Standalone Colors"], dark["Standalone Colors"] = standalone_light, standalone_dark
    return invocation.result(
        f'{{\n"{name}-light": {_pretty(light)},\n"{name}-dark": {_pretty(dark)}\n}}'
    )


def _written_variable(invocation: Invocation) -> str:
    """`main` for `variable: $main`: the name fastn uses when no `name:` is given."""
    for header in invocation.variable.section.headers:
        if header.key == "variable" and isinstance(header.value, str):
            return header.value.strip().lstrip("$")
    return "Unnamed-cs"


def _group_title(key: str) -> str:
    """`cta-primary` -> `CTA Primary Colors`."""
    words = [word[:1].upper() + word[1:] for word in key.split("-")]
    return " ".join("CTA" if word == "Cta" else word for word in [*words, "Colors"])


def _collect(name: str, value: Any, light: dict, dark: dict) -> None:
    """The colors in `value` (a color, or a record of colors) under their field names."""
    if not isinstance(value, RecordValue):
        return
    if value.type_name != _COLOR:
        for key in sorted(value):
            _collect(key, value[key], light, dark)
        return
    for mode, tokens in (("light", light), ("dark", dark)):
        color = value.get(mode)
        if isinstance(color, str):
            tokens[name] = {"value": color.lower(), "type": "color"}


def _pretty(tokens: Tokens) -> str:
    ordered = {title: dict(sorted(tokens[title].items())) for title in sorted(tokens)}
    return json.dumps(ordered, indent=2, ensure_ascii=False)
