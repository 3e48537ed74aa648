"""The one server interceptor every service installs.

For each RPC it: binds a request id (from `x-request-id` metadata or a new one) to the
logging context; enforces a deadline when the caller set none; turns ServiceError into a
rich google.rpc.Status (ErrorInfo, BadRequest, RetryInfo) and any other exception into
INTERNAL with a correlation id (the traceback goes to our log only); counts and times the
RPC with go-grpc-prometheus metric names.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import grpc
from grpc_status import rpc_status

from codeinterp_common import metrics
from codeinterp_common.errors import DeadlineExceeded, Internal, ServiceError
from codeinterp_common.logs import request_id_var

log = logging.getLogger(__name__)

_UNLIMITED = 10**8


def _metadata_value(context: grpc.aio.ServicerContext, key: str) -> str | None:
    for k, v in context.invocation_metadata() or ():
        if k == key:
            return v if isinstance(v, str) else v.decode()
    return None


def _split(method: str) -> tuple[str, str]:
    _, service, name = method.split("/", 2) if method.count("/") >= 2 else ("", "", method)
    return service, name


class ServerInterceptor(grpc.aio.ServerInterceptor):
    def __init__(self, domain: str, *, max_rpc_s: float = 900.0) -> None:
        self.domain = domain
        self.max_rpc_s = max_rpc_s

    async def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], Awaitable[grpc.RpcMethodHandler]],
        handler_call_details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler:
        handler = await continuation(handler_call_details)
        if handler is None:
            return handler
        service, name = _split(handler_call_details.method)
        if service.startswith("grpc."):
            return handler  # health and reflection: no wrapping
        if handler.unary_unary:
            return grpc.unary_unary_rpc_method_handler(
                self._wrap_unary(handler.unary_unary, service, name, "unary"),
                request_deserializer=handler.request_deserializer,
                response_serializer=handler.response_serializer,
            )
        if handler.unary_stream:
            return grpc.unary_stream_rpc_method_handler(
                self._wrap_stream(handler.unary_stream, service, name, "server_stream"),
                request_deserializer=handler.request_deserializer,
                response_serializer=handler.response_serializer,
            )
        if handler.stream_unary:
            return grpc.stream_unary_rpc_method_handler(
                self._wrap_unary(handler.stream_unary, service, name, "client_stream"),
                request_deserializer=handler.request_deserializer,
                response_serializer=handler.response_serializer,
            )
        if handler.stream_stream:
            return grpc.stream_stream_rpc_method_handler(
                self._wrap_stream(handler.stream_stream, service, name, "bidi_stream"),
                request_deserializer=handler.request_deserializer,
                response_serializer=handler.response_serializer,
            )
        return handler

    def _begin(self, context: grpc.aio.ServicerContext) -> Any:
        rid = _metadata_value(context, "x-request-id") or uuid.uuid4().hex
        return request_id_var.set(rid)

    async def _fail(self, context: grpc.aio.ServicerContext, exc: BaseException, service: str, name: str) -> None:
        if isinstance(exc, ServiceError):
            err = exc
            if err.code == grpc.StatusCode.INTERNAL:
                log.error("internal error", extra={"grpc_method": f"{service}/{name}"})
        elif isinstance(exc, asyncio.TimeoutError):
            err = DeadlineExceeded(
                f"{name} did not finish within the server's limit of {self.max_rpc_s:g} s",
                reason="SERVER_DEADLINE_EXCEEDED",
                metadata={"limit_seconds": self.max_rpc_s},
            )
        else:
            correlation = uuid.uuid4().hex[:12]
            log.exception(
                "unexpected error", extra={"grpc_method": f"{service}/{name}", "correlation_id": correlation}
            )
            err = Internal(
                f"internal error (correlation id {correlation})",
                reason="INTERNAL",
                metadata={"correlation_id": correlation},
            )
        status = err.to_status(self.domain)
        await context.abort_with_status(rpc_status.to_status(status))

    def _wrap_unary(self, behavior, service: str, name: str, kind: str):
        async def wrapper(request_or_iterator, context: grpc.aio.ServicerContext):
            token = self._begin(context)
            metrics.STARTED.labels(kind, service, name).inc()
            start = time.perf_counter()
            code = "OK"
            try:
                remaining = context.time_remaining()
                if remaining is None or remaining > _UNLIMITED:
                    return await asyncio.wait_for(behavior(request_or_iterator, context), self.max_rpc_s)
                return await behavior(request_or_iterator, context)
            except (TimeoutError, ServiceError) as exc:
                code = getattr(exc, "code", grpc.StatusCode.DEADLINE_EXCEEDED).name
                await self._fail(context, exc, service, name)
            except Exception as exc:  # noqa: BLE001 - mapped to INTERNAL, logged with traceback
                if _is_abort(exc):
                    code = _context_code(context)
                    raise
                code = "INTERNAL"
                await self._fail(context, exc, service, name)
            finally:
                metrics.HANDLED.labels(kind, service, name, code).inc()
                metrics.HANDLING_SECONDS.labels(kind, service, name).observe(time.perf_counter() - start)
                request_id_var.reset(token)

        return wrapper

    def _wrap_stream(self, behavior, service: str, name: str, kind: str):
        async def wrapper(request_or_iterator, context: grpc.aio.ServicerContext) -> AsyncIterator[Any]:
            token = self._begin(context)
            metrics.STARTED.labels(kind, service, name).inc()
            start = time.perf_counter()
            code = "OK"
            try:
                async for item in behavior(request_or_iterator, context):
                    yield item
            except ServiceError as exc:
                code = exc.code.name
                await self._fail(context, exc, service, name)
            except Exception as exc:  # noqa: BLE001
                if _is_abort(exc):
                    code = _context_code(context)
                    raise
                code = "INTERNAL"
                await self._fail(context, exc, service, name)
            finally:
                metrics.HANDLED.labels(kind, service, name, code).inc()
                metrics.HANDLING_SECONDS.labels(kind, service, name).observe(time.perf_counter() - start)
                request_id_var.reset(token)

        return wrapper


def _is_abort(exc: BaseException) -> bool:
    # context.abort() raises grpc.aio.AbortError (an internal type): let it through.
    return type(exc).__name__ in ("AbortError", "UsageError", "InternalError") or isinstance(
        exc, asyncio.CancelledError
    )


def _context_code(context: grpc.aio.ServicerContext) -> str:
    try:
        code = context.code()
        return code.name if code is not None else "UNKNOWN"
    except Exception:  # noqa: BLE001
        return "UNKNOWN"
