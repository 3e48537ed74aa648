"""EmrServerlessEngine against the loopback EMR Serverless (real local Spark runs) and moto S3."""

from __future__ import annotations

import asyncio
import contextlib
import gzip
import os
import time
import uuid
from dataclasses import replace

import boto3
import pytest

from codeinterp.common.v1 import types_pb2 as t
from codeinterp_common.aws import AwsSettings
from codeinterp_common.jobs.api import encode_inputs, encode_limits
from codeinterp_common.jobs.manager import sha256_hex
from codeinterp_common.jobs.model import JobRecord, JobState
from codeinterp_spark_supervisor.adapters.emr_engine import EmrServerlessEngine, PollSettings

pytestmark = pytest.mark.integration

PREFIX = "emr-engine"
ROLE = "arn:aws:iam::000000000000:role/EMRServerlessExecutionRole"
CSV = "region,amount\nEast,10\nWest,5\nEast,7\nNorth,1\n"
SUM_CODE = """\
from pyspark.sql import functions as F
df = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
result = df.groupBy("region").agg(F.sum("amount").alias("total")).orderBy("region")
"""


@pytest.fixture(scope="module")
def sales_uri(moto_server, aws_bucket):
    moto_server.client("s3").put_object(Bucket=aws_bucket, Key=f"{PREFIX}/data/sales.csv", Body=CSV.encode())
    return f"s3://{aws_bucket}/{PREFIX}/data/sales.csv"


def make_engine(moto_server, aws_bucket, emr_fixture, recorded: dict, **kwargs) -> EmrServerlessEngine:
    return EmrServerlessEngine(
        boto3.client("emr-serverless", endpoint_url=emr_fixture.url, region_name="us-east-1"),
        moto_server.client("s3"),
        AwsSettings(aws_bucket=aws_bucket, aws_prefix=PREFIX),
        emr_fixture.application_id,
        ROLE,
        "--conf spark.executor.memory=2g",
        poll=PollSettings(initial_s=0.1, max_s=0.5, factor=1.5),
        record_backend_id=lambda job_id, run_id: recorded.__setitem__(job_id, run_id),
        **kwargs,
    )


@pytest.fixture(scope="module")
def engine_parts(moto_server, aws_bucket, emr_fixture):
    recorded: dict[str, str] = {}
    return make_engine(moto_server, aws_bucket, emr_fixture, recorded), recorded


def job(code: str, inputs: list[t.ExecutionInput], timeout_s: float = 0) -> JobRecord:
    limits = t.RunLimits(preview_rows=50)
    if timeout_s:
        limits.timeout.FromMilliseconds(int(timeout_s * 1000))
    return JobRecord(
        id="emr-" + uuid.uuid4().hex[:12],
        uid=str(uuid.uuid4()),
        code=code,
        code_sha256=sha256_hex(code),
        inputs=encode_inputs(inputs),
        limits=encode_limits(limits),
        platform="EMR_SERVERLESS",
    )


def sales_input(uri: str) -> t.ExecutionInput:
    return t.ExecutionInput(name="sales", kind=t.ExecutionInput.CSV_FILE, uri=uri)


class Logs(list):
    def __call__(self, stream: str, line: str) -> None:
        self.append((stream, line))


