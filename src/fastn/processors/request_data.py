"""`pr.request-data`: a value from the current request.

Sources, highest priority first: the extra keys of the matching `fastn.dynamic-urls` entry,
the JSON body (`Content-Type: application/json`), the dynamic URL's path parameters, the
query string. A variable reads the key of its own name; a record not found under its own name
takes each field from the merged sources. Missing: the section's caption is the default, an
`optional` variable is null, a list is empty; otherwise the page is a 404 saying what is
missing (fastn answers 500, fastn#1103). A value of the wrong type is a 400.

A JSON body nested deeper than `FASTN_JSON_MAX_DEPTH` (default 32) or holding more than
`FASTN_JSON_MAX_KEYS` keys in all (default 10 000) is a 400: what a page gets from a visitor
stays small enough to convert and render quickly (the body's size is capped by the server).
"""

from __future__ import annotations

import json
import os
from typing import Any
from urllib.parse import parse_qs

from fastn.ftd.kinds import Kind
from fastn.processors.context import Invocation

_JSON_TYPES = ("application/json",)
MAX_DEPTH_VARIABLE = "FASTN_JSON_MAX_DEPTH"
MAX_KEYS_VARIABLE = "FASTN_JSON_MAX_KEYS"
DEFAULT_MAX_DEPTH = 32
DEFAULT_MAX_KEYS = 10_000


async def process(invocation: Invocation) -> Any:
    kind = invocation.variable.kind
    name = invocation.short_name
    query = parse_qs(invocation.request.query_string, keep_blank_values=True)
    sources = [invocation.request.data, _json_body(invocation), invocation.request.path_params]
    for source in sources:
        if name in source:
            return invocation.result(source[name], status=400)
    if name in query:
        return invocation.result(_pick(query[name], kind), status=400)
    if not kind.is_list and kind.name in invocation.doc.records:
        return invocation.result(
            _merged(invocation, sources, query), status=400, missing_status=404
        )
    if invocation.caption is not None:
        return invocation.result(invocation.caption)
    if kind.optional or kind.is_list:
        return None if kind.optional else []
    raise invocation.error(
        f"`{name}` is missing from the request (query string, JSON body or URL)", 404
    )


def _json_body(invocation: Invocation) -> dict[str, Any]:
    request = invocation.request
    content_type = (request.header("content-type") or "").split(";")[0].strip().lower()
    if not request.body or not (content_type in _JSON_TYPES or content_type.endswith("+json")):
        return {}
    max_depth = int(os.environ.get(MAX_DEPTH_VARIABLE) or DEFAULT_MAX_DEPTH)
    try:
        body = json.loads(request.body)
    except (ValueError, UnicodeDecodeError):
        raise invocation.error("the request's JSON body is not valid JSON", 400) from None
    except RecursionError:  # deeper than the parser goes: deeper than the limit too
        raise invocation.error(_too_deep(max_depth), 400) from None
    if not isinstance(body, dict):
        raise invocation.error("the request's JSON body must be an object", 400)
    problem = _oversized(
        body, max_depth, int(os.environ.get(MAX_KEYS_VARIABLE) or DEFAULT_MAX_KEYS)
    )
    if problem:
        raise invocation.error(problem, 400)
    return body


def _oversized(body: dict[str, Any], max_depth: int, max_keys: int) -> str | None:
    """What makes the parsed body too big to take, if anything (walked without recursion)."""
    keys = 0
    pending: list[tuple[Any, int]] = [(body, 1)]
    while pending:
        value, depth = pending.pop()
        if isinstance(value, dict):
            keys += len(value)
            children = value.values()
        elif isinstance(value, list):
            children = value
        else:
            continue
        if depth > max_depth:
            return _too_deep(max_depth)
        if keys > max_keys:
            return f"the request's JSON body has more than {max_keys} keys"
        pending.extend((child, depth + 1) for child in children)
    return None


def _too_deep(max_depth: int) -> str:
    return f"the request's JSON body is nested deeper than {max_depth} levels"


def _pick(values: list[str], kind: Kind | None) -> Any:
    """A repeated query parameter is a list for list kinds; otherwise its last value counts."""
    return values if kind is not None and kind.is_list else values[-1]


def _merged(
    invocation: Invocation, sources: list[dict[str, Any]], query: dict[str, list[str]]
) -> dict[str, Any]:
    record = invocation.doc.records[invocation.variable.kind.name]
    kinds = {f.name: f.kind for f in record.fields}
    merged = {
        key: _pick(values, kinds.get(key) or kinds.get(key.replace("_", "-")))
        for key, values in query.items()
    }
    for source in reversed(sources):
        merged.update(source)
    return merged
