"""`fastn build`: the package as a static site in `.build/`.

Each document becomes `ROUTE/index.html` (`/about/` → `.build/about/index.html`), static files
are copied, `404.html` is the page of `404.ftd` (a plain one without it), and every redirect gets a small page that
forwards the browser (keeping its query string and hash, fastn#886). Processors run once, with
an empty request. What only a server can do (proxying, dynamic URLs) is listed, not built;
`--nginx-conf` writes an nginx configuration that does it.

With `--base-url /prefix/` the site's own root-relative URLs in the pages (links, scripts,
stylesheets, images, CSS `url()`) start with the prefix, so the site works served there.
"""

from __future__ import annotations

import contextlib
import html
import json
import os
import re
import shutil
import stat
import sys
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from time import perf_counter, time_ns
from typing import TYPE_CHECKING, TextIO

from fastn.ftd.errors import FtdError
from fastn.ftd.page import RequestInfo, plain_page
from fastn.package.config import Package, load_package
from fastn.package.documents import environment_for
from fastn.package.resolver import PackageModules
from fastn.package.routes import DOCUMENT_SUFFIX, DocumentRoute, Router
from fastn.progress import NORMAL, Progress
from fastn.runtime import URL_PREFIX, runtime_url, write_runtime

if TYPE_CHECKING:
    from fastn.package.environment import Environment

BUILD_FOLDER = ".build"
FILES_FOLDER = "-"  # `.build/-/PACKAGE/path`
NOT_FOUND_DOCUMENT = "404"
NOT_FOUND_PAGE = "404.html"


def build(
    root: Path,
    base_url: str = "/",
    ignore_failed: bool = False,
    out: TextIO = sys.stdout,
    err: TextIO = sys.stderr,
    *,
    verbosity: int = NORMAL,
    nginx_conf: Path | None = None,
    nginx_listen: str = "80",
    jobs: int | None = None,
) -> int:
    """Build the package at `root`; the exit status: 1 if a document failed (unless ignored).

    `nginx_conf`: also write an nginx configuration serving the build (on `nginx_listen`).
    `jobs`: processes rendering documents (default: one per CPU core).
    """
    progress = Progress(out, err, verbosity)
    try:
        package = load_package(root)
    except FtdError as error:
        progress.error(str(error))
        return 1
    for dependency in package.missing_dependencies():
        progress.error(f"warning: dependency {dependency.name} not found in {dependency.folder}")
    base = "/" + base_url.strip("/") + "/" if base_url.strip("/") else "/"
    target = package.root / BUILD_FOLDER
    removal = _remove_old_build(package.root, target)
    try:
        target.mkdir()
        return _build(
            package, target, base, progress, jobs, ignore_failed, nginx_conf, nginx_listen
        )
    finally:
        removal.wait()


def _build(
    package: Package,
    target: Path,
    base: str,
    progress: Progress,
    jobs: int | None,
    ignore_failed: bool,
    nginx_conf: Path | None,
    nginx_listen: str,
) -> int:
    router = Router(package)
    jobs = jobs or _cores()

    documents = list(router.documents())
    pages = {_page_relative(url) for url, _ in documents} | {NOT_FOUND_PAGE}
    files = _StaticFiles(package, router, target, pages)
    failures, runtime = _build_documents(
        package, documents, router, target, base, progress, jobs, files.copy_unclaimed
    )
    _stop_worker()
    _write_plain_not_found(target)
    files.copy_claimed()
    progress.note(f"Copied {files.static} static files")
    progress.note(
        f"Copied {files.packages} files of the package and its dependencies to {FILES_FOLDER}/"
    )
    if runtime:
        write_runtime(target)
    _write_redirect_pages(package, target, base, progress)
    _list_server_only(package, router, progress)
    if nginx_conf is not None:
        from fastn.nginx import nginx_config  # its server modules: not for every build

        nginx_conf.write_text(nginx_config(package, target, base, nginx_listen), encoding="utf-8")
        progress.note(f"Wrote the nginx configuration {nginx_conf}")
    progress.note(f"Built {package.name} into {target} ({failures} failed)")
    return 1 if failures and not ignore_failed else 0


# The previous build is renamed to `.build-removing-UNIQUE` in the package root (hidden, so no
# route; the same file system, so renaming is instant) and deleted while the pages are built.
OLD_BUILD_PREFIX = BUILD_FOLDER + "-removing-"


