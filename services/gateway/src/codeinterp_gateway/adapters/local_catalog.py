"""The Catalog of the embedded default.

Two sources, merged (registered tables win on a name clash):

* tables registered from uploaded datasets (database `uploads`), kept in the SQLite
  store so they survive restarts;
* an optional catalog directory, scanned on each call: `<dir>/<database>/<table>.csv`,
  `<dir>/<database>/<table>.parquet`, or `<dir>/<database>/<table>/` holding CSV or
  Parquet files (Hive-style `key=value` sub-directories become partition keys).
  Databases and tables whose names are not plain identifiers (`[A-Za-z0-9_]`) and
  hidden or `_`-prefixed files are skipped.

Columns come from the registration (uploads) or are inferred from a sample of the first
data file (CSV) or its schema (Parquet, when pyarrow is importable - it is not a gateway
dependency, so without it Parquet tables have no columns). Sample rows are read from the
first data file. The Glue adapter implements the same Protocol
(`codeinterp_gateway.domain.catalog.Catalog`).
"""

from __future__ import annotations

import base64
import datetime as dt
import decimal
import hashlib
import logging
from pathlib import Path
from typing import Any, Protocol

from codeinterp_gateway.domain.catalog import (
    UPLOADS_DATABASE,
    DatabaseInfo,
    TableInfo,
    database_not_found,
    table_not_found,
)
from codeinterp_gateway.domain.csv_sniff import ColumnInfo, describe_sample, infer_type
from codeinterp_gateway.domain.ids import IDENTIFIER_RE

log = logging.getLogger(__name__)

DATA_SUFFIXES = (".csv", ".parquet")
SAMPLE_BYTES = 256 * 1024


class CatalogRegistry(Protocol):
    def put_catalog_table(self, info: TableInfo) -> None: ...

    def get_catalog_table(self, database: str, name: str) -> TableInfo | None: ...

    def list_catalog_tables(self, database: str) -> list[TableInfo]: ...

    def list_catalog_databases(self) -> list[str]: ...

    def delete_catalog_table(self, database: str, name: str) -> bool: ...


def _visible(path: Path) -> bool:
    return not path.name.startswith((".", "_"))


def _json_value(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, bytes):
        return base64.b64encode(value).decode()
    return str(value)


def _arrow_type(t: Any) -> str:
    import pyarrow as pa

    if pa.types.is_boolean(t):
        return "boolean"
    if pa.types.is_integer(t):
        return "long"
    if pa.types.is_floating(t):
        return "double"
    if pa.types.is_string(t) or pa.types.is_large_string(t):
        return "string"
    if pa.types.is_date(t):
        return "date"
    if pa.types.is_timestamp(t):
        return "timestamp"
    if pa.types.is_decimal(t):
        return f"decimal({t.precision},{t.scale})"
    return str(t)


