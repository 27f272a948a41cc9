"""Which processors a rendering runs, in what order, and running them concurrently.

A document runs every processor it declares (a write or a backend call counts even when the
page shows nothing of it) and those of imported modules that it uses. A processor waits only
for the processors its arguments refer to (directly or through other variables); the others
run at the same time, so two backend calls on one page cost one round trip, not two.
"""

from __future__ import annotations

import importlib
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from functools import cache
from time import perf_counter
from typing import Any
from weakref import WeakKeyDictionary

from fastn.ftd import ast
from fastn.ftd.errors import FtdError
from fastn.ftd.interpreter import Interpreter
from fastn.ftd.kinds import SPECIAL, Kind
from fastn.ftd.model import (
    UI,
    Call,
    Cond,
    Document,
    ExprValue,
    ListExpr,
    Node,
    OrExpr,
    ProcessorCall,
    RecordDef,
    RecordExpr,
    Ref,
    VariableDef,
)
from fastn.ftd.page import RequestInfo
from fastn.ftd.render.evaluate import Frame, State, evaluate
from fastn.processors.context import Invocation, ProcessorSettings, Resources
from fastn.processors.errors import ProcessorError


@dataclass(frozen=True, slots=True)
class Processor:
    run: Callable[[Invocation], Awaitable[Any]]
    # names a call refers to without a header (`$id::INTEGER` in a query with no `id:`)
    implicit_names: Callable[[ProcessorCall], list[str]] | None = None


# name -> (module in fastn.processors, its function running a call, its function naming what
# a call refers to without a header); a module is imported when a page first uses it
_PROCESSORS: dict[str, tuple[str, str, str | None]] = {
    "sql": ("sql", "process_sql", "parameter_names"),
    "sql-query": ("sql", "process_sql", "parameter_names"),
    "sql-execute": ("sql", "process_sql", "parameter_names"),
    "sql-batch": ("sql", "process_sql_batch", None),
    "pg": ("sql", "process_pg", "parameter_names"),
    "package-query": ("sql", "process_package_query", "parameter_names"),
    "http": ("http", "process", None),
    "request-data": ("request_data", "process", None),
    "get-data": ("get_data", "process", None),
    "toc": ("toc", "process", None),
    "sitemap": ("sitemap", "process", None),
    "full-sitemap": ("sitemap", "process_full", None),
    "document-id": ("document", "process_id", None),
    "document-full-id": ("document", "process_full_id", None),
    "document-suffix": ("document", "process_suffix", None),
    "document-name": ("document", "process_name", None),
    "fastn-apps": ("apps", "process", None),
    "figma-cs-token": ("figma", "process_color_scheme", None),
    "figma-typo-token": ("figma", "process_typography", None),
}


@cache
def find_processor(name: str) -> Processor | None:
    """The processor called `name` (`sql`, `http`…), None if there is none."""
    found = _PROCESSORS.get(name)
    if found is None:
        return None
    module_name, run, implicit_names = found
    module = importlib.import_module(f"fastn.processors.{module_name}")
    return Processor(
        getattr(module, run), getattr(module, implicit_names) if implicit_names else None
    )


@dataclass(frozen=True, slots=True)
class Step:
    """One processor variable: what runs it and which processor variables it waits for."""

    variable: str
    processor: Processor
    implicit: dict[str, Any]  # arguments found in the document's scope, not in headers
    waits_for: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Plan:
    steps: tuple[Step, ...]  # every step comes after those it waits for


# interpreter -> what `_Reach` found each of its variables refers to (see `_Reach.references`);
# dropped with the interpreter
_VALUE_REFERENCES: WeakKeyDictionary[
    Interpreter, dict[str, tuple[VariableDef, tuple[tuple[bool, str], ...]]]
] = WeakKeyDictionary()


NO_STEPS = Plan(())


def plan(doc: Document, interpreter: Interpreter, module_id: str) -> Plan:
    """The processors document `module_id` runs (resolving its processor variables first);
    what their arguments read joins `doc`."""
    # `doc` holds every variable it reaches (its processor variables too): without a
    # processor variable among them there is nothing to run, nor a reason to walk it
    if all(var.call is None for var in doc.variables.values()):
        return NO_STEPS
    references = _VALUE_REFERENCES.get(interpreter)
    if references is None:
        references = _VALUE_REFERENCES[interpreter] = {}
    with interpreter.extending(doc) as view:
        reach = _Reach(view, through_processors=True, references=references)
        for name, decl in interpreter.module(module_id).decls.items():
            if isinstance(decl, ast.VariableDecl) and decl.processor:
                reach.add(interpreter.variable(f"{module_id}#{name}", decl.line).name)
        reach.document()
        names = [name for name in reach.drain() if view.variables[name].call is not None]
        steps = {name: _step(view, interpreter, name) for name in names}
        return Plan(tuple(steps[name] for name in _dependency_order(view, steps)))


