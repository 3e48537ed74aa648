"""Sessions: a user's selected data sources and the history of what was generated and run.

Read-modify-write changes of a session (select a dataset, select tables, reset, update)
run under one lock, so concurrent calls in this process never lose each other's writes;
each change is one store transaction. Deleting a session removes its catalog
registrations first, then every row (datasets, history, uploads) in one transaction,
then its stored objects — a crash in between leaves only unreferenced objects behind,
never metadata pointing at missing data.

Ownership: a session belongs to the principal that created it (`owner`); datasets, history
and uploads belong to their session. Reads and changes of a session the current principal
(`codeinterp_common.auth.current_principal`) may not see answer NOT_FOUND exactly like a
missing id; admins, internal calls and code outside an RPC see every session. Session ids are
one namespace, so creating a session with an id another principal already uses is refused
(ALREADY_EXISTS for CreateSession, NOT_FOUND for implicit creation) — clients that must not
learn which ids exist let the server generate them.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Protocol

from codeinterp_common.auth import can_see, current_owner, owner_filter
from codeinterp_common.errors import AlreadyExists, InvalidArgument, NotFound
from codeinterp_gateway.domain import ids
from codeinterp_gateway.domain.catalog import Catalog, CatalogService, TableName, check_table_owner
from codeinterp_gateway.domain.clock import Clock, SystemClock

MAX_DISPLAY_NAME = 200
MAX_LABELS = 64
MAX_DATA_SOURCES = 50
_LABEL_KEY = re.compile(r"[a-z][a-z0-9_-]{0,62}")
_LABEL_VALUE = re.compile(r"[a-z0-9_-]{0,63}")
_BUCKET = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")
_KEY_SEGMENT = re.compile(r"[A-Za-z0-9!_.*'()=+-]+")
UPDATABLE_FIELDS = ("display_name", "labels", "data_sources")


@dataclass(frozen=True)
class DataSource:
    """Exactly one of: a dataset resource name, a catalog table, an s3:// URI."""

    dataset: str = ""
    table: TableName | None = None
    s3_uri: str = ""

    def key(self) -> str:
        if self.dataset:
            return f"dataset:{self.dataset}"
        if self.table is not None:
            return f"table:{self.table.qualified}"
        return f"s3:{self.s3_uri}"


@dataclass(frozen=True)
class Session:
    id: str
    uid: str
    create_time: datetime
    update_time: datetime
    display_name: str = ""
    data_sources: tuple[DataSource, ...] = ()
    labels: Mapping[str, str] = field(default_factory=dict)
    owner: str = ""

    @property
    def name(self) -> str:
        return ids.session_name(self.id)


@dataclass(frozen=True)
class HistoryRecord:
    """One generation or run. `kind` is `GENERATION` or `RUN`; `framework` `SPARK`, `RAY` or ``."""

    kind: str
    framework: str = ""
    prompt: str = ""
    code: str = ""
    success: bool = False
    error: str = ""
    job: str = ""
    row_count: int = 0
    attempts: int = 0
    # Set by record_history.
    session_id: str = ""
    entry_id: str = ""
    create_time: datetime | None = None

    @property
    def name(self) -> str:
        return f"sessions/{self.session_id}/history/{self.entry_id}"


class SessionStore(Protocol):
    def insert_session(self, session: Session, *, request: tuple[str, str, str] | None = None) -> None:
        """Insert; AlreadyExists when the id is taken. `request` = (scope, request_id, payload hash)."""
        ...

    def find_request(self, scope: str, request_id: str) -> tuple[str, str] | None:
        """(payload hash, resource id) recorded for an idempotency key."""
        ...

    def forget_request(self, scope: str, request_id: str) -> None: ...

    def get_session(self, session_id: str) -> Session | None: ...

    def list_sessions(self, *, after_seq: int | None, limit: int, owner: str | None = None) -> list[tuple[int, Session]]:
        """Newest first: sequence numbers decrease. `owner`: only that principal's sessions."""
        ...

    def save_session(self, session: Session) -> None: ...

    def delete_session(self, session_id: str) -> bool:
        """Delete the session with its datasets, history and uploads rows, in one transaction."""
        ...

    def dataset_exists(self, session_id: str, dataset_id: str) -> bool: ...

    def dataset_tables(self, session_id: str) -> list[TableName]: ...

    def append_history(self, record: HistoryRecord) -> None: ...

    def list_history(self, session_id: str, *, after_seq: int | None, limit: int) -> list[tuple[int, HistoryRecord]]:
        ...


