"""Resolve names, check kinds and build the document model (spec §3–§8).

An :class:`Interpreter` owns a module loader and caches every module it parsed and every
definition it resolved, so a package's shared modules are resolved once. Resolution is lazy
and order independent: a definition is resolved the first time something refers to it.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import Any

from fastn.ftd import ast, expr, p1
from fastn.ftd.builtins import default_colors, default_types, ftd_source
from fastn.ftd.errors import FtdError
from fastn.ftd.kinds import PRIMITIVES, SPECIAL, Kind, parse_kind
from fastn.ftd.model import (
    UI,
    Call,
    ComponentDef,
    Cond,
    Document,
    Event,
    ExprValue,
    Field,
    FunctionDef,
    ListExpr,
    Lit,
    LoopSpec,
    Node,
    OrExpr,
    OrTypeDef,
    ProcessorCall,
    RecordDef,
    RecordExpr,
    Ref,
    VariableDef,
    Variant,
)
from fastn.ftd.modules import LoaderSource, ModuleSource
from fastn.ftd.values import OrValue, RecordValue

ModuleLoader = Callable[[str], "str | None"]
"""Returns the source of a module by its id (``pkg/path``), or None when there is none."""

FTD = "ftd"
PROCESSORS = "fastn/processors"  # built in: `-- import: fastn/processors as pr`
_PROCESSOR_MODULES = (PROCESSORS, "fastn")
_PROCESSOR_CONTROL_KEYS = frozenset({"$processor$", "$always-include$"})
_INHERITED_KINDS = {"colors": Kind("ftd#color-scheme"), "types": Kind("ftd#type-data")}
_NUMBER = re.compile(r"-?\d+")
_BUILTIN_STRINGS = {"ftd#empty": "", "ftd#space": " "}
_ALWAYS_RESOLVED = ("ftd#device", "ftd#dark-mode", "ftd#breakpoint-width")


def err(message: str, line: int) -> FtdError:
    return FtdError(message, line=line)


class ModuleNotFound(FtdError):
    """An import names a module that does not exist (said when one of its names is used)."""


@contextmanager
def located_in(module_id: str) -> Iterator[None]:
    """Errors raised while resolving a definition of ``module_id`` point into that module."""
    try:
        yield
    except FtdError as e:
        e.located(module_id, e.line)
        raise


@dataclass(slots=True)
class Module:
    doc_id: str
    aliases: dict[str, str]  # alias -> module id
    exposed: dict[str, str]  # name -> qualified name
    exports: set[str]  # names (or "*") re-exported from imports
    decls: dict[str, ast.Definition]
    tree: list[ast.Invocation]
    updates: list[ast.VariableUpdate]
    imports: list[tuple[str, int]]  # (module id, line of the import)
    origins: dict[str, str] = field(default_factory=dict)  # module id -> auto-import's place
    reexports: list[tuple[str, tuple[str, ...]]] = field(default_factory=list)  # (module, names)
    # what names written in this module resolved to (made as they are used; the module is
    # dropped with its interpreter when a file changes)
    qualified: dict[str, tuple[str, tuple[str, ...]]] = field(default_factory=dict)
    kinds: dict[str, Kind] = field(default_factory=dict)  # kind as written -> kind
    invoked: dict[str, str] = field(default_factory=dict)  # `-- NAME:` -> its component
    # `$name.path` read outside components and loops -> (variable, path, clone)
    globals_read: dict[str, tuple[str, tuple[str, ...], bool]] = field(default_factory=dict)
    # names other modules read in this one: `alias.REST` -> REST's (name, path), and what a
    # name exposed or exported here stands for
    members: dict[str, tuple[str, tuple[str, ...]]] = field(default_factory=dict)
    exported: dict[str, str] = field(default_factory=dict)


@dataclass(slots=True)
class LoopScope:
    alias: str
    index: str | None
    kind: Kind | None  # element kind


@dataclass(slots=True)
class Ctx:
    """Where a value is being resolved: which module, component, loops and record."""

    module: Module
    component: str | None = None  # local name of the component being defined
    args: dict[str, Field] | None = None
    loops: list[LoopScope] = field(default_factory=list)
    record: str | None = None  # record whose field defaults are being resolved
    record_fields: dict[str, Kind] | None = None
    modules: dict[str, str] = field(default_factory=dict)  # module argument -> bound module id

    def with_loop(self, scope: LoopScope) -> Ctx:
        return replace(self, loops=[*self.loops, scope])


_OBJECT = Kind("object")
_NO_HEADERS: list[ast.RawHeader] = []


@dataclass(slots=True)
class _ArgTable:
    """What every invocation of a component reads about its arguments, made once per
    definition (kept on it: a changed file drops the definition, and this with it)."""

    by_name: dict[str, Field]
    caption: Field | None
    body: Field | None
    kw_args: Field | None
    children: Field | None
    required: tuple[Field, ...]  # arguments an invocation must give
    fallbacks: dict[str, Any]  # argument -> its value when no condition holds

    @staticmethod
    def of(comp: ComponentDef) -> _ArgTable:
        by_name: dict[str, Field] = {}
        for a in comp.args:
            by_name.setdefault(a.name, a)  # the first of a name, as `ComponentDef.arg`
        return _ArgTable(
            by_name,
            next((a for a in comp.args if a.kind.caption), None),
            next((a for a in comp.args if a.kind.body), None),
            next((a for a in comp.args if a.kind.name == "kw-args"), None),
            next((a for a in comp.args if a.kind.name == "children"), None),
            tuple(
                a
                for a in comp.args
                if a.default is None
                and not a.kind.optional
                and not a.kind.is_list
                and a.kind.name != "kw-args"
            ),
            {name: _condition_fallback(comp, a) for name, a in by_name.items()},
        )


class _Carried:
    """What documents using a definition carry of what it needs: per table (variables,
    components, functions), the definitions sorted by name."""

    __slots__ = ("dicts",)

    def __init__(self, names: frozenset[str], tables: tuple[dict[str, Any], ...]):
        ordered = sorted(names)
        self.dicts = tuple({k: table[k] for k in ordered if k in table} for table in tables)

    def with_extras(
        self, extras: set[str], tables: tuple[dict[str, Any], ...]
    ) -> tuple[dict[str, Any], ...]:
        """The dicts with `extras` (names not in them) in their sorted places."""
        result = []
        for base, table in zip(self.dicts, tables, strict=True):
            mine = [name for name in extras if name in table]
            if not mine:
                result.append(base.copy())
                continue
            keys, items = list(base), list(base.items())
            for name in sorted(mine):
                at = bisect_left(keys, name)
                keys.insert(at, name)
                items.insert(at, (name, table[name]))
            result.append(dict(items))
        return tuple(result)


class _AllOrNothing:
    """:meth:`Interpreter.all_or_nothing` (a class: it runs for every document)."""

    __slots__ = ("interpreter", "sizes")

    def __init__(self, interpreter: Interpreter):
        self.interpreter = interpreter
        self.sizes: list[int] = []

    def _tables(self) -> tuple[dict[str, Any], ...]:
        i = self.interpreter
        return (i.records, i.or_types, i.components, i.functions, i.variables, i._depends)

    def __enter__(self) -> None:
        self.sizes = [len(table) for table in self._tables()]

    def __exit__(self, kind: type[BaseException] | None, *_: object) -> None:
        if kind is None:
            return
        for table, size in zip(self._tables(), self.sizes, strict=True):
            for added in list(table)[size:]:  # dicts keep insertion order
                del table[added]
        self.interpreter._resolving.clear()
        self.interpreter._closures.clear()
        self.interpreter._carried.clear()


class Interpreter:
    """Turns documents into :class:`Document` models, caching modules and definitions."""

    def __init__(
        self,
        loader: ModuleLoader | ModuleSource,
        missing_module_is_empty: bool = False,
        auto_imports: list[ast.Import] | None = None,
    ):
        self.source = (
            loader if isinstance(loader, ModuleSource) else LoaderSource(loader, auto_imports or [])
        )
        self.missing_module_is_empty = missing_module_is_empty
        self.modules: dict[str, Module] = {}
        self.records: dict[str, RecordDef] = {}
        self.or_types: dict[str, OrTypeDef] = {}
        self.components: dict[str, ComponentDef] = {}
        self.functions: dict[str, FunctionDef] = {}
        self.variables: dict[str, VariableDef] = {}
        self._resolving: set[str] = set()
        # what fastn accepts but is most likely a mistake (`fastn check` shows them)
        self.warnings: list[FtdError] = []
        # What each definition (variable, component, function) asked for while it was being
        # resolved, so that a document can carry just what it needs: the interpreter is
        # shared by every document of a package.
        self._uses: list[set[str]] = []  # one set per definition being resolved, innermost last
        self._depends: dict[str, frozenset[str]] = {}
        # a definition -> everything it needs, itself included (made when first asked for)
        self._closures: dict[str, frozenset[str]] = {}
        # a definition -> what a document using it carries of its closure
        self._carried: dict[str, _Carried] = {}
        self._special_kinds: dict[str, Kind] = {}  # `caption string`... as written -> kind

    # ------------------------------------------------------------ modules

    def module(self, doc_id: str, line: int = 0, importer: Module | None = None) -> Module:
        """Module `doc_id`, read the first time one of its names is used (as fastn does, an
        import nothing uses is never read, so it may name a module that does not exist)."""
        cached = self.modules.get(doc_id)
        if cached is not None:
            return cached
        source = ftd_source() if doc_id == FTD else self.source.source(doc_id)
        if source is None and doc_id == PROCESSORS:
            from fastn.processors import records_source  # the records processors fill

            source = records_source()
        if source is None:
            if not self.missing_module_is_empty:
                origin = importer.origins.get(doc_id) if importer is not None else None
                where = f" (auto-imported at {origin})" if origin else ""
                raise ModuleNotFound(f"module `{doc_id}` not found{where}", line=line)
            source = ""
        module = self._build_module(doc_id, source)
        self.modules[doc_id] = module
        return module

    def _build_module(self, doc_id: str, source: str) -> Module:
        statements = ast.parse_document(source, doc_id)
        module = Module(doc_id, {FTD: FTD}, {}, set(), {}, [], [], [])
        auto = [] if doc_id == FTD else self.source.auto_imports(doc_id)
        for st in [*auto, *statements]:
            if isinstance(st, ast.Import):
                imported = self.source.resolve(doc_id, st.module)
                module.aliases[st.alias] = imported
                module.imports.append((imported, st.line))
                if st.origin is not None:
                    module.origins[imported] = st.origin
                for name in st.exposing:
                    if name != "*":
                        module.exposed[name] = f"{imported}#{name}"
                module.exports.update(st.export)
                if st.export:
                    module.reexports.append((imported, tuple(st.export)))
            elif isinstance(st, ast.Invocation):
                module.tree.append(st)
            elif isinstance(st, ast.VariableUpdate):
                module.updates.append(st)
            elif st.name in module.decls:  # as in fastn, the first definition is the one used
                first = module.decls[st.name].line
                self.warn(f"`{st.name}` is defined twice (line {first} is used)", st.line, doc_id)
            else:
                module.decls[st.name] = st
        return module

    def warn(self, message: str, line: int, doc_id: str) -> None:
        """Note a mistake that fastn builds anyway."""
        self.warnings.append(FtdError(message, doc_id, line))

    # ------------------------------------------------------------ document

    def document(self, doc_id: str, check_all: bool = False) -> Document:
        """The model of document ``doc_id``; ``check_all`` also resolves unused definitions.

        It holds the variables, components and functions this document uses, directly or
        through others, and no definition that only other documents use.
        """
        module = self.module(doc_id)
        ctx = Ctx(module)
        tree = []
        used: set[str] = set()
        self._uses.append(used)
        try:
            for inv in module.tree:
                tree.append(self.node(inv, ctx))
            updates = [self._update(u, ctx) for u in module.updates]
            for name in _ALWAYS_RESOLVED:  # the renderer reads these whatever is used
                self.variable(name, 0)
            for name, decl in module.decls.items():  # they run even when nothing reads them
                if isinstance(decl, ast.VariableDecl) and decl.processor:
                    self.variable(f"{doc_id}#{name}", decl.line)
            for name, decl in module.decls.items() if check_all else ():
                self.definition(f"{doc_id}#{name}", decl.line)
        except FtdError as e:
            e.located(doc_id, e.line)
            raise
        finally:
            self._uses.pop()
        variables, components, functions = self._carry(used)
        return Document(
            doc_id=doc_id,
            tree=tree,
            variables=variables,
            components=components,
            functions=functions,
            records=self.records,
            or_types=self.or_types,
            updates=updates,
        )

    def _used(self, qualified: str) -> None:
        """Note that what is being resolved (a definition, a document) needs `qualified`."""
        if self._uses:
            self._uses[-1].add(qualified)

    @contextmanager
    def _collecting(self, qualified: str | None) -> Iterator[set[str]]:
        """Resolve `qualified` noting what it needs (kept when it resolves)."""
        used: set[str] = set()
        self._uses.append(used)
        try:
            yield used
        finally:
            self._uses.pop()
        if qualified is not None:
            self._depends[qualified] = frozenset(used)

    def all_or_nothing(self) -> _AllOrNothing:
        """Resolve inside; on an error, forget every definition resolved inside, so that a
        failed document leaves nothing half-resolved for the next ones (a definition resolved
        alongside a failing one may hold a reference to it)."""
        return _AllOrNothing(self)

    @contextmanager
    def extending(self, doc: Document) -> Iterator[Document]:
        """Resolve more for `doc` (what its processors read): inside, a view of `doc` with every
        definition resolved so far; what is used inside joins `doc` at the end."""
        everything = replace(
            doc, variables=self.variables, components=self.components, functions=self.functions
        )
        with self.all_or_nothing(), self._collecting(None) as used:
            yield everything
        for name in self._closure(used):
            for have, mine in (
                (self.variables, doc.variables),
                (self.components, doc.components),
                (self.functions, doc.functions),
            ):
                if name in have:
                    mine[name] = have[name]

    def _closure(self, used: set[str]) -> set[str]:
        needed: set[str] = set()
        for name in used:
            if name not in needed:
                known = self._closures.get(name)
                needed |= self._closure_of(name) if known is None else known
        return needed

    def _carry(
        self, used: set[str]
    ) -> tuple[dict[str, VariableDef], dict[str, ComponentDef], dict[str, FunctionDef]]:
        """The variables, components and functions a document using `used` carries, each
        sorted by name: the page must not depend on the order documents resolved things in.

        Most of it is usually what one definition needs (the page's layout component): that
        part is sorted once, and the rest of the document's needs are put in their places."""
        closures = self._closures
        base_name, base = None, frozenset[str]()
        for name in used:
            known = closures.get(name)
            if known is not None and len(known) > len(base):
                base_name, base = name, known
        tables = (self.variables, self.components, self.functions)
        if base_name is None:
            ordered = sorted(self._closure(used))
            return tuple(  # type: ignore[return-value]
                {name: table[name] for name in ordered if name in table} for table in tables
            )
        extras: set[str] = set()
        for name in used:
            if name not in base:  # else what it needs is in the base already
                known = closures.get(name)
                extras |= self._closure_of(name) if known is None else known
        extras -= base
        carried = self._carried.get(base_name)
        if carried is None:
            carried = self._carried[base_name] = _Carried(base, tables)
        return carried.with_extras(extras, tables)  # type: ignore[return-value]

    def _closure_of(self, name: str) -> set[str] | frozenset[str]:
        """`name` and the variables, components and functions it needs, directly or not; kept
        once all of it is resolved (until then what it needs may still grow)."""
        needed: set[str] = set()
        pending = [name]
        depends, closures, variables = self._depends, self._closures, self.variables
        others: list[str] = []  # what is not carried (records, or-types) or not resolved
        settled = True
        while pending:
            item = pending.pop()
            if item in needed:
                continue
            known = closures.get(item)
            if known is not None:  # settled, and only what a document carries
                needed |= known
                continue
            needed.add(item)
            deps = depends.get(item)
            if deps is not None:
                pending.extend(deps)
            elif item not in variables:  # (built-in variables need nothing)
                settled = False
            if not (item in variables or item in self.components or item in self.functions):
                others.append(item)
        if settled:  # kept: what a document carries of it (records and or-types go whole)
            closures[name] = frozenset(needed.difference(others) if others else needed)
        return needed

    def _update(self, update: ast.VariableUpdate, ctx: Ctx) -> tuple[str, tuple[str, ...], Any]:
        if update.processor:
            raise err(
                "a processor cannot update a variable; declare a new variable with it",
                update.line,
            )
        name, path = self.qualify(update.name, ctx.module, update.line)
        var = self.variable(name, update.line)
        if not var.mutable:
            raise err(
                f"cannot update `{update.name}`: it is not mutable (declare it with `$`)",
                update.line,
            )
        kind = self.kind_at(var.kind, path, update.line) or var.kind
        return name, path, self.convert(update.value, kind, ctx)

    # ------------------------------------------------------------ names

    def qualify(self, written: str, module: Module, line: int) -> tuple[str, tuple[str, ...]]:
        """``lib.person.name`` -> (``lib-module#person``, ("name",)) following imports/exports."""
        known = module.qualified.get(written)
        if known is None:
            # what a module's names stand for does not change while the module lives
            known = module.qualified[written] = self._qualify(written, module, line)
        return known

    def _qualify(self, written: str, module: Module, line: int) -> tuple[str, tuple[str, ...]]:
        if "#" in written:
            head, _, rest = written.partition("#")
            thing, *path = rest.split(".")
            return self._follow_exports(head, thing, line), tuple(path)
        parts = written.split(".")
        head = parts[0]
        if head in module.decls:
            return f"{module.doc_id}#{head}", tuple(parts[1:])
        if head in module.exposed:
            target_module, _, thing = module.exposed[head].partition("#")
            return self._follow_exports(target_module, thing, line), tuple(parts[1:])
        if head in module.aliases and len(parts) > 1:
            imported = self.module(module.aliases[head], line, module)
            rest = written[len(head) + 1 :]
            known = imported.members.get(rest)
            if known is None:
                known = imported.members[rest] = self._member(imported, parts, line)
            return known
        if module.doc_id == FTD:
            return f"{FTD}#{head}", tuple(parts[1:])
        raise err(f"unknown name `{written}`", line)

    def _member(self, imported: Module, parts: list[str], line: int) -> tuple[str, tuple[str, ...]]:
        """``alias.thing.path`` (``parts``) when ``alias`` stands for module ``imported``."""
        if parts[1] not in imported.decls:
            foreign = self._foreign(imported, tuple(parts[1:]))
            if foreign is not None:
                return foreign, ()
        return self._follow_exports(imported.doc_id, parts[1], line), tuple(parts[2:])

    def _foreign(self, module: Module, path: tuple[str, ...]) -> str | None:
        """A name the module source makes on demand (`assets.files.logo.svg`), declared in
        `module` under its whole dotted path the first time it is used."""
        name = ".".join(path)
        if name not in module.decls:
            text = self.source.foreign(module.doc_id, path)
            if text is None:
                return None
            (decl,) = ast.parse_document(text, module.doc_id)
            decl.name = name
            module.decls[name] = decl
        return f"{module.doc_id}#{name}"

    def _follow_exports(
        self, module_id: str, thing: str, line: int, seen: frozenset[tuple[str, str]] = frozenset()
    ) -> str:
        if not seen:  # where a name leads does not change while its module lives
            module = self.module(module_id, line)
            known = module.exported.get(thing)
            if known is None:
                known = module.exported[thing] = self._follow(module_id, thing, line, seen)
            return known
        return self._follow(module_id, thing, line, seen)

    def _follow(
        self, module_id: str, thing: str, line: int, seen: frozenset[tuple[str, str]]
    ) -> str:
        if (module_id, thing) in seen:  # `exposing`/`export` lead back where they started
            raise err(f"`{thing}` is exposed or exported in a cycle through `{module_id}`", line)
        seen = seen | {(module_id, thing)}
        module = self.module(module_id, line)
        if thing in module.decls or module_id == FTD:
            return f"{module_id}#{thing}"
        if thing in module.exposed:
            target, _, name = module.exposed[thing].partition("#")
            return self._follow_exports(target, name, line, seen)
        if module.exports:
            # `export:` belongs to its import (one alias, often `_`, may serve several)
            for imported, names in module.reexports:
                if "*" in names or thing in names:
                    try:
                        other = self.module(imported, line, module)
                    except ModuleNotFound:
                        continue  # an import nothing else uses may name no module
                    if thing in other.decls or thing in other.exposed or other.exports:
                        try:
                            return self._follow_exports(imported, thing, line, seen)
                        except FtdError:
                            continue
        raise err(f"`{thing}` not found in module `{module_id}`", line)

    def definition(self, qualified: str, line: int) -> Any:
        module_id, _, name = qualified.partition("#")
        decl = self.module(module_id, line).decls.get(name)
        if decl is None:
            raise err(f"unknown name `{qualified.replace('#', '.')}`", line)
        if isinstance(decl, ast.RecordDecl):
            return self.record(qualified, line)
        if isinstance(decl, ast.OrTypeDecl):
            return self.or_type(qualified, line)
        if isinstance(decl, ast.ComponentDecl | ast.WebComponentDecl):
            return self.component(qualified, line)
        if isinstance(decl, ast.FunctionDecl):
            return self.function(qualified, line)
        return self.variable(qualified, line)

    def _decl(self, qualified: str, kind: type, what: str, line: int) -> tuple[Module, Any]:
        module_id, _, name = qualified.partition("#")
        module = self.module(module_id, line)
        decl = module.decls.get(name)
        if not isinstance(decl, kind):
            raise err(f"unknown {what} `{_display(qualified)}`", line)
        return module, decl

    def _guard(self, qualified: str, line: int) -> None:
        if qualified in self._resolving:
            raise err(f"`{_display(qualified)}` refers to itself", line)
        self._resolving.add(qualified)

    # ------------------------------------------------------------ kinds

    def kind(self, text: str, module: Module, line: int) -> Kind:
        known = module.kinds.get(text) or self._special_kinds.get(text)
        if known is not None:
            return known
        try:
            spec = parse_kind(text)
        except ValueError as e:
            raise err(str(e), line) from None
        base = spec.base
        variant = None
        is_list = spec.is_list
        of_a_variable = False
        if base in SPECIAL:
            name = "kw-args" if base == "kwargs" else base
        else:
            qualified, path = self.qualify(base, module, line)
            name = qualified
            is_type = qualified in self.records or qualified in self.or_types
            decl = None if is_type else self._decl_of(qualified, line)
            if isinstance(decl, ast.VariableDecl) and not path:
                # as in fastn, a variable's name stands for its kind (`user u:`, `-- status user:`)
                of_variable = self.variable(qualified, line).kind
                name, variant = of_variable.name, of_variable.variant
                is_list = is_list or of_variable.is_list
                of_a_variable = True
            elif decl is not None and not isinstance(decl, ast.RecordDecl | ast.OrTypeDecl):
                raise err(f"`{base}` is not a type", line)
            elif path:
                variant = ".".join(path)
        kind = Kind(name, is_list, spec.optional, spec.caption, spec.body, spec.constant, variant)
        if base in SPECIAL:  # the same in every module
            self._special_kinds[text] = kind
        elif not of_a_variable:  # reading a variable's kind notes the variable as used
            module.kinds[text] = kind
        return kind

    def _decl_of(self, qualified: str, line: int) -> Any:
        module_id, _, name = qualified.partition("#")
        decl = self.module(module_id, line).decls.get(name)
        if decl is None:
            raise err(f"unknown type `{_display(qualified)}`", line)
        return decl

    def kind_at(self, kind: Kind | None, path: tuple[str, ...], line: int) -> Kind | None:
        """The kind of ``value.path`` when ``value`` has ``kind`` (None when unknown)."""
        for segment in path:
            if kind is None:
                return None
            if kind.is_list:
                if not _NUMBER.fullmatch(segment):
                    raise err(f"list index expected, found `{segment}`", line)
                kind = kind.element
                continue
            if kind.name in PRIMITIVES:
                raise err(f"`{segment}`: a {kind.name} has no fields", line)
            if kind.name in SPECIAL:
                return None
            if self._is_record(kind.name, line):
                rec = self.record(kind.name, line)
                f = next((f for f in rec.fields if f.name == segment), None)
                if f is None:
                    raise err(f"record `{_display(kind.name)}` has no field `{segment}`", line)
                kind = f.kind
            else:
                return None
        return kind

    def _is_record(self, name: str, line: int) -> bool:
        if name in self.records:
            return True
        if name in self.or_types or "#" not in name:
            return False
        return isinstance(self._decl_of(name, line), ast.RecordDecl)

    def _is_or_type(self, name: str, line: int) -> bool:
        if name in self.or_types:
            return True
        if name in self.records or "#" not in name:
            return False
        return isinstance(self._decl_of(name, line), ast.OrTypeDecl)

    # ------------------------------------------------------------ definitions

    def record(self, qualified: str, line: int) -> RecordDef:
        if self._uses:  # `_used`, inlined: this runs for every name read
            self._uses[-1].add(qualified)
        cached = self.records.get(qualified)
        if cached is not None:
            return cached
        module, decl = self._decl(qualified, ast.RecordDecl, "record", line)
        with located_in(module.doc_id), self._collecting(qualified):
            return self._resolve_record(qualified, module, decl)

    def _resolve_record(self, qualified: str, module: Module, decl: Any) -> Any:
        line = decl.line
        self._guard(qualified, line)
        rec = RecordDef(qualified, [])
        self.records[qualified] = rec  # fields may refer to the record itself (recursion)
        try:
            kinds: dict[str, Kind] = {}
            fields = []
            for f in decl.fields:
                if f.mutable:
                    raise err(f"mutable field `{f.name}` is not supported in records", f.line)
                kind = self.kind(f.kind, module, f.line)
                kinds[f.name] = kind
                fields.append(Field(f.name, kind, False, None, f.line))
            rec.fields = fields
            ctx = Ctx(module, record=decl.name, record_fields=kinds)
            for f, fd in zip(fields, decl.fields, strict=True):
                if fd.default is not None:
                    f.default = self.convert(fd.default, f.kind, ctx)
        except BaseException:
            del self.records[qualified]
            raise
        finally:
            self._resolving.discard(qualified)
        return rec

    def or_type(self, qualified: str, line: int) -> OrTypeDef:
        self._used(qualified)
        cached = self.or_types.get(qualified)
        if cached is not None:
            return cached
        module, decl = self._decl(qualified, ast.OrTypeDecl, "or-type", line)
        with located_in(module.doc_id), self._collecting(qualified):
            return self._resolve_or_type(qualified, module, decl)

    def _resolve_or_type(self, qualified: str, module: Module, decl: Any) -> Any:
        ot = OrTypeDef(qualified, {})
        self.or_types[qualified] = ot
        try:
            for v in decl.variants:
                if v.kind is None:
                    fields = [
                        Field(f.name, self.kind(f.kind, module, f.line), False, None, f.line)
                        for f in v.fields
                    ]
                    ot.variants[v.name] = Variant(v.name, None, False, None, fields)
                    continue
                kind = self.kind(v.kind, module, v.line)
                value = None
                if v.constant:
                    if v.value is None:
                        raise err(f"constant variant `{v.name}` needs a value", v.line)
                    value = self.static_value(self.convert(v.value, kind, Ctx(module)))
                elif v.value is not None:
                    value = self.static_value(self.convert(v.value, kind, Ctx(module)))
                ot.variants[v.name] = Variant(
                    v.name, kind, v.constant or v.value is not None, value
                )
        except BaseException:
            del self.or_types[qualified]
            raise
        return ot

    def variable(self, qualified: str, line: int) -> VariableDef:
        if self._uses:  # `_used`, inlined: this runs for every name read
            self._uses[-1].add(qualified)
        cached = self.variables.get(qualified)
        if cached is not None:
            return cached
        if qualified in _BUILTIN_STRINGS:
            return self._builtin_variable(qualified, "string", _BUILTIN_STRINGS[qualified])
        if qualified == "ftd#default-colors":
            return self._builtin_variable(qualified, "ftd#color-scheme", default_colors())
        if qualified == "ftd#default-types":
            return self._builtin_variable(qualified, "ftd#type-data", default_types())
        module, decl = self._decl(qualified, ast.VariableDecl, "variable", line)
        used: set[str] = set()  # as `located_in` and `_collecting`, without their cost
        self._uses.append(used)
        try:
            var = self._resolve_variable(qualified, module, decl)
        except FtdError as e:
            e.located(module.doc_id, e.line)
            raise
        finally:
            self._uses.pop()
        self._depends[qualified] = frozenset(used)
        return var

    def _resolve_variable(self, qualified: str, module: Module, decl: Any) -> Any:
        line = decl.line
        self._guard(qualified, line)
        try:
            kind = self.kind(decl.kind, module, decl.line)
            ctx = Ctx(module)
            call = None
            if decl.processor:
                value: Any = Lit(None)
                call = self._processor_call(decl.processor, decl.section, ctx)
            else:
                value = self.convert(decl.value, kind, ctx, definition=True)
                if (
                    isinstance(value, Lit)
                    and value.value is None
                    and not kind.optional
                    and not kind.is_list
                ):
                    # fastn builds it (`-- string url: /` is a commented-out value)
                    self.warn(f"variable `{decl.name}` has no value", decl.line, module.doc_id)
            var = VariableDef(
                qualified, kind, decl.mutable, value, decl.processor, decl.line, module.doc_id
            )
            var.section = decl.section
            var.call = call
            self.variables[qualified] = var
        finally:
            self._resolving.discard(qualified)
        return var

    def _processor_call(self, written: str, section: p1.Section, ctx: Ctx) -> ProcessorCall:
        """The processor's name and its arguments (headers, caption) as value expressions."""
        alias, dot, name = written.partition(".")
        # fastn dispatches on the name alone: `pr.sitemap` and `fastn.sitemap` are one
        if not (dot and ctx.module.aliases.get(alias, alias) in _PROCESSOR_MODULES):
            name = written
        args: dict[str, Any] = {}
        lines: dict[str, int] = {}
        untyped: set[str] = set()
        for header in section.headers:
            if header.key in _PROCESSOR_CONTROL_KEYS:
                continue
            if header.key in args:
                raise err(f"Multiple header found `{header.key}`", header.line_number)
            value = args[header.key] = self._processor_argument(header, ctx)
            lines[header.key] = header.line_number
            if not header.kind and isinstance(value, Lit) and isinstance(value.value, str):
                untyped.add(header.key)
        caption = section.caption
        return ProcessorCall(
            name=name,
            args=args,
            lines=lines,
            untyped=frozenset(untyped),
            caption=None if caption is None else self._processor_argument(caption, ctx),
            body=section.body.value if section.body else None,
            body_line=section.body.line_number if section.body else section.line_number,
        )

    def _processor_argument(self, header: p1.Header, ctx: Ctx) -> Any:
        line = header.line_number
        if not isinstance(header, p1.KV):
            raise err(f"processor argument `{header.key}` must be a single value", line)
        raw = ast.raw_from_header(header)
        if header.kind:
            return self.convert(raw, self.kind(header.kind, ctx.module, line), ctx)
        if isinstance(raw, ast.RawNull):
            return Lit(None)
        if raw.text.startswith(("$", "*$")) and len(raw.text) > 1:
            return self.reference(raw.text, ctx, line)[0]
        return Lit(raw.text)  # untyped: the processor decides what the text means

    def reference_in(self, module_id: str, text: str, line: int) -> Any:
        """``$name`` resolved as module ``module_id`` sees it (a processor's implicit argument)."""
        with located_in(module_id):
            return self.reference(text, Ctx(self.module(module_id, line)), line)[0]

    def _builtin_variable(self, qualified: str, kind: str, value: Any) -> VariableDef:
        var = VariableDef(qualified, Kind(kind), True, Lit(value), doc_id=FTD)
        self.variables[qualified] = var
        return var

    def component(self, qualified: str, line: int) -> ComponentDef:
        if self._uses:  # `_used`, inlined: this runs for every name read
            self._uses[-1].add(qualified)
        cached = self.components.get(qualified)
        if cached is not None:
            return cached
        module_id, _, name = qualified.partition("#")
        module = self.module(module_id, line)
        decl = module.decls.get(name)
        if not isinstance(decl, ast.ComponentDecl | ast.WebComponentDecl):
            raise err(f"unknown component `{_display(qualified)}`", line)
        with located_in(module_id), self._collecting(qualified):
            return self._resolve_component(qualified, module, decl)

    def _resolve_component(
        self, qualified: str, module: Module, decl: Any, modules: dict[str, str] | None = None
    ) -> ComponentDef:
        module_id, name = module.doc_id, decl.name
        comp = ComponentDef(qualified, [], None)
        self.components[qualified] = comp  # recursion: a component may invoke itself
        try:
            declared = self._first_of_each(decl.args, module_id)
            comp.args = [
                Field(a.name, self.kind(a.kind, module, a.line), a.mutable, None, a.line)
                for a in declared
            ]
            bound = self._bind_modules(comp.args, declared, module, modules or {})
            ctx = Ctx(module, component=name, args={a.name: a for a in comp.args}, modules=bound)
            for a, ad in zip(comp.args, declared, strict=True):
                if ad.default is not None and a.name not in bound:
                    a.default = self.convert(ad.default, a.kind, ctx, definition=True)
            if isinstance(decl, ast.WebComponentDecl):
                comp.web_js = [self._static_text(j, ctx, decl.line) for j in decl.js]
            else:
                comp.css = [self._static_text(c, ctx, decl.line) for c in decl.css]
                if decl.body is not None:
                    comp.body = self.node(decl.body, ctx)
                elif module_id != FTD:
                    raise err(f"component `{name}` has no body", decl.line)
        except BaseException:
            del self.components[qualified]
            raise
        comp.lookup = _ArgTable.of(comp)  # resolved: its arguments no longer change
        return comp

    def _first_of_each(self, args: list[ast.FieldDecl], module_id: str) -> list[ast.FieldDecl]:
        """Arguments by name: as in fastn, the first of two with one name is the one used."""
        first: dict[str, ast.FieldDecl] = {}
        for arg in args:
            if arg.name in first:
                message = (
                    f"argument `{arg.name}` is declared twice (line {first[arg.name].line} is used)"
                )
                self.warn(message, arg.line, module_id)
            else:
                first[arg.name] = arg
        return list(first.values())

    def _bind_modules(
        self, args: list[Field], decls: list[ast.FieldDecl], module: Module, given: dict[str, str]
    ) -> dict[str, str]:
        """Module argument -> module id: as ``given``, else the default (spec §5.8).

        The bound module becomes the argument's default, so the model carries it as a constant.
        """
        bound: dict[str, str] = {}
        for a, ad in zip(args, decls, strict=True):
            if a.kind.name != "module":
                continue
            if ad.default is None:
                raise err(f"module argument `{a.name}` needs a default module", a.line)
            default = self._module_value(ad.default, Ctx(module), a.line)
            bound[a.name] = given.get(a.name, default)
            a.default = Lit(bound[a.name])
        return bound

    def _module_value(self, raw: ast.Raw, ctx: Ctx, line: int) -> str:
        """The module id a module argument is given: an import alias, a module name, or
        ``$comp.m`` (a module argument of the component being defined)."""
        if not isinstance(raw, ast.RawText):
            raise err("a module argument takes a module name", line)
        text = raw.text
        if text.startswith("$"):
            head, _, arg = text[1:].partition(".")
            if head == ctx.component and arg in ctx.modules:
                return ctx.modules[arg]
            raise err(f"`{text}` is not a module argument", line)
        module_id = ctx.module.aliases.get(text, text)
        self.module(module_id, line)
        return module_id

    def _specialised(self, comp: ComponentDef, modules: dict[str, str], line: int) -> ComponentDef:
        """``comp`` with module arguments bound to other modules than its defaults.

        Modules cannot change at runtime, so each distinct binding is resolved once as its own
        definition, named ``comp[arg=module, …]``, whose ``arg.X`` names point into the module.
        """
        if not modules:
            return comp
        defaults = {a.name: a.default.value for a in comp.args if a.kind.name == "module"}
        bound = {**defaults, **modules}
        if bound == defaults:
            return comp
        derived = f"{comp.name}[{', '.join(f'{k}={v}' for k, v in sorted(bound.items()))}]"
        self._used(derived)
        cached = self.components.get(derived)
        if cached is not None:
            return cached
        module_id, _, name = comp.name.partition("#")
        module = self.module(module_id, line)
        with located_in(module_id), self._collecting(derived):
            return self._resolve_component(derived, module, module.decls[name], bound)

    def _static_text(self, text: str, ctx: Ctx, line: int) -> str:
        value = self.convert(ast.RawText(text, line), Kind("string"), ctx)
        if isinstance(value, Ref) and value.scope == "global" and not value.path:
            value = self.variables[value.name].value
        value = self.static_value(value, line)
        return "" if value is None else str(value)

    def function(self, qualified: str, line: int) -> FunctionDef:
        self._used(qualified)
        cached = self.functions.get(qualified)
        if cached is not None:
            return cached
        module, decl = self._decl(qualified, ast.FunctionDecl, "function", line)
        with located_in(module.doc_id), self._collecting(qualified):
            return self._resolve_function(qualified, module, decl)

    def _resolve_function(self, qualified: str, module: Module, decl: Any) -> Any:
        params = [
            Field(p.name, self.kind(p.kind, module, p.line), p.mutable, None, p.line)
            for p in decl.params
        ]
        ctx = Ctx(module)
        for p, pd in zip(params, decl.params, strict=True):
            if pd.default is not None:
                p.default = self.convert(pd.default, p.kind, ctx)
        return_kind = self.kind(decl.return_kind, module, decl.line)
        body: Any = None
        if decl.js or return_kind.name == "template":
            pass  # JavaScript runs in the browser; templates are interpolated when called
        else:
            try:
                body = expr.parse_program(decl.body)
            except expr.ExprError as e:
                raise err(f"function `{decl.name}`: {e}", decl.body_line) from None
        fn = FunctionDef(qualified, return_kind, params, body, decl.body, decl.js)
        self.functions[qualified] = fn
        if body is not None:
            self._resolve_globals_read(body, module, {p.name for p in params})
        return fn

    def _resolve_globals_read(self, body: expr.Node, module: Module, params: set[str]) -> None:
        """Resolve the module variables a function body reads (`$x`, `ftd.x`) as what the
        function needs, so a document using it carries them: the body names them only when it
        runs, in the browser too."""
        for name in set(body.reads()):
            head, _, rest = name.partition(".")
            if head in params:
                continue
            owner, short = (
                (self.module(FTD), rest.partition(".")[0]) if head == FTD else (module, head)
            )
            decl = owner.decls.get(short)
            if isinstance(decl, ast.VariableDecl):  # else a local of the body or a built-in
                self.variable(f"{owner.doc_id}#{short}", decl.line)

    # ------------------------------------------------------------ tree

    def node(self, inv: ast.Invocation, ctx: Ctx) -> Node:
        loop = None
        if inv.loop is not None:
            items, items_kind = self.reference(inv.loop.list_ref, ctx, inv.loop.line)
            if items_kind is not None and not items_kind.is_list:
                raise err(f"`{inv.loop.list_ref}` is not a list", inv.loop.line)
            loop = LoopSpec(inv.loop.alias, inv.loop.index, items)
            ctx = ctx.with_loop(
                LoopScope(
                    inv.loop.alias, inv.loop.index, items_kind.element if items_kind else None
                )
            )
        condition = (
            self.condition(inv.condition, ctx, inv.condition_line) if inv.condition else None
        )
        target = self._invoked(inv, ctx)
        if isinstance(target, ComponentDef):
            props, modules = self._arguments(inv, target, ctx)
            if modules:
                target = self._specialised(target, modules, inv.line)
            component, ui = target.name, None
        else:
            if inv.properties or inv.children:
                raise err(f"`{inv.name}` is a UI value; it takes no headers or children", inv.line)
            props, component, ui = {}, None, target
        events = [self._event(e, ctx) for e in inv.events] if inv.events else []
        return Node(component, props, events, condition, loop, inv.line, ctx.module.doc_id, ui)

    def _invoked(self, inv: ast.Invocation, ctx: Ctx) -> ComponentDef | Any:
        """What ``-- NAME:`` invokes: a component, or an ``ftd.ui`` value (``-- uis.0:``)."""
        name = self._module_member(inv.name, ctx) if ctx.modules else inv.name
        if name == inv.name and (ctx.loops or ctx.component is not None):
            head = name.split(".", 1)[0]
            if any(loop.alias == head for loop in ctx.loops) or (
                # `-- c.uis.0:` in component c; `-- c:` alone is c calling itself
                head == ctx.component and name != head
            ):
                value, _ = self.reference("$" + name, ctx, inv.line)
                return value
        qualified = ctx.module.invoked.get(name)
        if qualified is not None:
            return self.component(qualified, inv.line)
        try:
            qualified, path = self.qualify(name, ctx.module, inv.line)
        except ModuleNotFound:
            raise
        except FtdError:
            raise err(f"unknown component `{name}`", inv.line) from None
        module_id, _, thing = qualified.partition("#")
        decl = (self.modules.get(module_id) or self.module(module_id, inv.line)).decls.get(thing)
        if isinstance(decl, ast.ComponentDecl | ast.WebComponentDecl) and not path:
            component = self.component(qualified, inv.line)
            ctx.module.invoked[name] = qualified
            return component
        if isinstance(decl, ast.VariableDecl):
            value, _ = self.reference("$" + name, ctx, inv.line)
            return value
        raise err(f"unknown component `{name}`", inv.line)

    def _arguments(
        self, inv: ast.Invocation, comp: ComponentDef, ctx: Ctx
    ) -> tuple[dict[str, Any], dict[str, str]]:
        """The invocation's argument values, and the modules its module arguments are given."""
        table: _ArgTable = comp.lookup or _ArgTable.of(comp)
        props: dict[str, Any] = {}  # argument -> value, in the order they are first given
        several: dict[str, list[tuple[ast.Property, Any]]] | None = None  # conditional ones
        modules: dict[str, str] = {}
        kw: dict[str, Any] = {}
        first_of: dict[str, ast.Property] = {}
        for prop in inv.properties:
            source = prop.source
            if source == "caption":
                arg = table.caption
                if arg is None:
                    raise err(
                        f"Caption type argument not found for component `{_display(comp.name)}`",
                        prop.line,
                    )
            elif source == "body":
                arg = table.body
                if arg is None:
                    raise err(
                        f"Body type argument not found for component `{_display(comp.name)}`",
                        prop.line,
                    )
            else:
                arg = table.by_name.get(prop.key)
            if arg is None:
                if table.kw_args is None:
                    raise err(
                        f"Header type `{prop.key}` not found for component `{_display(comp.name)}`",
                        prop.line,
                    )
                kw[prop.key] = self.convert(prop.value, _OBJECT, ctx)
                continue
            kind = arg.kind
            if kind.name == "module":
                if prop.condition is not None:
                    raise err(f"module argument `{arg.name}` cannot be conditional", prop.line)
                modules[arg.name] = self._module_value(prop.value, ctx, prop.line)
                continue
            if source == "header" and prop.mutable and not arg.mutable:
                raise err(f"`{arg.name}` is not a mutable argument; remove the `$`", prop.line)
            raw = prop.value
            if (
                type(raw) is ast.RawText
                and kind.name == "string"
                and not kind.is_list
                and not prop.path
                and raw.text
                and raw.text[0] not in "$*{"
            ):  # plain text, as `convert` reads it
                value = Lit(expr.read_as_javascript(raw.text))
            else:
                value = self.convert(raw, kind, ctx, tuple(prop.path) if prop.path else ())
            if prop.mutable and arg.mutable:
                self._check_mutable_ref(value, ctx, prop.line)
            name = arg.name
            if several is not None and name in several:
                several[name].append((prop, value))
            elif name in props:
                several = several or {}
                several[name] = [(first_of[name], props[name]), (prop, value)]
            elif prop.condition is None:
                props[name] = value
                first_of[name] = prop
            else:
                props[name] = None  # its place; the value is worked out below
                several = several or {}
                several[name] = [(prop, value)]
        if several:
            for name in [name for name in props if name in several]:  # in the order given
                props[name] = self._combine(several[name], ctx, table.fallbacks.get(name))
        if kw:
            props[table.kw_args.name] = RecordExpr("kw-args", kw)  # type: ignore[union-attr]
        if inv.children:
            children_arg = table.children
            if children_arg is None:
                raise err(
                    f"SubSection is unexpected for component `{_display(comp.name)}`",
                    inv.children[0].line,
                )
            if children_arg.name in props:
                raise err("children given both as sub-sections and as a header", inv.line)
            props[children_arg.name] = ListExpr(tuple(UI(self.node(c, ctx)) for c in inv.children))
        for arg in table.required:
            given = props.get(arg.name)
            if given is None or (isinstance(given, Cond) and given.default is None):
                raise err(
                    f"Property `{arg.name}` of component `{_display(comp.name, ctx.module)}` is not passed",
                    inv.line,
                )
        return props, modules

    def _combine(
        self, values: list[tuple[ast.Property, Any]], ctx: Ctx, fallback: Any = None
    ) -> Any:
        """One argument's value from its headers; ``fallback`` applies when no condition holds
        and no unconditional header is given."""
        if len(values) == 1 and values[0][0].condition is None:
            return values[0][1]
        branches = []
        default = fallback
        for prop, value in values:
            if prop.condition is None:
                default = value
            else:
                branches.append((self.condition(prop.condition, ctx, prop.line), value))
        if not branches:
            return default
        return Cond(tuple(branches), default)

    def _check_mutable_ref(self, value: Any, ctx: Ctx, line: int) -> None:
        if not isinstance(value, Ref) or value.clone:
            return
        if value.scope == "global":
            if not self.variables[value.name].mutable:
                raise err("Cannot have mutable reference of immutable variable", line)
        elif value.scope == "arg" and ctx.args is not None:
            arg = ctx.args.get(value.name)
            if arg is not None and not arg.mutable:
                raise err("Cannot have mutable reference of immutable variable", line)

    def _event(self, event: ast.Event, ctx: Ctx) -> Event:
        action = event.action.strip()
        opening, closing = action.find("("), action.find(")")
        if opening < 0 or closing < opening:
            raise err(
                f"event action `{action}` must be a function call like `$fn(a = $x)`", event.line
            )
        # fastn reads the call up to its first `)` and ignores the rest: a `;; <hl>` marker
        # that a code sample's line keeps, or a stray note, which deserves a warning
        after = action[closing + 1 :].strip()
        if after and not after.startswith(";;"):
            message = f"text after the event action's call is ignored: `{after}`"
            self.warn(message, event.line, ctx.module.doc_id)
        call, _ = self.call(action[: closing + 1].lstrip("$"), ctx, event.line)
        return Event(event.name, call, event.line)

    # ------------------------------------------------------------ conditions

    def condition(self, text: str, ctx: Ctx, line: int) -> ExprValue:
        source = text.strip()
        if not (source.startswith("{") and source.endswith("}")):
            raise err(f"Expected condition in expression mode: `{{ {source} }}`", line)
        return self.expression(source[1:-1], ctx, line)

    def expression(self, source: str, ctx: Ctx, line: int) -> ExprValue:
        try:
            tree = expr.parse_expression(source)
        except expr.ExprError as e:
            raise err(f"invalid expression `{source.strip()}`: {e}", line) from None
        names: dict[str, Any] = {}
        for name in expr.identifiers(tree):
            try:
                names[name] = self.reference("$" + name, ctx, line)[0]
            except FtdError:
                continue  # maybe an or-type variant name, compared by the evaluator
        return ExprValue(source, tree, names)

    # ------------------------------------------------------------ references

    def reference(self, text: str, ctx: Ctx, line: int) -> tuple[Any, Kind | None]:
        """Resolve ``$name.path`` / ``*$name`` / ``$fn(...)`` to a value expression and kind."""
        clone = text.startswith("*$")
        name = text[2:] if clone else text[1:]
        if "(" in name and name.endswith(")"):
            return self.call(name, ctx, line)
        # outside components, loops and records, a name means the same wherever it is read
        top_level = not (ctx.loops or ctx.modules) and ctx.component is None and ctx.record is None
        if top_level:
            known = ctx.module.globals_read.get(text)
            if known is not None:
                qualified, var_path, clone = known
                var = self.variable(qualified, line)
                return Ref("global", qualified, var_path, clone), self.kind_at(
                    var.kind, var_path, line
                )
        name = self._module_member(name, ctx)
        head, *rest = name.split(".")
        path = tuple(rest)
        if head == "LOOP" and path[:1] == ("COUNTER",):
            if not ctx.loops:
                raise err("LOOP.COUNTER used outside a loop", line)
            return Ref("counter", ctx.loops[-1].alias), Kind("integer")
        for loop in reversed(ctx.loops):
            if head == loop.alias:
                return Ref("loop", head, path, clone), self.kind_at(loop.kind, path, line)
            if head == loop.index:
                return Ref("counter", loop.alias), Kind("integer")
        if ctx.component is not None and head == ctx.component and path and ctx.args is not None:
            arg = ctx.args.get(path[0])
            if arg is None:
                raise err(f"component `{ctx.component}` has no argument `{path[0]}`", line)
            return Ref("arg", path[0], path[1:], clone), self.kind_at(arg.kind, path[1:], line)
        if ctx.record is not None and head == ctx.record and path and ctx.record_fields is not None:
            if path[0] not in ctx.record_fields:
                raise err(f"record `{ctx.record}` has no field `{path[0]}`", line)
            return Ref("self", path[0], path[1:]), self.kind_at(
                ctx.record_fields[path[0]], path[1:], line
            )
        if head == "inherited":
            if not path:
                raise err("`$inherited` needs a field, e.g. `$inherited.colors.text`", line)
            kind = _INHERITED_KINDS.get(path[0])
            return Ref("inherited", path[0], path[1:], clone), self.kind_at(kind, path[1:], line)
        if head in ("VALUE", "CHECKED") and not path:
            return Ref("special", head), None
        qualified, var_path = self.qualify(name, ctx.module, line)
        module_id, _, thing = qualified.partition("#")
        decl = (self.modules.get(module_id) or self.module(module_id, line)).decls.get(thing)
        if isinstance(decl, ast.OrTypeDecl) and var_path:
            ot = self.or_type(qualified, line)
            variant = ot.variants.get(var_path[0])
            if variant is None or not variant.constant:
                raise err(
                    f"`{var_path[0]}` is not a constant variant of `{_display(qualified)}`", line
                )
            return Lit(OrValue(qualified, variant.name, variant.value)), Kind(qualified)
        if decl is not None and not isinstance(decl, ast.VariableDecl):
            raise err(f"`{name}` is not a variable", line)
        var = self.variable(qualified, line)
        if top_level:
            ctx.module.globals_read[text] = (qualified, var_path, clone)
        return Ref("global", qualified, var_path, clone), self.kind_at(var.kind, var_path, line)

    def _module_member(self, name: str, ctx: Ctx) -> str:
        """``page.ds.X.rest`` inside ``page``, whose module argument ``ds`` is bound to module
        M, is ``M#X.rest`` (spec §5.8); any other name is returned as it is."""
        if not ctx.modules:
            return name
        head, _, rest = name.partition(".")
        arg, _, member = rest.partition(".")
        if head != ctx.component or not member or arg not in ctx.modules:
            return name
        return f"{ctx.modules[arg]}#{member}"

    def call(self, text: str, ctx: Ctx, line: int) -> tuple[Call, Kind | None]:
        """``fn(a = v, $b = $x)``: arguments by name, matched against the parameters."""
        fname, _, arg_text = text.partition("(")
        arg_text = arg_text[:-1]
        written = self._module_member(fname.strip().lstrip("$"), ctx)
        qualified, path = self.qualify(written, ctx.module, line)
        if path:
            raise err(f"unknown function `{fname}`", line)
        fn = self.function(qualified, line)
        given: dict[str, tuple[bool, str]] = {}
        for part in arg_text.split(","):
            if not part.strip():
                continue
            key, eq, value = part.partition("=")
            if not eq:
                raise err(
                    f"function argument `{part.strip()}` must be written `name = value`", line
                )
            key = key.strip()
            given[key.lstrip("$")] = (key.startswith("$"), value.strip())
        args: dict[str, Any] = {}
        for param in fn.params:
            if param.name not in given:
                if param.default is not None:
                    args[param.name] = param.default
                elif param.kind.optional:
                    args[param.name] = Lit(None)
                else:
                    raise err(f"argument `{param.name}` of `{fname.strip()}` is not passed", line)
                continue
            mutable, value_text = given.pop(param.name)
            if mutable != param.mutable:
                raise err(
                    f"Mutability conflict in argument `{param.name}` of `{fname.strip()}`", line
                )
            value = self.convert(ast.RawText(value_text, line), param.kind, ctx)
            if mutable:
                self._check_mutable_ref(value, ctx, line)
            args[param.name] = value
        if given:  # fastn passes the parameters a function has and ignores the rest
            message = f"`{fname.strip()}` has no parameter `{next(iter(given))}` (ignored)"
            self.warn(message, line, ctx.module.doc_id)
        return Call(qualified, args), fn.return_kind

    # ------------------------------------------------------------ conversion

    def convert(
        self,
        raw: ast.Raw,
        kind: Kind,
        ctx: Ctx,
        path: tuple[str, ...] = (),
        definition: bool = False,
    ) -> Any:
        """The value expression of ``raw`` read as ``kind`` (``path``: or-type variant path)."""
        if type(raw) is ast.RawText and kind.name == "string" and not kind.is_list and not path:
            text = raw.text
            if text and text[0] not in "$*{":  # plain text: what `_literal` makes of it
                return Lit(expr.read_as_javascript(text))
        if path:
            if kind.is_list or not self._is_or_type(kind.name, _line(raw)):
                if kind.name in PRIMITIVES or kind.is_list:
                    raise err(f"`{'.'.join(path)}`: {kind.describe()} has no variants", _line(raw))
                return self._record_field_value(raw, kind, path, ctx)
            return self._or_value(raw, kind.name, path, ctx)
        if isinstance(raw, ast.RawText):
            text = raw.text
            is_reference = text.startswith(("$", "*$"))
            if is_reference and kind.is_list and "," in text:
                items = _comma_items(text)
                return _list(
                    [self.convert(ast.RawText(i, raw.line), kind.element, ctx) for i in items]
                )
            if is_reference and len(text) > 1 and kind.name != "template":
                if kind.variant and not kind.is_list and self._is_or_type(kind.name, raw.line):
                    # `ftd.background.solid b: $color`: the value of that variant
                    return self._or_value(raw, kind.name, tuple(kind.variant.split(".")), ctx)
                value, value_kind = self.reference(text, ctx, raw.line)
                wrapped = self._wrap_in_caption_field(value, value_kind, kind, raw.line)
                if wrapped is not None:
                    return wrapped
                self._check_kind(kind, value_kind, text, raw.line)
                if kind.is_list and value_kind is not None and not value_kind.is_list:
                    return _list([value])  # one item where a list is expected
                return value
            if kind.is_list:
                if kind.is_ui:  # fastn builds `ui-list: []` (or `false`) as no UI
                    self.warn(f"expected a list of UI, found `{text}`", raw.line, ctx.module.doc_id)
                    return Lit([])
                items = _comma_items(text)
                return _list(
                    [self.convert(ast.RawText(i, raw.line), kind.element, ctx) for i in items]
                )
            return self._literal(text, kind, ctx, raw.line)
        if isinstance(raw, ast.RawNull):
            if kind.is_list:
                return Lit([])
            return Lit(None)
        if isinstance(raw, ast.RawList):
            return self._list_value(raw.items, kind, ctx, raw.line)
        # RawRecord
        if kind.is_list:
            if raw.items and raw.caption is None and raw.body is None and not raw.headers:
                return self._list_value(raw.items, kind, ctx, raw.line)
            return _list([self.convert(raw, kind.element, ctx)])
        if kind.is_ui:
            raise err("expected a UI value (a component invocation)", raw.line)
        if self._is_record(kind.name, raw.line):
            return self._record_value(raw, kind.name, ctx)
        if self._is_or_type(kind.name, raw.line) and kind.variant:
            return self._or_value(raw, kind.name, tuple(kind.variant.split(".")), ctx)
        if raw.caption is not None and not raw.headers and not raw.items:
            return self.convert(raw.caption, kind, ctx)
        if raw.body is not None and not raw.headers and not raw.items:
            return self.convert(raw.body, kind, ctx)
        raise err(f"cannot read this value as {kind.describe()}", raw.line)

    def _wrap_in_caption_field(
        self, value: Any, actual: Kind | None, expected: Kind, line: int
    ) -> Any:
        """A value of another kind given for a record fills the record's caption field."""
        if actual is None or expected.is_list or actual.is_list or actual.name == expected.name:
            return None
        if expected.name in SPECIAL or not self._is_record(expected.name, line):
            return None
        fields = self.record(expected.name, line).fields
        caption = next((f for f in fields if f.kind.caption), None)
        if caption is None:
            return None
        self._check_kind(caption.kind, actual, "caption", line)
        raw = ast.RawRecord("", None, [], None, [], line)
        others = [f for f in fields if f is not caption]
        filled = self._fill_record(
            raw, expected.name, others, Ctx(self.module(expected.name.partition("#")[0], line))
        )
        values = (
            dict(filled.fields)
            if isinstance(filled, RecordExpr)
            else {k: Lit(v) for k, v in filled.value.items()}
        )
        values[caption.name] = value
        ordered = {f.name: values[f.name] for f in fields}
        for f in fields:  # defaults that copy the caption field (`dark: $color.light`)
            if (
                isinstance(f.default, Ref)
                and f.default.scope == "self"
                and f.default.name == caption.name
            ):
                ordered[f.name] = value
        return RecordExpr(expected.name, ordered)

    def _check_kind(self, expected: Kind, actual: Kind | None, text: str, line: int) -> None:
        if actual is None or expected.name in ("object", "kw-args", "template"):
            return
        if expected.is_list and not actual.is_list:
            expected = expected.element  # a single item is accepted where a list is expected
        elif actual.is_list and not expected.is_list:
            raise err(f"`{text}` is a list, expected {expected.describe()}", line)
        if expected.name == actual.name:
            return
        if {expected.name, actual.name} <= {"ftd.ui", "children"}:
            return
        if {expected.name, actual.name} == {"string", "template"}:
            return
        if expected.name == "decimal" and actual.name == "integer":
            return
        if expected.name == "string" and actual.name in ("integer", "decimal", "boolean"):
            return
        if self._is_constants_of(actual.name, expected.name, line):
            return
        raise err(f"`{text}` is {actual.describe()}, expected {expected.describe()}", line)

    def _is_constants_of(self, or_type: str, primitive: str, line: int) -> bool:
        """An or-type whose variants are all constants of one primitive kind (``constant
        integer small: 1``) is read as that kind where one is expected."""
        if primitive not in PRIMITIVES or not self._is_or_type(or_type, line):
            return False
        variants = self.or_type(or_type, line).variants.values()
        return all(v.constant and v.kind is not None and v.kind.name == primitive for v in variants)

    def _literal(self, text: str, kind: Kind, ctx: Ctx, line: int) -> Any:
        name = kind.name
        if name == "object":
            return Lit(_infer_literal(text))
        if name in ("string", "template", "kw-args"):
            if text.startswith("{") and text.endswith("}") and name == "string" and len(text) > 2:
                inner = text[1:-1]
                if "$" in inner or any(ch in inner for ch in "=!<>+"):
                    try:
                        return self.expression(inner, ctx, line)
                    except FtdError:
                        if "\n" not in inner:
                            raise
                        # text of several lines in braces (JSON, Nix in a code block): fastn
                        # shows it as written
            # fastn writes the text into the page's script unescaped, so the browser
            # reads its backslashes as JavaScript escapes
            return Lit(expr.read_as_javascript(text))
        if name == "integer":
            try:
                return Lit(int(text))
            except ValueError:
                raise err(f"expected an integer, found `{text}`", line) from None
        if name == "decimal":
            try:
                return Lit(float(text))
            except ValueError:
                raise err(f"expected a decimal, found `{text}`", line) from None
        if name == "boolean":
            if text in ("true", "false"):
                return Lit(text == "true")
            raise err(f"expected true or false, found `{text}`", line)
        if kind.is_ui:
            raise err(f"expected a component invocation, found `{text}`", line)
        if name in ("module", "void"):
            return Lit(text)
        if self._is_record(name, line):
            return self._record_value(_caption_record(text, line), name, ctx)
        if self._is_or_type(name, line):
            if kind.variant:
                return self._or_value(
                    ast.RawText(text, line), name, tuple(kind.variant.split(".")), ctx
                )
            ot = self.or_type(name, line)
            variant = ot.variants.get(text)
            if variant is not None and variant.constant:
                return Lit(OrValue(name, variant.name, variant.value))
            raise err(f"`{text}` is not a variant of `{_display(name)}`", line)
        raise err(f"cannot read `{text}` as {kind.describe()}", line)

    def _or_value(self, raw: ast.Raw, type_name: str, path: tuple[str, ...], ctx: Ctx) -> Any:
        line = _line(raw)
        ot = self.or_type(type_name, line)
        variant = ot.variants.get(path[0])
        if variant is None:
            raise err(f"`{path[0]}` is not a variant of `{_display(type_name)}`", line)
        if isinstance(raw, ast.RawText) and raw.text.startswith(("$", "*$")):
            value, value_kind = self.reference(raw.text, ctx, line)
            if value_kind is not None and value_kind.name == type_name:
                return value
        if isinstance(raw, ast.RawNull) and len(path) == 1:  # `padding.px:` with nothing after
            if variant.constant:
                return Lit(OrValue(type_name, variant.name, variant.value))
            if variant.kind is None or not variant.kind.optional:
                raise err(
                    f"variant `{variant.name}` of `{_display(type_name)}` needs a value", line
                )
        if variant.kind is None:  # anonymous record variant
            rec_kind = Kind(f"{type_name}.{variant.name}")
            payload = self._anonymous_record(raw, variant, rec_kind.name, path[1:], ctx)
            return _or(type_name, variant.name, payload)
        if variant.constant and variant.kind is not None and not isinstance(raw, ast.RawNull):
            if len(path) > 1:
                raise err("Cannot pass deconstructed constant variant", line)
            if isinstance(raw, ast.RawText) and raw.text.startswith("$"):
                return self.convert(raw, Kind(type_name), ctx)
            return Lit(OrValue(type_name, variant.name, variant.value))
        payload = self.convert(raw, variant.kind, ctx, path=path[1:])
        return _or(type_name, variant.name, payload)

    def _anonymous_record(
        self, raw: ast.Raw, variant: Variant, name: str, path: tuple[str, ...], ctx: Ctx
    ) -> Any:
        line = _line(raw)
        if path:
            f = next((f for f in variant.fields if f.name == path[0]), None)
            if f is None:
                raise err(f"`{variant.name}` has no field `{path[0]}`", line)
            return RecordExpr(name, {f.name: self.convert(raw, f.kind, ctx, path=path[1:])})
        if not isinstance(raw, ast.RawRecord):
            raise err(f"`{variant.name}` needs its fields", line)
        return self._fill_record(raw, name, variant.fields, ctx)

    def _record_field_value(self, raw: ast.Raw, kind: Kind, path: tuple[str, ...], ctx: Ctx) -> Any:
        """``-- ftd.text.color.dark: x`` style: one field of a record given by path."""
        rec = self.record(kind.name, _line(raw))
        f = next((f for f in rec.fields if f.name == path[0]), None)
        if f is None:
            raise err(f"record `{_display(kind.name)}` has no field `{path[0]}`", _line(raw))
        header = ast.RawHeader(".".join(path), False, None, None, raw, _line(raw))
        return self._record_value(
            ast.RawRecord(rec.name, None, [header], None, [], _line(raw)), kind.name, ctx
        )

    def _record_value(self, raw: ast.RawRecord, type_name: str, ctx: Ctx) -> Any:
        rec = self.record(type_name, raw.line)
        return self._fill_record(raw, type_name, rec.fields, ctx)

    def _fill_record(
        self, raw: ast.RawRecord, type_name: str, fields: list[Field], ctx: Ctx
    ) -> Any:
        """Construct a record from caption, headers and body (spec §3.3)."""
        by_key: dict[str, list[ast.RawHeader]] = {}
        for h in raw.headers:
            if h.condition is not None:
                raise err(f"conditional header `{h.key}` is not allowed in a record value", h.line)
            by_key.setdefault(h.key.split(".", 1)[0], []).append(h)
        if by_key:
            known = {f.name for f in fields}
            for key, headers in by_key.items():
                if key not in known:  # fastn reads the fields it knows and ignores the rest
                    message = f"record `{_display(type_name)}` has no field `{key}` (ignored)"
                    self.warn(message, headers[0].line, ctx.module.doc_id)
        values: dict[str, Any] = {}
        caption_used = body_used = False
        for f in fields:
            headers = by_key.get(f.name, _NO_HEADERS)
            if f.kind.caption and raw.caption is not None and not caption_used and not headers:
                values[f.name] = self.convert(raw.caption, f.kind, ctx)
                caption_used = True
            elif f.kind.body and raw.body is not None and not body_used and not headers:
                values[f.name] = self.convert(raw.body, f.kind, ctx)
                body_used = True
            elif headers:
                values[f.name] = self._field_from_headers(f, headers, ctx)
            elif f.default is not None:
                values[f.name] = _substitute_self(f.default, values)
            elif f.kind.optional:
                values[f.name] = Lit(None)
            elif f.kind.is_list:
                values[f.name] = Lit([])
            else:
                raise err(
                    f"Expected value for field `{f.name}` of `{_display(type_name)}`", raw.line
                )
        if raw.caption is not None and not caption_used:
            raise err(f"`{_display(type_name)}` has no caption field", raw.line)
        if raw.body is not None and not body_used:
            raise err(f"`{_display(type_name)}` has no body field", raw.body.line)
        return _record(type_name, values)

    def _field_from_headers(self, f: Field, headers: list[ast.RawHeader], ctx: Ctx) -> Any:
        """A field given by ``name: v`` and/or dotted headers (``size.px: 40``, ``d.age: 3``)."""
        if len(headers) == 1 and headers[0].key == f.name:
            return self.convert(headers[0].value, f.kind, ctx)
        plain = [h for h in headers if h.key == f.name]
        dotted = [h for h in headers if h.key != f.name]
        if len(plain) > 1:
            raise err(f"Multiple header found `{f.name}`", plain[1].line)
        if not dotted:
            return self.convert(plain[0].value, f.kind, ctx)
        if not self._is_record(f.kind.name, dotted[0].line) or f.kind.is_list:
            if len(headers) > 1:
                raise err(f"Multiple header found `{f.name}`", headers[1].line)
            sub = dotted[0].key.split(".")[1:]
            return self.convert(dotted[0].value, f.kind, ctx, path=tuple(sub))
        base = plain[0].value if plain else None
        caption = base if isinstance(base, ast.RawText) else getattr(base, "caption", None)
        inner = list(base.headers) if isinstance(base, ast.RawRecord) else []
        for h in dotted:
            inner.append(replace(h, key=h.key.split(".", 1)[1]))
        line = headers[0].line
        return self.convert(ast.RawRecord(f.name, caption, inner, None, [], line), f.kind, ctx)

    def _list_value(self, items: list, kind: Kind, ctx: Ctx, line: int) -> Any:
        if not kind.is_list:
            if kind.is_ui and len(items) == 1:
                return UI(self.node(ast.invocation(items[0]), ctx))
            raise err(f"expected {kind.describe()}, found a list", line)
        element = kind.element
        element_is_ui = element.is_ui
        values = []
        for item in items:
            if item.is_commented:
                continue
            if element_is_ui:
                values.append(UI(self.node(ast.invocation(item), ctx)))
                continue
            values.append(self.convert(ast.raw_from_section(item), element, ctx))
        return _list(values)

    # ------------------------------------------------------------ static values

    def static_value(self, value: Any, line: int = 0) -> Any:
        if isinstance(value, Lit):
            return value.value
        raise err("expected a constant value here", line)


# -------------------------------------------------------------------- helpers


def _display(qualified: str, module: Module | None = None) -> str:
    """``foo#card`` -> ``card`` inside module foo; ``ftd#text`` -> ``ftd.text``."""
    module_id, _, name = qualified.partition("#")
    if module is not None and module_id == module.doc_id:
        return name
    return f"{module_id}.{name}" if module_id == FTD else name


def _condition_fallback(comp: ComponentDef, arg: Field) -> Any:
    """The default of a component argument given only conditionally, when it reads the same at
    the call site (a constant or a global variable). Kernels keep no fallback: their unset
    properties are simply absent."""
    default = arg.default if comp.body is not None else None
    if isinstance(default, Lit) or (isinstance(default, Ref) and default.scope == "global"):
        return default
    return None


def _line(raw: ast.Raw) -> int:
    return raw.line


def _caption_record(text: str, line: int) -> ast.RawRecord:
    return ast.RawRecord("", ast.RawText(text, line), [], None, [], line)


def _comma_items(text: str) -> list[str]:
    text = text.strip()
    if text.startswith("[") and text.endswith("]"):
        text = text[1:-1]
    return [part.strip() for part in text.split(",") if part.strip()]


def _list(values: list[Any]) -> Any:
    for v in values:
        if type(v) is not Lit:
            return ListExpr(tuple(values))
    return Lit([v.value for v in values])


def _record(type_name: str, values: dict[str, Any]) -> Any:
    for v in values.values():
        if type(v) is not Lit:
            return RecordExpr(type_name, values)
    return Lit(RecordValue(type_name, {k: v.value for k, v in values.items()}))


def _or(type_name: str, variant: str, payload: Any) -> Any:
    if isinstance(payload, Lit):
        return Lit(OrValue(type_name, variant, payload.value))
    return OrExpr(type_name, variant, payload)


def _substitute_self(default: Any, values: dict[str, Any]) -> Any:
    """A field default ``$rec.other`` takes the value already computed for ``other``."""
    if isinstance(default, Ref) and default.scope == "self":
        value = values.get(default.name, Lit(None))
        if default.path:
            if isinstance(value, Lit) and isinstance(value.value, dict):
                inner = value.value
                for seg in default.path:
                    inner = inner.get(seg) if isinstance(inner, dict) else None
                return Lit(inner)
            return value
        return value
    return default


def _infer_literal(text: str) -> Any:
    """An untyped literal (``ftd.json`` fields): booleans and numbers as JSON would read them."""
    if text in ("true", "false"):
        return text == "true"
    try:
        return float(text)
    except ValueError:
        return text
