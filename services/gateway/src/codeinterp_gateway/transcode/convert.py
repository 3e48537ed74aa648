"""JSON / query parameters / path values ↔ protobuf messages, kept off json_format where it matters.

Output: proto field names (snake_case), fields without presence always printed (like
grpc-gateway's default `EmitUnpopulated`), int64 as strings, enums by name — byte-for-byte
what `json_format.MessageToDict(m, preserving_proto_field_name=True,
always_print_fields_with_no_presence=True)` returns, but with a per-descriptor plan cached
once (several times faster). Well-known types go through their own JSON forms.

Input: a fast decoder handles the common shapes (both spellings, nested messages, repeated,
maps, case-insensitive enum names); anything unusual or wrong falls back to
`json_format.ParseDict`, which does the full typing and produces the error message. When
ParseDict fails, enum strings are normalised to the matching value name ignoring case and it
is retried once.
"""

from __future__ import annotations

import base64
import math
import re
from collections.abc import Iterable, Mapping
from typing import Any

from google.protobuf import json_format
from google.protobuf.descriptor import Descriptor, EnumDescriptor, FieldDescriptor
from google.protobuf.internal import type_checkers
from google.protobuf.message import Message

from codeinterp_common.errors import FieldViolation, InvalidArgument

MAX_DEPTH = 64

_FD = FieldDescriptor
_INT32 = {_FD.TYPE_INT32, _FD.TYPE_SINT32, _FD.TYPE_SFIXED32}
_UINT32 = {_FD.TYPE_UINT32, _FD.TYPE_FIXED32}
_INT64 = {_FD.TYPE_INT64, _FD.TYPE_SINT64, _FD.TYPE_SFIXED64}
_UINT64 = {_FD.TYPE_UINT64, _FD.TYPE_FIXED64}
_INTS = _INT32 | _UINT32 | _INT64 | _UINT64
_RANGES: dict[int, tuple[int, int]] = {}
for _t in _INT32:
    _RANGES[_t] = (-(2**31), 2**31 - 1)
for _t in _UINT32:
    _RANGES[_t] = (0, 2**32 - 1)
for _t in _INT64:
    _RANGES[_t] = (-(2**63), 2**63 - 1)
for _t in _UINT64:
    _RANGES[_t] = (0, 2**64 - 1)
_INT_RE = re.compile(r"^-?[0-9]+$")
_FLOAT_MAX = 3.4028234663852886e38
_CAMEL = re.compile(r"[A-Z]")

WKT_STRING = {  # well-known types whose JSON form is a string
    "google.protobuf.Timestamp",
    "google.protobuf.Duration",
    "google.protobuf.FieldMask",
}
WRAPPERS = {
    f"google.protobuf.{n}"
    for n in (
        "DoubleValue",
        "FloatValue",
        "Int64Value",
        "UInt64Value",
        "Int32Value",
        "UInt32Value",
        "BoolValue",
        "StringValue",
        "BytesValue",
    )
}


WKT = (
    WKT_STRING
    | WRAPPERS
    | {
        "google.protobuf.Struct",
        "google.protobuf.Value",
        "google.protobuf.ListValue",
        "google.protobuf.Any",
        "google.protobuf.Empty",
    }
)


def is_wkt(desc: Descriptor) -> bool:
    """Well-known types with a special JSON mapping."""
    return desc.full_name in WKT


class BadInput(InvalidArgument):
    """A request that cannot be transcoded (always HTTP 400)."""

    def __init__(self, message: str, *, reason: str = "INVALID_ARGUMENT", field: str | None = None) -> None:
        super().__init__(message, reason=reason, field=field, domain="gateway.codeinterp.dev")


# ---------------------------------------------------------------------------------------------
# Output
# ---------------------------------------------------------------------------------------------

_PLANS: dict[str, list[tuple[str, int, Any, bool]]] = {}
_SINGLE, _LIST, _MAP = 0, 1, 2


def _enum_namer(enum: EnumDescriptor):
    names: dict[int, str] = {}
    for v in enum.values:  # the first declared name wins for aliases, as json_format does
        names.setdefault(v.number, v.name)
    if enum.full_name == "google.protobuf.NullValue":
        return lambda n: None
    get = names.get
    return lambda n: get(n, n)


