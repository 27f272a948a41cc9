"""The one place where a package meets the ftd Environment that renders its documents."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from fastn.package.config import PACKAGE_FILE, Package, load_package

if TYPE_CHECKING:
    from fastn.package.environment import Environment


def environment_for(
    package: Package,
    *,
    watch_files: bool = True,
    observe_processor: Callable[[str, float], None] | None = None,
) -> Environment:
    """An Environment for the package: its modules and its dependencies' (`.packages/`).

    `watch_files=False` when the files cannot change while it is used (a build);
    `observe_processor(name, seconds)` is told how long each processor run took.
    """
    from fastn.package.environment import Environment
    from fastn.package.resolver import PackageModules
    from fastn.processors.context import ProcessorSettings

    return Environment(
        package.root,
        package.name,
        modules=PackageModules(package),
        processor_settings=ProcessorSettings.from_package(package, observe_processor),
        watch_files=watch_files,
        favicon=package.favicon,
    )


def find_package_root(folder: Path) -> Path | None:
    """The nearest folder at or above `folder` holding a `FASTN.ftd`, as `fastn serve` finds
    the package it is started in."""
    for candidate in (folder, *folder.parents):
        if (candidate / PACKAGE_FILE).is_file():
            return candidate
    return None


def render_document_file(path: Path) -> str:
    """One `.ftd` file as a whole page: inside a package as `fastn build` renders it (its
    dependencies, auto-imports and processors), outside any package alone, imports next to it."""
    from fastn.ftd.page import RequestInfo
    from fastn.package.environment import render_file
    from fastn.package.routes import document_url

    path = path.resolve()
    root = find_package_root(path.parent)
    if root is None:
        return render_file(path)
    doc_id = path.relative_to(root).with_suffix("").as_posix()
    environment = environment_for(load_package(root), watch_files=False)
    return environment.render_sync(doc_id, RequestInfo(path=document_url(doc_id))).body
