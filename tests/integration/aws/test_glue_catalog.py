"""GlueCatalog against moto's Glue and S3 on loopback: > 100 tables across databases, table
metadata, sample rows from the first data file (CSV and Parquet), exact-name validation."""

from __future__ import annotations

import io
import uuid

import pytest
from aws_gw_support import aws_settings, glue_table_input

from codeinterp_common.errors import InvalidArgument, NotFound
from codeinterp_gateway.adapters.glue_catalog import GlueCatalog
from codeinterp_gateway.adapters.s3_object_store import S3ObjectStore
from codeinterp_gateway.adapters.sqlite_store import SqliteStore
from codeinterp_gateway.domain.catalog import CatalogService, TableInfo, check_table_owner
from codeinterp_gateway.domain.csv_sniff import ColumnInfo

pytestmark = pytest.mark.integration
WIDE_TABLES = 110


@pytest.fixture(scope="module")
def env(moto_server, tmp_path_factory):
    settings = aws_settings(moto_server)
    s3 = moto_server.client("s3")
    glue = moto_server.client("glue")
    suffix = uuid.uuid4().hex[:8]
    wide, sales = f"wide_{suffix}", f"sales_{suffix}"
    glue.create_database(DatabaseInput={"Name": wide, "Description": "many tables"})
    glue.create_database(DatabaseInput={"Name": sales})
    # The 110 tables are created in the moto server's own in-process backend (one HTTP round trip
    # each would cost seconds on a loaded 2-core machine); every read below goes over HTTP.
    from moto.backends import get_backend
    from moto.core import DEFAULT_ACCOUNT_ID

    backend = get_backend("glue")[DEFAULT_ACCOUNT_ID][moto_server.region]
    for i in range(WIDE_TABLES):
        name = f"t{i:03d}"
        backend.create_table(wide, name, glue_table_input(name, f"s3://{settings.aws_bucket}/wide/{name}/"))
    assert len(glue.get_tables(DatabaseName=wide)["TableList"]) == WIDE_TABLES  # visible through the server
    bucket = settings.aws_bucket
    # orders: CSV with a header, two partitions; `_SUCCESS`, a hidden file and an empty object
    # sort before the real data files and must be skipped.
    s3.put_object(Bucket=bucket, Key="data/orders/_SUCCESS", Body=b"")
    s3.put_object(Bucket=bucket, Key="data/orders/.hidden.csv", Body=b"junk\n")
    s3.put_object(
        Bucket=bucket,
        Key="data/orders/day=2024-01-01/part-000.csv",
        Body=b"order_id,customer,amount\n1,alice,10.5\n2,bob,20\n3,carol,\n",
    )
    s3.put_object(
        Bucket=bucket,
        Key="data/orders/day=2024-01-02/part-000.csv",
        Body=b"order_id,customer,amount\n9,zed,1\n",
    )
    glue.create_table(
        DatabaseName=sales,
        TableInput={
            **glue_table_input(
                "orders",
                f"s3://{bucket}/data/orders/",
                columns=(("order_id", "bigint"), ("customer", "string"), ("amount", "double")),
                partition_keys=(("day", "string"),),
                params={"totalSize": "4096", "numRows": "4"},
            ),
            "Description": "orders by day",
        },
    )
    # events: Parquet written by pyarrow
    import pyarrow as pa
    import pyarrow.parquet as pq

    buf = io.BytesIO()
    pq.write_table(pa.table({"id": [1, 2, 3], "kind": ["click", "view", "buy"]}), buf)
    s3.put_object(Bucket=bucket, Key="data/events/part-0.parquet", Body=buf.getvalue())
    glue.create_table(
        DatabaseName=sales,
        TableInput=glue_table_input(
            "events",
            f"s3://{bucket}/data/events/",
            fmt="parquet",
            columns=(("id", "int"), ("kind", "string")),
        ),
    )
    # headerless, semicolon-delimited CSV with a recordCount statistic (crawler style)
    s3.put_object(Bucket=bucket, Key="data/raw/x.txt", Body=b"7;seven\n8;eight\n")
    raw = glue_table_input(
        "raw", f"s3://{bucket}/data/raw/", header=False, params={"recordCount": "2", "sizeKey": "16"}
    )
    raw["StorageDescriptor"]["SerdeInfo"]["Parameters"] = {"field.delim": ";"}
    glue.create_table(DatabaseName=sales, TableInput=raw)
    # a table whose location has no data yet
    glue.create_table(DatabaseName=sales, TableInput=glue_table_input("empty", f"s3://{bucket}/data/empty/"))

    registry = SqliteStore(tmp_path_factory.mktemp("glue") / "gw.sqlite3")
    catalog = GlueCatalog(settings, registry, S3ObjectStore(settings))
    yield {
        "catalog": catalog,
        "service": CatalogService(catalog),
        "wide": wide,
        "sales": sales,
        "bucket": bucket,
    }
    registry.close()


def test_databases_include_glue_and_uploads(env):
    names = {d.name: d for d in env["catalog"].list_databases()}
    assert {"uploads", env["wide"], env["sales"]} <= set(names)
    assert names[env["wide"]].description == "many tables"


def test_more_than_100_tables_listed_and_paged_through_the_api(env):
    seen, token, pages = [], "", 0
    while True:
        page, token = env["service"].list_tables(database=env["wide"], page_size=50, page_token=token)
        seen += [t.table for t in page]
        pages += 1
        if not token:
            break
    assert pages == 3 and seen == [f"t{i:03d}" for i in range(WIDE_TABLES)]