class LocalCatalog:
    def __init__(self, registry: CatalogRegistry, catalog_dir: Path | None = None) -> None:
        self._registry = registry
        self._dir = Path(catalog_dir).resolve() if catalog_dir else None

    # ------------------------------------------------------------ Catalog Protocol

    def list_databases(self) -> list[DatabaseInfo]:
        names = {UPLOADS_DATABASE, *self._registry.list_catalog_databases(), *self._dir_databases()}
        return [
            DatabaseInfo(n, "tables registered from uploaded datasets" if n == UPLOADS_DATABASE else "")
            for n in sorted(names)
        ]

    def list_tables(self, database: str) -> list[TableInfo]:
        if database not in {d.name for d in self.list_databases()}:
            raise database_not_found(database)
        tables = {t.table: t for t in self._scan_database(database)}
        tables.update({t.table: t for t in self._registry.list_catalog_tables(database)})
        return [tables[name] for name in sorted(tables)]

    def find_table(self, database: str, table: str) -> TableInfo | None:
        if not (IDENTIFIER_RE.fullmatch(database) and IDENTIFIER_RE.fullmatch(table)):
            return None
        registered = self._registry.get_catalog_table(database, table)
        if registered is not None:
            return registered
        for candidate in self._table_entries(database):
            if candidate[0] == table:
                return self._describe(database, *candidate)
        return None

    def get_table(self, database: str, table: str, *, sample_rows: int = 5) -> TableInfo:
        info = self.find_table(database, table)
        if info is None:
            raise table_not_found(database, table)
        if sample_rows <= 0:
            return info
        files = self._data_files(Path(info.location)) if info.location else []
        rows: tuple[tuple[Any, ...], ...] = ()
        if files:
            rows = self._sample(files[0], info.format, sample_rows)
        return TableInfo(**{**info.__dict__, "sample_rows": rows})

    def register_table(self, info: TableInfo) -> None:
        self._registry.put_catalog_table(TableInfo(**{**info.__dict__, "sample_rows": ()}))

    def drop_table(self, database: str, table: str) -> bool:
        return self._registry.delete_catalog_table(database, table)

    # ------------------------------------------------------------ directory scanning

    def _dir_databases(self) -> list[str]:
        if self._dir is None or not self._dir.is_dir():
            return []
        return [p.name for p in self._dir.iterdir() if p.is_dir() and _visible(p) and IDENTIFIER_RE.fullmatch(p.name)]

    def _table_entries(self, database: str) -> list[tuple[str, Path]]:
        if self._dir is None:
            return []
        base = self._dir / database
        if not base.is_dir():
            return []
        out = []
        for entry in sorted(base.iterdir()):
            if not _visible(entry):
                continue
            if entry.is_file() and entry.suffix.lower() in DATA_SUFFIXES:
                name = entry.stem
            elif entry.is_dir():
                name = entry.name
            else:
                continue
            if IDENTIFIER_RE.fullmatch(name):
                out.append((name, entry))
        return out

    def _scan_database(self, database: str) -> list[TableInfo]:
        return [self._describe(database, name, path) for name, path in self._table_entries(database)]

    @staticmethod
    def _data_files(location: Path) -> list[Path]:
        if location.is_file():
            return [location]
        if not location.is_dir():
            return []
        return sorted(
            p for p in location.rglob("*")
            if p.is_file() and p.suffix.lower() in DATA_SUFFIXES
            and not any(part.startswith((".", "_")) for part in p.relative_to(location).parts)
        )

    def _describe(self, database: str, table: str, path: Path) -> TableInfo:
        files = self._data_files(path)
        fmt = "parquet" if files and files[0].suffix.lower() == ".parquet" else "csv"
        stats = []
        for f in files:
            st = f.stat()
            stats.append(f"{f.relative_to(path) if path.is_dir() else f.name}:{st.st_size}:{st.st_mtime_ns}")
        size = sum(f.stat().st_size for f in files)
        version = hashlib.sha256("\n".join(stats).encode()).hexdigest()[:16]
        columns: tuple[ColumnInfo, ...] = ()
        csv_format = None
        if files:
            if fmt == "csv":
                with files[0].open("rb") as fh:
                    head = fh.read(SAMPLE_BYTES)
                described = describe_sample(head, rows=0, truncated=len(head) == SAMPLE_BYTES)
                if described is not None:
                    columns, csv_format = described.columns, described.format
            else:
                columns = self._parquet_columns(files[0])
        partitions: dict[str, list[str]] = {}
        if path.is_dir():
            for f in files:
                for part in f.relative_to(path).parts[:-1]:
                    if "=" in part:
                        key, _, value = part.partition("=")
                        partitions.setdefault(key, []).append(value)
        partition_keys = tuple(ColumnInfo(k, infer_type(v)) for k, v in partitions.items())
        part_names = {k for k in partitions}
        return TableInfo(
            database=database, table=table, location=str(path), format=fmt,
            columns=tuple(c for c in columns if c.name not in part_names), partition_keys=partition_keys,
            size_bytes=size, data_version=version, csv_format=csv_format,
        )

    @staticmethod
    def _parquet_columns(path: Path) -> tuple[ColumnInfo, ...]:
        try:
            import pyarrow.parquet as pq
        except ImportError:
            return ()
        try:
            schema = pq.read_schema(path)
        except Exception:  # noqa: BLE001 - an unreadable file is a table without columns
            log.warning("cannot read parquet schema", extra={"path": str(path)})
            return ()
        return tuple(ColumnInfo(f.name, _arrow_type(f.type)) for f in schema)

    @staticmethod
    def _sample(path: Path, fmt: str, rows: int) -> tuple[tuple[Any, ...], ...]:
        if fmt == "parquet":
            try:
                import pyarrow.parquet as pq

                batch = next(pq.ParquetFile(path).iter_batches(batch_size=rows), None)
            except Exception:  # noqa: BLE001
                return ()
            if batch is None:
                return ()
            return tuple(tuple(_json_value(v) for v in r.values()) for r in batch.to_pylist()[:rows])
        with path.open("rb") as fh:
            head = fh.read(SAMPLE_BYTES)
        described = describe_sample(head, rows=rows, truncated=len(head) == SAMPLE_BYTES)
        return described.rows if described else ()
