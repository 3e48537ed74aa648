"""The ASGI tapp: body and query rules, errors, content types, limits, streaming, headers."""

from __future__ import annotations

import asyncio
import base64
import json

import pytest
from google.api import httpbody_pb2
from google.rpc import code_pb2, error_details_pb2, status_pb2

from codeinterp.common.v1 import types_pb2
from codeinterp.gateway.v1 import dataset_service_pb2, session_service_pb2, settings_service_pb2
from codeinterp.sparksupervisor.v1 import spark_supervisor_service_pb2 as spark_pb2
from codeinterp_common import errors
from codeinterp_gateway.transcode import RpcStatusError, TranscoderOptions, parse_grpc_timeout

JSON = {"content-type": "application/json"}


# -- body rules ----------------------------------------------------------------------------


async def test_body_star_all_fields_from_body_path_overrides(tapp, recorder, call):
    r = await call(
        tapp,
        "POST",
        "/v1/sessions/s1:selectTables",
        body={"name": "sessions/ignored", "sessionId": "x", "tables": [{"database": "d", "table": "t"}]},
    )
    assert r.status == 200, r.body
    req = recorder.calls[0].request
    assert req.name == "sessions/s1"  # the path wins
    assert req.session_id == "x"
    assert req.tables[0].table == "t"


async def test_body_star_rejects_query(tapp, call):
    r = await call(tapp, "POST", "/v1/sessions/s1:selectTables", body={}, query="tables=x")
    assert r.status == 400
    assert r.json()["details"][0]["reason"] == "QUERY_PARAMETERS_NOT_ALLOWED"


async def test_body_star_empty_body(tapp, recorder, call):
    r = await call(tapp, "POST", "/v1/sessions/s1:reset")
    assert r.status == 200
    assert recorder.calls[0].request == session_service_pb2.ResetSessionRequest(name="sessions/s1")


async def test_body_field_rest_from_query(tapp, recorder, call):
    r = await call(
        tapp,
        "POST",
        "/v1/sessions",
        body={"displayName": "n", "labels": {"a": "b"}},
        query="session_id=abc&requestId=r1",
    )
    assert r.status == 200, r.body
    req = recorder.calls[0].request
    assert req == session_service_pb2.CreateSessionRequest(
        session=session_service_pb2.Session(display_name="n", labels={"a": "b"}),
        session_id="abc",
        request_id="r1",
    )


async def test_body_field_with_nested_path_binding(tapp, recorder, call):
    r = await call(
        tapp,
        "PATCH",
        "/v1/sessions/s9",
        body={"name": "other", "display_name": "x"},
        query="update_mask=display_name,labels",
    )
    assert r.status == 200, r.body
    req = recorder.calls[0].request
    assert req.session.name == "sessions/s9" and req.session.display_name == "x"
    assert list(req.update_mask.paths) == ["display_name", "labels"]


async def test_query_may_not_target_body_field(tapp, call):
    r = await call(tapp, "POST", "/v1/sessions", body={}, query="session.display_name=x")
    assert r.status == 400


async def test_no_body_all_from_query(tapp, recorder, call):
    r = await call(tapp, "GET", "/v1/sparkJobs", query="pageSize=5&page_token=t&session=sessions%2Fs")
    assert r.status == 200
    assert recorder.calls[0].request == spark_pb2.ListSparkJobsRequest(
        page_size=5, page_token="t", session="sessions/s"
    )


async def test_no_body_ignores_request_body(tapp, recorder, call):
    r = await call(tapp, "GET", "/v1/sessions/s1", body=b"garbage", headers={"content-type": "text/plain"})
    assert r.status == 200


# -- query rules ---------------------------------------------------------------------------

QUERY_OK = [
    ("/v1/databases", "page_size=3", {"page_size": 3}),
    ("/v1/databases", "pageSize=3&pageToken=x", {"page_size": 3, "page_token": "x"}),
    ("/v1/databases", "page_token=", {}),
    (
        "/v1/databases/db/tables",
        "page_size=%2010".replace("%20", ""),
        {"page_size": 10, "parent": "databases/db"},
    ),
]


