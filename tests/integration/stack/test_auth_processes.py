"""Authentication as deployed (the settings the Helm chart renders), with real processes: a gateway
with anonymous access off, API keys from a file and a service token, and a codegen backend with
the same token. Only valid keys pass at the gateway; the backend refuses callers without the
token, and the gateway's forwarded calls (REST → codegen) carry it. Spark/Ray are not started:
the wiring under test is the same in every backend (build_server / service_channel)."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request

import grpc
import pytest
from stack_support import Stack, free_port

from codeinterp.codegen.v1 import codegen_service_pb2, codegen_service_pb2_grpc
from codeinterp_gateway.auth.keys import new_key, sha256_entry

TOKEN = "process-test-service-token"

pytestmark = pytest.mark.integration


def _http(stack: Stack, path: str, headers: dict[str, str] | None = None) -> tuple[int, dict, dict]:
    req = urllib.request.Request(stack.base + path, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=15) as resp:
            return resp.status, dict(resp.headers), json.loads(resp.read() or b"null")
    except urllib.error.HTTPError as err:
        return err.code, dict(err.headers), json.loads(err.read() or b"null")


@pytest.fixture(scope="module")
def secured(tmp_path_factory):
    import tempfile
    from pathlib import Path

    root = Path(tempfile.mkdtemp(prefix="codeinterp-auth-"))
    key, revoked = new_key("ops"), new_key("old")
    keys_file = root / "api-keys.json"
    keys_file.write_text(
        json.dumps(
            {
                "keys": [
                    sha256_entry(key, "ops", ["admin"]),
                    sha256_entry(revoked, "old", ["admin"], revoked=True),
                ]
            }
        )
    )
    stack = Stack(root)
    stack.ports["spark"] = stack.ports["ray"] = free_port()  # nothing listens: not used here
    stack.start("codegen", "codeinterp_codegen", stack.ports["codegen"], {"CODEINTERP_SERVICE_TOKEN": TOKEN})
    stack.start(
        "gateway",
        "codeinterp_gateway",
        stack.ports["gateway"],
        {
            "CODEINTERP_SERVICE_TOKEN": TOKEN,
            "CODEINTERP_AUTH_ANONYMOUS": "false",
            "CODEINTERP_AUTH_API_KEYS_FILE": str(keys_file),
        },
    )
    deadline = time.monotonic() + 90
    try:
        while True:
            try:
                if _http(stack, "/healthz")[0] == 200 and stack._grpc_serving(stack.ports["codegen"]):
                    break
            except OSError:
                pass
            for name, proc in stack.procs.items():
                if proc.poll() is not None:
                    raise RuntimeError(f"{name} exited: {stack.logs[name].read_text()[-3000:]}")
            if time.monotonic() > deadline:
                raise RuntimeError("services never became healthy")
            time.sleep(0.2)
        yield stack, key, revoked
    finally:
        stack.stop()
        import shutil

        shutil.rmtree(root, ignore_errors=True)


def test_gateway_admits_only_valid_keys(secured):
    stack, key, revoked = secured
    status, headers, body = _http(stack, "/v1/sessions")
    assert status == 401 and body["details"][0]["reason"] == "AUTH_MISSING"
    assert headers["www-authenticate"].startswith("Bearer")
    assert (
        _http(stack, "/v1/sessions", {"x-api-key": revoked})[2]["details"][0]["reason"] == "AUTH_KEY_REVOKED"
    )
    assert _http(stack, "/v1/sessions", {"authorization": f"Bearer {key}"})[0] == 200
    # health stays open without credentials
    assert _http(stack, "/healthz")[0] == 200


def test_forwarded_calls_carry_the_service_token_and_direct_calls_need_it(secured):
    stack, key, _ = secured
    status, _, body = _http(stack, "/v1/models", {"x-api-key": key})  # REST → gateway → codegen (gRPC)
    assert status == 200, body
    with grpc.insecure_channel(f"127.0.0.1:{stack.ports['codegen']}") as channel:
        stub = codegen_service_pb2_grpc.CodegenServiceStub(channel)
        with pytest.raises(grpc.RpcError) as info:
            stub.ListModels(codegen_service_pb2.ListModelsRequest(), timeout=10)
        assert info.value.code() == grpc.StatusCode.UNAUTHENTICATED
        stub.ListModels(
            codegen_service_pb2.ListModelsRequest(),
            metadata=(("x-codeinterp-service-token", TOKEN),),
            timeout=10,
        )
