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
