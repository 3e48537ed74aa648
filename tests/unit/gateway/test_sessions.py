"""Sessions: ids, idempotency, pagination, updates, selection, reset, history, delete, gRPC errors."""
# ruff: noqa: F811 - fixtures are imported from _gw_support and requested by name

from __future__ import annotations

import grpc
import pytest
from _gw_support import FakeContext, clock, gw, rich_status, serve  # noqa: F401
from google.protobuf import field_mask_pb2

from codeinterp.common.v1 import types_pb2
from codeinterp.gateway.v1 import session_service_pb2 as pb
from codeinterp.gateway.v1 import session_service_pb2_grpc
from codeinterp_common.errors import AlreadyExists, InvalidArgument, NotFound
from codeinterp_gateway.domain.sessions import HistoryRecord

CTX = FakeContext()


@pytest.mark.parametrize("sid", ["abcd", "my-session-1", "0b7c5e1e-6f0a-4c4b-9a57-3a3e8f1c2d4e",
                                 "fastapi-session-" + "a" * 40, "Seed_Session.v2", "x" * 128])
async def test_create_accepts_aip_and_seed_ids(gw, sid):
    s = await gw.session_servicer.CreateSession(pb.CreateSessionRequest(session_id=sid), CTX)
    assert s.name == f"sessions/{sid}" and s.uid and s.create_time.seconds > 0 and s.owner == "anonymous"


@pytest.mark.parametrize("sid", ["../etc", "a/b", "..", ".hidden", "a b", "x" * 129, "semi;colon", "q'uote",
                                 "a..b", "ünï"])
async def test_create_rejects_bad_ids(gw, sid):
    with pytest.raises(InvalidArgument) as exc:
        await gw.session_servicer.CreateSession(pb.CreateSessionRequest(session_id=sid), CTX)
    assert exc.value.reason == "SESSION_ID_INVALID"


async def test_duplicate_and_idempotent_create(gw):
    first = await gw.session_servicer.CreateSession(pb.CreateSessionRequest(session_id="dup-1"), CTX)
    with pytest.raises(AlreadyExists):
        await gw.session_servicer.CreateSession(pb.CreateSessionRequest(session_id="dup-1"), CTX)
    req = pb.CreateSessionRequest(session=pb.Session(display_name="x"), request_id="6f1c9a7e-1111")
    a = await gw.session_servicer.CreateSession(req, CTX)
    b = await gw.session_servicer.CreateSession(req, CTX)
    assert a.name == b.name and a.name.startswith("sessions/ses-") and a.uid == b.uid != first.uid
    with pytest.raises(InvalidArgument) as exc:
        await gw.session_servicer.CreateSession(
            pb.CreateSessionRequest(session=pb.Session(display_name="y"), request_id="6f1c9a7e-1111"), CTX)
    assert exc.value.reason == "REQUEST_ID_REUSED"


async def test_list_newest_first_with_tokens(gw, clock):
    for i in range(5):
        gw.sessions.create(f"list-{i}")
        clock.advance(1)
    page = await gw.session_servicer.ListSessions(pb.ListSessionsRequest(page_size=2), CTX)
    names = [s.name for s in page.sessions]
    while page.next_page_token:
        page = await gw.session_servicer.ListSessions(
            pb.ListSessionsRequest(page_size=2, page_token=page.next_page_token), CTX)
        names += [s.name for s in page.sessions]
    assert names == [f"sessions/list-{i}" for i in (4, 3, 2, 1, 0)]
    with pytest.raises(InvalidArgument):
        await gw.session_servicer.ListSessions(pb.ListSessionsRequest(page_size=-1), CTX)
    with pytest.raises(InvalidArgument):
        await gw.session_servicer.ListSessions(pb.ListSessionsRequest(page_token="Mg"), CTX)


async def test_update_with_mask(gw):
    gw.sessions.create("upd-1", display_name="old", labels={"a": "b"})
    req = pb.UpdateSessionRequest(
        session=pb.Session(name="sessions/upd-1", display_name="new", labels={"team": "x"},
                           data_sources=[types_pb2.DataSource(table=types_pb2.TableRef(database="sales",
                                                                                       table="orders"))]),
        update_mask=field_mask_pb2.FieldMask(paths=["display_name", "data_sources"]),
    )
    s = await gw.session_servicer.UpdateSession(req, CTX)
    assert s.display_name == "new" and dict(s.labels) == {"a": "b"}
    assert s.data_sources[0].table.table == "orders"
    bad = pb.UpdateSessionRequest(session=pb.Session(name="sessions/upd-1", data_sources=[
        types_pb2.DataSource(table=types_pb2.TableRef(database="sales", table="nope"))]))
    with pytest.raises(NotFound):
        await gw.session_servicer.UpdateSession(bad, CTX)
    bad_ds = pb.UpdateSessionRequest(session=pb.Session(name="sessions/upd-1", data_sources=[
        types_pb2.DataSource(dataset="sessions/other-1/datasets/x")]))
    with pytest.raises(InvalidArgument):
        await gw.session_servicer.UpdateSession(bad_ds, CTX)
    with pytest.raises(NotFound):
        await gw.session_servicer.UpdateSession(pb.UpdateSessionRequest(session=pb.Session(
            name="sessions/upd-1", data_sources=[types_pb2.DataSource(dataset="sessions/upd-1/datasets/x")])), CTX)
    with pytest.raises(InvalidArgument):
        await gw.session_servicer.UpdateSession(pb.UpdateSessionRequest(
            session=pb.Session(name="sessions/upd-1"), update_mask=field_mask_pb2.FieldMask(paths=["owner2"])), CTX)
    for uri in ["s3://b/../x.csv", "s3://bucket/a//b.csv", "file:///etc/passwd", "s3://bucket/a\\b", "s3://bkt/x."]:
        with pytest.raises(InvalidArgument):
            await gw.session_servicer.UpdateSession(pb.UpdateSessionRequest(session=pb.Session(
                name="sessions/upd-1", data_sources=[types_pb2.DataSource(s3_uri=uri)])), CTX)


