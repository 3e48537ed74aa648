"""LocalSparkExecutor against the real warm Spark Connect server (shared, session-scoped)."""

from __future__ import annotations

import asyncio
import json
import os
import time

import pandas as pd
import pytest
from google.protobuf import json_format

from codeinterp.common.v1 import types_pb2
from codeinterp_spark_supervisor.adapters.local_executor import InputSpec

from .conftest import FAKE_SECRETS

GROUP_BY = """\
from pyspark.sql import functions as F
df = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
print("rows in:", df.count())
result = (df.groupBy("region")
            .agg(F.count("*").alias("n"), F.sum("qty").alias("qty"), F.round(F.avg("amount"), 4).alias("avg_amount"))
            .orderBy("region"))
"""

ROOT = os.getuid() == 0


async def _ready(ex):
    assert await ex.ready(120)


async def test_group_by_matches_pandas_and_manifest_is_a_result_manifest(executor, sample_csv):
    await _ready(executor)
    logs: list[tuple[str, str]] = []
    out = await executor.run(
        "good-1",
        GROUP_BY,
        {"sales": InputSpec.csv(sample_csv)},
        timeout_s=120,
        on_log=lambda s, line: logs.append((s, line)),
    )
    assert out.ok, (out.error, out.traceback_tail)
    assert out.state == "SUCCEEDED"
    m = out.manifest
    json_format.ParseDict(m, types_pb2.ResultManifest())  # same field names as the proto
    pdf = pd.read_csv(sample_csv)
    exp = (
        pdf.groupby("region")
        .agg(n=("qty", "size"), qty=("qty", "sum"), avg_amount=("amount", "mean"))
        .reset_index()
        .sort_values("region")
    )
    assert m["row_count"] == len(exp) == 40
    assert m["complete"] is True
    assert [c["name"] for c in m["schema"]] == ["region", "n", "qty", "avg_amount"]
    assert [c["type"] for c in m["schema"]] == ["string", "long", "long", "double"]
    got = pd.DataFrame(m["preview_rows"], columns=["region", "n", "qty", "avg_amount"])
    assert got["region"].tolist() == exp["region"].tolist()
    assert got["n"].tolist() == exp["n"].tolist()
    assert got["qty"].tolist() == exp["qty"].tolist()
    assert (got["avg_amount"] - exp["avg_amount"].to_numpy()).abs().max() < 1e-3
    fmts = {f["format"] for f in m["files"]}
    assert fmts == {"parquet", "csv"}
    for f in m["files"]:
        assert os.path.getsize(f["uri"]) == f["size_bytes"] > 0
        assert f["uri"].startswith(out.job_dir)
    csv_file = next(f["uri"] for f in m["files"] if f["format"] == "csv")
    from_csv = pd.read_csv(csv_file)
    assert from_csv["n"].tolist() == exp["n"].tolist()
    pq = pd.read_parquet(os.path.join(out.job_dir, "output", "result.parquet"))
    assert len(pq) == 40
    assert "rows in: 30000" in m["stdout_tail"]
    assert ("stdout", "rows in: 30000") in logs
    assert json.loads(open(os.path.join(out.job_dir, "manifest.json")).read())["row_count"] == 40
    # staged inputs are removed after the job, the original is untouched
    assert not os.path.exists(os.path.join(out.job_dir, "inputs"))
    assert sample_csv.exists()


async def test_scalar_result(executor, sample_csv):
    await _ready(executor)
    code = 'df = spark.read.csv(inputs["sales"], header=True)\nresult = df.count()\n'
    out = await executor.run("scalar-1", code, {"sales": InputSpec.csv(sample_csv)}, timeout_s=60)
    assert out.ok, out.error
    assert out.manifest["scalar"] == 30000
    assert out.manifest["row_count"] == 1 and out.manifest["files"] == [] and out.manifest["schema"] == []
    json_format.ParseDict(out.manifest, types_pb2.ResultManifest())


async def test_catalog_table_input_resolves_with_spark_table(executor, sample_csv):
    await _ready(executor)
    code = 'result = spark.table("shop.sales").groupBy("region").count().orderBy("region").limit(3)\n'
    spec = InputSpec.catalog_table("shop.sales", sample_csv)
    out = await executor.run("table-1", code, {"sales": spec}, timeout_s=60)
    assert out.ok, (out.error, out.traceback_tail)
    assert out.manifest["row_count"] == 3
    assert out.manifest["preview_rows"][0][0] == "r00"


async def test_runtime_error_reports_failing_line_and_code_class(executor):
    await _ready(executor)
    code = "x = 1\ny = 2\nz = undefined_name + x\nresult = z\n"
    out = await executor.run("err-1", code, {}, timeout_s=60)
    assert not out.ok and out.state == "FAILED"
    assert out.error_class == "CODE"
    assert out.failing_line == 3
    assert "NameError" in out.error
    assert "undefined_name" in out.traceback_tail