@pytest.mark.parametrize(("path", "query", "fields"), QUERY_OK)
async def test_query_ok(tapp, recorder, call, path, query, fields):
    r = await call(tapp, "GET", path, query=query)
    assert r.status == 200, r.body
    req = recorder.calls[0].request
    for k, v in fields.items():
        assert getattr(req, k) == v


async def test_query_nested_repeated_bool_enum(route_table):
    """A synthetic check on a request with nested, repeated, bool and enum leaves."""
    from codeinterp_gateway.transcode.convert import query_to_dict

    desc = spark_pb2.CreateSparkJobRequest.DESCRIPTOR
    d = query_to_dict(
        desc,
        [
            ("spark_job.code", "x"),
            ("sparkJob.executionPlatform", "lambda"),
            ("spark_job.limits.preview_rows", "7"),
            ("spark_job.limits.timeout", "3s"),
        ],
        set(),
    )
    assert d == {
        "spark_job": {
            "code": "x",
            "execution_platform": "lambda",
            "limits": {"preview_rows": "7", "timeout": "3s"},
        }
    }
    from codeinterp_gateway.transcode.convert import dict_to_message

    msg = dict_to_message(d, spark_pb2.CreateSparkJobRequest())
    assert msg.spark_job.execution_platform == types_pb2.LAMBDA
    assert msg.spark_job.limits.timeout.seconds == 3
    d = query_to_dict(dataset_service_pb2.CommitDatasetUploadRequest.DESCRIPTOR, [("select", "true")], set())
    assert d == {"select": True}


async def test_query_repeated_by_repeating_key():
    from google.protobuf import descriptor_pb2

    from codeinterp_gateway.transcode.convert import dict_to_message, query_to_dict

    desc = descriptor_pb2.FileDescriptorProto.DESCRIPTOR  # has repeated string / int32 leaves
    d = query_to_dict(
        desc,
        [
            ("dependency", "a"),
            ("dependency", "b"),
            ("publicDependency", "1"),
            ("public_dependency", "2"),
            ("options.java_package", "p"),
            ("options.javaMultipleFiles", "true"),
        ],
        set(),
    )
    assert d == {
        "dependency": ["a", "b"],
        "public_dependency": ["1", "2"],
        "options": {"java_package": "p", "java_multiple_files": True},
    }
    msg = dict_to_message(d, descriptor_pb2.FileDescriptorProto())
    assert list(msg.public_dependency) == [1, 2] and msg.options.java_multiple_files is True
    with pytest.raises(errors.InvalidArgument):  # repeated message leaves are not query parameters
        query_to_dict(session_service_pb2.Session.DESCRIPTOR, [("data_sources", "x")], set())
    with pytest.raises(errors.InvalidArgument):  # nor maps
        query_to_dict(session_service_pb2.Session.DESCRIPTOR, [("labels", "x")], set())
    msg = dict_to_message({"update_mask": "displayName,labels"}, session_service_pb2.UpdateSessionRequest())
    assert list(msg.update_mask.paths) == ["display_name", "labels"]


@pytest.mark.parametrize(
    ("path", "query", "reason"),
    [
        ("/v1/databases", "nope=1", "UNKNOWN_QUERY_PARAMETER"),
        ("/v1/databases", "page_size=abc", "INVALID_JSON"),
        ("/v1/databases", "page_size=1&page_size=2", "INVALID_ARGUMENT"),
        ("/v1/sessions/s/datasets", "parent=sessions/x", "QUERY_PARAMETER_CONFLICT"),
        ("/v1/databases", "page_size=%FF", "INVALID_QUERY"),
        ("/v1/sessions/s1/history", "page_size.x=1", "UNKNOWN_QUERY_PARAMETER"),
    ],
)
async def test_query_errors(tapp, call, path, query, reason):
    r = await call(tapp, "GET", path, query=query)
    assert r.status == 400, r.body
    body = r.json()
    assert body["code"] == code_pb2.INVALID_ARGUMENT
    assert body["details"][0]["reason"] == reason


