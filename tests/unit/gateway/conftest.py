"""Shared helpers for the transcoder tests: the four APIs' services, a recording invoker and a
tiny ASGI driver (no network)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from google.protobuf.message import Message

from codeinterp.codegen.v1 import codegen_service_pb2
from codeinterp.gateway.v1 import (
    ask_service_pb2,
    catalog_service_pb2,
    dataset_service_pb2,
    session_service_pb2,
    settings_service_pb2,
)
from codeinterp.raysupervisor.v1 import ray_supervisor_service_pb2
from codeinterp.sparksupervisor.v1 import spark_supervisor_service_pb2
from codeinterp_gateway.transcode import (
    CallOptions,
    MethodInfo,
    RouteTable,
    TranscoderOptions,
    TranscodingApp,
)

API_MODULES = {
    "codeinterp.gateway.v1": [
        ask_service_pb2,
        catalog_service_pb2,
        dataset_service_pb2,
        session_service_pb2,
        settings_service_pb2,
    ],
    "codeinterp.codegen.v1": [codegen_service_pb2],
    "codeinterp.sparksupervisor.v1": [spark_supervisor_service_pb2],
    "codeinterp.raysupervisor.v1": [ray_supervisor_service_pb2],
}


def all_services():
    return [s for mods in API_MODULES.values() for m in mods for s in m.DESCRIPTOR.services_by_name.values()]


@dataclass
class Call:
    method: MethodInfo
    request: Any  # a message, or a list of messages for client streaming
    options: CallOptions


@dataclass
class RecordingInvoker:
    """Records calls; answers with `responses[method.name]` (a message, a list for streams, an
    exception to raise, or a callable(request) returning one of those) or an empty response."""

    responses: dict[str, Any] = field(default_factory=dict)
    calls: list[Call] = field(default_factory=list)
    stream_closed: asyncio.Event = field(default_factory=asyncio.Event)

    def _answer(self, method: MethodInfo, request: Any) -> Any:
        r = self.responses.get(method.name)
        if callable(r) and not isinstance(r, type):
            r = r(request)
        return r

    async def unary_unary(self, method: MethodInfo, request: Message, options: CallOptions) -> Message:
        self.calls.append(Call(method, request, options))
        r = self._answer(method, request)
        if isinstance(r, BaseException):
            raise r
        return r if r is not None else method.response_class()

    async def unary_stream(
        self, method: MethodInfo, request: Message, options: CallOptions
    ) -> AsyncIterator[Message]:
        self.calls.append(Call(method, request, options))
        r = self._answer(method, request)
        try:
            for item in r or []:
                if isinstance(item, BaseException):
                    raise item
                if isinstance(item, (int, float)):
                    await asyncio.sleep(item)
                    continue
                yield item
        finally:
            self.stream_closed.set()

    async def stream_unary(
        self, method: MethodInfo, requests: AsyncIterator[Message], options: CallOptions
    ) -> Message:
        items = [m async for m in requests]
        self.calls.append(Call(method, items, options))
        r = self._answer(method, items)
        if isinstance(r, BaseException):
            raise r
        return r if r is not None else method.response_class()


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)

    def lines(self) -> list[Any]:
        return [json.loads(x) for x in self.body.decode().splitlines() if x.strip()]


async def request(
    tapp: Callable,
    method: str,
    path: str,
    *,
    body: bytes | str | Any = b"",
    headers: dict[str, str] | None = None,
    query: str = "",
    chunks: int = 1,
) -> Response:
    """Drive the ASGI tapp directly (raw_path carries the encoded path)."""
    if not isinstance(body, (bytes, str)):
        body = json.dumps(body)
        headers = {"content-type": "application/json", **(headers or {})}
    if isinstance(body, str):
        body = body.encode()
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query.encode(),
        "headers": [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()],
        "client": ("127.0.0.1", 5555),
        "server": ("testserver", 80),
    }
    size = max(1, len(body) // chunks + 1)
    parts = [body[i : i + size] for i in range(0, len(body), size)] or [b""]
    pending = [
        {"type": "http.request", "body": p, "more_body": i < len(parts) - 1} for i, p in enumerate(parts)
    ]
    done = asyncio.Event()
    sent: list[dict] = []

    async def receive():
        if pending:
            return pending.pop(0)
        await done.wait()
        return {"type": "http.disconnect"}

    async def send(message):
        sent.append(message)
        if message["type"] == "http.response.body" and not message.get("more_body"):
            done.set()

    await tapp(scope, receive, send)
    done.set()
    start = sent[0]
    hdrs = {k.decode(): v.decode() for k, v in start["headers"]}
    return Response(start["status"], hdrs, b"".join(m.get("body", b"") for m in sent[1:]))


@pytest.fixture
def recorder() -> RecordingInvoker:
    return RecordingInvoker()


@pytest.fixture(scope="session")
def route_table() -> RouteTable:
    return RouteTable.from_services(all_services())


@pytest.fixture
def make_app(route_table) -> Callable[..., TranscodingApp]:
    def make(invoker: Any, **kwargs: Any) -> TranscodingApp:
        invokers = {s.full_name: invoker for s in all_services()}
        return TranscodingApp(route_table, invokers, **kwargs)

    return make


@pytest.fixture
def tapp(make_app, recorder) -> TranscodingApp:
    return make_app(
        recorder, options=TranscoderOptions(max_body_bytes=64 * 1024, max_raw_body_bytes=256 * 1024)
    )


@pytest.fixture
def call() -> Callable:
    return request
