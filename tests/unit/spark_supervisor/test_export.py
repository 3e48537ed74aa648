"""export.render_standalone_script: a self-contained PySpark script."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from codeinterp_spark_supervisor.export import render_standalone_script

CODE = """\
from pyspark.sql import functions as F
df = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
result = df.groupBy("region").agg(F.sum("qty").alias("qty")).orderBy("region")
"""


def test_script_has_session_paths_body_and_output():
    s = render_standalone_script(CODE, {"sales": "/data/sales.csv"}, output_dir="out")
    compile(s, "script.py", "exec")
    assert "SparkSession.builder" in s and ".getOrCreate()" in s
    assert "'sales': '/data/sales.csv'" in s
    assert 'result = df.groupBy("region")' in s
    assert "result.parquet" in s and "result.csv" in s
    assert "codeinterp_spark_supervisor" not in s  # standalone: no codeinterp import


def test_table_inputs_are_registered_and_quotes_are_safe():
    s = render_standalone_script(
        'result = spark.table("shop.sales").count()',
        {"t": {"kind": "table", "table": "shop.sales", "path": "/d/it's.csv"}},
    )
    compile(s, "script.py", "exec")
    assert "CREATE TABLE" in s and "'t': 'shop.sales'" in s


def test_broken_body_is_rejected():
    with pytest.raises(SyntaxError):
        render_standalone_script("result = (", {})


@pytest.mark.slow
@pytest.mark.spark
def test_exported_script_runs(tmp_path):
    data = tmp_path / "sales.csv"
    data.write_text("region,qty\na,1\nb,2\na,3\n")
    script = tmp_path / "script.py"
    script.write_text(
        render_standalone_script(
            CODE, {"sales": str(data)}, output_dir=str(tmp_path / "out"), master="local[1]"
        )
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "CODEINTERP_"))}
    env["SPARK_LOCAL_IP"] = "127.0.0.1"
    r = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, env=env, timeout=240, cwd=tmp_path
    )
    assert r.returncode == 0, r.stderr[-3000:]
    assert "rows: 2" in r.stdout
    parts = [p for p in (tmp_path / "out" / "result.csv").iterdir() if p.name.endswith(".csv")]
    assert parts and parts[0].read_text().splitlines()[0] == "region,qty"
    assert json  # noqa: B018
