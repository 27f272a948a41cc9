"""What one processor run sees: its arguments, the request, the package, shared connections."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from fastn.ftd.model import Document, ProcessorCall, VariableDef
from fastn.ftd.page import RequestInfo
from fastn.ftd.render.evaluate import Frame, State, evaluate
from fastn.processors.errors import ProcessorError

if TYPE_CHECKING:
    from fastn.package.config import App, Package
    from fastn.package.sitemap import Sitemap


@dataclass(frozen=True, slots=True)
class ProcessorSettings:
    """What processors need to know of the package: its folder and where its backend is."""

    root: Path
    package_name: str = ""
    endpoint: str | None = None
    proxy_mappings: tuple[tuple[str, str], ...] = ()  # (path prefix, upstream base URL)
    # told (processor name, seconds) after each run: the server's metrics with --ops
    observe: Callable[[str, float], None] | None = None
    # for the sitemap, toc, document and apps processors
    sitemap: Sitemap | None = None
    apps: tuple[App, ...] = ()

    @classmethod
    def from_package(
        cls, package: Package, observe: Callable[[str, float], None] | None = None
    ) -> ProcessorSettings:
        return cls(
            root=package.root,
            package_name=package.name,
            endpoint=package.endpoint,
            proxy_mappings=tuple((m.prefix, m.upstream) for m in package.proxy_mappings),
            observe=observe,
            sitemap=package.sitemap,
            apps=package.apps,
        )


class _Closable(Protocol):
    async def close(self) -> None: ...


Shared = TypeVar("Shared", bound=_Closable)


class Resources:
    """Connections kept between renderings on one event loop (an HTTP session, SQL pools)."""

    def __init__(self) -> None:
        import asyncio  # made on an event loop; not imported at start-up, for builds

        self._objects: dict[str, Any] = {}
        self._lock = asyncio.Lock()

    async def shared(self, key: str, create: Callable[[], Awaitable[Shared]]) -> Shared:
        """The object under `key`, created once (a failed creation is tried again next time)."""
        found = self._objects.get(key)
        if found is None:
            async with self._lock:
                found = self._objects.get(key)
                if found is None:
                    found = self._objects[key] = await create()
        return found

    async def close(self) -> None:
        objects, self._objects = self._objects, {}
        for item in objects.values():
            await item.close()


@dataclass(slots=True)
class Invocation:
    """One processor call: the variable it fills, its evaluated arguments and the request."""

    variable: VariableDef
    call: ProcessorCall
    args: dict[str, Any]  # header -> value
    caption: Any
    doc: Document
    state: State
    request: RequestInfo
    settings: ProcessorSettings
    resources: Resources
    cookies: list[str] = field(default_factory=list)  # Set-Cookie values for the page

    @property
    def short_name(self) -> str:
        return self.variable.name.partition("#")[2] or self.variable.name

    def error(self, message: str, status: int = 500, line: int | None = None) -> ProcessorError:
        """An error located at the declaration (or at `line`, e.g. a header's)."""
        return ProcessorError(message, self.variable.doc_id, line or self.variable.line, status)

    def line_of(self, key: str) -> int:
        return self.call.lines.get(key, self.variable.line)

    def text(self, key: str) -> str | None:
        """Argument `key` as text, None when absent or null."""
        from fastn.processors.mapping import to_string  # with the first processor run

        value = self.args.get(key)
        if value is None:
            return None
        try:
            return to_string(value)
        except ValueError:
            raise self.error(f"`{key}` must be text", line=self.line_of(key)) from None

    def result(
        self,
        data: Any,
        *,
        strict: bool = False,
        status: int = 500,
        missing_status: int = 0,
        on_default: Callable[[], None] | None = None,
    ) -> Any:
        """`data` as a value of the variable's declared kind (located error if it is not one).

        `status` is the page's status when the data does not fit, `missing_status` (if set)
        when only a required field is absent. `on_default` is called whenever a record field
        takes its declared default (a value that may depend on the document).
        """
        from fastn.processors.mapping import Mapper, MappingError

        def default(expression: Any) -> Any:
            if on_default is not None:
                on_default()
            return evaluate(expression, Frame(), self.state)

        mapper = Mapper(self.doc, default, strict)
        try:
            return mapper.value(data, self.variable.kind, self.short_name)
        except MappingError as error:
            code = missing_status if error.missing and missing_status else status
            raise self.error(f"{self.call.name}: {error}", code) from None