def _b64(b: bytes) -> str:
    return base64.b64encode(b).decode("ascii")


def _double(v: float):
    if v != v:
        return "NaN"
    if v in (math.inf, -math.inf):
        return "Infinity" if v > 0 else "-Infinity"
    return v


def _float(v: float):
    if v != v or v in (math.inf, -math.inf):
        return _double(v)
    return type_checkers.ToShortestFloat(v)


def _value_to_py(v: Message):
    kind = v.WhichOneof("kind")
    if kind == "string_value":
        return v.string_value
    if kind == "number_value":
        n = v.number_value
        if n != n or n in (math.inf, -math.inf):
            return json_format.MessageToDict(v)  # raises like json_format
        return n
    if kind == "bool_value":
        return v.bool_value
    if kind == "struct_value":
        return {k: _value_to_py(x) for k, x in v.struct_value.fields.items()}
    if kind == "list_value":
        return [_value_to_py(x) for x in v.list_value.values]
    if kind == "null_value":
        return None
    raise ValueError("google.protobuf.Value with no kind set")


def _wkt_encoder(desc: Descriptor):
    name = desc.full_name
    if name in WKT_STRING:
        return lambda m: m.ToJsonString()
    if name == "google.protobuf.ListValue":
        return lambda m: [_value_to_py(x) for x in m.values]
    if name == "google.protobuf.Struct":
        return lambda m: {k: _value_to_py(x) for k, x in m.fields.items()}
    if name == "google.protobuf.Value":
        return _value_to_py
    if name == "google.protobuf.Empty":
        return lambda m: {}
    return lambda m: json_format.MessageToDict(
        m, preserving_proto_field_name=True, always_print_fields_with_no_presence=True
    )


def _scalar_encoder(fd: FieldDescriptor):
    t = fd.type
    if t == _FD.TYPE_MESSAGE:
        desc = fd.message_type
        if is_wkt(desc):
            return _wkt_encoder(desc)
        return lambda m, d=desc: encode_message(m, d)
    if t == _FD.TYPE_ENUM:
        return _enum_namer(fd.enum_type)
    if t in _INT64 or t in _UINT64:
        return str
    if t == _FD.TYPE_BYTES:
        return _b64
    if t == _FD.TYPE_DOUBLE:
        return _double
    if t == _FD.TYPE_FLOAT:
        return _float
    return None  # string, bool, 32-bit ints: as is


def _map_key_encoder(fd: FieldDescriptor):
    if fd.type == _FD.TYPE_BOOL:
        return lambda k: "true" if k else "false"
    if fd.type == _FD.TYPE_STRING:
        return None
    return str


def _plan(desc: Descriptor) -> list[tuple[str, int, Any, bool]]:
    plan = []
    for fd in desc.fields:
        if fd.message_type is not None and fd.message_type.GetOptions().map_entry:
            kfd = fd.message_type.fields_by_name["key"]
            vfd = fd.message_type.fields_by_name["value"]
            plan.append((fd.name, _MAP, (_map_key_encoder(kfd), _scalar_encoder(vfd)), False))
        elif fd.is_repeated:
            plan.append((fd.name, _LIST, _scalar_encoder(fd), False))
        else:
            plan.append((fd.name, _SINGLE, _scalar_encoder(fd), fd.has_presence))
    return plan


def encode_message(msg: Message, desc: Descriptor | None = None) -> Any:
    """The JSON value (dict, or a string/list for well-known types) of a message."""
    if desc is None:
        desc = msg.DESCRIPTOR
    plan = _PLANS.get(desc.full_name)
    if plan is None:
        if is_wkt(desc):
            return _wkt_encoder(desc)(msg)
        plan = _PLANS[desc.full_name] = _plan(desc)
    out: dict[str, Any] = {}
    for name, kind, conv, presence in plan:
        if kind == _SINGLE:
            if presence and not msg.HasField(name):
                continue
            v = getattr(msg, name)
            out[name] = v if conv is None else conv(v)
        elif kind == _LIST:
            v = getattr(msg, name)
            out[name] = list(v) if conv is None else [conv(x) for x in v]
        else:
            kconv, vconv = conv
            v = getattr(msg, name)
            out[name] = {
                (k if kconv is None else kconv(k)): (x if vconv is None else vconv(x)) for k, x in v.items()
            }
    return out


