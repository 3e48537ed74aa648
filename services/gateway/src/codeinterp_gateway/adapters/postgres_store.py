"""The gateway's state in PostgreSQL (several gateway replicas share it).

The same interface and behaviour as `SqliteStore` (same tables and columns, including the
sessions' `owner`; records as the same JSON documents): sessions, idempotency keys, datasets
metadata, history, uploads, settings and the local catalog's registry. Every method is one
transaction; read-modify-write of a session document locks its row (`FOR UPDATE`), so two
replicas never lose each other's update. Chosen by CODEINTERP_DATABASE_URL (`open_gateway_store`).

Paging uses the `seq` identity columns like SQLite; on PostgreSQL a row inserted by a
concurrent transaction may take a lower `seq` than one already listed, so a page read during
concurrent creates can miss that row (the next full listing shows it).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from codeinterp_common.db import Postgres, check_url, database_settings, migrate_postgres, shared_postgres
from codeinterp_common.errors import AlreadyExists
from codeinterp_gateway.adapters.sqlite_store import (
    SqliteStore,
    _dataset,
    _dataset_doc,
    _history,
    _history_doc,
    _session,
    _session_doc,
    _table,
    _table_doc,
    _upload,
    _upload_doc,
)
from codeinterp_gateway.domain.catalog import TableInfo, TableName
from codeinterp_gateway.domain.clock import from_micros, to_micros
from codeinterp_gateway.domain.datasets import DatasetRecord, UploadRecord
from codeinterp_gateway.domain.sessions import DataSource, HistoryRecord, Session

MIGRATIONS = [
    # 1: the tables of SqliteStore schema 2 (sessions with their owner column)
    """
