"""The data catalog: a Protocol the local catalog and (later) AWS Glue implement, and the
service that validates names, paginates and enforces limits on top of it.

Table lookups are by exact name after identifier validation: a name with a backtick,
quote, semicolon, space or dot inside a part never reaches the catalog
(security-and-reliability.md §3 case 36).

Uploaded datasets are registered as tables of the database `uploads`. Dataset ids are
unique only within a session, so the table is named `<session>__<dataset>` (both parts
lower-cased, anything outside `[a-z0-9_]` turned into `_`), e.g. `uploads.default__sales`;
if that name is already taken by another dataset (sanitising can map two session ids to
one string), `_<8 hex of sha256(session/dataset)>` is appended. The chosen name is stored
with the dataset and returned as `Dataset.table`.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from codeinterp_common.errors import InvalidArgument, NotFound
from codeinterp_gateway.domain import ids
from codeinterp_gateway.domain.csv_sniff import ColumnInfo, CsvLayout

UPLOADS_DATABASE = "uploads"
MAX_SAMPLE_ROWS = 100
DEFAULT_SAMPLE_ROWS = 5


@dataclass(frozen=True, order=True)
class TableName:
    database: str
    table: str

    @property
    def qualified(self) -> str:
        return f"{self.database}.{self.table}"

    @property
    def resource_name(self) -> str:
        return f"databases/{self.database}/tables/{self.table}"


@dataclass(frozen=True)
class DatabaseInfo:
    name: str
    description: str = ""


@dataclass(frozen=True)
class TableInfo:
    database: str
    table: str
    location: str = ""
    format: str = "csv"
    columns: tuple[ColumnInfo, ...] = ()
    partition_keys: tuple[ColumnInfo, ...] = ()
    size_bytes: int = 0
    row_count: int = 0
    sample_rows: tuple[tuple[Any, ...], ...] = ()
    description: str = ""
    data_version: str = ""
    csv_format: CsvLayout | None = None
    # Registered datasets only: who owns the registration.
    session_id: str = ""
    dataset_id: str = ""
    extra: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def ref(self) -> TableName:
        return TableName(self.database, self.table)


class Catalog(Protocol):
    """What the gateway needs from a catalog. Implementations raise NotFound for unknown names."""

    def list_databases(self) -> list[DatabaseInfo]: ...

    def list_tables(self, database: str) -> list[TableInfo]:
        """Tables of a database, sorted by name, without sample rows."""
        ...

    def get_table(self, database: str, table: str, *, sample_rows: int = DEFAULT_SAMPLE_ROWS) -> TableInfo: ...

    def find_table(self, database: str, table: str) -> TableInfo | None:
        """The table without sample rows, or None; never raises NotFound."""
        ...

    def register_table(self, info: TableInfo) -> None:
        """Create or replace a table (used for uploaded datasets)."""
        ...

    def drop_table(self, database: str, table: str) -> bool: ...


def table_not_found(database: str, table: str) -> NotFound:
    return NotFound(
        f"table {database}.{table} does not exist in the catalog",
        reason="TABLE_NOT_FOUND",
        metadata={"database": database, "table": table},
    )


def database_not_found(database: str) -> NotFound:
    return NotFound(
        f"database {database} does not exist in the catalog",
        reason="DATABASE_NOT_FOUND",
        metadata={"database": database},
    )


def check_table_owner(info: TableInfo, session_id: str, *, field: str) -> TableInfo:
    """A table registered from an upload belongs to its session: no other session may select or read it."""
    if info.session_id and session_id and info.session_id != session_id:
        raise InvalidArgument(
            f"table {info.database}.{info.table} belongs to another session", field=field,
            reason="TABLE_OF_OTHER_SESSION", metadata={"table": f"{info.database}.{info.table}"},
        )
    return info


def _slug(value: str) -> str:
    return re.sub(r"[^a-z0-9_]", "_", value.lower())


def uploads_table_name(catalog: Catalog, session_id: str, dataset_id: str) -> TableName:
    """The `uploads` table a dataset is registered as (see the module docstring)."""
    base = f"{_slug(session_id)}__{_slug(dataset_id)}"[:200]
    existing = catalog.find_table(UPLOADS_DATABASE, base)
    if existing is None or (existing.session_id, existing.dataset_id) == (session_id, dataset_id):
        return TableName(UPLOADS_DATABASE, base)
    digest = hashlib.sha256(f"{session_id}/{dataset_id}".encode()).hexdigest()[:8]
    return TableName(UPLOADS_DATABASE, f"{base}_{digest}")


def validate_table_ref(database: str, table: str, *, field_prefix: str) -> TableName:
    ids.validate_identifier(database, field=f"{field_prefix}.database", kind="database")
    ids.validate_identifier(table, field=f"{field_prefix}.table", kind="table")
    return TableName(database, table)


class CatalogService:
    """Browsing with validation and AIP-158 pagination over any Catalog."""

    def __init__(self, catalog: Catalog, *, visible: Callable[[TableInfo], bool] | None = None) -> None:
        self.catalog = catalog
        # Tables registered from an upload belong to their session's principal: for anyone
        # else they do not exist (wiring sets this once the SessionService exists).
        self.visible = visible

    def list_databases(self, page_size: int = 0, page_token: str = "") -> tuple[list[DatabaseInfo], str]:
        size = ids.page_size(page_size, default=100, maximum=1000)
        cursor = ids.decode_page_token(page_token, "databases", "")
        items = sorted(self.catalog.list_databases(), key=lambda d: d.name)
        return ids.paginate(items, key=lambda d: d.name, size=size, cursor=cursor, kind="databases", scope="")

    def list_tables(
        self, parent: str = "", database: str = "", page_size: int = 0, page_token: str = ""
    ) -> tuple[list[TableInfo], str]:
        db = self._database(parent, database)
        size = ids.page_size(page_size, default=100, maximum=1000)
        cursor = ids.decode_page_token(page_token, "tables", db)
        items = sorted(self._visible(self.catalog.list_tables(db)), key=lambda t: t.table)
        return ids.paginate(items, key=lambda t: t.table, size=size, cursor=cursor, kind="tables", scope=db)

    def get_table(self, name: str = "", database: str = "", table: str = "", rows: int = 0) -> TableInfo:
        if name:
            db, tbl = ids.parse_table_name(name)
            if (database and database != db) or (table and table != tbl):
                raise InvalidArgument(
                    f"name {name!r} disagrees with database/table", field="name", reason="TABLE_MISMATCH",
                    metadata={"name": name, "database": database, "table": table},
                )
        elif database or table:
            db = ids.validate_identifier(database, field="database", kind="database")
            tbl = ids.validate_identifier(table, field="table", kind="table")
        else:
            raise InvalidArgument("name (or database and table) is required", field="name", reason="TABLE_REQUIRED")
        if rows < 0:
            raise InvalidArgument(f"rows must not be negative (got {rows})", field="rows", reason="ROWS_INVALID",
                                  metadata={"rows": rows})
        count = DEFAULT_SAMPLE_ROWS if rows == 0 else min(rows, MAX_SAMPLE_ROWS)
        if self.visible is not None:
            found = self.catalog.find_table(db, tbl)
            if found is not None and not self.visible(found):
                raise table_not_found(db, tbl)
        return self.catalog.get_table(db, tbl, sample_rows=count)

    def require_table(self, database: str, table: str, *, field_prefix: str) -> TableInfo:
        """Validate a reference and return the existing table (exact match), or raise."""
        ref = validate_table_ref(database, table, field_prefix=field_prefix)
        info = self.catalog.find_table(ref.database, ref.table)
        if info is None or (self.visible is not None and not self.visible(info)):
            raise table_not_found(ref.database, ref.table)
        return info

    def _visible(self, tables: list[TableInfo]) -> list[TableInfo]:
        return tables if self.visible is None else [t for t in tables if self.visible(t)]

    @staticmethod
    def _database(parent: str, database: str) -> str:
        if parent:
            db = ids.parse_database_name(parent, field="parent")
            if database and database != db:
                raise InvalidArgument(
                    f"parent {parent!r} and database {database!r} disagree", field="database",
                    reason="DATABASE_MISMATCH", metadata={"parent": parent, "database": database},
                )
            return db
        if database:
            return ids.validate_identifier(database, field="database", kind="database")
        raise InvalidArgument("parent (or database) is required", field="parent", reason="DATABASE_REQUIRED")
