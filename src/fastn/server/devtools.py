"""Development mode: the package is watched and open browser tabs reload themselves.

Pages and static files need no help to show edits (documents are re-read when their file
changes, files are served from disk). What the watcher adds: a change to `FASTN.ftd` or `.env`
rebuilds the package's configuration and routes in place (fastn#1362 needs a restart), and
every change tells the open tabs to reload over server-sent events, as does a backend coming
back after a restart (Django's autoreloader, say).

The watcher runs in a thread of its own and comes up while the server already answers: the
package's files are noted before anything is read (`PackageFiles`), and once the watcher is
up, whatever changed in between counts as a change too, so no edit made after start is missed.

Each HTML response gets `<script src="/-/live-reload.js" data-version=…>`, the version being
this server's instance and change count. The script listens on `/-/live-reload`; a tab whose
page is older than the server's version reloads at once, so a change made between rendering
and connecting is not missed, and a tab reconnecting to a restarted fastn (a new instance)
reloads too. None of this exists in production.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import re
import secrets
import threading
import weakref
from collections.abc import Callable, Mapping
from pathlib import Path
from urllib.parse import parse_qs

from watchfiles import Change, DefaultFilter, watch

from fastn.ftd.errors import FtdError
from fastn.package.config import ENV_FILE, PACKAGE_FILE, Package, load_package, parse_env
from fastn.server.compression import UNCOMPRESSED
from fastn.server.errors import UPSTREAM_FAILURE, development_page, log_excerpt
from fastn.server.responses import (
    HTML,
    ASGIApp,
    Headers,
    Message,
    Receive,
    Scope,
    Send,
    header,
    send_response,
)

logger = logging.getLogger("fastn.server")

EVENTS_PATH = "/-/live-reload"
SCRIPT_PATH = "/-/live-reload.js"
UPSTREAM_PROBE_SECONDS = 0.5
RECONNECT_MILLISECONDS = 1000
# How often the watcher wakes when nothing changes; its first wake-up compares the files with
# those noted at start.
WATCH_TIMEOUT_MILLISECONDS = 200
_CONFIG_FILES = frozenset({PACKAGE_FILE, ENV_FILE})

# The browser side: reload when told to (or when the page is already out of date).
LIVE_RELOAD_SCRIPT = b"""\
(function () {
  var script = document.currentScript;
  if (!window.EventSource || !script) return;
  var since = encodeURIComponent(script.getAttribute("data-version") || "");
  var source = new EventSource("/-/live-reload?since=" + since);
  source.addEventListener("reload", function () {
    source.close();
    location.reload();
  });
})();
"""

ChainBuilder = Callable[[Package, Mapping[str, ASGIApp]], ASGIApp]

_running: weakref.WeakSet[LiveReload] = weakref.WeakSet()


def end_event_streams() -> None:
    """End every open event stream, so a stopping server need not wait for the tabs.

    Safe to call from a signal handler: the streams are ended on their own event loop.
    """
    for live_reload in list(_running):
        live_reload.end_streams_threadsafe()


class _PackageFilter(DefaultFilter):
    """watchfiles' defaults (.git, editors' swap files…) plus the build output, and a previous
    build that `fastn build` is deleting (`.build-removing-…`)."""

    ignore_dirs = (*DefaultFilter.ignore_dirs, ".build")
    ignore_entity_patterns = (*DefaultFilter.ignore_entity_patterns, r"^\.build-removing-")


_WATCHED = _PackageFilter()
FileStamp = tuple[int, int, int]  # modification time (ns), size, inode


class PackageFiles:
    """The package's watched files as they are on disk now: their paths and stamps."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.stamps = _file_stamps(root)

    def changed(self) -> list[str]:
        """Files (relative to the root) added, removed or changed since these were noted."""
        now = _file_stamps(self.root)
        paths = {
            path
            for path in now.keys() | self.stamps.keys()
            if now.get(path) != self.stamps.get(path)
        }
        return sorted(os.path.relpath(path, self.root) for path in paths)