class _Removal:
    """Folders being deleted in the background: a child process on Linux (forked before the
    build starts any thread or worker), a thread elsewhere (workers are spawned there)."""

    def __init__(self, folders: list[str]) -> None:
        self._pid = 0
        self._thread: threading.Thread | None = None
        if not folders:
            return
        if sys.platform == "linux":
            self._pid = os.fork()
            if self._pid == 0:  # pragma: no cover (the child)
                try:
                    # no hold on the command's output: a reader sees its end when it exits
                    quiet = os.open(os.devnull, os.O_RDWR)
                    for fd in (0, 1, 2):
                        os.dup2(quiet, fd)
                    _remove_folders(folders)
                finally:
                    os._exit(0)
        else:
            self._thread = threading.Thread(target=_remove_folders, args=(folders,), daemon=True)
            self._thread.start()

    def wait(self) -> None:
        """Wait until the folders are deleted."""
        if self._pid:
            pid, self._pid = self._pid, 0
            with contextlib.suppress(ChildProcessError):  # reaped already (SIGCHLD ignored)
                os.waitpid(pid, 0)
        if self._thread is not None:
            self._thread.join()
            self._thread = None


def _remove_folders(folders: list[str]) -> None:
    for folder in folders:
        # rmtree never follows a symbolic link (it refuses one given to it): only what is
        # inside the renamed folder itself is deleted
        shutil.rmtree(folder, ignore_errors=True)


def _remove_old_build(root: Path, target: Path) -> _Removal:
    """Move the previous build out of the way and start deleting it, with what an interrupted
    earlier build left; a symbolic link `.build` is removed, never what it points to."""
    folders = []
    with os.scandir(root) as entries:
        leftovers = [entry.path for entry in entries if entry.name.startswith(OLD_BUILD_PREFIX)]
    for leftover in leftovers:
        if os.path.isdir(leftover) and not os.path.islink(leftover):
            folders.append(leftover)
    try:
        mode = os.lstat(target).st_mode
    except FileNotFoundError:
        mode = 0
    if stat.S_ISLNK(mode):
        os.unlink(target)
    elif stat.S_ISDIR(mode):
        old = str(root / f"{OLD_BUILD_PREFIX}{os.getpid()}-{time_ns()}")
        try:
            os.rename(target, old)
        except OSError:  # not renamable (a mount point…): deleted here, as it is
            shutil.rmtree(target)
        else:
            folders.append(old)
    return _Removal(folders)


# Below this many documents one process builds them all: starting workers costs more.
PARALLEL_FROM = 64
# Work is handed to the workers in about this many parts per worker: the biggest documents one
# by one first, then the small ones in bundles, so that no worker is left with a long tail.
PARTS_PER_WORKER = 16
MOST_PER_PART = 32


@dataclass(slots=True)
class _Built:
    """What building one document gave: the files written, or the error to report."""

    url: str
    files: list[str]  # relative to the build folder, as the progress lines show them
    milliseconds: float
    error: str | None = None
    runtime: bool = False  # the page loads the browser runtime


