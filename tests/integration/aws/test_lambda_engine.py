"""LambdaEngine end to end without AWS: boto3 -> the loopback Lambda fixture
(tests/fixtures/lambda_server.py) -> the REAL handler with local Spark -> moto's S3.

One warm worker (one cold Spark start) serves the tests in file order; the out-of-memory and
function-timeout tests kill workers (as Lambda does) and therefore come last. The
out-of-memory case is a real memory limit enforced by the fixture (it watches the worker's
resident memory and SIGKILLs it, like Lambda's sandbox); nothing is injected into the
production handler. ``worker_env`` sets ``JAVA_TOOL_OPTIONS`` (C1 JIT only, serial GC) only to
shorten the test JVM's start on this 2-core machine.
"""

from __future__ import annotations

import asyncio
import json
import logging
import secrets
import shutil
import tempfile
from pathlib import Path

import pytest
from google.protobuf import duration_pb2

from codeinterp.common.v1 import types_pb2 as t
from codeinterp_common.aws import AwsSettings, aws_client
from codeinterp_common.jobs.api import encode_inputs, encode_limits
from codeinterp_common.jobs.manager import sha256_hex
from codeinterp_common.jobs.model import JobRecord
from codeinterp_spark_supervisor.adapters.lambda_engine import (
    LAMBDA_LIMIT_PREFIX,
    LambdaEngine,
    is_function_limit,
    map_function_error,
)

pytestmark = [pytest.mark.integration, pytest.mark.spark, pytest.mark.slow]

BUCKET = "ci-lambda"
FUNCTION = "codeinterp-spark"
# Distinctive dummy credentials (moto accepts anything): the scan at the end looks for them.
FAKE_KEY_ID = "AKIAFAKEKEYFORSCAN" + secrets.token_hex(2).upper()
FAKE_SECRET = "fakeSecretForScan/" + secrets.token_urlsafe(24)
FAKE_TOKEN = "fakeSessionTokenForScan" + secrets.token_urlsafe(24)
CSV = "region,amount\n" + "".join(f"r{i % 3},{i}\n" for i in range(300))


class _Capture(logging.Handler):
    def __init__(self):
        super().__init__(logging.INFO)
        self.lines: list[str] = []

    def emit(self, record):
        self.lines.append(self.format(record) + " " + json.dumps(record.__dict__, default=str))


@pytest.fixture(scope="module")
def aws(moto_server):
    """Fake credentials in this process, the bucket, the Lambda fixture and its warm worker."""
    mp = pytest.MonkeyPatch()
    mp.setenv("AWS_ACCESS_KEY_ID", FAKE_KEY_ID)
    mp.setenv("AWS_SECRET_ACCESS_KEY", FAKE_SECRET)
    mp.setenv("AWS_SESSION_TOKEN", FAKE_TOKEN)
    capture = _Capture()
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(capture)
    root.setLevel(logging.INFO)
    from lambda_server import LambdaServer, worker_env

    tmp = Path(tempfile.mkdtemp(prefix="ci-lambda-"))
    creds = {
        "AWS_ACCESS_KEY_ID": FAKE_KEY_ID,
        "AWS_SECRET_ACCESS_KEY": FAKE_SECRET,
        "AWS_SESSION_TOKEN": FAKE_TOKEN,
    }
    env = worker_env(moto_server.endpoint, tmp / "fn-tmp", credentials=creds)
    server = LambdaServer(env, function_name=FUNCTION, function_timeout_s=240, log_dir=tmp / "logs").start()
    s3 = moto_server.client("s3")
    s3.create_bucket(Bucket=BUCKET)
    s3.put_object(Bucket=BUCKET, Key="ci/sessions/s1/datasets/sales.csv", Body=CSV.encode())
    settings = AwsSettings(
        aws_endpoint_url=moto_server.endpoint,
        aws_lambda_endpoint_url=server.endpoint,
        aws_bucket=BUCKET,
        aws_prefix="ci",
    )
    try:
        yield {"server": server, "settings": settings, "s3": s3, "capture": capture, "tmp": tmp}
    finally:
        server.stop()
        root.removeHandler(capture)
        root.setLevel(old_level)
        mp.undo()
        shutil.rmtree(tmp, ignore_errors=True)


