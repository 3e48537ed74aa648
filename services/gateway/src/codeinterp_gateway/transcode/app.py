"""The ASGI 3 application: HTTP/JSON in, RPC through an Invoker, HTTP/JSON (or NDJSON/SSE) out."""

from __future__ import annotations

import asyncio
import inspect
import json
import logging
import re
import uuid
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

import grpc
from google.protobuf import any_pb2, json_format
from google.protobuf.descriptor import ServiceDescriptor
from google.protobuf.message import Message
from google.rpc import code_pb2, status_pb2

from codeinterp_common.auth import RESERVED_PREFIX, principal_metadata
from codeinterp_common.errors import (
    Internal,
    InvalidArgument,
    NotFound,
    ResourceExhausted,
    ServiceError,
    Unauthenticated,
    Unimplemented,
    http_status,
)
from codeinterp_gateway.transcode.convert import (
    BadInput,
    dict_to_message,
    encode_field,
    encode_message,
    query_to_dict,
    set_path_values,
)
from codeinterp_gateway.transcode.invokers import CallOptions, Invoker, RpcStatusError
from codeinterp_gateway.transcode.routes import MethodNotAllowed, Route, RouteNotFound, RouteTable
from codeinterp_gateway.transcode.templates import PathTraversal

log = logging.getLogger(__name__)

DOMAIN = "gateway.codeinterp.dev"
MiB = 1024 * 1024
NDJSON = "application/x-ndjson"
SSE = "text/event-stream"
_NDJSON_TYPES = {"application/x-ndjson", "application/ndjson", "application/jsonl", "application/json-seq"}
_TIMEOUT_RE = re.compile(r"^([0-9]{1,8})([HMSmun])$")
_TIMEOUT_UNIT = {"H": 3600.0, "M": 60.0, "S": 1.0, "m": 1e-3, "u": 1e-6, "n": 1e-9}
_MD_KEY_RE = re.compile(r"^[0-9a-z_.\-]+$")
_MD_VALUE_RE = re.compile(r"^[\x20-\x7e]*$")
_REQUEST_ID_RE = re.compile(r"^[\x21-\x7e]{1,128}$")
_DUMPS = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode


@dataclass
class TranscoderOptions:
    max_body_bytes: int = 8 * MiB  # JSON bodies
    max_raw_body_bytes: int = 64 * MiB  # google.api.HttpBody bodies and client-streaming bodies
    unary_timeout: float = 60.0  # default deadline (s) when the client sends no grpc-timeout
    stream_timeout: float = 300.0  # default deadline (s) for streaming methods
    max_timeout: float = 3600.0  # grpc-timeout values above this are clamped
    forward_headers: tuple[str, ...] = ("traceparent", "tracestate")  # credentials stay at the gateway
    openapi_title: str = "codeinterp API"
    openapi_version: str = "v1"
    descriptor_set_path: str | None = None  # FileDescriptorSet with source info (for descriptions)
    extra_openapi: dict[str, Any] = field(default_factory=dict)


class HttpError(Exception):
    """A transcoding failure with its own HTTP status (404/405/413/415) or the code table's."""

    def __init__(
        self, error: ServiceError, http: int | None = None, headers: Iterable[tuple[bytes, bytes]] = ()
    ):
        super().__init__(error.message)
        self.status = error.to_status(DOMAIN)
        self.http = http or http_status(self.status.code)
        self.headers = list(headers)


class _MethodNotAllowedError(ServiceError):
    code = grpc.StatusCode.UNIMPLEMENTED
    default_reason = "METHOD_NOT_ALLOWED"


class _ClientGone(Exception):
    pass


def any_to_obj(detail: any_pb2.Any) -> dict[str, Any]:
    try:
        return json_format.MessageToDict(detail, preserving_proto_field_name=True)
    except Exception:  # noqa: BLE001 - a detail type we do not know
        import base64

        return {"@type": detail.type_url, "value": base64.b64encode(detail.value).decode("ascii")}


