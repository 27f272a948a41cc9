"""How a processor fails: a located error with the HTTP status of the page that reports it."""

from __future__ import annotations

from fastn.ftd.errors import FtdError


class ProcessorError(FtdError):
    """A processor could not give its variable a value (`status`: 400, 404, 500, 502, 504…)."""

    def __init__(self, message: str, doc_id: str = "", line: int = 0, status: int = 500):
        super().__init__(message, doc_id, line)
        self.status = status


class UpstreamAnswer(ProcessorError):
    """`pr.http` got a non-2xx answer: the page is replaced by it (fastn#1903).

    `headers` are the upstream's end-to-end headers (Set-Cookie, Location, Content-Type…)
    and `body` its body, for when the package has no error page of its own for `status`.
    """

    def __init__(
        self,
        message: str,
        doc_id: str,
        line: int,
        status: int,
        headers: list[tuple[str, str]],
        body: bytes,
    ):
        super().__init__(message, doc_id, line, status)
        self.headers = headers
        self.body = body