def _file_stamps(root: Path) -> dict[str, FileStamp]:
    """Path → stamp of every file under `root` that the watcher would report."""
    stamps: dict[str, FileStamp] = {}
    pending = [str(root)]
    while pending:
        try:
            entries = list(os.scandir(pending.pop()))
        except OSError:  # removed while walking, or unreadable: the watcher reports it
            continue
        for entry in entries:
            if not _WATCHED(Change.modified, entry.path):
                continue
            try:
                if entry.is_dir(follow_symlinks=False):
                    pending.append(entry.path)
                else:
                    stat = entry.stat()
                    stamps[entry.path] = (stat.st_mtime_ns, stat.st_size, stat.st_ino)
            except OSError:
                continue
    return stamps


class LiveReload:
    """The development app: the package's chain, rebuilt on config changes, plus live reload."""

    def __init__(
        self, package: Package, build_chain: ChainBuilder, files: PackageFiles | None = None
    ) -> None:
        """`files`: the package's files as they were before `package` was read (now if None)."""
        self.root = package.root
        # dropped once the watcher has compared them with the files on disk
        self.files_at_start: PackageFiles | None = files or PackageFiles(self.root)
        self.build_chain = build_chain
        self.routes: dict[str, ASGIApp] = {EVENTS_PATH: self.events, SCRIPT_PATH: self.script}
        self.chain = build_chain(package, self.routes)
        self.config_error: FtdError | None = None
        self.env_values = _env_file_values(self.root)
        self.upstreams = _upstream_addresses(package)
        self.upstream_up: dict[tuple[str, int], bool] = {}
        self.instance = secrets.token_hex(4)
        self.changes = 0
        self.streams: set[asyncio.Queue[bytes | None]] = set()
        self.loop: asyncio.AbstractEventLoop | None = None
        self.stopping = asyncio.Event()
        self.tasks: list[asyncio.Task[None]] = []
        self.stop_watching = threading.Event()
        self.watcher: threading.Thread | None = None

    @property
    def version(self) -> str:
        return f"{self.instance}.{self.changes}"

    # ------------------------------------------------------------ lifespan

    async def start(self) -> None:
        self.loop = asyncio.get_running_loop()
        self.tasks = [asyncio.create_task(self.watch_upstreams())]
        self.watcher = threading.Thread(
            target=self.watch_files, args=(self.loop,), name="fastn-watcher", daemon=True
        )
        self.watcher.start()
        _running.add(self)

    async def close(self) -> None:
        _running.discard(self)
        self.stopping.set()
        self.stop_watching.set()
        self.end_streams()
        for task in self.tasks:
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)
        if self.watcher is not None:
            await asyncio.to_thread(self.watcher.join)

    # ------------------------------------------------------------ requests

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.chain(scope, receive, send)
            return
        if self.config_error is not None and not scope["path"].startswith("/-/"):
            body = development_page(self.config_error)
            await send_response(
                scope, InjectScript(send, self.version), 500, [(b"content-type", HTML)], body
            )
            return
        scope[UNCOMPRESSED] = True  # the script goes into the page as it is made
        await self.chain(scope, receive, InjectScript(send, self.version))
        failed = scope.get(UPSTREAM_FAILURE)
        if failed is not None:
            address = _address(failed)
            if address is not None:
                self.upstream_up[address] = False

    async def script(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = [
            (b"content-type", b"text/javascript; charset=utf-8"),
            (b"cache-control", b"no-store"),
        ]
        await send_response(scope, send, 200, headers, LIVE_RELOAD_SCRIPT)

    async def events(self, scope: Scope, receive: Receive, send: Send) -> None:
        """The event stream of one tab: a `reload` event when something changed."""
        headers = [
            (b"content-type", b"text/event-stream"),
            (b"cache-control", b"no-store"),
            (b"x-accel-buffering", b"no"),
        ]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        if _seen_version(scope) not in ("", self.version):
            await send({"type": "http.response.body", "body": self.reload_event("outdated")})
            return
        queue: asyncio.Queue[bytes | None] = asyncio.Queue()
        self.streams.add(queue)
        first = f"retry: {RECONNECT_MILLISECONDS}\nid: {self.version}\n\n".encode()
        disconnected = asyncio.create_task(_disconnect(receive))
        try:
            await send({"type": "http.response.body", "body": first, "more_body": True})
            while True:
                event = asyncio.create_task(queue.get())
                await asyncio.wait({event, disconnected}, return_when=asyncio.FIRST_COMPLETED)
                if not event.done():
                    event.cancel()
                    return
                message = event.result()
                if message is None:
                    break
                await send({"type": "http.response.body", "body": message, "more_body": True})
            await send({"type": "http.response.body", "body": b""})
        finally:
            self.streams.discard(queue)
            disconnected.cancel()

    # ------------------------------------------------------------ changes

    def reload_event(self, reason: str) -> bytes:
        return f"id: {self.version}\nevent: reload\ndata: {reason}\n\n".encode()

    def changed(self, reason: str) -> None:
        """Something the pages depend on changed: tell every open tab."""
        self.changes += 1
        logger.debug("reloading open pages: %s", reason)
        message = self.reload_event(reason)
        for queue in self.streams:
            queue.put_nowait(message)

    def end_streams(self) -> None:
        for queue in self.streams:
            queue.put_nowait(None)

    def end_streams_threadsafe(self) -> None:
        if self.loop is not None and not self.loop.is_closed():
            self.loop.call_soon_threadsafe(self.end_streams)

    def watch_files(self, loop: asyncio.AbstractEventLoop) -> None:
        """The watcher's thread: changes go to the event loop as they come.

        Its first wake-up (a change or the timeout) happens once it watches: the files changed
        since start that it could not see are found then by comparing with the noted stamps.
        """
        try:
            for changes in watch(
                self.root,
                watch_filter=_WATCHED,
                stop_event=self.stop_watching,
                rust_timeout=WATCH_TIMEOUT_MILLISECONDS,
                yield_on_timeout=True,
            ):
                names = {os.path.relpath(path, self.root) for _, path in changes}
                if self.files_at_start is not None:
                    names.update(self.files_at_start.changed())
                    self.files_at_start = None
                if names:
                    loop.call_soon_threadsafe(self.files_changed, sorted(names))
        except Exception:  # e.g. the package folder removed: pages still show edits
            logger.exception("fastn: live reload stopped watching %s", self.root)

    def files_changed(self, names: list[str]) -> None:
        logger.debug("changed: %s", ", ".join(names))
        if _CONFIG_FILES.intersection(names):
            self.reload_package()
        self.changed(names[0] if len(names) == 1 else f"{len(names)} files")

    def reload_package(self) -> None:
        """Read `.env` and `FASTN.ftd` again and rebuild the routes (the old ones serve on if
        the new configuration is broken, behind an error page naming the bad line)."""
        for name, value in self.env_values.items():  # what the old `.env` set, unless changed
            if os.environ.get(name) == value:
                del os.environ[name]
        try:
            package = load_package(self.root)
        except FtdError as error:
            self.config_error = error
            logger.error("%s", error)
            log_excerpt(error)
            return
        self.config_error = None
        self.env_values = _env_file_values(self.root)
        self.chain = self.build_chain(package, self.routes)
        self.upstreams = _upstream_addresses(package)
        logger.info("fastn: reloaded %s", PACKAGE_FILE)

    async def watch_upstreams(self) -> None:
        """While a tab listens, probe the backends; one coming back up reloads the tabs."""
        while not self.stopping.is_set():
            if self.streams:
                for address in self.upstreams:
                    up = await _reachable(*address)
                    if up and self.upstream_up.get(address) is False:
                        self.changed(f"backend {address[0]}:{address[1]} is back")
                    self.upstream_up[address] = up
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.stopping.wait(), UPSTREAM_PROBE_SECONDS)


