"""Who is calling, what they may call, and how the services trust each other.

* `Principal` — a verified caller (`id`, `roles`). The gateway authenticates clients (API
  keys, OIDC/JWT, or the anonymous local user when enabled) and forwards the principal to
  the backends in metadata (`x-codeinterp-principal`, `x-codeinterp-roles`). The current
  principal of an RPC lives in a context variable (`current_principal()`), set by the server
  interceptors and by the gateway's in-process invoker.
* `METHOD_ACCESS` — the declared role matrix: every RPC of the four services → the lowest
  role that may call it (`viewer` < `analyst` < `admin`), or `signed_url` for the one method
  whose credential is a signed URL token. A method that is not declared is refused
  (PERMISSION_DENIED, reason METHOD_NOT_DECLARED): new RPCs are denied until they get an
  entry, and a unit test fails while any RPC of the descriptors lacks one.
* Backends accept calls only from the gateway (and each other): when `service_token` is set
  (a Kubernetes Secret in Helm), every call must carry it in `x-codeinterp-service-token`
  (compared in constant time) or gets UNAUTHENTICATED. The principal metadata is trusted
  only on such calls. With no token configured (the embedded default, where every service
  binds 127.0.0.1) the backends trust loopback callers; a call without principal metadata is
  an internal call between services and runs as the `service` principal (admin).
* Ownership: sessions, datasets, jobs and results belong to the principal that created them;
  `can_see(principal, owner)` is the one rule (admins see everything, others their own).
"""

from __future__ import annotations

import contextvars
import enum
import hmac
import logging
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import grpc

from codeinterp_common.errors import PermissionDenied, Unauthenticated

log = logging.getLogger(__name__)

PRINCIPAL_KEY = "x-codeinterp-principal"
ROLES_KEY = "x-codeinterp-roles"
SERVICE_TOKEN_KEY = "x-codeinterp-service-token"
# Metadata a client may never set itself: the gateway drops it from incoming requests.
RESERVED_PREFIX = "x-codeinterp-"
OWNER_LABEL = "owner"


class Role(enum.IntEnum):
    VIEWER = 1
    ANALYST = 2
    ADMIN = 3

    @classmethod
    def parse(cls, name: str) -> Role | None:
        try:
            return cls[name.strip().upper()]
        except KeyError:
            return None


class Access(enum.Enum):
    """What a method requires. Roles are ordered; SIGNED_URL needs no principal (the signed
    upload token in the request is the credential, like an S3 presigned URL)."""

    VIEWER = "viewer"
    ANALYST = "analyst"
    ADMIN = "admin"
    SIGNED_URL = "signed_url"

    @property
    def role(self) -> Role | None:
        return None if self is Access.SIGNED_URL else Role[self.name]


@dataclass(frozen=True)
class Principal:
    id: str
    roles: frozenset[Role] = frozenset()
    method: str = ""  # api_key, jwt, anonymous, service, gateway (how it was established)

    @property
    def top(self) -> Role | None:
        return max(self.roles) if self.roles else None

    def has(self, role: Role) -> bool:
        top = self.top
        return top is not None and top >= role

    @property
    def is_admin(self) -> bool:
        return self.has(Role.ADMIN)


SERVICE_PRINCIPAL = Principal("service", frozenset({Role.ADMIN}), "service")

_current: contextvars.ContextVar[Principal | None] = contextvars.ContextVar(
    "codeinterp_principal", default=None
)


def current_principal() -> Principal | None:
    """The principal of the RPC being served, or None outside one (tests, start-up)."""
    return _current.get()


def set_principal(principal: Principal | None) -> contextvars.Token:
    return _current.set(principal)


def reset_principal(token: contextvars.Token) -> None:
    try:
        _current.reset(token)
    except ValueError:  # reset from another context (a finalised generator): harmless
        pass


def owner_filter(principal: Principal | None = None) -> str | None:
    """The owner a query must be restricted to: None (no restriction) for admins, internal
    calls and code running outside an RPC; the principal id otherwise."""
    p = principal if principal is not None else current_principal()
    if p is None or p.is_admin:
        return None
    return p.id