def encode_field(msg: Message, field_name: str) -> Any:
    """JSON value of one field (for `response_body`)."""
    fd = msg.DESCRIPTOR.fields_by_name[field_name]
    plan = {p[0]: p for p in (_PLANS.get(msg.DESCRIPTOR.full_name) or _plan(msg.DESCRIPTOR))}
    _, kind, conv, _ = plan[fd.name]
    v = getattr(msg, field_name)
    if kind == _SINGLE:
        return v if conv is None else conv(v)
    if kind == _LIST:
        return [x if conv is None else conv(x) for x in v]
    kconv, vconv = conv
    return {(k if kconv is None else kconv(k)): (x if vconv is None else vconv(x)) for k, x in v.items()}


# ---------------------------------------------------------------------------------------------
# Input
# ---------------------------------------------------------------------------------------------


class _Fallback(Exception):
    pass


_INDEX: dict[str, dict[str, FieldDescriptor]] = {}
_ENUMS: dict[str, tuple[dict[str, int], dict[str, str], set[int]]] = {}


def field_index(desc: Descriptor) -> dict[str, FieldDescriptor]:
    """Both spellings (proto name and json_name) → field."""
    idx = _INDEX.get(desc.full_name)
    if idx is None:
        idx = {}
        for fd in desc.fields:
            idx[fd.json_name] = fd
            idx[fd.name] = fd
        _INDEX[desc.full_name] = idx
    return idx


def _enum_tables(enum: EnumDescriptor) -> tuple[dict[str, int], dict[str, str], set[int]]:
    t = _ENUMS.get(enum.full_name)
    if t is None:
        exact = {v.name: v.number for v in enum.values}
        folded: dict[str, str] = {}
        for v in enum.values:
            folded.setdefault(v.name.lower(), v.name)
        t = _ENUMS[enum.full_name] = (exact, folded, {v.number for v in enum.values})
    return t


def enum_number(enum: EnumDescriptor, value: str) -> int | None:
    """Enum value by name, exact first, then ignoring case; None when unknown."""
    exact, folded, _ = _enum_tables(enum)
    n = exact.get(value)
    if n is None:
        name = folded.get(value.lower())
        if name is not None:
            n = exact[name]
    return n


def _scalar(fd: FieldDescriptor, v: Any) -> Any:
    t = fd.type
    tv = type(v)
    if t == _FD.TYPE_STRING:
        if tv is str:
            return v
        raise _Fallback
    if t == _FD.TYPE_BOOL:
        if tv is bool:
            return v
        raise _Fallback
    if t in _INTS:
        if tv is int:
            n = v
        elif tv is str and _INT_RE.match(v):
            n = int(v)
        else:
            raise _Fallback
        lo, hi = _RANGES[t]
        if lo <= n <= hi:
            return n
        raise _Fallback
    if t == _FD.TYPE_ENUM:
        if tv is str:
            n = enum_number(fd.enum_type, v)
            if n is not None:
                return n
        elif tv is int and v in _enum_tables(fd.enum_type)[2]:
            return v
        elif tv is float or tv is bool:  # ParseDict would truncate 1.5 (or take true) to a valid number
            raise BadInput(f"{v!r} is not a value of {fd.enum_type.full_name} (use its name or number)",
                           reason="INVALID_ENUM_VALUE", field=fd.name)
        raise _Fallback
    if t == _FD.TYPE_DOUBLE or t == _FD.TYPE_FLOAT:
        if (tv is float or tv is int) and math.isfinite(v):
            if t == _FD.TYPE_FLOAT and abs(v) > _FLOAT_MAX:
                raise _Fallback
            return v
        raise _Fallback
    if t == _FD.TYPE_BYTES:
        if tv is str and len(v) % 4 == 0 and "-" not in v and "_" not in v:
            try:
                return base64.b64decode(v, validate=True)
            except ValueError:
                pass
        raise _Fallback
    raise _Fallback


def _map_key(fd: FieldDescriptor, k: str) -> Any:
    t = fd.type
    if t == _FD.TYPE_STRING:
        return k
    if t == _FD.TYPE_BOOL:
        if k in ("true", "false"):
            return k == "true"
        raise _Fallback
    if t in _INTS and _INT_RE.match(k):
        return _scalar(fd, int(k))
    raise _Fallback


