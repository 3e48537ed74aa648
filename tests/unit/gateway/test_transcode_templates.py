"""Path templates (google/api/http.proto grammar) and the route route_table."""

from __future__ import annotations

import pytest
from google.api import annotations_pb2, http_pb2
from google.protobuf import (
    descriptor_pb2,
    descriptor_pool,
    empty_pb2,  # noqa: F401 - registers the file
)

from codeinterp.gateway.v1 import session_service_pb2, settings_service_pb2
from codeinterp_gateway.transcode import (
    MethodNotAllowed,
    PathTraversal,
    RouteNotFound,
    RouteTable,
    TemplateError,
    parse,
)

MATCH_CASES = [
    # template, path, expected bindings (None = no match)
    ("/v1/sessions", "/v1/sessions", {}),
    ("/v1/sessions", "/v1/sessions/x", None),
    ("/v1/{name}", "/v1/abc", {"name": "abc"}),
    ("/v1/{name}", "/v1/a/b", None),
    ("/v1/{name=sessions/*}", "/v1/sessions/abc", {"name": "sessions/abc"}),
    ("/v1/{name=sessions/*}", "/v1/sessions", None),
    ("/v1/{name=sessions/*}", "/v1/other/abc", None),
    ("/v1/{name=sessions/*/datasets/*}", "/v1/sessions/s/datasets/d", {"name": "sessions/s/datasets/d"}),
    ("/v1/{session.name=sessions/*}", "/v1/sessions/s1", {"session.name": "sessions/s1"}),
    ("/{framework=spark}/generate", "/spark/generate", {"framework": "spark"}),
    ("/{framework=spark}/generate", "/ray/generate", None),
    ("/v1/{name=sessions/*}:ask", "/v1/sessions/s:ask", {"name": "sessions/s"}),
    ("/v1/{name=sessions/*}:ask", "/v1/sessions/s", None),
    ("/v1/{name=sessions/*}:ask", "/v1/sessions/s:other", None),
    ("/v1/settings:restoreDefaults", "/v1/settings:restoreDefaults", {}),
    ("/v1/*/items", "/v1/anything/items", {}),
    ("/v1/**", "/v1", {}),
    ("/v1/**", "/v1/a/b/c", {}),
    ("/v1/{path=**}", "/v1/a/b/c", {"path": "a/b/c"}),
    ("/v1/{path=**}", "/v1", {"path": ""}),
    ("/v1/{name=shelves/**}:read", "/v1/shelves/a/b:read", {"name": "shelves/a/b"}),
    ("/v1/{a}/x/{b}", "/v1/1/x/2", {"a": "1", "b": "2"}),
    # percent-decoding: single segment fully, multi-segment keeps %2F
    ("/v1/{name}", "/v1/a%20b%2Fc", {"name": "a b/c"}),
    ("/v1/{name}", "/v1/caf%C3%A9", {"name": "café"}),
    ("/v1/{name=x/*}", "/v1/x/a%2Fb%20c", {"name": "x/a%2Fb c"}),
]


@pytest.mark.parametrize(("template", "path", "expected"), MATCH_CASES)
def test_match(template, path, expected):
    assert parse(template).match(path) == expected


@pytest.mark.parametrize(
    "path",
    ["/v1/..", "/v1/.", "/v1/%2E%2E", "/v1/%2e", "/v1/..%2F..", "/v1/a%2F..%2Fb"],
)
def test_single_segment_traversal_rejected(path):
    with pytest.raises(PathTraversal):
        parse("/v1/{name}").match(path)


@pytest.mark.parametrize("path", ["/v1/x/..", "/v1/x/%2E%2E", "/v1/x/a/../b", "/v1/x/."])
def test_multi_segment_traversal_rejected(path):
    with pytest.raises(PathTraversal):
        parse("/v1/{name=x/**}").match(path)


@pytest.mark.parametrize(
    "template",
    ["v1/x", "/v1/**/x", "/v1/{name", "/v1/{9bad}", "/v1/{a}/{a}", "/v1/x:", "/v1//x", "/v1/{a=b/**/c}"],
)
def test_bad_templates(template):
    with pytest.raises(TemplateError):
        parse(template)


def test_specificity_literal_heavier_first():
    a = parse("/v1/{name=sessions/*}")
    b = parse("/v1/{name}")
    c = parse("/v1/{name=sessions/*}:ask")
    assert c.specificity > a.specificity > b.specificity


