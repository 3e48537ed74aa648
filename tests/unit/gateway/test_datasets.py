"""Datasets: every upload path, ids, storage, catalog registration, signed uploads, resolve_inputs."""
# ruff: noqa: F811 - fixtures are imported from _gw_support and requested by name

from __future__ import annotations

from pathlib import Path

import grpc
import pytest
from _gw_support import FakeContext, clock, gw, rich_status, serve  # noqa: F401
from google.api import httpbody_pb2

from codeinterp.common.v1 import types_pb2
from codeinterp.gateway.v1 import dataset_service_pb2 as pb
from codeinterp.gateway.v1 import dataset_service_pb2_grpc
from codeinterp_common.errors import (
    AlreadyExists,
    FailedPrecondition,
    InvalidArgument,
    NotFound,
    PermissionDenied,
    ResourceExhausted,
)

CTX = FakeContext()
CSV = "region,amount\neast,10\nwest,20.5\n"


async def test_seed_upload_csv_creates_session_and_selects(gw):
    ds = await gw.dataset_servicer.CreateDataset(
        pb.CreateDatasetRequest(session_id="seed-browser-1", filename="My Sales (Q1).csv", content=CSV), CTX)
    assert ds.name == "sessions/seed-browser-1/datasets/my_sales_q1"
    assert ds.success and ds.filename == "My Sales (Q1).csv" and ds.row_count == 2
    assert ds.uri == ds.s3_uri and Path(ds.uri).is_absolute() and Path(ds.uri).read_text() == CSV
    assert ds.uri.endswith("sessions/seed-browser-1/datasets/my_sales_q1.csv")
    assert ds.preview == CSV  # header + first 5 lines
    assert [(c.name, c.type) for c in ds.columns] == [("region", "string"), ("amount", "double")]
    assert ds.format.delimiter == "," and ds.format.header and ds.source_encoding == "utf-8"
    assert (ds.table.database, ds.table.table) == ("uploads", "seed_browser_1__my_sales_q1")
    assert len(ds.sha256) == 64
    session = gw.sessions.get("seed-browser-1")
    assert [s.dataset for s in session.data_sources] == [ds.name]
    table = gw.catalog.get_table(database="uploads", table=ds.table.table)
    assert table.location == ds.uri and table.sample_rows[0] == ("east", 10.0)


async def test_seed_upload_without_session_uses_default(gw):
    ds = await gw.dataset_servicer.CreateDataset(pb.CreateDatasetRequest(filename="a.csv", content=CSV), CTX)
    assert ds.name == "sessions/default/datasets/a"


async def test_ids_are_deduplicated_and_explicit_ids_conflict(gw):
    gw.sessions.create("ids-1")
    names = []
    for _ in range(3):
        ds = await gw.dataset_servicer.CreateDataset(
            pb.CreateDatasetRequest(parent="sessions/ids-1", filename="data.csv", content=CSV), CTX)
        names.append(ds.name.rsplit("/", 1)[1])
    assert names == ["data", "data_2", "data_3"]
    assert gw.sessions.get("ids-1").data_sources == ()  # parent given, select false
    await gw.dataset_servicer.CreateDataset(
        pb.CreateDatasetRequest(parent="sessions/ids-1", filename="x.csv", content=CSV, dataset_id="mine",
                                select=True), CTX)
    assert [s.dataset for s in gw.sessions.get("ids-1").data_sources] == ["sessions/ids-1/datasets/mine"]
    with pytest.raises(AlreadyExists):
        await gw.dataset_servicer.CreateDataset(
            pb.CreateDatasetRequest(parent="sessions/ids-1", filename="x.csv", content=CSV, dataset_id="mine"), CTX)
    with pytest.raises(InvalidArgument):
        await gw.dataset_servicer.CreateDataset(
            pb.CreateDatasetRequest(parent="sessions/ids-1", filename="x.csv", content=CSV, dataset_id="../x"), CTX)
    with pytest.raises(NotFound):
        await gw.dataset_servicer.CreateDataset(
            pb.CreateDatasetRequest(parent="sessions/nope-1", filename="x.csv", content=CSV), CTX)


async def test_rejected_upload_leaves_nothing_behind(gw):
    for content, exc_type in [("", InvalidArgument), ("a,b\n", InvalidArgument),
                              ("<html><body>oops</body></html>", InvalidArgument)]:
        with pytest.raises(exc_type):
            await gw.dataset_servicer.CreateDataset(
                pb.CreateDatasetRequest(session_id="rej-1", filename="bad.csv", content=content), CTX)
    with pytest.raises(NotFound):
        gw.sessions.get("rej-1")  # validation happens before the seed session is created
    assert gw.objects.list("sessions/") == []


