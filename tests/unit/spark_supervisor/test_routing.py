"""Routing table: which platform a Spark job runs on in AWS mode, and why."""

from __future__ import annotations

import pytest

from codeinterp.common.v1 import types_pb2 as t
from codeinterp_common.errors import FailedPrecondition, NotFound
from codeinterp_spark_supervisor.adapters.routing import (
    EMR,
    LAMBDA,
    LOCAL,
    MB,
    Router,
    RoutingPolicy,
    S3GlueSizer,
    SizedInput,
    decide,
)

POLICY = RoutingPolicy(threshold_bytes=500 * MB, small_table_bytes=100 * MB, lambda_max_bytes=1024 * MB)


def f(size, name="sales"):
    return SizedInput(name, "FILE", size)


def tbl(size, name="orders"):
    return SizedInput(name, "TABLE", size)


@pytest.mark.parametrize(
    ("requested", "inputs", "platform", "words"),
    [
        # files against the threshold: below, at, above
        (t.AUTO, [f(10 * MB)], LAMBDA, "<= threshold 500.0 MB"),
        (t.AUTO, [f(500 * MB)], LAMBDA, "<= threshold"),
        (t.AUTO, [f(500 * MB + 1)], EMR, "> threshold"),
        (
            t.EXECUTION_PLATFORM_UNSPECIFIED,
            [f(300 * MB, "a"), f(300 * MB, "b")],
            EMR,
            "total 600.0 MB > threshold",
        ),
        (t.AUTO, [], LAMBDA, "calculation"),
        # tables: unknown size, known big, known small
        (t.AUTO, [tbl(None)], EMR, "size unknown"),
        (t.AUTO, [tbl(200 * MB)], EMR, "not a small table"),
        (t.AUTO, [tbl(50 * MB)], LAMBDA, "small catalog tables"),
        (t.AUTO, [tbl(50 * MB), tbl(60 * MB, "items"), f(450 * MB)], EMR, "> threshold"),
        (t.AUTO, [tbl(100 * MB), f(1 * MB)], LAMBDA, "<= threshold"),
        # a file whose size could not be measured
        (t.AUTO, [f(None)], EMR, "could not be measured"),
        # explicit overrides
        (t.EMR_SERVERLESS, [f(1)], EMR, "requested EMR_SERVERLESS"),
        (t.EMR, [f(1)], EMR, "requested EMR_SERVERLESS"),
        (t.LAMBDA, [f(900 * MB)], LAMBDA, "requested LAMBDA"),
        (t.LAMBDA, [tbl(None)], LAMBDA, "requested LAMBDA"),
        ("AUTO", [f(1)], LAMBDA, "auto:"),
    ],
)
def test_routing_table(requested, inputs, platform, words):
    decision = decide(requested, inputs, POLICY)
    assert decision.platform == platform
    assert words in decision.reason


def test_lambda_above_its_limit_is_refused_with_a_reason():
    with pytest.raises(FailedPrecondition) as err:
        decide(t.LAMBDA, [f(1024 * MB + 1)], POLICY)
    assert err.value.reason == "INPUT_TOO_LARGE_FOR_LAMBDA"
    assert err.value.metadata["lambda_max_bytes"] == str(1024 * MB)


def test_local_only_when_allowed():
    with pytest.raises(FailedPrecondition) as err:
        decide(t.LOCAL, [f(1)], POLICY)
    assert err.value.reason == "LOCAL_NOT_ALLOWED"
    allowed = RoutingPolicy(allow_local=True)
    assert decide(t.LOCAL, [f(1)], allowed).platform == LOCAL


