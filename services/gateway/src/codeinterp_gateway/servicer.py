"""gRPC servicers of the gateway's own services: Session, Dataset, Catalog, Settings.

Thin by design (style guide point 13): read the request, convert it, call the domain,
convert the answer. Domain calls do blocking I/O (SQLite, files, CSV sniffing of up to
`max_upload_mb`), so they run in a worker thread and never stall the event loop.
Errors are ServiceError subclasses raised by the domain; the shared interceptor turns
them into google.rpc.Status with ErrorInfo.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from functools import partial

from google.protobuf import empty_pb2

from codeinterp.gateway.v1 import (
    catalog_service_pb2,
    catalog_service_pb2_grpc,
    dataset_service_pb2,
    dataset_service_pb2_grpc,
    session_service_pb2,
    session_service_pb2_grpc,
    settings_service_pb2_grpc,
)
from codeinterp_common.auth import current_owner
from codeinterp_common.errors import InvalidArgument
from codeinterp_gateway import convert
from codeinterp_gateway.domain import ids
from codeinterp_gateway.domain.catalog import CatalogService
from codeinterp_gateway.domain.datasets import DatasetService
from codeinterp_gateway.domain.sessions import SessionService
from codeinterp_gateway.domain.settings import SettingsService


async def _run(fn, /, *args, **kwargs):
    return await asyncio.to_thread(partial(fn, *args, **kwargs))


class SessionServicer(session_service_pb2_grpc.SessionServiceServicer):
    def __init__(self, sessions: SessionService, *, owner: str = "anonymous") -> None:
        self._sessions = sessions
        self._owner = owner

    async def CreateSession(self, request, context):
        s = request.session
        session = await _run(
            self._sessions.create, request.session_id, display_name=s.display_name, labels=dict(s.labels),
            data_sources=convert.data_sources_from_proto(s.data_sources), request_id=request.request_id,
            owner=current_owner() or self._owner,
        )
        return convert.session_to_proto(session)

    async def GetSession(self, request, context):
        sid = ids.parse_session_name(request.name)
        return convert.session_to_proto(await _run(self._sessions.get, sid))

    async def ListSessions(self, request, context):
        items, token = await _run(self._sessions.list, request.page_size, request.page_token)
        return session_service_pb2.ListSessionsResponse(
            sessions=[convert.session_to_proto(s) for s in items], next_page_token=token
        )

    async def UpdateSession(self, request, context):
        if not request.HasField("session"):
            raise InvalidArgument("session is required", field="session", reason="SESSION_REQUIRED")
        s = request.session
        sid = ids.parse_session_name(s.name, field="session.name")
        session = await _run(
            self._sessions.update, sid, paths=list(request.update_mask.paths), display_name=s.display_name,
            labels=dict(s.labels), data_sources=convert.data_sources_from_proto(s.data_sources),
        )
        return convert.session_to_proto(session)

    async def DeleteSession(self, request, context):
        await _run(self._sessions.delete, ids.parse_session_name(request.name))
        return empty_pb2.Empty()

    async def SelectTables(self, request, context):
        sid = ids.session_id_from(request.name, request.session_id)
        tables = [(t.database, t.table) for t in request.tables]
        session = await _run(self._sessions.select_tables, sid, tables, owner=current_owner() or self._owner)
        return convert.session_to_proto(session)

    async def ResetSession(self, request, context):
        sid = ids.session_id_from(request.name, request.session_id)
        return convert.session_to_proto(await _run(self._sessions.reset, sid))

    async def ListHistory(self, request, context):
        sid = ids.session_id_from(request.parent, request.session_id, name_field="parent")
        items, token = await _run(self._sessions.list_history, sid, request.page_size, request.page_token)
        return session_service_pb2.ListHistoryResponse(
            entries=[convert.history_to_proto(r) for r in items], next_page_token=token
        )


class DatasetServicer(dataset_service_pb2_grpc.DatasetServiceServicer):
    def __init__(self, datasets: DatasetService) -> None:
        self._datasets = datasets

    async def CreateDataset(self, request, context):
        record = await _run(
            self._datasets.create_from_text, parent=request.parent, session_id=request.session_id,
            filename=request.filename, content=request.content, dataset_id=request.dataset_id,
            select=request.select,
        )
        return convert.dataset_to_proto(record)

    async def UploadDatasetContent(self, request, context):
        record = await _run(
            self._datasets.upload_bytes, parent=request.parent, filename=request.filename,
            data=request.content.data, dataset_id=request.dataset_id, select=request.select,
        )
        return convert.dataset_to_proto(record)

    async def StreamUploadDataset(self, request_iterator: AsyncIterator, context):
        first = None
        buffer = self._datasets.new_buffer()
        async for message in request_iterator:
            if first is None:
                first = message
            elif message.parent and message.parent != first.parent:
                raise InvalidArgument("parent changed in the middle of the stream", field="parent",
                                      reason="STREAM_METADATA_CHANGED")
            if message.chunk:
                buffer.append(message.chunk)
        if first is None:
            raise InvalidArgument("the stream carried no message", field="parent", reason="STREAM_EMPTY")
        record = await _run(
            self._datasets.upload_bytes, parent=first.parent, filename=first.filename, data=buffer.getvalue(),
            dataset_id=first.dataset_id, select=first.select,
        )
        return convert.dataset_to_proto(record)

    async def CreateDatasetUpload(self, request, context):
        ticket = await _run(
            self._datasets.create_upload, parent=request.parent, filename=request.filename,
            dataset_id=request.dataset_id,
        )
        return convert.upload_to_proto(ticket)

    async def PutUploadContent(self, request, context):
        await _run(self._datasets.put_upload_content, request.token, request.content.data)
        return empty_pb2.Empty()

    async def CommitDatasetUpload(self, request, context):
        record = await _run(self._datasets.commit_upload, request.name, select=request.select)
        return convert.dataset_to_proto(record)

    async def GetDataset(self, request, context):
        return convert.dataset_to_proto(await _run(self._datasets.get, request.name))

    async def ListDatasets(self, request, context):
        items, token = await _run(self._datasets.list, request.parent, request.page_size, request.page_token)
        return dataset_service_pb2.ListDatasetsResponse(
            datasets=[convert.dataset_to_proto(r, preview=False) for r in items], next_page_token=token
        )

    async def DeleteDataset(self, request, context):
        await _run(self._datasets.delete, request.name)
        return empty_pb2.Empty()


class CatalogServicer(catalog_service_pb2_grpc.CatalogServiceServicer):
    def __init__(self, catalog: CatalogService) -> None:
        self._catalog = catalog

    async def ListDatabases(self, request, context):
        items, token = await _run(self._catalog.list_databases, request.page_size, request.page_token)
        return catalog_service_pb2.ListDatabasesResponse(
            databases=[convert.database_to_proto(d) for d in items], next_page_token=token
        )

    async def ListTables(self, request, context):
        items, token = await _run(
            self._catalog.list_tables, request.parent, request.database, request.page_size, request.page_token
        )
        return catalog_service_pb2.ListTablesResponse(
            tables=[convert.table_to_proto(t, samples=False) for t in items], next_page_token=token
        )

    async def GetTable(self, request, context):
        table = await _run(self._catalog.get_table, request.name, request.database, request.table, request.rows)
        return convert.table_to_proto(table)


class SettingsServicer(settings_service_pb2_grpc.SettingsServiceServicer):
    def __init__(self, settings: SettingsService) -> None:
        self._settings = settings

    async def GetSettings(self, request, context):
        return convert.settings_to_proto(self._settings.current())

    async def UpdateSettings(self, request, context):
        changes = convert.settings_changes_from_proto(request.settings, list(request.update_mask.paths))
        return convert.settings_to_proto(await _run(self._settings.update, changes))

    async def RestoreDefaultSettings(self, request, context):
        return convert.settings_to_proto(await _run(self._settings.restore_defaults))


__all__ = [
    "CatalogServicer",
    "DatasetServicer",
    "SessionServicer",
    "SettingsServicer",
]
