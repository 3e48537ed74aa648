"""OpenAPI 3.1 generated from the route route_table: every binding of the four APIs is documented."""

from __future__ import annotations

import re

import pytest
from conftest import API_MODULES

from codeinterp_gateway.transcode import build_openapi, load_comments
from codeinterp_gateway.transcode.openapi import default_descriptor_set_path


@pytest.fixture(scope="module")
def doc(route_table):
    return build_openapi(route_table)


def _operations(doc):
    for path, item in doc["paths"].items():
        for verb, op in item.items():
            yield path, verb, op


def _path_regex(path: str, op: dict) -> re.Pattern:
    """A regex of concrete URLs the OpenAPI path stands for (patterns inlined)."""
    params = {p["name"]: p for p in op["parameters"] if p["in"] == "path"}
    out = ""
    for lit, name in re.findall(r"([^{]*)(?:\{([^}]*)\})?", path):
        out += re.escape(lit)
        if name:
            pat = params[name]["schema"].get("pattern")
            out += pat[1:-1] if pat else "[^/]+"
    return re.compile("^" + out + "$")


def test_every_method_of_every_service_documented(doc, route_table):
    ops = {op["operationId"]: (path, verb, op) for path, verb, op in _operations(doc)}
    for modules in API_MODULES.values():
        for mod in modules:
            for svc in mod.DESCRIPTOR.services_by_name.values():
                for m in svc.methods:
                    routes = [r for r in route_table.routes if r.method.descriptor is m]
                    assert routes, f"{m.full_name} has no HTTP binding"
                    for r in routes:
                        path, verb, op = ops[r.operation_id]
                        assert verb == r.verb.lower()
                        assert op["x-grpc-method"] == f"/{svc.full_name}/{m.name}"
                        # the documented path matches the URLs the route serves
                        sample = r.template.render(
                            {
                                v.field_path: v.pattern.replace("**", "x").replace("*", "x")
                                for v in r.template.variables
                            }
                        )
                        assert _path_regex(path, op).match(sample), (path, sample)
                        assert route_table.match(r.verb, sample)[0] is r


def test_operation_ids_unique_and_paths_unambiguous(doc):
    ids = [op["operationId"] for _, _, op in _operations(doc)]
    assert len(ids) == len(set(ids))
    shapes: dict[str, str] = {}
    for path in doc["paths"]:
        shape = re.sub(r"\{[^}]*\}", "{}", path)
        assert shapes.setdefault(shape, path) == path, f"equivalent templated paths {path} / {shapes[shape]}"


def test_spec_valid(doc):
    validator = pytest.importorskip("openapi_spec_validator")
    validator.validate(doc)


def test_key_paths(doc):
    p = doc["paths"]
    # {name=sessions/*} → {name} + pattern where unambiguous
    param = p["/v1/{parent}/datasets"]["get"]["parameters"][0]
    assert param["name"] == "parent" and param["schema"]["pattern"] == "^sessions/[^/]+$"
    # expanded where `{name}` would collide
    assert {"get", "patch", "delete"} <= set(p["/v1/sessions/{session}"])
    assert {"get", "delete"} <= set(p["/v1/sessions/{session}/datasets/{dataset}"])
    assert p["/spark/generate"]["post"]["operationId"] == "AskService_Generate_2"
    # query parameters (proto names), none for body "*"
    names = [q["name"] for q in p["/v1/databases"]["get"]["parameters"]]
    assert names == ["page_size", "page_token"]
    create = p["/v1/sparkJobs"]["post"]
    assert [q["name"] for q in create["parameters"]] == ["spark_job_id", "request_id"]
    assert create["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith(".SparkJob")
    assert p["/v1/sparkJobs:solve"]["post"]["parameters"] == []
    # body "*" with path fields: the path field is not in the body schema
    ask_body = p["/v1/{session}:ask"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert "session" not in ask_body["properties"] and "prompt" in ask_body["properties"]
    # streaming
    watch = p["/v1/sparkJobs/{sparkJob}:watch"]["get"]["responses"]["200"]["content"]
    assert set(watch) == {"application/x-ndjson", "text/event-stream"}
    assert watch["application/x-ndjson"]["schema"]["properties"]["error"]["$ref"].endswith(
        "google.rpc.Status"
    )
    # raw bodies
    assert "*/*" in p["/v1/sparkJobs/{sparkJob}:export"]["get"]["responses"]["200"]["content"]
    assert "*/*" in p["/v1/{parent}/datasets:upload"]["post"]["requestBody"]["content"]
    # client streaming
    up = p["/v1/{parent}/datasets:streamUpload"]["post"]["requestBody"]["content"]
    assert up["application/json"]["schema"]["type"] == "array" and "application/x-ndjson" in up
    # errors
    for _, _, op in _operations(doc):
        assert op["responses"]["default"]["content"]["application/json"]["schema"]["$ref"].endswith(
            "google.rpc.Status"
        )
        assert "404" in op["responses"] and "405" in op["responses"]


def test_schemas(doc):
    s = doc["components"]["schemas"]
    assert s["codeinterp.common.v1.Framework"] == {
        "type": "string",
        "enum": ["FRAMEWORK_UNSPECIFIED", "SPARK", "RAY"],
        "description": s["codeinterp.common.v1.Framework"]["description"],
    }
    ds = s["codeinterp.gateway.v1.Dataset"]["properties"]
    assert ds["size_bytes"]["type"] == "string" and ds["size_bytes"]["format"] == "int64"
    assert ds["create_time"]["format"] == "date-time" and ds["create_time"]["readOnly"] is True
    assert ds["preview_rows"] == {
        **ds["preview_rows"],
        "type": "array",
        "items": {"type": "array", "items": {}},
    }
    assert s["codeinterp.gateway.v1.Session"]["properties"]["labels"]["additionalProperties"] == {
        "type": "string"
    }
    assert s["codeinterp.common.v1.RunLimits"]["properties"]["timeout"]["pattern"].endswith("s$")
    assert s["codeinterp.gateway.v1.SelectTablesRequest"]["required"] == ["tables"]
    assert "google.rpc.Status" in s and "google.protobuf.Any" in s
    for name, schema in s.items():  # every $ref resolves
        for ref in re.findall(r"'\$ref': '#/components/schemas/([^']+)'", str(schema)):
            assert ref in s, (name, ref)


def test_descriptions_from_comments(doc):
    op = doc["paths"]["/v1/sessions"]["post"]
    assert op["summary"] == "Creates a session."
    assert "proto field names" in doc["info"]["description"]
    assert "404" in doc["info"]["description"] and "405" in doc["info"]["description"]
    tags = {t["name"]: t for t in doc["tags"]}
    assert tags["SessionService"]["description"].startswith("Sessions group")
    assert default_descriptor_set_path() is not None
    assert load_comments(default_descriptor_set_path())["codeinterp.common.v1.Framework.SPARK"].startswith(
        "PySpark"
    )


def test_without_source_info_falls_back(route_table, tmp_path):
    doc = build_openapi(route_table, descriptor_set_path=tmp_path / "missing.binpb")
    op = doc["paths"]["/v1/sessions"]["post"]
    assert op["summary"] == "CreateSession" and "description" not in op
    (tmp_path / "junk.binpb").write_bytes(b"\xff\xff")
    assert load_comments(tmp_path / "junk.binpb") == {}
