"""Client authentication, authorization and quotas at the gateway (issue 7).

`Gate` (gate.py) is the single admission path used by both the gRPC interceptor
(interceptor.py) and the REST transcoder; keys.py (hashed API keys from a file / Secret),
jwt_verifier.py (OIDC/JWT against a JWKS), quotas.py (rate and concurrency per principal).
The role matrix itself is `codeinterp_common.auth.METHOD_ACCESS` (the backends check it too).
"""

from codeinterp_gateway.auth.gate import Authenticator, Gate, build_gate, www_authenticate
from codeinterp_gateway.auth.interceptor import GatewayAuthInterceptor
from codeinterp_gateway.auth.keys import ApiKey, ApiKeyStore
from codeinterp_gateway.auth.quotas import ConcurrencyLimiter, RateLimiter

__all__ = [
    "ApiKey",
    "ApiKeyStore",
    "Authenticator",
    "ConcurrencyLimiter",
    "Gate",
    "GatewayAuthInterceptor",
    "JwtVerifier",
    "RateLimiter",
    "build_gate",
    "www_authenticate",
]


def __getattr__(name: str):
    # PyJWT + cryptography cost ~0.2 s (idle) to ~1 s (busy) of the gateway's start-up:
    # imported only when OIDC/JWT is configured (G11, docs/performance.md).
    if name == "JwtVerifier":
        from codeinterp_gateway.auth.jwt_verifier import JwtVerifier

        return JwtVerifier
    raise AttributeError(name)
