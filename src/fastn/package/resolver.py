"""Which module an import names, and its text: fastn's package rules in one place.

A module's id is its full name: `PACKAGE/path` (`PACKAGE` alone is the package's
`index.ftd`). Every module belongs to the package whose name starts its id, and its imports
are resolved with that package's dependencies and aliases; it gets that package's
auto-imports (and `system`), never the root's. Dependencies, and their own dependencies, are
read from the root's flat `.packages/NAME/` folder when first named.

The root can stand in for a package (`provided-via: MODULE` on its dependency): wherever a
package auto-imports that one, or requires it (`required-as: ALIAS` on its own dependency),
or is that system package, the import is the root's MODULE.

Two kinds of module have no file: `fastn` (the root package described in ftd, see
:mod:`fastn.package.builtin`) and `PACKAGE/assets` (the package's fonts, and `files.PATH`,
the URL of each of its files, made when used).
"""

from __future__ import annotations

import mimetypes
import os
from collections.abc import Iterator, Sequence
from pathlib import Path
from stat import S_ISREG

from fastn.ftd import ast
from fastn.ftd.interpreter import FTD, PROCESSORS, ModuleNotFound
from fastn.package.builtin import PROCESSORS_MODULE, assets_module, fastn_module
from fastn.package.config import PACKAGE_FILE, PACKAGES_FOLDER, Package, PackageError, parse_package
from fastn.package.routes import document_url

FASTN_MODULE = "fastn"
ASSETS = "assets"
FILES_URL_PREFIX = "/-/"  # `/-/PACKAGE/path`: a package's files, served and built there
_BUILT_IN = frozenset({FTD, FASTN_MODULE, PROCESSORS, "fastn/time"})


