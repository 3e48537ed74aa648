"""GrpcInvoker against a real grpc.aio server on loopback, and LocalInvoker on the same
servicers; plus the full HTTP path through both."""

from __future__ import annotations

import asyncio

import grpc
import pytest
from google.rpc import code_pb2, error_details_pb2
from grpc_status import rpc_status

from codeinterp.common.v1 import types_pb2
from codeinterp.gateway.v1 import (
    dataset_service_pb2,
    dataset_service_pb2_grpc,
    settings_service_pb2,
    settings_service_pb2_grpc,
)
from codeinterp.sparksupervisor.v1 import spark_supervisor_service_pb2 as spark_pb2
from codeinterp.sparksupervisor.v1 import spark_supervisor_service_pb2_grpc as spark_grpc
from codeinterp_common import errors
from codeinterp_gateway.transcode import (
    CallOptions,
    GrpcInvoker,
    LocalInvoker,
    RouteTable,
    RpcStatusError,
    TranscodingApp,
)
from codeinterp_gateway.transcode.routes import method_info

SETTINGS = "codeinterp.gateway.v1.SettingsService"
SPARK = "codeinterp.sparksupervisor.v1.SparkSupervisorService"
DATASETS = "codeinterp.gateway.v1.DatasetService"


class FakeSettings(settings_service_pb2_grpc.SettingsServiceServicer):
    async def GetSettings(self, request, context):
        md = dict(context.invocation_metadata())
        remaining = context.time_remaining()
        return settings_service_pb2.Settings(
            name="settings",
            ray=settings_service_pb2.RaySettings(
                address=md.get("tenant", ""),
                cluster_name=md.get("x-request-id", ""),
                entrypoint_num_cpus=remaining,
            ),
        )

    async def UpdateSettings(self, request, context):
        err = errors.InvalidArgument(
            "max_retries out of range",
            reason="OUT_OF_RANGE_SETTING",
            field="spark.max_retries",
            metadata={"max": 10},
            domain="gateway.codeinterp.dev",
        )
        await context.abort_with_status(rpc_status.to_status(err.to_status()))

    async def RestoreDefaultSettings(self, request, context):
        await asyncio.sleep(5)
        return settings_service_pb2.Settings()


class FakeSpark(spark_grpc.SparkSupervisorServiceServicer):
    def __init__(self) -> None:
        self.cancelled = asyncio.Event()

    async def WatchSparkJob(self, request, context):
        try:
            yield types_pb2.JobEvent(job=request.name, state="RUNNING")
            if request.name == "sparkJobs/fail":
                await context.abort(grpc.StatusCode.NOT_FOUND, "job went away")
            if request.name == "sparkJobs/forever":
                await asyncio.sleep(30)
            yield types_pb2.JobEvent(job=request.name, state="SUCCEEDED")
        except asyncio.CancelledError:
            self.cancelled.set()
            raise
        finally:
            if request.name == "sparkJobs/forever":
                self.cancelled.set()

    async def GetSparkJob(self, request, context):
        if request.name == "sparkJobs/boom":
            raise RuntimeError("database password is hunter2")
        if request.name == "sparkJobs/svc":
            raise errors.NotFound("no such job", reason="JOB_NOT_FOUND", metadata={"job": request.name})
        if request.name == "sparkJobs/code":
            context.set_code(grpc.StatusCode.PERMISSION_DENIED)
            context.set_details("nope")
            return spark_pb2.SparkJob()
        return spark_pb2.SparkJob(name=request.name, state=spark_pb2.SparkJob.RUNNING)


class FakeDatasets(dataset_service_pb2_grpc.DatasetServiceServicer):
    async def StreamUploadDataset(self, request_iterator, context):
        chunks = []
        first = None
        async for m in request_iterator:
            first = first or m
            chunks.append(m.chunk)
        return dataset_service_pb2.Dataset(
            name=f"{first.parent}/datasets/x", size_bytes=len(b"".join(chunks))
        )


def _method(service_module, service: str, name: str):
    return method_info(service_module.DESCRIPTOR.services_by_name[service].methods_by_name[name])


