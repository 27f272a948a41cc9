"""Kinds (types) of ftd values, parsed from kind strings such as ``optional caption ftd.color``."""

from __future__ import annotations

from dataclasses import dataclass

PRIMITIVES = frozenset({"string", "integer", "decimal", "boolean"})
# kinds that are not records/or-types and need no name resolution
SPECIAL = PRIMITIVES | frozenset(
    {"ftd.ui", "children", "module", "kw-args", "kwargs", "template", "object", "void"}
)


@dataclass(frozen=True, slots=True)
class Kind:
    """A resolved kind. ``name`` is a primitive/special name or a qualified ``module#thing``.

    ``variant`` pre-selects an or-type variant (``-- ftd.length.px len: 20``).
    """

    name: str
    is_list: bool = False
    optional: bool = False
    caption: bool = False
    body: bool = False
    constant: bool = False
    variant: str | None = None

    @property
    def element(self) -> Kind:
        """The kind of one item of a list kind."""
        return Kind(self.name, False, False, False, False, self.constant, self.variant)

    @property
    def is_ui(self) -> bool:
        return self.name in ("ftd.ui", "children")

    def describe(self) -> str:
        words = []
        if self.optional:
            words.append("optional")
        words.append(self.name.replace("#", ".") + (f".{self.variant}" if self.variant else ""))
        if self.is_list:
            words.append("list")
        return " ".join(words)


@dataclass(frozen=True, slots=True)
class KindSpec:
    """A kind as written, before the base name is resolved against a module."""

    base: str
    is_list: bool = False
    optional: bool = False
    caption: bool = False
    body: bool = False
    constant: bool = False


def parse_kind(text: str) -> KindSpec:
    """Split the modifiers off a kind string (spec §2.1).

    ``optional X`` / ``X list`` / ``constant X``, then ``caption``/``body``/``caption or body``
    before the base; ``caption`` alone means ``caption string``.
    """
    words = text.split()
    if not words:
        raise ValueError("empty kind")
    is_list = words[-1] == "list"
    if is_list:
        words = words[:-1]
    flags = {"optional": False, "constant": False, "caption": False, "body": False}
    rest = []
    for word in words:
        if word in flags and not rest:
            flags[word] = True
        elif word == "or" and not rest and (flags["caption"] or flags["body"]):
            continue
        else:
            rest.append(word)
    if not rest:
        rest = ["string"]
    if len(rest) != 1:
        raise ValueError(f"invalid kind `{text}`")
    optional, constant = flags["optional"], flags["constant"]
    caption, body = flags["caption"], flags["body"]
    words = rest
    base = words[0]
    if base == "children":
        is_list = True
    return KindSpec(base, is_list, optional, caption, body, constant)