async def test_size_limit_from_settings(gw):
    gw.settings.update({"global.max_upload_mb": 1})
    big = "a,b\n" + "1,2\n" * 300_000
    with pytest.raises(ResourceExhausted) as exc:
        await gw.dataset_servicer.CreateDataset(
            pb.CreateDatasetRequest(session_id="big-1", filename="big.csv", content=big), CTX)
    assert exc.value.reason == "UPLOAD_TOO_LARGE"


async def test_upload_content_and_stream(gw):
    gw.sessions.create("raw-1")
    latin = "name;city\nJosé;München\n".encode("cp1252")
    ds = await gw.dataset_servicer.UploadDatasetContent(pb.UploadDatasetContentRequest(
        parent="sessions/raw-1", filename="cities.csv",
        content=httpbody_pb2.HttpBody(content_type="text/csv", data=latin)), CTX)
    assert ds.source_encoding == "cp1252" and ds.format.delimiter == ";"
    assert Path(ds.uri).read_text(encoding="utf-8") == "name;city\nJosé;München\n"

    async def messages():
        yield pb.StreamUploadDatasetRequest(parent="sessions/raw-1", filename="s.csv", chunk=b"id,v\n1,")
        yield pb.StreamUploadDatasetRequest(chunk=b"x\n2,y\n")

    streamed = await gw.dataset_servicer.StreamUploadDataset(messages(), CTX)
    assert streamed.name == "sessions/raw-1/datasets/s" and streamed.row_count == 2

    gw.settings.update({"global.max_upload_mb": 1})

    async def too_big():
        yield pb.StreamUploadDatasetRequest(parent="sessions/raw-1", filename="b.csv")
        for _ in range(3):
            yield pb.StreamUploadDatasetRequest(chunk=b"x" * 500_000)

    with pytest.raises(ResourceExhausted):
        await gw.dataset_servicer.StreamUploadDataset(too_big(), CTX)


async def test_signed_upload_flow(gw, clock):
    gw.sessions.create("signed-1")
    up = await gw.dataset_servicer.CreateDatasetUpload(
        pb.CreateDatasetUploadRequest(parent="sessions/signed-1", filename="late.csv"), CTX)
    assert up.name.startswith("sessions/signed-1/uploads/up-") and up.method == "PUT"
    assert up.upload_url.startswith("http://gw.test:8080/v1/uploads/")
    assert up.max_size_bytes == 100 * 1024 * 1024 and up.headers["Content-Type"] == "text/csv"
    token = up.upload_url.rsplit("/", 1)[1]
    with pytest.raises(FailedPrecondition):
        await gw.dataset_servicer.CommitDatasetUpload(pb.CommitDatasetUploadRequest(name=up.name), CTX)
    tampered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    with pytest.raises(PermissionDenied):
        await gw.dataset_servicer.PutUploadContent(pb.PutUploadContentRequest(
            token=tampered, content=httpbody_pb2.HttpBody(data=b"a\n1\n")), CTX)
    await gw.dataset_servicer.PutUploadContent(pb.PutUploadContentRequest(
        token=token, content=httpbody_pb2.HttpBody(data=CSV.encode())), CTX)
    ds = await gw.dataset_servicer.CommitDatasetUpload(pb.CommitDatasetUploadRequest(name=up.name, select=True), CTX)
    assert ds.name == "sessions/signed-1/datasets/late" and ds.row_count == 2
    again = await gw.dataset_servicer.CommitDatasetUpload(pb.CommitDatasetUploadRequest(name=up.name), CTX)
    assert again.uid == ds.uid  # commit is idempotent
    assert gw.objects.list("sessions/signed-1/uploads/") == []
    expired = gw.datasets.create_upload(parent="sessions/signed-1", filename="e.csv")
    clock.advance(minutes=16)
    with pytest.raises(PermissionDenied) as exc:
        gw.datasets.put_upload_content(expired.upload_url.rsplit("/", 1)[1], b"a\n1\n")
    assert exc.value.reason == "UPLOAD_URL_EXPIRED"