def test_unconfigured_platforms():
    no_emr = RoutingPolicy(emr_configured=False)
    with pytest.raises(FailedPrecondition) as err:
        decide(t.EMR_SERVERLESS, [f(1)], no_emr)
    assert err.value.reason == "PLATFORM_NOT_CONFIGURED"
    # AUTO above the threshold without EMR: still fits Lambda's limit -> Lambda, saying why
    d = decide(t.AUTO, [f(600 * MB)], no_emr)
    assert d.platform == LAMBDA and "EMR Serverless is not configured" in d.reason
    with pytest.raises(FailedPrecondition):
        decide(t.AUTO, [f(2048 * MB)], no_emr)
    no_lambda = RoutingPolicy(lambda_configured=False)
    d = decide(t.AUTO, [f(1)], no_lambda)
    assert d.platform == EMR and "Lambda is not configured" in d.reason
    with pytest.raises(FailedPrecondition):
        decide(t.LAMBDA, [f(1)], no_lambda)


# -- measuring unknown sizes against moto's S3 and Glue (a real local stand-in) ------------


@pytest.fixture(scope="module")
def aws(moto_server):
    s3, glue = moto_server.client("s3"), moto_server.client("glue")
    s3.create_bucket(Bucket="routing")
    s3.put_object(Bucket="routing", Key="small.csv", Body=b"a,b\n" + b"1,2\n" * 1000)
    for i in range(3):
        s3.put_object(Bucket="routing", Key=f"tables/parts/part-{i}.csv", Body=b"x" * 1000)
    glue.create_database(DatabaseInput={"Name": "routing_db"})
    glue.create_table(
        DatabaseName="routing_db",
        TableInput={
            "Name": "with_stats",
            "Parameters": {"sizeKey": str(40 * MB), "classification": "csv"},
            "StorageDescriptor": {"Location": "s3://routing/tables/parts/"},
        },
    )
    glue.create_table(
        DatabaseName="routing_db",
        TableInput={"Name": "no_stats", "StorageDescriptor": {"Location": "s3://routing/tables/parts/"}},
    )
    return s3, glue


def csv_input(uri, size=0, name="sales"):
    return t.ExecutionInput(name=name, kind=t.ExecutionInput.CSV_FILE, uri=uri, size_bytes=size)


def table_input(name, table):
    return t.ExecutionInput(
        name=name, kind=t.ExecutionInput.TABLE, table=t.TableRef(database="routing_db", table=table)
    )


def test_unknown_sizes_are_measured_with_head_and_list(aws):
    s3, glue = aws
    sizer = S3GlueSizer(s3, glue)
    assert sizer.measure(csv_input("s3://routing/small.csv")) == 4 + 4000
    assert sizer.measure(csv_input("s3://routing/tables/parts")) == 3000  # a prefix: listed
    assert sizer.measure(table_input("t", "with_stats")) == 40 * MB  # Glue statistics
    assert sizer.measure(table_input("t", "no_stats")) == 3000  # listing of the location
    with pytest.raises(NotFound) as err:
        sizer.measure(csv_input("s3://routing/missing.csv"))
    assert err.value.reason == "INPUT_NOT_FOUND"
    with pytest.raises(NotFound):
        sizer.measure(table_input("t", "nope"))


def test_router_uses_measured_sizes(aws):
    s3, glue = aws
    router = Router(RoutingPolicy(threshold_bytes=3000), S3GlueSizer(s3, glue))
    # 4004 bytes measured > a 3000-byte threshold -> EMR; the caller's size_bytes wins when given
    assert router.choose_sync(t.AUTO, [csv_input("s3://routing/small.csv")])[0] == EMR
    assert router.choose_sync(t.AUTO, [csv_input("s3://routing/small.csv", size=10)])[0] == LAMBDA
    platform, reason = Router(RoutingPolicy(), S3GlueSizer(s3, glue)).choose_sync(
        t.AUTO, [table_input("t", "with_stats")]
    )
    assert platform == LAMBDA and "small catalog tables" in reason
    # explicit EMR: no measuring at all (a missing object is not even looked up)
    assert router.choose_sync(t.EMR_SERVERLESS, [csv_input("s3://routing/missing.csv")])[0] == EMR


# -- escalation ---------------------------------------------------------------------------
# Stand-in engines: this checks the wrapper's rules only; the real Lambda out-of-memory
# escalating to the real EMR path runs in tests/integration/aws/test_aws_stack.py.


