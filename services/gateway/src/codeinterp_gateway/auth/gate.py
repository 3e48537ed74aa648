"""The one admission path for client calls, used by the gRPC interceptor and the REST app alike:
authenticate (API key, JWT, or the anonymous principal when enabled) → authorize against the
role matrix → per-principal quotas. Credentials are never logged."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from codeinterp_common.auth import (
    JOB_METHODS,
    METHOD_ACCESS,
    Access,
    Principal,
    authorize,
    is_open,
    parse_roles,
)
from codeinterp_common.errors import ServiceError, Unauthenticated
from codeinterp_gateway.auth.keys import ApiKeyStore
from codeinterp_gateway.auth.quotas import ConcurrencyLimiter, RateLimiter

if TYPE_CHECKING:  # PyJWT is imported only when OIDC/JWT is configured (start-up time, G11)
    from codeinterp_gateway.auth.jwt_verifier import JwtVerifier

Getter = Callable[[str], str | None]
Release = Callable[[], Awaitable[None]]


class Authenticator:
    def __init__(
        self,
        *,
        api_keys: ApiKeyStore | None = None,
        jwt: JwtVerifier | None = None,
        anonymous: Principal | None = None,
    ) -> None:
        self.api_keys = api_keys
        self.jwt = jwt
        self.anonymous = anonymous

    async def authenticate(self, get: Getter) -> Principal:
        api_key = get("x-api-key")
        header = get("authorization")
        if api_key is None and header is None:
            if self.anonymous is not None:
                return self.anonymous
            raise Unauthenticated(
                "credentials are required (an API key or a bearer token)", reason="AUTH_MISSING"
            )
        if api_key is not None:
            return self._api_key(api_key.strip())
        scheme, _, token = (header or "").strip().partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            raise Unauthenticated(
                "the authorization header must be `Bearer <token>`", reason="AUTH_MALFORMED"
            )
        if token.count(".") == 2:  # a JWS compact serialisation; API keys have one dot
            if self.jwt is None:
                raise Unauthenticated("bearer tokens are not accepted here", reason="AUTH_JWT_NOT_CONFIGURED")
            if self.jwt.remote:
                return await asyncio.to_thread(self.jwt.verify, token)
            return self.jwt.verify(token)
        return self._api_key(token)

    def _api_key(self, key: str) -> Principal:
        if self.api_keys is None:
            raise Unauthenticated("API keys are not accepted here", reason="AUTH_INVALID_API_KEY")
        return self.api_keys.verify(key)


@dataclass
class Gate:
    authenticator: Authenticator
    matrix: Mapping[str, Access] = field(default_factory=lambda: METHOD_ACCESS)
    rate: RateLimiter = field(default_factory=lambda: RateLimiter(0))
    jobs: ConcurrencyLimiter = field(default_factory=lambda: ConcurrencyLimiter(0))

    async def admit(self, method: str, get: Getter) -> tuple[Principal | None, Release | None]:
        """(principal, release) for a call of `method` (`/pkg.Service/Method`); raises
        UNAUTHENTICATED, PERMISSION_DENIED or RESOURCE_EXHAUSTED. Call `release()` when the
        call ends (it frees the concurrent-jobs slot)."""
        if is_open(method):
            return None, None
        if self.matrix.get(method) is Access.SIGNED_URL:
            return None, None  # the signed, expiring token in the request is the credential
        principal = await self.authenticator.authenticate(get)
        authorize(principal, method, self.matrix)
        self.rate.take(principal.id)
        if method in JOB_METHODS:
            done = self.jobs.acquire(principal.id)

            async def release() -> None:
                done()

            return principal, release
        return principal, None


def www_authenticate(err: ServiceError) -> list[tuple[bytes, bytes]]:
    """RFC 6750 challenge for a 401 (no error attribute when no credentials were sent)."""
    if err.reason == "AUTH_MISSING":
        return [(b"www-authenticate", b'Bearer realm="codeinterp"')]
    return [(b"www-authenticate", b'Bearer realm="codeinterp", error="invalid_token"')]


def build_gate(settings) -> Gate:
    """The gate from GatewaySettings (CODEINTERP_AUTH_* and CODEINTERP_QUOTA_*)."""
    api_keys = ApiKeyStore(settings.auth_api_keys_file) if settings.auth_api_keys_file else None
    verifier = None
    if settings.auth_jwt_issuer or settings.auth_jwks_file or settings.auth_jwks_url:
        from codeinterp_gateway.auth.jwt_verifier import JwtVerifier

        verifier = JwtVerifier(
            issuer=settings.auth_jwt_issuer,
            audience=settings.auth_jwt_audience,
            jwks_file=settings.auth_jwks_file,
            jwks_url=settings.auth_jwks_url,
            algorithms=[a.strip() for a in settings.auth_jwt_algorithms.split(",") if a.strip()],
            leeway_s=settings.auth_jwt_leeway_s,
            roles_claim=settings.auth_jwt_roles_claim,
            default_roles=parse_roles(settings.auth_jwt_default_roles),
        )
    anonymous = None
    if settings.auth_anonymous:
        anonymous = Principal(
            settings.auth_anonymous_principal, parse_roles(settings.auth_anonymous_roles), "anonymous"
        )
    return Gate(
        Authenticator(api_keys=api_keys, jwt=verifier, anonymous=anonymous),
        rate=RateLimiter(settings.quota_requests_per_minute),
        jobs=ConcurrencyLimiter(settings.quota_concurrent_jobs),
    )
