"""The one place where a package meets the ftd Environment that renders its documents."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from fastn.package.config import Package

if TYPE_CHECKING:
    from fastn.ftd.environment import Environment


def environment_for(
    package: Package,
    *,
    watch_files: bool = True,
    observe_processor: Callable[[str, float], None] | None = None,
) -> Environment:
    """An Environment for the package: its auto-imports and its locally present dependencies.

    `watch_files=False` when the files cannot change while it is used (a build);
    `observe_processor(name, seconds)` is told how long each processor run took.
    """
    from fastn.ftd.environment import Environment
    from fastn.processors.context import ProcessorSettings

    return Environment(
        package.root,
        package.name,
        auto_imports=[auto_import.text for auto_import in package.auto_imports],
        dependencies=package.dependency_folders(),
        processor_settings=ProcessorSettings.from_package(package, observe_processor),
        watch_files=watch_files,
        favicon=package.favicon,
    )