def _fill_wkt(v: Any, sub: Message, depth: int) -> None:
    sub.SetInParent()
    if type(v) is str and sub.DESCRIPTOR.full_name == "google.protobuf.FieldMask":
        # JSON says lowerCamelCase paths; accept proto (snake_case) paths too, as AIP clients send.
        sub.paths.extend(
            _CAMEL.sub(lambda m: "_" + m.group(0).lower(), p.strip()) for p in v.split(",") if p.strip()
        )
        return
    if type(v) is str and sub.DESCRIPTOR.full_name in WKT_STRING:
        try:
            sub.FromJsonString(v)
            return
        except (ValueError, TypeError):
            raise _Fallback from None
    json_format.ParseDict(v, sub, max_recursion_depth=max(1, MAX_DEPTH - depth))


def _decode(obj: Any, msg: Message, desc: Descriptor, depth: int) -> None:
    if type(obj) is not dict:
        raise _Fallback
    if depth > MAX_DEPTH:
        raise BadInput(f"JSON nesting deeper than {MAX_DEPTH} levels", reason="NESTING_TOO_DEEP")
    index = field_index(desc)
    seen: set[int] = set()
    oneofs: set[str] | None = None
    for k, v in obj.items():
        fd = index.get(k)
        if fd is None or fd.number in seen or v is None:
            raise _Fallback
        seen.add(fd.number)
        oo = fd.containing_oneof
        if oo is not None:
            if oneofs is None:
                oneofs = set()
            if oo.name in oneofs:
                raise _Fallback
            oneofs.add(oo.name)
        mt = fd.message_type
        if mt is not None and mt.GetOptions().map_entry:
            if type(v) is not dict:
                raise _Fallback
            kfd = mt.fields_by_name["key"]
            vfd = mt.fields_by_name["value"]
            target = getattr(msg, fd.name)
            if vfd.message_type is None:
                for mk, mv in v.items():
                    if mv is None:
                        raise _Fallback
                    target[_map_key(kfd, mk)] = _scalar(vfd, mv)
            else:
                vt = vfd.message_type
                for mk, mv in v.items():
                    if mv is None:
                        raise _Fallback
                    sub = target[_map_key(kfd, mk)]
                    if is_wkt(vt):
                        _fill_wkt(mv, sub, depth + 1)
                    else:
                        _decode(mv, sub, vt, depth + 1)
        elif fd.is_repeated:
            if type(v) is not list:
                raise _Fallback
            target = getattr(msg, fd.name)
            if mt is None:
                target.extend([_scalar(fd, x) for x in v])
            else:
                for x in v:
                    if x is None:
                        raise _Fallback
                    sub = target.add()
                    if is_wkt(mt):
                        _fill_wkt(x, sub, depth + 1)
                    else:
                        _decode(x, sub, mt, depth + 1)
        elif mt is not None:
            sub = getattr(msg, fd.name)
            if is_wkt(mt):
                _fill_wkt(v, sub, depth + 1)
            else:
                sub.SetInParent()
                _decode(v, sub, mt, depth + 1)
        else:
            setattr(msg, fd.name, _scalar(fd, v))


def _normalize_enums(obj: Any, desc: Descriptor, depth: int = 0) -> Any:
    """A copy of `obj` whose enum strings are replaced by the value name matching ignoring case."""
    if type(obj) is not dict or depth > MAX_DEPTH or is_wkt(desc):
        return obj
    index = field_index(desc)
    out = {}
    for k, v in obj.items():
        fd = index.get(k)
        if fd is None or v is None:
            out[k] = v
            continue
        mt = fd.message_type
        if mt is not None and mt.GetOptions().map_entry:
            vfd = mt.fields_by_name["value"]
            if type(v) is dict:
                v = {mk: _norm_value(vfd, mv, depth) for mk, mv in v.items()}
        elif fd.is_repeated and type(v) is list:
            v = [_norm_value(fd, x, depth) for x in v]
        else:
            v = _norm_value(fd, v, depth)
        out[k] = v
    return out