# -- JSON input ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "headers", "status", "reason"),
    [
        (b"{", JSON, 400, "INVALID_JSON"),
        (b"[1,2]", JSON, 400, "INVALID_JSON"),
        (b'"str"', JSON, 400, "INVALID_JSON"),
        (b'{"prompt": 5}', JSON, 400, "INVALID_JSON"),
        (b'{"nope": 1}', JSON, 400, "UNKNOWN_FIELD"),
        (b'{"maxAttempts": "x"}', JSON, 400, "INVALID_JSON"),
        (b'{"maxAttempts": 99999999999}', JSON, 400, "INVALID_JSON"),
        (b'{"framework": "klingon"}', JSON, 400, "INVALID_JSON"),
        (b'{"dataSources": [{"dataset": "a", "s3Uri": "b"}]}', JSON, 400, "INVALID_JSON"),
        (b"\xff\xfe\x00", JSON, 400, "INVALID_JSON"),
        (b"[" * 20000 + b"]" * 20000, JSON, 400, None),
        (b'{"dataSources": ' + b"[" * 70 + b"]" * 70 + b"}", JSON, 400, None),
        (b'{"prompt": "x"}', {"content-type": "text/plain"}, 415, "UNSUPPORTED_MEDIA_TYPE"),
        (
            b'{"prompt": "x"}',
            {"content-type": "application/x-www-form-urlencoded"},
            415,
            "UNSUPPORTED_MEDIA_TYPE",
        ),
        (b"x" * (64 * 1024 + 1), JSON, 413, "PAYLOAD_TOO_LARGE"),
    ],
)
@pytest.mark.parametrize("chunks", [1, 3])
async def test_bad_input_is_4xx(tapp, call, body, headers, status, reason, chunks):
    r = await call(tapp, "POST", "/generate", body=body, headers=headers, chunks=chunks)
    assert r.status == status, r.body
    out = r.json()
    assert set(out) == {"code", "message", "details"}
    if reason:
        assert out["details"][0]["reason"] == reason
    assert "Traceback" not in r.body.decode()


async def test_oversize_by_content_length_rejected_early(tapp, call):
    r = await call(tapp, "POST", "/generate", body=b"{}", headers={**JSON, "content-length": str(10**9)})
    assert r.status == 413


async def test_nested_struct_depth_limited(tapp, call):
    deep: object = 1
    for _ in range(80):
        deep = {"a": deep}
    # ListResultRows responses aside, requests with Struct are rare; use ExecutionInput.sample_rows (ListValue)
    body = {"inputs": [{"name": "x", "sampleRows": [[deep]]}], "code": "c"}
    r = await call(tapp, "POST", "/v1/sparkJobs:validate", body=body)
    assert r.status == 400


async def test_charset_and_plus_json_accepted(tapp, recorder, call):
    r = await call(
        tapp,
        "POST",
        "/generate",
        body=b'{"prompt":"x"}',
        headers={"content-type": "application/json; charset=utf-8"},
    )
    assert r.status == 200
    r = await call(tapp, "POST", "/generate", body=b'{"prompt":"x"}')  # no content type
    assert r.status == 200


@pytest.mark.parametrize(
    ("body", "framework", "platform"),
    [
        ({"framework": "spark"}, types_pb2.SPARK, 0),
        ({"framework": "Ray", "execution_engine": "lambda"}, types_pb2.RAY, types_pb2.LAMBDA),
        ({"framework": "SPARK", "executionEngine": "emr"}, types_pb2.SPARK, types_pb2.EMR_SERVERLESS),
        ({"framework": 2, "executionEngine": "Emr_Serverless"}, types_pb2.RAY, types_pb2.EMR_SERVERLESS),
    ],
)
async def test_enum_case_insensitive(tapp, recorder, call, body, framework, platform):
    r = await call(tapp, "POST", "/generate", body={"prompt": "p", **body})
    assert r.status == 200, r.body
    req = recorder.calls[0].request
    assert req.framework == framework and req.execution_engine == platform


