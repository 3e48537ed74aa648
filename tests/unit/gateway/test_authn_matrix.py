"""Authentication matrix over gRPC (a real grpc.aio gateway server on loopback) and REST (the
transcoding app through httpx's ASGI transport), with the same Gate: only valid credentials pass.
"""

from __future__ import annotations

import time

import grpc
import pytest
import pytest_asyncio
from _auth_support import (
    AUDIENCE,
    ISSUER,
    Keys,
    gateway,
    make_api_keys,
    make_gate,
    make_keys,
    rest_reason,
    status_of,
)

from codeinterp.gateway.v1 import session_service_pb2, session_service_pb2_grpc
from codeinterp_common.auth import Principal, Role


@pytest.fixture(scope="module")
def keys(tmp_path_factory) -> Keys:
    return make_keys(tmp_path_factory.mktemp("jwks"))


@pytest.fixture(scope="module")
def api_keys(tmp_path_factory):
    return make_api_keys(
        tmp_path_factory.mktemp("keys"),
        {"alice-key": ("alice", ["analyst"], False), "old-key": ("bob", ["admin"], True)},
    )


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def gw(tmp_path_factory, keys, api_keys):
    async with gateway(tmp_path_factory.mktemp("gw"), make_gate(keys, api_keys)) as g:
        yield g


def _cases(keys: Keys, api_keys) -> dict[str, tuple[dict[str, str], str | None]]:
    """name → (headers, expected ErrorInfo reason or None for success)."""
    now = int(time.time())
    bearer = lambda t: {"authorization": f"Bearer {t}"}  # noqa: E731
    alice = api_keys.keys["alice-key"]
    return {
        "missing": ({}, "AUTH_MISSING"),
        "expired": (bearer(keys.token(exp=now - 120)), "AUTH_EXPIRED"),
        "nbf_in_future": (bearer(keys.token(nbf=now + 300)), "AUTH_NOT_YET_VALID"),
        "wrong_audience": (bearer(keys.token(aud="someone-else")), "AUTH_BAD_AUDIENCE"),
        "wrong_issuer": (bearer(keys.token(iss="https://evil.test")), "AUTH_BAD_ISSUER"),
        "wrong_key": (bearer(keys.token(key=keys.other_rsa)), "AUTH_BAD_SIGNATURE"),
        "unknown_kid": (bearer(keys.token(kid="rsa-9")), "AUTH_UNKNOWN_KEY"),
        "alg_none": (bearer(keys.unsigned("none")), "AUTH_BAD_ALGORITHM"),
        "alg_none_mixed_case": (bearer(keys.unsigned("NoNe")), "AUTH_BAD_ALGORITHM"),
        "hs256_with_rsa_public_key": (bearer(keys.hs256_with_public_key()), "AUTH_BAD_ALGORITHM"),
        "es256_header_on_rsa_key": (
            bearer(keys.token(key=keys.ec, alg="ES256", kid="rsa-1")),
            "AUTH_BAD_ALGORITHM",
        ),
        "missing_sub": (bearer(keys.token(sub=None)), "AUTH_MISSING_CLAIM"),
        "missing_exp": (bearer(keys.token(exp=None)), "AUTH_MISSING_CLAIM"),
        "garbage_bearer": (bearer("a.b.c"), "AUTH_MALFORMED"),
        "basic_scheme": ({"authorization": "Basic YWxpY2U6cHc="}, "AUTH_MALFORMED"),
        "api_key_unknown": ({"x-api-key": "nobody.c2VjcmV0"}, "AUTH_INVALID_API_KEY"),
        "api_key_wrong_secret": ({"x-api-key": alice.split(".")[0] + ".wrong"}, "AUTH_INVALID_API_KEY"),
        "api_key_revoked": ({"x-api-key": api_keys.keys["old-key"]}, "AUTH_KEY_REVOKED"),
        "valid_jwt_rs256": (bearer(keys.token()), None),
        "valid_jwt_es256": (bearer(keys.token(key=keys.ec, alg="ES256", kid="ec-1")), None),
        "valid_api_key_header": ({"x-api-key": alice}, None),
        "valid_api_key_bearer": (bearer(alice), None),
    }


def _names() -> list[str]:
    # The case names without building keys at collection time.
    return [
        "missing",
        "expired",
        "nbf_in_future",
        "wrong_audience",
        "wrong_issuer",
        "wrong_key",
        "unknown_kid",
        "alg_none",
        "alg_none_mixed_case",
        "hs256_with_rsa_public_key",
        "es256_header_on_rsa_key",
        "missing_sub",
        "missing_exp",
        "garbage_bearer",
        "basic_scheme",
        "api_key_unknown",
        "api_key_wrong_secret",
        "api_key_revoked",
        "valid_jwt_rs256",
        "valid_jwt_es256",
        "valid_api_key_header",
        "valid_api_key_bearer",
    ]


def test_case_list_is_complete(keys, api_keys):
    assert sorted(_cases(keys, api_keys)) == sorted(_names())


@pytest.mark.parametrize("case", _names())
async def test_grpc(gw, keys, api_keys, case):
    headers, reason = _cases(keys, api_keys)[case]
    stub = session_service_pb2_grpc.SessionServiceStub(gw.channel)
    call = stub.ListSessions(
        session_service_pb2.ListSessionsRequest(), metadata=tuple(headers.items()), timeout=10
    )
    if reason is None:
        await call
        return
    with pytest.raises(grpc.aio.AioRpcError) as info:
        await call
    code, error, _ = status_of(info.value)
    assert code == grpc.StatusCode.UNAUTHENTICATED
    assert error.reason == reason