GET_SETTINGS = _method(settings_service_pb2, "SettingsService", "GetSettings")
UPDATE_SETTINGS = _method(settings_service_pb2, "SettingsService", "UpdateSettings")
RESTORE = _method(settings_service_pb2, "SettingsService", "RestoreDefaultSettings")
WATCH = _method(spark_pb2, "SparkSupervisorService", "WatchSparkJob")
GET_JOB = _method(spark_pb2, "SparkSupervisorService", "GetSparkJob")
STREAM_UPLOAD = _method(dataset_service_pb2, "DatasetService", "StreamUploadDataset")


@pytest.fixture(scope="module")
def servicers():
    return {SETTINGS: FakeSettings(), SPARK: FakeSpark(), DATASETS: FakeDatasets()}


@pytest.fixture(scope="module")
async def grpc_channel(servicers):
    server = grpc.aio.server()
    settings_service_pb2_grpc.add_SettingsServiceServicer_to_server(servicers[SETTINGS], server)
    spark_grpc.add_SparkSupervisorServiceServicer_to_server(servicers[SPARK], server)
    dataset_service_pb2_grpc.add_DatasetServiceServicer_to_server(servicers[DATASETS], server)
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    channel = grpc.aio.insecure_channel(f"127.0.0.1:{port}")
    yield channel
    await channel.close()
    await server.stop(0)


@pytest.fixture(params=["grpc", "local"])
def invoker(request, servicers, grpc_channel):
    if request.param == "grpc":
        return GrpcInvoker(grpc_channel)
    return LocalInvoker(servicers)


def _opts(timeout: float = 5.0, **md: str) -> CallOptions:
    return CallOptions(tuple(md.items()), timeout)


async def test_unary_with_metadata_and_deadline(invoker):
    resp = await invoker.unary_unary(
        GET_SETTINGS,
        settings_service_pb2.GetSettingsRequest(),
        _opts(3.0, tenant="acme", **{"x-request-id": "r1"}),
    )
    assert resp.name == "settings" and resp.ray.address == "acme" and resp.ray.cluster_name == "r1"
    assert 0 < resp.ray.entrypoint_num_cpus <= 3.0


async def test_rich_error_details_pass_through(invoker):
    with pytest.raises(RpcStatusError) as e:
        await invoker.unary_unary(UPDATE_SETTINGS, settings_service_pb2.UpdateSettingsRequest(), _opts())
    st = e.value.status
    assert st.code == code_pb2.INVALID_ARGUMENT and st.message == "max_retries out of range"
    info = error_details_pb2.ErrorInfo()
    assert (
        st.details[0].Unpack(info) and info.reason == "OUT_OF_RANGE_SETTING" and info.metadata["max"] == "10"
    )
    bad = error_details_pb2.BadRequest()
    assert st.details[1].Unpack(bad) and bad.field_violations[0].field == "spark.max_retries"


async def test_deadline_exceeded(invoker):
    with pytest.raises(RpcStatusError) as e:
        await invoker.unary_unary(RESTORE, settings_service_pb2.RestoreDefaultSettingsRequest(), _opts(0.1))
    assert e.value.status.code == code_pb2.DEADLINE_EXCEEDED


async def test_server_stream_and_mid_stream_error(invoker):
    got = [
        m.state
        async for m in invoker.unary_stream(
            WATCH, spark_pb2.WatchSparkJobRequest(name="sparkJobs/ok"), _opts()
        )
    ]
    assert got == ["RUNNING", "SUCCEEDED"]
    got = []
    with pytest.raises(RpcStatusError) as e:
        async for m in invoker.unary_stream(
            WATCH, spark_pb2.WatchSparkJobRequest(name="sparkJobs/fail"), _opts()
        ):
            got.append(m.state)
    assert got == ["RUNNING"] and e.value.status.code == code_pb2.NOT_FOUND
    assert e.value.status.message == "job went away"


