"""URL → what the package serves there: a document, a static file, or a redirect.

fastn's URL scheme: `index.ftd` → `/`, `about.ftd` → `/about/`, `docs/index.ftd` →
`/docs/`; `/about` (no slash) is served like `/about/`. Files that are not `.ftd` documents
are served at their own path (a Markdown file too: fastn makes no page of it). A real document
wins over a `fastn.dynamic-urls` pattern (fastn#2048 does the opposite).

`/-/PACKAGE/path` is a file of the package or of a dependency (`.packages/PACKAGE/path`):
fastn's URL for the files of each package, which `assets.files` names.

A `fastn.sitemap` item with `document: FILE` serves its URL from that file, before any
document of the same name (`/design/` from `features/design.ftd`; one file can serve several
URLs); a `document:` naming no file is ignored (`fastn check` reports it). A URL
`/doc/-/more/` is served by the document of `/doc/`, which reads `more` as its
`pr.document-suffix`. Such pages carry their URL as `page_id`: the sitemap and document
processors see the page at that URL, not at its file's. `fastn build` writes every such URL
too, so a static host answers them like `fastn serve` (fastn's own build writes only the
`/-/` ones).

A document whose file or folder name starts with `_` (`_layout.ftd`, `_parts/card.ftd`) is a
module only: other documents import it, but it is no page (fastn would serve a blank one).

Never served, whatever the URL: `FASTN.ftd`, `.ftd` sources as files, anything under a dot
folder or named with a leading dot (`.env`, `.git/`, `.packages/`, `.build/`), `..`, files
reached through a symlink that leaves the package, databases (the configured SQLite files,
`*.sqlite*`, `*.db` and what SQLite writes next to them) and editors' leftovers (`*~`,
`*.swp`, `*.bak`, `*.orig`: `index.ftd~` is a page's source). `fastn build` copies the same
files the server serves, so a static host never has the others either.
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

from fastn.package.config import PACKAGE_FILE, PACKAGES_FOLDER, DynamicUrl, Package
from fastn.processors.database_files import configured_sqlite_files

DOCUMENT_SUFFIX = ".ftd"
SUFFIX_PART = "-"  # `/doc/-/suffix/`: what follows is the page's suffix, not a document
MODULE_ONLY_PREFIX = "_"  # documents that are imported, never pages of their own
# names of files that are never static files, whatever their folder (matched lower-cased)
_NEVER_SERVED = re.compile(
    r".*(?:\.ftd|\.sqlite[^/]*|\.db|\.db-(?:wal|journal|shm)|~|\.swp|\.bak|\.orig)", re.DOTALL
)


@dataclass(frozen=True, slots=True)
class DocumentRoute:
    """Render document `doc_id` (path without `.ftd`); `path_params` and `data` (the entry's
    extra keys) from a dynamic URL."""

    doc_id: str
    path_params: dict[str, object] = field(default_factory=dict)
    data: dict[str, str] = field(default_factory=dict)
    page_id: str | None = None  # `/url/` when it is not the document's own URL


@dataclass(frozen=True, slots=True)
class FileRoute:
    """Serve this file of the package as it is."""

    path: Path


Route = DocumentRoute | FileRoute


class Router:
    """Resolves request paths against one package folder."""

    def __init__(self, package: Package) -> None:
        self.root = package.root
        self.name = package.name
        self._root_text = str(package.root) + os.sep
        self._root_prefix = os.path.realpath(package.root) + os.sep
        self._package_file = (self._root_prefix + PACKAGE_FILE).lower()
        self._databases = {os.path.realpath(path) for path in configured_sqlite_files(self.root)}
        self._redirects = {redirect.source: redirect.target for redirect in package.redirects}
        self._patterns = [_DynamicPattern.compile(entry) for entry in package.dynamic_urls]
        self._sitemap = package.sitemap

    def redirect_target(self, path: str) -> str | None:
        """Where `fastn.redirects`/url-mappings send `path` (`/a` also matches `/a/`)."""
        if not self._redirects:
            return None
        target = self._redirects.get(path)
        if target is None:
            target = self._redirects.get("/" + path.strip("/") + "/" if path.strip("/") else "/")
        return target

    def resolve(self, path: str) -> Route | None:
        """The route for a decoded request path, or None when the package has nothing there."""
        return self._resolve(path, None)

    def _resolve(self, path: str, real_folders: dict[str, str] | None) -> Route | None:
        """`resolve`; `real_folders` (folder → its real path) when folders cannot change
        while it is used (`documents`), so that each folder's real path is looked up once."""
        parts = safe_parts(path)
        if parts is None:
            return None
        if parts and parts[0] == "-":
            return self._file_of_package(parts[1:])
        found = self._sitemap_document(path, real_folders)
        if found is not None:
            return found
        if SUFFIX_PART in parts:  # `/doc/-/more/`: the document of `/doc/`
            found = self._lookup(
                parts[: parts.index(SUFFIX_PART)], file_wanted=False, real_folders=real_folders
            )
            if found is None:
                return None
            return replace(found, page_id=page_id(path))
        found = self._lookup(
            parts, file_wanted=bool(parts) and not path.endswith("/"), real_folders=real_folders
        )
        if found is not None:
            return found
        for pattern in self._patterns:
            params = pattern.match(path)
            if params is not None:
                return DocumentRoute(pattern.doc_id, params, pattern.data)
        return None

    # Plain string paths and os.stat: this runs for every request that is not a redirect or
    # a mapped proxy (a proxied API call too), so it asks the file system as little as it can.

    def _lookup(
        self, parts: list[str], file_wanted: bool, real_folders: dict[str, str] | None = None
    ) -> Route | None:
        """The file at `parts` (when `file_wanted`), else the document there."""
        if not parts:
            return self._document(["index"], real_folders=real_folders)
        target = self._root_text + "/".join(parts)
        kind = _file_kind(target)
        if (
            kind is None
            and len(parts) > 1
            # a folder holding a file listed already is one
            and (real_folders is None or os.path.dirname(target) not in real_folders)
            and _file_kind(os.path.dirname(target)) is None
        ):
            return None  # no folder `a/` for `a/b`: no `a/b.ftd` nor `a/b/index.ftd` either
        if kind == "file" and file_wanted and self._served(target):
            return FileRoute(Path(target))
        candidates = [parts, [*parts, "index"]] if kind == "dir" else [parts]
        return self._document(*candidates, real_folders=real_folders)

    def _sitemap_document(
        self, path: str, real_folders: dict[str, str] | None = None
    ) -> DocumentRoute | None:
        """The route of a sitemap item's `document:` for `path`, when its file exists."""
        if self._sitemap is None:
            return None
        document = self._sitemap.document_for(path)
        if document is None:
            return None
        found = self.document_of_file(document, real_folders)
        return None if found is None else replace(found, page_id=page_id(path))

    def document_of_file(
        self, name: str, real_folders: dict[str, str] | None = None
    ) -> DocumentRoute | None:
        """The document a sitemap's `document:` names: `a/b.ftd`, `/a/b/`, `a/b` (its
        `a/b.ftd` or `a/b/index.ftd`, as fastn looks it up), or None."""
        parts = safe_parts(name.strip().removesuffix(DOCUMENT_SUFFIX))
        if not parts:
            return None
        return self._document(parts, [*parts, "index"], real_folders=real_folders)

    def _document(
        self, *candidates: list[str], real_folders: dict[str, str] | None = None
    ) -> DocumentRoute | None:
        for parts in candidates:
            if any(part.startswith(MODULE_ONLY_PREFIX) for part in parts):
                continue
            doc_id = "/".join(parts)
            real = _real_file(self._root_text + doc_id + DOCUMENT_SUFFIX, real_folders)
            if real is None:
                continue
            # FASTN.ftd compared case-insensitively: on macOS/Windows `/fastn/` opens it
            if real.startswith(self._root_prefix) and real.lower() != self._package_file:
                return DocumentRoute(doc_id)
        return None

    def _file_of_package(self, parts: list[str]) -> FileRoute | None:
        """`/-/PACKAGE/path`: a file of this package, or of a dependency in `.packages/`."""
        relative = "/".join(parts)
        if relative.startswith(self.name + "/"):
            folder, relative = self._root_text, relative[len(self.name) + 1 :]
        else:
            folder = self._root_text + PACKAGES_FOLDER + "/"
        file = folder + relative
        if _file_kind(file) != "file" or not self._served(file):
            return None
        return FileRoute(Path(file))

    def _served(self, file: str, real_folders: dict[str, str] | None = None) -> bool:
        """Is this file of the package served as it is? Not a document's source, a database,
        an editor's leftover, nor a file reached through a symlink pointing out of the
        package (the name is checked at both ends of a symlink)."""
        real = _realpath(file, real_folders)
        return (
            served_name(os.path.basename(file))
            and served_name(os.path.basename(real))
            and real.startswith(self._root_prefix)
            and real not in self._databases
        )

    def dynamic_patterns(self) -> list[str]:
        """The `fastn.dynamic-urls` entries as regular expressions of whole paths."""
        return [pattern.regex.pattern for pattern in self._patterns]

    def documents(self) -> Iterator[tuple[str, DocumentRoute]]:
        """(url, route) of every page reachable by a plain URL (what `fastn build` writes):
        each document at its own URL, then the URLs the sitemap's `document:` items serve."""
        skipped = {pattern.doc_id for pattern in self._patterns}
        real_folders: dict[str, str] = {}  # for this listing only
        for relative in _package_files(self.root, lambda name: name.endswith(DOCUMENT_SUFFIX)):
            doc_id = relative.removesuffix(DOCUMENT_SUFFIX)
            if relative == PACKAGE_FILE or doc_id in skipped:
                continue
            url = document_url(doc_id)
            route = self._resolve(url, real_folders)
            if isinstance(route, DocumentRoute) and route.doc_id == doc_id and not route.page_id:
                yield url, route
        items = self._sitemap.document_items() if self._sitemap else []
        for url in dict.fromkeys(page_id(item.id or "") for item in items):
            route = self._resolve(url, real_folders)
            if isinstance(route, DocumentRoute) and route.page_id:
                yield url, route

    def static_files(self) -> Iterator[str]:
        """Package-relative paths of every file served as is."""
        real_folders: dict[str, str] = {}  # for this listing only
        for relative in _package_files(self.root, served_name):
            if self._served(self._root_text + relative, real_folders):
                yield relative