class ObjectDeleter(Protocol):
    def delete_prefix(self, prefix: str) -> int: ...


def validate_s3_uri(uri: str, *, field: str) -> str:
    """`s3://bucket/key` with no traversal: no `.`/`..`/empty segments, backslashes, `%` or trailing dots."""
    def bad(why: str) -> InvalidArgument:
        return InvalidArgument(f"s3_uri {uri[:300]!r} is invalid: {why}", field=field, reason="S3_URI_INVALID",
                               metadata={"s3_uri": uri[:300]})

    if not uri.startswith("s3://"):
        raise bad("only s3:// URIs are accepted")
    bucket, _, key = uri[5:].partition("/")
    if not _BUCKET.fullmatch(bucket) or ".." in bucket:
        raise bad("bad bucket name")
    if not key or len(uri) > 1024:
        raise bad("an object key is required")
    for segment in key.split("/"):
        if segment in ("", ".", "..") or segment.endswith(".") or not _KEY_SEGMENT.fullmatch(segment):
            raise bad(f"bad key segment {segment!r}")
    return uri


def _validate_labels(labels: Mapping[str, str], field: str = "session.labels") -> dict[str, str]:
    if len(labels) > MAX_LABELS:
        raise InvalidArgument(f"at most {MAX_LABELS} labels are allowed", field=field, reason="LABELS_INVALID")
    for k, v in labels.items():
        if not _LABEL_KEY.fullmatch(k) or not _LABEL_VALUE.fullmatch(v):
            raise InvalidArgument(
                f"label {k[:70]!r}={v[:70]!r} is invalid: keys [a-z][a-z0-9_-]{{0,62}}, values [a-z0-9_-]{{0,63}}",
                field=field, reason="LABELS_INVALID", metadata={"key": k[:70]},
            )
    return dict(labels)


def _validate_display_name(value: str) -> str:
    if len(value) > MAX_DISPLAY_NAME:
        raise InvalidArgument(f"display_name is longer than {MAX_DISPLAY_NAME} characters",
                              field="session.display_name", reason="DISPLAY_NAME_INVALID")
    return value