async def test_success_returns_the_right_answer(
    engine_parts, emr_fixture, sales_uri, moto_server, aws_bucket
):
    engine, recorded = engine_parts
    record = job(SUM_CODE, [sales_input(sales_uri)])
    logs = Logs()
    outcome = await engine.run(record, logs)
    assert outcome.ok, outcome.error
    assert outcome.manifest["preview_rows"] == [["East", 17], ["North", 1], ["West", 5]]
    assert outcome.manifest["row_count"] == 3
    assert all(
        f["uri"].startswith(f"s3://{aws_bucket}/{PREFIX}/jobs/{record.id}/output/")
        for f in outcome.manifest["files"]
    )
    # the run id is the backend id, recorded as soon as the run started
    assert outcome.backend_id and recorded[record.id] == outcome.backend_id
    # what the engine asked EMR for
    request = next(r for r in emr_fixture.requests if r["clientToken"] == record.id)
    assert request["name"] == record.id and request["executionRoleArn"] == ROLE
    submit = request["jobDriver"]["sparkSubmit"]
    assert submit["entryPoint"] == f"s3://{aws_bucket}/{PREFIX}/jobs/{record.id}/emr_entry.py"
    assert submit["entryPointArguments"] == ["--job-uri", f"s3://{aws_bucket}/{PREFIX}/jobs/{record.id}"]
    assert (
        "--py-files" in submit["sparkSubmitParameters"]
        and "spark.executor.memory=2g" in submit["sparkSubmitParameters"]
    )
    log_uri = request["configurationOverrides"]["monitoringConfiguration"]["s3MonitoringConfiguration"][
        "logUri"
    ]
    assert log_uri == f"s3://{aws_bucket}/{PREFIX}/jobs/{record.id}/logs/"
    # EMR's states went by as log lines; driver stdout landed under the log prefix
    states = [line.split(": ")[-1] for stream, line in logs if stream == "emr" and ": " in line]
    assert states[-1] == "SUCCESS" and "RUNNING" in states
    key = f"{PREFIX}/jobs/{record.id}/logs/applications/{emr_fixture.application_id}/jobs/{outcome.backend_id}/SPARK_DRIVER/stdout.gz"
    stdout = gzip.decompress(
        moto_server.client("s3").get_object(Bucket=aws_bucket, Key=key)["Body"].read()
    ).decode()
    assert "codeinterp: job finished: 3 row(s)" in stdout


async def test_code_error_fails_with_class_line_and_driver_stderr(engine_parts, sales_uri):
    engine, _ = engine_parts
    code = 'df = spark.read.csv(inputs["sales"], header=True)\nresult = df.select("nope_column")\n'
    logs = Logs()
    outcome = await engine.run(job(code, [sales_input(sales_uri)]), logs)
    assert not outcome.ok
    assert outcome.error_class == "CODE"
    assert outcome.failing_line == 2
    assert "nope_column" in outcome.error
    assert (
        "--- driver stderr (tail) ---" in outcome.error and "codeinterp: job failed [CODE]" in outcome.error
    )
    assert any(stream == "stderr" for stream, _ in logs)


async def test_missing_input_is_a_data_error(engine_parts, aws_bucket):
    engine, _ = engine_parts
    outcome = await engine.run(
        job(SUM_CODE, [sales_input(f"s3://{aws_bucket}/{PREFIX}/data/missing.csv")]), Logs()
    )
    assert not outcome.ok and outcome.error_class == "DATA", outcome.error


async def test_client_token_makes_start_idempotent(engine_parts, emr_fixture, sales_uri):
    engine, _ = engine_parts
    record = job(SUM_CODE, [sales_input(sales_uri)])
    before_runs, before_starts = emr_fixture.runs_started, emr_fixture.start_calls
    first, second = await asyncio.gather(engine.run(record, Logs()), engine.run(record, Logs()))
    third = await engine.run(record, Logs())  # e.g. a restart before the run id was recorded
    assert first.ok and second.ok and third.ok
    assert first.backend_id == second.backend_id == third.backend_id
    assert emr_fixture.start_calls - before_starts == 3
    assert emr_fixture.runs_started - before_runs == 1  # one real run


async def test_reattach_resumes_watching_the_same_run_after_a_restart(
    engine_parts, emr_fixture, sales_uri, moto_server, aws_bucket
):
    engine, recorded = engine_parts
    record = job(SUM_CODE, [sales_input(sales_uri)])
    task = asyncio.create_task(engine.run(record, Logs()))
    deadline = time.monotonic() + 60
    while record.id not in recorded and time.monotonic() < deadline:
        await asyncio.sleep(0.02)
    task.cancel()  # the supervisor dies: nobody watches the run any more, EMR keeps running it
    with contextlib.suppress(asyncio.CancelledError):
        await task
    runs, starts, cancels = len(emr_fixture.runs), emr_fixture.start_calls, emr_fixture.cancel_calls
    fresh = make_engine(moto_server, aws_bucket, emr_fixture, {})  # the restarted supervisor's engine
    stored = replace(record, backend_id=recorded[record.id], state=JobState.RUNNING)
    outcome = await fresh.reattach(stored, Logs())
    assert outcome.ok, outcome.error
    assert outcome.manifest["preview_rows"] == [["East", 17], ["North", 1], ["West", 5]]
    assert outcome.backend_id == recorded[record.id]
    # the same run: no new StartJobRun, no new run, nothing cancelled
    assert (len(emr_fixture.runs), emr_fixture.start_calls, emr_fixture.cancel_calls) == (
        runs,
        starts,
        cancels,
    )