async def test_stream_close_cancels_backend(invoker, servicers):
    spark = servicers[SPARK]
    spark.cancelled.clear()
    stream = invoker.unary_stream(WATCH, spark_pb2.WatchSparkJobRequest(name="sparkJobs/forever"), _opts(10))
    first = await stream.__anext__()
    assert first.state == "RUNNING"
    await stream.aclose()
    await asyncio.wait_for(spark.cancelled.wait(), 3)


async def test_client_stream(invoker):
    async def reqs():
        yield dataset_service_pb2.StreamUploadDatasetRequest(parent="sessions/s", chunk=b"ab")
        yield dataset_service_pb2.StreamUploadDatasetRequest(chunk=b"cde")

    resp = await invoker.stream_unary(STREAM_UPLOAD, reqs(), _opts())
    assert resp.name == "sessions/s/datasets/x" and resp.size_bytes == 5


async def test_local_service_error_and_internal(servicers, caplog):
    inv = LocalInvoker(servicers, domain="sparksupervisor.codeinterp.dev")
    with pytest.raises(RpcStatusError) as e:
        await inv.unary_unary(GET_JOB, spark_pb2.GetSparkJobRequest(name="sparkJobs/svc"), _opts())
    info = error_details_pb2.ErrorInfo()
    e.value.status.details[0].Unpack(info)
    assert e.value.status.code == code_pb2.NOT_FOUND and info.reason == "JOB_NOT_FOUND"
    assert info.domain == "sparksupervisor.codeinterp.dev"

    with pytest.raises(RpcStatusError) as e:
        await inv.unary_unary(GET_JOB, spark_pb2.GetSparkJobRequest(name="sparkJobs/boom"), _opts())
    st = e.value.status
    assert st.code == code_pb2.INTERNAL and "hunter2" not in st.message and "correlation id" in st.message
    e.value.status.details[0].Unpack(info)
    assert info.metadata["correlation_id"] in caplog.text

    with pytest.raises(RpcStatusError) as e:
        await inv.unary_unary(GET_JOB, spark_pb2.GetSparkJobRequest(name="sparkJobs/code"), _opts())
    assert e.value.status.code == code_pb2.PERMISSION_DENIED and e.value.status.message == "nope"


async def test_local_unimplemented_method():
    inv = LocalInvoker({SETTINGS: object()})
    with pytest.raises(RpcStatusError) as e:
        await inv.unary_unary(GET_SETTINGS, settings_service_pb2.GetSettingsRequest(), _opts())
    assert e.value.status.code == code_pb2.UNIMPLEMENTED


@pytest.mark.parametrize("kind", ["grpc", "local"])
async def test_http_end_to_end(kind, servicers, grpc_channel, call):
    inv = GrpcInvoker(grpc_channel) if kind == "grpc" else LocalInvoker(servicers)
    svcs = [
        settings_service_pb2.DESCRIPTOR.services_by_name["SettingsService"],
        spark_pb2.DESCRIPTOR.services_by_name["SparkSupervisorService"],
    ]
    tapp = TranscodingApp(RouteTable.from_services(svcs), {SETTINGS: inv, SPARK: inv})
    r = await call(tapp, "GET", "/settings", headers={"grpc-metadata-tenant": "t1", "x-request-id": "abc"})
    assert r.status == 200 and r.json()["ray"]["address"] == "t1" and r.json()["ray"]["cluster_name"] == "abc"
    r = await call(tapp, "POST", "/settings", body={"spark": {"max_retries": 99}})
    assert r.status == 400
    body = r.json()
    assert body["details"][0]["@type"] == "type.googleapis.com/google.rpc.ErrorInfo"
    assert body["details"][0]["reason"] == "OUT_OF_RANGE_SETTING"
    assert body["details"][1]["field_violations"][0]["field"] == "spark.max_retries"
    r = await call(tapp, "GET", "/v1/sparkJobs/fail:watch")
    lines = r.lines()
    assert lines[0]["result"]["state"] == "RUNNING" and lines[1]["error"]["code"] == code_pb2.NOT_FOUND
    r = await call(tapp, "POST", "/v1/settings:restoreDefaults", headers={"grpc-timeout": "50m"})
    assert r.status == 504
