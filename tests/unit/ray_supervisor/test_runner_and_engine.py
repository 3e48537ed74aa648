"""Runner helpers (materialising results into a manifest) and engine submit rules, without Ray."""

from __future__ import annotations

import asyncio
import datetime
import decimal
import json

import pandas as pd
import pyarrow as pa

from codeinterp_common.jobs.model import JobRecord
from codeinterp_ray_supervisor import runner
from codeinterp_ray_supervisor.adapters.ray_jobs import EngineOptions, RayJobsEngine
from codeinterp_ray_supervisor.domain.export import render_script


def test_tables_from_pandas_arrow_and_series():
    frame = pd.DataFrame({"a": [1, 2], "b": ["x", "y"]})
    assert runner.as_table(frame).column_names == ["a", "b"]
    grouped = frame.groupby("b")["a"].sum()  # Series with a named index → two columns
    assert runner.as_table(grouped).column_names == ["b", "a"]
    table = pa.table({"v": [1.5]})
    assert runner.as_table(table) is table
    assert runner.as_table(42) is None and runner.as_table({"k": 1}) is None


def test_a_column_ray_data_pickled_becomes_text_with_nulls():
    # Ray Data stores a column that mixes text and NaN as pickled Python objects; the result
    # must show NULL there, never the text 'nan' (found by the eval: groups of empty cities).
    import numpy as np
    from ray.data._internal.object_extensions.pandas import PythonObjectArray

    frame = pd.DataFrame({"city": pd.Series(PythonObjectArray(np.array(["Oslo", float("nan")], dtype=object))),
                          "n": [3, 4]})
    table = runner.as_table(frame)
    assert table.schema.field("city").type == pa.string()
    assert table.to_pylist() == [{"city": "Oslo", "n": 3}, {"city": None, "n": 4}]


def test_type_names_are_engine_neutral():
    schema = pa.schema([("i", pa.int64()), ("j", pa.int32()), ("d", pa.float64()), ("s", pa.string()),
                        ("b", pa.bool_()), ("t", pa.timestamp("us")), ("dt", pa.date32()),
                        ("l", pa.list_(pa.int64())), ("m", pa.decimal128(10, 2))])
    assert [runner.type_name(f.type) for f in schema] == [
        "long", "integer", "double", "string", "boolean", "timestamp", "date", "array<long>", "decimal(10,2)"]


def test_json_safe_values():
    values = [float("nan"), decimal.Decimal("1.10"), datetime.date(2024, 1, 2), b"\x00", {"k": (1, 2)}]
    assert json.dumps([runner.json_safe(v) for v in values]) == '["nan", "1.10", "2024-01-02", "AA==", {"k": [1, 2]}]'


def test_failure_classes_and_lines():
    assert runner.classify(FileNotFoundError("x")) == "DATA"
    assert runner.classify(MemoryError()) == "RESOURCE"
    assert runner.classify(PermissionError()) == "PERMISSION"
    assert runner.classify(KeyError("col")) == "CODE"
    text = 'Traceback:\n  File "<job-code>", line 3, in <module>\n  File "<job-code>", line 7, in f\nZeroDivisionError'
    assert runner.failing_line(ZeroDivisionError(), text) == 7


def test_write_outputs_respects_the_size_limit(tmp_path):
    table = pa.table({"a": list(range(1000))})
    files = runner.write_outputs(table, tmp_path, 0)
    assert {f["format"] for f in files} == {"parquet", "csv"}
    try:
        runner.write_outputs(table, tmp_path, 10)
    except runner.ResultTooLarge as exc:
        assert runner.classify(exc) == "RESOURCE"
    else:
        raise AssertionError("expected ResultTooLarge")


class _FakeClient:
    def __init__(self, failures: list[Exception]):
        self.failures = failures
        self.calls: list[dict] = []

    def get(self):
        return self

    def reset(self):
        pass

    def submit_job(self, **kwargs):
        self.calls.append(kwargs)
        if self.failures:
            raise self.failures.pop(0)
        return kwargs["submission_id"]


def _engine(tmp_path, client):
    return RayJobsEngine(client, EngineOptions(jobs_dir=tmp_path / "jobs", outputs_dir=tmp_path / "out",
                                               python="/venv/bin/python", entrypoint_num_cpus=0.5))


def _job():
    return JobRecord(id="ray-abc234", uid="u", code="result = 1\n", code_sha256="0" * 64, session="sessions/s1")


async def test_submit_uses_our_id_a_working_dir_and_no_user_runtime_env(tmp_path):
    client = _FakeClient([])
    engine = _engine(tmp_path, client)
    engine._prepare(_job())
    await engine._submit(_job())
    call = client.calls[0]
    assert call["submission_id"] == "ray-abc234"
    assert call["entrypoint"] == "/venv/bin/python runner.py"
    assert call["runtime_env"] == {"working_dir": str((tmp_path / "jobs" / "ray-abc234").resolve())}
    assert call["metadata"]["session"] == "sessions/s1" and call["entrypoint_num_cpus"] == 0.5
    workdir = tmp_path / "jobs" / "ray-abc234"
    assert sorted(p.name for p in workdir.iterdir()) == ["job-code.py", "job.json", "runner.py"]


async def test_already_exists_after_a_transient_error_counts_as_submitted(tmp_path):
    client = _FakeClient([ConnectionError("reset"), RuntimeError("Job with submission_id ray-abc234 already exists.")])
    engine = _engine(tmp_path, client)
    engine.options.submit_attempts = 3
    engine._prepare(_job())
    await asyncio.wait_for(engine._submit(_job()), 5)
    assert len(client.calls) == 2


def test_export_renders_a_standalone_script():
    from codeinterp.common.v1 import types_pb2 as t

    script = render_script("ray-abc234", "result = 1", [t.ExecutionInput(name="sales", uri="file:///d/s.csv")])
    assert "ray.init()" in script and "inputs = {'sales': '/d/s.csv'}" in script
    compile(script, "export", "exec")
