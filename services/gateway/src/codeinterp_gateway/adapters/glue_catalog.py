"""The Catalog of AWS mode: the AWS Glue Data Catalog, plus the uploads registry.

Implements the same Protocol as `LocalCatalog` (`codeinterp_gateway.domain.catalog.Catalog`):

* Databases and tables come from Glue through boto3 paginators (`get_databases`,
  `get_tables`), so catalogs of any size are listed completely. Names that are not plain
  identifiers (`[A-Za-z0-9_]`) are skipped: no other name can be referenced by a data source.
* Tables registered from uploaded datasets (database `uploads`) stay in the gateway's own
  store, as in embedded mode: the gateway only needs read access to Glue (least privilege,
  deploy/iam/gateway-policy.json). A registered table wins over a Glue one on a name clash.
* A Glue table becomes a `TableInfo`: location (`StorageDescriptor.Location`, an s3:// URI),
  format (`classification` parameter, else the SerDe / InputFormat: csv, parquet, json,
  orc, avro), columns and partition keys with their Glue types (integers → `long`,
  float/double → `double`, the rest as Glue spells them), size and row count where Glue has
  statistics (`totalSize`/`sizeKey`, `numRows`/`recordCount` table parameters), the CSV
  layout from the SerDe parameters, and a data version from Glue's `VersionId`/`UpdateTime`.
* Sample rows are read from the table's first data file (sorted keys under the location,
  hidden `_`/`.` files and empty objects skipped): CSV with a ranged GET of the first 256 KiB,
  Parquet through pyarrow over ranged GETs (footer + first row group only).
* Lookups are exact: Glue matches names case-insensitively, so a table is found only when the
  name Glue returns equals the requested one character for character.
"""

from __future__ import annotations

import csv
import hashlib
import io
import logging
import re
from typing import Any, Protocol

from codeinterp_common.aws import AwsSettings, aws_client, split_s3_uri
from codeinterp_common.errors import ServiceError, Unavailable
from codeinterp_gateway.adapters.local_catalog import CatalogRegistry, _arrow_type, _json_value
from codeinterp_gateway.adapters.s3_object_store import map_client_error
from codeinterp_gateway.domain.catalog import (
    UPLOADS_DATABASE,
    DatabaseInfo,
    TableInfo,
    database_not_found,
    table_not_found,
)
from codeinterp_gateway.domain.csv_sniff import ColumnInfo, CsvLayout, typed_cell
from codeinterp_gateway.domain.ids import IDENTIFIER_RE

log = logging.getLogger(__name__)

SAMPLE_BYTES = 256 * 1024
MAX_SAMPLE_FILES_LISTED = 1000
_INT_TYPES = {"tinyint", "smallint", "int", "integer", "bigint", "long"}
_FLOAT_TYPES = {"float", "double", "real"}


class RangeReader(Protocol):
    """What sampling needs from S3 (S3ObjectStore provides it)."""

    def list_objects(
        self, full_prefix: str, *, bucket: str | None = None, limit: int = 0
    ) -> list[dict[str, Any]]: ...

    def read_range_full(
        self, full_key: str, start: int, length: int, *, key: str = "", bucket: str | None = None
    ) -> bytes: ...


def glue_type(value: str) -> str:
    t = (value or "string").strip().lower()
    if t in _INT_TYPES:
        return "long"
    if t in _FLOAT_TYPES:
        return "double"
    if t.startswith(("varchar", "char")) or t == "string":
        return "string"
    return t


def _columns(raw: list[dict[str, Any]] | None) -> tuple[ColumnInfo, ...]:
    return tuple(
        ColumnInfo(c["Name"], glue_type(c.get("Type", "string")), c.get("Comment", "") or "")
        for c in raw or []
        if c.get("Name")
    )


def _int_param(params: dict[str, str], *names: str) -> int:
    for name in names:
        try:
            value = int(float(params.get(name, "")))
        except (TypeError, ValueError):
            continue
        if value >= 0:
            return value
    return 0


