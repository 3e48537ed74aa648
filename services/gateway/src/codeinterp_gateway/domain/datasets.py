"""Uploaded CSV datasets: every upload path ends in `_ingest`, which sniffs, stores the
normalised bytes, registers the catalog table and records the metadata.

Order of writes in `_ingest` (nothing is half-written): (1) the object is written
atomically (temp file + rename / one S3 PUT); (2) the catalog table is registered;
(3) the dataset row and, when asked, the session's selection are written in one store
transaction. A failure at (2) or (3) undoes the earlier steps.

Dataset ids come from the file name (`Sales 2024.csv` → `sales_2024`, see
`ids.dataset_id_from_filename`), de-duplicated within the session with `_2`, `_3`...;
an explicit `dataset_id` that is taken is ALREADY_EXISTS. Objects live at
`sessions/{session}/datasets/{dataset}.csv`.

Signed uploads (embedded default): CreateDatasetUpload returns
`{public_base_url}/v1/uploads/{token}` where the token is
`base64url(upload name "\\n" expiry) "." base64url(HMAC-SHA256(secret, same bytes))`,
valid for 15 minutes; PutUploadContent verifies it in constant time and stores the bytes
at `sessions/{session}/uploads/{upload}.part`; CommitDatasetUpload ingests them. In AWS mode
(an ObjectStore with `presign_put`) the URL is a presigned S3 PUT of that same key, and
CommitDatasetUpload reads the object from S3 (refusing it above the size limit).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import threading
import uuid
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any, Protocol

from codeinterp_common.errors import (
    AlreadyExists,
    FailedPrecondition,
    InvalidArgument,
    NotFound,
    PermissionDenied,
    ResourceExhausted,
    ServiceError,
)
from codeinterp_gateway.domain import ids
from codeinterp_gateway.domain.catalog import (
    UPLOADS_DATABASE,
    Catalog,
    TableInfo,
    TableName,
    uploads_table_name,
)
from codeinterp_gateway.domain.clock import Clock, SystemClock
from codeinterp_gateway.domain.csv_sniff import ColumnInfo, CsvLayout, SniffResult, sniff_csv
from codeinterp_gateway.domain.sessions import SessionService
from codeinterp_gateway.domain.settings import SettingsService

UPLOAD_URL_TTL = timedelta(minutes=15)
MAX_FILENAME = 255
DEFAULT_SESSION = "default"  # the seed's session when /upload-csv names none


@dataclass(frozen=True)
class DatasetRecord:
    session_id: str
    dataset_id: str
    uid: str
    filename: str
    key: str
    uri: str
    size_bytes: int
    format: CsvLayout
    source_encoding: str
    source_header: bool
    columns: tuple[ColumnInfo, ...]
    preview_rows: tuple[tuple[Any, ...], ...]
    preview_text: str
    row_count: int
    sha256: str
    create_time: datetime
    table: TableName | None = None

    @property
    def name(self) -> str:
        return ids.dataset_name(self.session_id, self.dataset_id)


@dataclass(frozen=True)
class UploadRecord:
    session_id: str
    upload_id: str
    filename: str
    dataset_id: str  # requested id, may be empty
    key: str
    expire_time: datetime
    max_size_bytes: int
    create_time: datetime
    state: str = "PENDING"  # PENDING → RECEIVED → COMMITTED
    size_bytes: int = 0
    dataset: str = ""  # dataset resource name once committed

    @property
    def name(self) -> str:
        return ids.upload_name(self.session_id, self.upload_id)


@dataclass(frozen=True)
class UploadTicket:
    name: str
    upload_url: str
    method: str
    headers: dict[str, str]
    expire_time: datetime
    max_size_bytes: int


class DatasetStore(Protocol):
    def insert_dataset(self, record: DatasetRecord, *, select: bool) -> None:
        """Insert the row and (when `select`) add it to the session's data sources, in one transaction.
        AlreadyExists when the id is taken."""
        ...

    def get_dataset(self, session_id: str, dataset_id: str) -> DatasetRecord | None: ...

    def list_datasets(self, session_id: str, *, after_seq: int | None, limit: int) -> list[tuple[int, DatasetRecord]]:
        """Oldest first."""
        ...

    def dataset_ids(self, session_id: str) -> set[str]: ...

    def delete_dataset(self, session_id: str, dataset_id: str) -> bool:
        """Delete the row and remove it from the session's data sources, in one transaction."""
        ...

    def insert_upload(self, record: UploadRecord) -> None: ...

    def get_upload(self, session_id: str, upload_id: str) -> UploadRecord | None: ...

    def save_upload(self, record: UploadRecord) -> None: ...