def can_see(owner: str, principal: Principal | None = None) -> bool:
    wanted = owner_filter(principal)
    return wanted is None or hmac.compare_digest(owner.encode(), wanted.encode())


def current_owner() -> str:
    """The id new resources are recorded under ("" outside an RPC)."""
    p = current_principal()
    return p.id if p is not None else ""


def format_roles(roles: Iterable[Role]) -> str:
    return ",".join(sorted(r.name.lower() for r in roles))


def parse_roles(value: str | Iterable[str]) -> frozenset[Role]:
    items = value.replace(",", " ").split() if isinstance(value, str) else list(value)
    return frozenset(r for r in (Role.parse(str(x)) for x in items) if r is not None)


def principal_metadata(principal: Principal) -> tuple[tuple[str, str], ...]:
    return ((PRINCIPAL_KEY, principal.id), (ROLES_KEY, format_roles(principal.roles)))


def metadata_value(metadata: Iterable[tuple[str, str | bytes]] | None, key: str) -> str | None:
    for k, v in metadata or ():
        if k == key:
            return v if isinstance(v, str) else v.decode("latin-1")
    return None


def principal_from_metadata(metadata: Iterable[tuple[str, str | bytes]] | None) -> Principal | None:
    items = list(metadata or ())
    pid = metadata_value(items, PRINCIPAL_KEY)
    if not pid:
        return None
    return Principal(pid, parse_roles(metadata_value(items, ROLES_KEY) or ""), "gateway")


def strip_reserved(metadata: Iterable[tuple[str, str | bytes]]) -> list[tuple[str, str | bytes]]:
    """Client metadata without our trusted keys and without credentials."""
    return [
        (k, v)
        for k, v in metadata
        if not k.startswith(RESERVED_PREFIX) and k not in ("authorization", "x-api-key")
    ]


def token_matches(presented: str | None, expected: str) -> bool:
    if not presented:
        return False
    return hmac.compare_digest(presented.encode("utf-8", "replace"), expected.encode("utf-8"))


# ---------------------------------------------------------------------------------------------
# The role matrix
# ---------------------------------------------------------------------------------------------

V, A, AD, S = Access.VIEWER, Access.ANALYST, Access.ADMIN, Access.SIGNED_URL

_DECLARED: dict[str, dict[str, Access]] = {
    "codeinterp.gateway.v1.SessionService": {
        "CreateSession": A,
        "GetSession": V,
        "ListSessions": V,
        "UpdateSession": A,
        "DeleteSession": A,
        "SelectTables": A,
        "ResetSession": A,
        "ListHistory": V,
    },
    "codeinterp.gateway.v1.DatasetService": {
        "CreateDataset": A,
        "UploadDatasetContent": A,
        "StreamUploadDataset": A,
        "CreateDatasetUpload": A,
        "PutUploadContent": S,
        "CommitDatasetUpload": A,
        "GetDataset": V,
        "ListDatasets": V,
        "DeleteDataset": A,
    },
    "codeinterp.gateway.v1.CatalogService": {"ListDatabases": V, "ListTables": V, "GetTable": V},
    "codeinterp.gateway.v1.SettingsService": {
        "GetSettings": V,
        "UpdateSettings": AD,
        "RestoreDefaultSettings": AD,
    },
    "codeinterp.gateway.v1.AskService": {"Ask": A, "Generate": A, "Execute": A},
    "codeinterp.codegen.v1.CodegenService": {"GenerateCode": A, "ListModels": V},
    "codeinterp.sparksupervisor.v1.SparkSupervisorService": {
        "ValidateCode": A,
        "CreateSparkJob": A,
        "GetSparkJob": V,
        "ListSparkJobs": V,
        "CancelSparkJob": A,
        "WatchSparkJob": V,
        "ListResultRows": V,
        "ExportSparkJob": V,
        "Solve": A,
        "GetPlatformStatus": V,
        "GetSparkConfig": AD,
    },
    "codeinterp.raysupervisor.v1.RaySupervisorService": {
        "ValidateCode": A,
        "CreateRayJob": A,
        "GetRayJob": V,
        "ListRayJobs": V,
        "CancelRayJob": A,
        "WatchRayJob": V,
        "ListResultRows": V,
        "ExportRayJob": V,
        "Solve": A,
        "GetClusterStatus": V,
        "ScaleWorkerGroup": AD,
    },
}

