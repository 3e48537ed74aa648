"""Resolving data sources into fully described inputs for generated code.

`InputResolver.resolve(session_id, sources)` turns datasets, catalog tables and s3 URIs
into `ResolvedInput`s (what `types_pb2.ExecutionInput` carries): location, columns, up to
5 sample rows, size, data version and CSV layout. With no explicit sources the session's
selection is used. Logical names (`inputs["sales"]`) are the dataset id or the table
name, made unique with the database name and then a numeric suffix.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from codeinterp_common.errors import InvalidArgument, NotFound
from codeinterp_gateway.domain import ids
from codeinterp_gateway.domain.catalog import CatalogService, TableName, check_table_owner
from codeinterp_gateway.domain.csv_sniff import ColumnInfo, CsvLayout
from codeinterp_gateway.domain.datasets import DatasetStore
from codeinterp_gateway.domain.sessions import DataSource, SessionService, validate_s3_uri

SAMPLE_ROWS = 5


@dataclass(frozen=True)
class ResolvedInput:
    name: str
    kind: str  # "CSV_FILE" or "TABLE"
    uri: str
    table: TableName | None = None
    columns: tuple[ColumnInfo, ...] = ()
    sample_rows: tuple[tuple[Any, ...], ...] = ()
    size_bytes: int = 0
    data_version: str = ""
    csv_format: CsvLayout | None = None


def _logical(value: str) -> str:
    slug = re.sub(r"[^A-Za-z0-9_]", "_", value).strip("_") or "input"
    return slug


class InputResolver:
    def __init__(self, sessions: SessionService, datasets: DatasetStore, catalog: CatalogService) -> None:
        self._sessions = sessions
        self._datasets = datasets
        self._catalog = catalog

    def resolve(self, session_id: str, sources: Sequence[DataSource]) -> list[ResolvedInput]:
        """Inputs for `sources`, or for the session's selection when `sources` is empty.

        `session_id` may be empty when every source is explicit; a named session must exist.
        """
        if session_id:
            session = self._sessions.get(session_id)
            if not sources:
                sources = session.data_sources
        out: list[ResolvedInput] = []
        used: set[str] = set()
        for i, source in enumerate(sources):
            field = f"data_sources[{i}]"
            if source.dataset:
                sid, did = ids.parse_dataset_name(source.dataset, field=f"{field}.dataset")
                if session_id and sid != session_id:
                    raise InvalidArgument(f"dataset {source.dataset} belongs to another session",
                                          field=f"{field}.dataset", reason="DATASET_OF_OTHER_SESSION",
                                          metadata={"dataset": source.dataset})
                record = self._datasets.get_dataset(sid, did)
                if record is None or not self._sessions.visible(sid):  # another principal's: as if missing
                    raise NotFound(f"dataset {source.dataset} does not exist", reason="DATASET_NOT_FOUND",
                                   metadata={"dataset": source.dataset})
                item = ResolvedInput(
                    name=_logical(did), kind="CSV_FILE", uri=record.uri, columns=record.columns,
                    sample_rows=record.preview_rows[:SAMPLE_ROWS], size_bytes=record.size_bytes,
                    data_version=record.sha256, csv_format=record.format,
                )
                alt = f"{sid}_{did}"
            elif source.table is not None:
                ref = source.table
                check_table_owner(self._catalog.require_table(ref.database, ref.table, field_prefix=f"{field}.table"),
                                  session_id, field=f"{field}.table")
                info = self._catalog.catalog.get_table(ref.database, ref.table, sample_rows=SAMPLE_ROWS)
                item = ResolvedInput(
                    name=_logical(ref.table), kind="TABLE", uri=info.location, table=ref, columns=info.columns,
                    sample_rows=info.sample_rows[:SAMPLE_ROWS], size_bytes=info.size_bytes,
                    data_version=info.data_version, csv_format=info.csv_format,
                )
                alt = f"{ref.database}_{ref.table}"
            elif source.s3_uri:
                validate_s3_uri(source.s3_uri, field=f"{field}.s3_uri")
                stem = source.s3_uri.rsplit("/", 1)[-1].rsplit(".", 1)[0]
                item = ResolvedInput(name=_logical(stem), kind="CSV_FILE", uri=source.s3_uri,
                                     csv_format=CsvLayout())
                alt = _logical(source.s3_uri[5:])
            else:
                raise InvalidArgument("a data source must name a dataset, a table or an s3_uri", field=field,
                                      reason="DATA_SOURCE_EMPTY")
            name = item.name
            if name in used:
                name = _logical(alt)
            name = ids.dedupe_id(name, used, limit=255)
            used.add(name)
            out.append(ResolvedInput(**{**item.__dict__, "name": name}))
        return out