async def test_enum_case_insensitive_on_fallback_path():
    """An input the fast decoder leaves to ParseDict (a Duration object form) still gets the retry."""
    from codeinterp_gateway.transcode.convert import dict_to_message

    msg = dict_to_message(
        {"spark_job": {"execution_platform": "lambda", "code_sha256": None}},
        spark_pb2.CreateSparkJobRequest(),
    )
    assert msg.spark_job.execution_platform == types_pb2.LAMBDA


async def test_literal_path_variable_binds_enum(tapp, recorder, call):
    r = await call(tapp, "POST", "/spark/generate", body={"prompt": "p", "framework": "RAY"})
    assert r.status == 200
    assert recorder.calls[0].request.framework == types_pb2.SPARK  # path-bound value wins


# -- output --------------------------------------------------------------------------------


async def test_output_proto_names_and_defaults(tapp, recorder, call):
    recorder.responses["GetSettings"] = settings_service_pb2.Settings(name="settings")
    r = await call(tapp, "GET", "/settings")
    assert r.status == 200
    assert r.headers["content-type"] == "application/json"
    out = r.json()
    assert out["name"] == "settings"
    assert "global_settings" not in out  # message fields have presence: omitted when unset
    recorder.responses["GetSession"] = session_service_pb2.Session(name="sessions/a")
    out = (await call(tapp, "GET", "/v1/sessions/a")).json()
    assert out["display_name"] == "" and out["labels"] == {} and out["data_sources"] == []


async def test_http_body_out_and_in(tapp, recorder, call):
    recorder.responses["ExportSparkJob"] = httpbody_pb2.HttpBody(content_type="text/csv", data=b"a,b\n1,2\n")
    r = await call(tapp, "GET", "/v1/sparkJobs/j1:export")
    assert r.status == 200 and r.headers["content-type"] == "text/csv" and r.body == b"a,b\n1,2\n"
    assert recorder.calls[0].request.name == "sparkJobs/j1"

    raw = b"x,y\n" + bytes(range(256)) * 10  # not JSON, not UTF-8; bigger than nothing, under the raw limit
    r = await call(
        tapp,
        "POST",
        "/v1/sessions/s1/datasets:upload",
        body=raw,
        headers={"content-type": "text/csv"},
        query="filename=a.csv&select=true",
        chunks=4,
    )
    assert r.status == 200, r.body
    req = recorder.calls[1].request
    assert req.parent == "sessions/s1" and req.filename == "a.csv" and req.select is True
    assert req.content.data == raw and req.content.content_type == "text/csv"

    r = await call(
        tapp, "PUT", "/v1/uploads/tok", body=b"abc", headers={"content-type": "application/octet-stream"}
    )
    assert r.status == 200 and r.json() == {}
    assert recorder.calls[2].request.content.data == b"abc"


async def test_http_body_raw_limit(make_app, recorder, call):
    tapp = make_app(recorder, options=TranscoderOptions(max_body_bytes=10, max_raw_body_bytes=100))
    r = await call(tapp, "PUT", "/v1/uploads/tok", body=b"x" * 50)
    assert r.status == 200
    r = await call(tapp, "PUT", "/v1/uploads/tok", body=b"x" * 101)
    assert r.status == 413
    r = await call(tapp, "POST", "/generate", body=b'{"prompt":"abcdefgh"}', headers=JSON)
    assert r.status == 413


# -- errors --------------------------------------------------------------------------------


@pytest.mark.parametrize(("code", "http"), sorted(errors.HTTP_STATUS_BY_CODE.items()))
async def test_error_codes_map_to_http(tapp, recorder, call, code, http):
    if code == code_pb2.OK:
        return
    info = error_details_pb2.ErrorInfo(reason="WHY", domain="x.codeinterp.dev", metadata={"k": "v"})
    status = status_pb2.Status(code=code, message="boom")
    status.details.add().Pack(info)
    recorder.responses["GetSession"] = RpcStatusError(status)
    r = await call(tapp, "GET", "/v1/sessions/s1")
    assert r.status == http
    assert r.json() == {
        "code": code,
        "message": "boom",
        "details": [
            {
                "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                "reason": "WHY",
                "domain": "x.codeinterp.dev",
                "metadata": {"k": "v"},
            }
        ],
    }


