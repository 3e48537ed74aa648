"""Builds the gateway's own services on the embedded default (SQLite + local directory +
local catalog) so `main.py` only has to call one factory and register the servicers.

    services = build_gateway_services(data_dir, catalog_dir, public_base_url, upload_secret)
    session_service_pb2_grpc.add_SessionServiceServicer_to_server(services.session_servicer, server)
    ...
    inputs = await services.resolve_inputs("sessions/abc", [])      # for the Ask path
    services.sessions.record_history("sessions/abc", HistoryRecord(kind="GENERATION", ...))

Layout of `data_dir`: `gateway.sqlite3` (+ WAL files) and `objects/` (uploaded datasets
under `objects/sessions/{session}/datasets/{dataset}.csv`).

AWS mode (`mode="aws"` + `codeinterp_common.aws.AwsSettings`): the same services over
`S3ObjectStore` (same keys under `s3://{bucket}/{prefix}/`) and `GlueCatalog` (Glue tables
plus the uploads registry in SQLite); nothing else changes. Tests inject `objects`/`catalog`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from codeinterp.common.v1 import types_pb2
from codeinterp_common.aws import AwsSettings
from codeinterp_gateway import convert
from codeinterp_gateway.adapters.local_catalog import LocalCatalog
from codeinterp_gateway.adapters.local_object_store import LocalObjectStore
from codeinterp_gateway.adapters.postgres_store import PostgresStore, open_gateway_store
from codeinterp_gateway.adapters.s3_object_store import S3ObjectStore, S3TransferSettings
from codeinterp_gateway.adapters.sqlite_store import SqliteStore
from codeinterp_gateway.domain import ids
from codeinterp_gateway.domain.catalog import CatalogService
from codeinterp_gateway.domain.clock import Clock, SystemClock
from codeinterp_gateway.domain.datasets import DatasetService, UploadSigner
from codeinterp_gateway.domain.inputs import InputResolver
from codeinterp_gateway.domain.sessions import DataSource, SessionService
from codeinterp_gateway.domain.settings import SettingsService
from codeinterp_gateway.servicer import CatalogServicer, DatasetServicer, SessionServicer, SettingsServicer

DB_FILENAME = "gateway.sqlite3"
OBJECTS_DIRNAME = "objects"


@dataclass
class GatewayServices:
    session_servicer: SessionServicer
    dataset_servicer: DatasetServicer
    catalog_servicer: CatalogServicer
    settings_servicer: SettingsServicer
    sessions: SessionService
    datasets: DatasetService
    catalog: CatalogService
    settings: SettingsService
    inputs: InputResolver
    store: SqliteStore | PostgresStore
    objects: LocalObjectStore | S3ObjectStore
    local_catalog: LocalCatalog  # in AWS mode: the GlueCatalog (same Protocol)
    mode: str = "embedded"

    async def resolve_inputs(
        self,
        session_name: str,
        data_sources: Sequence[types_pb2.DataSource | DataSource] = (),
    ) -> list[types_pb2.ExecutionInput]:
        """ExecutionInputs for `data_sources`, or the session's selection when empty.

        `session_name` is `sessions/{id}` or a bare (seed) id; it may be empty when every
        source is explicit. NOT_FOUND for a missing session, dataset or table.
        """
        sid = ""
        if session_name:
            sid = (ids.parse_session_name(session_name) if session_name.startswith("sessions/")
                   else ids.validate_session_id(session_name))
        sources = [convert.data_source_from_proto(s) if isinstance(s, types_pb2.DataSource) else s
                   for s in data_sources]
        resolved = await asyncio.to_thread(self.inputs.resolve, sid, sources)
        return [convert.execution_input_to_proto(r) for r in resolved]

    def close(self) -> None:
        self.store.close()


def build_gateway_services(
    data_dir: Path,
    catalog_dir: Path | None,
    public_base_url: str,
    upload_secret: bytes,
    clock: Clock | None = None,
    *,
    owner: str = "anonymous",
    mode: str = "embedded",
    aws: AwsSettings | None = None,
    transfer: S3TransferSettings | None = None,
    objects: Any = None,
    catalog_adapter: Any = None,
) -> GatewayServices:
    clock = clock or SystemClock()
    data_dir = Path(data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    store = open_gateway_store(data_dir / DB_FILENAME)  # SQLite, or PostgreSQL per CODEINTERP_DATABASE_URL
    if mode == "aws":
        from codeinterp_gateway.adapters.glue_catalog import GlueCatalog

        aws = aws or AwsSettings()
        objects = objects or S3ObjectStore(aws, transfer=transfer)
        local_catalog = catalog_adapter or GlueCatalog(aws, store, objects)
    elif mode == "embedded":
        objects = objects or LocalObjectStore(data_dir / OBJECTS_DIRNAME)
        local_catalog = catalog_adapter or LocalCatalog(store, catalog_dir)
    else:
        raise ValueError(f"gateway mode {mode!r}: use embedded or aws")
    catalog = CatalogService(local_catalog)
    settings = SettingsService(store, clock)
    sessions = SessionService(store, catalog, objects, clock=clock)
    # Upload tables are visible only to whoever may see their session (NOT_FOUND otherwise).
    catalog.visible = lambda info: not info.session_id or sessions.visible(info.session_id)
    datasets = DatasetService(
        store, objects, local_catalog, sessions, settings, UploadSigner(upload_secret),
        public_base_url=public_base_url, clock=clock,
    )
    return GatewayServices(
        session_servicer=SessionServicer(sessions, owner=owner),
        dataset_servicer=DatasetServicer(datasets),
        catalog_servicer=CatalogServicer(catalog),
        settings_servicer=SettingsServicer(settings),
        sessions=sessions,
        datasets=datasets,
        catalog=catalog,
        settings=settings,
        inputs=InputResolver(sessions, store, catalog),
        store=store,
        objects=objects,
        local_catalog=local_catalog,
        mode=mode,
    )