class InjectScript:
    """A `send` that adds the live-reload script to HTML responses.

    The response start is held until the first body message: a whole HTML body gets the
    script before `</body>`; a body coming in pieces (a backend's large page, streamed through
    the proxy) gets it right after the `<head>` (or `<body>`) tag of its first piece, so
    nothing is buffered. Content-Length is fixed, validators dropped and caching turned off,
    so a revalidated copy can never carry an old version; anything else passes unchanged.
    """

    def __init__(self, send: Send, version: str) -> None:
        self.downstream = send
        self.tag = f'<script src="{SCRIPT_PATH}" data-version="{version}"></script>'.encode()
        self.start: Message | None = None

    async def __call__(self, message: Message) -> None:
        kind = message["type"]
        if kind == "http.response.start" and _injectable(message):
            self.start = message
            return
        if kind == "http.response.body" and self.start is not None:
            start, self.start = self.start, None
            body = message.get("body", b"")
            whole = not message.get("more_body")
            position = body.rfind(b"</body>") if whole else _first_piece_position(body)
            if position is not None and position >= 0:
                body = body[:position] + self.tag + body[position:]
                length = len(body) if whole else None
                start = {
                    **start,
                    "headers": _fresh_headers(start["headers"], len(self.tag), length),
                }
                message = {**message, "body": body}
            await self.downstream(start)
        await self.downstream(message)


