"""How the interpreter reaches modules: the one interface between the language and packages.

The interpreter knows modules only by id. What an `-- import:` line names, which imports a
module gets without writing them, and where a module's text comes from are questions of the
package layout (`fastn.package.resolver` answers them for fastn packages); a plain
:class:`LoaderSource` is enough for a folder of `.ftd` files.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol, runtime_checkable

from fastn.ftd import ast


@runtime_checkable
class ModuleSource(Protocol):
    """What the interpreter asks about modules (every method is called once per module)."""

    def source(self, module_id: str) -> str | None:
        """The text of module `module_id`, or None when there is no such module."""

    def resolve(self, importer: str, written: str) -> str:
        """The id of the module that `-- import: WRITTEN` in module `importer` names."""

    def auto_imports(self, module_id: str) -> Sequence[ast.Import]:
        """Imports module `module_id` gets without writing them."""

    def foreign(self, module_id: str, path: tuple[str, ...]) -> str | None:
        """A name of `module_id` made on demand (`assets.files.a.svg`): the ftd text declaring
        it as a variable, or None when the module has no such name."""


class LoaderSource:
    """Modules from a function of the id; the same auto-imports for every module."""

    def __init__(
        self, loader: Callable[[str], str | None], auto_imports: Sequence[ast.Import] = ()
    ) -> None:
        self.loader = loader
        self.imports = list(auto_imports)

    def source(self, module_id: str) -> str | None:
        return self.loader(module_id)

    def resolve(self, importer: str, written: str) -> str:
        return written

    def auto_imports(self, module_id: str) -> Sequence[ast.Import]:
        if any(module_id == auto.module for auto in self.imports):
            return []
        return self.imports

    def foreign(self, module_id: str, path: tuple[str, ...]) -> str | None:
        return None
