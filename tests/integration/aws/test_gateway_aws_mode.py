"""The gateway in AWS mode, in process: its real gRPC servicers over S3ObjectStore + GlueCatalog
against moto's server on loopback. Uploads (direct and presigned PUT), catalog browsing, input
resolution (s3:// URIs, Glue TABLE inputs), presigned result downloads, session deletion.

Every log record emitted while these flows run is captured at DEBUG (with the gateway's own
logging configuration) and scanned for the credentials in use, Authorization headers and
presign signatures. Records of `werkzeug`/`moto` are left out: they come from the moto server
running in this process (a test stand-in for AWS, which prints full request lines); so are
`httpx`/`httpcore`, which only the test's own HTTP client (playing the browser that uses the
presigned URLs) logs through here. Nothing of the gateway logs through them.
"""

from __future__ import annotations

import io
import json
import logging
import os
import secrets
import uuid
from contextlib import contextmanager

import grpc
import httpx
import pytest
from aws_gw_support import aws_settings, glue_table_input
from google.protobuf import json_format
from google.rpc import error_details_pb2, status_pb2

from codeinterp.common.v1 import types_pb2 as t
from codeinterp.gateway.v1 import (
    catalog_service_pb2 as cpb,
)
from codeinterp.gateway.v1 import (
    catalog_service_pb2_grpc,
    dataset_service_pb2_grpc,
    session_service_pb2_grpc,
)
from codeinterp.gateway.v1 import (
    dataset_service_pb2 as dpb,
)
from codeinterp.gateway.v1 import (
    session_service_pb2 as spb,
)
from codeinterp_gateway.adapters.glue_catalog import GlueCatalog
from codeinterp_gateway.adapters.s3_object_store import S3ObjectStore
from codeinterp_gateway.ask_backend import GatewayAskBackend
from codeinterp_gateway.wiring import build_gateway_services

pytestmark = pytest.mark.integration
SECRET = b"aws-mode-upload-secret-0123456789"
SALES = b"region,amount,day\nnorth,10.5,2024-01-01\nsouth,20,2024-01-02\neast,7,2024-01-03\n"


