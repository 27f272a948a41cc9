"""`pr.document-id`, `pr.document-full-id`, `pr.document-suffix`, `pr.document-name`: which
document is being rendered.

The document is the page requested (or built), not the module declaring the variable: a
`pr.document-id` in a design system's module gives the id of each page that uses it. Its
path is fastn's: `/` for `index.ftd`, `docs/` for `docs/index.ftd`, `docs/intro/` for
`docs/intro.ftd`. A page served at another URL (a sitemap item's `document:`, or
`/doc/-/suffix/`) has that URL as its id. A part after `/-/` is the page's suffix.

* `document-id`: `/` or `/docs/intro/`, without the suffix;
* `document-full-id`: the same with the suffix kept;
* `document-suffix`: the suffix, or null;
* `document-name`: the document's file in the package, `docs/intro.ftd`.
"""

from __future__ import annotations

from typing import Any

from fastn.package.routes import DOCUMENT_SUFFIX, document_url
from fastn.processors.context import Invocation

_SUFFIX_MARK = "/-/"


def document_id(invocation: Invocation) -> str:
    """The page's id within its package (`index`, `docs/intro`)."""
    module_id = invocation.doc.doc_id
    prefix = invocation.settings.package_name + "/"
    return module_id[len(prefix) :] if module_id.startswith(prefix) else module_id


def document_path(invocation: Invocation) -> str:
    """The page as fastn names it in a sitemap: `/`, `docs/`, `docs/intro/`."""
    url = invocation.request.page_id or document_url(document_id(invocation))
    return url if url == "/" else url.lstrip("/")


def _as_id(path: str) -> str:
    trimmed = path.strip("/")
    return f"/{trimmed}/" if trimmed else "/"


async def process_id(invocation: Invocation) -> Any:
    return invocation.result(_as_id(document_path(invocation).partition(_SUFFIX_MARK)[0]))


async def process_full_id(invocation: Invocation) -> Any:
    return invocation.result(_as_id(document_path(invocation)))


async def process_suffix(invocation: Invocation) -> Any:
    _, mark, suffix = document_path(invocation).partition(_SUFFIX_MARK)
    return invocation.result(suffix.strip() if mark else None)


async def process_name(invocation: Invocation) -> Any:
    name = document_id(invocation) + DOCUMENT_SUFFIX
    if not (invocation.settings.root / name).is_file():
        raise invocation.error(f"the document's file `{name}` is not in the package")
    return invocation.result(name)