async def test_unknown_detail_type_still_renders(tapp, recorder, call):
    status = status_pb2.Status(code=code_pb2.ABORTED, message="m")
    status.details.add(type_url="type.googleapis.com/no.such.Type", value=b"\x01")
    recorder.responses["GetSession"] = RpcStatusError(status)
    r = await call(tapp, "GET", "/v1/sessions/s1")
    assert r.status == 409
    assert r.json()["details"] == [{"@type": "type.googleapis.com/no.such.Type", "value": "AQ=="}]


async def test_unexpected_invoker_failure_is_500_without_traceback(tapp, recorder, call):
    recorder.responses["GetSession"] = RuntimeError("secret internals")
    r = await call(tapp, "GET", "/v1/sessions/s1")
    assert r.status == 500
    assert "secret" not in r.body.decode()
    assert "correlation_id" in r.json()["details"][0]["metadata"]


@pytest.mark.parametrize(
    ("verb", "path", "status", "allow"),
    [
        ("GET", "/nope", 404, None),
        ("GET", "/v1/sessions/a/b/c/d/e", 404, None),
        ("GET", "/v1/", 404, None),
        ("PUT", "/v1/sessions", 405, "GET, POST"),
        ("POST", "/v1/sessions/s1", 405, "DELETE, GET, PATCH"),
        ("GET", "/v1/sessions/..", 400, None),
        ("GET", "/v1/sessions/%2e%2E", 400, None),
        ("GET", "/glue/tables/%C3", 400, None),
    ],
)
async def test_routing_errors(tapp, call, verb, path, status, allow):
    r = await call(tapp, verb, path)
    assert r.status == status
    body = r.json()
    assert body["code"] in (code_pb2.NOT_FOUND, code_pb2.UNIMPLEMENTED, code_pb2.INVALID_ARGUMENT)
    if status == 404:
        assert body["code"] == code_pb2.NOT_FOUND
    if allow:
        assert r.headers["allow"] == allow


async def test_no_invoker_for_service(route_table, call, recorder):
    from codeinterp_gateway.transcode import TranscodingApp

    tapp = TranscodingApp(route_table, {})
    r = await call(tapp, "GET", "/v1/sessions/s")
    assert r.status == 501


# -- healthz / openapi ---------------------------------------------------------------------


async def test_healthz(make_app, recorder, call):
    serving = {"v": True}
    tapp = make_app(recorder, is_serving=lambda: serving["v"])
    r = await call(tapp, "GET", "/healthz")
    assert (r.status, r.json()) == (200, {"status": "SERVING"})
    serving["v"] = False
    r = await call(tapp, "GET", "/healthz")
    assert r.status == 503

    async def async_serving():
        return True

    tapp = make_app(recorder, is_serving=async_serving)
    assert (await call(tapp, "GET", "/healthz")).status == 200


async def test_openapi_served(tapp, call):
    r = await call(tapp, "GET", "/openapi.json")
    assert r.status == 200 and r.json()["openapi"].startswith("3.1")


async def test_lifespan(tapp):
    msgs = [{"type": "lifespan.startup"}, {"type": "lifespan.shutdown"}]
    sent = []

    async def receive():
        return msgs.pop(0)

    async def send(m):
        sent.append(m["type"])

    await tapp({"type": "lifespan"}, receive, send)
    assert sent == ["lifespan.startup.complete", "lifespan.shutdown.complete"]


# -- headers and deadlines -----------------------------------------------------------------


async def test_headers_forwarded(tapp, recorder, call):
    r = await call(
        tapp,
        "GET",
        "/v1/sessions/s1",
        headers={
            "authorization": "Bearer t",
            "traceparent": "00-abc-def-01",
            "x-request-id": "rid-1",
            "grpc-metadata-tenant": "acme",
            "grpc-metadata-blob-bin": base64.b64encode(b"\x00\x01").decode(),
            "grpc-metadata-grpc-timeout": "1S",
            "cookie": "secret",
            "grpc-metadata-Bad Key": "x",
            "grpc-metadata-x-codeinterp-principal": "root",
            "grpc-metadata-x-api-key": "k.s",
        },
    )
    assert r.headers["x-request-id"] == "rid-1"
    md = dict(recorder.calls[0].options.metadata)
    # Credentials stay at the gateway (it authenticates them); identity metadata is the gateway's to set.
    assert md == {
        "traceparent": "00-abc-def-01",
        "x-request-id": "rid-1",
        "tenant": "acme",
        "blob-bin": b"\x00\x01",
    }


