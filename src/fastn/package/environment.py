"""Documents of a package on disk: loading modules, caching what was resolved, rendering.

An :class:`Environment` is what the server and the build use. It keeps the interpreter (and
so every parsed module and resolved definition) between renderings and drops it when any
file it read has changed, so edits show on the next request without a restart.

Rendering a document first runs its processors (:mod:`fastn.processors`), independent ones
concurrently, then renders the page with their values. `render` is the server's (async; the
worker's HTTP session and database pools are kept between requests); `render_sync` is for
code without an event loop (`fastn build`): it opens and closes its connections per call.

In the server, the CPU work of a page (parsing and resolving documents, drawing the HTML of
request data, long loops, big query results) runs in worker threads, so one heavy page never
keeps the event loop from answering other requests. The interpreter and its caches are not
thread-safe: they are used under one lock. Drawing a page only reads the resolved document
(what it writes there, such as render plans, are caches any thread may fill), so pages are
drawn without the lock. A page that is already rendered (a document without processors)
comes straight from the cache, on the event loop.
"""

from __future__ import annotations

import html
import os
import threading
from collections.abc import Callable, Coroutine, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from fastn.ftd import ast
from fastn.ftd.errors import FtdError
from fastn.ftd.interpreter import Interpreter
from fastn.ftd.model import Document
from fastn.ftd.page import RenderedPage, RequestInfo
from fastn.ftd.render.html import render_page, render_payload, render_redirect
from fastn.package.builtin import font_faces
from fastn.package.config import Package
from fastn.package.resolver import PackageModules, read_source
from fastn.processors import runner
from fastn.processors.context import ProcessorSettings, Resources

if TYPE_CHECKING:  # asyncio is imported where processors run: a build may need none
    import asyncio

Result = TypeVar("Result")

# Pages are drawn in threads of their own: the default executor's few threads also run
# SQLite queries, and a handful of slow pages would make every other page wait for one.
# With many threads, a cheap page shares the CPU with slow ones instead of queueing.
RENDER_THREADS = 32
_render_threads = ThreadPoolExecutor(RENDER_THREADS, thread_name_prefix="fastn-render")


