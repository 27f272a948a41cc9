"""`pr.get-data`: JSON data written in the document or kept in a file of the package.

In order: the value under `key:` (default: the variable's name) among the extra keys of the
matching `fastn.dynamic-urls` entry, then among the attributes the `fastn.sitemap` gives the
page (its item's and its parents'); `file: data.json` (a JSON file of the package); the
section body (JSON); the caption (a JSON scalar, or else the text). Body and caption together
are an error.
"""

from __future__ import annotations

import json
from typing import Any

from fastn.processors.context import Invocation
from fastn.processors.document import document_path
from fastn.processors.mapping import json_or_text
from fastn.processors.sitemap import extra_data


async def process(invocation: Invocation) -> Any:
    key = invocation.text("key") or invocation.short_name
    if key in invocation.request.data:
        return invocation.result(invocation.request.data[key])
    sitemap = invocation.settings.sitemap
    if sitemap is not None:
        attributes = extra_data(sitemap, document_path(invocation))
        if key in attributes:
            return invocation.result(attributes[key])
    call = invocation.call
    if call.body is not None and invocation.caption is not None:
        raise invocation.error("give the data as the caption or as the body, not both")
    file = invocation.text("file")
    if file:
        return invocation.result(_file_data(invocation, file))
    if call.body is not None:
        try:
            data = json.loads(call.body)
        except ValueError as error:
            raise invocation.error(f"the body is not JSON: {error}", line=call.body_line) from None
        return invocation.result(data)
    caption = invocation.caption
    if caption is None:
        raise invocation.error("`pr.get-data` needs `file:`, a JSON body or a caption")
    return invocation.result(json_or_text(caption) if isinstance(caption, str) else caption)


def _file_data(invocation: Invocation, name: str) -> Any:
    line = invocation.line_of("file")
    root = invocation.settings.root.resolve()
    path = (root / name).resolve()
    if path.suffix != ".json" or not path.is_relative_to(root):
        raise invocation.error(
            f"`file: {name}`: a .json file of the package is expected", line=line
        )
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise invocation.error(f"`file: {name}`: no such file in the package", line=line) from None
    except ValueError as error:
        raise invocation.error(f"`file: {name}` is not JSON: {error}", line=line) from None