def _norm_value(fd: FieldDescriptor, v: Any, depth: int) -> Any:
    if fd.type == _FD.TYPE_ENUM and type(v) is str:
        exact, folded, _ = _enum_tables(fd.enum_type)
        if v not in exact:
            return folded.get(v.lower(), v)
        return v
    if fd.message_type is not None:
        return _normalize_enums(v, fd.message_type, depth + 1)
    return v


def parse_error_message(e: Exception) -> str:
    return str(e) or type(e).__name__


def check_enums(msg: Message, path: str = "") -> None:
    """BadInput for an enum number the enum does not define (security-and-reliability.md §3 case 44).

    proto3 enums are open, so `json_format.ParseDict` keeps unknown numbers (`"framework": 99`);
    a request must not carry them past the transcoder."""
    for fd, value in msg.ListFields():
        where = f"{path}{fd.name}"
        if fd.type == _FD.TYPE_ENUM:
            known = _enum_tables(fd.enum_type)[2]
            for v in value if fd.is_repeated else (value,):
                if v not in known:
                    raise BadInput(f"{v} is not a value of {fd.enum_type.full_name} (field {where})",
                                   reason="INVALID_ENUM_VALUE", field=where)
        elif fd.type == _FD.TYPE_MESSAGE:
            if fd.message_type.GetOptions().map_entry:
                vfd = fd.message_type.fields_by_name["value"]
                if vfd.type == _FD.TYPE_ENUM:
                    known = _enum_tables(vfd.enum_type)[2]
                    for k, v in value.items():
                        if v not in known:
                            raise BadInput(f"{v} is not a value of {vfd.enum_type.full_name} (field {where}[{k}])",
                                           reason="INVALID_ENUM_VALUE", field=where)
                elif vfd.type == _FD.TYPE_MESSAGE:
                    for v in value.values():
                        check_enums(v, where + ".")
            elif fd.is_repeated:
                for item in value:
                    check_enums(item, where + ".")
            else:
                check_enums(value, where + ".")


def dict_to_message(obj: Any, msg: Message) -> Message:
    """Fill `msg` (empty) from a JSON object. Raises BadInput."""
    desc = msg.DESCRIPTOR
    try:
        _decode(obj, msg, desc, 0)
        return msg
    except _Fallback:
        pass
    except json_format.ParseError:
        pass
    except RecursionError:
        raise BadInput(f"JSON nesting deeper than {MAX_DEPTH} levels", reason="NESTING_TOO_DEEP") from None
    if type(obj) is not dict:
        raise BadInput(f"expected a JSON object for {desc.full_name}", reason="INVALID_JSON")
    msg.Clear()
    try:
        json_format.ParseDict(obj, msg, max_recursion_depth=MAX_DEPTH)
        check_enums(msg)
        return msg
    except json_format.ParseError as first:
        error: Exception = first
    except (RecursionError, ValueError, TypeError, AttributeError) as first:  # defensive
        error = first
    normalized = _normalize_enums(obj, desc)
    if normalized != obj:
        msg.Clear()
        try:
            json_format.ParseDict(normalized, msg, max_recursion_depth=MAX_DEPTH)
            check_enums(msg)
            return msg
        except (json_format.ParseError, RecursionError, ValueError, TypeError, AttributeError) as second:
            error = second
    text = parse_error_message(error)
    reason = (
        "NESTING_TOO_DEEP"
        if "too deep" in text.lower() or isinstance(error, RecursionError)
        else ("UNKNOWN_FIELD" if "has no field named" in text else "INVALID_JSON")
    )
    raise BadInput(f"invalid request body: {text}", reason=reason)


# ---------------------------------------------------------------------------------------------
# Path values and query parameters
# ---------------------------------------------------------------------------------------------


