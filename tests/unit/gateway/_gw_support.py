"""Shared fixtures and helpers for the gateway domain/servicer tests (imported, not a conftest)."""

from __future__ import annotations

from contextlib import asynccontextmanager
from pathlib import Path

import grpc
import pytest
from google.rpc import error_details_pb2, status_pb2

from codeinterp.gateway.v1 import (
    catalog_service_pb2_grpc,
    dataset_service_pb2_grpc,
    session_service_pb2_grpc,
    settings_service_pb2_grpc,
)
from codeinterp_gateway.domain.clock import ManualClock
from codeinterp_gateway.wiring import GatewayServices, build_gateway_services

SECRET = b"test-upload-secret-0123456789"
ORDERS_CSV = b"order_id,customer,amount,order_date\n1,alice,10.5,2024-01-02\n2,bob,20,2024-01-03\n"


class FakeContext:
    """Enough of grpc.aio.ServicerContext for servicers called directly."""

    def invocation_metadata(self):
        return ()

    def time_remaining(self):
        return None


def make_catalog_dir(root: Path) -> Path:
    catalog = root / "catalog"
    (catalog / "sales").mkdir(parents=True)
    (catalog / "sales" / "orders.csv").write_bytes(ORDERS_CSV)
    part = catalog / "sales" / "events" / "day=2024-01-01"
    part.mkdir(parents=True)
    (part / "part-0.csv").write_bytes(b"id,kind\n1,click\n2,view\n")
    (catalog / "sales" / "_staging.csv").write_bytes(b"x\n1\n")
    (catalog / "bad-name").mkdir()
    return catalog


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def gw(tmp_path, clock) -> GatewayServices:
    services = build_gateway_services(tmp_path / "data", make_catalog_dir(tmp_path), "http://gw.test:8080",
                                      SECRET, clock)
    yield services
    services.close()


def _interceptor():
    from codeinterp_common.interceptors import ServerInterceptor

    return ServerInterceptor("gateway.codeinterp.dev")


@asynccontextmanager
async def serve(gw: GatewayServices):
    """A real grpc.aio server on 127.0.0.1:0 with the four servicers and the shared interceptor."""
    server = grpc.aio.server(interceptors=[_interceptor()])
    session_service_pb2_grpc.add_SessionServiceServicer_to_server(gw.session_servicer, server)
    dataset_service_pb2_grpc.add_DatasetServiceServicer_to_server(gw.dataset_servicer, server)
    catalog_service_pb2_grpc.add_CatalogServiceServicer_to_server(gw.catalog_servicer, server)
    settings_service_pb2_grpc.add_SettingsServiceServicer_to_server(gw.settings_servicer, server)
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    channel = grpc.aio.insecure_channel(f"127.0.0.1:{port}")
    try:
        yield channel
    finally:
        await channel.close()
        await server.stop(None)


def rich_status(err: grpc.aio.AioRpcError) -> tuple[error_details_pb2.ErrorInfo, error_details_pb2.BadRequest | None]:
    raw = dict(err.trailing_metadata() or ()).get("grpc-status-details-bin")
    assert raw, f"no rich status in {err!r}"
    status = status_pb2.Status.FromString(raw)
    info, bad = None, None
    for detail in status.details:
        if detail.Is(error_details_pb2.ErrorInfo.DESCRIPTOR):
            info = error_details_pb2.ErrorInfo()
            detail.Unpack(info)
        elif detail.Is(error_details_pb2.BadRequest.DESCRIPTOR):
            bad = error_details_pb2.BadRequest()
            detail.Unpack(bad)
    assert info is not None
    return info, bad
