"""Engine-neutral intermediate representation produced by the parser.

Column references in a plan are *output-level* names: after an optional join the
working table holds the left input's columns plus the right input's columns (the
right join key dropped; right columns whose name clashes with a left column are
renamed ``<right input>_<column>``).  Both emitters apply exactly that rule, so a
plan means the same thing on Spark and on Ray.
"""

from __future__ import annotations

import datetime as _dt
import json
from dataclasses import asdict, dataclass, field
from typing import Any

# Filter operators.
CMP_OPS = ("==", "!=", "<", "<=", ">", ">=")
FILTER_OPS = CMP_OPS + ("between", "in", "not_in", "contains", "starts_with", "ends_with", "is_null", "not_null",
                        "eq_ci", "ne_ci", "in_ci", "not_in_ci")  # *_ci: text compared case-insensitively (lower-case value)
AGG_FUNCS = ("sum", "avg", "min", "max", "count", "count_distinct", "count_rows")
BUCKET_UNITS = ("day", "week", "month", "quarter", "year")


@dataclass
class Filter:
    column: str
    op: str
    value: Any = None  # scalar, [lo, hi] for between, list for in/not_in
    kind: str = "string"  # integer|double|string|date|timestamp|boolean (of the column)


@dataclass
class Bucket:
    column: str
    unit: str
    alias: str


@dataclass
class Aggregate:
    func: str
    column: str | None
    alias: str


@dataclass
class Join:
    right: str
    left_key: str
    right_key: str
    how: str = "inner"
    rename: dict[str, str] = field(default_factory=dict)  # right column -> output name


@dataclass
class Order:
    column: str
    desc: bool = False


@dataclass
class Plan:
    """kind: rows | aggregate | distinct | describe."""

    kind: str
    source: str
    join: Join | None = None
    filters: list[Filter] = field(default_factory=list)
    bucket: Bucket | None = None
    group_by: list[str] = field(default_factory=list)
    aggregates: list[Aggregate] = field(default_factory=list)
    percent_of: str | None = None  # alias of the aggregate to express as a percentage
    percent_alias: str = "percent_of_total"
    order: list[Order] = field(default_factory=list)
    limit: int | None = None
    select: list[str] = field(default_factory=list)  # rows/distinct/describe columns
    column_kinds: dict[str, str] = field(default_factory=dict)  # working-table column -> kind

    def output_columns(self) -> list[str]:
        if self.kind == "aggregate":
            cols = list(self.group_by) + [a.alias for a in self.aggregates]
            if self.percent_of:
                cols.append(self.percent_alias)
            return cols
        if self.kind == "describe":
            return ["column", "count", "mean", "stddev", "min", "max"]
        return list(self.select)

    def to_dict(self) -> dict[str, Any]:
        return _jsonable(asdict(self))

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), sort_keys=True, ensure_ascii=False)


def _jsonable(v: Any) -> Any:
    if isinstance(v, dict):
        return {k: _jsonable(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_jsonable(x) for x in v]
    if isinstance(v, (_dt.date, _dt.datetime)):
        return v.isoformat()
    return v
