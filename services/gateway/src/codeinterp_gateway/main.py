"""Gateway bootstrap: configuration, wiring, the gRPC server (50051) and the REST server (8080)
in one event loop. No business rules here."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
from pathlib import Path

import uvicorn

from codeinterp.codegen.v1 import codegen_service_pb2
from codeinterp.gateway.v1 import (
    ask_service_pb2,
    ask_service_pb2_grpc,
    catalog_service_pb2,
    catalog_service_pb2_grpc,
    dataset_service_pb2,
    dataset_service_pb2_grpc,
    session_service_pb2,
    session_service_pb2_grpc,
    settings_service_pb2,
    settings_service_pb2_grpc,
)
from codeinterp.raysupervisor.v1 import ray_supervisor_service_pb2, ray_supervisor_service_pb2_grpc
from codeinterp.sparksupervisor.v1 import spark_supervisor_service_pb2, spark_supervisor_service_pb2_grpc
from codeinterp_common.clients import service_channel
from codeinterp_common.config import from_env
from codeinterp_common.logs import configure_logging
from codeinterp_common.metrics import serve_metrics
from codeinterp_common.server import ServiceSpec, build_server, install_signal_handlers
from codeinterp_gateway.ask import AskServicer
from codeinterp_gateway.ask_backend import GatewayAskBackend
from codeinterp_gateway.auth import GatewayAuthInterceptor, build_gate
from codeinterp_gateway.config import GatewaySettings
from codeinterp_gateway.transcode import (
    GrpcInvoker,
    LocalInvoker,
    RouteTable,
    TranscoderOptions,
    TranscodingApp,
)
from codeinterp_gateway.wiring import build_gateway_services

log = logging.getLogger(__name__)
DOMAIN = "gateway.codeinterp.dev"
MiB = 1024 * 1024


def _svc(module, name: str):
    return module.DESCRIPTOR.services_by_name[name]


OWN = {
    "SessionService": (_svc(session_service_pb2, "SessionService"), session_service_pb2_grpc.add_SessionServiceServicer_to_server),
    "DatasetService": (_svc(dataset_service_pb2, "DatasetService"), dataset_service_pb2_grpc.add_DatasetServiceServicer_to_server),
    "CatalogService": (_svc(catalog_service_pb2, "CatalogService"), catalog_service_pb2_grpc.add_CatalogServiceServicer_to_server),
    "SettingsService": (_svc(settings_service_pb2, "SettingsService"), settings_service_pb2_grpc.add_SettingsServiceServicer_to_server),
    "AskService": (_svc(ask_service_pb2, "AskService"), ask_service_pb2_grpc.add_AskServiceServicer_to_server),
}
CODEGEN = _svc(codegen_service_pb2, "CodegenService")
SPARK = _svc(spark_supervisor_service_pb2, "SparkSupervisorService")
RAY = _svc(ray_supervisor_service_pb2, "RaySupervisorService")


def _upload_secret(settings: GatewaySettings, data_dir: Path) -> bytes:
    if settings.upload_secret:
        return settings.upload_secret.encode()
    path = data_dir / "upload-secret"
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(secrets.token_bytes(32))
    return path.read_bytes()


def _aws_wiring(settings: GatewaySettings) -> dict:
    """`mode=aws`: S3 + Glue adapters from CODEINTERP_AWS_* (credentials: boto3's default chain)."""
    if settings.mode != "aws":
        return {"mode": settings.mode}
    from codeinterp_common.aws import AwsSettings
    from codeinterp_gateway.adapters.s3_object_store import S3TransferSettings

    return {
        "mode": "aws",
        "aws": from_env(AwsSettings),
        "transfer": S3TransferSettings(
            multipart_threshold=settings.s3_multipart_threshold_mb * MiB,
            multipart_chunksize=max(5, settings.s3_multipart_chunk_mb) * MiB,
        ),
    }


class _Server(uvicorn.Server):
    """uvicorn without its own signal handling: the gateway drains gRPC and REST together."""

    @contextlib.contextmanager
    def capture_signals(self):
        yield


async def serve(settings: GatewaySettings) -> None:
    data_dir = Path(settings.data_dir).resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    data_dir.chmod(0o700)
    base_url = settings.public_base_url or f"http://{settings.host}:{settings.http_port}"
    services = build_gateway_services(
        data_dir, Path(settings.catalog_dir) if settings.catalog_dir else None, base_url, _upload_secret(settings, data_dir),
        **_aws_wiring(settings),
    )
    limit = settings.max_message_mb
    # Calls to the backends carry the service token (and use mTLS when certificates are set).
    codegen_ch = service_channel(settings.codegen_addr, settings, max_message_mb=limit)
    spark_ch = service_channel(settings.spark_supervisor_addr, settings, max_message_mb=limit)
    ray_ch = service_channel(settings.ray_supervisor_addr, settings, max_message_mb=limit)
    gate = build_gate(settings)  # one admission path for gRPC and REST
    ask = AskServicer(
        GatewayAskBackend(services),
        spark_supervisor_service_pb2_grpc.SparkSupervisorServiceStub(spark_ch),
        ray_supervisor_service_pb2_grpc.RaySupervisorServiceStub(ray_ch),
        stream_timeout_s=settings.stream_timeout_s,
    )
    servicers = {
        "SessionService": services.session_servicer,
        "DatasetService": services.dataset_servicer,
        "CatalogService": services.catalog_servicer,
        "SettingsService": services.settings_servicer,
        "AskService": ask,
    }
    specs = [ServiceSpec(servicers[name], add, desc.full_name) for name, (desc, add) in OWN.items()]
    serve_metrics(settings.host, settings.metrics_port)
    running = await build_server(settings, specs, domain=DOMAIN, auth_interceptor=GatewayAuthInterceptor(gate))

    local = LocalInvoker({OWN[name][0].full_name: servicers[name] for name in OWN}, domain=DOMAIN)
    invokers = {OWN[name][0].full_name: local for name in OWN}
    invokers[CODEGEN.full_name] = GrpcInvoker(codegen_ch)
    invokers[SPARK.full_name] = GrpcInvoker(spark_ch)
    invokers[RAY.full_name] = GrpcInvoker(ray_ch)
    serving = {"up": False}
    descriptor_set = Path(codegen_service_pb2.__file__).resolve().parents[2] / "descriptors.binpb"
    app = TranscodingApp(
        RouteTable.from_services([desc for desc, _ in OWN.values()] + [CODEGEN, SPARK, RAY]),
        invokers,
        options=TranscoderOptions(
            max_body_bytes=settings.max_body_mb * MiB,
            max_raw_body_bytes=settings.max_upload_body_mb * MiB,
            unary_timeout=settings.unary_timeout_s,
            stream_timeout=settings.stream_timeout_s,
            descriptor_set_path=str(descriptor_set) if descriptor_set.exists() else None,
        ),
        is_serving=lambda: serving["up"],
        gate=gate,
    )
    http = _Server(
        uvicorn.Config(
            app,
            host=settings.host,
            port=settings.http_port,
            http="httptools",
            loop="none",
            lifespan="off",
            access_log=False,
            log_config=None,
            timeout_graceful_shutdown=int(settings.shutdown_grace_s),
        )
    )
    http_task = asyncio.create_task(http.serve(), name="rest")

    async def stop() -> None:
        serving["up"] = False
        await running.health.enter_graceful_shutdown()
        if settings.drain_s > 0:
            await asyncio.sleep(settings.drain_s)
        http.should_exit = True
        await asyncio.gather(running.shutdown(), http_task, return_exceptions=True)

    install_signal_handlers(stop)
    while not http.started:
        if http_task.done():
            await running.shutdown(0)
            raise SystemExit(f"REST server could not start on {settings.host}:{settings.http_port}")
        await asyncio.sleep(0.02)
    serving["up"] = True
    await running.set_serving(True)
    log.info("gateway serving", extra={"grpc_port": running.port, "http_port": settings.http_port})
    await running.wait()
    await asyncio.gather(http_task, return_exceptions=True)
    for channel in (codegen_ch, spark_ch, ray_ch):
        await channel.close()
    services.close()
    log.info("gateway stopped")


def main() -> None:
    settings = from_env(GatewaySettings)
    configure_logging("gateway", settings.log_level, settings.log_format)
    asyncio.run(serve(settings))


if __name__ == "__main__":
    main()
