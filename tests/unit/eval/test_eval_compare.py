"""The eval's answer comparison: tolerance, order, NULLs, dates, scalars and partial previews."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))
from eval.compare import ABS_TOL, REL_TOL, cell_equal, compare  # noqa: E402


def test_documented_tolerance():
    assert (REL_TOL, ABS_TOL) == (1e-6, 1e-9)
    assert cell_equal(1000.0, 1000.0 * (1 + 5e-7))
    assert not cell_equal(1000.0, 1000.0 * (1 + 5e-6))
    assert cell_equal(0.0, 5e-10)
    assert not cell_equal(0.0, 5e-9)
    assert cell_equal(5, 5.0) and cell_equal("5", 5) and not cell_equal(5, 6)


def test_nulls_only_equal_nulls():
    assert cell_equal(None, float("nan"))
    assert not cell_equal(None, 0)
    assert not cell_equal("", None)


def test_dates_and_timestamps_as_iso_text():
    assert cell_equal(dt.date(2024, 3, 1), "2024-03-01")
    assert cell_equal(dt.datetime(2024, 3, 1, 12, 0), "2024-03-01T12:00:00Z")
    assert cell_equal("2024-03-01 12:00", "2024-03-01T12:00:00.000")
    assert not cell_equal(dt.date(2024, 3, 1), "2024-03-02")
    assert not cell_equal(dt.datetime(2024, 3, 1, 12, 0), "2024-03-01 12:00:01")


def test_order_insensitive_unless_asked():
    want = [("East", 1.0), ("West", 2.0)]
    got = [["West", 2.0], ["East", 1.0]]
    assert compare(got, want).ok
    assert not compare(got, want, ordered=True).ok
    assert compare(list(reversed(got)), want, ordered=True).ok


def test_multiset_counts_duplicates_and_width():
    assert not compare([["a"], ["a"]], [("a",), ("b",)]).ok
    assert not compare([["a", 1]], [("a",)]).ok
    assert not compare([["a"]], [("a",), ("a",)]).ok


def test_column_names_are_not_compared_and_scalar_equals_one_by_one():
    assert compare([[3.5]], [(3.5,)]).ok
    assert compare(None, [(3.5,)], has_scalar=True, scalar=3.5).ok
    assert not compare(None, [(3.5,)], has_scalar=True, scalar=3.6).ok
    assert not compare(None, [(1,), (2,)], has_scalar=True, scalar=1).ok


@pytest.mark.parametrize("ordered", [False, True])
def test_partial_preview_checks_count_and_rows(ordered):
    want = [(i, i * 2.0) for i in range(10)]
    assert compare([[0, 0.0], [1, 2.0]], want, ordered=ordered, got_row_count=10, complete=False).ok
    assert not compare([[0, 0.0], [1, 2.0]], want, ordered=ordered, got_row_count=11, complete=False).ok
    assert not compare([[0, 0.0], [1, 2.5]], want, ordered=ordered, got_row_count=10, complete=False).ok
