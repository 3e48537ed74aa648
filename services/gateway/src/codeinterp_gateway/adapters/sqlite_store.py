"""The gateway's state on the embedded default: one SQLite file in the data directory.

WAL journal, foreign keys on, schema created at start. Every write is one
`BEGIN IMMEDIATE … COMMIT` transaction, so a crash leaves each change either fully
applied or not at all. One connection shared by the gateway's threads behind a lock
(SQLite serialises writers anyway). Records are kept as JSON documents beside the
columns used for lookups and ordering; `seq` columns give stable ordering for
pagination cursors. Implements the store Protocols of `codeinterp_gateway.domain`
(SessionStore, DatasetStore, SettingsStore) and the registry of the local catalog.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

from codeinterp_common.errors import AlreadyExists
from codeinterp_gateway.domain.catalog import TableInfo, TableName
from codeinterp_gateway.domain.clock import from_micros, to_micros
from codeinterp_gateway.domain.csv_sniff import ColumnInfo, CsvLayout
from codeinterp_gateway.domain.datasets import DatasetRecord, UploadRecord
from codeinterp_gateway.domain.sessions import DataSource, HistoryRecord, Session

SCHEMA_VERSION = 2  # 2: sessions.owner column (filled from the JSON document on upgrade)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS sessions (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL UNIQUE,
  doc TEXT NOT NULL,
  create_time INTEGER NOT NULL,
  owner TEXT NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS request_ids (
  scope TEXT NOT NULL,
  request_id TEXT NOT NULL,
  payload_hash TEXT NOT NULL,
  resource TEXT NOT NULL,
  PRIMARY KEY (scope, request_id)
);
CREATE TABLE IF NOT EXISTS datasets (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
  dataset_id TEXT NOT NULL,
  doc TEXT NOT NULL,
  UNIQUE (session_id, dataset_id)
);
CREATE TABLE IF NOT EXISTS history (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
  entry_id TEXT NOT NULL,
  doc TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS history_by_session ON history (session_id, seq);
CREATE TABLE IF NOT EXISTS uploads (
  session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
  upload_id TEXT NOT NULL,
  doc TEXT NOT NULL,
  PRIMARY KEY (session_id, upload_id)
);
CREATE TABLE IF NOT EXISTS settings (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  doc TEXT NOT NULL,
  update_time INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS catalog_tables (
  database TEXT NOT NULL,
  name TEXT NOT NULL,
  doc TEXT NOT NULL,
  PRIMARY KEY (database, name)
);
"""


# ---------------------------------------------------------------- (de)serialisation


def _columns(cols) -> list[list[str]]:
    return [[c.name, c.type, c.description] for c in cols]


def _uncolumns(raw) -> tuple[ColumnInfo, ...]:
    return tuple(ColumnInfo(*c) for c in raw)


def _layout(fmt: CsvLayout | None) -> dict | None:
    return None if fmt is None else fmt.__dict__.copy()


def _unlayout(raw: dict | None) -> CsvLayout | None:
    return None if raw is None else CsvLayout(**raw)


def _source(s: DataSource) -> dict:
    if s.dataset:
        return {"dataset": s.dataset}
    if s.table is not None:
        return {"table": [s.table.database, s.table.table]}
    return {"s3_uri": s.s3_uri}


def _unsource(raw: dict) -> DataSource:
    if "table" in raw:
        return DataSource(table=TableName(*raw["table"]))
    return DataSource(dataset=raw.get("dataset", ""), s3_uri=raw.get("s3_uri", ""))


def _session_doc(s: Session) -> str:
    return json.dumps({
        "uid": s.uid, "display_name": s.display_name, "labels": dict(s.labels), "owner": s.owner,
        "data_sources": [_source(d) for d in s.data_sources],
        "create_time": to_micros(s.create_time), "update_time": to_micros(s.update_time),
    })


def _session(sid: str, doc: str) -> Session:
    d = json.loads(doc)
    return Session(
        id=sid, uid=d["uid"], display_name=d["display_name"], labels=d["labels"], owner=d["owner"],
        data_sources=tuple(_unsource(x) for x in d["data_sources"]),
        create_time=from_micros(d["create_time"]), update_time=from_micros(d["update_time"]),
    )


def _dataset_doc(r: DatasetRecord) -> str:
    return json.dumps({
        "uid": r.uid, "filename": r.filename, "key": r.key, "uri": r.uri, "size_bytes": r.size_bytes,
        "format": _layout(r.format), "source_encoding": r.source_encoding, "source_header": r.source_header,
        "columns": _columns(r.columns), "preview_rows": [list(x) for x in r.preview_rows],
        "preview_text": r.preview_text, "row_count": r.row_count, "sha256": r.sha256,
        "create_time": to_micros(r.create_time), "table": [r.table.database, r.table.table] if r.table else None,
    })


