"""OIDC / JWT bearer tokens, verified with PyJWT against a JWKS (file or URL).

Checked: the signature with a key of the JWKS chosen by `kid` (or the only key), the
algorithm (from an explicit allow-list, and only algorithms of the key's own type: an RSA key
is never used as an HMAC secret, `alg: none` and every HS* algorithm are refused), and the
claims `exp`, `nbf`, `iss`, `aud` (all of exp/iss/aud/sub required) with a small leeway.
The principal is `sub`; roles come from the `roles_claim` claim (a list or a space- or
comma-separated string) plus `default_roles`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import jwt
from jwt import PyJWK, PyJWKClient, PyJWKSet

from codeinterp_common.auth import Principal, Role, parse_roles
from codeinterp_common.config import ConfigError
from codeinterp_common.errors import Unauthenticated

# Asymmetric algorithms per JWK key type. Symmetric (oct) keys are never accepted.
_BY_KTY = {
    "RSA": frozenset({"RS256", "RS384", "RS512", "PS256", "PS384", "PS512"}),
    "EC": frozenset({"ES256", "ES384", "ES512"}),
    "OKP": frozenset({"EdDSA"}),
}
_ASYMMETRIC = frozenset().union(*_BY_KTY.values())


def _fail(reason: str, message: str) -> Unauthenticated:
    return Unauthenticated(message, reason=reason)


class JwtVerifier:
    def __init__(
        self,
        *,
        issuer: str,
        audience: str,
        jwks_file: str = "",
        jwks_url: str = "",
        algorithms: Sequence[str] = ("RS256", "ES256"),
        leeway_s: float = 30.0,
        roles_claim: str = "roles",
        default_roles: frozenset[Role] = frozenset(),
    ) -> None:
        if not issuer or not audience:
            raise ConfigError("JWT verification needs both an issuer and an audience")
        if bool(jwks_file) == bool(jwks_url):
            raise ConfigError("JWT verification needs exactly one of a JWKS file or a JWKS URL")
        bad = [a for a in algorithms if a not in _ASYMMETRIC]
        if bad or not algorithms:
            raise ConfigError(
                f"JWT algorithms must be asymmetric ({', '.join(sorted(_ASYMMETRIC))}); got {bad}"
            )
        if leeway_s < 0 or leeway_s > 300:
            raise ConfigError("JWT leeway must be between 0 and 300 seconds")
        self.issuer = issuer
        self.audience = audience
        self.algorithms = frozenset(algorithms)
        self.leeway = leeway_s
        self.roles_claim = roles_claim
        self.default_roles = default_roles
        self._keys: PyJWKSet | None = None
        self._client: PyJWKClient | None = None
        if jwks_file:
            try:
                self._keys = PyJWKSet.from_dict(json.loads(Path(jwks_file).read_text()))
            except (OSError, ValueError, jwt.PyJWKSetError) as exc:
                raise ConfigError(f"cannot load the JWKS file {jwks_file}: {exc}") from None
        else:
            self._client = PyJWKClient(jwks_url, cache_keys=True, lifespan=300, timeout=5)

    @property
    def remote(self) -> bool:
        """True when verification may fetch the JWKS over the network (call it in a thread)."""
        return self._client is not None

    def _key(self, kid: str | None) -> PyJWK:
        try:
            if self._client is not None:
                if kid:
                    return self._client.get_signing_key(kid)
                keys = self._client.get_signing_keys()
            else:
                assert self._keys is not None
                if kid:
                    return self._keys[kid]
                keys = list(self._keys.keys)
        except KeyError:
            raise _fail("AUTH_UNKNOWN_KEY", "the token's signing key is not in the JWKS") from None
        except jwt.PyJWKClientError as exc:
            if "Unable to find" in str(exc):
                raise _fail("AUTH_UNKNOWN_KEY", "the token's signing key is not in the JWKS") from None
            raise Unauthenticated("the JWKS could not be fetched", reason="AUTH_JWKS_UNAVAILABLE") from None
        if len(keys) != 1:
            raise _fail("AUTH_UNKNOWN_KEY", "the token has no kid and the JWKS has several keys")
        return keys[0]

    def verify(self, token: str) -> Principal:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.DecodeError:
            raise _fail("AUTH_MALFORMED", "the bearer token is not a well-formed JWT") from None
        alg = header.get("alg")
        if not isinstance(alg, str) or alg not in self.algorithms:
            raise _fail("AUTH_BAD_ALGORITHM", f"JWT algorithm {str(alg)[:20]!r} is not accepted")
        kid = header.get("kid")
        key = self._key(kid if isinstance(kid, str) else None)
        allowed = _BY_KTY.get(key.key_type, frozenset()) & self.algorithms
        declared = getattr(key, "_jwk_data", {}).get("alg")
        if alg not in allowed or (declared and declared != alg):
            raise _fail("AUTH_BAD_ALGORITHM", f"JWT algorithm {alg} does not match the signing key")
        try:
            claims = jwt.decode(
                token,
                key=key.key,
                algorithms=[alg],
                audience=self.audience,
                issuer=self.issuer,
                leeway=self.leeway,
                options={"require": ["exp", "iss", "aud", "sub"], "verify_signature": True},
            )
        except jwt.ExpiredSignatureError:
            raise _fail("AUTH_EXPIRED", "the token has expired") from None
        except jwt.ImmatureSignatureError:
            raise _fail("AUTH_NOT_YET_VALID", "the token is not valid yet (nbf/iat in the future)") from None
        except jwt.InvalidAudienceError:
            raise _fail("AUTH_BAD_AUDIENCE", "the token is not for this audience") from None
        except jwt.InvalidIssuerError:
            raise _fail("AUTH_BAD_ISSUER", "the token's issuer is not trusted") from None
        except jwt.InvalidSignatureError:
            raise _fail("AUTH_BAD_SIGNATURE", "the token's signature does not verify") from None
        except jwt.MissingRequiredClaimError as exc:
            raise _fail("AUTH_MISSING_CLAIM", f"the token lacks the {exc.claim} claim") from None
        except jwt.InvalidTokenError:
            raise _fail("AUTH_MALFORMED", "the bearer token is not valid") from None
        sub = claims.get("sub")
        if not isinstance(sub, str) or not sub or len(sub) > 256:
            raise _fail("AUTH_MISSING_CLAIM", "the token's sub claim is not a usable principal")
        raw = claims.get(self.roles_claim, [])
        roles = parse_roles(raw if isinstance(raw, (str, list)) else [])
        return Principal(sub, roles | self.default_roles, "jwt")
