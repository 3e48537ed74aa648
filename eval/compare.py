"""Answer comparison for the eval, with the tolerance documented once.

Rules (the report repeats them):

* **Columns by position, never by name.**  The answer must have as many columns as the truth.
* **Numbers**: equal when ``abs(a - b) <= max(ABS_TOL, REL_TOL * max(|a|, |b|))`` with
  ``REL_TOL = 1e-6`` and ``ABS_TOL = 1e-9`` (sums of floats in another order differ in the last
  bits).  Integers and floats compare as numbers (``5 == 5.0``); a numeric string from JSON
  (an int64 rendered as ``"5"``) is read as a number.
* **Dates and timestamps** compare as ISO text: a date ``2024-03-01``; a timestamp
  ``2024-03-01 12:00:00`` (``T``, fractions of zero and timezone ``Z`` are normalised away).
* **NULL**: ``None``, NaN and NaT are all NULL and only equal NULL.
* **Order**: rows compare as a multiset unless the question asks for an order (top/bottom N,
  sorted by, first N rows); then the sequence must match.
* **Scalars**: a 1x1 table and a scalar answer are the same answer.
* **Previews**: when the API returns only the first rows of a larger result (``complete`` false),
  the row count must match exactly and every previewed row must be a row of the truth (ordered:
  the truth's prefix).
"""

from __future__ import annotations

import datetime as _dt
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

REL_TOL = 1e-6
ABS_TOL = 1e-9

_TS = re.compile(r"^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}(?::\d{2})?)(\.\d+)?(Z|[+-]00:?00)?$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_NUM = re.compile(r"^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$")


@dataclass
class Verdict:
    ok: bool
    reason: str = ""


def norm(v: Any) -> Any:
    """One canonical Python value per cell: None, bool, int/float, or str."""
    if v is None:
        return None
    if not isinstance(v, (bool, int, float, str, Decimal, _dt.date)):
        if hasattr(v, "item"):  # numpy / pandas scalars
            try:
                v = v.item()
            except (ValueError, AttributeError):
                pass
        try:
            import pandas as pd  # only for pandas' own missing values and timestamps

            if isinstance(v, pd.Timestamp):
                v = v.to_pydatetime()
            elif v is pd.NaT or (not isinstance(v, (list, tuple, dict)) and pd.isna(v)):
                return None
        except (ImportError, TypeError, ValueError):
            pass
    if isinstance(v, bool):
        return v
    if isinstance(v, Decimal):
        return float(v)
    if isinstance(v, float):
        return None if math.isnan(v) else v
    if isinstance(v, int):
        return v
    if isinstance(v, _dt.datetime):
        if v.tzinfo is not None:
            v = v.astimezone(_dt.UTC).replace(tzinfo=None)
        return _ts_text(
            v.strftime("%Y-%m-%d"), v.strftime("%H:%M:%S"), f".{v.microsecond:06d}" if v.microsecond else ""
        )
    if isinstance(v, _dt.date):
        return v.isoformat()
    if isinstance(v, str):
        m = _TS.match(v)
        if m:
            return _ts_text(m.group(1), m.group(2), m.group(3) or "")
        return v
    return str(v)


def _ts_text(day: str, hms: str, frac: str) -> str:
    if len(hms) == 5:
        hms += ":00"
    frac = frac.rstrip("0")
    if frac == ".":
        frac = ""
    return f"{day} {hms}{frac}"


def _num(v: Any) -> float | None:
    if isinstance(v, bool):
        return None
    if isinstance(v, (int, float)):
        return float(v)
    if isinstance(v, str) and _NUM.match(v.strip()):
        return float(v)
    return None


def cell_equal(a: Any, b: Any) -> bool:
    a, b = norm(a), norm(b)
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, bool) or isinstance(b, bool):
        return a == b or str(a).lower() == str(b).lower()
    x, y = _num(a), _num(b)
    if x is not None and y is not None:
        if math.isinf(x) or math.isinf(y):
            return x == y
        return abs(x - y) <= max(ABS_TOL, REL_TOL * max(abs(x), abs(y)))
    if isinstance(a, str) and isinstance(b, str):
        # a timestamp at midnight vs a date: only equal when the date part is the whole value
        return a == b
    return a == b


def row_equal(a: Sequence[Any], b: Sequence[Any]) -> bool:
    return len(a) == len(b) and all(cell_equal(x, y) for x, y in zip(a, b))


def _key(row: Sequence[Any]) -> tuple:
    out = []
    for v in row:
        v = norm(v)
        n = _num(v)
        if v is None:
            out.append((2, 0.0, ""))
        elif n is not None:
            out.append((0, round(n, 6), ""))
        else:
            out.append((1, 0.0, str(v)))
    return tuple(out)


def _multiset_match(
    got: list[Sequence[Any]], want: list[Sequence[Any]], subset: bool = False
) -> tuple[bool, str]:
    """Greedy match after sorting; falls back to a quadratic search so tolerance never misorders."""
    remaining = sorted(want, key=_key)
    for g in sorted(got, key=_key):
        idx = next((i for i, w in enumerate(remaining) if row_equal(g, w)), None)
        if idx is None:
            return False, f"row {list(g)!r} is not in the expected answer"
        remaining.pop(idx)
    if remaining and not subset:
        return False, f"missing rows, e.g. {list(remaining[0])!r}"
    return True, ""


def compare(
    got_rows: list[Sequence[Any]] | None,
    want_rows: list[Sequence[Any]],
    *,
    ordered: bool = False,
    got_row_count: int | None = None,
    complete: bool = True,
    scalar: Any = None,
    has_scalar: bool = False,
) -> Verdict:
    """Compare an answer (rows of a result preview, or a scalar) with the truth."""
    want = [tuple(r) for r in want_rows]
    if has_scalar and not got_rows:
        if len(want) == 1 and len(want[0]) == 1:
            return Verdict(cell_equal(scalar, want[0][0]), f"scalar {scalar!r} != {want[0][0]!r}")
        return Verdict(False, f"a scalar answer {scalar!r} for a {len(want)}-row truth")
    got = [tuple(r) for r in (got_rows or [])]
    count = len(got) if got_row_count is None else int(got_row_count)
    if count != len(want):
        return Verdict(False, f"{count} rows, expected {len(want)}")
    width = len(want[0]) if want else None
    if got and width is not None and any(len(r) != width for r in got):
        return Verdict(False, f"{len(got[0])} columns, expected {width}")
    if not complete or len(got) < count:
        if ordered:
            for i, (g, w) in enumerate(zip(got, want)):
                if not row_equal(g, w):
                    return Verdict(False, f"row {i}: {list(g)!r} != {list(w)!r}")
            return Verdict(True)
        ok, why = _multiset_match(got, want, subset=True)
        return Verdict(ok, why)
    if ordered:
        for i, (g, w) in enumerate(zip(got, want)):
            if not row_equal(g, w):
                return Verdict(False, f"row {i}: {list(g)!r} != {list(w)!r}")
        return Verdict(True)
    ok, why = _multiset_match(got, want)
    return Verdict(ok, why)