def document_url(doc_id: str) -> str:
    """`index` → `/`, `docs/index` → `/docs/`, `docs/intro` → `/docs/intro/`."""
    if doc_id == "index":
        return "/"
    if doc_id.endswith("/index"):
        doc_id = doc_id[: -len("/index")]
    return f"/{doc_id}/"


def page_id(path: str) -> str:
    """A request path as a page's URL: `/a/b/` (`/` for the home page)."""
    trimmed = path.strip().strip("/")
    return f"/{trimmed}/" if trimmed else "/"


def served_name(name: str) -> bool:
    """False for a file name that is never served as a static file (see the module's doc)."""
    return _NEVER_SERVED.fullmatch(name.lower()) is None


def _real_file(file: str, real_folders: dict[str, str] | None) -> str | None:
    """`os.path.realpath(file)` when `file` is a file (or a symlink to one), else None. With
    `real_folders`, one lstat: a file that is no symlink is in its folder's real path, looked
    up there (and noted)."""
    if real_folders is None:
        return os.path.realpath(file) if os.path.isfile(file) else None
    try:
        mode = os.lstat(file).st_mode
    except (OSError, ValueError):
        return None
    if stat.S_ISREG(mode):
        return _in_real_folder(file, real_folders)
    if stat.S_ISLNK(mode) and os.path.isfile(file):
        return os.path.realpath(file)
    return None


