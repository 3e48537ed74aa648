"""Client authentication, authorization and quotas at the gateway (issue 7).

`Gate` (gate.py) is the single admission path used by both the gRPC interceptor
(interceptor.py) and the REST transcoder; keys.py (hashed API keys from a file / Secret),
jwt_verifier.py (OIDC/JWT against a JWKS), quotas.py (rate and concurrency per principal).
The role matrix itself is `codeinterp_common.auth.METHOD_ACCESS` (the backends check it too).
"""

from codeinterp_gateway.auth.gate import Authenticator, Gate, build_gate, www_authenticate
from codeinterp_gateway.auth.interceptor import GatewayAuthInterceptor
from codeinterp_gateway.auth.jwt_verifier import JwtVerifier
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
