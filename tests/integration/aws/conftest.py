"""AWS-mode fixtures: the loopback EMR Serverless (tests/fixtures/emr_server.py) over the shared
moto server, and a bucket for jobs. The stack helpers come from tests/integration/stack."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1] / "fixtures"))
sys.path.insert(0, str(HERE.parent / "stack"))

BUCKET = "codeinterp-aws-tests"


@pytest.fixture(scope="session")
def aws_bucket(moto_server):
    s3 = moto_server.client("s3")
    try:
        s3.create_bucket(Bucket=BUCKET)
    except s3.exceptions.BucketAlreadyOwnedByYou:
        pass
    return BUCKET


@pytest.fixture(scope="session")
def emr_fixture(moto_server, aws_bucket):
    """EMR Serverless job runs on loopback, really run on local Spark (one warm worker)."""
    from emr_server import EmrServerlessFixture
    from moto_server import DUMMY_ENV

    fixture = EmrServerlessFixture(moto_server.endpoint, aws_env=DUMMY_ENV, step_s=0.05, warm_workers=1)
    fixture.start()
    try:
        yield fixture
    finally:
        fixture.stop()


STACK_PREFIX = "stack"
LAMBDA_FUNCTION = "codeinterp-spark"
EMR_ROLE = "arn:aws:iam::000000000000:role/EMRServerlessExecutionRole"


@pytest.fixture(scope="module")
def lambda_fixture(moto_server, aws_bucket):
    """The Lambda Invoke API on loopback running the real handler (tests/fixtures/lambda_server.py)."""
    import os
    import shutil
    import tempfile

    from lambda_server import LambdaServer
    from moto_server import DUMMY_ENV

    tmp = Path(tempfile.mkdtemp(prefix="aws-stack-lambda-"))
    (tmp / "fn-tmp").mkdir()
    env = {k: os.environ[k] for k in ("PATH", "JAVA_HOME", "LANG", "HOME", "TMPDIR") if k in os.environ}
    env.update(
        DUMMY_ENV,
        CODEINTERP_AWS_ENDPOINT_URL=moto_server.endpoint,
        CODEINTERP_AWS_MAX_ATTEMPTS="2",
        CODEINTERP_LAMBDA_TMP_DIR=str(tmp / "fn-tmp"),
        CODEINTERP_LAMBDA_SPARK_MASTER="local[1]",
        SPARK_LOCAL_IP="127.0.0.1",
        JAVA_TOOL_OPTIONS="-XX:TieredStopAtLevel=1 -XX:+UseSerialGC",
    )
    server = LambdaServer(
        env, function_name=LAMBDA_FUNCTION, function_timeout_s=120, log_dir=tmp / "logs"
    ).start()
    try:
        yield server
    finally:
        server.stop()
        shutil.rmtree(tmp, ignore_errors=True)


@pytest.fixture(scope="module")
def aws_stack(moto_server, aws_bucket, emr_fixture, lambda_fixture):
    """gateway (mode=aws: S3 object store, Glue catalog on moto), codegen (offline generator) and
    spark-supervisor (mode=aws: Lambda fixture + EMR fixture + moto) as real processes. No
    ray-supervisor: nothing here uses it."""
    import shutil
    import tempfile
    import time

    from moto_server import DUMMY_ENV
    from stack_support import Stack

    root = Path(tempfile.mkdtemp(prefix="codeinterp-aws-stack-"))
    stack = Stack(root)
    aws_env = {
        **DUMMY_ENV,
        "CODEINTERP_MODE": "aws",
        "CODEINTERP_AWS_ENDPOINT_URL": moto_server.endpoint,
        "CODEINTERP_AWS_BUCKET": aws_bucket,
        "CODEINTERP_AWS_PREFIX": STACK_PREFIX,
        "CODEINTERP_AWS_MAX_ATTEMPTS": "2",
        "CODEINTERP_SHUTDOWN_GRACE_S": "2",  # teardown: nothing in flight is worth waiting for
    }
    stack.start("codegen", "codeinterp_codegen", stack.ports["codegen"], {"CODEINTERP_SHUTDOWN_GRACE_S": "2"})
    stack.spark_env = {  # kept on the stack: a test restarts the spark-supervisor with it
        **aws_env,
        "CODEINTERP_AWS_LAMBDA_ENDPOINT_URL": lambda_fixture.endpoint,
        "CODEINTERP_AWS_EMR_ENDPOINT_URL": emr_fixture.url,
        "CODEINTERP_LAMBDA_FUNCTION": LAMBDA_FUNCTION,
        "CODEINTERP_LAMBDA_TIMEOUT_S": "120",
        "CODEINTERP_EMR_APPLICATION_ID": emr_fixture.application_id,
        "CODEINTERP_EMR_EXECUTION_ROLE_ARN": EMR_ROLE,
        "CODEINTERP_EMR_POLL_INITIAL_S": "0.2",
        "CODEINTERP_EMR_POLL_MAX_S": "1",
    }
    stack.start("spark-supervisor", "codeinterp_spark_supervisor", stack.ports["spark"], stack.spark_env)
    stack.start("gateway", "codeinterp_gateway", stack.ports["gateway"], aws_env)
    try:
        deadline = time.monotonic() + 180
        pending = {"gateway", "codegen", "spark"}
        while pending and time.monotonic() < deadline:
            pending = {name for name in pending if not stack._grpc_serving(stack.ports[name])}
            for name, proc in stack.procs.items():
                if proc.poll() is not None:
                    raise RuntimeError(f"{name} exited: {stack.logs[name].read_text()[-3000:]}")
            time.sleep(0.2)
        assert not pending, f"never healthy: {pending}"
        # JVM start-up of the two fixtures stays out of the jobs' time limits
        emr_fixture.wait_warm()
        lambda_fixture.wait_ready()
        yield stack
    finally:
        stack.stop()
        shutil.rmtree(root, ignore_errors=True)
        emr_fixture.park()  # the last user of the warm worker: free its JVM for the rest of the suite


def pytest_collection_modifyitems(config, items):
    """The stack tests run after the EMR engine tests: both end with runs that kill the EMR
    fixture's warm worker, and the replacement's JVM start then overlaps with the stack's start-up
    instead of delaying the next test (only these two files move; everything else keeps its order)."""
    stack = [i for i in items if i.path.name == "test_aws_stack.py"]
    engine = [i for i in items if i.path.name == "test_emr_engine.py"]
    if not stack or not engine:
        return
    for item in stack:
        items.remove(item)
    last = items.index(engine[-1])
    items[last + 1 : last + 1] = stack
