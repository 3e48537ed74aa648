"""S3ObjectStore against moto's server on loopback: round trips, multipart, presigned PUT/GET, keys."""

from __future__ import annotations

import os

import httpx
import pytest
from aws_gw_support import aws_settings

from codeinterp_common.errors import InvalidArgument, NotFound, PermissionDenied
from codeinterp_gateway.adapters.s3_object_store import S3ObjectStore, S3TransferSettings

pytestmark = pytest.mark.integration
MiB = 1024 * 1024


@pytest.fixture(scope="module")
def store(moto_server) -> S3ObjectStore:
    # Smallest legal part size (5 MiB) and a 1 MiB threshold: a 6 MiB object is two parts.
    return S3ObjectStore(
        aws_settings(moto_server),
        transfer=S3TransferSettings(multipart_threshold=1 * MiB, multipart_chunksize=5 * MiB),
    )


def test_put_get_list_size_delete_round_trip(store, moto_server):
    data = b"a,b\n1,2\n"
    assert store.put("sessions/s1/datasets/small.csv", data) == len(data)
    assert store.get("sessions/s1/datasets/small.csv") == data
    assert store.exists("sessions/s1/datasets/small.csv")
    assert store.size("sessions/s1/datasets/small.csv") == len(data)
    assert (
        store.uri("sessions/s1/datasets/small.csv")
        == f"s3://{store.bucket}/codeinterp/sessions/s1/datasets/small.csv"
    )
    # Stored under the prefix, one PUT (no multipart ETag), with the CSV content type.
    head = moto_server.client("s3").head_object(
        Bucket=store.bucket, Key="codeinterp/sessions/s1/datasets/small.csv"
    )
    assert "-" not in head["ETag"] and head["ContentType"] == "text/csv"
    assert store.read_range("sessions/s1/datasets/small.csv", 4, 3) == b"1,2"
    assert store.delete("sessions/s1/datasets/small.csv") is True
    assert store.delete("sessions/s1/datasets/small.csv") is False
    with pytest.raises(NotFound) as err:
        store.get("sessions/s1/datasets/small.csv")
    assert err.value.reason == "OBJECT_NOT_FOUND"


def test_multipart_upload_of_a_large_file(store, moto_server):
    data = os.urandom(6 * MiB + 123)
    assert store.put("sessions/big/datasets/big.bin", data) == len(data)
    head = moto_server.client("s3").head_object(
        Bucket=store.bucket, Key="codeinterp/sessions/big/datasets/big.bin"
    )
    assert head["ETag"].strip('"').endswith("-2")  # a multipart ETag names its part count
    assert head["ContentLength"] == len(data)
    assert store.get("sessions/big/datasets/big.bin") == data


def test_keys_per_session_list_and_delete_prefix(store):
    for sid in ("alpha", "alphabet"):
        for name in ("a.csv", "b.csv"):
            store.put(f"sessions/{sid}/datasets/{name}", b"x\n1\n")
    assert store.list("sessions/alpha/") == ["sessions/alpha/datasets/a.csv", "sessions/alpha/datasets/b.csv"]
    assert store.list("sessions/alpha") == ["sessions/alpha/datasets/a.csv", "sessions/alpha/datasets/b.csv"]
    assert store.delete_prefix("sessions/alpha/") == 2
    assert store.list("sessions/alpha/") == []
    assert len(store.list("sessions/alphabet/")) == 2  # the neighbour with a longer name is untouched


@pytest.mark.parametrize("key", ["", "/abs", "a/../b", "a//b", "a/./b", "a\\b", "sp ace", "a/b?c"])
def test_invalid_keys_are_refused_before_any_call(store, key):
    with pytest.raises(InvalidArgument) as err:
        store.put(key, b"x")
    assert err.value.reason == "OBJECT_KEY_INVALID"


def test_presigned_put_then_presigned_get_round_trip(store):
    key = "sessions/s2/uploads/up-1.part"
    url = store.presign_put(key, expires_s=300, content_type="text/csv")
    assert (
        url.startswith(store.aws.aws_endpoint_url)
        and "X-Amz-Signature=" in url
        and "X-Amz-Expires=300" in url
    )
    body = b"city,sales\nOslo,3\n"
    with httpx.Client(timeout=10) as http:
        put = http.put(url, content=body, headers={"Content-Type": "text/csv"})
        assert put.status_code == 200, put.text
        assert store.get(key) == body
        # (S3 refuses a PUT whose Content-Type differs from the signed one; moto does not check
        # signatures, so that part is asserted on the URL instead.)
        assert (
            "X-Amz-SignedHeaders=content-type%3Bhost" in url or "X-Amz-SignedHeaders=content-type;host" in url
        )
        get_url = store.presign_get(store.uri(key), expires_s=120, filename="result.csv")
        assert "X-Amz-Expires=120" in get_url
        got = http.get(get_url)
        assert got.status_code == 200 and got.content == body
        assert "result.csv" in got.headers.get("content-disposition", "")


def test_presigned_expiry_is_capped_at_seven_days(store):
    url = store.presign_get("sessions/s2/uploads/up-1.part", expires_s=10**9)
    assert "X-Amz-Expires=604800" in url


@pytest.mark.parametrize(
    "uri",
    [
        "s3://other-bucket/codeinterp/x.csv",
        "s3://{bucket}/elsewhere/x.csv",
        "s3://{bucket}/codeinterp/../x.csv",
    ],
)
def test_presigned_get_refuses_objects_outside_the_prefix(store, uri):
    with pytest.raises(PermissionDenied) as err:
        store.presign_get(uri.format(bucket=store.bucket), expires_s=60)
    assert err.value.reason == "S3_URI_OUTSIDE_PREFIX"


def test_missing_bucket_maps_to_a_reasoned_error(moto_server, store):
    from codeinterp_common.aws import AwsSettings

    missing = S3ObjectStore(
        AwsSettings(
            aws_region=moto_server.region,
            aws_endpoint_url=moto_server.endpoint,
            aws_bucket="no-such-bucket-gw",
            aws_max_attempts=1,
        ),
        client=store.client,
    )
    with pytest.raises(NotFound):
        missing.get("a.csv")
    assert missing.exists("a.csv") is False