async def test_analysis_error_is_code(executor, sample_csv):
    await _ready(executor)
    code = 'df = spark.read.csv(inputs["sales"], header=True)\nresult = df.select("no_such_column")\n'
    out = await executor.run("err-2", code, {"sales": InputSpec.csv(sample_csv)}, timeout_s=60)
    assert not out.ok
    assert out.error_class == "CODE"
    assert "no_such_column" in out.error


async def test_timeout_of_infinite_loop_within_budget_and_worker_replaced(executor):
    await _ready(executor)
    timeout = 3.0
    t0 = time.monotonic()
    out = await executor.run("loop-1", "while True:\n    pass\n", {}, timeout_s=timeout)
    took = time.monotonic() - t0
    assert not out.ok and out.error_class == "TIMEOUT"
    assert took <= timeout * 1.1, took
    with pytest.raises(ProcessLookupError):
        os.kill(out.worker_pid, 0)  # that worker is gone
    await _ready(executor)
    again = await executor.run("after-loop", "result = 41 + 1\n", {}, timeout_s=60)
    assert again.ok and again.manifest["scalar"] == 42
    assert again.worker_pid != out.worker_pid


async def test_idle_workers_are_replaced_before_their_connect_session_expires(executor):
    """A warm worker idle longer than worker_max_idle_s (below the server's session timeout)
    is never handed a job: its session may be closed (INVALID_HANDLE.SESSION_CLOSED)."""
    await _ready(executor)
    idle_pids = {w.proc.pid for w in list(executor._idle._queue)}
    assert idle_pids
    saved = executor.worker_max_idle_s
    executor.worker_max_idle_s = 3.0
    try:
        await asyncio.sleep(3.5)  # every idle worker is now "stale"
        out = await executor.run("after-idle", "result = spark.range(5).count()\n", {}, timeout_s=120)
    finally:
        executor.worker_max_idle_s = saved
    assert out.ok, out.error
    assert out.manifest["scalar"] == 5
    assert out.worker_pid not in idle_pids
    for pid in idle_pids:  # the stale ones were retired, not leaked
        for _ in range(100):
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                break
            await asyncio.sleep(0.1)
        else:
            raise AssertionError(f"stale worker {pid} still alive")
    await _ready(executor)


async def test_cancel_running_job(executor):
    await _ready(executor)
    task = asyncio.ensure_future(
        executor.run("cancel-1", "import time\ntime.sleep(60)\nresult = 1\n", {}, timeout_s=60)
    )
    await asyncio.sleep(1.0)
    t0 = time.monotonic()
    assert await executor.cancel("cancel-1")
    out = await task
    assert time.monotonic() - t0 < 3.0
    assert out.state == "CANCELLED" and out.error_class == "CANCELLED_BY_USER"
    assert not await executor.cancel("cancel-1")  # no longer running


async def test_output_cap(executor):
    await _ready(executor)
    code = (
        "from pyspark.sql import functions as F\n"
        "result = spark.range(300000).select(F.col('id'), F.sha2(F.col('id').cast('string'), 256).alias('h'))\n"
    )
    out = await executor.run("cap-1", code, {}, timeout_s=120, max_output_bytes=200_000)
    assert not out.ok
    assert out.error_class == "RESOURCE"
    assert "cap" in out.error
    left = [f for _, _, fs in os.walk(os.path.join(out.job_dir, "output")) for f in fs]
    assert not [f for f in left if f.endswith((".parquet", ".csv"))], left


async def test_env_dump_has_no_secrets(executor):
    await _ready(executor)
    assert os.environ["AWS_SECRET_ACCESS_KEY"] == FAKE_SECRETS["AWS_SECRET_ACCESS_KEY"]  # supervisor has them
    out = await executor.run("env-1", "import os\nresult = dict(os.environ)\n", {}, timeout_s=60)
    assert out.ok, out.error
    env = out.manifest["scalar"]
    dump = json.dumps(env)
    for k, v in FAKE_SECRETS.items():
        assert k not in env and v not in dump
    assert not [k for k in env if k.startswith(("AWS_", "CODEINTERP_"))]
    assert set(env) <= {
        "PATH",
        "HOME",
        "TMPDIR",
        "LANG",
        "PYTHONDONTWRITEBYTECODE",
        "PYTHONNOUSERSITE",
        "SPARK_CONNECT_MODE_ENABLED",
    }
    assert env["HOME"] == out.job_dir


