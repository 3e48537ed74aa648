"""Domain errors that carry their gRPC status, and their rich google.rpc.Status form.

Every layer below the servicer raises a subclass of ServiceError; one interceptor
(codeinterp_common.server) turns it into a google.rpc.Status with ErrorInfo (and
BadRequest / RetryInfo where they apply). Nothing else ever reaches the caller:
unexpected exceptions become INTERNAL with a correlation id, never a traceback.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import grpc
from google.protobuf import any_pb2, duration_pb2
from google.rpc import code_pb2, error_details_pb2, status_pb2

DOMAIN_SUFFIX = "codeinterp.dev"


@dataclass(frozen=True)
class FieldViolation:
    field: str
    description: str


class ServiceError(Exception):
    """Base class: an error with a gRPC code, a machine-readable reason and metadata.

    `reason` is UPPER_SNAKE_CASE (AIP-193); `metadata` holds every value the message
    mentions, as strings. `domain` names the service (e.g. "gateway.codeinterp.dev").
    """

    code: grpc.StatusCode = grpc.StatusCode.UNKNOWN
    default_reason = "UNKNOWN"

    def __init__(
        self,
        message: str,
        *,
        reason: str | None = None,
        metadata: Mapping[str, object] | None = None,
        domain: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.reason = reason or self.default_reason
        self.metadata = {k: str(v) for k, v in (metadata or {}).items()}
        self.domain = domain

    def details(self) -> list[any_pb2.Any]:
        """Extra google.rpc detail messages beyond ErrorInfo (subclasses add BadRequest, RetryInfo)."""
        return []

    def to_status(self, default_domain: str = DOMAIN_SUFFIX) -> status_pb2.Status:
        info = error_details_pb2.ErrorInfo(
            reason=self.reason, domain=self.domain or default_domain, metadata=self.metadata
        )
        packed = any_pb2.Any()
        packed.Pack(info)
        status = status_pb2.Status(code=self.code.value[0], message=self.message, details=[packed])
        status.details.extend(self.details())
        return status


class InvalidArgument(ServiceError):
    code = grpc.StatusCode.INVALID_ARGUMENT
    default_reason = "INVALID_ARGUMENT"

    def __init__(
        self,
        message: str,
        *,
        field_violations: Sequence[FieldViolation] | None = None,
        field: str | None = None,
        **kwargs,
    ) -> None:
        super().__init__(message, **kwargs)
        violations = list(field_violations or [])
        if field and not violations:
            violations.append(FieldViolation(field, message))
        self.field_violations = violations

    def details(self) -> list[any_pb2.Any]:
        if not self.field_violations:
            return []
        bad = error_details_pb2.BadRequest(
            field_violations=[
                error_details_pb2.BadRequest.FieldViolation(field=v.field, description=v.description)
                for v in self.field_violations
            ]
        )
        packed = any_pb2.Any()
        packed.Pack(bad)
        return [packed]


class NotFound(ServiceError):
    code = grpc.StatusCode.NOT_FOUND
    default_reason = "NOT_FOUND"


class AlreadyExists(ServiceError):
    code = grpc.StatusCode.ALREADY_EXISTS
    default_reason = "ALREADY_EXISTS"


class FailedPrecondition(ServiceError):
    code = grpc.StatusCode.FAILED_PRECONDITION
    default_reason = "FAILED_PRECONDITION"


class Aborted(ServiceError):
    code = grpc.StatusCode.ABORTED
    default_reason = "ABORTED"


class OutOfRange(ServiceError):
    code = grpc.StatusCode.OUT_OF_RANGE
    default_reason = "OUT_OF_RANGE"


class PermissionDenied(ServiceError):
    code = grpc.StatusCode.PERMISSION_DENIED
    default_reason = "PERMISSION_DENIED"


class Unauthenticated(ServiceError):
    code = grpc.StatusCode.UNAUTHENTICATED
    default_reason = "UNAUTHENTICATED"


class Unimplemented(ServiceError):
    code = grpc.StatusCode.UNIMPLEMENTED
    default_reason = "NOT_IMPLEMENTED_YET"


class DeadlineExceeded(ServiceError):
    code = grpc.StatusCode.DEADLINE_EXCEEDED
    default_reason = "DEADLINE_EXCEEDED"


class Internal(ServiceError):
    code = grpc.StatusCode.INTERNAL
    default_reason = "INTERNAL"


class _Retryable(ServiceError):
    def __init__(self, message: str, *, retry_after: float | None = None, **kwargs) -> None:
        super().__init__(message, **kwargs)
        self.retry_after = retry_after

    def details(self) -> list[any_pb2.Any]:
        if self.retry_after is None:
            return []
        seconds = int(self.retry_after)
        info = error_details_pb2.RetryInfo(
            retry_delay=duration_pb2.Duration(seconds=seconds, nanos=int((self.retry_after - seconds) * 1e9))
        )
        packed = any_pb2.Any()
        packed.Pack(info)
        return [packed]


class ResourceExhausted(_Retryable):
    code = grpc.StatusCode.RESOURCE_EXHAUSTED
    default_reason = "RESOURCE_EXHAUSTED"


class Unavailable(_Retryable):
    code = grpc.StatusCode.UNAVAILABLE
    default_reason = "UNAVAILABLE"


# google.rpc.Code → HTTP status, from google/rpc/code.proto (FAILED_PRECONDITION stays 400).
HTTP_STATUS_BY_CODE: dict[int, int] = {
    code_pb2.OK: 200,
    code_pb2.CANCELLED: 499,
    code_pb2.UNKNOWN: 500,
    code_pb2.INVALID_ARGUMENT: 400,
    code_pb2.DEADLINE_EXCEEDED: 504,
    code_pb2.NOT_FOUND: 404,
    code_pb2.ALREADY_EXISTS: 409,
    code_pb2.PERMISSION_DENIED: 403,
    code_pb2.UNAUTHENTICATED: 401,
    code_pb2.RESOURCE_EXHAUSTED: 429,
    code_pb2.FAILED_PRECONDITION: 400,
    code_pb2.ABORTED: 409,
    code_pb2.OUT_OF_RANGE: 400,
    code_pb2.UNIMPLEMENTED: 501,
    code_pb2.INTERNAL: 500,
    code_pb2.UNAVAILABLE: 503,
    code_pb2.DATA_LOSS: 500,
}


def http_status(code: int) -> int:
    return HTTP_STATUS_BY_CODE.get(code, 500)


def not_implemented_yet(what: str, issue: int, *, domain: str | None = None) -> Unimplemented:
    """The honest answer of a method whose domain lands in a later issue."""
    return Unimplemented(
        f"{what} is not implemented yet; it arrives with issue #{issue}",
        reason="NOT_IMPLEMENTED_YET",
        metadata={"method": what, "issue": issue},
        domain=domain,
    )


class Upstream(ServiceError):
    """An error a downstream service returned, passed on unchanged (code, message, details)."""

    def __init__(self, status: status_pb2.Status) -> None:
        super().__init__(status.message)
        self.status = status
        self.code = _CODE_BY_VALUE.get(status.code, grpc.StatusCode.UNKNOWN)

    def to_status(self, default_domain: str = DOMAIN_SUFFIX) -> status_pb2.Status:
        return self.status


_CODE_BY_VALUE = {c.value[0]: c for c in grpc.StatusCode}


def from_rpc_error(err: grpc.aio.AioRpcError | grpc.RpcError) -> Upstream:
    """Converts a client-side gRPC error into an Upstream error with its rich details."""
    from grpc_status import rpc_status  # local import: only callers of downstream services need it

    status = None
    try:
        status = rpc_status.from_call(err)  # type: ignore[arg-type]
    except Exception:  # noqa: BLE001 - malformed details: fall back to code + message
        status = None
    if status is None:
        code = err.code()
        status = status_pb2.Status(code=code.value[0], message=err.details() or code.name)
    return Upstream(status)