def _step(doc: Document, interpreter: Interpreter, name: str) -> Step:
    var = doc.variables[name]
    call = var.call
    assert call is not None
    processor = find_processor(call.name)
    if processor is None:
        known = ", ".join(sorted(_PROCESSORS))
        hint = "" if "." in (var.processor or "") else "; write it `pr.NAME`"
        raise ProcessorError(
            f"unknown processor `{var.processor}` (with `-- import: fastn/processors as pr`, "
            f"`pr.NAME` is one of: {known}){hint}",
            var.doc_id,
            var.line,
        )
    implicit: dict[str, Any] = {}
    for arg in processor.implicit_names(call) if processor.implicit_names else ():
        if arg in call.args:
            continue
        try:
            implicit[arg] = interpreter.reference_in(var.doc_id, "$" + arg, call.body_line)
        except FtdError:
            raise ProcessorError(
                f"`${arg}`: give it a value with a header `{arg}: …` or declare a variable `{arg}`",
                var.doc_id,
                call.body_line,
            ) from None
    _resolve_types(interpreter, var.kind, var.line, set())
    reach = _Reach(doc, through_processors=False)
    for value in [*call.args.values(), call.caption, *implicit.values()]:
        reach.value(value)
    waits_for = tuple(n for n in reach.drain() if doc.variables[n].call is not None)
    return Step(name, processor, implicit, waits_for)


def _resolve_types(interpreter: Interpreter, kind: Kind, line: int, seen: set[str]) -> None:
    """Resolve the records a result is mapped onto (a record used nowhere else is not yet)."""
    if kind.name in SPECIAL or kind.name in seen:
        return
    seen.add(kind.name)
    definition = interpreter.definition(kind.name, line)
    if isinstance(definition, RecordDef):
        for field in definition.fields:
            _resolve_types(interpreter, field.kind, field.line, seen)


def _dependency_order(doc: Document, steps: dict[str, Step]) -> list[str]:
    order: list[str] = []
    state: dict[str, str] = {}  # name -> "visiting" | "done"

    def visit(name: str, path: list[str]) -> None:
        if state.get(name) == "done":
            return
        if state.get(name) == "visiting":
            cycle = " → ".join(n.partition("#")[2] for n in [*path[path.index(name) :], name])
            var = doc.variables[name]
            raise ProcessorError(f"processors wait for each other: {cycle}", var.doc_id, var.line)
        state[name] = "visiting"
        for other in steps[name].waits_for:
            visit(other, [*path, name])
        state[name] = "done"
        order.append(name)

    for name in steps:
        visit(name, [])
    return order


async def run(
    plan: Plan,
    doc: Document,
    request: RequestInfo,
    settings: ProcessorSettings,
    resources: Resources,
) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    """Run the plan: (variable -> value, response headers for the page such as Set-Cookie)."""
    import asyncio  # loaded already (this runs on its loop); not at start-up, for builds

    values: dict[str, Any] = {}
    cookies: dict[str, list[str]] = {}
    tasks: dict[str, asyncio.Task[None]] = {}

    async def run_step(step: Step) -> None:
        if step.waits_for:
            await asyncio.gather(*(tasks[name] for name in step.waits_for))
        invocation = _invocation(step, doc, values, request, settings, resources)
        started = perf_counter()
        values[step.variable] = await step.processor.run(invocation)
        if settings.observe is not None:
            settings.observe(invocation.call.name, perf_counter() - started)
        cookies[step.variable] = invocation.cookies

    if len(plan.steps) == 1:  # nothing to run alongside: no task needed
        await run_step(plan.steps[0])
    else:
        try:
            async with asyncio.TaskGroup() as group:
                for step in plan.steps:
                    tasks[step.variable] = group.create_task(run_step(step))
        except BaseExceptionGroup as failure:
            raise _first_error(failure) from None
    headers = [("set-cookie", c) for step in plan.steps for c in cookies[step.variable]]
    return values, headers