METHOD_ACCESS: Mapping[str, Access] = {
    f"/{service}/{method}": access
    for service, methods in _DECLARED.items()
    for method, access in methods.items()
}

# Methods that start work running an engine (counted by the concurrent-jobs quota).
JOB_METHODS = frozenset(
    {
        "/codeinterp.gateway.v1.AskService/Ask",
        "/codeinterp.gateway.v1.AskService/Generate",
        "/codeinterp.gateway.v1.AskService/Execute",
        "/codeinterp.sparksupervisor.v1.SparkSupervisorService/Solve",
        "/codeinterp.raysupervisor.v1.RaySupervisorService/Solve",
    }
)


def is_open(method: str) -> bool:
    """Health and reflection: no credentials needed."""
    return method.startswith("/grpc.")


def authorize(principal: Principal | None, method: str, matrix: Mapping[str, Access] = METHOD_ACCESS) -> None:
    """PERMISSION_DENIED unless `principal` may call `method` (full name `/pkg.Service/Method`)."""
    access = matrix.get(method)
    if access is None:
        raise PermissionDenied(
            f"method {method} is not declared in the role matrix",
            reason="METHOD_NOT_DECLARED",
            metadata={"method": method},
        )
    role = access.role
    if role is None:
        return
    if principal is None:
        raise Unauthenticated("credentials are required", reason="AUTH_MISSING", metadata={"method": method})
    if not principal.has(role):
        raise PermissionDenied(
            f"{method} requires the {role.name.lower()} role",
            reason="ROLE_REQUIRED",
            metadata={"method": method, "required_role": role.name.lower()},
        )


# ---------------------------------------------------------------------------------------------
# Backend side: service token + principal from metadata
# ---------------------------------------------------------------------------------------------


class ServiceAuthInterceptor(grpc.aio.ServerInterceptor):
    """Installed on the backends (codegen, spark-supervisor, ray-supervisor).

    With `service_token`: calls without the matching `x-codeinterp-service-token` get
    UNAUTHENTICATED (reason SERVICE_TOKEN_INVALID). The principal comes from metadata (set by
    the gateway); a call without one is an internal service call (admin). The role matrix is
    checked again here (defence in depth). Must come after the shared ServerInterceptor in
    the interceptor list, so its errors become rich statuses."""

    def __init__(self, service_token: str = "", matrix: Mapping[str, Access] = METHOD_ACCESS) -> None:
        self.service_token = service_token
        self.matrix = matrix

    def check(self, method: str, metadata: Sequence[tuple[str, str | bytes]] | None) -> Principal:
        if self.service_token and not token_matches(
            metadata_value(metadata, SERVICE_TOKEN_KEY), self.service_token
        ):
            raise Unauthenticated(
                "this service accepts calls from the gateway only",
                reason="SERVICE_TOKEN_INVALID",
                metadata={"method": method},
            )
        principal = principal_from_metadata(metadata) or SERVICE_PRINCIPAL
        authorize(principal, method, self.matrix)
        return principal

    async def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], Awaitable[grpc.RpcMethodHandler]],
        details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler:
        handler = await continuation(details)
        if handler is None or is_open(details.method):
            return handler
        method = details.method

        def resolve(context: Any) -> Principal:
            return self.check(method, context.invocation_metadata())

        return wrap_handler(handler, resolve)


