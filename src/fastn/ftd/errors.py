"""Errors that point into a document.

Every problem with an ftd document is reported with the document and the line it is on.
Users see ``path:line: message``; fastn's own test corpus writes ``doc-id:line -> message``,
which :meth:`FtdError.fastn_format` produces.
"""

from __future__ import annotations


class FtdError(Exception):
    """A located error in an ftd document (parse, type or resolution error)."""

    def __init__(self, message: str, doc_id: str = "", line: int = 0, path: str | None = None):
        super().__init__(message)
        self.message = message
        self.doc_id = doc_id
        self.line = line
        self.path = path  # the file on disk, when known; doc_id otherwise

    def located(self, doc_id: str, line: int, path: str | None = None) -> FtdError:
        """Fill in the place if the raiser did not know it."""
        if not self.doc_id:
            self.doc_id = doc_id
        if not self.line:
            self.line = line
        if self.path is None:
            self.path = path
        return self

    def fastn_format(self) -> str:
        return f"{self.doc_id}:{self.line} -> {self.message}"

    def __str__(self) -> str:
        return f"{self.path or self.doc_id}:{self.line}: {self.message}"


class ParseError(FtdError):
    """The text is not a valid sequence of sections (p1 stage)."""
