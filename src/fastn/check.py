"""`fastn check`: every document of the package interpreted, every located error reported.

Nothing is rendered and no processor runs (no database or backend is needed): this is about
the text of the package. A document with several broken parts reports each of them: when the
whole document fails, each of its definitions and top-level invocations is tried on its own.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

from fastn.ftd.errors import FtdError
from fastn.ftd.interpreter import Ctx, Interpreter
from fastn.package.config import PACKAGE_FILE, Package, load_package
from fastn.package.documents import environment_for
from fastn.package.routes import DOCUMENT_SUFFIX, Router


def check_package(root: Path) -> tuple[int, list[FtdError], list[FtdError]]:
    """(documents checked, errors, warnings): `FASTN.ftd` and `.env` first, then every `.ftd`
    file. Warnings are what fastn builds but is most likely a mistake (a name defined twice)."""
    try:
        package = load_package(root)
    except FtdError as error:
        return 0, [error], []
    environment = environment_for(package)
    errors: list[FtdError] = []
    warnings: list[FtdError] = list(_sitemap_documents_missing(package))
    seen: set[str] = set()
    documents = list(_documents(package.root))
    for doc_id in documents:
        module_id = environment.document_id(doc_id)
        found: list[FtdError] = []
        for known, new in (
            (errors, document_errors(module_id, environment.new_interpreter, found)),
            (warnings, found),
        ):
            for error in new:
                path = environment.module_path(error.doc_id) if error.doc_id else None
                if error.path is None and path is not None:
                    error.path = os.path.relpath(path)
                # an imported module's problem is met again from every document importing it
                if str(error) not in seen:
                    seen.add(str(error))
                    known.append(error)
    return len(documents), errors, warnings


def document_errors(
    module_id: str,
    interpreter: Callable[[], Interpreter],
    warnings: list[FtdError] | None = None,
) -> list[FtdError]:
    """The located errors of one document; `interpreter` gives a fresh one per attempt, so a
    failed definition cannot spill into the next attempt. `warnings` gets the document's."""
    first = interpreter()
    try:
        first.document(module_id, check_all=True)
    except FtdError as error:
        errors = [error.located(module_id, error.line)]
    else:
        return []
    finally:
        if warnings is not None:
            warnings.extend(first.warnings)
    try:
        module = interpreter().module(module_id)
    except FtdError:
        return errors  # the text does not parse: nothing more can be said
    attempts: list[Callable[[Interpreter], object]] = []
    for name, declaration in module.decls.items():
        attempts.append(
            lambda fresh, name=name, line=declaration.line: fresh.definition(
                f"{module_id}#{name}", line
            )
        )
    for invocation in module.tree:
        attempts.append(
            lambda fresh, invocation=invocation: fresh.node(
                invocation, Ctx(fresh.module(module_id))
            )
        )
    for attempt in attempts:
        try:
            attempt(interpreter())
        except FtdError as error:
            error.located(module_id, error.line)
            if all(str(error) != str(known) for known in errors):
                errors.append(error)
    return sorted(errors, key=lambda error: (error.doc_id != module_id, error.doc_id, error.line))


def _sitemap_documents_missing(package: Package) -> Iterator[FtdError]:
    """Sitemap items whose `document:` names no file: their URL is served as if it had none."""
    if package.sitemap is None:
        return
    router = Router(package)
    for item in package.sitemap.document_items():
        if item.document and router.document_of_file(item.document) is None:
            yield FtdError(
                f"sitemap item {item.id}: `document: {item.document}` is not a document of "
                "the package",
                "FASTN",
                item.line,
                os.path.relpath(package.root / PACKAGE_FILE),
            )


def _documents(root: Path) -> Iterator[str]:
    """Document ids of every `.ftd` file of the package (not FASTN.ftd, not in dot folders)."""
    for path in sorted(root.rglob(f"*{DOCUMENT_SUFFIX}")):
        relative = path.relative_to(root)
        if relative.name == PACKAGE_FILE or any(part.startswith(".") for part in relative.parts):
            continue
        yield relative.with_suffix("").as_posix()