def _engine(aws, **kw) -> LambdaEngine:
    kw.setdefault("function_timeout_s", 240)
    return LambdaEngine(aws["settings"], FUNCTION, **kw)


def _job(
    job_id: str,
    code: str,
    *,
    timeout_s: int = 0,
    uri: str = "s3://ci-lambda/ci/sessions/s1/datasets/sales.csv",
):
    inputs = [t.ExecutionInput(name="sales", kind=t.ExecutionInput.CSV_FILE, uri=uri, size_bytes=len(CSV))]
    limits = t.RunLimits(preview_rows=10, timeout=duration_pb2.Duration(seconds=timeout_s))
    return JobRecord(
        id=job_id,
        uid="u-" + job_id,
        code=code,
        code_sha256=sha256_hex(code),
        inputs=encode_inputs(inputs),
        limits=encode_limits(limits),
        platform="LAMBDA",
    )


def _run(engine, job, logs=None):
    logs = logs if logs is not None else []
    return asyncio.run(engine.run(job, lambda stream, line: logs.append((stream, line))))


GROUP_CODE = """\
df = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
print("columns", len(df.columns))
result = df.groupBy("region").sum("amount").withColumnRenamed("sum(amount)", "total").orderBy("region")
"""


def test_csv_question_runs_on_lambda(aws):
    server, s3 = aws["server"], aws["s3"]
    server.wait_ready()
    logs: list = []
    out = _run(_engine(aws), _job("sj-lambda-ok", GROUP_CODE), logs)
    assert out.ok, out.error
    m = out.manifest
    assert m["row_count"] == 3
    totals = {r: sum(i for i in range(300) if i % 3 == int(r[1])) for r in ("r0", "r1", "r2")}
    assert m["preview_rows"] == [[r, totals[r]] for r in ("r0", "r1", "r2")]
    assert [c["name"] for c in m["schema"]] == ["region", "total"]
    assert ("stdout", "columns 2") in logs
    # result files live in S3 under jobs/{id}/output/ and the manifest points at them
    assert {f["format"] for f in m["files"]} == {"parquet", "csv"}
    for f in m["files"]:
        assert f["uri"].startswith("s3://ci-lambda/ci/jobs/sj-lambda-ok/output/")
        key = f["uri"].split("/", 3)[3]
        assert s3.head_object(Bucket=BUCKET, Key=key)["ContentLength"] == f["size_bytes"]
    csv_key = next(f["uri"] for f in m["files"] if f["format"] == "csv").split("/", 3)[3]
    assert (
        s3.get_object(Bucket=BUCKET, Key=csv_key)["Body"].read().decode().splitlines()[0]
        == '"region","total"'
    )
    outcome = json.loads(
        s3.get_object(Bucket=BUCKET, Key="ci/jobs/sj-lambda-ok/output/outcome.json")["Body"].read()
    )
    assert outcome["ok"] and outcome["engine"] == "lambda"
    # backend id = the Lambda request id of the (single) invoke
    assert out.backend_id and out.backend_id == server.responses[-1][3]


def test_cancel_abandons_the_invoke(aws):
    """A sync invoke cannot be stopped: cancel makes run() return at once; the function runs on."""
    engine = _engine(aws)

    async def scenario():
        job = _job("sj-lambda-cancel", "import time\ntime.sleep(2)\nresult = 1\n")
        run = asyncio.ensure_future(engine.run(job, lambda *_: None))
        await asyncio.sleep(0.5)
        assert await engine.cancel(job.id) is True
        out = await asyncio.wait_for(run, 1.0)
        assert await engine.cancel(job.id) is False  # nothing left to cancel
        return out

    out = asyncio.run(scenario())
    assert (out.ok, out.error_class) == (False, "CANCELLED_BY_USER")