def _build_documents(
    package: Package,
    documents: list[tuple[str, DocumentRoute]],
    router: Router,
    target: Path,
    base: str,
    progress: Progress,
    jobs: int,
    meanwhile: Callable[[], None],
) -> tuple[int, bool]:
    """Build the documents; the failures, and whether a page loads the runtime.

    `meanwhile` runs in this process while the workers render (after the documents without
    workers): this process would otherwise only wait.
    """
    total = len(documents)
    progress.note(f"Building {total} documents of {package.name}")
    # This process's Environment: forked workers start with it and all it has resolved.
    _start_worker(package, target, base)
    if total < PARALLEL_FROM:
        jobs = 1
    if jobs == 1:
        outcome = _report(map(_build_document, documents), total, target, progress)
        progress.done()
        meanwhile()
        return outcome
    root = str(router.root)
    sized = sorted(  # the biggest first
        ((d, _source_size(os.path.join(root, d[1].doc_id + DOCUMENT_SUFFIX))) for d in documents),
        key=lambda document_and_size: document_and_size[1],
        reverse=True,
    )
    documents = [document for document, _ in sized]
    # The biggest document is built here: what most pages share (the package's and its
    # dependencies' modules, their components) is resolved once, before the workers fork.
    failures, runtime = _report([_build_document(documents[0])], total, target, progress)
    # a forked worker must not share this process's event loop (its epoll instance)
    _close_event_loop()
    # imported here: a small site (one process) does without them (≈ 6 ms at start-up)
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor, as_completed
    from concurrent.futures.process import BrokenProcessPool

    forked = sys.platform == "linux"  # fork is safe there; elsewhere workers import afresh
    context = multiprocessing.get_context("fork" if forked else "spawn")
    try:
        with ProcessPoolExecutor(
            jobs,
            context,
            initializer=None if forked else _start_worker,
            initargs=() if forked else (package, target, base),
        ) as pool:
            parts = [pool.submit(_build_part, part) for part in _parts(sized[1:], jobs)]
            meanwhile()
            done = (part.result() for part in as_completed(parts))
            results = (built for part in done for built in part)
            more_failures, more_runtime = _report(results, total, target, progress, already=1)
            failures += more_failures
            runtime = runtime or more_runtime
    except BrokenProcessPool as error:  # a worker was killed (out of memory, a signal)
        progress.error(f"a build worker stopped: {error} (`--jobs 1` builds in one process)")
        failures = total
    progress.done()
    return failures, runtime


def _source_size(path: str) -> int:
    try:
        return os.stat(path).st_size  # not pathlib: ≈ 2.5 µs less a document
    except OSError:  # gone since it was listed: its build reports it
        return 0


def _parts(
    documents: list[tuple[tuple[str, DocumentRoute], int]], jobs: int
) -> list[list[tuple[str, DocumentRoute]]]:
    """(document, size) biggest first, cut into parts of about the same size of source."""
    budget = sum(size for _, size in documents) / (jobs * PARTS_PER_WORKER)
    parts: list[list[tuple[str, DocumentRoute]]] = []
    filled = budget
    for document, size in documents:
        if filled >= budget or len(parts[-1]) >= MOST_PER_PART:
            parts.append([])
            filled = 0
        parts[-1].append(document)
        filled += size
    return parts


def _build_part(documents: list[tuple[str, DocumentRoute]]) -> list[_Built]:
    """A build worker's task: some documents, built one after the other."""
    return [_build_document(document) for document in documents]


def _cores() -> int:
    """The cores this process may run on (taskset, container limits), else the machine's."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def _report(
    results: Iterable[_Built], total: int, target: Path, progress: Progress, already: int = 0
) -> tuple[int, bool]:
    """Print what was built (`already`: steps reported before these); the failures, and
    whether a page loads the runtime."""
    failures = 0
    runtime = False
    for done, built in enumerate(results, start=already + 1):
        if built.error is not None:
            progress.error(built.error)
            failures += 1
            continue
        runtime = runtime or built.runtime
        for file in built.files:
            progress.step(done, total, f"  {built.url} -> {file} ({built.milliseconds:.0f} ms)")
    return failures, runtime


_worker: tuple[Environment, str, str] | None = None  # this process's: see _start_worker
# the folders of the build made (or found) by this process's `_write`: one mkdir each
_folders: set[str] = set()


def _start_worker(package: Package, target: Path, base: str) -> None:
    global _worker
    environment = environment_for(package, watch_files=False)
    environment.keep_event_loop()  # one event loop for the processors of every page
    _worker = (environment, str(target), base)
    _folders.clear()
    _folders.add(str(target))


def _stop_worker() -> None:
    """This process's Environment is done."""
    global _worker
    _close_event_loop()
    _worker = None


def _close_event_loop() -> None:
    """Close the event loop this process's Environment keeps (a next page makes another)."""
    if _worker is not None:
        _worker[0].close_event_loop()


