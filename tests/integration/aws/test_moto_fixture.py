"""The shared moto fixture answers S3 and Glue on loopback."""

import pytest

pytestmark = pytest.mark.integration


def test_moto_serves_s3_and_glue(moto_server):
    s3 = moto_server.client("s3")
    s3.create_bucket(Bucket="fixture-check")
    s3.put_object(Bucket="fixture-check", Key="a.csv", Body=b"x\n1\n")
    assert s3.get_object(Bucket="fixture-check", Key="a.csv")["Body"].read() == b"x\n1\n"
    glue = moto_server.client("glue")
    glue.create_database(DatabaseInput={"Name": "fixture_check"})
    assert any(d["Name"] == "fixture_check" for d in glue.get_databases()["DatabaseList"])
    assert moto_server.endpoint.startswith("http://127.0.0.1:")
