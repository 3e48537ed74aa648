"""How the transcoder reaches an RPC: over a grpc.aio channel, or in-process on a servicer.

Both raise `RpcStatusError` (carrying a google.rpc.Status) for every failure, so the HTTP
layer has one error path.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import time
import uuid
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import grpc
from google.protobuf.message import Message
from google.rpc import code_pb2, status_pb2

from codeinterp_common.auth import Principal, reset_principal, set_principal
from codeinterp_common.errors import DeadlineExceeded, Internal, ServiceError
from codeinterp_common.logs import request_id_var
from codeinterp_gateway.transcode.routes import MethodInfo

log = logging.getLogger(__name__)

DETAILS_KEY = "grpc-status-details-bin"


class RpcStatusError(Exception):
    """An RPC ended with a non-OK google.rpc.Status."""

    def __init__(self, status: status_pb2.Status) -> None:
        super().__init__(f"{status.code}: {status.message}")
        self.status = status


@dataclass(frozen=True)
class CallOptions:
    metadata: tuple[tuple[str, str | bytes], ...]
    timeout: float  # seconds; always set
    peer: str = "unknown"
    principal: Principal | None = None  # the authenticated caller (bound for in-process calls)


class Invoker(Protocol):
    async def unary_unary(self, method: MethodInfo, request: Message, options: CallOptions) -> Message: ...

    def unary_stream(
        self, method: MethodInfo, request: Message, options: CallOptions
    ) -> AsyncIterator[Message]:
        """An async iterator of responses; closing it (aclose) cancels the call."""
        ...

    async def stream_unary(
        self, method: MethodInfo, requests: AsyncIterator[Message], options: CallOptions
    ) -> Message: ...


def status_from_metadata(
    code: int, message: str, trailing: Sequence[tuple[str, str | bytes]] | None
) -> status_pb2.Status:
    """The rich status from `grpc-status-details-bin`, or a plain one (as rpc_status.from_call)."""
    for key, value in trailing or ():
        if key == DETAILS_KEY:
            try:
                rich = status_pb2.Status.FromString(value if isinstance(value, bytes) else value.encode())
            except Exception:  # noqa: BLE001 - malformed trailer: fall back to the plain status
                break
            if rich.code == code:
                return rich
            break
    return status_pb2.Status(code=code, message=message)


def status_from_aio_error(err: grpc.aio.AioRpcError) -> status_pb2.Status:
    code = err.code().value[0] if err.code() is not None else code_pb2.UNKNOWN
    return status_from_metadata(code, err.details() or "", err.trailing_metadata())


# ---------------------------------------------------------------------------------------------
# GrpcInvoker
# ---------------------------------------------------------------------------------------------


class GrpcInvoker:
    """Calls a remote backend through a grpc.aio channel with generic multi-callables."""

    def __init__(self, channel: grpc.aio.Channel) -> None:
        self._channel = channel
        self._callables: dict[str, Any] = {}

    def _callable(self, method: MethodInfo, kind: str) -> Any:
        c = self._callables.get(method.path)
        if c is None:
            factory = getattr(self._channel, kind)
            c = factory(
                method.path,
                request_serializer=method.request_class.SerializeToString,
                response_deserializer=method.response_class.FromString,
            )
            self._callables[method.path] = c
        return c

    async def unary_unary(self, method: MethodInfo, request: Message, options: CallOptions) -> Message:
        call = self._callable(method, "unary_unary")
        try:
            return await call(request, timeout=options.timeout, metadata=options.metadata)
        except grpc.aio.AioRpcError as e:
            raise RpcStatusError(status_from_aio_error(e)) from None

    async def unary_stream(
        self, method: MethodInfo, request: Message, options: CallOptions
    ) -> AsyncIterator[Message]:
        call = self._callable(method, "unary_stream")(
            request, timeout=options.timeout, metadata=options.metadata
        )
        try:
            async for msg in call:
                yield msg
        except grpc.aio.AioRpcError as e:
            raise RpcStatusError(status_from_aio_error(e)) from None
        finally:
            call.cancel()  # no-op when finished; stops the backend when the HTTP client went away

    async def stream_unary(
        self, method: MethodInfo, requests: AsyncIterator[Message], options: CallOptions
    ) -> Message:
        call = self._callable(method, "stream_unary")
        try:
            return await call(requests, timeout=options.timeout, metadata=options.metadata)
        except grpc.aio.AioRpcError as e:
            raise RpcStatusError(status_from_aio_error(e)) from None


# ---------------------------------------------------------------------------------------------
# LocalInvoker
# ---------------------------------------------------------------------------------------------


class _Abort(Exception):
    def __init__(self, status: status_pb2.Status) -> None:
        super().__init__(status.message)
        self.status = status


def _code_int(code: grpc.StatusCode | int | None) -> int:
    if code is None:
        return code_pb2.OK
    if isinstance(code, grpc.StatusCode):
        return code.value[0]
    return int(code)


class LocalContext:
    """The subset of grpc.aio.ServicerContext our servicers use, for in-process calls."""

    def __init__(
        self, metadata: Sequence[tuple[str, str | bytes]], timeout: float, peer: str = "local"
    ) -> None:
        self._metadata = tuple(metadata)
        self._deadline = time.monotonic() + timeout
        self._peer = peer
        self._code: grpc.StatusCode | int | None = None
        self._details: str | None = None
        self._trailing: tuple[tuple[str, str | bytes], ...] = ()
        self._cancelled = False
        self._done = False
        self._callbacks: list[Any] = []

    # metadata / deadline / peer
    def invocation_metadata(self) -> tuple[tuple[str, str | bytes], ...]:
        return self._metadata

    def time_remaining(self) -> float:
        return max(0.0, self._deadline - time.monotonic())

    def peer(self) -> str:
        return self._peer

    def auth_context(self) -> dict[str, list[bytes]]:
        return {}

    # status
    async def abort(self, code: grpc.StatusCode, details: str = "", trailing_metadata: Sequence = ()) -> None:
        if code == grpc.StatusCode.OK:
            raise ValueError("abort() with OK")
        self._trailing = tuple(trailing_metadata or ())
        raise _Abort(status_from_metadata(_code_int(code), details, self._trailing))

    async def abort_with_status(self, status: grpc.Status) -> None:
        await self.abort(status.code, status.details, status.trailing_metadata)

    def set_code(self, code: grpc.StatusCode) -> None:
        self._code = code

    def set_details(self, details: str) -> None:
        self._details = details

    def set_trailing_metadata(self, trailing_metadata: Sequence[tuple[str, str | bytes]]) -> None:
        self._trailing = tuple(trailing_metadata)

    def trailing_metadata(self) -> tuple[tuple[str, str | bytes], ...]:
        return self._trailing

    def code(self) -> grpc.StatusCode | int | None:
        return self._code

    def details(self) -> str | None:
        return self._details

    # lifecycle
    def cancelled(self) -> bool:
        return self._cancelled

    def done(self) -> bool:
        return self._done

    def add_done_callback(self, callback: Any) -> None:
        self._callbacks.append(callback)

    async def send_initial_metadata(self, initial_metadata: Sequence) -> None:
        return None

    def set_compression(self, compression: Any) -> None:
        return None

    def disable_next_message_compression(self) -> None:
        return None

    def _finish(self, cancelled: bool = False) -> None:
        self._cancelled = self._cancelled or cancelled
        self._done = True
        for cb in self._callbacks:
            try:
                cb(self)
            except Exception:  # noqa: BLE001
                log.exception("done callback failed")

    def _status_if_failed(self) -> status_pb2.Status | None:
        code = _code_int(self._code)
        if code == code_pb2.OK:
            return None
        return status_from_metadata(code, self._details or "", self._trailing)


class LocalInvoker:
    """Calls grpc.aio-style servicer methods in-process (no serialization, no HTTP/2 hop).

    ServiceError → its rich status; any other exception → INTERNAL with a correlation id
    (logged with the traceback, never returned) — the same contract as the server interceptor."""

    def __init__(self, servicers: Mapping[str, object], *, domain: str = "gateway.codeinterp.dev") -> None:
        self._servicers = dict(servicers)
        self._domain = domain
        self._handlers: dict[str, Any] = {}

    def _handler(self, method: MethodInfo) -> Any:
        h = self._handlers.get(method.path)
        if h is None:
            servicer = self._servicers.get(method.service)
            h = getattr(servicer, method.name, None) if servicer is not None else None
            if h is None:
                raise RpcStatusError(
                    status_pb2.Status(
                        code=code_pb2.UNIMPLEMENTED, message=f"method {method.path} not implemented"
                    )
                )
            self._handlers[method.path] = h
        return h

    def _status(self, exc: BaseException, method: MethodInfo, timeout: float) -> status_pb2.Status:
        if isinstance(exc, _Abort):
            return exc.status
        if isinstance(exc, RpcStatusError):
            return exc.status
        if isinstance(exc, ServiceError):
            if exc.code == grpc.StatusCode.INTERNAL:
                log.error("internal error", extra={"grpc_method": method.path})
            return exc.to_status(self._domain)
        if isinstance(exc, TimeoutError):
            return DeadlineExceeded(
                f"{method.name} did not finish within the deadline of {timeout:g} s",
                reason="DEADLINE_EXCEEDED",
                metadata={"timeout_seconds": f"{timeout:g}"},
            ).to_status(self._domain)
        correlation = uuid.uuid4().hex[:12]
        log.error(
            "unexpected error in %s (correlation id %s)",
            method.path,
            correlation,
            exc_info=(type(exc), exc, exc.__traceback__),
            extra={"grpc_method": method.path, "correlation_id": correlation},
        )
        return Internal(
            f"internal error (correlation id {correlation})",
            reason="INTERNAL",
            metadata={"correlation_id": correlation},
        ).to_status(self._domain)

    def _context(self, options: CallOptions) -> LocalContext:
        return LocalContext(options.metadata, options.timeout, options.peer)

    @staticmethod
    def _request_id(options: CallOptions) -> str:
        for k, v in options.metadata:
            if k == "x-request-id":
                return v if isinstance(v, str) else v.decode()
        return uuid.uuid4().hex

    async def unary_unary(self, method: MethodInfo, request: Message, options: CallOptions) -> Message:
        return await self._unary(method, request, options)

    async def stream_unary(
        self, method: MethodInfo, requests: AsyncIterator[Message], options: CallOptions
    ) -> Message:
        return await self._unary(method, requests, options)

    async def _unary(self, method: MethodInfo, arg: Any, options: CallOptions) -> Message:
        handler = self._handler(method)
        ctx = self._context(options)
        token = request_id_var.set(self._request_id(options))
        who = set_principal(options.principal)
        cancelled = False
        try:
            async with asyncio.timeout(options.timeout):
                response = await handler(arg, ctx)
        except asyncio.CancelledError:
            cancelled = True
            raise
        except BaseException as e:  # noqa: BLE001
            if not isinstance(e, Exception):
                raise
            raise RpcStatusError(self._status(e, method, options.timeout)) from None
        finally:
            ctx._finish(cancelled)
            request_id_var.reset(token)
            reset_principal(who)
        failed = ctx._status_if_failed()
        if failed is not None:
            raise RpcStatusError(failed)
        if response is None:
            raise RpcStatusError(
                self._status(TypeError(f"{method.path} returned None"), method, options.timeout)
            )
        return response

    async def unary_stream(
        self, method: MethodInfo, request: Message, options: CallOptions
    ) -> AsyncIterator[Message]:
        """Server streaming. The deadline is enforced by the consumer (the HTTP app runs the
        whole stream under `asyncio.timeout`), not here: a timeout scope must not span yields."""
        handler = self._handler(method)
        ctx = self._context(options)
        token = request_id_var.set(self._request_id(options))
        who = set_principal(options.principal)
        cancelled = False
        try:
            result = handler(request, ctx)
            if hasattr(result, "__anext__"):
                try:
                    async for msg in result:
                        yield msg
                finally:
                    aclose = getattr(result, "aclose", None)
                    if aclose is not None:
                        await aclose()
            elif inspect.isawaitable(result):
                await result  # a servicer that only aborts or sets a status
        except (asyncio.CancelledError, GeneratorExit):
            cancelled = True
            raise
        except Exception as e:  # noqa: BLE001
            raise RpcStatusError(self._status(e, method, options.timeout)) from None
        finally:
            ctx._finish(cancelled)
            try:
                request_id_var.reset(token)
            except ValueError:  # finalised in another context
                pass
            reset_principal(who)
        failed = ctx._status_if_failed()
        if failed is not None:
            raise RpcStatusError(failed)
