"""gRPC side of the gateway's admission: every RPC except health/reflection goes through the
Gate, with the principal bound to the call (codeinterp_common.auth.current_principal)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import grpc

from codeinterp_common.auth import is_open, metadata_value, wrap_handler
from codeinterp_gateway.auth.gate import Gate


class GatewayAuthInterceptor(grpc.aio.ServerInterceptor):
    def __init__(self, gate: Gate) -> None:
        self.gate = gate

    async def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], Awaitable[grpc.RpcMethodHandler]],
        details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler:
        handler = await continuation(details)
        if handler is None or is_open(details.method):
            return handler
        method = details.method

        def resolve(context):
            metadata = tuple(context.invocation_metadata() or ())
            return self.gate.admit(method, lambda key: metadata_value(metadata, key))

        return wrap_handler(handler, resolve)