def table_format(table: dict[str, Any]) -> str:
    params = {k.lower(): str(v).lower() for k, v in (table.get("Parameters") or {}).items()}
    sd = table.get("StorageDescriptor") or {}
    sd_params = {k.lower(): str(v).lower() for k, v in (sd.get("Parameters") or {}).items()}
    classification = params.get("classification") or sd_params.get("classification") or ""
    if classification:
        return classification
    hints = " ".join(
        [
            str(sd.get("InputFormat", "")),
            str((sd.get("SerdeInfo") or {}).get("SerializationLibrary", "")),
        ]
    ).lower()
    for fmt in ("parquet", "orc", "avro", "json"):
        if fmt in hints:
            return fmt
    return "csv"


def csv_layout(table: dict[str, Any]) -> CsvLayout:
    sd = table.get("StorageDescriptor") or {}
    serde = (sd.get("SerdeInfo") or {}).get("Parameters") or {}
    params = {**(table.get("Parameters") or {}), **serde}
    delimiter = params.get("field.delim") or params.get("separatorChar") or params.get("delimiter") or ","
    quote = params.get("quoteChar") or '"'
    header = _int_param(params, "skip.header.line.count") > 0
    return CsvLayout(delimiter=delimiter[:1] or ",", header=header, quote=quote[:1] or '"')


