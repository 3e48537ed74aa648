"""Authorization matrix: every RPC of the four services × every role, over REST (every route
of the transcoder), over gRPC at the gateway (its own services, real servicers) and at the
backends (ServiceAuthInterceptor on a real grpc.aio server). Outcomes must match the declared
table `codeinterp_common.auth.METHOD_ACCESS`, and every RPC of the descriptors must have an entry.
"""

from __future__ import annotations

import grpc
import pytest
import pytest_asyncio
from _auth_support import (
    ALL_SERVICES,
    BACKENDS,
    OWN,
    gateway,
    make_api_keys,
    make_gate,
    rest_reason,
    status_of,
)
from google.protobuf import symbol_database

from codeinterp_common.auth import (
    METHOD_ACCESS,
    PRINCIPAL_KEY,
    ROLES_KEY,
    SERVICE_TOKEN_KEY,
    Access,
    Principal,
    Role,
)
from codeinterp_common.config import ServerSettings
from codeinterp_common.server import ServiceSpec, build_server
from codeinterp_gateway.transcode import RouteTable, TranscodingApp

ROLES = {"viewer": ["viewer"], "analyst": ["analyst"], "admin": ["admin"], "norole": []}
RANK = {"norole": 0, "viewer": 1, "analyst": 2, "admin": 3}


def _all_methods() -> list[str]:
    return [f"/{s.full_name}/{m.name}" for s in ALL_SERVICES for m in s.methods]


def _allowed(method: str, role: str) -> bool:
    access = METHOD_ACCESS[method]
    if access is Access.SIGNED_URL:
        return True
    return RANK[role] >= RANK[access.value]


def _descriptor_set_methods() -> set[str]:
    """Every RPC of every codeinterp.* service in the generated descriptor set (what `make
    protos` produces), so a new service or method shows up here without touching this test."""
    from pathlib import Path

    from google.protobuf import descriptor_pb2

    from codeinterp.codegen.v1 import codegen_service_pb2

    path = Path(codegen_service_pb2.__file__).resolve().parents[2] / "descriptors.binpb"
    fds = descriptor_pb2.FileDescriptorSet.FromString(path.read_bytes())
    return {
        f"/{f.package}.{s.name}/{m.name}"
        for f in fds.file
        if f.package.startswith("codeinterp.")
        for s in f.service
        for m in s.method
    }


def test_every_rpc_is_declared_and_nothing_else():
    methods = _descriptor_set_methods()
    assert methods >= set(_all_methods()) and len(methods) >= 50
    missing = sorted(methods - set(METHOD_ACCESS))
    assert not missing, f"RPCs without a role matrix entry (denied until declared): {missing}"
    stale = sorted(set(METHOD_ACCESS) - methods)
    assert not stale, f"matrix entries for RPCs that do not exist: {stale}"


def test_matrix_shape():
    """The policy in words: admin-only operations, read-only viewer methods, the signed upload."""
    admin_only = sorted(m for m, a in METHOD_ACCESS.items() if a is Access.ADMIN)
    assert admin_only == [
        "/codeinterp.gateway.v1.SettingsService/RestoreDefaultSettings",
        "/codeinterp.gateway.v1.SettingsService/UpdateSettings",
        "/codeinterp.raysupervisor.v1.RaySupervisorService/ScaleWorkerGroup",
        "/codeinterp.sparksupervisor.v1.SparkSupervisorService/GetSparkConfig",
    ]
    for method, access in METHOD_ACCESS.items():
        name = method.rsplit("/", 1)[1]
        if access is Access.VIEWER:
            assert name.startswith(("Get", "List", "Watch", "Export")), method
        if name.startswith(("Create", "Delete", "Update", "Cancel", "Upload", "Stream")) or name in (
            "Ask",
            "Solve",
        ):
            assert access in (Access.ANALYST, Access.ADMIN), method
    assert [m for m, a in METHOD_ACCESS.items() if a is Access.SIGNED_URL] == [
        "/codeinterp.gateway.v1.DatasetService/PutUploadContent"
    ]