class PackageModules:
    """The modules of a root package and of every package it depends on (a ModuleSource)."""

    def __init__(self, root: Package) -> None:
        self.root = root
        self._packages: dict[str, Package | None] = {root.name: root}
        self._owners: dict[str, Package] = {}
        # package name -> the imports its modules get without saying so (`auto_imports`)
        self._package_imports: dict[str, list[ast.Import]] = {}
        # package name -> the root's module standing for it (`provided-via`)
        self._provided = {d.name: d.provided_via for d in root.dependencies if d.provided_via}

    # ------------------------------------------------------------ packages

    def package(self, name: str) -> Package | None:
        """Package `name`: the root, or `.packages/NAME/` of the root (None if absent)."""
        if name in self._packages:
            return self._packages[name]
        folder = self.root.root / PACKAGES_FOLDER / name
        package_file = folder / PACKAGE_FILE
        package = None
        if package_file.is_file():
            text = package_file.read_text(encoding="utf-8")
            package = parse_package(text, folder, path=os.path.relpath(package_file))
        elif folder.is_dir():  # files without a FASTN.ftd: a package with no dependencies
            package = Package(folder, name)
        self._packages[name] = package
        return package

    def packages(self) -> Iterator[Package]:
        """The root and every package it depends on, directly or not (each once)."""
        seen: set[str] = set()
        pending = [self.root.name]
        while pending:
            name = pending.pop()
            if name in seen:
                continue
            seen.add(name)
            try:
                package = self.package(name)
            except PackageError:
                continue  # a broken dependency is reported when a document uses it
            if package is not None:
                yield package
                pending.extend(dependency.name for dependency in package.dependencies)

    def owner(self, module_id: str) -> Package:
        """The package a module belongs to: the longest known package name starting its id."""
        found = self._owners.get(module_id)
        if found is None:
            owners = [
                package
                for name, package in self._packages.items()
                if package is not None and _starts(module_id, name)
            ]
            found = max(owners, key=lambda package: len(package.name), default=self.root)
            self._owners[module_id] = found
        return found

    # ------------------------------------------------------------ ModuleSource

    def resolve(self, importer: str, written: str) -> str:
        """`-- import: WRITTEN` in `importer`: the dependency alias or self-reference turned
        into the package's full name, by the rules of the importer's own package."""
        if written in _BUILT_IN:
            return written
        package = self.owner(importer)
        if _starts(written, package.name):
            return written
        if package.name.endswith("/" + written):  # a package naming itself by its last part
            return package.name
        for alias, full_name in sorted(self._aliases(package).items()):
            if _starts(written, alias):
                self.package(full_name)
                return full_name + written[len(alias) :]
        for name in self._packages:  # a package another one already brought in
            if _starts(written, name):
                return written
        return written

    def source(self, module_id: str) -> str | None:
        text = self.generated(module_id)
        if text is not None:
            return text
        path = self.module_path(module_id)
        if path is None:
            return None
        return read_source(path)[0]

    def generated(self, module_id: str) -> str | None:
        """The text of a module made by fastn (`fastn`, `fastn/processors`, a package's
        `assets`), None for the others (read from their file)."""
        if module_id == FASTN_MODULE:
            return fastn_module(self.root)
        if module_id == PROCESSORS:
            return PROCESSORS_MODULE
        if module_id.endswith("/" + ASSETS):
            package = self._assets_package(module_id)
            if package is not None:
                return assets_module(package)
        return None

    def auto_imports(self, module_id: str) -> Sequence[ast.Import]:
        if module_id in _BUILT_IN:
            return []
        package = self.owner(module_id)
        imports = self._package_imports.get(package.name)
        if imports is None:
            imports = self._package_imports[package.name] = self._imports_of(package)
        return [i for i in imports if self.resolve(module_id, i.module) != module_id]

    def _imports_of(self, package: Package) -> list[ast.Import]:
        """What every module of `package` imports without saying so (the same for each: made
        once per package)."""
        origin = os.path.relpath(package.root / PACKAGE_FILE)
        imports = []
        for auto in package.auto_imports:
            path, sep, alias = auto.text.partition(" as ")
            path = path.strip()
            alias = alias.strip() if sep else ast.import_alias(path)
            path = self._provided.get(path, path)  # what the root provides in its place
            imports.append(
                ast.Import(path, alias, list(auto.exposing), [], 0, f"{origin}:{auto.line}")
            )
        for dependency in package.dependencies:
            if not dependency.required_as:
                continue
            provided = self._provided.get(dependency.name)
            if provided is None:  # the package's modules cannot be loaded
                raise ModuleNotFound(
                    f"Dependency {dependency.name} needs to be provided: the root package "
                    "names the module standing for it with `provided-via: MODULE`",
                    doc_id="FASTN",
                    line=dependency.line,
                    path=origin,
                )
            line = f"{origin}:{dependency.line}"
            imports.append(ast.Import(provided, dependency.required_as, [], [], 0, line))
        if package.system:
            path = self._provided.get(package.name, package.name)
            imports.append(ast.Import(path, package.system, [], [], 0, origin))
        return imports

    def foreign(self, module_id: str, path: tuple[str, ...]) -> str | None:
        """`files.a.b.svg` of `PACKAGE/assets`: the URL of that file of the package."""
        if len(path) < 2 or path[0] != "files" or not module_id.endswith("/" + ASSETS):
            return None
        package = self._assets_package(module_id)
        if package is None:
            return None
        return file_url_variable(package, path[1:])

    # ------------------------------------------------------------ files

    def module_path(self, module_id: str) -> Path | None:
        """The `.ftd` file of a module, or None. A module with no file of its own that is
        named like a URL of its package's sitemap is that item's `document:`. Its own file
        comes first: fastn.com imports `fastn.com/events` (events/index.ftd) while its
        sitemap serves `/events/` from ftd/events.ftd, and fastn builds those pages."""
        file = self.module_file(module_id)
        return None if file is None else Path(file)

    def module_file(self, module_id: str) -> str | None:
        """`module_path` as a plain string (what the build reads for each document)."""
        package = self.owner(module_id)
        if _starts(module_id, package.name):
            rest = module_id[len(package.name) + 1 :] or "index"
        else:
            rest = module_id  # a document of the root named without the package name
        own = _find_module_file(str(package.root), rest)
        if own is not None or package.sitemap is None:
            return own
        document = package.sitemap.document_for(document_url(rest))
        if document is None:
            return None
        return _find_module_file(str(package.root), _document_module(document))

    def _aliases(self, package: Package) -> dict[str, str]:
        """Alias and full name of each dependency → the dependency's full name. A dependency
        `required-as` is the package owning the root's module that provides it (fastn's
        renaming)."""
        aliases: dict[str, str] = {}
        for dependency in package.dependencies:
            name = dependency.name
            if dependency.required_as and name in self._provided:
                name = self.owner(self._provided[name]).name
                aliases[name] = name
            else:
                aliases[dependency.name] = name
            if dependency.alias:
                aliases[dependency.alias] = name
        return aliases

    def _assets_package(self, module_id: str) -> Package | None:
        name = module_id[: -len("/" + ASSETS)]
        package = self.package(name)
        if package is None:
            for alias, full_name in self._aliases(self.owner(module_id)).items():
                if alias == name:
                    return self.package(full_name)
        return package


