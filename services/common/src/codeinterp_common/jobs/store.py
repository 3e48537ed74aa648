"""Durable job records and events in SQLite (the embedded default).

Creates are conditional inserts keyed by the request id, so concurrent or repeated
creates with one id yield exactly one job; state changes are compare-and-set and refuse
to leave a terminal state. Every write is one transaction: nothing is half-written.
"""

from __future__ import annotations

import base64
import json
import sqlite3
import threading
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path

from codeinterp_common.db import migrate_sqlite
from codeinterp_common.errors import AlreadyExists, FailedPrecondition, InvalidArgument, NotFound
from codeinterp_common.faults import crash_point
from codeinterp_common.jobs.model import TRANSITIONS, JobRecord, JobState, dumps

_SCHEMA = """
CREATE TABLE IF NOT EXISTS jobs (
    id TEXT PRIMARY KEY,
    uid TEXT NOT NULL,
    request_id TEXT UNIQUE,
    request_hash TEXT NOT NULL DEFAULT '',
    code TEXT NOT NULL,
    code_sha256 TEXT NOT NULL,
    inputs BLOB NOT NULL,
    limits BLOB NOT NULL,
    platform TEXT NOT NULL DEFAULT '',
    effective_platform TEXT NOT NULL DEFAULT '',
    platform_reason TEXT NOT NULL DEFAULT '',
    session TEXT NOT NULL DEFAULT '',
    state TEXT NOT NULL,
    state_message TEXT NOT NULL DEFAULT '',
    state_time REAL NOT NULL,
    error_class TEXT NOT NULL DEFAULT '',
    failing_line INTEGER NOT NULL DEFAULT 0,
    manifest TEXT,
    create_time REAL NOT NULL,
    labels TEXT NOT NULL DEFAULT '{}',
    backend_id TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS jobs_by_time ON jobs (create_time DESC, id DESC);
CREATE INDEX IF NOT EXISTS jobs_by_state ON jobs (state);
CREATE TABLE IF NOT EXISTS job_events (
    job_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    time REAL NOT NULL,
    kind TEXT NOT NULL,
    value TEXT NOT NULL,
    detail TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (job_id, seq)
);
"""
# Numbered schema migrations (codeinterp_common.db); 1 is idempotent on files made before them.
MIGRATIONS = [_SCHEMA]

_COLUMNS = [
    "id",
    "uid",
    "request_id",
    "request_hash",
    "code",
    "code_sha256",
    "inputs",
    "limits",
    "platform",
    "effective_platform",
    "platform_reason",
    "session",
    "state",
    "state_message",
    "state_time",
    "error_class",
    "failing_line",
    "manifest",
    "create_time",
    "labels",
    "backend_id",
]


@dataclass(frozen=True)
class JobEventRecord:
    job_id: str
    seq: int
    time: float
    kind: str  # "state" or "log"
    value: str
    detail: str = ""


def list_query(table: str, mark: str, page_size: int, page_token: str, session: str) -> tuple[int, str, list]:
    """(page size, SQL, arguments) of one page of jobs, newest first, keyset-paged on
    (create_time, id); `mark` is the driver's placeholder. Shared by the SQLite and PostgreSQL stores."""
    if page_size < 0:
        raise InvalidArgument("page_size must not be negative", field="page_size")
    size = min(page_size or 50, 500)
    cursor = _decode_token(page_token)
    sql = f"SELECT * FROM {table}"
    clauses, args = [], []
    if session:
        clauses.append(f"session = {mark}")
        args.append(session)
    if cursor:
        clauses.append(f"(create_time < {mark} OR (create_time = {mark} AND id < {mark}))")
        args += [cursor["t"], cursor["t"], cursor["id"]]
    if clauses:
        sql += " WHERE " + " AND ".join(clauses)
    sql += f" ORDER BY create_time DESC, id DESC LIMIT {mark}"
    args.append(size + 1)
    return size, sql, args