async def test_undeclared_method_is_denied_even_for_admin(tmp_path):
    api = make_api_keys(tmp_path, {"root": ("root", ["admin"], False)})
    gate = make_gate(api_keys=api)
    from codeinterp_common.errors import PermissionDenied

    with pytest.raises(PermissionDenied) as info:
        await gate.admit(
            "/codeinterp.gateway.v1.SessionService/DropEverything", {"x-api-key": api.keys["root"]}.get
        )
    assert info.value.reason == "METHOD_NOT_DECLARED"


# -- REST: every route × role ---------------------------------------------------------------


class _Stub:
    """Answers every call with an empty response (the matrix is decided before the invoker)."""

    async def unary_unary(self, method, request, options):
        return method.response_class()

    async def unary_stream(self, method, request, options):
        if False:
            yield method.response_class()

    async def stream_unary(self, method, requests, options):
        async for _ in requests:
            pass
        return method.response_class()


def _sample_path(route) -> str:
    values = {}
    for var in route.template.variables:
        if not var.literal_only:
            values[var.field_path] = "/".join("x1" if s in ("*", "**") else s for s in var.segments)
    return route.template.render(values)


@pytest.fixture(scope="module")
def role_keys(tmp_path_factory):
    return make_api_keys(
        tmp_path_factory.mktemp("roles"), {name: (f"p-{name}", roles, False) for name, roles in ROLES.items()}
    )


async def test_rest_every_route_matches_the_matrix(role_keys):
    table = RouteTable.from_services(ALL_SERVICES)
    app = TranscodingApp(
        table, {s.full_name: _Stub() for s in ALL_SERVICES}, gate=make_gate(api_keys=role_keys)
    )
    import httpx

    checked = set()
    mismatches = []
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gw.test") as http:
        for route in table.routes:
            path = _sample_path(route)
            for role in ROLES:
                headers = {"x-api-key": role_keys.keys[role]}
                if route.body:
                    headers["content-type"] = "text/csv" if route.raw_body else "application/json"
                body = b"a\n1\n" if route.raw_body else (b"{}" if route.body else None)
                r = await http.request(route.verb, path, headers=headers, content=body)
                denied = r.status_code == 403 and rest_reason(r.json()) == "ROLE_REQUIRED"
                if denied == _allowed(route.method.path, role) or r.status_code == 401:
                    mismatches.append((route.verb, path, role, r.status_code, r.text[:200]))
                checked.add(route.method.path)
            anonymous = await http.request(route.verb, path)
            expected = 200 if METHOD_ACCESS[route.method.path] is Access.SIGNED_URL else 401
            if anonymous.status_code != expected:
                mismatches.append(
                    (route.verb, path, "anonymous", anonymous.status_code, anonymous.text[:200])
                )
    assert not mismatches, mismatches
    assert checked == set(_all_methods())  # every RPC has a REST route and was exercised


# -- gRPC at the gateway: its own services with the real servicers --------------------------


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def gw(tmp_path_factory, role_keys):
    async with gateway(tmp_path_factory.mktemp("gw"), make_gate(api_keys=role_keys)) as g:
        yield g


def _request(method) -> object:
    return symbol_database.Default().GetSymbol(method.input_type.full_name)()


async def _call_grpc(channel, service, method, metadata):
    path = f"/{service.full_name}/{method.name}"
    req_cls = type(_request(method))
    out_cls = symbol_database.Default().GetSymbol(method.output_type.full_name)
    kw = dict(request_serializer=req_cls.SerializeToString, response_deserializer=out_cls.FromString)
    try:
        if method.client_streaming:
            await channel.stream_unary(path, **kw)(iter([req_cls()]), metadata=metadata, timeout=10)
        elif method.server_streaming:
            async for _ in channel.unary_stream(path, **kw)(req_cls(), metadata=metadata, timeout=10):
                pass
        else:
            await channel.unary_unary(path, **kw)(req_cls(), metadata=metadata, timeout=10)
    except grpc.aio.AioRpcError as err:
        return status_of(err)[:2] if err.code() != grpc.StatusCode.UNAVAILABLE else (err.code(), None)
    return grpc.StatusCode.OK, None