def find_module_file(root: Path, rest: str) -> Path | None:
    """`a/b` → `a/b.ftd` or `a/b/index.ftd` under `root`."""
    file = _find_module_file(str(root), rest)
    return None if file is None else Path(file)


def _find_module_file(root: str, rest: str) -> str | None:
    # plain strings and os.stat: this runs for every document a build or a server prepares
    for candidate in (f"{root}/{rest}.ftd", f"{root}/{rest}/index.ftd"):
        try:
            if S_ISREG(os.stat(candidate).st_mode):
                return candidate  # `module_path` gives it as a Path (normalised)
        except (OSError, ValueError):
            continue
    return None


def read_source(path: str | Path) -> tuple[str, float]:
    """A module's text (UTF-8, newlines made `\\n` as Python's text files do) and the file's
    modification time, with the fewest system calls (open, fstat, read, close)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        info = os.fstat(fd)
        data = os.read(fd, info.st_size + 1)
        if len(data) > info.st_size:  # it grew since fstat: read the rest
            parts = [data]
            while chunk := os.read(fd, 1 << 16):
                parts.append(chunk)
            data = b"".join(parts)
    finally:
        os.close(fd)
    text = data.decode("utf-8")
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text, info.st_mtime


def _document_module(document: str) -> str:
    """A sitemap's `document:` (`a/b.ftd`, `/a/b/`) as a module path (`a/b`)."""
    return document.strip().removesuffix(".ftd").strip("/")


def file_url_variable(package: Package, reference: tuple[str, ...]) -> str:
    """The ftd declaration of `assets.files.REFERENCE` (fastn's rules): an image is an
    `ftd.image-src` (dark: the `-dark` file when there is one), other files a URL string;
    `.light`/`.dark` at the end pick one URL of an image."""
    name = ".".join(reference).rsplit(":", 1)[0]
    variant = None
    for suffix in ("light", "dark"):
        if name.endswith("." + suffix):
            name, variant = name[: -len(suffix) - 1], suffix
            break
    stem, dot, extension = name.rpartition(".")
    relative = f"{stem.replace('.', '/')}.{extension}" if dot else name
    prefix = f"{FILES_URL_PREFIX}{package.name}/"
    mime, _ = mimetypes.guess_type(relative)
    if not (mime or "").startswith("image/") or not dot:
        return f"-- string files: \\{prefix}{relative}\n"  # `\/`: not commented out
    dark = relative
    if not stem.endswith("-dark"):
        candidate = f"{stem.replace('.', '/')}-dark.{extension}"
        if (package.root / candidate).is_file():
            dark = candidate
    if variant is not None:
        return f"-- string files: \\{prefix}{dark if variant == 'dark' else relative}\n"
    return f"-- ftd.image-src files:\nlight: {prefix}{relative}\ndark: {prefix}{dark}\n"


def _starts(module_id: str, name: str) -> bool:
    return module_id == name or module_id.startswith(name + "/")
