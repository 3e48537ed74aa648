"""The engine-side runner (runner.py) on a Spark Connect session, plus the cold path."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from google.protobuf import json_format

from codeinterp.common.v1 import types_pb2
from codeinterp_spark_supervisor import runner


@pytest.fixture(scope="session")
def connect_spark(executor):
    from codeinterp_spark_supervisor.adapters.spark_connect import connect_session

    s = connect_session(executor.server.socket_path, user_id="runner-tests")
    yield s
    s.stop()


@pytest.fixture
def spark(connect_spark, monkeypatch):
    monkeypatch.setenv("SPARK_CONNECT_MODE_ENABLED", "1")  # pyspark.sql.functions -> Connect
    return connect_spark


@pytest.fixture
def out_dir(spark_env_root) -> Path:
    d = spark_env_root / "runner-out" / uuid.uuid4().hex
    (d / "output").mkdir(parents=True)
    for p in (d.parent, d, d / "output"):
        os.chmod(p, 0o777)  # the JVM (engine user) writes here
    return d / "output"


def test_json_safe_preview_and_types(spark, out_dir):
    code = """
from pyspark.sql import functions as F
result = spark.sql(\"\"\"
  SELECT 1 AS i, CAST(2 AS BIGINT) AS l, CAST('12.50' AS DECIMAL(10,2)) AS d,
         DATE'2024-02-29' AS day, TIMESTAMP'2024-01-02 03:04:05' AS ts,
         CAST('NaN' AS DOUBLE) AS nan, 'héllo' AS s, array(1,2) AS arr, CAST(NULL AS STRING) AS n
\"\"\")
"""
    o = runner.run_code(spark, code, {}, out_dir)
    assert o["ok"], o
    m = o["manifest"]
    json_format.ParseDict(m, types_pb2.ResultManifest())
    types = {c["name"]: c["type"] for c in m["schema"]}
    assert types == {
        "i": "integer",
        "l": "long",
        "d": "decimal(10,2)",
        "day": "date",
        "ts": "timestamp",
        "nan": "double",
        "s": "string",
        "arr": "array<integer>",
        "n": "string",
    }
    row = m["preview_rows"][0]
    assert row[:4] == [1, 2, "12.50", "2024-02-29"]
    assert row[4].startswith("2024-01-02T03:04:05")
    assert row[5:] == ["NaN", "héllo", [1, 2], None]
    assert m["row_count"] == 1 and m["complete"]
    csv_text = Path(out_dir / "result.csv").read_text()
    assert "héllo" in csv_text and "[1, 2]" in csv_text


def test_preview_is_capped_and_row_count_exact(spark, out_dir):
    o = runner.run_code(spark, "result = spark.range(1234).orderBy('id')\n", {}, out_dir, preview_rows=7)
    assert o["ok"], o
    m = o["manifest"]
    assert m["row_count"] == 1234 and not m["complete"]
    assert m["preview_rows"] == [[i] for i in range(7)]


def test_list_and_row_results_are_scalars(spark, out_dir):
    o = runner.run_code(spark, "result = spark.range(3).collect()\n", {}, out_dir)
    assert o["ok"], o
    assert o["manifest"]["scalar"] == [{"id": 0}, {"id": 1}, {"id": 2}]
    assert o["manifest"]["files"] == []


def test_syntax_error_line(spark, out_dir):
    o = runner.run_code(spark, "a = 1\nb = (\n", {}, out_dir)
    assert not o["ok"]
    assert o["error_class"] == "CODE" and o["failing_line"] == 2
    assert o["error"].startswith("SyntaxError")


def test_missing_result_is_code_error(spark, out_dir):
    o = runner.run_code(spark, "x = spark.range(3)\n", {}, out_dir)
    assert not o["ok"] and o["error_class"] == "CODE" and "result" in o["error"]


def test_malformed_data_with_failfast_is_data(spark, out_dir, spark_env_root, sample_csv):
    bad = spark_env_root / "data" / "bad.csv"
    bad.write_text("a,b\n1,2\nnot-a-number,3\n")
    os.chmod(bad, 0o644)
    code = 'result = spark.read.csv(inputs["t"], header=True, schema="a int, b int", mode="FAILFAST")\n'
    o = runner.run_code(spark, code, {"t": {"kind": "csv", "path": str(bad)}}, out_dir)
    assert not o["ok"]
    assert o["error_class"] == "DATA", o["error"]


@pytest.mark.parametrize(
    ("exc", "cls"),
    [
        (NameError("x"), "CODE"),
        (TypeError("bad operand"), "CODE"),
        (AttributeError("no attr"), "CODE"),
        (MemoryError(), "RESOURCE"),
        (RuntimeError("java.lang.OutOfMemoryError: Java heap space"), "RESOURCE"),
        (PermissionError("nope"), "PERMISSION"),
        (RuntimeError("S3 AccessDenied"), "PERMISSION"),
        (RuntimeError("[MALFORMED_RECORD_IN_PARSING] Malformed records are detected"), "DATA"),
        (TimeoutError(), "TIMEOUT"),
        (runner.RunnerError("cap", "RESOURCE"), "RESOURCE"),
    ],
)
def test_classify_error(exc, cls):
    assert runner.classify_error(exc) == cls


@pytest.mark.slow
def test_cold_path_runner_module(spark_env_root, sample_csv):
    """`python -m codeinterp_spark_supervisor.runner --job-dir DIR`: its own classic JVM."""
    job_dir = spark_env_root / "cold-job"
    job_dir.mkdir()
    job = {
        "code": "from pyspark.sql import functions as F\n"
        "df = spark.read.csv(inputs['sales'], header=True, inferSchema=True)\n"
        "result = df.groupBy('region').agg(F.sum('qty').alias('qty')).orderBy('region')\n",
        "inputs": {
            "sales": {"kind": "csv", "path": str(sample_csv)},
            "t": {"kind": "table", "table": "shop.sales", "path": str(sample_csv), "format": "csv"},
        },
        "preview_rows": 5,
    }
    (job_dir / "job.json").write_text(json.dumps(job))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "CODEINTERP_"))}
    env["SPARK_LOCAL_IP"] = "127.0.0.1"
    t0 = time.monotonic()
    r = subprocess.run(
        [sys.executable, "-m", "codeinterp_spark_supervisor.runner", "--job-dir", str(job_dir)],
        capture_output=True,
        text=True,
        env=env,
        timeout=240,
    )
    took = time.monotonic() - t0
    assert r.returncode == 0, r.stderr[-3000:]
    outcome = json.loads((job_dir / "outcome.json").read_text())
    assert outcome["ok"] and outcome["engine"] == "classic-local"
    m = json.loads((job_dir / "manifest.json").read_text())
    json_format.ParseDict(m, types_pb2.ResultManifest())
    assert m["row_count"] == 40 and len(m["preview_rows"]) == 5
    print(f"cold runner: {took:.1f} s wall, session start {outcome['timings'].get('session_start_s')} s")
