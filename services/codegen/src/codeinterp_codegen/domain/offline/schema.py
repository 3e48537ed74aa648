"""Data context the offline generator works from (columns, types, sample rows)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

NUMERIC_INT = {"int", "integer", "bigint", "long", "short", "smallint", "tinyint", "byte", "int32", "int64"}
NUMERIC_FLOAT = {"double", "float", "real", "float64", "float32", "number", "numeric"}


@dataclass
class ColumnInfo:
    name: str
    type: str = "string"

    @property
    def kind(self) -> str:
        """Normalised type: integer | double | string | date | timestamp | boolean."""
        t = (self.type or "string").strip().lower()
        if t in NUMERIC_INT:
            return "integer"
        if t in NUMERIC_FLOAT or t.startswith("decimal") or t.startswith("numeric"):
            return "double"
        if t == "date":
            return "date"
        if t.startswith("timestamp") or t == "datetime":
            return "timestamp"
        if t in {"bool", "boolean"}:
            return "boolean"
        return "string"

    @property
    def is_numeric(self) -> bool:
        return self.kind in {"integer", "double"}

    @property
    def is_temporal(self) -> bool:
        return self.kind in {"date", "timestamp"}


@dataclass
class InputInfo:
    name: str
    kind: Literal["csv", "table"] = "csv"
    columns: list[ColumnInfo] = field(default_factory=list)
    table: str | None = None
    sample_rows: list[list[Any]] = field(default_factory=list)

    def column(self, name: str) -> ColumnInfo | None:
        for c in self.columns:
            if c.name == name:
                return c
        return None

    def sample_values(self, name: str) -> list[Any]:
        idx = [c.name for c in self.columns].index(name)
        return [r[idx] for r in self.sample_rows if idx < len(r)]