def _build_document(document: tuple[str, DocumentRoute]) -> _Built:
    """Render one document and write its page(s); runs in a worker process or in this one."""
    assert _worker is not None
    environment, target, base = _worker
    url, route = document
    doc_id = route.doc_id
    started = perf_counter()
    try:
        page = environment.render_sync(doc_id, RequestInfo(path=url, page_id=route.page_id))
    except FtdError as error:
        return _Built(url, [], 0, str(error))
    except Exception as error:  # a bug, but the other pages can still be built
        return _Built(url, [], 0, f"{doc_id}.ftd: internal error: {error!r}")
    location = dict(page.headers).get("location") if 300 <= page.status < 400 else None
    if location is not None:  # a static host cannot answer 3xx: a page that forwards
        if location.startswith("/") and not location.startswith("//"):
            location = base + location.lstrip("/")
        body = redirect_page(location)
    elif page.content_type.startswith("text/html"):
        body = with_base(page.body, base)
    else:
        body = page.body
    written = [_write(target, _page_relative(url), body)]
    if doc_id == NOT_FOUND_DOCUMENT and route.page_id is None:
        written.append(_write(target, NOT_FOUND_PAGE, body))
    # the cheap test first: the runtime's URL is a hash of the whole runtime (≈ 1.5 ms, once)
    runtime = _RUNTIME_FILES in body and runtime_url() in body
    return _Built(url, written, (perf_counter() - started) * 1000, runtime=runtime)


_RUNTIME_FILES = URL_PREFIX + "runtime."  # how `runtime_url()` starts


def _page_relative(url: str) -> str:
    """The page of `url` in the build folder: `/a/b/` → `a/b/index.html`."""
    return _relative(url, "index.html")


def _relative(*paths: str) -> str:
    """`paths` joined as a POSIX path relative to the build folder, its empty and `.` parts
    left out as pathlib does (`-//a/./b` → `-/a/b`)."""
    parts = [part for path in paths for part in path.split("/") if part and part != "."]
    return "/".join(parts)


def _write_plain_not_found(target: Path) -> None:
    """A plain `404.html` for static hosts when the package has no `404.ftd` to build one."""
    page = target / "404.html"
    if not page.exists():
        page.write_bytes(plain_page(404))


# A root-relative URL (`/…` but not `//host…`) in a URL attribute or a CSS url().
_URL_ATTRIBUTE = re.compile(
    r"""(\s(?:href|src|action|formaction|poster)\s*=\s*["']?)/(?![/\\])""", re.IGNORECASE
)
_CSS_URL = re.compile(r"""(url\(\s*["']?)/(?![/\\])""")


def with_base(page: str, base: str) -> str:
    """The page with its root-relative URLs moved under `base` (`/about/` → `/prefix/about/`)."""
    if base == "/":
        return page
    page = _URL_ATTRIBUTE.sub(lambda match: match.group(1) + base, page)
    return _CSS_URL.sub(lambda match: match.group(1) + base, page)


class _StaticFiles:
    """Copies the package's static files to their own paths, and those of the package and of
    each dependency to `/-/PACKAGE/path` (where `assets.files` points).

    Most are copied while the workers render; one at the path of a page (`pages`) is copied
    after the pages, so that it replaces the page as it always has.
    """

    def __init__(self, package: Package, router: Router, target: Path, pages: set[str]) -> None:
        self._package = package
        self._router = router
        self._target = str(target)
        self._pages = pages  # relative to the build folder
        self._claimed: list[tuple[str, str, bool]] = []
        self._folders: set[str] = set()  # made already: one mkdir each
        self.static = 0
        self.packages = 0

    def copy_unclaimed(self) -> None:
        for copy in self._copies():
            if copy[1] in self._pages:
                self._claimed.append(copy)
            else:
                self._copy(*copy)

    def copy_claimed(self) -> None:
        for copy in self._claimed:
            self._copy(*copy)

    def _copies(self) -> Iterator[tuple[str, str, bool]]:
        """(source, destination relative to the build folder, whether to keep its times), in
        the order they are copied."""
        own = list(self._router.static_files())
        self.static = len(own)
        root = str(self._router.root)
        for relative in own:
            yield f"{root}/{relative}", _relative(relative), True
        for owner in PackageModules(self._package).packages():
            served = own if owner.root == self._router.root else Router(owner).static_files()
            owner_root = str(owner.root)
            for relative in served:  # what `fastn serve` would answer
                self.packages += 1
                yield (
                    f"{owner_root}/{relative}",
                    _relative(FILES_FOLDER, owner.name, relative),
                    False,
                )

    def _copy(self, source: str, relative: str, keep_times: bool) -> None:
        destination = f"{self._target}/{relative}"
        folder = os.path.dirname(destination)
        if folder not in self._folders:
            _make_folder(folder)
            self._folders.add(folder)
        if not _copy_file(source, destination, keep_times):
            if keep_times:
                shutil.copy2(source, destination)
            else:
                shutil.copyfile(source, destination)