def _typed_from_string(fd: FieldDescriptor, value: str, where: str) -> Any:
    t = fd.type
    try:
        if t == _FD.TYPE_STRING:
            return value
        if t == _FD.TYPE_ENUM:
            n = enum_number(fd.enum_type, value)
            if n is None and _INT_RE.match(value):
                n = int(value)
            if n is None or n not in _enum_tables(fd.enum_type)[2]:
                raise ValueError
            return n
        if t == _FD.TYPE_BOOL:
            low = value.lower()
            if low in ("true", "1"):
                return True
            if low in ("false", "0"):
                return False
            raise ValueError
        if t in _INTS:
            n = int(value)
            lo, hi = _RANGES[t]
            if not lo <= n <= hi:
                raise ValueError
            return n
        if t in (_FD.TYPE_DOUBLE, _FD.TYPE_FLOAT):
            return float(value)
        if t == _FD.TYPE_BYTES:
            return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    except (ValueError, TypeError):
        pass
    raise BadInput(f"invalid value {value!r} for {where}", reason="INVALID_ARGUMENT", field=where)


def set_path_values(msg: Message, bindings: Mapping[str, str]) -> None:
    """Set path-bound values (they override body values)."""
    for path, value in bindings.items():
        target = msg
        parts = path.split(".")
        for part in parts[:-1]:
            target = getattr(target, part)
        fd = target.DESCRIPTOR.fields_by_name[parts[-1]]
        setattr(target, parts[-1], _typed_from_string(fd, value, path))


def _query_leaf(desc: Descriptor, key: str) -> tuple[list[str], FieldDescriptor]:
    """Resolve a dotted query key (either spelling per part) to proto names and the leaf field."""
    names: list[str] = []
    cur: Descriptor | None = desc
    fd: FieldDescriptor | None = None
    parts = key.split(".")
    for i, part in enumerate(parts):
        if cur is None or is_wkt(cur):
            raise BadInput(f"unknown query parameter {key!r}", reason="UNKNOWN_QUERY_PARAMETER", field=key)
        fd = field_index(cur).get(part)
        if fd is None:
            raise BadInput(f"unknown query parameter {key!r}", reason="UNKNOWN_QUERY_PARAMETER", field=key)
        names.append(fd.name)
        mt = fd.message_type
        last = i == len(parts) - 1
        if mt is not None and mt.GetOptions().map_entry:
            raise BadInput(f"query parameter {key!r} names a map field", field=key)
        if not last and (fd.is_repeated or mt is None):
            raise BadInput(f"unknown query parameter {key!r}", reason="UNKNOWN_QUERY_PARAMETER", field=key)
        if last and mt is not None and mt.full_name not in WKT_STRING and mt.full_name not in WRAPPERS:
            raise BadInput(f"query parameter {key!r} names a message field", field=key)
        cur = mt
    assert fd is not None
    return names, fd


def _query_value(fd: FieldDescriptor, value: str, key: str) -> Any:
    mt = fd.message_type
    if mt is not None:
        if mt.full_name in WRAPPERS:
            inner = mt.fields_by_name["value"]
            if inner.type == _FD.TYPE_BOOL:
                return _typed_from_string(inner, value, key)
        return value  # Timestamp / Duration / FieldMask / other wrappers: JSON strings
    if fd.type == _FD.TYPE_BOOL:
        return _typed_from_string(fd, value, key)
    if fd.type in (_FD.TYPE_DOUBLE, _FD.TYPE_FLOAT):
        return _typed_from_string(fd, value, key)
    return value  # strings, ints (quoted ints are valid proto3 JSON), enums, bytes


def query_to_dict(desc: Descriptor, params: Iterable[tuple[str, str]], excluded: set[str]) -> dict[str, Any]:
    """Query parameters → a nested dict keyed by proto names. `excluded` holds top-level
    proto field names that may not come from the query (path-bound or body fields)."""
    out: dict[str, Any] = {}
    for key, value in params:
        names, fd = _query_leaf(desc, key)
        dotted = ".".join(names)
        if names[0] in excluded or dotted in excluded:
            raise BadInput(
                f"query parameter {key!r} is bound by the path or the body",
                reason="QUERY_PARAMETER_CONFLICT",
                field=key,
            )
        node = out
        for n in names[:-1]:
            nxt = node.setdefault(n, {})
            node = nxt
        leaf = names[-1]
        v = _query_value(fd, value, key)
        if fd.is_repeated:
            node.setdefault(leaf, []).append(v)
        elif leaf in node:
            raise BadInput(f"query parameter {key!r} repeated for a non-repeated field", field=key)
        else:
            node[leaf] = v
    return out


def violations_of(e: InvalidArgument) -> list[FieldViolation]:
    return list(e.field_violations)