def test_invoke_client_never_retries(aws):
    engine = _engine(aws, function_timeout_s=300)
    cfg = engine.lambda_client.meta.config
    assert cfg.retries == {"mode": "standard", "total_max_attempts": 1}
    assert cfg.read_timeout == 330
    assert cfg.tcp_keepalive is True


@pytest.mark.parametrize("mode", ["500", "429", "drop"])
def test_transport_failures_are_infrastructure_and_invoked_once(aws, mode):
    server = aws["server"]
    before = server.invocations
    server.fail_next(mode)
    out = _run(_engine(aws), _job(f"sj-lambda-f{mode}", "result = 1"))
    assert (out.ok, out.error_class) == (False, "INFRASTRUCTURE")
    assert "not retried" in out.error
    assert server.invocations - before == 1


def test_read_timeout_is_infrastructure_and_invoked_once(aws):
    server = aws["server"]
    before = server.invocations
    server.hang_s = 2.5
    server.fail_next("hang")
    out = _run(
        _engine(aws, function_timeout_s=1, read_timeout_margin_s=0.5), _job("sj-lambda-hang", "result = 1")
    )
    assert (out.ok, out.error_class) == (False, "INFRASTRUCTURE")
    assert "read timeout" in out.error
    assert server.invocations - before == 1


def test_code_error_is_code_class_with_failing_line(aws):
    code = 'df = spark.read.csv(inputs["sales"], header=True)\nx = 1\nresult = df.select(undefined_name)\n'
    out = _run(_engine(aws), _job("sj-lambda-code", code))
    assert not out.ok
    assert out.error_class == "CODE"
    assert out.failing_line == 3
    assert "undefined_name" in out.error
    assert not is_function_limit(out)


def test_warm_environment_keeps_jobs_apart(aws):
    """Two jobs in the same warm worker: the second cannot see the first one's temp view."""
    engine = _engine(aws)
    first = (
        'spark.range(3).createOrReplaceTempView("leak")\nresult = spark.sql("select count(*) from leak")\n'
    )
    assert _run(engine, _job("sj-lambda-iso1", first)).ok
    out = _run(engine, _job("sj-lambda-iso2", 'result = spark.sql("select * from leak")\n'))
    assert (out.ok, out.error_class, out.failing_line) == (False, "CODE", 1)
    assert "leak" in out.error


def test_job_code_cannot_read_the_function_credentials(aws):
    code = (
        "import os\n"
        "keys = ('AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN')\n"
        "jvm = spark.sparkContext._jvm.java.lang.System\n"
        "result = [os.environ.get(k) for k in keys] + [jvm.getenv(k) for k in keys]\n"
    )
    out = _run(_engine(aws), _job("sj-lambda-creds", code))
    assert out.ok, out.error
    assert out.manifest["scalar"] == [None] * 6


def test_missing_input_is_data_class(aws):
    out = _run(_engine(aws), _job("sj-lambda-miss", "result = 1", uri="s3://ci-lambda/ci/nope.csv"))
    assert (out.ok, out.error_class) == (False, "DATA")


def test_job_time_limit_is_enforced_by_the_handler(aws):
    code = "import time\ntime.sleep(60)\nresult = 1\n"
    server = aws["server"]
    kills = len(server.kills)
    out = _run(_engine(aws), _job("sj-lambda-jobto", code, timeout_s=1))
    assert (out.ok, out.error_class) == (False, "TIMEOUT")
    assert not out.error.startswith(LAMBDA_LIMIT_PREFIX)  # the job's limit, not the function's
    assert len(server.kills) == kills  # the warm worker survived


def test_payload_over_6mb_goes_through_s3(aws):
    server, s3 = aws["server"], aws["s3"]
    code = "# " + "x" * 6_500_000 + "\nresult = 42\n"
    out = _run(_engine(aws), _job("sj-lambda-big", code))
    assert out.ok, out.error
    assert out.manifest["scalar"] == 42
    sent = json.loads(server.payloads[-1])
    assert len(server.payloads[-1]) < 1000
    assert sent["payload_s3_uri"] == "s3://ci-lambda/ci/jobs/sj-lambda-big/payload.json"
    assert (
        s3.head_object(Bucket=BUCKET, Key="ci/jobs/sj-lambda-big/payload.json")["ContentLength"] > 6_500_000
    )


