"""Offline code generator: plain-language analytics request -> plan -> PySpark or Ray Data code.

No network, no model: a conservative grammar.  Anything it cannot map completely is refused
with :class:`OfflineRefusal` (``FAILED_PRECONDITION``) instead of producing a wrong program.

What it understands
===================
Columns are matched fuzzily: case, ``_``/``-``/spaces/dots, camelCase, plural/singular, a word
that is part of a column name (``amount`` -> ``total_amount``), a table qualifier
(``customer name`` -> ``customers.name``) and synonyms (revenue/sales/amount/spend,
quantity/qty/units, customer/client, date/day/time, region/area/territory,
category/type/segment, product/item, ...).  Exact names always win; when two columns match
equally well the generator asks (``Ambiguous``).  A column can always be named exactly in
backticks: ```unit price```.  Unquoted text values are recognised when they occur in a
column's sample values (``sales in the East region`` -> ``region == 'East'``); a value spelled
unlike the sample (``east``) is compared case-insensitively (``lower(region) == 'east'``), and
when the sample holds several spellings (``Paris``, ``paris``) only the exact one is taken, else
the request is refused; quoted values are taken literally.  An unquoted word after an operator
is a value (``city is Grenoble``) unless an article precedes it (``customer is the happiest``).

* Aggregates: ``total|sum (of)``, ``average|avg|mean``, ``max|maximum|highest|largest``,
  ``min|minimum|lowest|smallest``, ``count``/``number of``/``how many`` (rows, or distinct
  values of a text/id column), ``number of distinct|unique X``; several at once
  (``sum and average of amount``, ``total amount and quantity``).  A bare additive measure
  (revenue, sales, amount, quantity, cost, profit, ...) in a grouped request is summed.
* Groups: ``by|per|for each|grouped by|broken down by|across`` X (and Y).
* Time buckets: ``by day|week|month|quarter|year (of <date column>)``, ``daily``, ``weekly``,
  ``monthly``, ``quarterly``, ``yearly``; ``trend``/``over time`` needs one of those.  With one
  date column it is used automatically; with several, name it.
* Filters (combined with AND): comparisons (``>``, ``at least``, ``under``, ``is``, ``is not``,
  ``=``, ...), ``between A and B``, ``in A, B or C`` / ``is one of``, ``not in``,
  ``contains|starts with|ends with`` (case-insensitive), ``is null|missing|empty`` /
  ``is not null|present``, dates (``after 2024-03-01``, ``before 2023``, ``in March 2024``,
  ``in 2024``, ``in Q1 2024``, ``between 2024-01-01 and 2024-02-15``).  Relative dates
  (``last year``) are refused.  Rows whose filter column is NULL never match.
* Ranking: ``top|bottom N X by <measure>`` (group X, order by the measure, N rows; ties are
  broken by the group keys), ``top N rows by <column>``, ``sorted|ordered by X [asc|desc]``,
  ``descending``/``highest first``, ``first N rows``, ``limit N``.
* Other shapes: ``how many rows``, ``list distinct X``, ``describe``/``summary statistics``
  (for all or named numeric columns), ``percentage|share of <measure> by X``,
  projections with filters (``show amount and region where amount > 100``).
* Joins of two inputs: name both (``join customers with orders ...``); the key is ``on X``
  or inferred (one shared id-like column, or ``id`` <-> ``<table>_id``).  Inner join.

Output columns (identical on both engines)
==========================================
* group keys keep their column names; a time bucket is called ``day|week|month|quarter|year``
  (``<column>_<unit>`` if that name exists) and holds the first day of the period (a date);
* aggregates are ``<func>_<column>`` with func in ``sum, avg, min, max, count_distinct``;
  a row count is ``count``; a percentage is ``percent_of_total`` (0-100);
* describe returns ``column, count, mean, stddev, min, max`` (one row per column);
* an aggregate without groups is a 1-row DataFrame;
* without an explicit order, grouped and distinct results are sorted by their keys
  (ascending, NULLs last); explicit orders put NULLs last and break ties by the keys.
* After a join, right-input columns that clash with left ones are ``<right input>_<column>``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from .emit_ray import emit_ray
from .emit_spark import emit_spark
from .matcher import Ambiguous, OfflineRefusal, OutOfGrammar
from .parser import parse
from .plan import Plan
from .schema import ColumnInfo, InputInfo

__all__ = [
    "Ambiguous", "ColumnInfo", "InputInfo", "OfflineRefusal", "OfflineResult", "OutOfGrammar", "Plan",
    "emit_ray", "emit_spark", "explain", "generate_offline", "parse",
]


@dataclass
class OfflineResult:
    code: str
    plan_json: str
    explanation: str


def generate_offline(question: str, inputs: list[InputInfo], framework: Literal["spark", "ray"] = "spark") -> OfflineResult:
    """Parse `question` against `inputs` and emit code; raises OfflineRefusal (FAILED_PRECONDITION)."""
    if framework not in ("spark", "ray"):
        raise OutOfGrammar(f"unknown framework {framework!r}")
    plan = parse(question, inputs)
    code = emit_spark(plan, inputs) if framework == "spark" else emit_ray(plan, inputs)
    return OfflineResult(code=code, plan_json=plan.to_json(), explanation=explain(plan))


def explain(plan: Plan) -> str:
    parts: list[str] = []
    src = repr(plan.source) + (f" joined with {plan.join.right!r} on {plan.join.left_key!r} = {plan.join.right_key!r}" if plan.join else "")
    if plan.kind == "describe":
        parts.append(f"Summary statistics of {', '.join(map(repr, plan.select))} in {src}")
    elif plan.kind == "aggregate":
        aggs = ", ".join(a.alias for a in plan.aggregates)
        parts.append(f"Compute {aggs} over {src}")
        if plan.bucket:
            parts.append(f"bucketed by {plan.bucket.unit} of {plan.bucket.column!r}")
        if plan.group_by:
            parts.append("grouped by " + ", ".join(map(repr, plan.group_by)))
        if plan.percent_of:
            parts.append(f"with {plan.percent_alias} = share of {plan.percent_of}")
    elif plan.kind == "distinct":
        parts.append(f"Distinct values of {', '.join(map(repr, plan.select))} in {src}")
    else:
        parts.append(f"Rows of {src} (columns: {', '.join(map(repr, plan.select))})")
    if plan.filters:
        fs = []
        for f in plan.filters:
            fs.append(f"{f.column!r} {f.op}" + ("" if f.value is None else f" {f.value!r}"))
        parts.append("where " + " and ".join(fs))
    if plan.order:
        parts.append("ordered by " + ", ".join(f"{o.column!r} {'desc' if o.desc else 'asc'}" for o in plan.order))
    if plan.limit is not None:
        parts.append(f"limited to {plan.limit} rows")
    return "; ".join(parts) + "."