class _Capture(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []
        self.names: set[str] = set()

    def emit(self, record: logging.LogRecord) -> None:
        if record.name.startswith(("werkzeug", "moto", "httpx", "httpcore")):
            return
        self.names.add(record.name)
        formatted = logging.getLogger().handlers[0].format(record) if logging.getLogger().handlers else ""
        self.lines.append(f"{formatted}\n{record.getMessage()}\n{record.__dict__!r}")


@contextmanager
def _credentials_and_debug_logging():
    """Unique dummy credentials (so a leak is unambiguous) and the gateway's logging at DEBUG."""
    from codeinterp_common.logs import configure_logging

    creds = {
        "AWS_ACCESS_KEY_ID": "AKIA" + secrets.token_hex(8).upper(),
        "AWS_SECRET_ACCESS_KEY": secrets.token_urlsafe(30),
        "AWS_SESSION_TOKEN": "IQoJ" + secrets.token_urlsafe(60),
    }
    saved_env = {k: os.environ.get(k) for k in creds}
    root = logging.getLogger()
    saved_root = (root.level, list(root.handlers))
    noisy = ("grpc", "urllib3", "botocore", "py4j", "asyncio", "boto3", "s3transfer")
    saved_levels = {n: logging.getLogger(n).level for n in noisy}
    os.environ.update(creds)
    configure_logging("gateway", "DEBUG", "json")
    capture = _Capture()
    root.addHandler(capture)
    try:
        yield creds, capture
    finally:
        root.removeHandler(capture)
        root.handlers[:] = saved_root[1]
        root.setLevel(saved_root[0])
        for n, level in saved_levels.items():
            logging.getLogger(n).setLevel(level)
        for k, v in saved_env.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


@pytest.fixture(scope="module")
def logged():
    with _credentials_and_debug_logging() as (creds, capture):
        yield {"creds": creds, "capture": capture, "signatures": []}


@pytest.fixture(scope="module")
def aws_env(moto_server, logged):
    settings = aws_settings(moto_server, prefix="ci")
    glue = moto_server.client("glue")
    s3 = moto_server.client("s3")
    db = f"shop_{uuid.uuid4().hex[:8]}"
    glue.create_database(DatabaseInput={"Name": db})
    s3.put_object(
        Bucket=settings.aws_bucket, Key="lake/customers/part-0.csv", Body=b"id,name\n1,ann\n2,ben\n"
    )
    glue.create_table(
        DatabaseName=db,
        TableInput=glue_table_input(
            "customers", f"s3://{settings.aws_bucket}/lake/customers/", params={"totalSize": "21"}
        ),
    )
    # a Parquet table whose file is corrupt: sampling logs a warning (the scan must see our records)
    s3.put_object(Bucket=settings.aws_bucket, Key="lake/broken/part-0.parquet", Body=b"not parquet at all")
    glue.create_table(
        DatabaseName=db,
        TableInput=glue_table_input("broken", f"s3://{settings.aws_bucket}/lake/broken/", fmt="parquet"),
    )
    return {"settings": settings, "db": db, "s3": s3}


@pytest.fixture(scope="module")
def gw(aws_env, tmp_path_factory):
    services = build_gateway_services(
        tmp_path_factory.mktemp("gw-aws"),
        None,
        "http://gw.test:8080",
        SECRET,
        mode="aws",
        aws=aws_env["settings"],
    )
    assert isinstance(services.objects, S3ObjectStore) and isinstance(services.local_catalog, GlueCatalog)
    yield services
    services.close()


@pytest.fixture
async def channel(gw):
    from codeinterp_common.interceptors import ServerInterceptor

    server = grpc.aio.server(interceptors=[ServerInterceptor("gateway.codeinterp.dev")])
    session_service_pb2_grpc.add_SessionServiceServicer_to_server(gw.session_servicer, server)
    dataset_service_pb2_grpc.add_DatasetServiceServicer_to_server(gw.dataset_servicer, server)
    catalog_service_pb2_grpc.add_CatalogServiceServicer_to_server(gw.catalog_servicer, server)
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    ch = grpc.aio.insecure_channel(f"127.0.0.1:{port}")
    try:
        yield ch
    finally:
        await ch.close()
        await server.stop(None)


def _reason(err: grpc.aio.AioRpcError) -> str:
    raw = dict(err.trailing_metadata() or ()).get("grpc-status-details-bin")
    for detail in status_pb2.Status.FromString(raw).details:
        if detail.Is(error_details_pb2.ErrorInfo.DESCRIPTOR):
            info = error_details_pb2.ErrorInfo()
            detail.Unpack(info)
            return info.reason
    return ""


async def test_upload_browse_resolve_download_delete(gw, channel, aws_env, logged):
    sessions = session_service_pb2_grpc.SessionServiceStub(channel)
    datasets = dataset_service_pb2_grpc.DatasetServiceStub(channel)
    catalog = catalog_service_pb2_grpc.CatalogServiceStub(channel)
    bucket, db, s3 = aws_env["settings"].aws_bucket, aws_env["db"], aws_env["s3"]

    await sessions.CreateSession(spb.CreateSessionRequest(session_id="aws-1"))
    # 1. an upload through the API lands in S3 under the session's prefix
    ds = await datasets.CreateDataset(
        dpb.CreateDatasetRequest(
            parent="sessions/aws-1", filename="Sales.csv", content=SALES.decode(), select=True
        )
    )
    assert ds.uri == f"s3://{bucket}/ci/sessions/aws-1/datasets/sales.csv" and ds.s3_uri == ds.uri
    assert s3.get_object(Bucket=bucket, Key="ci/sessions/aws-1/datasets/sales.csv")["Body"].read() == SALES
    assert ds.size_bytes == len(SALES)

    # 2. the presigned upload flow: PUT straight to S3, then commit
    ticket = await datasets.CreateDatasetUpload(
        dpb.CreateDatasetUploadRequest(parent="sessions/aws-1", filename="more.csv")
    )
    assert (
        ticket.upload_url.startswith(aws_env["settings"].aws_endpoint_url)
        and "X-Amz-Signature=" in ticket.upload_url
    )
    logged["signatures"].append(ticket.upload_url.split("X-Amz-Signature=")[1].split("&")[0])
    with pytest.raises(grpc.aio.AioRpcError) as early:
        await datasets.CommitDatasetUpload(dpb.CommitDatasetUploadRequest(name=ticket.name))
    assert _reason(early.value) == "UPLOAD_NOT_RECEIVED"
    async with httpx.AsyncClient(timeout=10) as http:
        put = await http.put(ticket.upload_url, content=b"k,v\na,1\nb,2\n", headers=dict(ticket.headers))
        assert put.status_code == 200
    more = await datasets.CommitDatasetUpload(dpb.CommitDatasetUploadRequest(name=ticket.name, select=True))
    assert more.uri.endswith("/ci/sessions/aws-1/datasets/more.csv") and more.row_count == 2
    assert gw.objects.list("sessions/aws-1/uploads/") == []  # the staging object is gone after commit

    # 3. browsing: the uploads database (registry) and the Glue database with sample rows
    dbs = await catalog.ListDatabases(cpb.ListDatabasesRequest())
    assert {"uploads", db} <= {d.name.rsplit("/", 1)[-1] for d in dbs.databases}
    uploads = await catalog.ListTables(cpb.ListTablesRequest(parent="databases/uploads"))
    assert {"aws_1__sales", "aws_1__more"} <= {tb.table for tb in uploads.tables}
    customers = await catalog.GetTable(cpb.GetTableRequest(name=f"databases/{db}/tables/customers", rows=5))
    assert customers.location == f"s3://{bucket}/lake/customers/" and customers.format == "csv"
    assert [json_format.MessageToDict(r) for r in customers.sample_rows] == [[1, "ann"], [2, "ben"]]
    broken = await catalog.GetTable(cpb.GetTableRequest(name=f"databases/{db}/tables/broken"))
    assert broken.format == "parquet" and list(broken.sample_rows) == []

    # 4. inputs: datasets are s3:// CSV files with sizes; a Glue table is a TABLE input
    await sessions.SelectTables(
        spb.SelectTablesRequest(session_id="aws-1", tables=[t.TableRef(database=db, table="customers")])
    )
    inputs = await gw.resolve_inputs("sessions/aws-1")
    by_name = {i.name: i for i in inputs}
    assert by_name["sales"].kind == t.ExecutionInput.CSV_FILE and by_name["sales"].uri == ds.uri
    assert by_name["sales"].size_bytes == len(SALES) and by_name["sales"].csv_format.delimiter == ","
    table = by_name["customers"]
    assert table.kind == t.ExecutionInput.TABLE and table.uri == f"s3://{bucket}/lake/customers/"
    assert [c.name for c in table.columns] == ["id", "name"] and table.size_bytes == 21
    assert table.csv_format.header and len(table.sample_rows) == 2

    # 5. near misses and other sessions' tables are refused
    for bad in ("Customers", "customer"):
        with pytest.raises(grpc.aio.AioRpcError) as err:
            await sessions.SelectTables(
                spb.SelectTablesRequest(session_id="aws-1", tables=[t.TableRef(database=db, table=bad)])
            )
        assert err.value.code() == grpc.StatusCode.NOT_FOUND and _reason(err.value) == "TABLE_NOT_FOUND"
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await sessions.SelectTables(
            spb.SelectTablesRequest(
                session_id="aws-2", tables=[t.TableRef(database="uploads", table="aws_1__sales")]
            )
        )
    assert (
        err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        and _reason(err.value) == "TABLE_OF_OTHER_SESSION"
    )

    # 6. result downloads: s3:// outputs in the bucket prefix get a presigned GET (expiry from settings)
    s3.put_object(Bucket=bucket, Key="ci/jobs/job-1/output/result.csv", Body=b"region,total\nnorth,10.5\n")
    result = t.SolveResult(
        manifest=t.ResultManifest(
            files=[
                t.OutputFile(uri=f"s3://{bucket}/ci/jobs/job-1/output/result.csv", format="csv"),
                t.OutputFile(uri="s3://someone-else/x.csv", format="csv"),
            ]
        )
    )
    await GatewayAskBackend(gw).sign_downloads(result)
    url = result.manifest.files[0].download_url
    hours = gw.settings.current().spark.presigned_url_expiry_hours
    assert f"X-Amz-Expires={hours * 3600}" in url and result.manifest.files[1].download_url == ""
    logged["signatures"].append(url.split("X-Amz-Signature=")[1].split("&")[0])
    async with httpx.AsyncClient(timeout=10) as http:
        got = await http.get(url)
    assert got.status_code == 200 and got.content == b"region,total\nnorth,10.5\n"

    # 7. deleting the session removes its objects and its upload tables
    await sessions.DeleteSession(spb.DeleteSessionRequest(name="sessions/aws-1"))
    assert s3.list_objects_v2(Bucket=bucket, Prefix="ci/sessions/aws-1/").get("KeyCount") == 0
    assert gw.local_catalog.find_table("uploads", "aws_1__sales") is None


async def test_no_credentials_in_any_log_line(gw, channel, aws_env, logged):
    """Scans everything logged while the flow above ran (it runs the flow itself when selected alone)."""
    if not logged["signatures"]:
        await test_upload_browse_resolve_download_delete(gw, channel, aws_env, logged)
    capture, creds = logged["capture"], logged["creds"]
    assert capture.lines, "no log records were captured"
    assert (
        "codeinterp_gateway.adapters.glue_catalog" in capture.names
    )  # our own warning (broken parquet) was seen
    text = "\n".join(capture.lines)
    forbidden = [
        creds["AWS_SECRET_ACCESS_KEY"],
        creds["AWS_SESSION_TOKEN"],
        creds["AWS_ACCESS_KEY_ID"],
        "Authorization",
        "AWS4-HMAC-SHA256",
        "X-Amz-Signature",
        "X-Amz-Security-Token",
        SECRET.decode(),
    ]
    forbidden += logged["signatures"]
    assert len(logged["signatures"]) == 2
    leaks = [f for f in forbidden if f and f in text]
    where = sorted({ln.split(chr(10))[0][:160] for ln in capture.lines for f in leaks if f in ln})
    assert not leaks, f"{len(leaks)} secret value(s) appeared in log lines: {where[:5]}"
    json.dumps(capture.lines)  # the capture itself is plain text


def test_s3_object_store_wired_from_settings_only(gw, aws_env):
    """No credential is a setting: the adapters get endpoint/region from AwsSettings and keys from the chain."""
    client = gw.objects.client
    assert client.meta.region_name == aws_env["settings"].aws_region
    assert client.meta.endpoint_url == aws_env["settings"].aws_endpoint_url
    assert client.meta.config.retries["mode"] == "standard"
    assert not any("secret" in f.lower() or "access_key" in f.lower() for f in vars(aws_env["settings"]))
    _ = io  # (io imported for symmetry with the other AWS tests)


def test_the_scan_detects_a_leak_when_the_sdk_logs_at_debug(gw, logged):
    """Control for the scan above: with botocore at DEBUG (what the gateway's logging setup
    prevents) the signed request headers do show up, so the scan is not vacuous."""
    capture = logged["capture"]
    before = len(capture.lines)
    sdk = logging.getLogger("botocore")
    level = sdk.level
    sdk.setLevel(logging.DEBUG)
    try:
        gw.objects.exists("sessions/none/datasets/x.csv")
    finally:
        sdk.setLevel(level)
    assert any("AWS4-HMAC-SHA256" in line for line in capture.lines[before:])


def test_mode_switch_is_configuration_only(monkeypatch, moto_server, tmp_path):
    """`CODEINTERP_MODE=aws` + CODEINTERP_AWS_* is all main.py needs; the default stays embedded."""
    from codeinterp_common.config import from_env
    from codeinterp_gateway.adapters.local_object_store import LocalObjectStore
    from codeinterp_gateway.config import GatewaySettings
    from codeinterp_gateway.main import _aws_wiring

    assert _aws_wiring(GatewaySettings()) == {"mode": "embedded"}
    embedded = build_gateway_services(
        tmp_path / "e", None, "http://x", SECRET, **_aws_wiring(GatewaySettings())
    )
    assert isinstance(embedded.objects, LocalObjectStore) and embedded.mode == "embedded"
    embedded.close()
    monkeypatch.setenv("CODEINTERP_MODE", "aws")
    monkeypatch.setenv("CODEINTERP_S3_MULTIPART_THRESHOLD_MB", "8")
    monkeypatch.setenv("CODEINTERP_AWS_BUCKET", "switch-bucket")
    monkeypatch.setenv("CODEINTERP_AWS_PREFIX", "p1")
    monkeypatch.setenv("CODEINTERP_AWS_ENDPOINT_URL", moto_server.endpoint)
    wiring = _aws_wiring(from_env(GatewaySettings))
    aws = build_gateway_services(tmp_path / "a", None, "http://x", SECRET, **wiring)
    try:
        assert isinstance(aws.objects, S3ObjectStore) and isinstance(aws.local_catalog, GlueCatalog)
        assert (
            aws.objects.uri("sessions/s/datasets/d.csv") == "s3://switch-bucket/p1/sessions/s/datasets/d.csv"
        )
        assert aws.objects.transfer.multipart_threshold == 8 * 1024 * 1024
        assert aws.objects.client.meta.endpoint_url == moto_server.endpoint
    finally:
        aws.close()
