"""Ground truth: each question's SQL run by DuckDB over the generated CSV files.

Nothing here imports codeinterp: DuckDB reads the files with its own CSV reader and type
detection, so a bug shared by our reader and our generator cannot hide in the truth.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb

from .compare import norm
from .questions import Question


class Truth:
    def __init__(self, paths: dict[str, Path]):
        self.con = duckdb.connect(":memory:")
        for name, path in paths.items():
            p = str(path).replace("'", "''")
            self.con.execute(
                f"create view \"{name}\" as select * from read_csv('{p}', header = true, sample_size = -1)"
            )

    def rows(self, question: Question, sql: str | None = None) -> list[tuple[Any, ...]]:
        sql = sql or question.sql
        if sql is None:
            raise ValueError(f"{question.id} has no ground truth (expect={question.expect})")
        cur = self.con.execute(sql)
        return [tuple(norm(v) for v in row) for row in cur.fetchall()]

    def readings(self, question: Question) -> list[list[tuple[Any, ...]]]:
        """The truth of every acceptable reading: the main SQL first, then `alt`."""
        return [self.rows(question, s) for s in (question.sql, *question.alt) if s]

    def close(self) -> None:
        self.con.close()
