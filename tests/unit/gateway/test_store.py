"""Adapters on real files: the local object store and the SQLite store."""

from __future__ import annotations

import sqlite3

import pytest

from codeinterp_common.errors import AlreadyExists, InvalidArgument, NotFound
from codeinterp_gateway.adapters.local_object_store import LocalObjectStore
from codeinterp_gateway.adapters.sqlite_store import SqliteStore
from codeinterp_gateway.domain.clock import ManualClock
from codeinterp_gateway.domain.sessions import DataSource, HistoryRecord, Session


def test_object_store_roundtrip(tmp_path):
    store = LocalObjectStore(tmp_path / "objects")
    key = "sessions/s1/datasets/sales.csv"
    assert store.put(key, b"a,b\n1,2\n") == 8
    assert store.exists(key) and store.size(key) == 8 and store.get(key) == b"a,b\n1,2\n"
    with store.open(key) as fh:
        assert fh.read(3) == b"a,b"
    assert store.uri(key) == str((tmp_path / "objects" / key).resolve())
    store.put(key, b"new")  # overwrite is atomic: no temp files left behind
    assert store.get(key) == b"new"
    assert [p.name for p in (tmp_path / "objects/sessions/s1/datasets").iterdir()] == ["sales.csv"]
    store.put("sessions/s1/uploads/u.part", b"x")
    assert store.list("sessions/s1/") == ["sessions/s1/datasets/sales.csv", "sessions/s1/uploads/u.part"]
    assert store.delete_prefix("sessions/s1/") == 2
    assert not (tmp_path / "objects/sessions/s1").exists()
    assert not store.delete(key)
    with pytest.raises(NotFound):
        store.get(key)


@pytest.mark.parametrize(
    "key",
    ["", "/etc/passwd", "../x", "a/../../x", "a/./b", "a//b", "a\\b", "a/b c", "a/%2e%2e/b", "a/`b`", "a;b"],
)
def test_object_store_rejects_traversal(tmp_path, key):
    store = LocalObjectStore(tmp_path / "objects")
    with pytest.raises(InvalidArgument):
        store.put(key, b"x")


def _session(sid: str, clock: ManualClock) -> Session:
    now = clock.now()
    return Session(id=sid, uid=f"uid-{sid}", create_time=now, update_time=now, display_name="d",
                   labels={"team": "a"}, data_sources=(DataSource(s3_uri="s3://bucket-a/k.csv"),))


def test_sqlite_store_sessions_history_settings(tmp_path):
    clock = ManualClock()
    db = tmp_path / "gw.sqlite3"
    store = SqliteStore(db)
    assert sqlite3.connect(db).execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    for sid in ("s-one", "s-two", "s-three"):
        store.insert_session(_session(sid, clock))
        clock.advance(1)
    with pytest.raises(AlreadyExists):
        store.insert_session(_session("s-one", clock))
    page = store.list_sessions(after_seq=None, limit=2)
    assert [s.id for _, s in page] == ["s-three", "s-two"]
    assert [s.id for _, s in store.list_sessions(after_seq=page[-1][0], limit=2)] == ["s-one"]
    store.append_history(HistoryRecord(kind="RUN", code="x", session_id="s-one", entry_id="h-1",
                                       create_time=clock.now()))
    store.save_settings({"global.max_attempts": 5}, clock.now())
    store.close()

    reopened = SqliteStore(db)  # state survives a restart
    assert reopened.get_session("s-one").labels == {"team": "a"}
    assert reopened.get_session("s-one").data_sources == (DataSource(s3_uri="s3://bucket-a/k.csv"),)
    assert [h.code for _, h in reopened.list_history("s-one", after_seq=None, limit=10)] == ["x"]
    assert reopened.load_settings()[0] == {"global.max_attempts": 5}
    assert reopened.delete_session("s-one")
    assert reopened.list_history("s-one", after_seq=None, limit=10) == []  # cascaded
    reopened.close()


def test_sqlite_transaction_rolls_back(tmp_path):
    store = SqliteStore(tmp_path / "gw.sqlite3")
    clock = ManualClock()
    with pytest.raises(RuntimeError):
        with store.transaction() as db:
            db.execute("INSERT INTO sessions (id, doc, create_time) VALUES ('half', '{}', 0)")
            raise RuntimeError("crash in the middle")
    assert store.get_session("half") is None
    store.insert_session(_session("s-after", clock))
    assert store.get_session("s-after") is not None
    store.close()
