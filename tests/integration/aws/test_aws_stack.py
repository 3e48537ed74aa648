"""Issue 5 end to end without AWS: real processes — gateway (mode=aws over moto S3/Glue), codegen
(offline generator) and spark-supervisor (mode=aws) — with the loopback Lambda (real handler)
and the loopback EMR Serverless (real runs on local Spark). Questions over a CSV in moto S3 are
answered on EMR Serverless and on Lambda; a Lambda out-of-memory escalates to EMR; cancel and
our timeout call CancelJobRun."""

from __future__ import annotations

import json
import math
import time

import grpc
import pytest
from stack_support import request, sales_frame

from codeinterp.sparksupervisor.v1 import spark_supervisor_service_pb2 as pb
from codeinterp.sparksupervisor.v1 import spark_supervisor_service_pb2_grpc as pb_grpc

pytestmark = [pytest.mark.integration, pytest.mark.spark]

SESSION = "aws-stack"
LAMBDA_FUNCTION = "codeinterp-spark"  # as the aws_stack fixture configures it
DF = sales_frame(rows=300, seed=5)
EXPECTED = DF.groupby("region").amount.sum().to_dict()
SLOW_CODE = 'import time\ndf = spark.read.csv(inputs["sales"], header=True)\ntime.sleep(25)\nresult = df\n'
# ~480 MB of list on top of the function's baseline: above the Lambda fixture's memory limit,
# nothing special on EMR
OOM_CODE = (
    "import time\n"
    'df = spark.read.csv(inputs["sales"], header=True)\n'
    "blob = [0] * 60000000\n"
    "time.sleep(2)\n"
    "result = df.count() + len(blob) * 0\n"
)


@pytest.fixture(scope="module")
def data(aws_stack, moto_server, aws_bucket):
    """The sales CSV uploaded through the gateway (mode=aws: it lands in moto's S3) and selected.
    Returns its s3:// URI."""
    status, raw = request(aws_stack, "POST", f"/v1/sessions?session_id={SESSION}", b"{}")
    assert status == 200, raw
    status, raw = request(
        aws_stack,
        "POST",
        f"/v1/sessions/{SESSION}/datasets:upload?filename=sales.csv&select=true",
        DF.to_csv(index=False).encode(),
        "text/csv",
    )
    assert status == 200, raw
    dataset = json.loads(raw)
    uri = dataset.get("s3_uri") or dataset["uri"]
    assert uri.startswith(f"s3://{aws_bucket}/"), dataset
    bucket, _, key = uri[5:].partition("/")
    assert moto_server.client("s3").head_object(Bucket=bucket, Key=key)["ContentLength"] > 0
    return uri


def call(stack, method: str, path: str, body: dict | None = None) -> dict:
    status, raw = request(
        stack,
        method,
        path,
        json.dumps(body).encode() if body is not None else None,
        "application/json" if body is not None else None,
    )
    assert status == 200, raw
    return json.loads(raw)


def ask(stack, uri: str, platform: str) -> dict:
    body = {
        "prompt": "total amount by region",
        "framework": "SPARK",
        "execution_platform": platform,  # the session's selected dataset: the CSV in S3
    }
    return call(stack, "POST", f"/v1/sessions/{SESSION}:generate", body)


def check_answer(result: dict) -> None:
    assert result.get("success"), result.get("error")
    manifest = result["manifest"]
    assert [c["name"] for c in manifest["schema"]] == ["region", "sum_amount"]
    rows = {r[0]: float(r[1]) for r in manifest["preview_rows"]}
    assert rows.keys() == EXPECTED.keys()
    for region, total in EXPECTED.items():
        assert math.isclose(rows[region], total, rel_tol=1e-9), region


def create_job(stack, uri: str, code: str, platform: str, timeout: str = "") -> str:
    job = {
        "code": code,
        "inputs": [{"name": "sales", "kind": "CSV_FILE", "uri": uri}],
        "execution_platform": platform,
    }
    if timeout:
        job["limits"] = {"timeout": timeout}
    return call(stack, "POST", "/v1/sparkJobs", job)["name"]


def wait_terminal(stack, name: str, timeout: float = 240) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = call(stack, "GET", f"/v1/{name}")
        if job["state"] in ("SUCCEEDED", "FAILED", "CANCELLED"):
            return job
        time.sleep(0.3)
    raise TimeoutError(f"{name} never finished")


def events(stack, name: str) -> list:
    with grpc.insecure_channel(f"127.0.0.1:{stack.ports['spark']}") as channel:
        stub = pb_grpc.SparkSupervisorServiceStub(channel)
        return list(stub.WatchSparkJob(pb.WatchSparkJobRequest(name=name), timeout=30))