def _realpath(file: str, real_folders: dict[str, str] | None) -> str:
    """`os.path.realpath(file)`; with `real_folders`, the real path of the file's folder is
    looked up there (and noted), and only the file itself is checked for a symlink."""
    if real_folders is None:
        return os.path.realpath(file)
    try:
        if stat.S_ISLNK(os.lstat(file).st_mode):
            return os.path.realpath(file)
    except (OSError, ValueError):
        return os.path.realpath(file)
    return _in_real_folder(file, real_folders)


def _in_real_folder(file: str, real_folders: dict[str, str]) -> str:
    """The real path of `file` (no symlink itself, nor `.`/`..`): its folder's, plus its name."""
    folder, _, name = file.rpartition("/")
    if not name or name in ("..", "."):
        return os.path.realpath(file)
    real_folder = real_folders.get(folder)
    if real_folder is None:
        real_folder = real_folders[folder] = os.path.realpath(folder)
    return os.path.join(real_folder, name)


def _file_kind(path: str) -> str | None:
    """ "file", "dir" or None (nothing there, or something else), from one stat."""
    try:
        mode = os.stat(path).st_mode
    except (OSError, ValueError):
        return None
    if stat.S_ISREG(mode):
        return "file"
    return "dir" if stat.S_ISDIR(mode) else None


