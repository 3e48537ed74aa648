"""The eval datasets: deterministic per seed, six shapes, small files; the suite's size and coverage."""

from __future__ import annotations

import csv
import io
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))
from eval import datasets, questions  # noqa: E402


def test_same_seed_same_bytes_other_seed_other_bytes(tmp_path):
    a, b = datasets.render(7), datasets.render(7, ["sales", "tickets"])
    assert {n: a[n] for n in b} == b
    assert datasets.render(8, ["sales"])["sales"] != a["sales"]
    paths = datasets.write(7, tmp_path)
    assert {n: p.read_text(encoding="utf-8") for n, p in paths.items()} == a


def test_shapes_and_sizes():
    data = datasets.render(datasets.DEFAULT_SEED)
    header = {n: next(csv.reader(io.StringIO(t))) for n, t in data.items()}
    assert len(header["wide"]) == 200
    assert {"customer_id", "product_id"} <= set(header["orders"])
    assert any(not c.isascii() for c in header["ventes"])
    assert ",," in data["tickets"] or ",\n" in data["tickets"]  # empty cells: NULLs
    for name, text in data.items():
        assert len(text.encode()) < 1_000_000, name


def test_suite_size_and_coverage():
    qs = questions.Q
    assert len(qs) >= 150
    assert len({q.session for q in qs}) >= 6
    assert all(q.sql for q in qs if q.expect == "answer")
    assert sum(q.expect == "refusal" for q in qs) >= 20
    intents = questions.intents()
    for intent in (
        "aggregate",
        "group_by",
        "time_bucket",
        "filter_date",
        "top_n",
        "sort",
        "describe",
        "distinct",
        "percent",
        "join",
        "projection",
        "filter_text",
        "filter_null",
    ):
        assert intents.get(intent), intent
    sub = questions.subset(1)
    assert len(sub) == len(intents) and sub == questions.subset(1)
