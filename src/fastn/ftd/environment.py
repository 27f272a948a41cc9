"""Documents of a package on disk: loading modules, caching what was resolved, rendering.

An :class:`Environment` is what the server and the build use. It keeps the interpreter (and
so every parsed module and resolved definition) between renderings and drops it when any
file it read has changed, so edits show on the next request without a restart.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from fastn.ftd import ast
from fastn.ftd.errors import FtdError
from fastn.ftd.interpreter import Interpreter
from fastn.ftd.page import RenderedPage, RequestInfo
from fastn.ftd.render.html import render_page, render_payload


def parse_auto_import(text: str) -> ast.Import:
    """``pkg/module as alias`` (the caption of ``-- fastn.auto-import:``)."""
    module, sep, alias = text.partition(" as ")
    module = module.strip()
    return ast.Import(module, alias.strip() if sep else ast.import_alias(module), [], [], 0)


class Environment:
    """A package's documents: ``doc_id`` is a path without ``.ftd`` (``index``, ``docs/intro``)."""

    def __init__(
        self,
        root: Path,
        package_name: str,
        *,
        auto_imports: Iterable[str] = (),
        dependencies: Mapping[str, Path] | None = None,
    ):
        self.root = Path(root)
        self.package_name = package_name
        self.auto_imports = [parse_auto_import(a) for a in auto_imports]
        self.dependencies = {name: Path(path) for name, path in (dependencies or {}).items()}
        self._files: dict[Path, float] = {}  # every file read -> its mtime when read
        self._interpreter: Interpreter | None = None

    # ------------------------------------------------------------ modules

    def module_path(self, module_id: str) -> Path | None:
        """The file of a module: ``pkg/a/b`` -> ``a/b.ftd`` or ``a/b/index.ftd`` in that package."""
        for name, root in [(self.package_name, self.root), *self.dependencies.items()]:
            if module_id == name:
                rest = "index"
            elif module_id.startswith(name + "/"):
                rest = module_id[len(name) + 1 :]
            else:
                continue
            return _find_ftd(root, rest)
        return _find_ftd(self.root, module_id)

    def _load(self, module_id: str) -> str | None:
        path = self.module_path(module_id)
        if path is None:
            return None
        self._files[path] = path.stat().st_mtime
        text = path.read_text(encoding="utf-8")
        return markdown_document(text) if path.suffix == ".md" else text

    def interpreter(self) -> Interpreter:
        if self._interpreter is None or self._changed():
            self._files = {}
            self._interpreter = Interpreter(self._load, auto_imports=self.auto_imports)
        return self._interpreter

    def _changed(self) -> bool:
        for path, mtime in self._files.items():
            try:
                if path.stat().st_mtime != mtime:
                    return True
            except FileNotFoundError:
                return True
        return False

    # ------------------------------------------------------------ rendering

    def document_id(self, doc_id: str) -> str:
        """Documents are modules of this package: ``index`` -> ``NAME/index``."""
        return f"{self.package_name}/{doc_id}"

    def render_sync(self, doc_id: str, request: RequestInfo | None = None) -> RenderedPage:
        module_id = self.document_id(doc_id)
        if self.module_path(module_id) is None:
            raise FtdError(f"document `{doc_id}` not found", doc_id, 0)
        try:
            doc = self.interpreter().document(module_id)
        except FtdError as e:
            path = self.module_path(e.doc_id) if e.doc_id else None
            if path is not None and e.path is None:
                e.path = os.path.relpath(path)
            raise
        payload = render_payload(doc)
        if payload is not None:
            body, content_type, status = payload
            return RenderedPage(body, content_type, status)
        return RenderedPage(render_page(doc, self._processor_values(doc, request)))

    async def render(self, doc_id: str, request: RequestInfo | None = None) -> RenderedPage:
        # Rendering is CPU work on the event loop (like a template engine); processors that
        # wait on the network will run concurrently before it.
        return self.render_sync(doc_id, request)

    def _processor_values(self, doc: Any, request: RequestInfo | None) -> dict[str, Any]:
        values = {}
        for name, var in doc.variables.items():
            if var.processor:
                raise FtdError(
                    f"processor `{var.processor}` is not available yet", var.doc_id, var.line
                )
            values[name] = None
        return values


def _find_ftd(root: Path, rest: str) -> Path | None:
    """The module's file: `.ftd` first; a Markdown page (`.md`) is a document too."""
    for suffix in (".ftd", ".md"):
        for candidate in (root / f"{rest}{suffix}", root / rest / f"index{suffix}"):
            if candidate.is_file():
                return candidate
    return None


def markdown_document(markdown: str) -> str:
    """A Markdown page as the ftd document showing it: one `ftd.text` whose body is the text.

    Lines the section grammar would read (`-- `, `;;`, a leading `/`) are escaped, so the body
    reaches the markdown renderer exactly as written.
    """
    lines = []
    for line in markdown.split("\n"):
        if "<hl>" not in line:  # such lines are kept verbatim by the grammar
            line = line.replace(";", "\\;")
        stripped = line.lstrip()
        if stripped.startswith(("-- ", "/-- ")):
            line = line[: len(line) - len(stripped)] + "\\" + stripped
        lines.append(line)
    body = "\n".join(lines).strip("\n")
    if body.startswith("/"):
        body = "\\" + body
    return f"-- ftd.text:\n\n{body}\n"


def render_file(path: Path) -> str:
    """Render one ``.ftd`` file (imports resolved next to it) to a whole HTML page."""
    path = Path(path)
    env = Environment(path.parent, path.parent.name or "package")
    return env.render_sync(path.stem).body
