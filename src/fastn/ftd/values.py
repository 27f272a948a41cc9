"""Runtime values of ftd, shared by the interpreter, the expression evaluator and renderers.

string -> str, integer -> int, decimal -> float, boolean -> bool, null -> None,
list -> list, record -> RecordValue (a dict of field -> value), or-type -> OrValue.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


class RecordValue(dict):
    """A record instance: field name -> value, remembering its record type (``ftd#color``)."""

    __slots__ = ("type_name",)

    def __init__(self, type_name: str, fields: dict[str, Any] | None = None):
        super().__init__(fields or {})
        self.type_name = type_name

    def __repr__(self) -> str:
        return f"{self.type_name}{dict.__repr__(self)}"


@dataclass(frozen=True, slots=True)
class OrValue:
    """A value of an or-type: which variant, and its payload (or the constant's value)."""

    type_name: str  # e.g. "ftd#length"
    variant: str  # e.g. "px"
    value: Any  # payload for regular variants, the fixed value for constants

    def __str__(self) -> str:
        return str(self.value)
