"""Durable job records and events in PostgreSQL (multi-replica deployments).

The same interface and behaviour as the SQLite `JobStore`. What keeps replicas honest:

* create is `INSERT … ON CONFLICT DO NOTHING` against the primary key and the UNIQUE
  request id: when two replicas create with one request id at once, PostgreSQL lets exactly
  one insert through; the other sees the committed row and returns it (created=False);
* a state change locks the job's row (`SELECT … FOR UPDATE`), checks the transition and
  writes state + event in one transaction, so a terminal state is never overwritten;
* event sequence numbers are taken under the same row lock, so they never collide.

Tables are `<namespace>_jobs` and `<namespace>_job_events` (the spark and ray supervisors
can share one database without seeing each other's jobs).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import asdict

from codeinterp_common.db import Postgres, migrate_postgres
from codeinterp_common.errors import AlreadyExists, NotFound
from codeinterp_common.faults import crash_point
from codeinterp_common.jobs.model import JobRecord, JobState, dumps
from codeinterp_common.jobs.store import (
    _COLUMNS,
    JobEventRecord,
    _encode_token,
    list_query,
    plan_transition,
)

_NAMESPACE = re.compile(r"[a-z][a-z0-9_]{0,30}")
_UPDATABLE = frozenset(_COLUMNS) - {"id"}


def _migrations(ns: str) -> list[str]:
    return [
        f"""