def _dataset(sid: str, did: str, doc: str) -> DatasetRecord:
    d = json.loads(doc)
    return DatasetRecord(
        session_id=sid, dataset_id=did, uid=d["uid"], filename=d["filename"], key=d["key"], uri=d["uri"],
        size_bytes=d["size_bytes"], format=_unlayout(d["format"]) or CsvLayout(),
        source_encoding=d["source_encoding"], source_header=d["source_header"], columns=_uncolumns(d["columns"]),
        preview_rows=tuple(tuple(x) for x in d["preview_rows"]), preview_text=d["preview_text"],
        row_count=d["row_count"], sha256=d["sha256"], create_time=from_micros(d["create_time"]),
        table=TableName(*d["table"]) if d["table"] else None,
    )


def _history_doc(r: HistoryRecord) -> str:
    d = {k: v for k, v in r.__dict__.items() if k not in ("session_id", "entry_id", "create_time")}
    d["create_time"] = to_micros(r.create_time) if r.create_time else 0
    return json.dumps(d)


def _history(sid: str, entry_id: str, doc: str) -> HistoryRecord:
    d = json.loads(doc)
    ct = d.pop("create_time")
    return HistoryRecord(**d, session_id=sid, entry_id=entry_id, create_time=from_micros(ct) if ct else None)


def _upload_doc(u: UploadRecord) -> str:
    d = {k: v for k, v in u.__dict__.items() if k not in ("session_id", "upload_id")}
    d["expire_time"] = to_micros(u.expire_time)
    d["create_time"] = to_micros(u.create_time)
    return json.dumps(d)


def _upload(sid: str, uid: str, doc: str) -> UploadRecord:
    d = json.loads(doc)
    d["expire_time"] = from_micros(d["expire_time"])
    d["create_time"] = from_micros(d["create_time"])
    return UploadRecord(session_id=sid, upload_id=uid, **d)


def _table_doc(t: TableInfo) -> str:
    return json.dumps({
        "location": t.location, "format": t.format, "columns": _columns(t.columns),
        "partition_keys": _columns(t.partition_keys), "size_bytes": t.size_bytes, "row_count": t.row_count,
        "description": t.description, "data_version": t.data_version, "csv_format": _layout(t.csv_format),
        "session_id": t.session_id, "dataset_id": t.dataset_id,
    })


def _table(database: str, name: str, doc: str) -> TableInfo:
    d = json.loads(doc)
    return TableInfo(
        database=database, table=name, location=d["location"], format=d["format"],
        columns=_uncolumns(d["columns"]), partition_keys=_uncolumns(d["partition_keys"]),
        size_bytes=d["size_bytes"], row_count=d["row_count"], description=d["description"],
        data_version=d["data_version"], csv_format=_unlayout(d["csv_format"]), session_id=d["session_id"],
        dataset_id=d["dataset_id"],
    )


def _migrate(db: sqlite3.Connection) -> None:
    """Schema 1 → 2: the owner column, filled from the JSON document (which always carried it)."""
    columns = {row[1] for row in db.execute("PRAGMA table_info(sessions)")}
    if "owner" not in columns:
        db.execute("ALTER TABLE sessions ADD COLUMN owner TEXT NOT NULL DEFAULT ''")
        db.execute("UPDATE sessions SET owner = COALESCE(json_extract(doc, '$.owner'), '')")