class ObjectStore(Protocol):
    """Bytes by key. Keys are `/`-separated `[A-Za-z0-9_.=-]` segments; adapters refuse others."""

    def put(self, key: str, data: bytes) -> int: ...

    def get(self, key: str) -> bytes: ...

    def delete(self, key: str) -> bool: ...

    def delete_prefix(self, prefix: str) -> int: ...

    def exists(self, key: str) -> bool: ...

    def size(self, key: str) -> int: ...

    def uri(self, key: str) -> str:
        """Where a runner reads the object: an absolute local path or an s3:// URI."""
        ...


class UploadBuffer:
    """Accumulates streamed chunks, refusing to grow past the limit."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self._buf = bytearray()

    def append(self, chunk: bytes) -> None:
        if len(self._buf) + len(chunk) > self.max_bytes:
            raise too_large(len(self._buf) + len(chunk), self.max_bytes)
        self._buf.extend(chunk)

    def getvalue(self) -> bytes:
        return bytes(self._buf)


def too_large(size: int, limit: int) -> ResourceExhausted:
    return ResourceExhausted(
        f"the upload is {size} bytes (at least), above the limit of {limit} bytes",
        reason="UPLOAD_TOO_LARGE",
        metadata={"size_bytes": size, "max_bytes": limit},
    )


class UploadSigner:
    """HMAC-SHA256 tokens binding an upload name to an expiry (see the module docstring)."""

    def __init__(self, secret: bytes) -> None:
        if len(secret) < 16:
            raise ValueError("the upload secret must be at least 16 bytes")
        self._secret = secret

    def sign(self, upload_name: str, expire_time: datetime) -> str:
        payload = f"{upload_name}\n{int(expire_time.timestamp())}".encode()
        mac = hmac.new(self._secret, payload, hashlib.sha256).digest()
        return f"{_b64(payload)}.{_b64(mac)}"

    def verify(self, token: str, now: datetime) -> str:
        invalid = PermissionDenied("the upload token is invalid", reason="UPLOAD_TOKEN_INVALID")
        if not token or len(token) > 1024 or token.count(".") != 1:
            raise invalid
        p64, m64 = token.split(".")
        try:
            payload, mac = _unb64(p64), _unb64(m64)
        except (binascii.Error, ValueError):
            raise invalid from None
        expected = hmac.new(self._secret, payload, hashlib.sha256).digest()
        if not hmac.compare_digest(mac, expected):
            raise invalid
        name, _, expiry = payload.decode("utf-8", "replace").partition("\n")
        if not expiry.isdigit():
            raise invalid
        if now.timestamp() > int(expiry):
            raise PermissionDenied("the upload URL has expired; create a new upload", reason="UPLOAD_URL_EXPIRED",
                                   metadata={"upload": name})
        return name


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def clean_filename(filename: str, *, field: str = "filename") -> str:
    name = (filename or "").replace("\\", "/").split("/")[-1].strip()
    if not name or len(name) > MAX_FILENAME or any(ord(c) < 32 or c == "\x7f" for c in name) or name in (".", ".."):
        raise InvalidArgument(
            "filename is required: a file name of at most 255 printable characters",
            field=field, reason="FILENAME_INVALID", metadata={"filename": (filename or "")[:300]},
        )
    return name


def dataset_key(session_id: str, dataset_id: str) -> str:
    return f"sessions/{session_id}/datasets/{dataset_id}.csv"


class DatasetService:
    def __init__(
        self,
        store: DatasetStore,
        objects: ObjectStore,
        catalog: Catalog,
        sessions: SessionService,
        settings: SettingsService,
        signer: UploadSigner,
        *,
        public_base_url: str,
        clock: Clock | None = None,
    ) -> None:
        self._store = store
        self._objects = objects
        self._catalog = catalog
        self._sessions = sessions
        self._settings = settings
        self._signer = signer
        self._public_base_url = public_base_url.rstrip("/")
        self._clock = clock or SystemClock()
        self._lock = threading.Lock()

    @property
    def max_upload_bytes(self) -> int:
        return self._settings.current().max_upload_bytes

    # ------------------------------------------------------------ upload paths

    def create_from_text(
        self,
        *,
        parent: str = "",
        session_id: str = "",
        filename: str,
        content: str,
        dataset_id: str = "",
        select: bool = False,
    ) -> DatasetRecord:
        """CreateDataset, including the seed's `/upload-csv {filename, content, session_id}`.

        With `parent` the session must exist; with only `session_id` (or neither: the seed's
        `default` session) the session is created when missing and the dataset is selected.
        """
        if parent:
            sid = ids.session_id_from(parent, session_id, name_field="parent")
            self._sessions.get(sid)
        else:
            sid = ids.validate_session_id(session_id or DEFAULT_SESSION)
            select = True
        filename = clean_filename(filename)
        limit = self.max_upload_bytes
        # A str holds up to 4 bytes per character: refuse before encoding a huge one.
        if len(content) > limit:
            raise too_large(len(content), limit)
        data = content.encode("utf-8", "surrogatepass")
        if not parent:
            result = sniff_csv(data, max_bytes=limit)  # validate before creating the session
            self._sessions.ensure(sid)
            return self._ingest(sid, filename, result, dataset_id, select)
        return self._ingest(sid, filename, sniff_csv(data, max_bytes=limit), dataset_id, select)

    def upload_bytes(self, *, parent: str, filename: str, data: bytes, dataset_id: str = "",
                     select: bool = False) -> DatasetRecord:
        """UploadDatasetContent and StreamUploadDataset: the session must exist."""
        sid = ids.parse_session_name(parent, field="parent")
        filename = clean_filename(filename)
        if dataset_id:
            ids.validate_dataset_id(dataset_id)
        self._sessions.get(sid)
        return self._ingest(sid, filename, sniff_csv(data, max_bytes=self.max_upload_bytes), dataset_id, select)

    def new_buffer(self) -> UploadBuffer:
        return UploadBuffer(self.max_upload_bytes)

    def create_upload(self, *, parent: str, filename: str, dataset_id: str = "") -> UploadTicket:
        sid = ids.parse_session_name(parent, field="parent")
        filename = clean_filename(filename)
        if dataset_id:
            ids.validate_dataset_id(dataset_id)
        self._sessions.get(sid)
        upload_id = ids.generate_id("up")
        now = self._clock.now()
        record = UploadRecord(
            session_id=sid, upload_id=upload_id, filename=filename, dataset_id=dataset_id,
            key=f"sessions/{sid}/uploads/{upload_id}.part", expire_time=now + UPLOAD_URL_TTL,
            max_size_bytes=self.max_upload_bytes, create_time=now,
        )
        self._store.insert_upload(record)
        presign_put = getattr(self._objects, "presign_put", None)
        if presign_put is not None:
            # AWS mode: the client PUTs straight to S3 (presigned, same TTL); commit reads it there.
            url = presign_put(record.key, expires_s=int(UPLOAD_URL_TTL.total_seconds()), content_type="text/csv")
        else:
            url = f"{self._public_base_url}/v1/uploads/{self._signer.sign(record.name, record.expire_time)}"
        return UploadTicket(
            name=record.name, upload_url=url, method="PUT",
            headers={"Content-Type": "text/csv"}, expire_time=record.expire_time,
            max_size_bytes=record.max_size_bytes,
        )

    def put_upload_content(self, token: str, data: bytes) -> None:
        name = self._signer.verify(token, self._clock.now())
        sid, upload_id = ids.parse_upload_name(name)
        with self._lock:
            record = self._get_upload(sid, upload_id)
            if record.state == "COMMITTED":
                raise FailedPrecondition(f"upload {name} is already committed", reason="UPLOAD_COMMITTED",
                                         metadata={"upload": name})
            if len(data) > record.max_size_bytes:
                raise too_large(len(data), record.max_size_bytes)
            self._objects.put(record.key, data)
            self._store.save_upload(replace(record, state="RECEIVED", size_bytes=len(data)))

    def commit_upload(self, name: str, *, select: bool = False) -> DatasetRecord:
        sid, upload_id = ids.parse_upload_name(name)
        with self._lock:
            record = self._get_upload(sid, upload_id)
            if record.state == "COMMITTED":
                did = ids.parse_dataset_name(record.dataset)[1]
                existing = self._store.get_dataset(sid, did)
                if existing is not None:
                    return existing
                raise FailedPrecondition(f"upload {name} was committed as {record.dataset}, since deleted",
                                         reason="UPLOAD_COMMITTED", metadata={"upload": name})
            direct = record.state == "PENDING" and hasattr(self._objects, "presign_put")  # presigned S3 PUT
            if (record.state != "RECEIVED" and not direct) or not self._objects.exists(record.key):
                raise FailedPrecondition(f"upload {name} has not received any content yet; PUT the file first",
                                         reason="UPLOAD_NOT_RECEIVED", metadata={"upload": name})
            if direct and self._objects.size(record.key) > record.max_size_bytes:
                size = self._objects.size(record.key)
                self._objects.delete(record.key)
                raise too_large(size, record.max_size_bytes)
            data = self._objects.get(record.key)
            try:
                sniffed = sniff_csv(data, max_bytes=record.max_size_bytes)
            except ServiceError:
                # A rejected file is not kept (no half-written state); the client may PUT a corrected one.
                self._objects.delete(record.key)
                self._store.save_upload(replace(record, state="PENDING", size_bytes=0))
                raise
            dataset = self._ingest(sid, record.filename, sniffed, record.dataset_id, select)
            self._store.save_upload(replace(record, state="COMMITTED", dataset=dataset.name))
        self._objects.delete(record.key)
        return dataset

    # ------------------------------------------------------------ read / delete

    def get(self, name: str) -> DatasetRecord:
        sid, did = ids.parse_dataset_name(name)
        record = self._store.get_dataset(sid, did)
        if record is None or not self._sessions.visible(sid):  # another principal's: as if missing
            raise NotFound(f"dataset {name} does not exist", reason="DATASET_NOT_FOUND", metadata={"dataset": name})
        return record

    def list(self, parent: str, page_size: int = 0, page_token: str = "") -> tuple[list[DatasetRecord], str]:
        sid = ids.parse_session_name(parent, field="parent")
        size = ids.page_size(page_size, default=50, maximum=500)
        cursor = ids.decode_page_token(page_token, "datasets", sid)
        if cursor is not None and not isinstance(cursor, int):
            raise InvalidArgument("page_token is invalid", field="page_token", reason="PAGE_TOKEN_INVALID")
        self._sessions.get(sid)
        rows = self._store.list_datasets(sid, after_seq=cursor, limit=size + 1)
        page = rows[:size]
        token = ids.encode_page_token("datasets", sid, page[-1][0]) if len(rows) > size else ""
        return [r for _, r in page], token

    def delete(self, name: str) -> None:
        record = self.get(name)
        with self._sessions.lock:
            if record.table is not None:
                self._catalog.drop_table(record.table.database, record.table.table)
            self._store.delete_dataset(record.session_id, record.dataset_id)
        self._objects.delete(record.key)

    # ------------------------------------------------------------ the one ingest path

    def _get_upload(self, sid: str, upload_id: str) -> UploadRecord:
        record = self._store.get_upload(sid, upload_id)
        if record is None or not self._sessions.visible(sid):  # another principal's: as if missing
            raise NotFound(f"upload {ids.upload_name(sid, upload_id)} does not exist", reason="UPLOAD_NOT_FOUND",
                           metadata={"upload": ids.upload_name(sid, upload_id)})
        return record

    def _ingest(self, sid: str, filename: str, result: SniffResult, dataset_id: str, select: bool) -> DatasetRecord:
        if dataset_id:
            ids.validate_dataset_id(dataset_id)
        with self._sessions.lock:
            taken = self._store.dataset_ids(sid)
            if dataset_id:
                if dataset_id in taken:
                    raise AlreadyExists(
                        f"dataset {ids.dataset_name(sid, dataset_id)} already exists", reason="DATASET_EXISTS",
                        metadata={"dataset": ids.dataset_name(sid, dataset_id)},
                    )
                did = dataset_id
            else:
                did = ids.dedupe_id(ids.dataset_id_from_filename(filename), taken)
            key = dataset_key(sid, did)
            table = uploads_table_name(self._catalog, sid, did)
            record = DatasetRecord(
                session_id=sid, dataset_id=did, uid=str(uuid.uuid4()), filename=filename, key=key,
                uri=self._objects.uri(key), size_bytes=len(result.data), format=result.format,
                source_encoding=result.source_encoding, source_header=result.source_header,
                columns=result.columns, preview_rows=result.preview_rows, preview_text=result.preview_text,
                row_count=result.row_count, sha256=result.sha256, create_time=self._clock.now(), table=table,
            )
            self._objects.put(key, result.data)
            registered = False
            try:
                self._catalog.register_table(
                    TableInfo(
                        database=UPLOADS_DATABASE, table=table.table, location=record.uri, format="csv",
                        columns=record.columns, size_bytes=record.size_bytes, row_count=record.row_count,
                        description=f"uploaded file {filename}", data_version=record.sha256,
                        csv_format=record.format, session_id=sid, dataset_id=did,
                    )
                )
                registered = True
                self._store.insert_dataset(record, select=select)
            except BaseException:
                if registered:
                    self._catalog.drop_table(table.database, table.table)
                self._objects.delete(key)
                raise
            return record

