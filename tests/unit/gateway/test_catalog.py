"""Local catalog: directory tables, registered uploads, validation, pagination, gRPC NOT_FOUND."""
# ruff: noqa: F811 - fixtures are imported from _gw_support and requested by name

from __future__ import annotations

import grpc
import pytest
from _gw_support import FakeContext, clock, gw, rich_status, serve  # noqa: F401

from codeinterp.gateway.v1 import catalog_service_pb2 as pb
from codeinterp.gateway.v1 import catalog_service_pb2_grpc
from codeinterp_common.errors import InvalidArgument, NotFound


async def test_list_databases_and_tables(gw):
    dbs = await gw.catalog_servicer.ListDatabases(pb.ListDatabasesRequest(), FakeContext())
    assert [d.database_id for d in dbs.databases] == ["sales", "uploads"]  # `bad-name` is skipped
    assert dbs.databases[0].name == "databases/sales"
    tables = await gw.catalog_servicer.ListTables(pb.ListTablesRequest(parent="databases/sales"), FakeContext())
    assert [t.table for t in tables.tables] == ["events", "orders"]  # `_staging.csv` is skipped
    orders = tables.tables[1]
    assert orders.name == "databases/sales/tables/orders" and orders.format == "csv"
    assert [(c.name, c.type) for c in orders.columns] == [
        ("order_id", "long"), ("customer", "string"), ("amount", "double"), ("order_date", "date")]
    assert orders.size_bytes > 0 and orders.data_version and not orders.sample_rows
    events = tables.tables[0]
    assert [(c.name, c.type) for c in events.partition_keys] == [("day", "date")]
    seed = await gw.catalog_servicer.ListTables(pb.ListTablesRequest(database="sales"), FakeContext())
    assert [t.table for t in seed.tables] == ["events", "orders"]


async def test_get_table_samples(gw):
    t = await gw.catalog_servicer.GetTable(pb.GetTableRequest(database="sales", table="orders"), FakeContext())
    assert len(t.sample_rows) == 2 and t.sample_rows[0].values[1].string_value == "alice"
    t1 = await gw.catalog_servicer.GetTable(pb.GetTableRequest(name="databases/sales/tables/orders", rows=1),
                                            FakeContext())
    assert len(t1.sample_rows) == 1
    with pytest.raises(InvalidArgument):
        await gw.catalog_servicer.GetTable(pb.GetTableRequest(name="databases/sales/tables/orders", rows=-1),
                                           FakeContext())


def test_pagination_with_opaque_tokens(gw):
    page1, token = gw.catalog.list_tables(database="sales", page_size=1)
    assert [t.table for t in page1] == ["events"] and token and not token.isdigit()
    page2, token2 = gw.catalog.list_tables(database="sales", page_size=1, page_token=token)
    assert [t.table for t in page2] == ["orders"] and token2 == ""
    with pytest.raises(InvalidArgument):
        gw.catalog.list_tables(database="uploads", page_size=1, page_token=token)  # token of another list
    with pytest.raises(InvalidArgument):
        gw.catalog.list_databases(page_size=-1)
    with pytest.raises(InvalidArgument):
        gw.catalog.list_databases(page_token="not-a-token!")


@pytest.mark.parametrize(
    ("database", "table"),
    [("sales", "orders; DROP TABLE x"), ("sales", "`orders`"), ("sales", "'orders'"), ("sales", " orders"),
     ("sales.orders", "x"), ("sales", "orders\n"), ("../etc", "passwd"), ("sales", "")],
)
def test_bad_identifiers_are_invalid_argument(gw, database, table):
    with pytest.raises(InvalidArgument) as exc:
        gw.catalog.get_table(database=database, table=table)
    assert exc.value.reason == "IDENTIFIER_INVALID"


def test_unknown_names_are_not_found(gw):
    with pytest.raises(NotFound) as exc:
        gw.catalog.get_table(database="sales", table="Orders")  # exact match only
    assert exc.value.metadata == {"database": "sales", "table": "Orders"}
    with pytest.raises(NotFound):
        gw.catalog.list_tables(parent="databases/nope")


async def test_grpc_not_found_names_the_table(gw):
    async with serve(gw) as channel:
        stub = catalog_service_pb2_grpc.CatalogServiceStub(channel)
        with pytest.raises(grpc.aio.AioRpcError) as exc:
            await stub.GetTable(pb.GetTableRequest(database="sales", table="missing"))
        assert exc.value.code() == grpc.StatusCode.NOT_FOUND
        info, _ = rich_status(exc.value)
        assert info.reason == "TABLE_NOT_FOUND" and dict(info.metadata) == {"database": "sales", "table": "missing"}
        with pytest.raises(grpc.aio.AioRpcError) as exc:
            await stub.ListTables(pb.ListTablesRequest(parent="databases/a;b"))
        assert exc.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        ok = await stub.ListDatabases(pb.ListDatabasesRequest())
        assert len(ok.databases) == 2


def test_parquet_table(tmp_path, gw):
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    target = gw.local_catalog._dir / "sales" / "items.parquet"
    pq.write_table(pa.table({"sku": ["a", "b"], "qty": [1, 2]}), target)
    t = gw.catalog.get_table(database="sales", table="items", rows=5)
    assert t.format == "parquet" and [(c.name, c.type) for c in t.columns] == [("sku", "string"), ("qty", "long")]
    assert t.sample_rows == (("a", 1), ("b", 2))
