"""Backends whose domain lands in later issues answer UNIMPLEMENTED honestly, naming the issue."""

from __future__ import annotations

import grpc
import pytest
from google.rpc import error_details_pb2
from grpc_status import rpc_status

from codeinterp.codegen.v1 import codegen_service_pb2 as cg
from codeinterp.codegen.v1 import codegen_service_pb2_grpc as cg_grpc
from codeinterp.raysupervisor.v1 import ray_supervisor_service_pb2 as ray
from codeinterp.raysupervisor.v1 import ray_supervisor_service_pb2_grpc as ray_grpc
from codeinterp_common.config import ServerSettings
from codeinterp_common.server import ServiceSpec, build_server
from codeinterp_ray_supervisor.servicer import SERVICE as RAY_SERVICE
from codeinterp_ray_supervisor.servicer import RaySupervisorServicer


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


@pytest.mark.parametrize(
    "method,request_msg,streaming",
    [
        ("GetRayJob", ray.GetRayJobRequest(name="rayJobs/x"), False),
        ("Solve", ray.SolveRequest(prompt="hi"), True),
        ("GetClusterStatus", ray.GetClusterStatusRequest(), False),
    ],
)
async def test_ray_supervisor_methods_name_their_issue(method, request_msg, streaming):
    server = await _serve(
        ServiceSpec(RaySupervisorServicer(), ray_grpc.add_RaySupervisorServiceServicer_to_server, RAY_SERVICE.full_name)
    )
    try:
        async with grpc.aio.insecure_channel(f"127.0.0.1:{server.port}") as ch:
            stub = ray_grpc.RaySupervisorServiceStub(ch)
            with pytest.raises(grpc.aio.AioRpcError) as info:
                call = getattr(stub, method)(request_msg, timeout=5)
                if streaming:
                    async for _ in call:
                        pass
                else:
                    await call
        err = info.value
        assert err.code() == grpc.StatusCode.UNIMPLEMENTED
        assert "issue #4" in err.details()
        status = rpc_status.from_call(err)
        detail = error_details_pb2.ErrorInfo()
        status.details[0].Unpack(detail)
        assert detail.reason == "NOT_IMPLEMENTED_YET" and detail.metadata["issue"] == "4"
    finally:
        await server.shutdown(0)