def _service(name: str, rules: dict[str, http_pb2.HttpRule]):
    """A synthetic service in its own pool (methods take/return Empty)."""
    pool = descriptor_pool.DescriptorPool()
    pool.AddSerializedFile(empty_pb2.DESCRIPTOR.serialized_pb)
    f = descriptor_pb2.FileDescriptorProto(name=f"{name}.proto", package="t", syntax="proto3")
    f.dependency.append("google/protobuf/empty.proto")
    msg = f.message_type.add(name="Req")
    msg.field.add(name="name", number=1, type=9, label=1)
    msg.field.add(name="tags", number=2, type=9, label=3)
    svc = f.service.add(name=name)
    for mname, rule in rules.items():
        m = svc.method.add(name=mname, input_type=".t.Req", output_type=".google.protobuf.Empty")
        m.options.Extensions[annotations_pb2.http].CopyFrom(rule)
    pool.Add(f)
    return pool.FindServiceByName(f"t.{name}")


def test_duplicate_rule_fails_fast():
    svc = _service(
        "Dup",
        {
            "A": http_pb2.HttpRule(get="/v1/{name=things/*}"),
            "B": http_pb2.HttpRule(get="/v1/{name=things/*}"),
        },
    )
    with pytest.raises(ValueError, match="duplicate HTTP rule"):
        RouteTable.from_services([svc])


def test_duplicate_via_additional_binding_fails_fast():
    rule = http_pb2.HttpRule(get="/v1/a")
    rule.additional_bindings.add(get="/v1/a")
    with pytest.raises(ValueError, match="duplicate"):
        RouteTable.from_services([_service("Dup2", {"A": rule})])


def test_repeated_path_field_rejected():
    with pytest.raises(ValueError, match="repeated"):
        RouteTable.from_services([_service("Rep", {"A": http_pb2.HttpRule(get="/v1/{tags}")})])


def test_same_template_different_verbs_ok_and_custom_verb():
    rule = http_pb2.HttpRule(custom=http_pb2.CustomHttpPattern(kind="HEAD", path="/v1/x"))
    t = RouteTable.from_services(
        [
            _service(
                "Ok", {"A": http_pb2.HttpRule(get="/v1/x"), "B": http_pb2.HttpRule(post="/v1/x"), "C": rule}
            )
        ]
    )
    assert t.match("HEAD", "/v1/x")[0].method.name == "C"
    assert t.match("POST", "/v1/x")[0].method.name == "B"


@pytest.fixture(scope="module")
def gw_table():
    return RouteTable.from_services(
        [
            session_service_pb2.DESCRIPTOR.services_by_name["SessionService"],
            settings_service_pb2.DESCRIPTOR.services_by_name["SettingsService"],
        ]
    )


@pytest.mark.parametrize(
    ("verb", "path", "method", "bindings"),
    [
        ("GET", "/v1/sessions", "ListSessions", {}),
        ("POST", "/v1/sessions", "CreateSession", {}),
        ("GET", "/v1/sessions/s1", "GetSession", {"name": "sessions/s1"}),
        ("PATCH", "/v1/sessions/s1", "UpdateSession", {"session.name": "sessions/s1"}),
        ("DELETE", "/v1/sessions/s1", "DeleteSession", {"name": "sessions/s1"}),
        ("POST", "/v1/sessions/s1:reset", "ResetSession", {"name": "sessions/s1"}),
        ("POST", "/sessions/abc/reset", "ResetSession", {"session_id": "abc"}),
        ("GET", "/history/abc", "ListHistory", {"session_id": "abc"}),
        ("GET", "/settings", "GetSettings", {}),
        ("POST", "/settings", "UpdateSettings", {}),
        ("POST", "/v1/settings:restoreDefaults", "RestoreDefaultSettings", {}),
    ],
)
def test_table_match(gw_table, verb, path, method, bindings):
    route, got = gw_table.match(verb, path)
    assert route.method.name == method
    assert got == bindings


def test_table_404_and_405(gw_table):
    with pytest.raises(RouteNotFound):
        gw_table.match("GET", "/v2/sessions")
    with pytest.raises(MethodNotAllowed) as e:
        gw_table.match("PUT", "/v1/sessions/s1")
    assert e.value.allowed == ["DELETE", "GET", "PATCH"]
    with pytest.raises(MethodNotAllowed) as e:
        gw_table.match("DELETE", "/v1/settings")
    assert e.value.allowed == ["GET", "PATCH"]