@pytest.mark.skipif(not ROOT, reason="privilege drop needs a root supervisor")
async def test_services_data_dir_is_not_readable(executor, services_data_dir, hidden_data_dir):
    await _ready(executor)
    code = f"""
import os
res = {{"uid": os.getuid()}}
for p in [{str(services_data_dir / "jobs.sqlite")!r}, {str(services_data_dir / "other-session.csv")!r},
          {str(hidden_data_dir / "secret.txt")!r}, "/proc/1/environ", "/root/.bashrc"]:
    try:
        open(p).read()
        res[p] = "READ"
    except Exception as exc:
        res[p] = type(exc).__name__
try:
    res["listdir_hidden"] = os.listdir({str(hidden_data_dir)!r})
except FileNotFoundError:
    res["listdir_hidden"] = []
result = res
"""
    out = await executor.run("fs-1", code, {}, timeout_s=60)
    assert out.ok, out.error
    r = out.manifest["scalar"]
    assert r["uid"] != 0
    # PermissionError (0700, root) — or FileNotFoundError when the checkout's own parent is
    # untraversable and therefore hidden by the mount namespace: contained either way.
    assert r[str(services_data_dir / "jobs.sqlite")] in ("PermissionError", "FileNotFoundError")
    assert r[str(services_data_dir / "other-session.csv")] in ("PermissionError", "FileNotFoundError")
    assert r[str(hidden_data_dir / "secret.txt")] == "FileNotFoundError"  # hidden by the mount namespace
    assert r["/root/.bashrc"] == "FileNotFoundError"  # /root is an empty tmpfs in the worker
    assert r["listdir_hidden"] == []
    assert r["/proc/1/environ"] == "PermissionError"
    assert "READ" not in r.values()


@pytest.mark.skipif(not ROOT, reason="engine user separation needs a root supervisor")
async def test_engine_cannot_read_services_data_dir(executor, services_data_dir):
    await _ready(executor)
    code = f"result = spark.read.text({str(services_data_dir / 'other-session.csv')!r})\n"
    out = await executor.run("fs-2", code, {}, timeout_s=60)
    assert not out.ok
    assert out.error_class in ("PERMISSION", "CODE")
    assert "Permission denied" in out.error or "PATH_NOT_FOUND" in out.error or "denied" in out.error.lower()


async def test_no_inherited_file_descriptors(executor, supervisor_fd_sentinel):
    await _ready(executor)
    code = """
import os
fds = {}
for fd in os.listdir("/proc/self/fd"):
    try:
        fds[fd] = os.readlink("/proc/self/fd/" + fd)
    except OSError:
        pass
result = fds
"""
    out = await executor.run("fd-1", code, {}, timeout_s=60)
    assert out.ok, out.error
    targets = list(out.manifest["scalar"].values())
    assert str(supervisor_fd_sentinel) not in targets
    assert not [t for t in targets if t.endswith((".db", ".sqlite", ".log"))], targets


@pytest.mark.skipif(not ROOT, reason="network namespaces need a root supervisor")
async def test_network_connection_from_job_fails(executor, loopback_listener):
    """Enforced: the worker has its own network namespace with no interface up, so even the
    host's loopback (where a listener really is reachable from the supervisor) is unreachable."""
    await _ready(executor)
    import socket

    with socket.create_connection(("127.0.0.1", loopback_listener), timeout=2):
        pass  # reachable from the supervisor's namespace
    code = f"""
import socket
res = {{}}
for host in ["127.0.0.1", "10.255.255.1"]:
    try:
        socket.create_connection((host, {loopback_listener}), timeout=2).close()
        res[host] = "CONNECTED"
    except OSError as exc:
        res[host] = f"{{type(exc).__name__}}:{{exc.errno}}"
result = res
"""
    out = await executor.run("net-1", code, {}, timeout_s=60)
    assert out.ok, out.error
    assert "CONNECTED" not in out.manifest["scalar"].values(), out.manifest["scalar"]
    assert out.isolation.get("netns") is True
    assert out.isolation.get("uid") not in (None, 0)


async def test_timeout_during_a_long_spark_query_interrupts_the_engine(executor):
    """Case 16/17: killing the worker is not enough - its query must stop in the shared JVM."""
    await _ready(executor)
    code = "result = spark.range(0, 10**12, 1, 2).selectExpr('sum(id * 7 % 13) AS s').collect()\n"
    t0 = time.monotonic()
    out = await executor.run("long-spark-1", code, {}, timeout_s=3.0)
    assert out.error_class == "TIMEOUT"
    assert time.monotonic() - t0 <= 3.3
    await _ready(executor)
    await asyncio.sleep(1.0)  # the interrupt runs off the result path
    t1 = time.monotonic()
    nxt = await executor.run("after-long", "result = spark.range(10).count()\n", {}, timeout_s=60)
    assert nxt.ok and nxt.manifest["scalar"] == 10
    assert time.monotonic() - t1 < 5.0, "the engine still seems busy with the killed job's query"
