"""Processors: the data of a page computed server-side (`$processor$: pr.NAME`).

`-- import: fastn/processors as pr` names them; :mod:`fastn.processors.runner` decides which
run for a document, in what order, and runs independent ones concurrently. One module per
processor: `sql` (SQLite, PostgreSQL), `http`, `request_data`, `get_data`.
"""