class SessionService:
    def __init__(
        self,
        store: SessionStore,
        catalog: CatalogService,
        objects: ObjectDeleter,
        *,
        clock: Clock | None = None,
        raw_catalog: Catalog | None = None,
    ) -> None:
        self._store = store
        self._catalog = catalog
        self._raw_catalog = raw_catalog or catalog.catalog
        self._objects = objects
        self._clock = clock or SystemClock()
        self.lock = threading.RLock()

    # ------------------------------------------------------------ create / get / list

    def create(
        self,
        session_id: str = "",
        *,
        display_name: str = "",
        labels: Mapping[str, str] | None = None,
        data_sources: Sequence[DataSource] = (),
        request_id: str = "",
        owner: str = "",
    ) -> Session:
        if session_id:
            ids.validate_session_id(session_id)
        ids.validate_request_id(request_id)
        owner = owner or current_owner()
        display_name = _validate_display_name(display_name)
        labels = _validate_labels(labels or {})
        payload = hashlib.sha256(
            json.dumps([session_id, display_name, sorted(labels.items()), [s.key() for s in data_sources]]).encode()
        ).hexdigest()
        # Request ids are scoped to their principal: another principal's key never matches.
        request_key = f"{owner}\n{request_id}" if owner and request_id else request_id
        with self.lock:
            if request_id:
                seen = self._store.find_request("CreateSession", request_key)
                if seen is not None:
                    if seen[0] != payload:
                        raise InvalidArgument(
                            f"request_id {request_id} was already used with a different request",
                            field="request_id", reason="REQUEST_ID_REUSED", metadata={"request_id": request_id},
                        )
                    existing = self._store.get_session(seen[1])
                    if existing is not None:
                        return existing
                    self._store.forget_request("CreateSession", request_key)
            sid = session_id or ids.generate_id("ses")
            sources = self._validate_sources(sid, data_sources)
            now = self._clock.now()
            session = Session(
                id=sid, uid=str(uuid.uuid4()), create_time=now, update_time=now, display_name=display_name,
                data_sources=sources, labels=labels, owner=owner,
            )
            self._store.insert_session(
                session, request=("CreateSession", request_key, payload) if request_id else None
            )
            return session

    def visible(self, session_id: str) -> bool:
        """Whether the current principal may see the session: always for unrestricted callers
        (admins, internal calls — no lookup), else only an existing session of their own."""
        if owner_filter() is None:
            return True
        session = self._store.get_session(session_id)
        return session is not None and can_see(session.owner)

    def get(self, session_id: str) -> Session:
        session = self._store.get_session(session_id)
        if session is None or not can_see(session.owner):
            raise NotFound(f"session {session_id} does not exist", reason="SESSION_NOT_FOUND",
                           metadata={"session": ids.session_name(session_id)})
        return session

    def ensure(self, session_id: str, *, owner: str = "") -> Session:
        """The session, created with defaults when it does not exist (seed semantics)."""
        ids.validate_session_id(session_id)
        with self.lock:
            existing = self._store.get_session(session_id)
            if existing is not None:
                return self.get(session_id)  # NOT_FOUND when it is another principal's
            try:
                return self.create(session_id, owner=owner)
            except AlreadyExists:
                return self.get(session_id)

    def list(self, page_size: int = 0, page_token: str = "") -> tuple[list[Session], str]:
        size = ids.page_size(page_size, default=50, maximum=500)
        cursor = ids.decode_page_token(page_token, "sessions", "")
        if cursor is not None and not isinstance(cursor, int):
            raise InvalidArgument("page_token is invalid", field="page_token", reason="PAGE_TOKEN_INVALID")
        rows = self._store.list_sessions(after_seq=cursor, limit=size + 1, owner=owner_filter())
        page = rows[:size]
        token = ids.encode_page_token("sessions", "", page[-1][0]) if len(rows) > size else ""
        return [s for _, s in page], token

    # ------------------------------------------------------------ changes

    def update(
        self,
        session_id: str,
        *,
        paths: Iterable[str],
        display_name: str = "",
        labels: Mapping[str, str] | None = None,
        data_sources: Sequence[DataSource] = (),
    ) -> Session:
        wanted = list(dict.fromkeys(p.strip() for p in paths)) or list(UPDATABLE_FIELDS)
        if "*" in wanted:
            wanted = list(UPDATABLE_FIELDS)
        unknown = [p for p in wanted if p not in UPDATABLE_FIELDS and p not in ("name", "uid", "owner",
                                                                                 "create_time", "update_time")]
        if unknown:
            raise InvalidArgument(
                f"update_mask names fields that cannot be updated: {', '.join(unknown)}",
                field="update_mask", reason="UPDATE_MASK_INVALID", metadata={"paths": ",".join(unknown)},
            )
        with self.lock:
            session = self.get(session_id)
            changes: dict[str, object] = {}
            if "display_name" in wanted:
                changes["display_name"] = _validate_display_name(display_name)
            if "labels" in wanted:
                changes["labels"] = _validate_labels(labels or {})
            if "data_sources" in wanted:
                changes["data_sources"] = self._validate_sources(session_id, data_sources)
            updated = replace(session, update_time=self._clock.now(), **changes)
            self._store.save_session(updated)
            return updated

    def select_tables(self, session_id: str, tables: Sequence[tuple[str, str]], *, owner: str = "") -> Session:
        """Replace the selected tables (datasets and s3 URIs stay); create the session if missing."""
        refs: list[TableName] = []
        for i, (database, table) in enumerate(tables):
            info = check_table_owner(self._catalog.require_table(database, table, field_prefix=f"tables[{i}]"),
                                     session_id, field=f"tables[{i}]")
            if info.ref not in refs:
                refs.append(info.ref)
        if len(refs) > MAX_DATA_SOURCES:
            raise InvalidArgument(f"at most {MAX_DATA_SOURCES} tables can be selected", field="tables",
                                  reason="TOO_MANY_DATA_SOURCES")
        with self.lock:
            session = self.ensure(session_id, owner=owner)
            kept = tuple(s for s in session.data_sources if s.table is None)
            updated = replace(
                session, data_sources=kept + tuple(DataSource(table=r) for r in refs), update_time=self._clock.now()
            )
            self._store.save_session(updated)
            return updated

    def select_dataset(self, session_id: str, dataset_name: str) -> Session:
        with self.lock:
            session = self.get(session_id)
            if any(s.dataset == dataset_name for s in session.data_sources):
                return session
            updated = replace(session, data_sources=session.data_sources + (DataSource(dataset=dataset_name),),
                              update_time=self._clock.now())
            self._store.save_session(updated)
            return updated

    def reset(self, session_id: str) -> Session:
        with self.lock:
            session = self.get(session_id)
            updated = replace(session, data_sources=(), update_time=self._clock.now())
            self._store.save_session(updated)
            return updated

    def delete(self, session_id: str) -> None:
        with self.lock:
            self.get(session_id)
            for ref in self._store.dataset_tables(session_id):
                self._raw_catalog.drop_table(ref.database, ref.table)
            self._store.delete_session(session_id)
        self._objects.delete_prefix(f"sessions/{session_id}/")

    # ------------------------------------------------------------ history

    def record_history(self, session: str, entry: HistoryRecord, *, create_missing: bool = True) -> HistoryRecord:
        """Append one entry to a session's history (the Ask path calls this).

        `session` is a session id or `sessions/{id}`. The session is created when missing
        (seed clients invent session ids) unless `create_missing` is false.
        """
        sid = ids.parse_session_name(session) if session.startswith("sessions/") else ids.validate_session_id(session)
        if entry.kind not in ("GENERATION", "RUN"):
            raise InvalidArgument(f"history kind {entry.kind!r} must be GENERATION or RUN", field="kind",
                                  reason="HISTORY_KIND_INVALID")
        with self.lock:
            if create_missing:
                self.ensure(sid)
            else:
                self.get(sid)
            record = replace(entry, session_id=sid, entry_id=ids.generate_id("h"),
                             create_time=entry.create_time or self._clock.now())
            self._store.append_history(record)
            return record

    def list_history(self, session_id: str, page_size: int = 0, page_token: str = "") -> tuple[list[HistoryRecord], str]:
        size = ids.page_size(page_size, default=100, maximum=1000)
        cursor = ids.decode_page_token(page_token, "history", session_id)
        if cursor is not None and not isinstance(cursor, int):
            raise InvalidArgument("page_token is invalid", field="page_token", reason="PAGE_TOKEN_INVALID")
        self.get(session_id)
        rows = self._store.list_history(session_id, after_seq=cursor, limit=size + 1)
        page = rows[:size]
        token = ids.encode_page_token("history", session_id, page[-1][0]) if len(rows) > size else ""
        return [r for _, r in page], token

    # ------------------------------------------------------------ helpers

    def _validate_sources(self, session_id: str, sources: Sequence[DataSource]) -> tuple[DataSource, ...]:
        out: dict[str, DataSource] = {}
        for i, source in enumerate(sources):
            prefix = f"session.data_sources[{i}]"
            if source.dataset:
                sid, did = ids.parse_dataset_name(source.dataset, field=f"{prefix}.dataset")
                if sid != session_id:
                    raise InvalidArgument(
                        f"dataset {source.dataset} belongs to another session", field=f"{prefix}.dataset",
                        reason="DATASET_OF_OTHER_SESSION", metadata={"dataset": source.dataset},
                    )
                if not self._store.dataset_exists(sid, did):
                    raise NotFound(f"dataset {source.dataset} does not exist", reason="DATASET_NOT_FOUND",
                                   metadata={"dataset": source.dataset})
            elif source.table is not None:
                check_table_owner(
                    self._catalog.require_table(source.table.database, source.table.table,
                                                field_prefix=f"{prefix}.table"),
                    session_id, field=f"{prefix}.table")
            elif source.s3_uri:
                validate_s3_uri(source.s3_uri, field=f"{prefix}.s3_uri")
            else:
                raise InvalidArgument("a data source must name a dataset, a table or an s3_uri", field=prefix,
                                      reason="DATA_SOURCE_EMPTY")
            out.setdefault(source.key(), source)
        if len(out) > MAX_DATA_SOURCES:
            raise InvalidArgument(f"at most {MAX_DATA_SOURCES} data sources are allowed", field="session.data_sources",
                                  reason="TOO_MANY_DATA_SOURCES")
        return tuple(out.values())