@pytest.mark.parametrize("case", _names())
async def test_rest(gw, keys, api_keys, case):
    headers, reason = _cases(keys, api_keys)[case]
    r = await gw.http.get("/v1/sessions", headers=headers)
    if reason is None:
        assert r.status_code == 200, r.text
        return
    assert r.status_code == 401, r.text
    assert rest_reason(r.json()) == reason
    challenge = r.headers["www-authenticate"]
    assert challenge.startswith('Bearer realm="codeinterp"')
    assert ("invalid_token" in challenge) == (reason != "AUTH_MISSING")
    for value in headers.values():  # credentials are never echoed back
        assert value.split(" ")[-1] not in r.text


async def test_bad_credentials_are_refused_even_with_anonymous_enabled(tmp_path, keys, api_keys):
    anon = Principal("anonymous", frozenset({Role.ADMIN}), "anonymous")
    async with gateway(tmp_path, make_gate(keys, api_keys, anonymous=anon)) as g:
        ok = await g.http.get("/v1/sessions")
        assert ok.status_code == 200
        expired = keys.token(exp=int(time.time()) - 120)
        r = await g.http.get("/v1/sessions", headers={"authorization": f"Bearer {expired}"})
        assert r.status_code == 401 and rest_reason(r.json()) == "AUTH_EXPIRED"
        stub = session_service_pb2_grpc.SessionServiceStub(g.channel)
        await stub.ListSessions(session_service_pb2.ListSessionsRequest(), timeout=10)
        with pytest.raises(grpc.aio.AioRpcError) as info:
            await stub.ListSessions(
                session_service_pb2.ListSessionsRequest(),
                metadata=(("x-api-key", api_keys.keys["old-key"]),),
                timeout=10,
            )
        assert status_of(info.value)[1].reason == "AUTH_KEY_REVOKED"


async def test_revoking_a_key_in_the_file_takes_effect_without_restart(tmp_path, keys):
    api = make_api_keys(tmp_path, {"k1": ("carol", ["viewer"], False)})
    async with gateway(tmp_path / "gw", make_gate(keys, api)) as g:
        key = api.keys["k1"]
        assert (await g.http.get("/v1/sessions", headers={"x-api-key": key})).status_code == 200
        from codeinterp_gateway.auth.keys import sha256_entry

        api.write([sha256_entry(key, "carol", ["viewer"], revoked=True)])
        r = await g.http.get("/v1/sessions", headers={"x-api-key": key})
        assert r.status_code == 401 and rest_reason(r.json()) == "AUTH_KEY_REVOKED"


async def test_client_cannot_inject_principal_metadata(gw, api_keys):
    """`grpc-metadata-x-codeinterp-principal` over REST and `x-codeinterp-principal` over gRPC are
    ignored: identity comes from the credentials only."""
    alice = api_keys.keys["alice-key"]
    created = await gw.http.post("/v1/sessions", json={"display_name": "mine"}, headers={"x-api-key": alice})
    assert created.status_code == 200, created.text
    forged = await gw.http.post(
        "/v1/settings:restoreDefaults",
        json={},
        headers={
            "x-api-key": alice,
            "grpc-metadata-x-codeinterp-principal": "root",
            "grpc-metadata-x-codeinterp-roles": "admin",
        },
    )
    assert forged.status_code == 403 and rest_reason(forged.json()) == "ROLE_REQUIRED", forged.text
    stub = session_service_pb2_grpc.SessionServiceStub(gw.channel)
    with pytest.raises(grpc.aio.AioRpcError) as info:
        await stub.ListSessions(
            session_service_pb2.ListSessionsRequest(),
            metadata=(("x-codeinterp-principal", "root"), ("x-codeinterp-roles", "admin")),
            timeout=10,
        )
    assert status_of(info.value)[1].reason == "AUTH_MISSING"


def test_jwt_config_refuses_symmetric_algorithms(keys):
    from codeinterp_common.config import ConfigError
    from codeinterp_gateway.auth import JwtVerifier

    for algs in (["HS256"], ["none"], ["RS256", "HS512"], []):
        with pytest.raises(ConfigError):
            JwtVerifier(issuer=ISSUER, audience=AUDIENCE, jwks_file=str(keys.jwks_path), algorithms=algs)


async def test_jwks_from_a_url(tmp_path, keys):
    """The JWKS fetched over HTTP (a loopback server), cached; unknown kids are refused."""
    import http.server
    import threading

    from codeinterp_gateway.auth import JwtVerifier

    body = keys.jwks_path.read_bytes()
    hits = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - http.server API
            hits.append(self.path)
            self.send_response(200)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/jwks.json"
        verifier = JwtVerifier(issuer=ISSUER, audience=AUDIENCE, jwks_url=url)
        assert verifier.remote
        from codeinterp_common.errors import Unauthenticated

        assert verifier.verify(keys.token(sub="carol")).id == "carol"
        assert verifier.verify(keys.token(sub="dave")).id == "dave"
        assert len(hits) == 1  # cached
        with pytest.raises(Unauthenticated) as info:
            verifier.verify(keys.token(kid="rotated-away"))
        assert info.value.reason == "AUTH_UNKNOWN_KEY"
    finally:
        server.shutdown()
        server.server_close()
