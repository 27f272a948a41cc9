"""Processors: the data of a page computed server-side (`$processor$: pr.NAME`).

`-- import: fastn/processors as pr` names them; :mod:`fastn.processors.runner` decides which
run for a document, in what order, and runs independent ones concurrently. One module per
processor: `sql` (SQLite, PostgreSQL), `http`, `request_data`, `get_data`, `toc`, `sitemap`,
`document`, `apps`, `figma`.
"""

import functools
from importlib import resources


@functools.cache
def records_source() -> str:
    """The ftd source of the `fastn/processors` module: the records processors fill."""
    return resources.files(__name__).joinpath("records.ftd").read_text(encoding="utf-8")