async def test_catalog_table_input(engine_parts, moto_server, aws_bucket):
    engine, _ = engine_parts
    s3 = moto_server.client("s3")
    for i, rows in enumerate(["1,shipped\n2,pending\n", "3,shipped\n"]):
        s3.put_object(
            Bucket=aws_bucket,
            Key=f"{PREFIX}/warehouse/orders/part-{i}.csv",
            Body=("id,status\n" + rows).encode(),
        )
    table = t.ExecutionInput(
        name="orders",
        kind=t.ExecutionInput.TABLE,
        uri=f"s3://{aws_bucket}/{PREFIX}/warehouse/orders/",
        table=t.TableRef(database="shop", table="orders"),
    )
    code = 'result = spark.table("shop.orders").groupBy("status").count().orderBy("status")\n'
    outcome = await engine.run(job(code, [table]), Logs())
    assert outcome.ok, outcome.error
    assert outcome.manifest["preview_rows"] == [["pending", 1], ["shipped", 2]]


async def test_start_allowance_cancels_a_run_that_never_starts(moto_server, aws_bucket, emr_fixture):
    engine = make_engine(moto_server, aws_bucket, emr_fixture, {}, start_timeout_s=0.5)
    cancels = emr_fixture.cancel_calls
    emr_fixture.step_s = 2.0  # the run waits in PENDING/SCHEDULED (a cold application)
    try:
        outcome = await engine.run(job(SUM_CODE, []), Logs())
    finally:
        emr_fixture.step_s = 0.05
    assert outcome.error_class == "TIMEOUT" and "did not start running the job within 0.5 s" in outcome.error
    assert emr_fixture.cancel_calls == cancels + 1


# -- runs that kill the fixture's warm worker go last (its replacement starts cold) ------------


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


SLOW_CODE = "import time\ntime.sleep(120)\nresult = 1\n"


async def test_cancel_calls_cancel_job_run_and_kills_the_run(engine_parts, emr_fixture):
    engine, recorded = engine_parts
    record = job(SLOW_CODE, [])
    task = asyncio.create_task(engine.run(record, Logs()))
    deadline = time.monotonic() + 60
    while record.id not in recorded and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    run_id = recorded[record.id]
    await asyncio.to_thread(emr_fixture.wait_state, run_id, {"RUNNING"}, 60)
    pid = emr_fixture.runs[run_id].pid
    cancels = emr_fixture.cancel_calls
    assert await engine.cancel(record.id)
    outcome = await asyncio.wait_for(task, 30)
    assert outcome.error_class == "CANCELLED_BY_USER" and not outcome.ok
    assert emr_fixture.cancel_calls == cancels + 1
    assert emr_fixture.runs[run_id].state == "CANCELLED"
    assert pid in emr_fixture.killed_pids and not _alive(pid)


async def test_our_timeout_cancels_the_run(engine_parts, emr_fixture):
    engine, recorded = engine_parts
    record = job(SLOW_CODE, [], timeout_s=4)
    cancels = emr_fixture.cancel_calls
    started = time.monotonic()
    outcome = await engine.run(record, Logs())
    assert outcome.error_class == "TIMEOUT" and "time limit of 4 s" in outcome.error
    assert time.monotonic() - started < 30
    assert emr_fixture.cancel_calls == cancels + 1
    run = emr_fixture.runs[recorded[record.id]]
    assert emr_fixture.wait_state(run.run_id, {"CANCELLED"}, 10) == "CANCELLED"
    # EMR's own backstop: the start-up allowance (900 s) + our limit + a minute
    request = next(r for r in emr_fixture.requests if r["clientToken"] == record.id)
    assert request["executionTimeoutMinutes"] == 17


async def test_application_status(engine_parts, emr_fixture):
    engine, _ = engine_parts
    assert (await asyncio.to_thread(engine.application_status))[0] == "ready"
    emr_fixture.app_state, emr_fixture.auto_start = "STOPPED", False
    try:
        status, detail = await asyncio.to_thread(engine.application_status)
        assert status == "not_ready" and "STOPPED" in detail
    finally:
        emr_fixture.app_state, emr_fixture.auto_start = "STARTED", True