def test_handler_crash_is_an_unhandled_function_error(aws):
    """A payload the engine never sends (limits is not an object) makes the real handler raise."""
    client = aws_client("lambda", aws["settings"], max_attempts=1)
    code = "result = 1"
    event = {
        "job_id": "sj-lambda-crash",
        "code": code,
        "code_sha256": sha256_hex(code),
        "output_prefix": "s3://ci-lambda/ci/jobs/sj-lambda-crash/output/",
        "limits": "bad",
    }
    resp = client.invoke(FunctionName=FUNCTION, Payload=json.dumps(event).encode())
    assert resp["FunctionError"] == "Unhandled"
    body = json.loads(resp["Payload"].read())
    assert body["errorType"] == "AttributeError"
    assert map_function_error(resp["FunctionError"], body)[0] == "INFRASTRUCTURE"


def test_out_of_memory_is_a_lambda_limit(aws):
    server = aws["server"]
    server.memory_limit_mb = int(server.worker_rss_mb()) + 300
    # the next execution environment skips the Spark pre-start: see the function-timeout test
    server.prewarm = False
    code = "import time\nblob = b'x' * (900 << 20)\ntime.sleep(20)\nresult = len(blob)\n"
    try:
        out = _run(_engine(aws), _job("sj-lambda-oom", code))
    finally:
        server.memory_limit_mb = None
    assert (out.ok, out.error_class) == (False, "RESOURCE")
    assert out.error.startswith(LAMBDA_LIMIT_PREFIX + " memory")
    assert is_function_limit(out)
    assert server.kills[-1] == "out of memory"


def test_function_timeout_is_a_lambda_limit(aws):
    """Runs in the fresh execution environment after the OOM kill. Its worker did not pre-start
    Spark, so - as with the production handler's lazy start - the session start counts against
    the 3 s function timeout and the kill may land during it or during the code's sleep; either
    way Lambda answers "Task timed out" and that answer's mapping is what is tested here
    (a cold JVM start costs 10-20 s on this machine: one per module is the budget)."""
    server = aws["server"]
    server.function_timeout_s = 3
    server.respawn_after_kill = False  # last kill of the module: no new worker needed
    try:
        out = _run(_engine(aws), _job("sj-lambda-fnto", "import time\ntime.sleep(60)\nresult = 1\n"))
    finally:
        server.function_timeout_s = 240
    assert (out.ok, out.error_class) == (False, "TIMEOUT")
    assert out.error.startswith(LAMBDA_LIMIT_PREFIX) and "Task timed out after 3.00 seconds" in out.error
    assert is_function_limit(out)
    assert server.kills[-1] == "timeout"


def test_no_credentials_in_logs_payloads_or_s3(aws):
    server, s3 = aws["server"], aws["s3"]
    secrets_ = [FAKE_KEY_ID, FAKE_SECRET, FAKE_TOKEN]
    haystacks = {"captured log records": "\n".join(aws["capture"].lines), "worker logs": server.log_text()}
    haystacks["payloads"] = b"\n".join(server.payloads).decode("utf-8", "replace")
    haystacks["responses"] = b"\n".join(r[2] for r in server.responses).decode("utf-8", "replace")
    bodies = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=BUCKET):
        for o in page.get("Contents", []):
            bodies.append(
                s3.get_object(Bucket=BUCKET, Key=o["Key"])["Body"].read().decode("utf-8", "replace")
            )
    haystacks["s3 objects"] = "\n".join(bodies)
    assert len(bodies) > 5 and len(haystacks["worker logs"]) > 0 and aws["capture"].lines
    for where, text in haystacks.items():
        for s in secrets_:
            assert s not in text, f"a credential leaked into {where}"
