"""The gateway store suite: sessions (with owner), idempotency keys, datasets metadata, history,
uploads, settings and the catalog registry behave the same on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest

from codeinterp_common.errors import AlreadyExists
from codeinterp_gateway.adapters.sqlite_store import SqliteStore
from codeinterp_gateway.domain.catalog import TableInfo, TableName
from codeinterp_gateway.domain.csv_sniff import ColumnInfo, CsvLayout
from codeinterp_gateway.domain.datasets import DatasetRecord, UploadRecord
from codeinterp_gateway.domain.sessions import DataSource, HistoryRecord, Session

pytestmark = pytest.mark.integration

T0 = datetime(2026, 1, 2, 3, 4, 5, 123456, tzinfo=UTC)


@pytest.fixture(params=["sqlite", "postgresql"])
def open_store(request, tmp_path):
    """A factory: each call is one more gateway process or replica on the same state."""
    opened, dbs = [], []
    if request.param == "sqlite":

        def factory():
            store = SqliteStore(tmp_path / "gateway.sqlite3")
            opened.append(store)
            return store
    else:
        from codeinterp_common.db import Postgres
        from codeinterp_gateway.adapters.postgres_store import PostgresStore

        url = request.getfixturevalue("pg_fresh_url")

        def factory():
            db = Postgres(url)
            dbs.append(db)
            store = PostgresStore(db)
            opened.append(store)
            return store

    yield factory
    for store in opened:
        store.close()
    for db in dbs:
        db.close()


def session(i: int, owner: str = "alice", **kw) -> Session:
    return Session(
        id=f"s{i:03d}",
        uid=f"uid-{i}",
        create_time=T0 + timedelta(seconds=i),
        update_time=T0 + timedelta(seconds=i),
        display_name=f"Session {i}",
        labels={"team": "x"},
        owner=owner,
        **kw,
    )


def dataset(sid: str, did: str, table: TableName | None = None) -> DatasetRecord:
    return DatasetRecord(
        session_id=sid,
        dataset_id=did,
        uid=f"u-{did}",
        filename=f"{did}.csv",
        key=f"k/{did}",
        uri=f"file:///d/{did}",
        size_bytes=123,
        format=CsvLayout(delimiter=";"),
        source_encoding="latin-1",
        source_header=True,
        columns=(ColumnInfo("region", "string", "where"), ColumnInfo("amount", "double")),
        preview_rows=(("EU", 1.5), ("US", None)),
        preview_text="region;amount",
        row_count=2,
        sha256="abc",
        create_time=T0,
        table=table,
    )


def test_sessions_roundtrip_owner_paging_and_delete(open_store):
    store = open_store()
    sources = (
        DataSource(dataset="sessions/s001/datasets/d1"),
        DataSource(table=TableName("shop", "orders")),
        DataSource(s3_uri="s3://b/k.csv"),
    )
    store.insert_session(session(1, data_sources=sources), request=("CreateSession", "req-1", "hash-1"))
    for i in range(2, 8):
        store.insert_session(session(i, owner="bob" if i % 2 else "alice"))
    assert store.get_session("s001") == session(1, data_sources=sources)
    assert store.get_session("nope") is None
    with pytest.raises(AlreadyExists):
        store.insert_session(session(1))
    seen, cursor = [], None
    while True:
        page = store.list_sessions(after_seq=cursor, limit=3)
        if not page:
            break
        seen += [s.id for _, s in page]
        cursor = page[-1][0]
    assert seen == [f"s{i:03d}" for i in range(7, 0, -1)]
    assert [s.id for _, s in store.list_sessions(after_seq=None, limit=50, owner="bob")] == [
        "s007",
        "s005",
        "s003",
    ]
    updated = Session(**{**session(1).__dict__, "display_name": "new"})
    store.save_session(updated)
    assert open_store().get_session("s001").display_name == "new"
    assert store.find_request("CreateSession", "req-1") == ("hash-1", "s001")
    assert store.delete_session("s001") is True
    assert store.delete_session("s001") is False
    assert store.find_request("CreateSession", "req-1") is None  # the key goes with its session
    assert store.get_session("s001") is None


def test_idempotency_keys(open_store):
    store = open_store()
    store.insert_session(session(1), request=("CreateSession", "r", "h"))
    with pytest.raises(
        AlreadyExists
    ):  # the same key again: the whole insert is refused, nothing half-written
        store.insert_session(session(2), request=("CreateSession", "r", "h2"))
    assert store.get_session("s002") is None
    assert store.find_request("CreateSession", "r") == ("h", "s001")
    store.forget_request("CreateSession", "r")
    assert store.find_request("CreateSession", "r") is None


def test_concurrent_creates_with_one_idempotency_key_make_one_session(open_store):
    replicas = [open_store(), open_store()]
    barrier = threading.Barrier(12)

    def attempt(i: int) -> bool:
        barrier.wait()
        try:
            replicas[i % 2].insert_session(session(100 + i), request=("CreateSession", "same", "h"))
            return True
        except AlreadyExists:
            return False

    with ThreadPoolExecutor(12) as pool:
        results = list(pool.map(attempt, range(12)))
    assert results.count(True) == 1
    assert len(replicas[0].list_sessions(after_seq=None, limit=100)) == 1


def test_datasets_select_into_session_list_and_delete(open_store):
    store = open_store()
    store.insert_session(session(1))
    store.insert_dataset(dataset("s001", "d1", table=TableName("uploads", "s001_d1")), select=True)
    store.insert_dataset(dataset("s001", "d2"), select=False)
    with pytest.raises(AlreadyExists):
        store.insert_dataset(dataset("s001", "d1"), select=False)
    assert store.get_dataset("s001", "d1") == dataset("s001", "d1", table=TableName("uploads", "s001_d1"))
    assert store.get_dataset("s001", "zz") is None
    assert store.dataset_exists("s001", "d2") and not store.dataset_exists("s001", "zz")
    assert store.dataset_ids("s001") == {"d1", "d2"}
    assert store.dataset_tables("s001") == [TableName("uploads", "s001_d1")]
    first = store.list_datasets("s001", after_seq=None, limit=1)
    rest = store.list_datasets("s001", after_seq=first[-1][0], limit=10)
    assert [d.dataset_id for _, d in first + rest] == ["d1", "d2"]
    assert store.get_session("s001").data_sources == (DataSource(dataset="sessions/s001/datasets/d1"),)
    assert store.delete_dataset("s001", "d1") is True
    assert store.get_session("s001").data_sources == ()
    assert store.delete_dataset("s001", "d1") is False
    store.delete_session("s001")  # cascades
    assert store.dataset_ids("s001") == set()


def test_history_uploads_settings_and_catalog(open_store):
    store = open_store()
    store.insert_session(session(1))
    for n in range(5):
        store.append_history(
            HistoryRecord(
                kind="ask",
                framework="spark",
                prompt=f"q{n}",
                code="result = 1",
                success=True,
                job=f"j{n}",
                row_count=n,
                attempts=1,
                session_id="s001",
                entry_id=f"h{n}",
                create_time=T0,
            )
        )
    page = store.list_history("s001", after_seq=None, limit=2)
    more = store.list_history("s001", after_seq=page[-1][0], limit=10)
    assert [h.prompt for _, h in page + more] == ["q0", "q1", "q2", "q3", "q4"]
    assert more[-1][1].row_count == 4 and more[-1][1].create_time == T0

    upload = UploadRecord(
        session_id="s001",
        upload_id="u1",
        filename="a.csv",
        dataset_id="",
        key="up/u1",
        expire_time=T0 + timedelta(hours=1),
        max_size_bytes=10,
        create_time=T0,
    )
    store.insert_upload(upload)
    assert store.get_upload("s001", "u1") == upload
    done = UploadRecord(**{**upload.__dict__, "state": "COMMITTED", "size_bytes": 9, "dataset": "x"})
    store.save_upload(done)
    assert open_store().get_upload("s001", "u1") == done

    assert store.load_settings() is None
    store.save_settings({"b": 2, "a": [1, "x"]}, T0)
    store.save_settings({"b": 3}, T0 + timedelta(seconds=1))
    assert open_store().load_settings() == ({"b": 3}, T0 + timedelta(seconds=1))

    info = TableInfo(
        database="shop",
        table="orders",
        location="/d/orders",
        columns=(ColumnInfo("id", "int"),),
        size_bytes=5,
        row_count=2,
        description="orders",
        data_version="v1",
        csv_format=CsvLayout(),
        session_id="s001",
        dataset_id="d1",
    )
    store.put_catalog_table(info)
    store.put_catalog_table(TableInfo(database="shop", table="customers"))
    store.put_catalog_table(TableInfo(database="abc", table="t"))
    assert store.get_catalog_table("shop", "orders") == info
    assert [t.table for t in store.list_catalog_tables("shop")] == ["customers", "orders"]
    assert store.list_catalog_databases() == ["abc", "shop"]
    assert store.delete_catalog_table("shop", "orders") is True
    assert store.delete_catalog_table("shop", "orders") is False
    assert store.get_catalog_table("shop", "orders") is None


def test_postgres_gateway_migrations_are_idempotent(pg_fresh_url):
    from codeinterp_common.db import Postgres, migrate_postgres
    from codeinterp_gateway.adapters.postgres_store import MIGRATIONS, PostgresStore

    db = Postgres(pg_fresh_url)
    try:
        PostgresStore(db).insert_session(session(1))
        assert PostgresStore(db).get_session("s001") is not None
        assert migrate_postgres(db, "gateway", MIGRATIONS) == []
    finally:
        db.close()