class Environment:
    """A package's documents: ``doc_id`` is a path without ``.ftd`` (``index``, ``docs/intro``)."""

    def __init__(
        self,
        root: Path,
        package_name: str,
        *,
        modules: PackageModules | None = None,
        processor_settings: ProcessorSettings | None = None,
        watch_files: bool = True,
        favicon: str | None = None,
    ):
        self.root = Path(root)
        self.package_name = package_name
        # where modules come from: the package and its dependencies, by fastn's rules
        self.modules = modules or PackageModules(Package(self.root, package_name))
        self.processor_settings = processor_settings or ProcessorSettings(self.root, package_name)
        # False when nothing can change while this Environment lives (`fastn build`)
        self.watch_files = watch_files
        self.favicon = favicon  # the package's `favicon:`, for pages that set none
        self._files: dict[str, tuple[Path, float]] = {}  # module id -> its file, mtime when read
        # module id -> its file, when files cannot change (see `module_path`)
        self._paths: dict[str, str | None] = {}
        self._interpreter: Interpreter | None = None
        # module id -> its model, its processors and the modules it depends on, for the
        # interpreter's life
        self._prepared: dict[str, tuple[Document, runner.Plan, tuple[str, ...]]] = {}
        # Pages of documents without processors: the same bytes until a file changes (kept
        # with the document drawn, so that a page drawn from a stale one is never served)
        self._pages: dict[str, tuple[Document, RenderedPage]] = {}
        self._resources: tuple[asyncio.AbstractEventLoop, Resources] | None = None
        self._interpreter_lock = threading.Lock()  # the interpreter and what is kept with it
        self._font_faces: str | None = None
        self._keep_loop = False  # see keep_event_loop
        # the kept event loop, with the (process, thread) it belongs to
        self._loop: tuple[tuple[int, int], asyncio.AbstractEventLoop] | None = None

    # ------------------------------------------------------------ modules

    def module_path(self, module_id: str) -> Path | None:
        """The file of a module: ``pkg/a/b`` -> ``a/b.ftd`` or ``a/b/index.ftd`` in that package."""
        file = self._module_file(module_id)
        return None if file is None else Path(file)

    def _module_file(self, module_id: str) -> str | None:
        """`module_path` as a plain string, looked up once when files cannot change."""
        if self.watch_files:  # a file may come or go at any time
            return self.modules.module_file(module_id)
        try:
            return self._paths[module_id]
        except KeyError:
            file = self._paths[module_id] = self.modules.module_file(module_id)
            return file

    def source(self, module_id: str) -> str | None:
        """The module's text, noting the file it came from (to see when it changes)."""
        text = self.modules.generated(module_id)
        if text is None:
            file = self._module_file(module_id)
            if file is None:
                return None
            text, mtime = read_source(file)
            if self.watch_files:
                self._files[module_id] = (Path(file), mtime)
        elif self.watch_files:
            path = self.module_path(module_id)
            if path is not None:
                self._files[module_id] = (path, path.stat().st_mtime)
        return text

    def resolve(self, importer: str, written: str) -> str:
        return self.modules.resolve(importer, written)

    def auto_imports(self, module_id: str) -> Sequence[ast.Import]:
        return self.modules.auto_imports(module_id)

    def foreign(self, module_id: str, path: tuple[str, ...]) -> str | None:
        return self.modules.foreign(module_id, path)

    def new_interpreter(self) -> Interpreter:
        """An interpreter reading this package's modules (nothing resolved yet)."""
        return Interpreter(self)

    def interpreter(self, module_id: str | None = None) -> Interpreter:
        """The interpreter, a new one when a file it read has changed: any file, or with
        `module_id` only the files of that module and of what it imports."""
        if self._interpreter is None or (self.watch_files and self._changed(module_id)):
            self._files = {}
            self._prepared = {}
            self._pages = {}
            self._interpreter = self.new_interpreter()
        return self._interpreter

    def _changed(self, module_id: str | None) -> bool:
        prepared = self._prepared.get(module_id) if module_id else None
        module_ids = prepared[2] if prepared is not None else self._files
        for read in module_ids:
            path, mtime = self._files.get(read, (None, 0.0))
            if path is None:
                continue
            try:
                if os.stat(path).st_mtime != mtime:
                    return True
            except FileNotFoundError:
                return True
        return False

    def _imported(self, module_id: str) -> tuple[str, ...]:
        """The module and every module it imports, directly or not (the files it depends on)."""
        modules = self._interpreter.modules if self._interpreter else {}
        seen = {module_id}
        pending = [module_id]
        while pending:
            module = modules.get(pending.pop())
            for imported, _ in module.imports if module else ():
                if imported not in seen:
                    seen.add(imported)
                    pending.append(imported)
        return tuple(seen)

    # ------------------------------------------------------------ rendering

    def document_id(self, doc_id: str) -> str:
        """Documents are modules of this package: ``index`` -> ``NAME/index``."""
        return f"{self.package_name}/{doc_id}"

    def render_sync(self, doc_id: str, request: RequestInfo | None = None) -> RenderedPage:
        """Render from code without an event loop of its own (`fastn build`): processors get
        connections for this call only."""
        try:  # not a `with`: this runs for every page a build writes
            doc, plan = self._prepare(doc_id)
            if not plan.steps:
                return self._constant_page(doc)
            values, headers = self._run_to_end(self._run_once(doc, plan, request))
            return self._page(doc, values, headers)
        except FtdError as error:
            self._locate(error)
            raise
        except RecursionError:
            raise self._too_deep(doc_id) from None

    async def render(self, doc_id: str, request: RequestInfo | None = None) -> RenderedPage:
        """Render in the server: connections stay open for the next requests on this loop;
        the CPU work runs in worker threads (see the module's doc)."""
        try:
            prepared = self._prepared_already(doc_id)
            doc, plan = prepared or await _in_render_thread(self._prepare, doc_id)
            if not plan.steps:
                return self._cached_page(doc) or await _in_render_thread(self._constant_page, doc)
            values, headers = await runner.run(
                plan,
                doc,
                request or RequestInfo(),
                self.processor_settings,
                self._loop_resources(),
            )
            return await _in_render_thread(self._page, doc, values, headers)
        except FtdError as error:
            self._locate(error)
            raise
        except RecursionError:
            raise self._too_deep(doc_id) from None

    async def aclose(self) -> None:
        """Close the connections processors keep (HTTP session, database pools)."""
        if self._resources is not None:
            _, resources = self._resources
            self._resources = None
            await resources.close()

    def _prepare(self, doc_id: str) -> tuple[Document, runner.Plan]:
        module_id = self.document_id(doc_id)
        with self._interpreter_lock:
            interpreter = self.interpreter(module_id)  # a deleted file is a change: all dropped
            prepared = self._prepared.get(module_id)
            if prepared is None:
                if self._module_file(module_id) is None:
                    raise FtdError(f"document `{doc_id}` not found", doc_id, 0)
                with interpreter.all_or_nothing():  # a failure must not reach other documents
                    doc = interpreter.document(module_id)
                    plan = runner.plan(doc, interpreter, module_id)
                prepared = self._prepared[module_id] = (doc, plan, self._imported(module_id))
        return prepared[0], prepared[1]

    def _prepared_already(self, doc_id: str) -> tuple[Document, runner.Plan] | None:
        """The prepared document when that costs a few stat() calls and no waiting: it was
        prepared before, its files are unchanged and no other thread is preparing one."""
        if not self._interpreter_lock.acquire(blocking=False):
            return None
        try:
            module_id = self.document_id(doc_id)
            self.interpreter(module_id)  # drops what a changed file made stale
            prepared = self._prepared.get(module_id)
            return (prepared[0], prepared[1]) if prepared is not None else None
        finally:
            self._interpreter_lock.release()

    async def _run_once(
        self, doc: Document, plan: runner.Plan, request: RequestInfo | None
    ) -> tuple[dict[str, Any], list[tuple[str, str]]]:
        resources = Resources()
        try:
            return await runner.run(
                plan, doc, request or RequestInfo(), self.processor_settings, resources
            )
        finally:
            await resources.close()

    def _loop_resources(self) -> Resources:
        """The connections of the running event loop (one per server worker)."""
        import asyncio

        loop = asyncio.get_running_loop()
        if self._resources is None or self._resources[0] is not loop:
            self._resources = (loop, Resources())
        return self._resources[1]

    def _constant_page(self, doc: Document) -> RenderedPage:
        """A document that reads nothing of the request renders once per interpreter."""
        page = self._cached_page(doc)
        if page is None:
            page = self._page(doc, {}, [])
            self._pages[doc.doc_id] = (doc, page)
        return page

    def _cached_page(self, doc: Document) -> RenderedPage | None:
        cached = self._pages.get(doc.doc_id)
        return cached[1] if cached is not None and cached[0] is doc else None

    def _page(
        self, doc: Document, values: dict[str, Any], headers: list[tuple[str, str]]
    ) -> RenderedPage:
        redirect = render_redirect(doc)
        if redirect is not None:
            url, status = redirect
            return RenderedPage(
                f'<a href="{html.escape(url)}">{html.escape(url)}</a>',
                status=status,
                headers=[*headers, ("location", url)],
            )
        payload = render_payload(doc)
        if payload is not None:
            body, content_type, status = payload
            return RenderedPage(body, content_type, status, headers)
        page = render_page(doc, values, favicon=self.favicon, font_faces=self.font_faces())
        return RenderedPage(page, headers=headers)

    def font_faces(self) -> str:
        """The `@font-face` rules of the package's and its dependencies' `fastn.font`s."""
        if self._font_faces is None:
            self._font_faces = font_faces(self.modules.packages())
        return self._font_faces

    def _locate(self, error: FtdError) -> None:
        """Errors name the file on disk (relative to the working directory) when it is known."""
        path = self.module_path(error.doc_id) if error.doc_id else None
        if path is not None and error.path is None:
            error.path = os.path.relpath(path)

    def _too_deep(self, doc_id: str) -> FtdError:
        """A document nests at most `p1.MAX_NESTING` sections, but components used within
        components can still go deeper than Python's stack: that is the document's error too."""
        module_id = self.document_id(doc_id)
        path = self.module_path(module_id)
        return FtdError(
            "nesting deeper than fastn can follow (components used within components?)",
            module_id,
            0,
            os.path.relpath(path) if path else None,
        )

    # ------------------------------------------------------------ event loop of render_sync

    def keep_event_loop(self) -> None:
        """From now on `render_sync` runs processors on one event loop kept between calls
        (a build: one loop for all its pages, not one made and closed per page) in the thread
        and process that first uses it; `close_event_loop` ends it. Connections are still
        per call."""
        self._keep_loop = True

    def close_event_loop(self) -> None:
        """End the kept event loop as `asyncio.run` ends its own."""
        kept = self._loop
        self._loop = None
        if kept is None or kept[0] != (os.getpid(), threading.get_ident()):
            return
        import asyncio

        loop = kept[1]
        try:
            pending = asyncio.all_tasks(loop)
            for task in pending:
                task.cancel()
            if pending:
                loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.run_until_complete(loop.shutdown_default_executor())
        finally:
            asyncio.set_event_loop(None)
            loop.close()

    def _run_to_end(self, coroutine: Coroutine[Any, Any, Result]) -> Result:
        """Run `coroutine` on an event loop of its own (or the kept one): here, or in a helper
        thread when this thread already runs one (code inside an event loop, Playwright's
        sync API…)."""
        import asyncio

        try:
            asyncio.get_running_loop()
        except RuntimeError:
            loop = self._kept_loop() if self._keep_loop else None
            if loop is None:
                return asyncio.run(coroutine)
            # not asyncio.Runner.run: the SIGINT handler it sets and checks per call makes
            # `signal.getsignal` format the repr of the finished task, the page's whole data
            return loop.run_until_complete(coroutine)
        with ThreadPoolExecutor(max_workers=1) as pool:
            return pool.submit(asyncio.run, coroutine).result()

    def _kept_loop(self) -> asyncio.AbstractEventLoop | None:
        """The kept event loop, made for this thread and process (a forked build worker
        makes its own); None in another thread of the process that made it."""
        import asyncio

        owner = (os.getpid(), threading.get_ident())
        if self._loop is None or self._loop[0][0] != owner[0]:
            loop = asyncio.new_event_loop()
            asyncio.set_event_loop(loop)
            self._loop = (owner, loop)
        elif self._loop[0] != owner:
            return None
        return self._loop[1]


async def _in_render_thread(function: Callable[..., Result], *args: Any) -> Result:
    import asyncio

    return await asyncio.get_running_loop().run_in_executor(_render_threads, function, *args)


def render_file(path: Path) -> str:
    """Render one ``.ftd`` file (imports resolved next to it) to a whole HTML page."""
    path = Path(path)
    env = Environment(path.parent, path.parent.name or "package")
    return env.render_sync(path.stem).body