def emr_run_for(emr, job_id: str, timeout: float = 120):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        run_id = emr.by_token.get((emr.application_id, job_id))
        if run_id is not None:
            return emr.runs[run_id]
        time.sleep(0.1)
    raise TimeoutError(f"no EMR job run for {job_id}")


def test_question_over_s3_csv_on_emr_serverless(aws_stack, data, emr_fixture):
    result = ask(aws_stack, data, "EMR_SERVERLESS")
    check_answer(result)
    assert result["execution_platform"] == "EMR_SERVERLESS"
    job_id = result["job"].split("/")[-1]
    run = emr_run_for(emr_fixture, job_id)
    assert run.state == "SUCCESS" and run.request["clientToken"] == job_id
    job = call(aws_stack, "GET", f"/v1/{result['job']}")
    assert job["effective_platform"] == "EMR_SERVERLESS" and job["backend_id"] == run.run_id
    assert "requested EMR_SERVERLESS" in job["platform_reason"]


def test_question_over_s3_csv_on_lambda(aws_stack, data, lambda_fixture, emr_fixture):
    invocations, emr_starts = lambda_fixture.invocations, emr_fixture.start_calls
    result = ask(aws_stack, data, "LAMBDA")
    check_answer(result)
    assert result["execution_platform"] == "LAMBDA"
    assert lambda_fixture.invocations == invocations + 1 and emr_fixture.start_calls == emr_starts


def test_auto_routes_a_small_csv_to_lambda_and_streams_why(aws_stack, data):
    result = ask(aws_stack, data, "AUTO")
    check_answer(result)
    assert result["execution_platform"] == "LAMBDA"
    job = call(aws_stack, "GET", f"/v1/{result['job']}")
    assert (
        job["platform_reason"].startswith("auto: input files total")
        and "<= threshold 500.0 MB" in job["platform_reason"]
    )
    lines = [e.log_line for e in events(aws_stack, result["job"]) if e.detail == "platform"]
    assert lines and lines[0].startswith("platform LAMBDA: auto: input files total")


def test_auto_sends_a_large_glue_table_to_emr(aws_stack, data, moto_server, aws_bucket, emr_fixture):
    """A Glue table whose statistics say 5 GB: AUTO picks EMR Serverless; the entry point reads
    the table (the fixture registers it over the staged files, as the Glue metastore would)."""
    from aws_gw_support import glue_table_input

    s3, glue = moto_server.client("s3"), moto_server.client("glue")
    orders = DF[["order_id", "region", "amount"]].head(120)
    s3.put_object(
        Bucket=aws_bucket, Key="stack-warehouse/orders/part-0.csv", Body=orders.to_csv(index=False).encode()
    )
    glue.create_database(DatabaseInput={"Name": "shop_aws"})
    glue.create_table(
        DatabaseName="shop_aws",
        TableInput=glue_table_input(
            "orders",
            f"s3://{aws_bucket}/stack-warehouse/orders/",
            columns=(("order_id", "bigint"), ("region", "string"), ("amount", "double")),
            params={"totalSize": str(5 << 30)},
        ),
    )
    body = {
        "prompt": "total amount by region",
        "framework": "SPARK",
        "data_sources": [{"table": {"database": "shop_aws", "table": "orders"}}],
    }
    result = call(aws_stack, "POST", f"/v1/sessions/{SESSION}:generate", body)
    assert result.get("success"), result.get("error")
    assert result["execution_platform"] == "EMR_SERVERLESS"
    assert "spark.table(" in result["code"] and "shop_aws.orders" in result["code"]
    expected = orders.groupby("region").amount.sum().to_dict()
    rows = {r[0]: float(r[1]) for r in result["manifest"]["preview_rows"]}
    assert rows.keys() == expected.keys() and all(math.isclose(rows[k], v) for k, v in expected.items())
    job = call(aws_stack, "GET", f"/v1/{result['job']}")
    assert "catalog table" in job["platform_reason"] and "not a small table" in job["platform_reason"]


