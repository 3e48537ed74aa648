"""OpenAPI 3.1 from the route table the transcoder serves (one source of truth).

Descriptions come from proto comments, read from a FileDescriptorSet built with source info
(`protos/gen/python/codeinterp/descriptors.binpb`); without it the document has no
descriptions but is otherwise the same.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from google.api import field_behavior_pb2
from google.protobuf import descriptor_pb2
from google.protobuf.descriptor import Descriptor, EnumDescriptor, FieldDescriptor

from codeinterp_gateway.transcode.convert import WKT_STRING, WRAPPERS, is_wkt
from codeinterp_gateway.transcode.routes import HTTP_BODY, Route, RouteTable
from codeinterp_gateway.transcode.templates import Variable

log = logging.getLogger(__name__)

_FD = FieldDescriptor
REF = "#/components/schemas/"
STATUS_REF = {"$ref": REF + "google.rpc.Status"}

DOC_DESCRIPTION = """\
REST/JSON transcoding of the codeinterp gRPC APIs (google.api.http rules).

* **Field names.** Responses use the proto field names (snake_case) and always include fields
  without presence, with their default values. Requests accept both the proto names and the
  lowerCamelCase JSON names. 64-bit integers are JSON strings; enum values are their names
  (matched case-insensitively on input); Timestamp is RFC 3339, Duration is like `1.5s`.
* **Errors** are `google.rpc.Status` objects (`code`, `message`, `details` with `@type`),
  with the HTTP status of google/rpc/code.proto. A path no route matches answers 404
  (NOT_FOUND); a path that matches with another HTTP method answers 405 (with `Allow`).
  Malformed JSON, unknown fields or query parameters answer 400, a non-JSON Content-Type 415,
  an oversized body 413.
* **Server streaming** answers `application/x-ndjson`, one `{"result": message}` per line and
  `{"error": Status}` on a mid-stream failure, or Server-Sent Events (`data: <message>`, and
  `event: error`) when the request sends `Accept: text/event-stream`.
* **Path variables** such as `{name}` with a `pattern` like `^sessions/[^/]+$` hold several
  path segments: send the slashes unencoded (`/v1/sessions/abc`).
* **Headers.** `authorization`, `x-request-id` (echoed; generated when missing), `traceparent`
  and `grpc-metadata-*` are forwarded as gRPC metadata; `grpc-timeout` (e.g. `5S`, `300m`)
  sets the deadline.
