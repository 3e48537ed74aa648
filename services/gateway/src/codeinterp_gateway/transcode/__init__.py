"""Descriptor-driven REST/JSON → gRPC transcoding for the gateway (google.api.http rules).

Typical wiring::

    from codeinterp_gateway.transcode import (
        GrpcInvoker, LocalInvoker, RouteTable, TranscoderOptions, TranscodingApp,
    )

    table = RouteTable.from_services([session_service_pb2.DESCRIPTOR.services_by_name["SessionService"], ...])
    app = TranscodingApp(
        table,
        {
            "codeinterp.gateway.v1.SessionService": LocalInvoker({"codeinterp.gateway.v1.SessionService": servicer}),
            "codeinterp.codegen.v1.CodegenService": GrpcInvoker(codegen_channel),
        },
        options=TranscoderOptions(),
        is_serving=lambda: health.serving,
    )
    # uvicorn.Server(uvicorn.Config(app, http="httptools", ...))
"""

from codeinterp_gateway.transcode.app import (
    HttpError,
    TranscoderOptions,
    TranscodingApp,
    parse_grpc_timeout,
    status_json,
    status_to_obj,
)
from codeinterp_gateway.transcode.convert import BadInput, dict_to_message, encode_message
from codeinterp_gateway.transcode.invokers import (
    CallOptions,
    GrpcInvoker,
    Invoker,
    LocalContext,
    LocalInvoker,
    RpcStatusError,
    status_from_aio_error,
)
from codeinterp_gateway.transcode.openapi import build_openapi, load_comments
from codeinterp_gateway.transcode.routes import MethodInfo, MethodNotAllowed, Route, RouteNotFound, RouteTable
from codeinterp_gateway.transcode.templates import PathTemplate, PathTraversal, TemplateError, parse

__all__ = [
    "BadInput",
    "CallOptions",
    "GrpcInvoker",
    "HttpError",
    "Invoker",
    "LocalContext",
    "LocalInvoker",
    "MethodInfo",
    "MethodNotAllowed",
    "PathTemplate",
    "PathTraversal",
    "Route",
    "RouteNotFound",
    "RouteTable",
    "RpcStatusError",
    "TemplateError",
    "TranscoderOptions",
    "TranscodingApp",
    "build_openapi",
    "dict_to_message",
    "encode_message",
    "load_comments",
    "parse",
    "parse_grpc_timeout",
    "status_from_aio_error",
    "status_json",
    "status_to_obj",
]