async def test_grpc_gateway_services_match_the_matrix(gw, role_keys):
    mismatches = []
    for desc, _ in OWN.values():
        for method in desc.methods:
            path = f"/{desc.full_name}/{method.name}"
            for role in ROLES:
                code, info = await _call_grpc(
                    gw.channel, desc, method, (("x-api-key", role_keys.keys[role]),)
                )
                denied = code == grpc.StatusCode.PERMISSION_DENIED and info.reason == "ROLE_REQUIRED"
                if denied == _allowed(path, role) or code == grpc.StatusCode.UNAUTHENTICATED:
                    mismatches.append((path, role, code, info.reason if info else ""))
    assert not mismatches, mismatches


# -- the backends: service token, principal metadata and the same matrix --------------------


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def backend():
    """A real backend server (build_server's default ServiceAuthInterceptor, token set) whose
    three services answer every method with an empty message — the check runs before them."""

    def generic(service):
        handlers = {}
        for m in service.methods:
            req = type(_request(m))
            out = symbol_database.Default().GetSymbol(m.output_type.full_name)

            async def unary(request, context, _out=out):
                return _out()

            async def stream(request, context, _out=out):
                yield _out()

            async def client_stream(requests, context, _out=out):
                async for _ in requests:
                    pass
                return _out()

            kw = dict(request_deserializer=req.FromString, response_serializer=out.SerializeToString)
            if m.client_streaming:
                handlers[m.name] = grpc.stream_unary_rpc_method_handler(client_stream, **kw)
            elif m.server_streaming:
                handlers[m.name] = grpc.unary_stream_rpc_method_handler(stream, **kw)
            else:
                handlers[m.name] = grpc.unary_unary_rpc_method_handler(unary, **kw)
        return grpc.method_handlers_generic_handler(service.full_name, handlers)

    specs = [
        ServiceSpec(s, lambda svc, server: server.add_generic_rpc_handlers((generic(svc),)), s.full_name)
        for s in BACKENDS
    ]
    settings = ServerSettings(
        host="127.0.0.1", grpc_port=0, service_token="s3rvice-token", shutdown_grace_s=0.5
    )
    running = await build_server(settings, specs, domain="backend.test", port=0)
    await running.set_serving(True)
    channel = grpc.aio.insecure_channel(f"127.0.0.1:{running.port}")
    yield channel
    await channel.close()
    await running.shutdown(0)


async def test_backends_refuse_calls_without_the_service_token(backend):
    desc = BACKENDS[1]
    method = desc.methods_by_name["GetSparkJob"]
    for metadata in (
        (),
        ((SERVICE_TOKEN_KEY, "wrong"),),
        ((SERVICE_TOKEN_KEY, "s3rvice-token-but-longer"),),
        ((PRINCIPAL_KEY, "alice"), (ROLES_KEY, "admin")),
    ):
        code, info = await _call_grpc(backend, desc, method, metadata)
        assert code == grpc.StatusCode.UNAUTHENTICATED and info.reason == "SERVICE_TOKEN_INVALID", metadata
    code, _ = await _call_grpc(backend, desc, method, ((SERVICE_TOKEN_KEY, "s3rvice-token"),))
    assert code == grpc.StatusCode.OK
    from grpc_health.v1 import health_pb2, health_pb2_grpc

    health = await health_pb2_grpc.HealthStub(backend).Check(health_pb2.HealthCheckRequest(), timeout=5)
    assert health.status == health_pb2.HealthCheckResponse.SERVING  # health stays open


async def test_backends_enforce_the_matrix_for_the_forwarded_principal(backend):
    mismatches = []
    for desc in BACKENDS:
        for method in desc.methods:
            path = f"/{desc.full_name}/{method.name}"
            for role, roles in ROLES.items():
                md = (
                    (SERVICE_TOKEN_KEY, "s3rvice-token"),
                    (PRINCIPAL_KEY, f"p-{role}"),
                    (ROLES_KEY, ",".join(roles)),
                )
                code, info = await _call_grpc(backend, desc, method, md)
                denied = code == grpc.StatusCode.PERMISSION_DENIED and info.reason == "ROLE_REQUIRED"
                if denied == _allowed(path, role):
                    mismatches.append((path, role, code))
    assert not mismatches, mismatches


def test_principal_roles_are_ordered():
    assert Principal("a", frozenset({Role.ADMIN})).has(Role.VIEWER)
    assert not Principal("a", frozenset({Role.VIEWER})).has(Role.ANALYST)
    assert not Principal("a").has(Role.VIEWER)