CREATE TABLE IF NOT EXISTS {ns}_jobs (
    id TEXT PRIMARY KEY,
    uid TEXT NOT NULL,
    request_id TEXT UNIQUE,
    request_hash TEXT NOT NULL DEFAULT '',
    code TEXT NOT NULL,
    code_sha256 TEXT NOT NULL,
    inputs BYTEA NOT NULL,
    limits BYTEA NOT NULL,
    platform TEXT NOT NULL DEFAULT '',
    effective_platform TEXT NOT NULL DEFAULT '',
    platform_reason TEXT NOT NULL DEFAULT '',
    session TEXT NOT NULL DEFAULT '',
    state TEXT NOT NULL,
    state_message TEXT NOT NULL DEFAULT '',
    state_time DOUBLE PRECISION NOT NULL,
    error_class TEXT NOT NULL DEFAULT '',
    failing_line INTEGER NOT NULL DEFAULT 0,
    manifest TEXT,
    create_time DOUBLE PRECISION NOT NULL,
    labels TEXT NOT NULL DEFAULT '{{}}',
    backend_id TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS {ns}_jobs_by_time ON {ns}_jobs (create_time DESC, id DESC);
CREATE INDEX IF NOT EXISTS {ns}_jobs_by_state ON {ns}_jobs (state);
CREATE TABLE IF NOT EXISTS {ns}_job_events (
    job_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    time DOUBLE PRECISION NOT NULL,
    kind TEXT NOT NULL,
    value TEXT NOT NULL,
    detail TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (job_id, seq)
);
""",
    ]


def _record(row: dict) -> JobRecord:
    data = dict(row)
    data["state"] = JobState(data["state"])
    data["manifest"] = json.loads(data["manifest"]) if data["manifest"] else None
    data["labels"] = json.loads(data["labels"] or "{}")
    data["request_id"] = data["request_id"] or ""
    data["inputs"] = bytes(data["inputs"])
    data["limits"] = bytes(data["limits"])
    return JobRecord(**data)


class PostgresJobStore:
    def __init__(self, db: Postgres, *, namespace: str) -> None:
        if not _NAMESPACE.fullmatch(namespace):
            raise ValueError(f"bad job store namespace {namespace!r}")
        self.db = db
        self.namespace = namespace
        self._jobs = f"{namespace}_jobs"
        self._events = f"{namespace}_job_events"
        migrate_postgres(db, f"{namespace}_jobs", _migrations(namespace))

    def close(self) -> None:
        """The pool is shared per URL and closed by the process; nothing to do per store."""

    def _conn(self):
        return self.db.connection()

    # -- jobs -------------------------------------------------------------------------------
    def create(self, record: JobRecord) -> tuple[JobRecord, bool]:
        values = asdict(record)
        values["state"] = record.state.value
        values["manifest"] = dumps(record.manifest) if record.manifest is not None else None
        values["labels"] = dumps(record.labels)
        values["request_id"] = record.request_id or None
        with self._conn() as conn:
            inserted = conn.execute(
                f"INSERT INTO {self._jobs} ({', '.join(_COLUMNS)}) VALUES ({', '.join('%s' for _ in _COLUMNS)}) "
                "ON CONFLICT DO NOTHING RETURNING id",
                [values[c] for c in _COLUMNS],
            ).fetchone()
            if inserted is not None:
                self._insert_event(
                    conn, record.id, record.create_time, "state", record.state.value, record.state_message
                )
                return record, True
            if record.request_id:
                row = conn.execute(
                    f"SELECT * FROM {self._jobs} WHERE request_id = %s", (record.request_id,)
                ).fetchone()
                if row is not None:
                    existing = _record(row)
                    if existing.request_hash != record.request_hash:
                        raise AlreadyExists(
                            "request_id was already used with a different request",
                            reason="REQUEST_ID_REUSED",
                            metadata={
                                "request_id": record.request_id
                            },  # never the job id: it may be another principal's
                        )
                    return existing, False
        raise AlreadyExists(
            f"job {record.id} already exists", reason="JOB_EXISTS", metadata={"job": record.id}
        )

    def get(self, job_id: str) -> JobRecord:
        record = self.find(job_id)
        if record is None:
            raise NotFound(f"job {job_id} not found", reason="JOB_NOT_FOUND", metadata={"job": job_id})
        return record

    def find(self, job_id: str) -> JobRecord | None:
        with self._conn() as conn:
            row = conn.execute(f"SELECT * FROM {self._jobs} WHERE id = %s", (job_id,)).fetchone()
        return _record(row) if row is not None else None

    def find_by_request_id(self, request_id: str) -> JobRecord | None:
        with self._conn() as conn:
            row = conn.execute(f"SELECT * FROM {self._jobs} WHERE request_id = %s", (request_id,)).fetchone()
        return _record(row) if row is not None else None

    def list(self, *, page_size: int, page_token: str = "", session: str = "") -> tuple[list[JobRecord], str]:
        size, sql, args = list_query(self._jobs, "%s", page_size, page_token, session)
        with self._conn() as conn:
            rows = conn.execute(sql, args).fetchall()
        records = [_record(r) for r in rows[:size]]
        token = ""
        if len(rows) > size:
            last = records[-1]
            token = _encode_token({"t": last.create_time, "id": last.id})
        return records, token

    def non_terminal(self) -> list[JobRecord]:
        with self._conn() as conn:
            rows = conn.execute(
                f"SELECT * FROM {self._jobs} WHERE state IN ('PENDING','RUNNING','CANCELLING') ORDER BY create_time"
            ).fetchall()
        return [_record(r) for r in rows]

    def transition(self, job_id: str, state: JobState, message: str, now: float, **changes) -> JobRecord:
        with self._conn() as conn:
            row = conn.execute(f"SELECT * FROM {self._jobs} WHERE id = %s FOR UPDATE", (job_id,)).fetchone()
            if row is None:
                raise NotFound(f"job {job_id} not found", reason="JOB_NOT_FOUND", metadata={"job": job_id})
            updated, sets = plan_transition(_record(row), state, message, now, changes)
            self._check_columns(sets)
            conn.execute(
                f"UPDATE {self._jobs} SET {', '.join(f'{k} = %s' for k in sets)} WHERE id = %s",
                [*sets.values(), job_id],
            )
            self._insert_event(conn, job_id, now, "state", state.value, message)
            if state.is_terminal():
                crash_point("while_writing_results", job_id)  # tests only: dies before the commit
        return updated

    def update_fields(self, job_id: str, **changes) -> None:
        if not changes:
            return
        self._check_columns(changes)
        with self._conn() as conn:
            conn.execute(
                f"UPDATE {self._jobs} SET {', '.join(f'{k} = %s' for k in changes)} WHERE id = %s",
                [*changes.values(), job_id],
            )

    @staticmethod
    def _check_columns(changes: dict) -> None:
        unknown = set(changes) - _UPDATABLE
        if unknown:
            raise ValueError(f"unknown job columns {sorted(unknown)}")

    # -- events -----------------------------------------------------------------------------
    def _insert_event(self, conn, job_id: str, now: float, kind: str, value: str, detail: str) -> None:
        conn.execute(
            f"INSERT INTO {self._events} (job_id, seq, time, kind, value, detail) "
            f"SELECT %s, COALESCE(MAX(seq), 0) + 1, %s, %s, %s, %s FROM {self._events} WHERE job_id = %s",
            (job_id, now, kind, value, detail, job_id),
        )

    def add_logs(self, job_id: str, now: float, lines: Iterable[tuple[str, str]]) -> None:
        lines = list(lines)
        if not lines:
            return
        with self._conn() as conn:
            # the job's row lock orders this writer with state changes (sequence numbers never collide)
            conn.execute(f"SELECT 1 FROM {self._jobs} WHERE id = %s FOR UPDATE", (job_id,))
            for stream, text in lines:
                self._insert_event(conn, job_id, now, "log", text, stream)

    def events(self, job_id: str, after_seq: int = 0, limit: int = 1000) -> list[JobEventRecord]:
        with self._conn() as conn:
            rows = conn.execute(
                f"SELECT job_id, seq, time, kind, value, detail FROM {self._events} "
                "WHERE job_id = %s AND seq > %s ORDER BY seq LIMIT %s",
                (job_id, after_seq, limit),
            ).fetchall()
        return [JobEventRecord(**r) for r in rows]
