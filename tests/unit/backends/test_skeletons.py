"""Backends whose domain lands in later issues answer UNIMPLEMENTED honestly, naming the issue."""

from __future__ import annotations

import grpc

from codeinterp.codegen.v1 import codegen_service_pb2 as cg
from codeinterp.codegen.v1 import codegen_service_pb2_grpc as cg_grpc
from codeinterp_common.config import ServerSettings
from codeinterp_common.server import ServiceSpec, build_server


async def _serve(spec: ServiceSpec):
    return await build_server(ServerSettings(grpc_port=0, metrics_port=0), [spec], domain="x.codeinterp.dev", port=0)


async def test_codegen_lists_models():
    from codeinterp_codegen.servicer import SERVICE, CodegenServicer

    server = await _serve(ServiceSpec(CodegenServicer(), cg_grpc.add_CodegenServiceServicer_to_server, SERVICE.full_name))
    try:
        async with grpc.aio.insecure_channel(f"127.0.0.1:{server.port}") as ch:
            models = await cg_grpc.CodegenServiceStub(ch).ListModels(cg.ListModelsRequest(), timeout=5)
        ids = [m.id for m in models.models]
        assert "plan-v1" in ids and "us.amazon.nova-micro-v1:0" in ids
    finally:
        await server.shutdown(0)
