"""The Lambda handler's checks that run before Spark starts: payload resolution through S3,
the code hash, input staging from S3 and the free-disk check. Real handler, moto's S3 on
loopback, no JVM (the runs themselves are in tests/integration/aws/test_lambda_engine.py)."""

from __future__ import annotations

import hashlib
import json

import pytest

from codeinterp_spark_supervisor import lambda_handler

BUCKET = "ci-lambda-unit"


@pytest.fixture
def s3(moto_server, monkeypatch, tmp_path):
    monkeypatch.setenv("CODEINTERP_AWS_ENDPOINT_URL", moto_server.endpoint)
    monkeypatch.setenv("CODEINTERP_LAMBDA_TMP_DIR", str(tmp_path))
    client = moto_server.client("s3")
    client.create_bucket(Bucket=BUCKET)
    client.put_object(Bucket=BUCKET, Key="d/sales.csv", Body=b"a,b\n1,2\n")
    for i in range(3):
        client.put_object(Bucket=BUCKET, Key=f"wh/orders/day={i}/part-0.csv", Body=b"x\n%d\n" % i)
    yield client
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=BUCKET):
        for o in page.get("Contents", []):
            client.delete_object(Bucket=BUCKET, Key=o["Key"])
    client.delete_bucket(Bucket=BUCKET)


def _event(code="result = 1", **kw):
    ev = {
        "job_id": "sj-unit-1",
        "code": code,
        "code_sha256": hashlib.sha256(code.encode()).hexdigest(),
        "inputs": {"sales": {"kind": "csv", "uri": f"s3://{BUCKET}/d/sales.csv"}},
        "output_prefix": f"s3://{BUCKET}/jobs/sj-unit-1/output/",
        "limits": {"preview_rows": 5},
    }
    ev.update(kw)
    return ev


def test_code_hash_mismatch_is_refused(s3):
    out = lambda_handler.handler(_event(code_sha256="0" * 64))
    assert (out["ok"], out["error_class"]) == (False, "INFRASTRUCTURE")
    assert "code_sha256" in out["error"]
    assert "Contents" not in s3.list_objects_v2(Bucket=BUCKET, Prefix="jobs/")
    assert lambda_handler._SPARK is None


def test_malformed_payload_is_refused(s3):
    out = lambda_handler.handler({"job_id": "BAD ID", "code": "x"})
    assert (out["ok"], out["error_class"]) == (False, "INFRASTRUCTURE")


def test_missing_input_is_data_and_recorded(s3):
    ev = _event(inputs={"sales": {"kind": "csv", "uri": f"s3://{BUCKET}/d/missing.csv"}})
    out = lambda_handler.handler(ev)
    assert (out["ok"], out["error_class"], out["function_limit"]) == (False, "DATA", "")
    outcome = json.loads(
        s3.get_object(Bucket=BUCKET, Key="jobs/sj-unit-1/output/outcome.json")["Body"].read()
    )
    assert outcome["error_class"] == "DATA" and outcome["engine"] == "lambda"
    assert lambda_handler._SPARK is None


def test_not_enough_tmp_space_is_a_disk_limit(s3, monkeypatch):
    monkeypatch.setenv("CODEINTERP_LAMBDA_DISK_HEADROOM_BYTES", str(1 << 60))
    out = lambda_handler.handler(_event())
    assert (out["ok"], out["error_class"], out["function_limit"]) == (False, "RESOURCE", "disk")
    assert "not enough space" in out["error"]
    assert lambda_handler._SPARK is None


def test_payload_and_code_through_s3(s3, monkeypatch):
    """The engine's pointer payload: the full payload (here with code_s3_uri) lives in S3."""
    code = "# big\nresult = 2\n"
    s3.put_object(Bucket=BUCKET, Key="jobs/sj-unit-1/code.py", Body=code.encode())
    full = _event(code=code, code_s3_uri=f"s3://{BUCKET}/jobs/sj-unit-1/code.py")
    del full["code"]
    s3.put_object(Bucket=BUCKET, Key="jobs/sj-unit-1/payload.json", Body=json.dumps(full).encode())
    # stop before Spark: the disk check fails after the payload and the code were resolved and verified
    monkeypatch.setenv("CODEINTERP_LAMBDA_DISK_HEADROOM_BYTES", str(1 << 60))
    out = lambda_handler.handler(
        {
            "job_id": "sj-unit-1",
            "code_sha256": full["code_sha256"],
            "payload_s3_uri": f"s3://{BUCKET}/jobs/sj-unit-1/payload.json",
        }
    )
    assert out["function_limit"] == "disk", out
    # a pointer to another job's payload is refused
    out = lambda_handler.handler(
        {"job_id": "sj-unit-2", "payload_s3_uri": f"s3://{BUCKET}/jobs/sj-unit-1/payload.json"}
    )
    assert out["error_class"] == "INFRASTRUCTURE" and "another job" in out["error"]


def test_staging_files_and_table_prefixes(s3, tmp_path):
    inputs = {
        "sales": {"kind": "csv", "uri": f"s3://{BUCKET}/d/sales.csv", "header": True},
        "orders": {
            "kind": "table",
            "table": "db.orders",
            "uri": f"s3://{BUCKET}/wh/orders/",
            "format": "csv",
        },
    }
    staged = lambda_handler._stage_inputs(lambda_handler._s3(), inputs, tmp_path / "job")
    assert open(staged["sales"]["path"], "rb").read() == b"a,b\n1,2\n"
    assert staged["sales"]["header"] is True and "uri" not in staged["sales"]
    parts = sorted(
        p.relative_to(staged["orders"]["path"]).as_posix() for p in (tmp_path / "job").rglob("part-0.csv")
    )
    assert parts == ["day=0/part-0.csv", "day=1/part-0.csv", "day=2/part-0.csv"]
    assert staged["orders"]["table"] == "db.orders"


def test_function_limit_detection():
    f = lambda_handler._function_limit
    assert f({"ok": False, "error_class": "RESOURCE", "error": "MemoryError: "}) == "memory"
    assert (
        f(
            {
                "ok": False,
                "error_class": "RESOURCE",
                "error": "Py4JJavaError",
                "traceback_tail": "java.lang.OutOfMemoryError: Java heap space",
            }
        )
        == "memory"
    )
    assert (
        f({"ok": False, "error_class": "RESOURCE", "error": "OSError: [Errno 28] No space left on device"})
        == "disk"
    )
    assert f({"ok": False, "error_class": "RESOURCE", "error": "output size cap exceeded: ..."}) == ""
    assert f({"ok": False, "error_class": "CODE", "error": "MemoryError"}) == ""