class GlueCatalog:
    def __init__(
        self,
        aws: AwsSettings,
        registry: CatalogRegistry,
        objects: RangeReader,
        *,
        client: Any = None,
        catalog_id: str = "",
    ) -> None:
        self.aws = aws
        self._registry = registry
        self._objects = objects
        self.client = client if client is not None else aws_client("glue", aws)
        self._catalog_id = {"CatalogId": catalog_id} if catalog_id else {}

    # ------------------------------------------------------------ Catalog Protocol

    def list_databases(self) -> list[DatabaseInfo]:
        out = {UPLOADS_DATABASE: DatabaseInfo(UPLOADS_DATABASE, "tables registered from uploaded datasets")}
        for name in self._registry.list_catalog_databases():
            out.setdefault(name, DatabaseInfo(name))
        for db in self._paginate("get_databases", "DatabaseList"):
            name = db.get("Name", "")
            if IDENTIFIER_RE.fullmatch(name):
                out.setdefault(name, DatabaseInfo(name, db.get("Description", "") or ""))
        return [out[n] for n in sorted(out)]

    def list_tables(self, database: str) -> list[TableInfo]:
        if not IDENTIFIER_RE.fullmatch(database):
            raise database_not_found(database)
        tables: dict[str, TableInfo] = {}
        registered = self._registry.list_catalog_tables(database)
        glue_db = self._glue_database_exists(database)
        if not glue_db and not registered and database != UPLOADS_DATABASE:
            raise database_not_found(database)
        if glue_db:
            for raw in self._paginate("get_tables", "TableList", DatabaseName=database):
                if IDENTIFIER_RE.fullmatch(raw.get("Name", "")):
                    info = self._describe(database, raw)
                    tables[info.table] = info
        tables.update({t.table: t for t in registered})
        return [tables[n] for n in sorted(tables)]

    def find_table(self, database: str, table: str) -> TableInfo | None:
        if not (IDENTIFIER_RE.fullmatch(database) and IDENTIFIER_RE.fullmatch(table)):
            return None
        registered = self._registry.get_catalog_table(database, table)
        if registered is not None:
            return registered
        raw = self._get_glue_table(database, table)
        if raw is None:
            return None
        # Glue lower-cases and matches case-insensitively: only an exact name is this table.
        if raw.get("Name") != table or raw.get("DatabaseName", database) != database:
            return None
        return self._describe(database, raw)

    def get_table(self, database: str, table: str, *, sample_rows: int = 5) -> TableInfo:
        info = self.find_table(database, table)
        if info is None:
            raise table_not_found(database, table)
        if sample_rows <= 0 or not info.location.startswith("s3://"):
            return info
        try:
            rows = self._sample(info, sample_rows)
        except ServiceError as exc:  # a table whose data cannot be read is still a table
            log.warning("cannot sample table", extra={"table": f"{database}.{table}", "reason": exc.reason})
            rows = ()
        return TableInfo(**{**info.__dict__, "sample_rows": rows})

    def register_table(self, info: TableInfo) -> None:
        self._registry.put_catalog_table(TableInfo(**{**info.__dict__, "sample_rows": ()}))

    def drop_table(self, database: str, table: str) -> bool:
        return self._registry.delete_catalog_table(database, table)

    # ------------------------------------------------------------ Glue calls

    def _paginate(self, operation: str, key: str, **kwargs: Any) -> list[dict[str, Any]]:
        from botocore.exceptions import BotoCoreError, ClientError

        out: list[dict[str, Any]] = []
        try:
            for page in self.client.get_paginator(operation).paginate(**self._catalog_id, **kwargs):
                out.extend(page.get(key) or [])
        except ClientError as exc:
            code = str((exc.response.get("Error") or {}).get("Code", ""))
            if code == "EntityNotFoundException" and "DatabaseName" in kwargs:
                raise database_not_found(kwargs["DatabaseName"]) from None
            raise map_client_error(exc, key=kwargs.get("DatabaseName", ""), what="Glue") from None
        except BotoCoreError as exc:
            raise Unavailable(
                f"Glue request failed ({type(exc).__name__})", reason="AWS_UNAVAILABLE"
            ) from None
        return out

    def _glue_database_exists(self, database: str) -> bool:
        from botocore.exceptions import ClientError

        try:
            reply = self.client.get_database(Name=database, **self._catalog_id)
        except ClientError as exc:
            if str((exc.response.get("Error") or {}).get("Code", "")) == "EntityNotFoundException":
                return False
            raise map_client_error(exc, key=database, what="Glue") from None
        return (reply.get("Database") or {}).get("Name") == database

    def _get_glue_table(self, database: str, table: str) -> dict[str, Any] | None:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            return self.client.get_table(DatabaseName=database, Name=table, **self._catalog_id).get("Table")
        except ClientError as exc:
            if str((exc.response.get("Error") or {}).get("Code", "")) == "EntityNotFoundException":
                return None
            raise map_client_error(exc, key=f"{database}.{table}", what="Glue") from None
        except BotoCoreError as exc:
            raise Unavailable(
                f"Glue request failed ({type(exc).__name__})", reason="AWS_UNAVAILABLE"
            ) from None

    def _describe(self, database: str, raw: dict[str, Any]) -> TableInfo:
        sd = raw.get("StorageDescriptor") or {}
        params = {**(sd.get("Parameters") or {}), **(raw.get("Parameters") or {})}
        fmt = table_format(raw)
        location = str(sd.get("Location", "") or "")
        version_src = "\n".join(
            [
                str(raw.get("VersionId", "")),
                str(raw.get("UpdateTime", "")),
                location,
                str(params.get("totalSize", "")),
                str(params.get("numRows", "")),
            ]
        )
        return TableInfo(
            database=database,
            table=raw["Name"],
            location=location,
            format=fmt,
            columns=_columns(sd.get("Columns")),
            partition_keys=_columns(raw.get("PartitionKeys")),
            size_bytes=_int_param(params, "totalSize", "sizeKey", "rawDataSize"),
            row_count=_int_param(params, "numRows", "recordCount"),
            description=str(raw.get("Description", "") or ""),
            data_version=hashlib.sha256(version_src.encode()).hexdigest()[:16],
            csv_format=csv_layout(raw) if fmt == "csv" else None,
            extra={"table_type": raw.get("TableType", "")},
        )

    # ------------------------------------------------------------ sampling

    def first_data_file(self, location: str) -> dict[str, Any] | None:
        """The first non-empty, non-hidden object under a table location (or the location itself)."""
        bucket, key = split_s3_uri(location)
        prefix = key if not key or key.endswith("/") else key + "/"
        objects = self._objects.list_objects(prefix, bucket=bucket, limit=MAX_SAMPLE_FILES_LISTED)
        if not objects and key and not key.endswith("/"):
            objects = [o for o in self._objects.list_objects(key, bucket=bucket, limit=1) if o["Key"] == key]
            prefix = ""
        candidates = []
        for obj in objects:
            rel = obj["Key"][len(prefix) :] if prefix else obj["Key"].rsplit("/", 1)[-1]
            parts = [p for p in rel.split("/") if p]
            if not parts or any(p.startswith((".", "_")) for p in parts) or obj.get("Size", 0) <= 0:
                continue
            if obj["Key"].endswith(("/", "$folder$")):
                continue
            candidates.append(obj)
        if not candidates:
            return None
        first = min(candidates, key=lambda o: o["Key"])
        return {**first, "Bucket": bucket}

    def _sample(self, info: TableInfo, rows: int) -> tuple[tuple[Any, ...], ...]:
        first = self.first_data_file(info.location)
        if first is None:
            return ()
        names = [c.name for c in info.columns]
        fmt = info.format
        if fmt == "parquet" or first["Key"].endswith(".parquet"):
            return self._sample_parquet(first, rows, names)
        if fmt != "csv":
            return ()  # json/orc/avro: no sampler here; the engine reads them
        head = self._objects.read_range_full(first["Key"], 0, SAMPLE_BYTES, bucket=first["Bucket"])
        layout = info.csv_format or CsvLayout()
        truncated = len(head) >= SAMPLE_BYTES and first.get("Size", 0) > SAMPLE_BYTES
        if truncated and b"\n" in head:
            head = head[: head.rfind(b"\n") + 1]
        text = head.decode("utf-8", "replace").lstrip("\ufeff")
        reader = csv.reader(io.StringIO(text), delimiter=layout.delimiter, quotechar=layout.quote)
        types = [c.type for c in info.columns]
        out: list[tuple[Any, ...]] = []
        skipped_header = not layout.header
        for row in reader:
            if not row:
                continue
            if not skipped_header:
                skipped_header = True
                continue
            width = len(types) or len(row)
            cells = (row + [""] * width)[:width]
            out.append(
                tuple(
                    typed_cell(c, _sample_kind(t))
                    for c, t in zip(cells, types or ["string"] * width, strict=True)
                )
            )
            if len(out) >= rows:
                break
        return tuple(out)

    def _sample_parquet(
        self, obj: dict[str, Any], rows: int, names: list[str]
    ) -> tuple[tuple[Any, ...], ...]:
        try:
            import pyarrow.parquet as pq
        except ImportError:
            return ()
        source = io.BufferedReader(
            _S3RangeFile(self._objects, obj["Bucket"], obj["Key"], int(obj["Size"])), buffer_size=1024 * 1024
        )
        try:
            parquet = pq.ParquetFile(source)
            wanted = [n for n in names if n in parquet.schema_arrow.names] or None
            batch = next(parquet.iter_batches(batch_size=rows, columns=wanted), None)
        except ServiceError:
            raise
        except Exception:  # noqa: BLE001 - an unreadable file gives a table without sample rows
            log.warning("cannot read parquet sample", extra={"key": obj["Key"][:300]})
            return ()
        if batch is None:
            return ()
        log.debug("parquet sample", extra={"types": [_arrow_type(f.type) for f in batch.schema]})
        return tuple(tuple(_json_value(v) for v in r.values()) for r in batch.to_pylist()[:rows])


def _sample_kind(glue_t: str) -> str:
    t = glue_type(glue_t)
    if t in ("long", "double", "boolean"):
        return t
    if re.fullmatch(r"decimal(\(.*\))?", t):
        return "double"
    return "string"


class _S3RangeFile(io.RawIOBase):
    """A read-only seekable view of one S3 object through ranged GETs (for pyarrow)."""

    def __init__(self, objects: RangeReader, bucket: str, key: str, size: int) -> None:
        self._objects = objects
        self._bucket = bucket
        self._key = key
        self._size = size
        self._pos = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._pos, io.SEEK_END: self._size}[whence]
        self._pos = max(0, base + offset)
        return self._pos

    def readinto(self, buffer: Any) -> int:
        if self._pos >= self._size:
            return 0
        length = min(len(buffer), self._size - self._pos)
        data = self._objects.read_range_full(self._key, self._pos, length, bucket=self._bucket)
        buffer[: len(data)] = data
        self._pos += len(data)
        return len(data)