async def test_get_list_delete(gw):
    for name in ("one.csv", "two.csv", "three.csv"):
        gw.datasets.create_from_text(session_id="gld-1", filename=name, content=CSV)
    got = await gw.dataset_servicer.GetDataset(pb.GetDatasetRequest(name="sessions/gld-1/datasets/two"), CTX)
    assert len(got.preview_rows) == 2 and got.preview_rows[1].values[1].number_value == 20.5
    page = await gw.dataset_servicer.ListDatasets(pb.ListDatasetsRequest(parent="sessions/gld-1", page_size=2), CTX)
    assert [d.name.rsplit("/", 1)[1] for d in page.datasets] == ["one", "two"] and not page.datasets[0].preview_rows
    rest = await gw.dataset_servicer.ListDatasets(
        pb.ListDatasetsRequest(parent="sessions/gld-1", page_size=2, page_token=page.next_page_token), CTX)
    assert [d.name.rsplit("/", 1)[1] for d in rest.datasets] == ["three"] and not rest.next_page_token
    await gw.dataset_servicer.DeleteDataset(pb.DeleteDatasetRequest(name=got.name), CTX)
    assert not Path(got.uri).exists()
    assert gw.local_catalog.find_table("uploads", got.table.table) is None
    assert got.name not in [s.dataset for s in gw.sessions.get("gld-1").data_sources]
    with pytest.raises(NotFound):
        await gw.dataset_servicer.GetDataset(pb.GetDatasetRequest(name=got.name), CTX)


async def test_resolve_inputs(gw):
    ds = gw.datasets.create_from_text(session_id="res-1", filename="sales.csv", content=CSV)
    gw.sessions.select_tables("res-1", [("sales", "orders")])
    inputs = await gw.resolve_inputs("sessions/res-1", [])
    assert [(i.name, i.kind) for i in inputs] == [("sales", types_pb2.ExecutionInput.CSV_FILE),
                                                  ("orders", types_pb2.ExecutionInput.TABLE)]
    csv_input, table_input = inputs
    assert csv_input.uri == ds.uri and csv_input.size_bytes == ds.size_bytes and csv_input.data_version == ds.sha256
    assert csv_input.csv_format.delimiter == "," and len(csv_input.sample_rows) == 2
    assert [c.name for c in csv_input.columns] == ["region", "amount"]
    assert table_input.table.database == "sales" and table_input.uri.endswith("orders.csv")
    assert len(table_input.sample_rows) == 2 and table_input.data_version
    explicit = await gw.resolve_inputs("res-1", [types_pb2.DataSource(
        table=types_pb2.TableRef(database="sales", table="events"))])
    assert [i.name for i in explicit] == ["events"]
    with pytest.raises(NotFound):
        await gw.resolve_inputs("sessions/ghost-1", [])


async def test_grpc_dataset_errors(gw):
    async with serve(gw) as channel:
        stub = dataset_service_pb2_grpc.DatasetServiceStub(channel)
        ok = await stub.CreateDataset(pb.CreateDatasetRequest(session_id="g-ds-1", filename="a.csv", content=CSV))
        assert ok.success
        with pytest.raises(grpc.aio.AioRpcError) as exc:
            await stub.CreateDataset(pb.CreateDatasetRequest(session_id="g-ds-1", filename="h.csv", content="a,b\n"))
        assert exc.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        info, bad = rich_status(exc.value)
        assert info.reason == "CSV_NO_DATA_ROWS" and bad.field_violations[0].field == "content"
        gw.settings.update({"global.max_upload_mb": 1})

        async def chunks():
            yield pb.StreamUploadDatasetRequest(parent="sessions/g-ds-1", filename="big.csv")
            for _ in range(3):
                yield pb.StreamUploadDatasetRequest(chunk=b"y" * 500_000)

        with pytest.raises(grpc.aio.AioRpcError) as exc:
            await stub.StreamUploadDataset(chunks())
        assert exc.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
        assert rich_status(exc.value)[0].reason == "UPLOAD_TOO_LARGE"
        with pytest.raises(grpc.aio.AioRpcError) as exc:
            await stub.GetDataset(pb.GetDatasetRequest(name="sessions/g-ds-1/datasets/nope"))
        assert exc.value.code() == grpc.StatusCode.NOT_FOUND
        with pytest.raises(grpc.aio.AioRpcError) as exc:
            await stub.PutUploadContent(pb.PutUploadContentRequest(token="forged.token"))
        assert exc.value.code() == grpc.StatusCode.PERMISSION_DENIED