def _injectable(start: Message) -> bool:
    if start["status"] in (204, 304):
        return False
    content_type = b""
    for name, value in start["headers"]:
        name = name.lower()
        if name == b"content-encoding":
            return False
        if name == b"content-type":
            content_type = value
    return content_type.startswith(b"text/html")


_VALIDATORS = frozenset({b"content-length", b"etag", b"last-modified", b"cache-control"})


_OPENING_TAG = re.compile(rb"<(?:head|body)(?:\s[^>]*)?>", re.IGNORECASE)


def _first_piece_position(body: bytes) -> int | None:
    """Where the script goes in the first piece of a streamed page: after `<head>`/`<body>`."""
    found = _OPENING_TAG.search(body)
    return found.end() if found else None


def _fresh_headers(headers: Headers, added: int, whole_length: int | None) -> Headers:
    """The page's headers once `added` bytes went in: the length of the whole body, or for
    a streamed page its declared length plus them (none declared: none sent); not cached."""
    length = whole_length
    kept = []
    for name, value in headers:
        lowered = name.lower()
        if lowered == b"content-length" and length is None and value.strip().isdigit():
            length = int(value) + added
        if lowered not in _VALIDATORS:
            kept.append((name, value))
    fresh = [(b"content-length", str(length).encode())] if length is not None else []
    return [*kept, *fresh, (b"cache-control", b"no-store")]


def _seen_version(scope: Scope) -> str:
    """The version the tab has: the last event id on a reconnect, else the page's own."""
    last = header(scope, b"last-event-id")
    if last is not None:
        return last.decode("latin-1")
    query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
    return query.get("since", [""])[0]


async def _disconnect(receive: Receive) -> None:
    while (await receive())["type"] != "http.disconnect":
        pass


def _env_file_values(root: Path) -> dict[str, str]:
    env_file = root / ENV_FILE
    return parse_env(env_file.read_text(encoding="utf-8")) if env_file.is_file() else {}


def _address(url: str) -> tuple[str, int] | None:
    from yarl import URL  # with a backend only: aiohttp, which proxies to it, brings it anyway

    parsed = URL(url)
    if parsed.host is None or parsed.port is None:
        return None
    return parsed.host, parsed.port


def _upstream_addresses(package: Package) -> list[tuple[str, int]]:
    urls = [package.endpoint or "", *(mapping.upstream for mapping in package.proxy_mappings)]
    addresses = {_address(url) for url in urls if url}
    return sorted(address for address in addresses if address is not None)


async def _reachable(host: str, port: int) -> bool:
    try:
        _, writer = await asyncio.wait_for(asyncio.open_connection(host, port), 1.0)
    except (OSError, TimeoutError):
        return False
    writer.close()
    with contextlib.suppress(OSError):
        await writer.wait_closed()
    return True