class SqliteStore:
    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.RLock()
        self._conn = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None, timeout=10.0)
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA synchronous=NORMAL")
        self._conn.execute("PRAGMA foreign_keys=ON")
        with self.transaction() as db:
            for statement in _SCHEMA.split(";"):
                if statement.strip():
                    db.execute(statement)
            _migrate(db)
            db.execute("CREATE INDEX IF NOT EXISTS sessions_by_owner ON sessions (owner, seq)")
            db.execute("INSERT OR IGNORE INTO meta (key, value) VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))
            db.execute("UPDATE meta SET value=? WHERE key='schema_version'", (str(SCHEMA_VERSION),))

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            else:
                self._conn.execute("COMMIT")

    def _query(self, sql: str, args: tuple = ()) -> list[tuple]:
        with self._lock:
            return self._conn.execute(sql, args).fetchall()

    # ------------------------------------------------------------ sessions

    def insert_session(self, session: Session, *, request: tuple[str, str, str] | None = None) -> None:
        try:
            with self.transaction() as db:
                db.execute("INSERT INTO sessions (id, doc, create_time, owner) VALUES (?, ?, ?, ?)",
                           (session.id, _session_doc(session), to_micros(session.create_time), session.owner))
                if request is not None:
                    scope, request_id, payload = request
                    db.execute("INSERT INTO request_ids (scope, request_id, payload_hash, resource) VALUES (?,?,?,?)",
                               (scope, request_id, payload, session.id))
        except sqlite3.IntegrityError:
            raise AlreadyExists(f"session {session.id} already exists", reason="SESSION_EXISTS",
                                metadata={"session": session.name}) from None

    def find_request(self, scope: str, request_id: str) -> tuple[str, str] | None:
        rows = self._query("SELECT payload_hash, resource FROM request_ids WHERE scope=? AND request_id=?",
                           (scope, request_id))
        return (rows[0][0], rows[0][1]) if rows else None

    def forget_request(self, scope: str, request_id: str) -> None:
        with self.transaction() as db:
            db.execute("DELETE FROM request_ids WHERE scope=? AND request_id=?", (scope, request_id))

    def get_session(self, session_id: str) -> Session | None:
        rows = self._query("SELECT doc FROM sessions WHERE id=?", (session_id,))
        return _session(session_id, rows[0][0]) if rows else None

    def list_sessions(self, *, after_seq: int | None, limit: int, owner: str | None = None) -> list[tuple[int, Session]]:
        clauses, args = [], []
        if owner is not None:
            clauses.append("owner = ?")
            args.append(owner)
        if after_seq is not None:
            clauses.append("seq < ?")
            args.append(after_seq)
        where = f" WHERE {' AND '.join(clauses)}" if clauses else ""
        rows = self._query(f"SELECT seq, id, doc FROM sessions{where} ORDER BY seq DESC LIMIT ?", (*args, limit))
        return [(seq, _session(sid, doc)) for seq, sid, doc in rows]

    def save_session(self, session: Session) -> None:
        with self.transaction() as db:
            db.execute("UPDATE sessions SET doc=? WHERE id=?", (_session_doc(session), session.id))

    def delete_session(self, session_id: str) -> bool:
        with self.transaction() as db:
            db.execute("DELETE FROM request_ids WHERE resource=? AND scope='CreateSession'", (session_id,))
            return db.execute("DELETE FROM sessions WHERE id=?", (session_id,)).rowcount > 0

    # ------------------------------------------------------------ history

    def append_history(self, record: HistoryRecord) -> None:
        with self.transaction() as db:
            db.execute("INSERT INTO history (session_id, entry_id, doc) VALUES (?, ?, ?)",
                       (record.session_id, record.entry_id, _history_doc(record)))

    def list_history(self, session_id: str, *, after_seq: int | None, limit: int) -> list[tuple[int, HistoryRecord]]:
        rows = self._query(
            "SELECT seq, entry_id, doc FROM history WHERE session_id=? AND seq > ? ORDER BY seq ASC LIMIT ?",
            (session_id, after_seq or 0, limit),
        )
        return [(seq, _history(session_id, eid, doc)) for seq, eid, doc in rows]

    # ------------------------------------------------------------ datasets

    def insert_dataset(self, record: DatasetRecord, *, select: bool) -> None:
        try:
            with self.transaction() as db:
                db.execute("INSERT INTO datasets (session_id, dataset_id, doc) VALUES (?, ?, ?)",
                           (record.session_id, record.dataset_id, _dataset_doc(record)))
                if select:
                    row = db.execute("SELECT doc FROM sessions WHERE id=?", (record.session_id,)).fetchone()
                    session = _session(record.session_id, row[0])
                    if not any(s.dataset == record.name for s in session.data_sources):
                        sources = session.data_sources + (DataSource(dataset=record.name),)
                        updated = Session(**{**session.__dict__, "data_sources": sources,
                                             "update_time": record.create_time})
                        db.execute("UPDATE sessions SET doc=? WHERE id=?", (_session_doc(updated), session.id))
        except sqlite3.IntegrityError:
            raise AlreadyExists(f"dataset {record.name} already exists", reason="DATASET_EXISTS",
                                metadata={"dataset": record.name}) from None

    def get_dataset(self, session_id: str, dataset_id: str) -> DatasetRecord | None:
        rows = self._query("SELECT doc FROM datasets WHERE session_id=? AND dataset_id=?", (session_id, dataset_id))
        return _dataset(session_id, dataset_id, rows[0][0]) if rows else None

    def dataset_exists(self, session_id: str, dataset_id: str) -> bool:
        return bool(self._query("SELECT 1 FROM datasets WHERE session_id=? AND dataset_id=?",
                                (session_id, dataset_id)))

    def list_datasets(self, session_id: str, *, after_seq: int | None, limit: int) -> list[tuple[int, DatasetRecord]]:
        rows = self._query(
            "SELECT seq, dataset_id, doc FROM datasets WHERE session_id=? AND seq > ? ORDER BY seq ASC LIMIT ?",
            (session_id, after_seq or 0, limit),
        )
        return [(seq, _dataset(session_id, did, doc)) for seq, did, doc in rows]

    def dataset_ids(self, session_id: str) -> set[str]:
        return {r[0] for r in self._query("SELECT dataset_id FROM datasets WHERE session_id=?", (session_id,))}

    def dataset_tables(self, session_id: str) -> list[TableName]:
        out = []
        for (doc,) in self._query("SELECT doc FROM datasets WHERE session_id=?", (session_id,)):
            table = json.loads(doc).get("table")
            if table:
                out.append(TableName(*table))
        return out

    def delete_dataset(self, session_id: str, dataset_id: str) -> bool:
        name = f"sessions/{session_id}/datasets/{dataset_id}"
        with self.transaction() as db:
            deleted = db.execute("DELETE FROM datasets WHERE session_id=? AND dataset_id=?",
                                 (session_id, dataset_id)).rowcount > 0
            row = db.execute("SELECT doc FROM sessions WHERE id=?", (session_id,)).fetchone()
            if row is not None:
                session = _session(session_id, row[0])
                kept = tuple(s for s in session.data_sources if s.dataset != name)
                if kept != session.data_sources:
                    updated = Session(**{**session.__dict__, "data_sources": kept})
                    db.execute("UPDATE sessions SET doc=? WHERE id=?", (_session_doc(updated), session_id))
            return deleted

    # ------------------------------------------------------------ uploads

    def insert_upload(self, record: UploadRecord) -> None:
        with self.transaction() as db:
            db.execute("INSERT INTO uploads (session_id, upload_id, doc) VALUES (?, ?, ?)",
                       (record.session_id, record.upload_id, _upload_doc(record)))

    def get_upload(self, session_id: str, upload_id: str) -> UploadRecord | None:
        rows = self._query("SELECT doc FROM uploads WHERE session_id=? AND upload_id=?", (session_id, upload_id))
        return _upload(session_id, upload_id, rows[0][0]) if rows else None

    def save_upload(self, record: UploadRecord) -> None:
        with self.transaction() as db:
            db.execute("UPDATE uploads SET doc=? WHERE session_id=? AND upload_id=?",
                       (_upload_doc(record), record.session_id, record.upload_id))

    # ------------------------------------------------------------ settings

    def load_settings(self) -> tuple[dict[str, Any], datetime] | None:
        rows = self._query("SELECT doc, update_time FROM settings WHERE id=1")
        if not rows:
            return None
        return json.loads(rows[0][0]), from_micros(rows[0][1])

    def save_settings(self, values: Mapping[str, Any], update_time: datetime) -> None:
        with self.transaction() as db:
            db.execute(
                "INSERT INTO settings (id, doc, update_time) VALUES (1, ?, ?) "
                "ON CONFLICT(id) DO UPDATE SET doc=excluded.doc, update_time=excluded.update_time",
                (json.dumps(dict(values), sort_keys=True), to_micros(update_time)),
            )

    # ------------------------------------------------------------ catalog registry (local catalog)

    def put_catalog_table(self, info: TableInfo) -> None:
        with self.transaction() as db:
            db.execute(
                "INSERT INTO catalog_tables (database, name, doc) VALUES (?, ?, ?) "
                "ON CONFLICT(database, name) DO UPDATE SET doc=excluded.doc",
                (info.database, info.table, _table_doc(info)),
            )

    def get_catalog_table(self, database: str, name: str) -> TableInfo | None:
        rows = self._query("SELECT doc FROM catalog_tables WHERE database=? AND name=?", (database, name))
        return _table(database, name, rows[0][0]) if rows else None

    def list_catalog_tables(self, database: str) -> list[TableInfo]:
        rows = self._query("SELECT name, doc FROM catalog_tables WHERE database=? ORDER BY name", (database,))
        return [_table(database, n, d) for n, d in rows]

    def list_catalog_databases(self) -> list[str]:
        return [r[0] for r in self._query("SELECT DISTINCT database FROM catalog_tables ORDER BY database")]

    def delete_catalog_table(self, database: str, name: str) -> bool:
        with self.transaction() as db:
            return db.execute("DELETE FROM catalog_tables WHERE database=? AND name=?", (database, name)).rowcount > 0
