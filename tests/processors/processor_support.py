"""Helpers of the processor tests: a JSON backend on loopback, packages, in-process rendering."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

from aiohttp import web

from fastn.ftd.page import RenderedPage, RequestInfo
from fastn.package.config import parse_package
from fastn.package.documents import environment_for
from servers import Upstream, write_package

BARRIER_SECONDS = 10  # how long /api/barrier/N waits for N requests before giving up

PEOPLE = [
    {"id": 1, "name": "Amit", "age": "33", "extra": "ignored"},  # numeric string: fastn#1027
    {"id": 2, "name": "Jack", "age": 41, "extra": "ignored"},
]


class Backend(Upstream):
    """A JSON API that records every request it gets (`seen`). Paths:

    `/api/people`: two people   `/api/echo`: "ok"   `/api/login`: "welcome" + two Set-Cookie
    `/api/missing`: 404 JSON + Set-Cookie   `/api/forbidden`: 403 text   `/api/redirect`: 302
    `/api/not-json`: text   `/api/barrier/N`: answers once N requests wait there (else 504)
    """

    def __init__(self) -> None:
        super().__init__()
        self.seen: list[dict] = []
        self.waiting: dict[str, list[asyncio.Future]] = {}

    def requests_to(self, path_start: str) -> list[dict]:
        return [request for request in self.seen if request["path"].startswith(path_start)]

    async def handle(self, request: web.BaseRequest) -> web.StreamResponse:
        body = await request.read()
        self.seen.append(
            {
                "method": request.method,
                "path": request.raw_path,
                "headers": {k.lower(): v for k, v in request.headers.items()},
                "body": body.decode(),
            }
        )
        path = request.path.removeprefix("/mapped")
        if path == "/api/people":
            return web.json_response(PEOPLE)
        if path == "/api/login":
            response = web.json_response("welcome")
            response.headers.add("Set-Cookie", "sessionid=s1; Path=/; HttpOnly")
            response.headers.add("Set-Cookie", "csrftoken=c1; Path=/")
            return response
        if path == "/api/missing":
            response = web.json_response({"detail": "no such thing"}, status=404)
            response.headers.add("Set-Cookie", "seen=1; Path=/")
            return response
        if path == "/api/forbidden":
            return web.Response(status=403, text="backend says no", content_type="text/plain")
        if path == "/api/redirect":
            return web.Response(status=302, headers={"Location": "/login/?next=/private/"})
        if path == "/api/not-json":
            return web.Response(text="<html>oops</html>", content_type="text/html")
        if path.startswith("/api/barrier/"):
            return await self.barrier(path, int(path.rsplit("/", 1)[1]))
        return web.json_response("ok")

    async def barrier(self, path: str, count: int) -> web.Response:
        """Answers only when `count` requests are waiting at once: proof they were concurrent."""
        waiting = self.waiting.setdefault(path, [])
        future = asyncio.get_running_loop().create_future()
        waiting.append(future)
        if len(waiting) >= count:
            for other in waiting:
                if not other.done():
                    other.set_result(True)
            waiting.clear()
        try:
            await asyncio.wait_for(future, BARRIER_SECONDS)
        except TimeoutError:
            return web.json_response({"error": "not concurrent"}, status=504)
        return web.json_response(count)


PACKAGE = "-- import: fastn\n\n-- fastn.package: {name}\n{headers}\n{sections}"


def package_text(name: str = "site", headers: str = "", sections: str = "") -> str:
    return PACKAGE.format(name=name, headers=headers, sections=sections)


def make_package(root: Path, files: dict[str, str | bytes], fastn_ftd: str | None = None) -> Path:
    return write_package(root, fastn_ftd or package_text(), files)


def render(root: Path, doc_id: str = "index", request: RequestInfo | None = None) -> RenderedPage:
    """Render in this process (no `.env` loading: tests set the environment themselves)."""
    package = parse_package((root / "FASTN.ftd").read_text(), root.resolve())
    return environment_for(package).render_sync(doc_id, request)


def sqlite_db(path: Path, script: str) -> Path:
    """A real SQLite file made by running `script`."""
    connection = sqlite3.connect(path)
    connection.executescript(script)
    connection.commit()
    connection.close()
    return path


def texts(html: str) -> list[str]:
    """The text runs of a rendered page's body (enough to see what the processors produced)."""
    import re

    body = html.split("<body", 1)[-1]
    body = re.sub(r"<(script|style)\b.*?</\1>", "", body, flags=re.S)
    return [t.strip() for t in re.findall(r">([^<>]+)<", body) if t.strip()]