def _invocation(
    step: Step,
    doc: Document,
    values: dict[str, Any],
    request: RequestInfo,
    settings: ProcessorSettings,
    resources: Resources,
) -> Invocation:
    var = doc.variables[step.variable]
    call = var.call
    assert call is not None
    state = State(doc, values)
    frame = Frame()
    try:
        args = {key: evaluate(value, frame, state) for key, value in call.args.items()}
        args.update((key, evaluate(value, frame, state)) for key, value in step.implicit.items())
        caption = None if call.caption is None else evaluate(call.caption, frame, state)
    except FtdError as error:
        raise error.located(var.doc_id, var.line) from None
    return Invocation(var, call, args, caption, doc, state, request, settings, resources)


def _first_error(group: BaseExceptionGroup) -> BaseException:
    first = group.exceptions[0]
    return _first_error(first) if isinstance(first, BaseExceptionGroup) else first


# ---------------------------------------------------------------- what refers to what


class _Reach:
    """The global variables a document (or some values) refers to, directly or through others.

    `through_processors`: also follow the arguments of processor variables found (to know
    every processor a page needs); off, a processor variable is an end (to know what a
    processor waits for).
    """

    def __init__(
        self,
        doc: Document,
        through_processors: bool,
        references: dict[str, tuple[VariableDef, tuple[tuple[bool, str], ...]]] | None = None,
    ) -> None:
        self.doc = doc
        self.through_processors = through_processors
        self.found: dict[str, None] = {}  # ordered set
        self.pending: list[str] = []
        self.components: set[str] = set()
        # variable name -> (the variable, what its value or processor arguments refer to),
        # kept by the interpreter's planning (every page reaches the same shared variables)
        self.references = references

    def document(self) -> None:
        for node in self.doc.tree:
            self.node(node)
        for name, _path, value in self.doc.updates:
            self.add(name)
            self.value(value)

    def add(self, name: str) -> None:
        if name not in self.found:
            self.found[name] = None
            self.pending.append(name)

    def drain(self) -> list[str]:
        references = self.references
        while self.pending:
            name = self.pending.pop()
            var = self.doc.variables.get(name)
            if var is None:
                continue
            if var.call is not None and not self.through_processors:
                continue
            if references is None:
                self._variable(var)
                continue
            known = references.get(name)
            if known is None or known[0] is not var:
                recorder = _References()
                recorder._variable(var)
                known = references[name] = (var, tuple(recorder.references))
            for is_component, referred in known[1]:
                if is_component:
                    self.invoked(referred)
                else:
                    self.add(referred)
        return list(self.found)

    def _variable(self, var: VariableDef) -> None:
        """What the variable's value refers to (a processor's: its arguments)."""
        if var.call is None:
            self.value(var.value)
        else:
            self.values([*var.call.args.values(), var.call.caption])

    def values(self, values: Iterable[Any]) -> None:
        for value in values:
            self.value(value)

    def value(self, value: Any) -> None:
        kind = type(value)
        if kind is Ref:
            if value.scope == "global":
                self.add(value.name)
        elif kind is RecordExpr:
            self.values(value.fields.values())
        elif kind is ListExpr:
            self.values(value.items)
        elif kind is OrExpr:
            self.value(value.payload)
        elif kind is Call:
            self.values(value.args.values())
        elif kind is ExprValue:
            self.values(value.names.values())
        elif kind is Cond:
            for condition, branch in value.branches:
                self.value(condition)
                self.value(branch)
            self.value(value.default)
        elif kind is UI:
            self.node(value.node)

    def node(self, node: Node) -> None:
        self.values(node.props.values())
        self.value(node.condition)
        if node.loop is not None:
            self.value(node.loop.items)
        for event in node.events:
            self.value(event.action)
        self.value(node.ui)
        if node.component is not None:
            self.invoked(node.component)

    def invoked(self, name: str) -> None:
        """A component used: what it refers to, the first time (a document's walk asks for
        the same library components as every other's, so each remembers its references)."""
        if name in self.components:
            return
        self.components.add(name)
        component = self.doc.components.get(name)
        if component is None:
            return
        if component.references is None:
            recorder = _References()
            recorder.values(arg.default for arg in component.args)
            if component.body is not None:
                recorder.node(component.body)
            component.references = tuple(recorder.references)
        for is_component, referred in component.references:
            if is_component:
                self.invoked(referred)
            else:
                self.add(referred)


class _References(_Reach):
    """The walk of one component alone: the globals and components it refers to, in order."""

    def __init__(self) -> None:  # no document: nothing is drained
        self.references: list[tuple[bool, str]] = []

    def add(self, name: str) -> None:
        self.references.append((False, name))

    def invoked(self, name: str) -> None:
        self.references.append((True, name))
