"""Helpers for the auth tests (imported, not a conftest): RSA/EC keys and a JWKS file, token
factories (including hostile ones built by hand), an API-key file, and a gateway harness that
serves the real gateway servicers over a real grpc.aio server on loopback and the REST app
(TranscodingApp) with the same Gate — the wiring of main.py, minus uvicorn."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import grpc
import httpx
import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from google.rpc import error_details_pb2, status_pb2
from jwt.algorithms import ECAlgorithm, RSAAlgorithm

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
from codeinterp.raysupervisor.v1 import ray_supervisor_service_pb2
from codeinterp.sparksupervisor.v1 import spark_supervisor_service_pb2
from codeinterp_common.config import ServerSettings
from codeinterp_common.server import ServiceSpec, build_server
from codeinterp_gateway.ask import AskServicer
from codeinterp_gateway.ask_backend import GatewayAskBackend
from codeinterp_gateway.auth import ApiKeyStore, Authenticator, Gate, GatewayAuthInterceptor, JwtVerifier
from codeinterp_gateway.auth.keys import new_key, sha256_entry
from codeinterp_gateway.auth.quotas import ConcurrencyLimiter, RateLimiter
from codeinterp_gateway.transcode import GrpcInvoker, LocalInvoker, RouteTable, TranscodingApp
from codeinterp_gateway.wiring import build_gateway_services

ISSUER = "https://issuer.test"
AUDIENCE = "codeinterp"
DOMAIN = "gateway.codeinterp.dev"


def _svc(module, name):
    return module.DESCRIPTOR.services_by_name[name]


OWN = {
    "SessionService": (
        _svc(session_service_pb2, "SessionService"),
        session_service_pb2_grpc.add_SessionServiceServicer_to_server,
    ),
    "DatasetService": (
        _svc(dataset_service_pb2, "DatasetService"),
        dataset_service_pb2_grpc.add_DatasetServiceServicer_to_server,
    ),
    "CatalogService": (
        _svc(catalog_service_pb2, "CatalogService"),
        catalog_service_pb2_grpc.add_CatalogServiceServicer_to_server,
    ),
    "SettingsService": (
        _svc(settings_service_pb2, "SettingsService"),
        settings_service_pb2_grpc.add_SettingsServiceServicer_to_server,
    ),
    "AskService": (
        _svc(ask_service_pb2, "AskService"),
        ask_service_pb2_grpc.add_AskServiceServicer_to_server,
    ),
}
BACKENDS = [
    _svc(codegen_service_pb2, "CodegenService"),
    _svc(spark_supervisor_service_pb2, "SparkSupervisorService"),
    _svc(ray_supervisor_service_pb2, "RaySupervisorService"),
]
ALL_SERVICES = [d for d, _ in OWN.values()] + BACKENDS


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@dataclass
class Keys:
    rsa: Any
    other_rsa: Any
    ec: Any
    jwks_path: Path
    rsa_public_pem: bytes

    def token(self, *, key: Any = None, alg: str = "RS256", kid: str = "rsa-1", **claims: Any) -> str:
        now = int(time.time())
        payload = {
            "iss": ISSUER,
            "aud": AUDIENCE,
            "sub": "alice",
            "exp": now + 600,
            "iat": now,
            "roles": ["analyst"],
        }
        payload.update(claims)
        payload = {k: v for k, v in payload.items() if v is not None}
        return jwt.encode(payload, key if key is not None else self.rsa, algorithm=alg, headers={"kid": kid})

    @staticmethod
    def unsigned(alg: str = "none", kid: str = "rsa-1", **claims: Any) -> str:
        now = int(time.time())
        payload = {
            "iss": ISSUER,
            "aud": AUDIENCE,
            "sub": "alice",
            "exp": now + 600,
            "roles": ["admin"],
            **claims,
        }
        header = {"alg": alg, "typ": "JWT", "kid": kid}
        return f"{b64(json.dumps(header).encode())}.{b64(json.dumps(payload).encode())}."

    def hs256_with_public_key(self, **claims: Any) -> str:
        """The RS/HS confusion attack: HMAC-SHA256 keyed with the RSA public key's PEM."""
        now = int(time.time())
        payload = {
            "iss": ISSUER,
            "aud": AUDIENCE,
            "sub": "mallory",
            "exp": now + 600,
            "roles": ["admin"],
            **claims,
        }
        signing = f"{b64(json.dumps({'alg': 'HS256', 'typ': 'JWT', 'kid': 'rsa-1'}).encode())}.{b64(json.dumps(payload).encode())}"
        mac = hmac.new(self.rsa_public_pem, signing.encode(), hashlib.sha256).digest()
        return f"{signing}.{b64(mac)}"