def plan_transition(
    current: JobRecord, state: JobState, message: str, now: float, changes: dict
) -> tuple[JobRecord, dict]:
    """(the record after the transition, the column values to write); refuses a transition the
    state machine does not allow. Shared by the SQLite and PostgreSQL stores."""
    if state not in TRANSITIONS[current.state]:
        raise FailedPrecondition(
            f"job {current.id} is {current.state.value}; it cannot become {state.value}",
            reason="INVALID_STATE_TRANSITION",
            metadata={"job": current.id, "from": current.state.value, "to": state.value},
        )
    updated = current.with_state(state, message, now, **changes)
    sets = {"state": state.value, "state_message": message, "state_time": now}
    for key, value in changes.items():
        if key == "manifest":
            value = dumps(value) if value is not None else None
        elif key == "labels":
            value = dumps(value)
        sets[key] = value
    return updated, sets


def _row_to_record(row: sqlite3.Row) -> JobRecord:
    data = dict(row)
    data["state"] = JobState(data["state"])
    data["manifest"] = json.loads(data["manifest"]) if data["manifest"] else None
    data["labels"] = json.loads(data["labels"] or "{}")
    data["request_id"] = data["request_id"] or ""
    return JobRecord(**data)


class JobStore:
    def __init__(self, path: Path | str) -> None:
        if str(path) != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None, timeout=30)
        self._db.row_factory = sqlite3.Row
        self._lock = threading.Lock()
        with self._lock:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
        migrate_sqlite(self._db, "jobs", MIGRATIONS)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    # -- jobs -------------------------------------------------------------------------------
    def create(self, record: JobRecord) -> tuple[JobRecord, bool]:
        """Inserts the job unless its id or request id exists. Returns (job, created).

        Same request id and same payload → the existing job (created=False); same request id
        with a different payload → ALREADY_EXISTS; same job id → ALREADY_EXISTS."""
        values = asdict(record)
        values["state"] = record.state.value
        values["manifest"] = dumps(record.manifest) if record.manifest is not None else None
        values["labels"] = dumps(record.labels)
        values["request_id"] = record.request_id or None
        with self._lock:
            try:
                self._db.execute("BEGIN IMMEDIATE")
                if record.request_id:
                    row = self._db.execute(
                        "SELECT * FROM jobs WHERE request_id = ?", (record.request_id,)
                    ).fetchone()
                    if row is not None:
                        self._db.execute("COMMIT")
                        existing = _row_to_record(row)
                        if existing.request_hash != record.request_hash:
                            raise AlreadyExists(
                                "request_id was already used with a different request",
                                reason="REQUEST_ID_REUSED",
                                metadata={
                                    "request_id": record.request_id
                                },  # never the job id: it may be another principal's
                            )
                        return existing, False
                if self._db.execute("SELECT 1 FROM jobs WHERE id = ?", (record.id,)).fetchone():
                    self._db.execute("COMMIT")
                    raise AlreadyExists(
                        f"job {record.id} already exists", reason="JOB_EXISTS", metadata={"job": record.id}
                    )
                self._db.execute(
                    f"INSERT INTO jobs ({', '.join(_COLUMNS)}) VALUES ({', '.join('?' for _ in _COLUMNS)})",
                    [values[c] for c in _COLUMNS],
                )
                self._insert_event(
                    record.id, record.create_time, "state", record.state.value, record.state_message
                )
                self._db.execute("COMMIT")
            except BaseException:
                if self._db.in_transaction:
                    self._db.execute("ROLLBACK")
                raise
        return record, True

    def get(self, job_id: str) -> JobRecord:
        with self._lock:
            row = self._db.execute("SELECT * FROM jobs WHERE id = ?", (job_id,)).fetchone()
        if row is None:
            raise NotFound(f"job {job_id} not found", reason="JOB_NOT_FOUND", metadata={"job": job_id})
        return _row_to_record(row)

    def find_by_request_id(self, request_id: str) -> JobRecord | None:
        with self._lock:
            row = self._db.execute("SELECT * FROM jobs WHERE request_id = ?", (request_id,)).fetchone()
        return _row_to_record(row) if row is not None else None

    def find(self, job_id: str) -> JobRecord | None:
        try:
            return self.get(job_id)
        except NotFound:
            return None

    def list(self, *, page_size: int, page_token: str = "", session: str = "") -> tuple[list[JobRecord], str]:
        size, sql, args = list_query("jobs", "?", page_size, page_token, session)
        with self._lock:
            rows = self._db.execute(sql, args).fetchall()
        records = [_row_to_record(r) for r in rows[:size]]
        token = ""
        if len(rows) > size:
            last = records[-1]
            token = _encode_token({"t": last.create_time, "id": last.id})
        return records, token

    def non_terminal(self) -> list[JobRecord]:
        with self._lock:
            rows = self._db.execute(
                "SELECT * FROM jobs WHERE state IN ('PENDING','RUNNING','CANCELLING') ORDER BY create_time"
            ).fetchall()
        return [_row_to_record(r) for r in rows]

    def transition(self, job_id: str, state: JobState, message: str, now: float, **changes) -> JobRecord:
        """Compare-and-set state change; raises FailedPrecondition when not allowed (e.g. from a terminal state)."""
        with self._lock:
            try:
                self._db.execute("BEGIN IMMEDIATE")
                row = self._db.execute("SELECT * FROM jobs WHERE id = ?", (job_id,)).fetchone()
                if row is None:
                    raise NotFound(
                        f"job {job_id} not found", reason="JOB_NOT_FOUND", metadata={"job": job_id}
                    )
                updated, sets = plan_transition(_row_to_record(row), state, message, now, changes)
                self._db.execute(
                    f"UPDATE jobs SET {', '.join(f'{k} = ?' for k in sets)} WHERE id = ?",
                    [*sets.values(), job_id],
                )
                self._insert_event(job_id, now, "state", state.value, message)
                if state.is_terminal():
                    crash_point("while_writing_results", job_id)  # tests only: dies before the commit
                self._db.execute("COMMIT")
            except BaseException:
                if self._db.in_transaction:
                    self._db.execute("ROLLBACK")
                raise
        return updated

    def update_fields(self, job_id: str, **changes) -> None:
        """Non-state fields (backend id, effective platform) on a non-terminal job."""
        if not changes:
            return
        with self._lock:
            self._db.execute(
                f"UPDATE jobs SET {', '.join(f'{k} = ?' for k in changes)} WHERE id = ?",
                [*changes.values(), job_id],
            )

    # -- events -----------------------------------------------------------------------------
    def _insert_event(self, job_id: str, now: float, kind: str, value: str, detail: str) -> int:
        row = self._db.execute(
            "SELECT COALESCE(MAX(seq), 0) FROM job_events WHERE job_id = ?", (job_id,)
        ).fetchone()
        seq = row[0] + 1
        self._db.execute(
            "INSERT INTO job_events (job_id, seq, time, kind, value, detail) VALUES (?, ?, ?, ?, ?, ?)",
            (job_id, seq, now, kind, value, detail),
        )
        return seq

    def add_logs(self, job_id: str, now: float, lines: Iterable[tuple[str, str]]) -> None:
        """Appends log lines (stream name, text) to the job's events."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                for stream, text in lines:
                    self._insert_event(job_id, now, "log", text, stream)
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise

    def events(self, job_id: str, after_seq: int = 0, limit: int = 1000) -> list[JobEventRecord]:
        with self._lock:
            rows = self._db.execute(
                "SELECT * FROM job_events WHERE job_id = ? AND seq > ? ORDER BY seq LIMIT ?",
                (job_id, after_seq, limit),
            ).fetchall()
        return [JobEventRecord(**dict(r)) for r in rows]


def open_job_store(database_url: str, sqlite_file: Path | str, *, namespace: str):
    """The job store a service's settings choose: SQLite at `sqlite_file` (the embedded default)
    or PostgreSQL, with tables `<namespace>_jobs` / `<namespace>_job_events`."""
    from codeinterp_common.db import check_url

    if check_url(database_url) == "postgres":
        from codeinterp_common.db import shared_postgres
        from codeinterp_common.jobs.pg_store import PostgresJobStore

        return PostgresJobStore(shared_postgres(database_url), namespace=namespace)
    return JobStore(sqlite_file)


def _encode_token(cursor: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(cursor, separators=(",", ":")).encode()).decode().rstrip("=")


def _decode_token(token: str) -> dict | None:
    if not token:
        return None
    try:
        padded = token + "=" * (-len(token) % 4)
        cursor = json.loads(base64.urlsafe_b64decode(padded.encode()))
        if (
            not isinstance(cursor, dict)
            or not isinstance(cursor.get("t"), (int, float))
            or not isinstance(cursor.get("id"), str)
        ):
            raise ValueError("bad cursor")
        return cursor
    except (ValueError, TypeError) as exc:
        raise InvalidArgument(
            "page_token is not valid", field="page_token", reason="INVALID_PAGE_TOKEN"
        ) from exc