def safe_parts(path: str) -> list[str] | None:
    """The path's segments, or None if one could step outside the served files."""
    parts = [part for part in path.split("/") if part]
    for part in parts:
        if part.startswith(".") or "\\" in part or "\x00" in part:
            return None
    return parts


def _package_files(root: Path, wanted: Callable[[str], bool]) -> Iterator[str]:
    """Package-relative POSIX paths of files, skipping dot files and dot folders."""
    for folder, subfolders, files in os.walk(root):
        subfolders[:] = sorted(name for name in subfolders if not name.startswith("."))
        relative_folder = os.path.relpath(folder, root)
        for name in sorted(files):
            if name.startswith(".") or not wanted(name):
                continue
            relative = name if relative_folder == "." else f"{relative_folder}/{name}"
            yield relative.replace(os.sep, "/")


_SEGMENT_TYPES: dict[str, tuple[str, Callable[[str], object]]] = {
    "string": (r"[^/]+", str),
    "integer": (r"[-+]?\d+", int),
    "decimal": (r"[-+]?(?:\d+\.?\d*|\.\d+)", float),
}
_TYPED_SEGMENT = re.compile(r"<(\w+):([^<>]+)>")


@dataclass(frozen=True, slots=True)
class _DynamicPattern:
    """A compiled `fastn.dynamic-urls` entry: `/user/<string:username>/` → regex + converters."""

    regex: re.Pattern[str]
    converters: dict[str, Callable[[str], object]]
    doc_id: str
    data: dict[str, str]

    @classmethod
    def compile(cls, entry: DynamicUrl) -> _DynamicPattern:
        regex, converters, position = "", {}, 0
        pattern = entry.pattern.strip("/")
        for match in _TYPED_SEGMENT.finditer(pattern):
            kind, name = match.group(1), match.group(2).strip()
            regex += re.escape(pattern[position : match.start()])
            regex += f"(?P<p{len(converters)}>{_SEGMENT_TYPES[kind][0]})"
            converters[name] = _SEGMENT_TYPES[kind][1]
            position = match.end()
        regex += re.escape(pattern[position:])
        doc_id = entry.document.strip("/").removesuffix(DOCUMENT_SUFFIX)
        return cls(re.compile(f"/{regex}/?" if regex else "/"), converters, doc_id, entry.data)

    def match(self, path: str) -> dict[str, object] | None:
        """The typed captures of `path`, or None; the entry's `data` is kept apart from them."""
        found = self.regex.fullmatch(path)
        if found is None:
            return None
        return {
            name: convert(found.group(f"p{index}"))
            for index, (name, convert) in enumerate(self.converters.items())
        }