def make_keys(directory: Path) -> Keys:
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    eck = ec.generate_private_key(ec.SECP256R1())
    jwk_rsa = json.loads(RSAAlgorithm.to_jwk(private.public_key()))
    jwk_rsa.update(kid="rsa-1", use="sig", alg="RS256")
    jwk_ec = json.loads(ECAlgorithm.to_jwk(eck.public_key()))
    jwk_ec.update(kid="ec-1", use="sig", alg="ES256")
    path = directory / "jwks.json"
    path.write_text(json.dumps({"keys": [jwk_rsa, jwk_ec]}))
    pem = private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return Keys(private, other, eck, path, pem)


@dataclass
class ApiKeys:
    path: Path
    keys: dict[str, str]  # name → the key as a client presents it

    def write(self, entries: list[dict]) -> None:
        self.path.write_text(json.dumps({"keys": entries}))


def make_api_keys(directory: Path, principals: Mapping[str, tuple[str, list[str], bool]]) -> ApiKeys:
    """`principals`: name → (principal id, roles, revoked)."""
    keys, entries = {}, []
    for name, (principal, roles, revoked) in principals.items():
        key = new_key(name)
        keys[name] = key
        entries.append(sha256_entry(key, principal, roles, revoked=revoked))
    path = directory / "api-keys.json"
    out = ApiKeys(path, keys)
    out.write(entries)
    return out


def make_gate(
    keys: Keys | None = None,
    api_keys: ApiKeys | None = None,
    *,
    anonymous=None,
    per_minute: int = 0,
    concurrent_jobs: int = 0,
    clock=time.monotonic,
) -> Gate:
    verifier = None
    if keys is not None:
        verifier = JwtVerifier(issuer=ISSUER, audience=AUDIENCE, jwks_file=str(keys.jwks_path), leeway_s=5)
    store = ApiKeyStore(api_keys.path, reload_s=0) if api_keys is not None else None
    return Gate(
        Authenticator(api_keys=store, jwt=verifier, anonymous=anonymous),
        rate=RateLimiter(per_minute, clock=clock),
        jobs=ConcurrencyLimiter(concurrent_jobs),
    )


@dataclass
class Gateway:
    channel: grpc.aio.Channel
    app: TranscodingApp
    http: httpx.AsyncClient
    services: Any


class _Unreachable:
    """Stands in for the supervisors' stubs when a test never reaches them."""

    def __getattr__(self, name):
        raise AssertionError(f"unexpected supervisor call {name}")


@asynccontextmanager
async def gateway(
    data_dir: Path,
    gate: Gate,
    *,
    backend_channels: Mapping[str, grpc.aio.Channel] | None = None,
    backend_invokers: Mapping[str, Any] | None = None,
    spark_stub: Any = None,
    ray_stub: Any = None,
):
    services = build_gateway_services(data_dir, None, "http://gw.test", b"test-upload-secret-0123456789")
    ask = AskServicer(GatewayAskBackend(services), spark_stub or _Unreachable(), ray_stub or _Unreachable())
    servicers = {
        "SessionService": services.session_servicer,
        "DatasetService": services.dataset_servicer,
        "CatalogService": services.catalog_servicer,
        "SettingsService": services.settings_servicer,
        "AskService": ask,
    }
    specs = [ServiceSpec(servicers[n], add, d.full_name) for n, (d, add) in OWN.items()]
    settings = ServerSettings(host="127.0.0.1", grpc_port=0, shutdown_grace_s=0.5)
    running = await build_server(
        settings, specs, domain=DOMAIN, auth_interceptor=GatewayAuthInterceptor(gate), port=0
    )
    await running.set_serving(True)
    local = LocalInvoker({OWN[n][0].full_name: servicers[n] for n in OWN}, domain=DOMAIN)
    invokers: dict[str, Any] = {OWN[n][0].full_name: local for n in OWN}
    for name, ch in (backend_channels or {}).items():
        invokers[name] = GrpcInvoker(ch)
    invokers.update(backend_invokers or {})
    app = TranscodingApp(RouteTable.from_services(ALL_SERVICES), invokers, gate=gate)
    channel = grpc.aio.insecure_channel(f"127.0.0.1:{running.port}")
    http = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gw.test")
    try:
        yield Gateway(channel, app, http, services)
    finally:
        await http.aclose()
        await channel.close()
        await running.shutdown(0)
        services.close()


def status_of(err: grpc.aio.AioRpcError) -> tuple[grpc.StatusCode, error_details_pb2.ErrorInfo, list]:
    raw = dict(err.trailing_metadata() or ()).get("grpc-status-details-bin")
    assert raw, f"no rich status in {err!r}"
    status = status_pb2.Status.FromString(raw)
    info = error_details_pb2.ErrorInfo()
    others = []
    for detail in status.details:
        if detail.Is(error_details_pb2.ErrorInfo.DESCRIPTOR):
            detail.Unpack(info)
        else:
            others.append(detail)
    return err.code(), info, others


def rest_reason(body: dict) -> str:
    for d in body.get("details", []):
        if d.get("@type", "").endswith("google.rpc.ErrorInfo"):
            return d.get("reason", "")
    return ""
