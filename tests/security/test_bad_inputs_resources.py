"""Bad inputs 16-19: resource abuse (security-and-reliability.md §3).

In-process: the validator refuses the forms visible in the source (class 9 of §2.1), and both
runners' result writers fail with error class RESOURCE at the output cap leaving no partial
output. The wall-clock timeout, worker replacement and engine interruption on a real executor
are tested in tests/integration/spark_supervisor/test_local_executor.py (registry: elsewhere).
"""

from __future__ import annotations

import pyarrow as pa
import pytest
from sec_support import explain, ray, rejected, spark

from codeinterp_ray_supervisor import runner as ray_runner
from codeinterp_spark_supervisor import runner as spark_runner

LOOPS = [
    "while True:\n    pass\n",
    "while 1:\n    x = 1\n",
    "n = 0\nwhile True:\n    n += 1\n    for i in range(3):\n        break\n",
    "import time\ntime.sleep(10**6)\n",
    "from time import sleep\nsleep(3600)\n",
    "import time\nd = 60\ntime.sleep(d)\n",
]


@pytest.mark.bad_input(16, "FAIL-CLEAN")
@pytest.mark.parametrize("body", LOOPS)
@pytest.mark.parametrize("framework", ["spark", "ray"])
def test_visible_endless_loops_and_long_sleeps_are_refused(framework: str, body: str) -> None:
    result = (spark if framework == "spark" else ray)(body)
    assert rejected(result, "safety.resource-abuse"), explain(result)


@pytest.mark.bad_input(16, "FAIL-CLEAN")
def test_loops_that_can_end_are_not_refused() -> None:
    body = "n = 0\nwhile True:\n    n += 1\n    if n > 3:\n        break\nimport time\ntime.sleep(0.5)\n"
    assert spark(body).valid, explain(spark(body))
    assert ray(body).valid, explain(ray(body))


class ArrowFrame:
    """Stands in for a Spark DataFrame in the runner's small-result writer, which only calls
    `.limit(n).toArrow()`; the real-Spark path of the cap is test_local_executor.py::test_output_cap
    (a local Spark is too slow to start for this suite's budget)."""

    def __init__(self, table: pa.Table) -> None:
        self.table = table

    def limit(self, n: int) -> ArrowFrame:
        return ArrowFrame(self.table.slice(0, n))

    def toArrow(self) -> pa.Table:  # noqa: N802 - Spark's spelling
        return self.table


HUGE_ROWS = pa.table({"k": pa.array(range(9_000)), "v": pa.array(["x" * 200] * 9_000)})
HUGE_CELL = pa.table({"cell": ["y" * (2 << 20)]})


@pytest.mark.bad_input(17, "FAIL-CLEAN")
@pytest.mark.parametrize("table", [HUGE_ROWS, HUGE_CELL], ids=["exploded-rows", "one-huge-cell"])
def test_spark_result_over_the_cap_fails_resource_without_leftovers(tmp_path, table: pa.Table) -> None:
    out = tmp_path / "output"
    out.mkdir()
    with pytest.raises(spark_runner.RunnerError) as err:
        spark_runner.write_dataframe(ArrowFrame(table), out, preview_rows=5, max_output_bytes=1 << 20)
    assert err.value.error_class == "RESOURCE"
    assert spark_runner.classify_error(err.value) == "RESOURCE"
    assert "cap" in str(err.value)
    assert [p for p in out.rglob("*") if p.is_file()] == []


@pytest.mark.bad_input(17, "FAIL-CLEAN")
@pytest.mark.parametrize("exc", [MemoryError(), RuntimeError("java.lang.OutOfMemoryError: Java heap space")])
def test_out_of_memory_is_classified_resource(exc: BaseException) -> None:
    assert spark_runner.classify_error(exc) == "RESOURCE"
    assert ray_runner.classify(MemoryError()) == "RESOURCE"


@pytest.mark.bad_input(18, "FAIL-CLEAN")
@pytest.mark.parametrize("table", [HUGE_ROWS, HUGE_CELL], ids=["many-rows", "one-huge-cell"])
def test_ray_result_over_the_cap_fails_resource_without_leftovers(tmp_path, table: pa.Table) -> None:
    out = tmp_path / "output"
    out.mkdir()
    with pytest.raises(ray_runner.ResultTooLarge) as err:
        ray_runner.write_outputs(table, out, 1 << 20)
    assert ray_runner.classify(err.value) == "RESOURCE"
    assert [p for p in out.rglob("*") if p.is_file()] == []


@pytest.mark.bad_input(18, "FAIL-CLEAN")
def test_results_under_the_cap_are_written(tmp_path) -> None:
    small = pa.table({"k": [1, 2, 3]})
    files = ray_runner.write_outputs(small, tmp_path, 1 << 20)
    assert {f["format"] for f in files} == {"parquet", "csv"}
    manifest = spark_runner.write_dataframe(
        ArrowFrame(small), tmp_path / "s", preview_rows=5, max_output_bytes=1 << 20
    )
    assert manifest["row_count"] == 3


REDOS = [
    'import re\nx = re.match("(a+)+$", "a" * 30 + "!")\n',
    'import re\nx = re.compile(r"^(\\w+\\s?)*$")\n',
    'import re\nx = re.search("(a|a)*b", "aaaa")\n',
    'import re\nx = re.findall("(.*a){12,}", "x")\n',
]


@pytest.mark.bad_input(19, "FAIL-CLEAN")
@pytest.mark.parametrize("body", REDOS)
@pytest.mark.parametrize("framework", ["spark", "ray"])
def test_catastrophic_regexes_are_refused(framework: str, body: str) -> None:
    result = (spark if framework == "spark" else ray)(body)
    assert rejected(result, "safety.resource-abuse"), explain(result)


@pytest.mark.bad_input(19, "FAIL-CLEAN")
@pytest.mark.parametrize(
    "body",
    [
        'from pyspark.sql import functions as F\nresult = df.withColumn("m", F.regexp_extract("note", "(x+x+)+y", 1))\n',
        'result = df.filter(df.note.rlike("^(a|a)+$"))\n',
    ],
)
def test_catastrophic_regexes_in_spark_functions_are_refused(body: str) -> None:
    assert rejected(spark(body), "safety.resource-abuse"), explain(spark(body))


@pytest.mark.bad_input(19, "FAIL-CLEAN")
def test_ordinary_regexes_pass() -> None:
    body = (
        "from pyspark.sql import functions as F\n"
        'result = df.withColumn("sku", F.regexp_extract("sku", r"^([A-Z]+)-(\\d{2,4})$", 1))\n'
    )
    assert spark(body).valid, explain(spark(body))