async def test_select_tables_creates_seed_session_and_reset(gw):
    req = pb.SelectTablesRequest(session_id="browser-uuid-1234",
                                 tables=[types_pb2.TableRef(database="sales", table="orders")])
    s = await gw.session_servicer.SelectTables(req, CTX)
    assert s.name == "sessions/browser-uuid-1234" and s.data_sources[0].table.table == "orders"
    s = await gw.session_servicer.SelectTables(pb.SelectTablesRequest(
        name="sessions/browser-uuid-1234", tables=[types_pb2.TableRef(database="sales", table="events")]), CTX)
    assert [d.table.table for d in s.data_sources] == ["events"]  # replaced
    s = await gw.session_servicer.ResetSession(pb.ResetSessionRequest(session_id="browser-uuid-1234"), CTX)
    assert list(s.data_sources) == []


@pytest.mark.parametrize("table", ["orders; DROP TABLE x", "`orders`", " orders", "orders'", "orders\"", "a b"])
async def test_select_tables_rejects_injection_and_creates_nothing(gw, table):
    req = pb.SelectTablesRequest(session_id="inj-1", tables=[types_pb2.TableRef(database="sales", table=table)])
    with pytest.raises(InvalidArgument) as exc:
        await gw.session_servicer.SelectTables(req, CTX)
    assert exc.value.field_violations[0].field == "tables[0].table"
    with pytest.raises(NotFound):
        gw.sessions.get("inj-1")


async def test_history_oldest_first_and_paged(gw, clock):
    gw.sessions.create("hist-1")
    for i in range(3):
        gw.sessions.record_history("sessions/hist-1", HistoryRecord(kind="GENERATION", framework="SPARK",
                                                                    prompt=f"p{i}", code="c", success=True))
        clock.advance(1)
    gw.sessions.record_history("auto-created-by-ask", HistoryRecord(kind="RUN", framework="RAY"))
    page = await gw.session_servicer.ListHistory(pb.ListHistoryRequest(parent="sessions/hist-1", page_size=2), CTX)
    assert [e.prompt for e in page.entries] == ["p0", "p1"] and page.next_page_token
    assert page.entries[0].kind == pb.HistoryEntry.GENERATION and page.entries[0].framework == types_pb2.SPARK
    assert page.entries[0].name.startswith("sessions/hist-1/history/h-")
    rest = await gw.session_servicer.ListHistory(
        pb.ListHistoryRequest(session_id="hist-1", page_size=2, page_token=page.next_page_token), CTX)
    assert [e.prompt for e in rest.entries] == ["p2"] and rest.next_page_token == ""
    seed = await gw.session_servicer.ListHistory(pb.ListHistoryRequest(session_id="auto-created-by-ask"), CTX)
    assert seed.entries[0].kind == pb.HistoryEntry.RUN


async def test_delete_session_removes_everything(gw):
    ds = gw.datasets.create_from_text(session_id="del-1", filename="a.csv", content="x,y\n1,2\n")
    gw.sessions.record_history("del-1", HistoryRecord(kind="RUN"))
    table = ds.table
    assert gw.local_catalog.find_table(table.database, table.table) is not None
    await gw.session_servicer.DeleteSession(pb.DeleteSessionRequest(name="sessions/del-1"), CTX)
    with pytest.raises(NotFound):
        gw.sessions.get("del-1")
    assert gw.local_catalog.find_table(table.database, table.table) is None
    assert gw.objects.list("sessions/del-1/") == []
    assert gw.store.list_history("del-1", after_seq=None, limit=10) == []


async def test_grpc_status_codes_and_error_info(gw):
    async with serve(gw) as channel:
        stub = session_service_pb2_grpc.SessionServiceStub(channel)
        created = await stub.CreateSession(pb.CreateSessionRequest(session_id="grpc-1"))
        assert (await stub.GetSession(pb.GetSessionRequest(name=created.name))).uid == created.uid
        with pytest.raises(grpc.aio.AioRpcError) as exc:
            await stub.CreateSession(pb.CreateSessionRequest(session_id="grpc-1"))
        assert exc.value.code() == grpc.StatusCode.ALREADY_EXISTS
        with pytest.raises(grpc.aio.AioRpcError) as exc:
            await stub.GetSession(pb.GetSessionRequest(name="sessions/missing-1"))
        assert exc.value.code() == grpc.StatusCode.NOT_FOUND
        info, _ = rich_status(exc.value)
        assert info.reason == "SESSION_NOT_FOUND" and info.metadata["session"] == "sessions/missing-1"
        with pytest.raises(grpc.aio.AioRpcError) as exc:
            await stub.SelectTables(pb.SelectTablesRequest(session_id="grpc-1", tables=[
                types_pb2.TableRef(database="sales", table="orders; DROP")]))
        assert exc.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        info, bad = rich_status(exc.value)
        assert info.reason == "IDENTIFIER_INVALID" and info.metadata["table"] == "orders; DROP"
        assert bad.field_violations[0].field == "tables[0].table"
        with pytest.raises(grpc.aio.AioRpcError) as exc:
            await stub.SelectTables(pb.SelectTablesRequest(session_id="grpc-1", tables=[
                types_pb2.TableRef(database="sales", table="ghost")]))
        assert exc.value.code() == grpc.StatusCode.NOT_FOUND
        assert rich_status(exc.value)[0].metadata["table"] == "ghost"
