"""The one place where a package meets the ftd Environment that renders its documents."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from fastn.package.config import Package

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
