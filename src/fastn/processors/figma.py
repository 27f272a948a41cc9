"""`pr.figma-cs-token` and `pr.figma-typo-token`: a color scheme or a typography as the JSON
of Figma's design tokens (a string).

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

`pr.figma-typo-token` takes an `ftd.type-data` as `variable` and gives `NAME-desktop` and
`NAME-mobile`: for each role (`heading-large`…), its `font-family`, `size`, `letter-spacing`,
`weight` and `line-height` as `{"value": "40", "type": "px"}` (the type is the unit, or
`string`, `integer`, `decimal`), null when unset. fastn writes a value given by reference as
the reference's name (`"type": "reference"`); fastn-py has the values only, and writes them.
"""

from __future__ import annotations

import json
from typing import Any

from fastn.ftd.values import OrValue, RecordValue
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
    scheme = _record_argument(invocation, "ftd.color-scheme")
    name = invocation.text("name") or _written_variable(invocation, "Unnamed-cs")
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
    return invocation.result(_token_sets(name, ("light", _sorted(light)), ("dark", _sorted(dark))))


async def process_typography(invocation: Invocation) -> Any:
    types = _record_argument(invocation, "ftd.type-data")
    name = invocation.text("name") or _written_variable(invocation, "Unnamed-typo")
    desktop: dict[str, Any] = {}
    mobile: dict[str, Any] = {}
    for role in sorted(types):
        responsive = types[role]
        if not isinstance(responsive, RecordValue):
            continue
        for mode, tokens in (("desktop", desktop), ("mobile", mobile)):
            font = responsive.get(mode)
            if isinstance(font, RecordValue):
                tokens[role] = {key: _raw_token(font.get(key)) for key in _TYPE_FIELDS}
    return invocation.result(_token_sets(name, ("desktop", desktop), ("mobile", mobile)))


_TYPE_FIELDS = ("font-family", "size", "letter-spacing", "weight", "line-height")


def _raw_token(value: Any) -> dict[str, str] | None:
    """A field of an `ftd.type` as a token: its text and its type (or unit)."""
    if value is None:
        return None
    if isinstance(value, OrValue):
        inner = _raw_token(value.value)
        return None if inner is None else {"value": inner["value"], "type": value.variant}
    if isinstance(value, bool):
        return {"value": "true" if value else "false", "type": "boolean"}
    if isinstance(value, int):
        return {"value": str(value), "type": "integer"}
    if isinstance(value, float):
        text = str(int(value)) if value.is_integer() else repr(value)
        return {"value": text, "type": "decimal"}
    if isinstance(value, list):  # fastn-py's font-family is a list of names
        return {"value": ", ".join(str(item) for item in value), "type": "string"}
    return {"value": str(value), "type": "string"}


def _record_argument(invocation: Invocation, kind: str) -> RecordValue:
    value = invocation.args.get("variable")
    if not isinstance(value, RecordValue):
        raise invocation.error(f"`variable:` must be an {kind}, e.g. `variable: $main`")
    return value


def _written_variable(invocation: Invocation, fallback: str) -> str:
    """`main` for `variable: $main`: the name fastn uses when no `name:` is given."""
    for header in invocation.variable.section.headers:
        if header.key == "variable" and isinstance(header.value, str):
            return header.value.strip().lstrip("$")
    return fallback


def _token_sets(name: str, *sets: tuple[str, Any]) -> str:
    """`{"NAME-light": {...},\n"NAME-dark": {...}}` laid out as fastn writes it."""
    parts = ",\n".join(
        f'"{name}-{suffix}": {json.dumps(tokens, indent=2, ensure_ascii=False)}'
        for suffix, tokens in sets
    )
    return f"{{\n{parts}\n}}"


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


def _sorted(tokens: Tokens) -> Tokens:
    return {title: dict(sorted(tokens[title].items())) for title in sorted(tokens)}
