"""The route table: every `google.api.http` binding of the given services, compiled once."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from google.api import annotations_pb2, http_pb2
from google.protobuf.descriptor import Descriptor, FieldDescriptor, MethodDescriptor, ServiceDescriptor
from google.protobuf.message import Message
from google.protobuf.message_factory import GetMessageClass

from codeinterp_gateway.transcode.templates import PathTemplate, TemplateError, parse

HTTP_BODY = "google.api.HttpBody"
_VERBS = ("get", "put", "post", "delete", "patch")


class RouteNotFound(LookupError):
    pass


class MethodNotAllowed(LookupError):
    def __init__(self, allowed: list[str]) -> None:
        super().__init__(", ".join(allowed))
        self.allowed = allowed


@dataclass(frozen=True)
class MethodInfo:
    """What an invoker needs to call one RPC."""

    service: str  # full name, e.g. codeinterp.gateway.v1.SessionService
    name: str  # e.g. GetSession
    path: str  # /codeinterp.gateway.v1.SessionService/GetSession
    descriptor: MethodDescriptor = field(compare=False, repr=False)
    request_class: type[Message] = field(compare=False, repr=False)
    response_class: type[Message] = field(compare=False, repr=False)
    client_streaming: bool = False
    server_streaming: bool = False


@dataclass(frozen=True)
class Route:
    method: MethodInfo
    verb: str  # upper-case HTTP method
    template: PathTemplate
    body: str  # "", "*" or a top-level field name
    response_body: str
    binding_index: int  # 0 = the primary rule, 1.. = additional_bindings
    body_field: FieldDescriptor | None = field(default=None, compare=False, repr=False)

    @property
    def operation_id(self) -> str:
        svc = self.method.service.rsplit(".", 1)[-1]
        base = f"{svc}_{self.method.name}"
        return base if self.binding_index == 0 else f"{base}_{self.binding_index}"

    @property
    def raw_body(self) -> bool:
        """True when the request body is a google.api.HttpBody (raw bytes, not JSON)."""
        if self.body == "*":
            return self.method.request_class.DESCRIPTOR.full_name == HTTP_BODY
        return (
            self.body_field is not None
            and self.body_field.message_type is not None
            and (self.body_field.message_type.full_name == HTTP_BODY)
        )

    @property
    def raw_response(self) -> bool:
        desc = self.method.response_class.DESCRIPTOR
        if self.response_body:
            fd = desc.fields_by_name[self.response_body]
            return fd.message_type is not None and fd.message_type.full_name == HTTP_BODY
        return desc.full_name == HTTP_BODY


def _rule_pattern(rule: http_pb2.HttpRule) -> tuple[str, str] | None:
    kind = rule.WhichOneof("pattern")
    if kind is None:
        return None
    if kind == "custom":
        return rule.custom.kind.upper(), rule.custom.path
    return kind.upper(), getattr(rule, kind)


def _resolve_field_path(desc: Descriptor, path: str, what: str) -> FieldDescriptor:
    cur: Descriptor | None = desc
    fd: FieldDescriptor | None = None
    for part in path.split("."):
        if cur is None:
            raise TemplateError(f"{what}: {path!r} goes through a non-message field")
        fd = cur.fields_by_name.get(part)
        if fd is None:
            raise TemplateError(f"{what}: no field {part!r} in {cur.full_name}")
        if fd.is_repeated:
            raise TemplateError(f"{what}: {path!r} is repeated")
        cur = fd.message_type
    assert fd is not None
    return fd


def method_info(method: MethodDescriptor) -> MethodInfo:
    return MethodInfo(
        service=method.containing_service.full_name,
        name=method.name,
        path=f"/{method.containing_service.full_name}/{method.name}",
        descriptor=method,
        request_class=GetMessageClass(method.input_type),
        response_class=GetMessageClass(method.output_type),
        client_streaming=method.client_streaming,
        server_streaming=method.server_streaming,
    )


class RouteTable:
    """Compiled routes; `match(verb, raw_path)` → (Route, bindings)."""

    def __init__(self, routes: list[Route]) -> None:
        seen: dict[tuple[str, str], Route] = {}
        for r in routes:
            key = (r.verb, r.template.canonical)
            if key in seen:
                other = seen[key]
                raise ValueError(
                    f"duplicate HTTP rule {r.verb} {r.template.source}: "
                    f"{r.method.path} and {other.method.path} ({other.template.source})"
                )
            seen[key] = r
        self.routes: list[Route] = routes
        self.methods: dict[str, MethodInfo] = {r.method.path: r.method for r in routes}
        ordered = sorted(routes, key=lambda r: r.template.specificity, reverse=True)
        # Literal templates: exact dict lookup. Others: bucketed by first literal segment.
        self._exact: dict[str, dict[str, Route]] = {}
        self._buckets: dict[str | None, list[Route]] = {}
        for r in ordered:
            lit = r.template.literal_path
            if lit is not None:
                self._exact.setdefault(lit, {})[r.verb] = r
            else:
                self._buckets.setdefault(r.template.first_literal, []).append(r)
        wild = self._buckets.pop(None, [])
        for key, bucket in self._buckets.items():
            if wild:
                self._buckets[key] = sorted(bucket + wild, key=lambda r: r.template.specificity, reverse=True)
        self._wild = wild

    @classmethod
    def from_services(cls, services: Iterable[ServiceDescriptor]) -> RouteTable:
        routes: list[Route] = []
        for svc in services:
            for m in svc.methods:
                opts = m.GetOptions()
                if not opts.HasExtension(annotations_pb2.http):
                    continue
                rule = opts.Extensions[annotations_pb2.http]
                info = method_info(m)
                rules = [rule, *rule.additional_bindings]
                for i, r in enumerate(rules):
                    if i > 0 and r.additional_bindings:
                        raise ValueError(f"{info.path}: additional_bindings may not nest")
                    routes.append(_make_route(info, r, i))
        return cls(routes)

    def match(self, verb: str, path: str) -> tuple[Route, dict[str, str]]:
        """Raises RouteNotFound, MethodNotAllowed, templates.PathTraversal, UnicodeDecodeError."""
        exact = self._exact.get(path)
        allowed: set[str] = set()
        if exact is not None:
            r = exact.get(verb)
            if r is not None:
                return r, r.template.match(path) or {}
            allowed.update(exact)
        first = path[1:].split("/", 1)[0].split(":", 1)[0]
        for r in self._buckets.get(first, self._wild):
            m = r.template.regex.match(path)
            if m is None:
                continue
            if r.verb != verb:
                allowed.add(r.verb)
                continue
            return r, r.template.bind(m)
        if allowed:
            raise MethodNotAllowed(sorted(allowed))
        raise RouteNotFound(path)


def _make_route(info: MethodInfo, rule: http_pb2.HttpRule, index: int) -> Route:
    pat = _rule_pattern(rule)
    if pat is None:
        raise ValueError(f"{info.path}: HTTP rule #{index} has no pattern")
    verb, source = pat
    try:
        template = parse(source)
    except TemplateError as e:
        raise ValueError(f"{info.path}: {e}") from e
    req = info.request_class.DESCRIPTOR
    for var in template.variables:
        try:
            fd = _resolve_field_path(req, var.field_path, info.path)
        except TemplateError as e:
            raise ValueError(str(e)) from e
        if fd.message_type is not None:
            raise ValueError(f"{info.path}: path variable {var.field_path!r} is not a scalar")
    body_field = None
    if rule.body and rule.body != "*":
        body_field = req.fields_by_name.get(rule.body)
        if body_field is None:
            raise ValueError(f"{info.path}: body field {rule.body!r} not in {req.full_name}")
    if info.client_streaming and rule.body != "*":
        raise ValueError(f'{info.path}: client-streaming methods need body: "*"')
    if rule.response_body and rule.response_body not in info.response_class.DESCRIPTOR.fields_by_name:
        raise ValueError(f"{info.path}: response_body {rule.response_body!r} unknown")
    return Route(
        method=info,
        verb=verb,
        template=template,
        body=rule.body,
        response_body=rule.response_body,
        binding_index=index,
        body_field=body_field,
    )
