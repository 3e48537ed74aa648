"""Domain ↔ proto conversion for the gateway's own services (no rules here, only mapping)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

from google.protobuf import struct_pb2, timestamp_pb2

from codeinterp.common.v1 import types_pb2
from codeinterp.gateway.v1 import (
    catalog_service_pb2,
    dataset_service_pb2,
    session_service_pb2,
    settings_service_pb2,
)
from codeinterp_gateway.domain import settings as settings_domain
from codeinterp_gateway.domain.catalog import DatabaseInfo, TableInfo, TableName
from codeinterp_gateway.domain.csv_sniff import ColumnInfo, CsvLayout
from codeinterp_gateway.domain.datasets import DatasetRecord, UploadTicket
from codeinterp_gateway.domain.inputs import ResolvedInput
from codeinterp_gateway.domain.sessions import DataSource, HistoryRecord, Session


def timestamp(value: datetime | None) -> timestamp_pb2.Timestamp | None:
    if value is None:
        return None
    ts = timestamp_pb2.Timestamp()
    ts.FromDatetime(value)
    return ts


def list_value(row: Sequence[Any]) -> struct_pb2.ListValue:
    lv = struct_pb2.ListValue()
    lv.extend(list(row))
    return lv


def columns(cols: Iterable[ColumnInfo]) -> list[types_pb2.Column]:
    return [types_pb2.Column(name=c.name, type=c.type, description=c.description) for c in cols]


def csv_format(fmt: CsvLayout | None) -> types_pb2.CsvFormat | None:
    if fmt is None:
        return None
    return types_pb2.CsvFormat(delimiter=fmt.delimiter, header=fmt.header, encoding=fmt.encoding, quote=fmt.quote)


def table_ref(ref: TableName | None) -> types_pb2.TableRef | None:
    return None if ref is None else types_pb2.TableRef(database=ref.database, table=ref.table)


# ---------------------------------------------------------------- sessions


def data_source_to_proto(source: DataSource) -> types_pb2.DataSource:
    if source.dataset:
        return types_pb2.DataSource(dataset=source.dataset)
    if source.table is not None:
        return types_pb2.DataSource(table=table_ref(source.table))
    return types_pb2.DataSource(s3_uri=source.s3_uri)


def data_source_from_proto(pb: types_pb2.DataSource) -> DataSource:
    which = pb.WhichOneof("source")
    if which == "dataset":
        return DataSource(dataset=pb.dataset)
    if which == "table":
        return DataSource(table=TableName(pb.table.database, pb.table.table))
    if which == "s3_uri":
        return DataSource(s3_uri=pb.s3_uri)
    return DataSource()


def data_sources_from_proto(items: Iterable[types_pb2.DataSource]) -> list[DataSource]:
    return [data_source_from_proto(pb) for pb in items]


def session_to_proto(s: Session) -> session_service_pb2.Session:
    return session_service_pb2.Session(
        name=s.name, uid=s.uid, display_name=s.display_name,
        data_sources=[data_source_to_proto(d) for d in s.data_sources],
        create_time=timestamp(s.create_time), update_time=timestamp(s.update_time),
        labels=dict(s.labels), owner=s.owner,
    )


def history_to_proto(r: HistoryRecord) -> session_service_pb2.HistoryEntry:
    return session_service_pb2.HistoryEntry(
        name=r.name, kind=session_service_pb2.HistoryEntry.Kind.Value(r.kind),
        framework=types_pb2.Framework.Value(r.framework) if r.framework else types_pb2.FRAMEWORK_UNSPECIFIED,
        prompt=r.prompt, code=r.code, success=r.success, error=r.error, job=r.job, row_count=r.row_count,
        create_time=timestamp(r.create_time), attempts=r.attempts,
    )


def history_from_proto(pb: session_service_pb2.HistoryEntry) -> HistoryRecord:
    """For callers holding a proto entry (the Ask path): name and create_time are assigned on record."""
    kind = session_service_pb2.HistoryEntry.Kind.Name(pb.kind) if pb.kind else ""
    framework = types_pb2.Framework.Name(pb.framework) if pb.framework else ""
    return HistoryRecord(
        kind=kind, framework=framework, prompt=pb.prompt, code=pb.code, success=pb.success, error=pb.error,
        job=pb.job, row_count=pb.row_count, attempts=pb.attempts,
        create_time=pb.create_time.ToDatetime(tzinfo=UTC) if pb.HasField("create_time")
        else None,
    )


# ---------------------------------------------------------------- datasets


def dataset_to_proto(r: DatasetRecord, *, preview: bool = True) -> dataset_service_pb2.Dataset:
    return dataset_service_pb2.Dataset(
        name=r.name, uid=r.uid, filename=r.filename, uri=r.uri, size_bytes=r.size_bytes,
        format=csv_format(r.format), source_encoding=r.source_encoding, columns=columns(r.columns),
        preview_rows=[list_value(row) for row in r.preview_rows] if preview else [],
        row_count=r.row_count, sha256=r.sha256, create_time=timestamp(r.create_time), s3_uri=r.uri,
        preview=r.preview_text, success=True, table=table_ref(r.table),
    )


def upload_to_proto(t: UploadTicket) -> dataset_service_pb2.DatasetUpload:
    return dataset_service_pb2.DatasetUpload(
        name=t.name, upload_url=t.upload_url, method=t.method, headers=t.headers,
        expire_time=timestamp(t.expire_time), max_size_bytes=t.max_size_bytes,
    )


# ---------------------------------------------------------------- catalog


def database_to_proto(d: DatabaseInfo) -> catalog_service_pb2.Database:
    return catalog_service_pb2.Database(name=f"databases/{d.name}", database_id=d.name, description=d.description)


def table_to_proto(t: TableInfo, *, samples: bool = True) -> catalog_service_pb2.Table:
    return catalog_service_pb2.Table(
        name=t.ref.resource_name, database=t.database, table=t.table, location=t.location, format=t.format,
        columns=columns(t.columns), partition_keys=columns(t.partition_keys), size_bytes=t.size_bytes,
        row_count=t.row_count, sample_rows=[list_value(r) for r in t.sample_rows] if samples else [],
        description=t.description, data_version=t.data_version,
    )


# ---------------------------------------------------------------- settings

_SECTION_FIELD = {"global": "global_settings", "spark": "spark", "ray": "ray"}
_ENUMS = {
    "global.default_framework": types_pb2.Framework,
    "spark.default_platform": types_pb2.ExecutionPlatform,
}


def settings_to_proto(s: settings_domain.Settings) -> settings_service_pb2.Settings:
    pb = settings_service_pb2.Settings(name="settings")
    for path, value in s.values.items():
        section, field = path.split(".", 1)
        target = getattr(pb, _SECTION_FIELD[section])
        setattr(target, field, _ENUMS[path].Value(value) if path in _ENUMS else value)
    if s.update_time is not None:
        pb.update_time.CopyFrom(timestamp(s.update_time))
    return pb


def _proto_value(pb: settings_service_pb2.Settings, path: str) -> Any:
    section, field = path.split(".", 1)
    raw = getattr(getattr(pb, _SECTION_FIELD[section]), field)
    if path in _ENUMS:
        return _ENUMS[path].Name(raw) if raw in _ENUMS[path].values() else raw
    return raw


def settings_changes_from_proto(pb: settings_service_pb2.Settings, mask_paths: Sequence[str]) -> dict[str, Any]:
    """`{canonical path: value}` to apply: the masked paths, or every non-default field when the mask is empty.

    proto3 scalars have no presence, so with an empty mask "set" means non-zero/non-empty.
    """
    if mask_paths:
        return {p: _proto_value(pb, p) for p in settings_domain.expand_mask(mask_paths)}
    changes = {}
    for path in settings_domain.FIELDS:
        section, field = path.split(".", 1)
        message = getattr(pb, _SECTION_FIELD[section])
        raw = getattr(message, field)
        if raw:  # zero, "" and the UNSPECIFIED enum value mean "not set"
            changes[path] = _proto_value(pb, path)
    return changes


# ---------------------------------------------------------------- inputs


def execution_input_to_proto(i: ResolvedInput) -> types_pb2.ExecutionInput:
    return types_pb2.ExecutionInput(
        name=i.name, kind=types_pb2.ExecutionInput.Kind.Value(i.kind), uri=i.uri, table=table_ref(i.table),
        columns=columns(i.columns), sample_rows=[list_value(r) for r in i.sample_rows], size_bytes=i.size_bytes,
        data_version=i.data_version, csv_format=csv_format(i.csv_format),
    )