class FakeEngine:
    def __init__(self, platform, outcome):
        self.platform, self.outcome, self.runs, self.cancels = platform, outcome, [], []

    async def run(self, job, on_log):
        self.runs.append(job.code)
        return self.outcome

    async def cancel(self, job_id):
        self.cancels.append(job_id)
        return True

    async def reattach(self, job, on_log):
        return self.outcome


def _escalating(lambda_outcome):
    from codeinterp_common.jobs.model import RunOutcome
    from codeinterp_spark_supervisor.adapters.lambda_engine import is_function_limit
    from codeinterp_spark_supervisor.adapters.routing import EscalatingEngine

    lam = FakeEngine("LAMBDA", lambda_outcome)
    emr = FakeEngine("EMR_SERVERLESS", RunOutcome(ok=True, manifest={"row_count": 1}))
    recorded = []
    engine = EscalatingEngine(
        lam, emr, should_escalate=is_function_limit, record=lambda jid, **f: recorded.append((jid, f))
    )
    return engine, lam, emr, recorded


def _job():
    from codeinterp_common.jobs.model import JobRecord

    return JobRecord(
        id="spark-abc",
        uid="u",
        code="result = 1",
        code_sha256="x",
        platform="LAMBDA",
        platform_reason="auto: small",
    )


async def test_lambda_limit_failure_is_rerun_once_on_emr_with_the_same_code():
    from codeinterp_common.jobs.model import RunOutcome

    engine, lam, emr, recorded = _escalating(
        RunOutcome(
            ok=False,
            error_class="RESOURCE",
            error="lambda-limit: memory: Runtime exited with error: signal: killed",
        )
    )
    logs = []
    outcome = await engine.run(_job(), lambda s, line: logs.append((s, line)))
    assert outcome.ok and lam.runs == emr.runs == ["result = 1"]
    ((job_id, fields),) = recorded
    assert job_id == "spark-abc" and fields["effective_platform"] == "EMR_SERVERLESS"
    assert (
        fields["platform_reason"].startswith("auto: small; escalated to EMR_SERVERLESS")
        and "lambda-limit: memory" in fields["platform_reason"]
    )
    assert logs == [("platform", "platform EMR_SERVERLESS: " + fields["platform_reason"].split("; ", 1)[1])]


@pytest.mark.parametrize(
    ("error_class", "error"),
    [
        ("RESOURCE", "output size cap exceeded"),
        ("CODE", "lambda-limit: memory: x"),
        ("INFRASTRUCTURE", "throttled"),
    ],
)
async def test_other_failures_are_not_escalated(error_class, error):
    from codeinterp_common.jobs.model import RunOutcome

    engine, lam, emr, recorded = _escalating(RunOutcome(ok=False, error_class=error_class, error=error))
    outcome = await engine.run(_job(), lambda *a: None)
    assert not outcome.ok and emr.runs == [] and recorded == []


async def test_escalated_jobs_reattach_on_emr():
    from dataclasses import replace

    from codeinterp_common.jobs.model import RunOutcome

    engine, lam, emr, _ = _escalating(RunOutcome(ok=False, error_class="CODE", error="boom"))
    assert (await engine.reattach(replace(_job(), effective_platform="EMR_SERVERLESS"), None)).ok
    assert not (await engine.reattach(_job(), None)).ok


def test_lambda_function_status_from_get_function(moto_server):
    import io
    import zipfile

    from codeinterp_spark_supervisor.aws_mode import lambda_function_status

    iam, lam = moto_server.client("iam"), moto_server.client("lambda")
    role = iam.create_role(RoleName="routing-fn", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("handler.py", "def handler(event, context):\n    return {}\n")
    lam.create_function(
        FunctionName="routing-fn",
        Runtime="python3.11",
        Role=role,
        Handler="handler.handler",
        Code={"ZipFile": buf.getvalue()},
    )
    status, detail = lambda_function_status(lam, "routing-fn")
    assert status == "ready" and "Active" in detail
    status, detail = lambda_function_status(lam, "missing-fn")
    assert status == "error" and "ResourceNotFoundException" in detail