def _copy_file(source: str, destination: str, keep_times: bool) -> bool:
    """Copy a regular file's bytes (and with `keep_times` its times and permission bits, as
    `shutil.copy2`) with few system calls; False when shutil must do it (not a regular file,
    extended attributes to copy, sendfile refused, an error to report as shutil reports it)."""
    try:
        src = os.open(source, os.O_RDONLY)
    except OSError:
        return False
    try:
        info = os.fstat(src)
        if not stat.S_ISREG(info.st_mode) or (keep_times and _has_xattrs(src)):
            return False
        try:
            dst = os.open(destination, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o666)
        except OSError:
            return False
        try:
            offset = 0
            while offset < info.st_size:
                sent = os.sendfile(dst, src, offset, info.st_size - offset)
                if sent == 0:  # shrank while copied: shutil copies what is there
                    return False
                offset += sent
            if keep_times:
                os.utime(dst, ns=(info.st_atime_ns, info.st_mtime_ns))
                os.chmod(dst, stat.S_IMODE(info.st_mode))
        except OSError:
            return False
        finally:
            os.close(dst)
    finally:
        os.close(src)
    return True


def _has_xattrs(fd: int) -> bool:
    try:
        return bool(os.listxattr(fd))
    except (OSError, AttributeError):  # not supported there: shutil copies none either
        return False


def _write_redirect_pages(package: Package, target: Path, base: str, progress: Progress) -> None:
    """A page per redirect source: a static host cannot answer 308, but a browser follows these."""
    for redirect in package.redirects:
        destination = redirect.target
        if destination.startswith("/") and not destination.startswith("//"):
            destination = base + destination.lstrip("/")
        file = _write(str(target), _page_relative(redirect.source), redirect_page(destination))
        progress.note(f"  {redirect.source} -> {redirect.target} ({file})")


def redirect_page(destination: str) -> str:
    """Forward at once, carrying the visitor's query string and #hash along."""
    attribute = html.escape(destination, quote=True)
    script = json.dumps(destination).replace("</", "<\\/")
    return (
        '<!DOCTYPE html><html><head><meta charset="utf-8"><title>Redirecting</title>'
        f'<link rel="canonical" href="{attribute}">'
        f'<meta http-equiv="refresh" content="0; url={attribute}">'
        f"<script>var t={script},s=location.search;"
        "if(s&&t.indexOf('?')>=0)s='&'+s.slice(1);"
        "location.replace(t+s+location.hash)</script>"
        f'</head><body><a href="{attribute}">{html.escape(destination)}</a></body></html>'
    )


def _list_server_only(package: Package, router: Router, progress: Progress) -> None:
    """Say what a static host will not do, so nobody is surprised after deploying."""
    for mapping in package.proxy_mappings:
        progress.note(f"  not built: {mapping.prefix}* is proxied to {mapping.upstream}*")
    if package.endpoint:
        progress.note(f"  not built: other URLs are proxied to {package.endpoint}")
    for entry in package.dynamic_urls:
        progress.note(f"  not built: dynamic URL {entry.pattern} ({entry.document})")


def _write(target: str, relative: str, text: str) -> str:
    """Write `text` (UTF-8) to the file `relative` of the build folder `target`, as
    `Path.write_text` would, with the fewest system calls (one mkdir per folder, open, write,
    close); `relative` back."""
    file = f"{target}/{relative}" if relative else target
    folder = os.path.dirname(file)
    if folder not in _folders:
        _make_folder(folder)
        _folders.add(folder)
    if os.linesep != "\n":  # text files' newlines, as write_text writes them
        text = text.replace("\n", os.linesep)
    data = memoryview(text.encode("utf-8"))
    fd = os.open(file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o666)
    try:
        while data:
            data = data[os.write(fd, data) :]
    finally:
        os.close(fd)
    return relative


def _make_folder(folder: str) -> None:
    """`Path(folder).mkdir(parents=True, exist_ok=True)`, with one mkdir when the parent is
    there."""
    try:
        os.mkdir(folder)
    except FileNotFoundError:
        os.makedirs(folder, exist_ok=True)
    except FileExistsError:
        if not os.path.isdir(folder):
            raise