def test_lambda_out_of_memory_escalates_to_emr_and_succeeds(aws_stack, data, lambda_fixture, emr_fixture):
    lambda_fixture.wait_ready()
    lambda_fixture.memory_limit_mb = int(lambda_fixture.worker_rss_mb()) + 300
    kills = len(lambda_fixture.kills)
    try:
        name = create_job(aws_stack, data, OOM_CODE, "LAMBDA")
        job = wait_terminal(aws_stack, name)
    finally:
        lambda_fixture.memory_limit_mb = None
    assert lambda_fixture.kills[kills:] == ["out of memory"]
    assert job["state"] == "SUCCEEDED", job["state_message"]
    assert job["manifest"]["scalar"] == len(DF)
    assert job["execution_platform"] == "LAMBDA" and job["effective_platform"] == "EMR_SERVERLESS"
    assert (
        "escalated to EMR_SERVERLESS" in job["platform_reason"]
        and "lambda-limit: memory" in job["platform_reason"]
    )
    run = emr_run_for(emr_fixture, name.split("/")[-1])
    assert run.state == "SUCCESS" and job["backend_id"] == run.run_id
    assert any(e.detail == "platform" and "escalated" in e.log_line for e in events(aws_stack, name))


def test_a_restarted_supervisor_reattaches_to_the_running_emr_job(aws_stack, data, emr_fixture):
    """kill -9 of the spark-supervisor while EMR runs the job: the job run id was stored when the
    run started, so the restarted supervisor watches the same run to the end (no second run)."""
    code = (
        'import time\ndf = spark.read.csv(inputs["sales"], header=True)\ntime.sleep(6)\nresult = df.count()\n'
    )
    name = create_job(aws_stack, data, code, "EMR_SERVERLESS")
    job_id = name.split("/")[-1]
    run = emr_run_for(emr_fixture, job_id)
    emr_fixture.wait_state(run.run_id, {"RUNNING"}, 120)
    starts = emr_fixture.start_calls
    proc = aws_stack.procs["spark-supervisor"]
    proc.kill()  # SIGKILL: no shutdown path runs
    proc.wait()
    assert run.state == "RUNNING"  # EMR keeps running it meanwhile
    aws_stack.start(
        "spark-supervisor", "codeinterp_spark_supervisor", aws_stack.ports["spark"], aws_stack.spark_env
    )
    deadline = time.monotonic() + 120
    while not aws_stack._grpc_serving(aws_stack.ports["spark"]):
        assert time.monotonic() < deadline and aws_stack.procs["spark-supervisor"].poll() is None
        time.sleep(0.2)
    job = wait_terminal(aws_stack, name, 120)
    assert job["state"] == "SUCCEEDED", job["state_message"]
    assert job["manifest"]["scalar"] == len(DF) and job["backend_id"] == run.run_id
    assert emr_fixture.start_calls == starts and run.state == "SUCCESS"
    assert any("re-attached to EMR Serverless job run" in e.log_line for e in events(aws_stack, name))


def test_cancel_through_the_gateway_calls_cancel_job_run(aws_stack, data, emr_fixture):
    name = create_job(aws_stack, data, SLOW_CODE, "EMR_SERVERLESS")
    run = emr_run_for(emr_fixture, name.split("/")[-1])
    emr_fixture.wait_state(run.run_id, {"RUNNING"}, 120)
    cancels = emr_fixture.cancel_calls
    call(aws_stack, "POST", f"/v1/{name}:cancel", {})
    job = wait_terminal(aws_stack, name, 60)
    assert job["state"] == "CANCELLED"
    assert emr_fixture.cancel_calls == cancels + 1
    assert run.state == "CANCELLED" and run.pid in emr_fixture.killed_pids


def test_our_timeout_calls_cancel_job_run(aws_stack, data, emr_fixture):
    cancels = emr_fixture.cancel_calls
    name = create_job(aws_stack, data, SLOW_CODE, "EMR_SERVERLESS", timeout="5s")
    job = wait_terminal(aws_stack, name, 120)
    assert job["state"] == "FAILED" and job["error_class"] == "TIMEOUT", job["state_message"]
    assert emr_fixture.cancel_calls == cancels + 1
    run = emr_run_for(emr_fixture, name.split("/")[-1])
    assert emr_fixture.wait_state(run.run_id, {"CANCELLED"}, 30) == "CANCELLED"


def test_platform_status_and_config_through_the_gateway(aws_stack, emr_fixture, aws_bucket):
    status = call(aws_stack, "GET", "/spark/status")
    assert status["mode"] == "aws" and status["emr_status"] == "ready"
    assert status["emr_application_id"] == emr_fixture.application_id
    assert status["lambda_function"] == LAMBDA_FUNCTION
    # the Lambda fixture serves Invoke only, so GetFunction fails and the status says so
    assert status["lambda_status"] == "error" and f"Lambda {LAMBDA_FUNCTION}" in status["detail"]
    assert status["local_status"] == "disabled"
    config = call(aws_stack, "GET", "/spark/config")
    assert config["s3_bucket"] == aws_bucket and config["emr_application_id"] == emr_fixture.application_id
    assert config["lambda_function"] == LAMBDA_FUNCTION and config["file_size_threshold_mb"] == 500