def status_to_obj(status: status_pb2.Status) -> dict[str, Any]:
    return {
        "code": status.code,
        "message": status.message,
        "details": [any_to_obj(d) for d in status.details],
    }


def status_json(status: status_pb2.Status) -> bytes:
    return _DUMPS(status_to_obj(status)).encode()


def parse_grpc_timeout(value: str) -> float:
    m = _TIMEOUT_RE.match(value.strip())
    if m is None:
        raise BadInput(
            f"invalid grpc-timeout header {value!r}", reason="INVALID_TIMEOUT", field="grpc-timeout"
        )
    return int(m.group(1)) * _TIMEOUT_UNIT[m.group(2)]


def _media_type(ct: str | None) -> str | None:
    if ct is None:
        return None
    return ct.split(";", 1)[0].strip().lower()


def _loads(body: bytes) -> Any:
    try:
        return json.loads(body)
    except RecursionError:
        raise BadInput("JSON nesting too deep", reason="NESTING_TOO_DEEP") from None
    except (ValueError, UnicodeDecodeError) as e:
        raise BadInput(f"malformed JSON body: {e}", reason="INVALID_JSON") from None


class TranscodingApp:
    """ASGI app serving every route of `table`, `/healthz` and `/openapi.json`.

    `invokers` maps a service full name (e.g. `codeinterp.gateway.v1.SessionService`) to the
    Invoker that reaches it. `is_serving` (sync or async, no arguments) drives `/healthz`."""

    def __init__(
        self,
        table: RouteTable,
        invokers: Mapping[str, Invoker],
        *,
        options: TranscoderOptions | None = None,
        is_serving: Callable[[], bool | Awaitable[bool]] | None = None,
        openapi: Mapping[str, Any] | None = None,
        gate: Any = None,
    ) -> None:
        """`gate` (codeinterp_gateway.auth.Gate): authenticates, authorizes and meters every
        routed call; the principal is passed on in-process (CallOptions.principal) and to the
        backends in metadata. None: no admission (tests of the transcoder alone)."""
        self.gate = gate
        self.table = table
        self.invokers = dict(invokers)
        self.options = options or TranscoderOptions()
        self.is_serving = is_serving
        self._openapi_doc = openapi
        self._openapi_bytes: bytes | None = None
        self._forward = frozenset(h.lower() for h in self.options.forward_headers)

    @classmethod
    def from_services(
        cls,
        services: Iterable[ServiceDescriptor],
        invokers: Mapping[str, Invoker],
        **kwargs: Any,
    ) -> TranscodingApp:
        return cls(RouteTable.from_services(services), invokers, **kwargs)

    # -- ASGI entry -------------------------------------------------------------------------

    async def __call__(self, scope: dict, receive: Callable, send: Callable) -> None:
        kind = scope["type"]
        if kind == "http":
            await self._http(scope, receive, send)
        elif kind == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        # websocket: not served (the server closes it)

    async def _http(self, scope: dict, receive: Callable, send: Callable) -> None:
        verb: str = scope["method"]
        raw_path: bytes | None = scope.get("raw_path")
        if raw_path:
            path = raw_path.split(b"?", 1)[0].decode("latin-1")
        else:
            path = scope["path"]
        headers: dict[str, str] = {}
        metadata: list[tuple[str, str | bytes]] = []
        forward = self._forward
        for k, v in scope["headers"]:
            name = k.decode("latin-1").lower()
            value = v.decode("latin-1")
            headers[name] = value
            if name in forward:
                if _MD_VALUE_RE.match(value):
                    metadata.append((name, value))
            elif name.startswith("grpc-metadata-"):
                self._grpc_metadata(name[14:], value, metadata)
        rid = headers.get("x-request-id")
        if rid is None or not _REQUEST_ID_RE.match(rid):
            rid = uuid.uuid4().hex
        metadata.append(("x-request-id", rid))
        base = [(b"x-request-id", rid.encode("ascii"))]
        try:
            if path == "/healthz" and verb in ("GET", "HEAD"):
                await self._healthz(send, base)
                return
            if path == "/openapi.json" and verb in ("GET", "HEAD"):
                await self._send(send, 200, self._openapi(), "application/json", base)
                return
            try:
                route, bindings = self.table.match(verb, path)
            except RouteNotFound:
                raise HttpError(
                    NotFound(f"no route for {verb} {path}", reason="ROUTE_NOT_FOUND", metadata={"path": path})
                ) from None
            except MethodNotAllowed as e:
                allow = ", ".join(e.allowed)
                raise HttpError(
                    _MethodNotAllowedError(
                        f"method {verb} not allowed for {path} (allowed: {allow})",
                        metadata={"method": verb, "allowed": allow},
                    ),
                    405,
                    [(b"allow", allow.encode("ascii"))],
                ) from None
            except PathTraversal:
                raise HttpError(
                    BadInput(f"'.' and '..' segments are not allowed in {path}", reason="PATH_TRAVERSAL")
                ) from None
            except UnicodeDecodeError:
                raise HttpError(
                    BadInput(f"invalid percent-encoding in {path}", reason="INVALID_PATH")
                ) from None
            await self._dispatch(route, bindings, scope, headers, metadata, receive, send, base)
        except HttpError as e:
            await self._send(send, e.http, status_json(e.status), "application/json", base + e.headers)
        except BadInput as e:
            await self._send_status(send, e.to_status(DOMAIN), base)
        except RpcStatusError as e:
            await self._send_status(send, e.status, base)
        except _ClientGone:
            return
        except Exception:  # noqa: BLE001 - never a traceback to the caller
            correlation = uuid.uuid4().hex[:12]
            log.exception(
                "transcoder failure (correlation id %s)",
                correlation,
                extra={"correlation_id": correlation, "path": path},
            )
            err = Internal(
                f"internal error (correlation id {correlation})", metadata={"correlation_id": correlation}
            )
            await self._send_status(send, err.to_status(DOMAIN), base)

    @staticmethod
    def _grpc_metadata(key: str, value: str, metadata: list[tuple[str, str | bytes]]) -> None:
        if not key or key.startswith("grpc-") or not _MD_KEY_RE.match(key):
            return
        if key.startswith(RESERVED_PREFIX) or key in ("authorization", "x-api-key"):
            return  # identity is set by the gateway only
        if key.endswith("-bin"):
            import base64
            import binascii

            try:
                metadata.append((key, base64.b64decode(value + "=" * (-len(value) % 4))))
            except (binascii.Error, ValueError):
                pass
        elif _MD_VALUE_RE.match(value):
            metadata.append((key, value))

    # -- plumbing ---------------------------------------------------------------------------

    @staticmethod
    async def _send(
        send: Callable, status: int, body: bytes, content_type: str, headers: list[tuple[bytes, bytes]]
    ) -> None:
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [
                    (b"content-type", content_type.encode("latin-1")),
                    (b"content-length", str(len(body)).encode("ascii")),
                    *headers,
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})

    async def _send_status(self, send: Callable, status: status_pb2.Status, base: list) -> None:
        await self._send(send, http_status(status.code), status_json(status), "application/json", base)

    async def _healthz(self, send: Callable, base: list) -> None:
        serving = True
        if self.is_serving is not None:
            result = self.is_serving()
            if inspect.isawaitable(result):
                result = await result
            serving = bool(result)
        body = b'{"status":"SERVING"}' if serving else b'{"status":"NOT_SERVING"}'
        await self._send(send, 200 if serving else 503, body, "application/json", base)

    def _openapi(self) -> bytes:
        if self._openapi_bytes is None:
            doc = self._openapi_doc
            if doc is None:
                from codeinterp_gateway.transcode.openapi import build_openapi

                doc = build_openapi(
                    self.table,
                    title=self.options.openapi_title,
                    version=self.options.openapi_version,
                    descriptor_set_path=self.options.descriptor_set_path,
                    extra=self.options.extra_openapi,
                )
            self._openapi_bytes = json.dumps(doc, separators=(",", ":")).encode()
        return self._openapi_bytes

    @staticmethod
    async def _read_body(receive: Callable, limit: int, headers: Mapping[str, str]) -> bytes:
        cl = headers.get("content-length")
        if cl is not None:
            try:
                n = int(cl)
            except ValueError:
                raise HttpError(BadInput("invalid Content-Length", reason="INVALID_CONTENT_LENGTH")) from None
            if n > limit:
                raise _too_large(limit)
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                raise _ClientGone
            chunk = message.get("body", b"")
            if chunk:
                size += len(chunk)
                if size > limit:
                    raise _too_large(limit)
                chunks.append(chunk)
            if not message.get("more_body", False):
                break
        return chunks[0] if len(chunks) == 1 else b"".join(chunks)

    def _call_options(
        self, route: Route, headers: Mapping[str, str], metadata: list, scope: dict, principal: Any = None
    ) -> CallOptions:
        streaming = route.method.server_streaming or route.method.client_streaming
        gt = headers.get("grpc-timeout")
        if gt is not None:
            timeout = min(parse_grpc_timeout(gt), self.options.max_timeout)
        else:
            timeout = self.options.stream_timeout if streaming else self.options.unary_timeout
        client = scope.get("client")
        peer = f"ipv4:{client[0]}:{client[1]}" if client else "unknown"
        if principal is not None:
            metadata = [*metadata, *principal_metadata(principal)]
        return CallOptions(tuple(metadata), timeout, peer, principal)

    # -- requests ---------------------------------------------------------------------------

    async def _dispatch(
        self,
        route: Route,
        bindings: dict[str, str],
        scope: dict,
        headers: dict[str, str],
        metadata: list,
        receive: Callable,
        send: Callable,
        base: list,
    ) -> None:
        m = route.method
        invoker = self.invokers.get(m.service)
        if invoker is None:
            raise HttpError(
                Unimplemented(
                    f"no backend serves {m.service}", reason="NO_BACKEND", metadata={"service": m.service}
                )
            )
        principal, release = None, None
        if self.gate is not None:
            principal, release = await self._admit(m.path, headers)
        try:
            await self._call(route, bindings, scope, headers, metadata, receive, send, base, invoker, principal)
        finally:
            if release is not None:
                await release()

    async def _admit(self, method: str, headers: Mapping[str, str]) -> tuple[Any, Any]:
        try:
            return await self.gate.admit(method, headers.get)
        except ServiceError as e:
            extra: list[tuple[bytes, bytes]] = []
            if isinstance(e, Unauthenticated):
                from codeinterp_gateway.auth.gate import www_authenticate

                extra = www_authenticate(e)
            retry = getattr(e, "retry_after", None)
            if retry is not None:
                extra.append((b"retry-after", str(max(1, int(-(-retry // 1)))).encode("ascii")))
            raise HttpError(e, None, extra) from None

    async def _call(
        self,
        route: Route,
        bindings: dict[str, str],
        scope: dict,
        headers: dict[str, str],
        metadata: list,
        receive: Callable,
        send: Callable,
        base: list,
        invoker: Invoker,
        principal: Any,
    ) -> None:
        m = route.method
        options = self._call_options(route, headers, metadata, scope, principal)
        ct = headers.get("content-type")
        raw = route.raw_body or m.client_streaming
        has_body = bool(route.body)
        if has_body:
            body = await self._read_body(
                receive, self.options.max_raw_body_bytes if raw else self.options.max_body_bytes, headers
            )
        else:
            body = b""
        query = scope.get("query_string", b"")
        if m.client_streaming:
            requests = self._stream_requests(route, bindings, query, body, ct)
            response = await invoker.stream_unary(m, _aiter(requests), options)
            await self._send_response(route, response, send, base)
            return
        request = self.build_request(route, bindings, query, body, ct)
        if m.server_streaming:
            await self._stream(route, request, options, invoker, headers, receive, send, base)
            return
        response = await invoker.unary_unary(m, request, options)
        await self._send_response(route, response, send, base)

    def build_request(
        self, route: Route, bindings: Mapping[str, str], query: bytes, body: bytes, content_type: str | None
    ) -> Message:
        """The request message of one HTTP request (raises BadInput / HttpError)."""
        msg = route.method.request_class()
        params = _parse_query(query) if query else ()
        if route.body == "*":
            if params:
                raise BadInput(
                    "query parameters are not allowed on this route (the body carries every field)",
                    reason="QUERY_PARAMETERS_NOT_ALLOWED",
                    field=params[0][0],
                )
            if route.raw_body:
                msg.content_type = content_type or ""
                msg.data = body
            else:
                if body:
                    _check_json(content_type)
                    dict_to_message(_loads(body), msg)
        else:
            obj: dict[str, Any] = {}
            bf = route.body_field
            if bf is not None and body and not route.raw_body:
                _check_json(content_type)
                obj[bf.name] = _loads(body)
            if params:
                excluded = set(bindings)
                if bf is not None:
                    excluded.add(bf.name)
                obj.update(query_to_dict(msg.DESCRIPTOR, params, excluded))
            if obj:
                dict_to_message(obj, msg)
            if bf is not None and route.raw_body:
                sub = getattr(msg, bf.name)
                sub.content_type = content_type or ""
                sub.data = body
        if bindings:
            set_path_values(msg, bindings)
        return msg

    def _stream_requests(
        self, route: Route, bindings: Mapping[str, str], query: bytes, body: bytes, ct: str | None
    ) -> list[Message]:
        if query and _parse_query(query):
            raise BadInput(
                "query parameters are not allowed on this route", reason="QUERY_PARAMETERS_NOT_ALLOWED"
            )
        mt = _media_type(ct)
        if mt is not None and mt != "application/json" and mt not in _NDJSON_TYPES:
            raise _unsupported(ct, "application/json (an array) or application/x-ndjson")
        items: list[Any]
        text = body.strip()
        if not text:
            items = [{}]
        elif mt in _NDJSON_TYPES or not text.startswith(b"["):
            items = [_loads(line) for line in text.splitlines() if line.strip()]
        else:
            items = _loads(text)
            if not isinstance(items, list):
                raise BadInput("expected a JSON array of messages", reason="INVALID_JSON")
            if not items:
                items = [{}]
        cls = route.method.request_class
        out = []
        for i, item in enumerate(items):
            msg = dict_to_message(item, cls())
            if i == 0 and bindings:
                set_path_values(msg, bindings)
            out.append(msg)
        return out

    # -- responses --------------------------------------------------------------------------

    def render(self, route: Route, response: Message) -> tuple[bytes, str]:
        rb = route.response_body
        if route.raw_response:
            hb = getattr(response, rb) if rb else response
            return hb.data, hb.content_type or "application/octet-stream"
        obj = encode_field(response, rb) if rb else encode_message(response)
        return _DUMPS(obj).encode(), "application/json"

    async def _send_response(self, route: Route, response: Message, send: Callable, base: list) -> None:
        body, ct = self.render(route, response)
        await self._send(send, 200, body, ct, base)

    async def _stream(
        self,
        route: Route,
        request: Message,
        options: CallOptions,
        invoker: Invoker,
        headers: Mapping[str, str],
        receive: Callable,
        send: Callable,
        base: list,
    ) -> None:
        sse = SSE in (headers.get("accept") or "")
        content_type = SSE if sse else NDJSON
        rb = route.response_body

        def frame(msg: Message) -> bytes:
            obj = encode_field(msg, rb) if rb else encode_message(msg)
            if sse:
                return b"data: " + _DUMPS(obj).encode() + b"\n\n"
            return b'{"result":' + _DUMPS(obj).encode() + b"}\n"

        def error_frame(status: status_pb2.Status) -> bytes:
            data = status_json(status)
            if sse:
                return b"event: error\ndata: " + data + b"\n\n"
            return b'{"error":' + data + b"}\n"

        async def pump() -> None:
            started = False
            status: status_pb2.Status | None = None
            stream = invoker.unary_stream(route.method, request, options)
            try:
                async with asyncio.timeout(options.timeout):
                    async for msg in stream:
                        chunk = frame(msg)
                        if not started:
                            await send(
                                {
                                    "type": "http.response.start",
                                    "status": 200,
                                    "headers": [
                                        (b"content-type", content_type.encode()),
                                        (b"cache-control", b"no-cache"),
                                        (b"x-accel-buffering", b"no"),
                                        *base,
                                    ],
                                }
                            )
                            started = True
                        await send({"type": "http.response.body", "body": chunk, "more_body": True})
            except RpcStatusError as e:
                status = e.status
            except TimeoutError:
                status = status_pb2.Status(
                    code=code_pb2.DEADLINE_EXCEEDED,
                    message=f"stream exceeded its deadline of {options.timeout:g} s",
                )
            except BadInput as e:
                status = e.to_status(DOMAIN)
            except Exception:  # noqa: BLE001
                correlation = uuid.uuid4().hex[:12]
                log.exception(
                    "stream failure (correlation id %s)", correlation, extra={"correlation_id": correlation}
                )
                status = Internal(
                    f"internal error (correlation id {correlation})", metadata={"correlation_id": correlation}
                ).to_status(DOMAIN)
            finally:
                aclose = getattr(stream, "aclose", None)
                if aclose is not None:
                    await aclose()
            if not started:
                if status is not None:
                    await self._send_status(send, status, base)
                    return
                await send(
                    {
                        "type": "http.response.start",
                        "status": 200,
                        "headers": [(b"content-type", content_type.encode()), *base],
                    }
                )
                await send({"type": "http.response.body", "body": b""})
                return
            await send({"type": "http.response.body", "body": error_frame(status) if status else b""})

        pump_task = asyncio.ensure_future(pump())
        watcher = asyncio.ensure_future(_wait_disconnect(receive))
        try:
            done, _ = await asyncio.wait({pump_task, watcher}, return_when=asyncio.FIRST_COMPLETED)
            if pump_task in done:
                pump_task.result()
                return
            # the client went away: stop the call
            pump_task.cancel()
            try:
                await pump_task
            except asyncio.CancelledError:
                pass
        finally:
            watcher.cancel()
            if not pump_task.done():
                pump_task.cancel()


async def _wait_disconnect(receive: Callable) -> None:
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return


async def _aiter(items: list[Message]):
    for item in items:
        yield item


def _parse_query(query: bytes) -> list[tuple[str, str]]:
    try:
        return parse_qsl(query.decode("utf-8"), keep_blank_values=True, encoding="utf-8", errors="strict")
    except UnicodeError:
        raise BadInput("query string is not valid UTF-8", reason="INVALID_QUERY") from None


def _check_json(content_type: str | None) -> None:
    mt = _media_type(content_type)
    if mt is None or mt == "application/json" or (mt.startswith("application/") and mt.endswith("+json")):
        return
    raise _unsupported(content_type, "application/json")


def _unsupported(content_type: str | None, expected: str) -> HttpError:
    return HttpError(
        InvalidArgument(
            f"unsupported Content-Type {content_type!r}; expected {expected}",
            reason="UNSUPPORTED_MEDIA_TYPE",
            metadata={"content_type": content_type or "", "expected": expected},
            domain=DOMAIN,
        ),
        415,
    )


def _too_large(limit: int) -> HttpError:
    return HttpError(
        ResourceExhausted(
            f"request body larger than {limit} bytes",
            reason="PAYLOAD_TOO_LARGE",
            metadata={"limit_bytes": limit},
            domain=DOMAIN,
        ),
        413,
    )