def wrap_handler(handler: grpc.RpcMethodHandler, resolve: Callable[[Any], Any]) -> grpc.RpcMethodHandler:
    """The same handler, running `resolve(context)` first (it may raise a ServiceError, or
    return a Principal, or an async context manager yielding one) with the principal bound to
    the context variable for the whole call."""

    def unary(behavior):
        async def wrapper(request, context):
            principal, release = await _enter(resolve(context))
            token = set_principal(principal)
            try:
                return await behavior(request, context)
            finally:
                reset_principal(token)
                if release is not None:
                    await release()

        return wrapper

    def stream(behavior):
        async def wrapper(request, context):
            principal, release = await _enter(resolve(context))
            token = set_principal(principal)
            try:
                async for item in behavior(request, context):
                    yield item
            finally:
                reset_principal(token)
                if release is not None:
                    await release()

        return wrapper

    kw = dict(
        request_deserializer=handler.request_deserializer, response_serializer=handler.response_serializer
    )
    if handler.unary_unary:
        return grpc.unary_unary_rpc_method_handler(unary(handler.unary_unary), **kw)
    if handler.unary_stream:
        return grpc.unary_stream_rpc_method_handler(stream(handler.unary_stream), **kw)
    if handler.stream_unary:
        return grpc.stream_unary_rpc_method_handler(unary(handler.stream_unary), **kw)
    if handler.stream_stream:
        return grpc.stream_stream_rpc_method_handler(stream(handler.stream_stream), **kw)
    return handler


async def _enter(result: Any) -> tuple[Principal | None, Callable[[], Awaitable[None]] | None]:
    if isinstance(result, Awaitable):
        result = await result
    if isinstance(result, tuple):
        return result[0], result[1]
    return result, None


# ---------------------------------------------------------------------------------------------
# Client side: the service token (and the current principal) on every outgoing call
# ---------------------------------------------------------------------------------------------


def _outgoing(metadata: Any, service_token: str) -> list[tuple[str, str | bytes]]:
    items = list(metadata or ())
    keys = {k for k, _ in items}
    if service_token and SERVICE_TOKEN_KEY not in keys:
        items.append((SERVICE_TOKEN_KEY, service_token))
    if PRINCIPAL_KEY not in keys:
        p = current_principal()
        if p is not None and p is not SERVICE_PRINCIPAL:
            items.extend(principal_metadata(p))
    return items


class _ClientAuth:
    def __init__(self, service_token: str) -> None:
        self.service_token = service_token

    def _details(self, d: grpc.aio.ClientCallDetails) -> grpc.aio.ClientCallDetails:
        return grpc.aio.ClientCallDetails(
            d.method,
            d.timeout,
            grpc.aio.Metadata(*_outgoing(d.metadata, self.service_token)),
            d.credentials,
            d.wait_for_ready,
        )


# grpc.aio files each interceptor under the first call kind it matches (if/elif), so one
# class per kind.
class _UnaryUnaryAuth(_ClientAuth, grpc.aio.UnaryUnaryClientInterceptor):
    async def intercept_unary_unary(self, continuation, client_call_details, request):
        return await continuation(self._details(client_call_details), request)


class _UnaryStreamAuth(_ClientAuth, grpc.aio.UnaryStreamClientInterceptor):
    async def intercept_unary_stream(self, continuation, client_call_details, request):
        return await continuation(self._details(client_call_details), request)


class _StreamUnaryAuth(_ClientAuth, grpc.aio.StreamUnaryClientInterceptor):
    async def intercept_stream_unary(self, continuation, client_call_details, request_iterator):
        return await continuation(self._details(client_call_details), request_iterator)


class _StreamStreamAuth(_ClientAuth, grpc.aio.StreamStreamClientInterceptor):
    async def intercept_stream_stream(self, continuation, client_call_details, request_iterator):
        return await continuation(self._details(client_call_details), request_iterator)


def client_interceptors(service_token: str) -> list[Any]:
    """Interceptors for a channel to another service: they add the service token (when set)
    and the current principal (when the call is made on behalf of one)."""
    return [
        cls(service_token) for cls in (_UnaryUnaryAuth, _UnaryStreamAuth, _StreamUnaryAuth, _StreamStreamAuth)
    ]