def test_glue_paginators_follow_next_token(env):
    """moto 5.2 answers get_tables/get_databases in one page (it ignores MaxResults), so this test
    scripts a two-page reply with botocore's Stubber on a real client to prove NextToken is followed."""
    import boto3
    from botocore.stub import Stubber

    client = boto3.client("glue", region_name="us-east-1")
    stub = Stubber(client)
    table = glue_table_input("a", "s3://b/a/")
    stub.add_response("get_database", {"Database": {"Name": "paged"}}, {"Name": "paged"})
    stub.add_response("get_tables", {"TableList": [table], "NextToken": "p2"}, {"DatabaseName": "paged"})
    stub.add_response(
        "get_tables", {"TableList": [{**table, "Name": "b"}]}, {"DatabaseName": "paged", "NextToken": "p2"}
    )
    stub.add_response("get_databases", {"DatabaseList": [{"Name": "paged"}], "NextToken": "d2"}, {})
    stub.add_response("get_databases", {"DatabaseList": [{"Name": "second"}]}, {"NextToken": "d2"})
    catalog = GlueCatalog(
        env["catalog"].aws, env["catalog"]._registry, env["catalog"]._objects, client=client
    )
    with stub:
        assert [t.table for t in catalog.list_tables("paged")] == ["a", "b"]
        assert {"paged", "second"} <= {d.name for d in catalog.list_databases()}
        stub.assert_no_pending_responses()


def test_table_metadata_from_glue(env):
    orders = env["catalog"].get_table(env["sales"], "orders", sample_rows=0)
    assert orders.location == f"s3://{env['bucket']}/data/orders/"
    assert orders.format == "csv"
    assert orders.columns == (
        ColumnInfo("order_id", "long"),
        ColumnInfo("customer", "string"),
        ColumnInfo("amount", "double"),
    )
    assert orders.partition_keys == (ColumnInfo("day", "string"),)
    assert (orders.size_bytes, orders.row_count, orders.description) == (4096, 4, "orders by day")
    assert orders.csv_format.header is True and orders.csv_format.delimiter == ","
    assert orders.data_version and orders.sample_rows == ()
    events = env["catalog"].find_table(env["sales"], "events")
    assert events.format == "parquet" and events.csv_format is None
    assert events.columns == (ColumnInfo("id", "long"), ColumnInfo("kind", "string"))
    raw = env["catalog"].find_table(env["sales"], "raw")
    assert (raw.row_count, raw.size_bytes) == (2, 16)
    assert raw.csv_format.delimiter == ";" and raw.csv_format.header is False


def test_sample_rows_from_the_first_csv_data_file(env):
    orders = env["service"].get_table(database=env["sales"], table="orders", rows=2)
    assert orders.sample_rows == ((1, "alice", 10.5), (2, "bob", 20))
    three = env["catalog"].get_table(env["sales"], "orders", sample_rows=10)
    assert three.sample_rows == ((1, "alice", 10.5), (2, "bob", 20), (3, "carol", None))  # first file only


def test_sample_rows_from_headerless_csv_and_parquet(env):
    assert env["catalog"].get_table(env["sales"], "raw").sample_rows == ((7, "seven"), (8, "eight"))
    assert env["catalog"].get_table(env["sales"], "events", sample_rows=2).sample_rows == (
        (1, "click"),
        (2, "view"),
    )
    assert env["catalog"].get_table(env["sales"], "empty").sample_rows == ()


@pytest.mark.parametrize(
    "name", ["order", "orders_", "Orders", "ORDERS", "orders ", "orders;", "sales.orders"]
)
def test_names_must_match_exactly(env, name):
    assert env["catalog"].find_table(env["sales"], name) is None
    with pytest.raises((NotFound, InvalidArgument)) as err:
        env["service"].require_table(env["sales"], name, field_prefix="table")
    # Near misses (Glue itself would match `Orders` case-insensitively) are NOT_FOUND; names that
    # are not identifiers never reach Glue.
    expected = "TABLE_NOT_FOUND" if name.isidentifier() else "IDENTIFIER_INVALID"
    assert err.value.reason == expected


def test_unknown_database_is_not_found(env):
    with pytest.raises(NotFound) as err:
        env["catalog"].list_tables("no_such_db_" + uuid.uuid4().hex[:6])
    assert err.value.reason == "DATABASE_NOT_FOUND"
    assert env["catalog"].find_table("no_such_db_x", "orders") is None


def test_upload_tables_live_in_the_registry_and_belong_to_their_session(env):
    catalog = env["catalog"]
    info = TableInfo(
        database="uploads",
        table="s1__sales",
        location=f"s3://{env['bucket']}/codeinterp/sessions/s1/datasets/sales.csv",
        columns=(ColumnInfo("a", "long"),),
        session_id="s1",
        dataset_id="sales",
    )
    catalog.register_table(info)
    assert catalog.find_table("uploads", "s1__sales").session_id == "s1"
    assert "s1__sales" in {t.table for t in catalog.list_tables("uploads")}
    found = env["service"].require_table("uploads", "s1__sales", field_prefix="t")
    assert check_table_owner(found, "s1", field="t") is found
    with pytest.raises(InvalidArgument) as err:
        check_table_owner(found, "s2", field="t")
    assert err.value.reason == "TABLE_OF_OTHER_SESSION"
    assert catalog.drop_table("uploads", "s1__sales") is True
    assert catalog.find_table("uploads", "s1__sales") is None