async def test_request_id_generated(tapp, recorder, call):
    r = await call(tapp, "GET", "/v1/sessions/s1")
    rid = r.headers["x-request-id"]
    assert len(rid) == 32 and dict(recorder.calls[0].options.metadata)["x-request-id"] == rid
    r = await call(tapp, "GET", "/nope", headers={"x-request-id": "bad id with spaces"})
    assert r.headers["x-request-id"] != "bad id with spaces"


@pytest.mark.parametrize(
    ("value", "seconds"),
    [("5S", 5.0), ("300m", 0.3), ("2M", 120.0), ("1H", 3600.0), ("100u", 1e-4), ("7n", 7e-9)],
)
def test_parse_grpc_timeout(value, seconds):
    assert parse_grpc_timeout(value) == pytest.approx(seconds)


async def test_deadlines(make_app, recorder, call):
    tapp = make_app(recorder, options=TranscoderOptions(unary_timeout=11, stream_timeout=22, max_timeout=100))
    await call(tapp, "GET", "/v1/sessions/s1")
    assert recorder.calls[-1].options.timeout == 11
    await call(tapp, "GET", "/v1/sparkJobs/j:watch")
    assert recorder.calls[-1].options.timeout == 22
    await call(tapp, "GET", "/v1/sessions/s1", headers={"grpc-timeout": "300m"})
    assert recorder.calls[-1].options.timeout == pytest.approx(0.3)
    await call(tapp, "GET", "/v1/sessions/s1", headers={"grpc-timeout": "5H"})
    assert recorder.calls[-1].options.timeout == 100
    r = await call(tapp, "GET", "/v1/sessions/s1", headers={"grpc-timeout": "soon"})
    assert r.status == 400


# -- streaming -----------------------------------------------------------------------------


def _events(n: int):
    return [types_pb2.JobEvent(job="sparkJobs/j", log_line=f"line {i}") for i in range(n)]


async def test_ndjson_stream(tapp, recorder, call):
    recorder.responses["WatchSparkJob"] = _events(3)
    r = await call(tapp, "GET", "/v1/sparkJobs/j:watch")
    assert r.status == 200 and r.headers["content-type"] == "application/x-ndjson"
    lines = r.lines()
    assert [x["result"]["log_line"] for x in lines] == ["line 0", "line 1", "line 2"]


async def test_ndjson_mid_stream_error(tapp, recorder, call):
    err = errors.FailedPrecondition("job vanished", reason="GONE")
    recorder.responses["WatchSparkJob"] = [*_events(2), RpcStatusError(err.to_status())]
    r = await call(tapp, "GET", "/v1/sparkJobs/j:watch")
    assert r.status == 200
    lines = r.lines()
    assert len(lines) == 3 and "result" in lines[1]
    assert lines[2]["error"]["code"] == code_pb2.FAILED_PRECONDITION
    assert lines[2]["error"]["details"][0]["reason"] == "GONE"


async def test_stream_error_before_first_message_is_plain_error(tapp, recorder, call):
    recorder.responses["WatchSparkJob"] = [RpcStatusError(errors.NotFound("no job").to_status())]
    r = await call(tapp, "GET", "/v1/sparkJobs/j:watch")
    assert r.status == 404 and r.json()["message"] == "no job"


async def test_empty_stream(tapp, recorder, call):
    recorder.responses["WatchSparkJob"] = []
    r = await call(tapp, "GET", "/v1/sparkJobs/j:watch")
    assert r.status == 200 and r.body == b""


