"""ListResultRows pages Lambda and EMR Serverless results, whose Parquet files are in S3."""

from __future__ import annotations

import io

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from codeinterp_common.errors import NotFound
from codeinterp_common.jobs.api import result_rows_page
from codeinterp_common.jobs.model import JobRecord, JobState

pytestmark = pytest.mark.integration


@pytest.fixture
def s3_env(moto_server, monkeypatch):
    monkeypatch.setenv("CODEINTERP_AWS_ENDPOINT_URL", moto_server.endpoint)
    s3 = moto_server.client("s3")
    s3.create_bucket(Bucket="paging-results")
    return s3


def _job(uri: str, rows: int) -> JobRecord:
    manifest = {
        "schema": [{"name": "n", "type": "bigint"}, {"name": "label", "type": "string"}],
        "row_count": rows,
        "preview_rows": [[0, "row-0"]],
        "complete": False,
        "files": [{"uri": uri, "format": "parquet"}],
    }
    return JobRecord(
        id="spark-pagings3", uid="u", code="", code_sha256="", state=JobState.SUCCEEDED, manifest=manifest
    )


def test_pages_parquet_parts_in_s3(s3_env):
    prefix = "codeinterp/jobs/spark-pagings3/output/result.parquet"
    for part, start in enumerate((0, 150)):
        table = pa.table(
            {"n": list(range(start, start + 150)), "label": [f"row-{i}" for i in range(start, start + 150)]}
        )
        buf = io.BytesIO()
        pq.write_table(table, buf)
        s3_env.put_object(
            Bucket="paging-results", Key=f"{prefix}/part-{part:05d}.parquet", Body=buf.getvalue()
        )
    job = _job(f"s3://paging-results/{prefix}/", 300)

    schema, rows, token, total = result_rows_page(job, 120, "")
    assert total == 300 and [c.name for c in schema] == ["n", "label"]
    assert [r.values[0].number_value for r in rows] == list(range(120))
    seen = [int(r.values[0].number_value) for r in rows]
    while token:
        _, rows, token, _ = result_rows_page(job, 120, token)
        seen += [int(r.values[0].number_value) for r in rows]
    assert sorted(seen) == list(range(300))


def test_missing_s3_result_is_not_found(s3_env):
    job = _job("s3://paging-results/codeinterp/jobs/gone/output/result.parquet/", 10)
    with pytest.raises(NotFound) as info:
        result_rows_page(job, 5, "")
    assert info.value.reason == "RESULT_FILES_MISSING"