"""


def default_descriptor_set_path() -> Path | None:
    try:
        import codeinterp

        p = Path(next(iter(codeinterp.__path__))) / "descriptors.binpb"
        return p if p.exists() else None
    except Exception:  # noqa: BLE001
        return None


def load_comments(path: str | Path | None) -> dict[str, str]:
    """Full name of a service/method/message/field/enum/value → its leading comment."""
    if path is None:
        return {}
    try:
        fds = descriptor_pb2.FileDescriptorSet.FromString(Path(path).read_bytes())
    except Exception as e:  # noqa: BLE001 - documentation is optional
        log.warning("no proto comments for OpenAPI: %s", e)
        return {}
    out: dict[str, str] = {}
    for f in fds.file:
        locs = {tuple(loc.path): loc.leading_comments for loc in f.source_code_info.location}

        def put(name: str, p: tuple[int, ...]) -> None:
            text = locs.get(p)  # noqa: B023 - called within the iteration
            if text:
                out[name] = "\n".join(line.strip() for line in text.strip().splitlines()).strip()

        def enum(e: descriptor_pb2.EnumDescriptorProto, prefix: str, p: tuple[int, ...]) -> None:
            name = f"{prefix}.{e.name}"
            put(name, p)
            for k, v in enumerate(e.value):
                put(f"{name}.{v.name}", p + (2, k))

        def message(m: descriptor_pb2.DescriptorProto, prefix: str, p: tuple[int, ...]) -> None:
            name = f"{prefix}.{m.name}"
            put(name, p)
            for i, fd in enumerate(m.field):
                put(f"{name}.{fd.name}", p + (2, i))
            for i, nested in enumerate(m.nested_type):
                message(nested, name, p + (3, i))
            for i, e in enumerate(m.enum_type):
                enum(e, name, p + (4, i))

        for i, m in enumerate(f.message_type):
            message(m, f.package, (4, i))
        for i, e in enumerate(f.enum_type):
            enum(e, f.package, (5, i))
        for i, s in enumerate(f.service):
            put(f"{f.package}.{s.name}", (6, i))
            for j, md in enumerate(s.method):
                put(f"{f.package}.{s.name}.{md.name}", (6, i, 2, j))
    return out


_SCALARS: dict[int, dict[str, Any]] = {
    _FD.TYPE_STRING: {"type": "string"},
    _FD.TYPE_BOOL: {"type": "boolean"},
    _FD.TYPE_BYTES: {"type": "string", "contentEncoding": "base64"},
    _FD.TYPE_DOUBLE: {"type": "number", "format": "double"},
    _FD.TYPE_FLOAT: {"type": "number", "format": "float"},
    _FD.TYPE_INT32: {"type": "integer", "format": "int32"},
    _FD.TYPE_SINT32: {"type": "integer", "format": "int32"},
    _FD.TYPE_SFIXED32: {"type": "integer", "format": "int32"},
    _FD.TYPE_UINT32: {"type": "integer", "format": "int64", "minimum": 0},
    _FD.TYPE_FIXED32: {"type": "integer", "format": "int64", "minimum": 0},
    _FD.TYPE_INT64: {"type": "string", "format": "int64"},
    _FD.TYPE_SINT64: {"type": "string", "format": "int64"},
    _FD.TYPE_SFIXED64: {"type": "string", "format": "int64"},
    _FD.TYPE_UINT64: {"type": "string", "format": "uint64"},
    _FD.TYPE_FIXED64: {"type": "string", "format": "uint64"},
}

_WKT_SCHEMAS: dict[str, dict[str, Any]] = {
    "google.protobuf.Timestamp": {"type": "string", "format": "date-time"},
    "google.protobuf.Duration": {
        "type": "string",
        "pattern": r"^-?[0-9]+(\.[0-9]{1,9})?s$",
        "example": "1.5s",
    },
    "google.protobuf.FieldMask": {"type": "string", "description": "Comma-separated field paths."},
    "google.protobuf.Struct": {"type": "object", "additionalProperties": True},
    "google.protobuf.Value": {"description": "Any JSON value."},
    "google.protobuf.ListValue": {"type": "array", "items": {}},
    "google.protobuf.Empty": {"type": "object", "properties": {}, "additionalProperties": False},
    "google.protobuf.NullValue": {"type": "null"},
    "google.protobuf.Any": {
        "type": "object",
        "properties": {"@type": {"type": "string"}},
        "required": ["@type"],
        "additionalProperties": True,
    },
    "google.protobuf.DoubleValue": {"type": ["number", "null"], "format": "double"},
    "google.protobuf.FloatValue": {"type": ["number", "null"], "format": "float"},
    "google.protobuf.Int64Value": {"type": ["string", "null"], "format": "int64"},
    "google.protobuf.UInt64Value": {"type": ["string", "null"], "format": "uint64"},
    "google.protobuf.Int32Value": {"type": ["integer", "null"], "format": "int32"},
    "google.protobuf.UInt32Value": {"type": ["integer", "null"], "format": "int64"},
    "google.protobuf.BoolValue": {"type": ["boolean", "null"]},
    "google.protobuf.StringValue": {"type": ["string", "null"]},
    "google.protobuf.BytesValue": {"type": ["string", "null"], "contentEncoding": "base64"},
}

_RAW = {"*/*": {"schema": {"type": "string", "format": "binary"}}}


class _Builder:
    def __init__(self, comments: Mapping[str, str]) -> None:
        self.comments = comments
        self.schemas: dict[str, Any] = {
            "google.rpc.Status": {
                "type": "object",
                "description": "The error model of google.rpc (google/rpc/status.proto).",
                "properties": {
                    "code": {"type": "integer", "format": "int32", "description": "A google.rpc.Code value."},
                    "message": {"type": "string"},
                    "details": {"type": "array", "items": {"$ref": REF + "google.protobuf.Any"}},
                },
            },
            "google.protobuf.Any": dict(_WKT_SCHEMAS["google.protobuf.Any"]),
        }

    # -- schemas ----------------------------------------------------------------------------

    def enum_ref(self, enum: EnumDescriptor) -> dict[str, Any]:
        name = enum.full_name
        if name == "google.protobuf.NullValue":
            return {"type": "null"}
        if name not in self.schemas:
            values = [v.name for v in enum.values]
            desc = self.comments.get(name, "")
            lines = [
                f"- `{v.name}`: {self.comments[f'{name}.{v.name}']}"
                for v in enum.values
                if f"{name}.{v.name}" in self.comments
            ]
            text = "\n".join(x for x in [desc, "\n".join(lines)] if x)
            schema: dict[str, Any] = {"type": "string", "enum": values}
            if text:
                schema["description"] = text
            self.schemas[name] = schema
        return {"$ref": REF + name}

    def message_ref(self, desc: Descriptor) -> dict[str, Any]:
        name = desc.full_name
        if is_wkt(desc) and name in _WKT_SCHEMAS and name != "google.protobuf.Any":
            return dict(_WKT_SCHEMAS[name])
        if name not in self.schemas:
            self.schemas[name] = {}  # placeholder: recursion stops here
            self.schemas[name] = self.message_schema(desc)
        return {"$ref": REF + name}

    def message_schema(self, desc: Descriptor, skip: set[str] | None = None) -> dict[str, Any]:
        props: dict[str, Any] = {}
        required: list[str] = []
        for fd in desc.fields:
            if skip and fd.name in skip:
                continue
            props[fd.name] = self.field_schema(fd)
            if field_behavior_pb2.REQUIRED in _behaviors(fd):
                required.append(fd.name)
        schema: dict[str, Any] = {"type": "object", "properties": props}
        if required:
            schema["required"] = required
        text = self.comments.get(desc.full_name)
        oneofs = [o for o in desc.oneofs if not (len(o.fields) == 1 and o.name.startswith("_"))]
        if oneofs:
            notes = "; ".join(f"at most one of {', '.join(f'`{f.name}`' for f in o.fields)}" for o in oneofs)
            text = f"{text}\n\n{notes.capitalize()}." if text else f"{notes.capitalize()}."
        if text:
            schema["description"] = text
        if desc.full_name == HTTP_BODY:
            schema["description"] = (
                text or ""
            ) + "\n\nOver REST the raw body is sent instead of this object."
        return schema

    def value_schema(self, fd: FieldDescriptor) -> dict[str, Any]:
        if fd.type == _FD.TYPE_MESSAGE or fd.type == _FD.TYPE_GROUP:
            return self.message_ref(fd.message_type)
        if fd.type == _FD.TYPE_ENUM:
            return self.enum_ref(fd.enum_type)
        return dict(_SCALARS[fd.type])

    def field_schema(self, fd: FieldDescriptor) -> dict[str, Any]:
        mt = fd.message_type
        if mt is not None and mt.GetOptions().map_entry:
            schema: dict[str, Any] = {
                "type": "object",
                "additionalProperties": self.value_schema(mt.fields_by_name["value"]),
            }
        elif fd.is_repeated:
            schema = {"type": "array", "items": self.value_schema(fd)}
        else:
            schema = self.value_schema(fd)
        text = self.comments.get(fd.full_name)
        if fd.json_name != fd.name:
            alias = f"Also accepted on input as `{fd.json_name}`."
            text = f"{text} {alias}" if text else alias
        if text:
            schema["description"] = text
        behaviors = _behaviors(fd)
        if field_behavior_pb2.OUTPUT_ONLY in behaviors:
            schema["readOnly"] = True
        return schema

    # -- operations -------------------------------------------------------------------------

    def query_parameters(self, route: Route) -> list[dict[str, Any]]:
        if route.body == "*":
            return []
        excluded = {v.field_path for v in route.template.variables}
        if route.body_field is not None:
            excluded.add(route.body_field.name)
        out: list[dict[str, Any]] = []
        self._leaves(route.method.request_class.DESCRIPTOR, "", excluded, out, 0)
        return out

    def _leaves(self, desc: Descriptor, prefix: str, excluded: set[str], out: list, depth: int) -> None:
        for fd in desc.fields:
            name = prefix + fd.name
            if name in excluded or depth > 4:
                continue
            mt = fd.message_type
            if mt is not None and mt.GetOptions().map_entry:
                continue
            if mt is not None and not (mt.full_name in WKT_STRING or mt.full_name in WRAPPERS):
                if not fd.is_repeated and not is_wkt(mt):
                    self._leaves(mt, name + ".", excluded, out, depth + 1)
                continue
            if mt is not None and fd.is_repeated:
                continue
            schema = self.field_schema(fd)
            param: dict[str, Any] = {"name": name, "in": "query", "required": False, "schema": schema}
            if "description" in schema:
                param["description"] = schema.pop("description")
            schema.pop("readOnly", None)
            if fd.is_repeated:
                param["style"] = "form"
                param["explode"] = True
            out.append(param)

    def request_body(self, route: Route) -> dict[str, Any] | None:
        m = route.method
        req = m.request_class.DESCRIPTOR
        if not route.body:
            return None
        if route.raw_body:
            return {
                "required": True,
                "content": dict(_RAW),
                "description": "The raw bytes (any Content-Type).",
            }
        if route.body == "*":
            path_fields = {v.field_path.split(".")[0] for v in route.template.variables}
            if path_fields & {f.name for f in req.fields}:
                schema: dict[str, Any] = self.message_schema(req, skip=path_fields)
                self.message_ref(req)  # keep the full message in components too
            else:
                schema = self.message_ref(req)
            if m.client_streaming:
                return {
                    "required": True,
                    "description": "The stream of request messages: a JSON array, or one message per line "
                    "(application/x-ndjson). Path values apply to the first message.",
                    "content": {
                        "application/json": {"schema": {"type": "array", "items": schema}},
                        "application/x-ndjson": {"schema": schema},
                    },
                }
            return {"required": False, "content": {"application/json": {"schema": schema}}}
        fd = route.body_field
        assert fd is not None
        schema = self.field_schema(fd)
        desc = schema.pop("description", None)
        body: dict[str, Any] = {
            "required": field_behavior_pb2.REQUIRED in _behaviors(fd),
            "content": {"application/json": {"schema": schema}},
        }
        if desc:
            body["description"] = desc
        return body

    def responses(self, route: Route) -> dict[str, Any]:
        m = route.method
        out_desc = m.response_class.DESCRIPTOR
        if route.response_body:
            schema = self.field_schema(out_desc.fields_by_name[route.response_body])
            schema.pop("description", None)
        else:
            schema = self.message_ref(out_desc)
        if route.raw_response:
            content: dict[str, Any] = dict(_RAW)
            text = "The raw bytes, with the Content-Type the method chose."
        elif m.server_streaming:
            content = {
                "application/x-ndjson": {
                    "schema": {
                        "type": "object",
                        "properties": {"result": schema, "error": STATUS_REF},
                        "description": 'One JSON object per line: {"result": message}, or {"error": Status} '
                        "when the stream fails.",
                    }
                },
                "text/event-stream": {
                    "schema": {
                        "type": "string",
                        "description": "Server-Sent Events (with `Accept: text/event-stream`): "
                        "`data: <message JSON>` per message, `event: error` + `data: <Status JSON>` on failure.",
                    }
                },
            }
            text = "A stream of messages."
        else:
            content = {"application/json": {"schema": schema}}
            text = "OK"
        err = {"application/json": {"schema": STATUS_REF}}
        return {
            "200": {"description": text, "content": content},
            "400": {
                "description": "Invalid request (malformed JSON, unknown field or parameter).",
                "content": err,
            },
            "404": {"description": "Not found (no such resource, or no route for the path).", "content": err},
            "405": {"description": "The path exists but not with this HTTP method.", "content": err},
            "default": {"description": "Error as google.rpc.Status.", "content": err},
        }


def _behaviors(fd: FieldDescriptor) -> list[int]:
    return list(fd.GetOptions().Extensions[field_behavior_pb2.field_behavior])


def _shape(key: str) -> str:
    return re.sub(r"\{[^}]*\}", "{}", key)


def _singular(word: str) -> str:
    if word.endswith("ies"):
        return word[:-3] + "y"
    if word.endswith("s") and len(word) > 1:
        return word[:-1]
    return word


def _segment_regex(segments: tuple[str, ...]) -> str:
    parts = []
    for s in segments:
        parts.append("[^/]+" if s == "*" else ".*" if s == "**" else re.escape(s))
    return "^" + "/".join(parts) + "$"


def render_path(route: Route, builder: _Builder, expand: bool) -> tuple[str, list[dict[str, Any]]]:
    """OpenAPI path key and path parameters. `{name=sessions/*}` → `{name}` with a pattern;
    with `expand`, → `sessions/{session}` (used when the short form would collide)."""
    req = route.method.request_class.DESCRIPTOR
    parts: list[str] = []
    params: list[dict[str, Any]] = []
    used: set[str] = set()
    for seg in route.template.segments:
        if not isinstance(seg, Variable):
            parts.append(str(seg))
            continue
        if seg.literal_only:
            parts.append(seg.literal_value)
            continue
        fd = _field(req, seg.field_path)
        base_schema = builder.value_schema(fd) if fd.type != _FD.TYPE_MESSAGE else {"type": "string"}
        text = builder.comments.get(fd.full_name, "")
        if seg.single_segment or not expand:
            schema = dict(base_schema)
            if not seg.single_segment:
                schema = {"type": "string", "pattern": _segment_regex(seg.segments)}
            parts.append("{" + seg.field_path + "}")
            p: dict[str, Any] = {"name": seg.field_path, "in": "path", "required": True, "schema": schema}
            if text:
                p["description"] = text
            params.append(p)
            used.add(seg.field_path)
            continue
        sub: list[str] = []
        for i, s in enumerate(seg.segments):
            if s in ("*", "**"):
                prev = (
                    seg.segments[i - 1]
                    if i > 0 and seg.segments[i - 1] not in ("*", "**")
                    else seg.field_path
                )
                pname = _singular(prev.replace(".", "_"))
                while pname in used:
                    pname += "_id"
                used.add(pname)
                sub.append("{" + pname + "}")
                params.append(
                    {
                        "name": pname,
                        "in": "path",
                        "required": True,
                        "schema": {"type": "string"},
                        "description": f"Part of `{seg.field_path}` = `{seg.pattern}`."
                        + (f" {text}" if text else ""),
                    }
                )
            else:
                sub.append(s)
        parts.append("/".join(sub))
    key = "/" + "/".join(parts) + (f":{route.template.verb}" if route.template.verb else "")
    return key, params


def _field(desc: Descriptor, path: str) -> FieldDescriptor:
    cur = desc
    fd = None
    for part in path.split("."):
        fd = cur.fields_by_name[part]
        cur = fd.message_type
    assert fd is not None
    return fd


def build_openapi(
    table: RouteTable,
    *,
    title: str = "codeinterp API",
    version: str = "v1",
    descriptor_set_path: str | Path | None = None,
    extra: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    comments = load_comments(descriptor_set_path or default_descriptor_set_path())
    b = _Builder(comments)
    paths: dict[str, dict[str, Any]] = {}
    tags: dict[str, dict[str, Any]] = {}
    # `{name=sessions/*}` renders as `{name}` + pattern unless that would make two templated
    # paths equivalent in OpenAPI's sense (same shape, different pattern or parameter name, or
    # the same method twice), e.g. GET /v1/{name} for sessions and datasets: such groups expand
    # to `/v1/sessions/{session}` and `/v1/sessions/{session}/datasets/{dataset}`.
    groups: dict[str, list[tuple[Route, tuple]]] = {}
    for route in table.routes:
        key, params = render_path(route, b, expand=False)
        signature = (key, tuple(p["schema"].get("pattern", "") for p in params))
        groups.setdefault(_shape(key), []).append((route, signature))
    expand: set[int] = set()
    for members in groups.values():
        signatures = {sig for _, sig in members}
        verbs = [r.verb for r, _ in members]
        if len(signatures) > 1 or len(verbs) != len(set(verbs)):
            expand.update(id(r) for r, _ in members)
    for route in table.routes:
        m = route.method
        verb = route.verb.lower()
        key, params = render_path(route, b, expand=id(route) in expand)
        if verb in paths.get(key, {}):
            raise ValueError(f"OpenAPI path collision for {route.verb} {key}")
        params = params + b.query_parameters(route)
        tag = m.service.rsplit(".", 1)[-1]
        if tag not in tags:
            tags[tag] = {"name": tag}
            if m.service in comments:
                tags[tag]["description"] = comments[m.service]
        text = comments.get(f"{m.service}.{m.name}", "")
        op: dict[str, Any] = {
            "operationId": route.operation_id,
            "summary": (text.split("\n\n")[0].replace("\n", " ") if text else m.name),
            "tags": [tag],
            "parameters": params,
            "responses": b.responses(route),
            "x-grpc-method": m.path,
        }
        if text:
            op["description"] = text
        if route.binding_index:
            op["description"] = (text + "\n\n" if text else "") + (
                f"Additional binding of `{m.path}` (`{route.template.source}`)."
            )
        body = b.request_body(route)
        if body is not None:
            op["requestBody"] = body
        paths.setdefault(key, {})[verb] = op
    doc: dict[str, Any] = {
        "openapi": "3.1.0",
        "info": {"title": title, "version": version, "description": DOC_DESCRIPTION},
        "tags": list(tags.values()),
        "paths": paths,
        "components": {"schemas": dict(sorted(b.schemas.items()))},
    }
    if extra:
        doc.update(extra)
    return doc