async def test_sse_stream(tapp, recorder, call):
    recorder.responses["Solve"] = [
        types_pb2.SolveEvent(stage=types_pb2.GENERATE, code="x=1"),
        RuntimeError("kaput"),
    ]
    r = await call(
        tapp, "POST", "/v1/sparkJobs:solve", body={"prompt": "p"}, headers={"accept": "text/event-stream"}
    )
    assert r.status == 200 and r.headers["content-type"] == "text/event-stream"
    events = r.body.decode().split("\n\n")
    assert events[0].startswith("data: ")
    assert json.loads(events[0][6:])["code"] == "x=1"
    assert events[1].startswith("event: error\ndata: ")
    err = json.loads(events[1].split("data: ", 1)[1])
    assert err["code"] == code_pb2.INTERNAL and "kaput" not in events[1]


async def test_stream_deadline(make_app, recorder, call):
    tapp = make_app(recorder)
    recorder.responses["WatchSparkJob"] = [*_events(1), 5.0, *_events(1)]
    r = await call(tapp, "GET", "/v1/sparkJobs/j:watch", headers={"grpc-timeout": "100m"})
    lines = r.lines()
    assert lines[-1]["error"]["code"] == code_pb2.DEADLINE_EXCEEDED


async def test_stream_cancelled_on_client_disconnect(tapp, recorder):
    recorder.responses["WatchSparkJob"] = [*_events(1), 30.0, *_events(1)]
    sent: list[dict] = []
    first_chunk = asyncio.Event()
    disconnect = asyncio.Event()
    msgs = [{"type": "http.request", "body": b"", "more_body": False}]

    async def receive():
        if msgs:
            return msgs.pop(0)
        await disconnect.wait()
        return {"type": "http.disconnect"}

    async def send(m):
        sent.append(m)
        if m["type"] == "http.response.body":
            first_chunk.set()

    scope = {
        "type": "http",
        "method": "GET",
        "path": "/v1/sparkJobs/j:watch",
        "raw_path": b"/v1/sparkJobs/j:watch",
        "query_string": b"",
        "headers": [],
    }
    task = asyncio.ensure_future(tapp(scope, receive, send))
    await asyncio.wait_for(first_chunk.wait(), 5)
    disconnect.set()
    await asyncio.wait_for(task, 5)
    assert recorder.stream_closed.is_set()
    assert len([m for m in sent if m["type"] == "http.response.body"]) == 1


# -- client streaming ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "ctype"),
    [
        (json.dumps([{"filename": "a.csv", "chunk": "YWJj"}, {"chunk": "ZGVm"}]), "application/json"),
        ('{"filename": "a.csv", "chunk": "YWJj"}\n{"chunk": "ZGVm"}\n', "application/x-ndjson"),
        ('{"filename": "a.csv", "chunk": "YWJj"}\n{"chunk": "ZGVm"}\n', None),
    ],
)
async def test_client_streaming(tapp, recorder, call, body, ctype):
    recorder.responses["StreamUploadDataset"] = lambda reqs: dataset_service_pb2.Dataset(
        name=reqs[0].parent + "/datasets/a", size_bytes=sum(len(r.chunk) for r in reqs)
    )
    headers = {"content-type": ctype} if ctype else {}
    r = await call(tapp, "POST", "/v1/sessions/s1/datasets:streamUpload", body=body, headers=headers)
    assert r.status == 200, r.body
    assert r.json()["size_bytes"] == "6" and r.json()["name"] == "sessions/s1/datasets/a"
    reqs = recorder.calls[0].request
    assert [m.parent for m in reqs] == ["sessions/s1", ""]  # path values only on the first message
    assert b"".join(m.chunk for m in reqs) == b"abcdef"


async def test_client_streaming_errors(tapp, call):
    r = await call(tapp, "POST", "/v1/sessions/s1/datasets:streamUpload", body='[{"nope": 1}]', headers=JSON)
    assert r.status == 400
    r = await call(
        tapp, "POST", "/v1/sessions/s1/datasets:streamUpload", body="x", headers={"content-type": "text/csv"}
    )
    assert r.status == 415
    r = await call(tapp, "POST", "/v1/sessions/s1/datasets:streamUpload", body='{"a"', headers=JSON)
    assert r.status == 400