CREATE TABLE IF NOT EXISTS sessions (
  seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  doc TEXT NOT NULL,
  create_time BIGINT NOT NULL,
  owner TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS sessions_by_owner ON sessions (owner, seq);
CREATE TABLE IF NOT EXISTS request_ids (
  scope TEXT NOT NULL,
  request_id TEXT NOT NULL,
  payload_hash TEXT NOT NULL,
  resource TEXT NOT NULL,
  PRIMARY KEY (scope, request_id)
);
CREATE TABLE IF NOT EXISTS datasets (
  seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
  dataset_id TEXT NOT NULL,
  doc TEXT NOT NULL,
  UNIQUE (session_id, dataset_id)
);
CREATE TABLE IF NOT EXISTS history (
  seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
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
  update_time BIGINT NOT NULL
);
CREATE TABLE IF NOT EXISTS catalog_tables (
  database TEXT NOT NULL,
  name TEXT NOT NULL,
  doc TEXT NOT NULL,
  PRIMARY KEY (database, name)
);
""",
]


def open_gateway_store(sqlite_file: Path):
    """The store the settings choose: SQLite at `sqlite_file` (embedded default) or PostgreSQL."""
    url = database_settings().database_url
    if check_url(url) == "postgres":
        return PostgresStore(shared_postgres(url))
    return SqliteStore(sqlite_file)


class PostgresStore:
    def __init__(self, db: Postgres) -> None:
        self.db = db
        migrate_postgres(db, "gateway", MIGRATIONS)

    def close(self) -> None:
        """The pool is shared per URL in the process; closed at exit."""

    def _query(self, sql: str, args: tuple = ()) -> list[dict]:
        with self.db.connection() as conn:
            return conn.execute(sql, args).fetchall()

    def _write(self, sql: str, args: tuple = ()) -> int:
        with self.db.connection() as conn:
            return conn.execute(sql, args).rowcount

    # ------------------------------------------------------------ sessions

    def insert_session(self, session: Session, *, request: tuple[str, str, str] | None = None) -> None:
        from psycopg import errors

        try:
            with self.db.connection() as conn:
                conn.execute(
                    "INSERT INTO sessions (id, doc, create_time, owner) VALUES (%s, %s, %s, %s)",
                    (session.id, _session_doc(session), to_micros(session.create_time), session.owner),
                )
                if request is not None:
                    scope, request_id, payload = request
                    conn.execute(
                        "INSERT INTO request_ids (scope, request_id, payload_hash, resource) VALUES (%s, %s, %s, %s)",
                        (scope, request_id, payload, session.id),
                    )
        except errors.IntegrityError:
            raise AlreadyExists(
                f"session {session.id} already exists",
                reason="SESSION_EXISTS",
                metadata={"session": session.name},
            ) from None

    def find_request(self, scope: str, request_id: str) -> tuple[str, str] | None:
        rows = self._query(
            "SELECT payload_hash, resource FROM request_ids WHERE scope = %s AND request_id = %s",
            (scope, request_id),
        )
        return (rows[0]["payload_hash"], rows[0]["resource"]) if rows else None

    def forget_request(self, scope: str, request_id: str) -> None:
        self._write("DELETE FROM request_ids WHERE scope = %s AND request_id = %s", (scope, request_id))

    def get_session(self, session_id: str) -> Session | None:
        rows = self._query("SELECT doc FROM sessions WHERE id = %s", (session_id,))
        return _session(session_id, rows[0]["doc"]) if rows else None

    def list_sessions(
        self, *, after_seq: int | None, limit: int, owner: str | None = None
    ) -> list[tuple[int, Session]]:
        clauses, args = [], []
        if owner is not None:
            clauses.append("owner = %s")
            args.append(owner)
        if after_seq is not None:
            clauses.append("seq < %s")
            args.append(after_seq)
        where = f" WHERE {' AND '.join(clauses)}" if clauses else ""
        rows = self._query(
            f"SELECT seq, id, doc FROM sessions{where} ORDER BY seq DESC LIMIT %s", (*args, limit)
        )
        return [(r["seq"], _session(r["id"], r["doc"])) for r in rows]

    def save_session(self, session: Session) -> None:
        self._write("UPDATE sessions SET doc = %s WHERE id = %s", (_session_doc(session), session.id))

    def delete_session(self, session_id: str) -> bool:
        with self.db.connection() as conn:
            conn.execute(
                "DELETE FROM request_ids WHERE resource = %s AND scope = 'CreateSession'", (session_id,)
            )
            return conn.execute("DELETE FROM sessions WHERE id = %s", (session_id,)).rowcount > 0

    # ------------------------------------------------------------ history

    def append_history(self, record: HistoryRecord) -> None:
        self._write(
            "INSERT INTO history (session_id, entry_id, doc) VALUES (%s, %s, %s)",
            (record.session_id, record.entry_id, _history_doc(record)),
        )

    def list_history(
        self, session_id: str, *, after_seq: int | None, limit: int
    ) -> list[tuple[int, HistoryRecord]]:
        rows = self._query(
            "SELECT seq, entry_id, doc FROM history WHERE session_id = %s AND seq > %s ORDER BY seq ASC LIMIT %s",
            (session_id, after_seq or 0, limit),
        )
        return [(r["seq"], _history(session_id, r["entry_id"], r["doc"])) for r in rows]

    # ------------------------------------------------------------ datasets

    def insert_dataset(self, record: DatasetRecord, *, select: bool) -> None:
        from psycopg import errors

        try:
            with self.db.connection() as conn:
                conn.execute(
                    "INSERT INTO datasets (session_id, dataset_id, doc) VALUES (%s, %s, %s)",
                    (record.session_id, record.dataset_id, _dataset_doc(record)),
                )
                if select:
                    row = conn.execute(
                        "SELECT doc FROM sessions WHERE id = %s FOR UPDATE", (record.session_id,)
                    ).fetchone()
                    session = _session(record.session_id, row["doc"])
                    if not any(s.dataset == record.name for s in session.data_sources):
                        sources = session.data_sources + (DataSource(dataset=record.name),)
                        updated = Session(
                            **{**session.__dict__, "data_sources": sources, "update_time": record.create_time}
                        )
                        conn.execute(
                            "UPDATE sessions SET doc = %s WHERE id = %s", (_session_doc(updated), session.id)
                        )
        except errors.IntegrityError:
            raise AlreadyExists(
                f"dataset {record.name} already exists",
                reason="DATASET_EXISTS",
                metadata={"dataset": record.name},
            ) from None

    def get_dataset(self, session_id: str, dataset_id: str) -> DatasetRecord | None:
        rows = self._query(
            "SELECT doc FROM datasets WHERE session_id = %s AND dataset_id = %s", (session_id, dataset_id)
        )
        return _dataset(session_id, dataset_id, rows[0]["doc"]) if rows else None

    def dataset_exists(self, session_id: str, dataset_id: str) -> bool:
        return bool(
            self._query(
                "SELECT 1 FROM datasets WHERE session_id = %s AND dataset_id = %s", (session_id, dataset_id)
            )
        )

    def list_datasets(
        self, session_id: str, *, after_seq: int | None, limit: int
    ) -> list[tuple[int, DatasetRecord]]:
        rows = self._query(
            "SELECT seq, dataset_id, doc FROM datasets WHERE session_id = %s AND seq > %s ORDER BY seq ASC LIMIT %s",
            (session_id, after_seq or 0, limit),
        )
        return [(r["seq"], _dataset(session_id, r["dataset_id"], r["doc"])) for r in rows]

    def dataset_ids(self, session_id: str) -> set[str]:
        return {
            r["dataset_id"]
            for r in self._query("SELECT dataset_id FROM datasets WHERE session_id = %s", (session_id,))
        }

    def dataset_tables(self, session_id: str) -> list[TableName]:
        out = []
        for r in self._query("SELECT doc FROM datasets WHERE session_id = %s ORDER BY seq", (session_id,)):
            table = json.loads(r["doc"]).get("table")
            if table:
                out.append(TableName(*table))
        return out

    def delete_dataset(self, session_id: str, dataset_id: str) -> bool:
        name = f"sessions/{session_id}/datasets/{dataset_id}"
        with self.db.connection() as conn:
            deleted = (
                conn.execute(
                    "DELETE FROM datasets WHERE session_id = %s AND dataset_id = %s", (session_id, dataset_id)
                ).rowcount
                > 0
            )
            row = conn.execute("SELECT doc FROM sessions WHERE id = %s FOR UPDATE", (session_id,)).fetchone()
            if row is not None:
                session = _session(session_id, row["doc"])
                kept = tuple(s for s in session.data_sources if s.dataset != name)
                if kept != session.data_sources:
                    updated = Session(**{**session.__dict__, "data_sources": kept})
                    conn.execute(
                        "UPDATE sessions SET doc = %s WHERE id = %s", (_session_doc(updated), session_id)
                    )
            return deleted

    # ------------------------------------------------------------ uploads

    def insert_upload(self, record: UploadRecord) -> None:
        self._write(
            "INSERT INTO uploads (session_id, upload_id, doc) VALUES (%s, %s, %s)",
            (record.session_id, record.upload_id, _upload_doc(record)),
        )

    def get_upload(self, session_id: str, upload_id: str) -> UploadRecord | None:
        rows = self._query(
            "SELECT doc FROM uploads WHERE session_id = %s AND upload_id = %s", (session_id, upload_id)
        )
        return _upload(session_id, upload_id, rows[0]["doc"]) if rows else None

    def save_upload(self, record: UploadRecord) -> None:
        self._write(
            "UPDATE uploads SET doc = %s WHERE session_id = %s AND upload_id = %s",
            (_upload_doc(record), record.session_id, record.upload_id),
        )

    # ------------------------------------------------------------ settings

    def load_settings(self) -> tuple[dict[str, Any], datetime] | None:
        rows = self._query("SELECT doc, update_time FROM settings WHERE id = 1")
        if not rows:
            return None
        return json.loads(rows[0]["doc"]), from_micros(rows[0]["update_time"])

    def save_settings(self, values: Mapping[str, Any], update_time: datetime) -> None:
        self._write(
            "INSERT INTO settings (id, doc, update_time) VALUES (1, %s, %s) "
            "ON CONFLICT (id) DO UPDATE SET doc = EXCLUDED.doc, update_time = EXCLUDED.update_time",
            (json.dumps(dict(values), sort_keys=True), to_micros(update_time)),
        )

    # ------------------------------------------------------------ catalog registry (local catalog)

    def put_catalog_table(self, info: TableInfo) -> None:
        self._write(
            "INSERT INTO catalog_tables (database, name, doc) VALUES (%s, %s, %s) "
            "ON CONFLICT (database, name) DO UPDATE SET doc = EXCLUDED.doc",
            (info.database, info.table, _table_doc(info)),
        )

    def get_catalog_table(self, database: str, name: str) -> TableInfo | None:
        rows = self._query(
            "SELECT doc FROM catalog_tables WHERE database = %s AND name = %s", (database, name)
        )
        return _table(database, name, rows[0]["doc"]) if rows else None

    def list_catalog_tables(self, database: str) -> list[TableInfo]:
        rows = self._query(
            "SELECT name, doc FROM catalog_tables WHERE database = %s ORDER BY name", (database,)
        )
        return [_table(database, r["name"], r["doc"]) for r in rows]

    def list_catalog_databases(self) -> list[str]:
        rows = self._query("SELECT DISTINCT database FROM catalog_tables ORDER BY database")
        return [r["database"] for r in rows]

    def delete_catalog_table(self, database: str, name: str) -> bool:
        return (
            self._write("DELETE FROM catalog_tables WHERE database = %s AND name = %s", (database, name)) > 0
        )
