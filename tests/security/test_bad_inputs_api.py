"""Bad inputs 36-38, 43, 44: identifiers, paths and the REST transport (security-and-reliability.md §3),
against the real gateway REST app in-process. Every answer is a 4xx google.rpc.Status with a
reason; never a 5xx, never a traceback.

Cases 39-42 (BOLA, replay, idempotency) are covered by the auth helper's matrices and the job
layer's tests; see bad_input_cases.py.
"""

from __future__ import annotations

import json

import pytest
from sec_support import explain, spark

from codeinterp_gateway.domain import ids
from codeinterp_gateway.domain.sessions import validate_s3_uri

BAD_TABLES = [
    "orders`",
    "orders'--",
    'orders"',
    "orders;DROP",
    "orders; DROP TABLE x",
    " orders",
    "orders ",
    "ord ers",
    "orders%00",
    "\u202eorders",
    "órders",
]


@pytest.mark.bad_input(36, "REJECT")
@pytest.mark.parametrize("table", BAD_TABLES)
def test_bad_table_names_in_the_catalog_api(gw, table: str) -> None:
    from urllib.parse import quote

    r = gw.request("GET", "/v1/databases/sales/tables/" + quote(table, safe=""))
    assert r.status == 400 and r.reason == "IDENTIFIER_INVALID", (table, r.status, r.body)


@pytest.mark.bad_input(36, "REJECT")
@pytest.mark.parametrize("table", BAD_TABLES)
def test_bad_table_names_in_a_selection(gw, table: str) -> None:
    name = gw.request("POST", "/v1/sessions", json_body={"display_name": "t"}).json()["name"]
    r = gw.request(
        "POST", f"/v1/{name}:selectTables", json_body={"tables": [{"database": "sales", "table": table}]}
    )
    assert r.status == 400 and r.reason == "IDENTIFIER_INVALID", (table, r.status, r.body)
    session = gw.request("GET", f"/v1/{name}").json()
    assert session.get("data_sources", []) == []  # nothing half-selected


@pytest.mark.bad_input(36, "REJECT")
@pytest.mark.parametrize("table", ["missing", "Orders", "ORDERS", "orders_"])
def test_tables_need_an_exact_catalog_match(gw, table: str) -> None:
    name = gw.request("POST", "/v1/sessions", json_body={"display_name": "t"}).json()["name"]
    r = gw.request(
        "POST", f"/v1/{name}:selectTables", json_body={"tables": [{"database": "sales", "table": table}]}
    )
    assert r.status == 404 and r.reason == "TABLE_NOT_FOUND", r.body


@pytest.mark.bad_input(36, "REJECT")
@pytest.mark.parametrize(
    "code",
    [
        'result = spark.table("sales.orders; DROP TABLE x")\n',
        'result = spark.table("sales.payroll")\n',
        'result = spark.table("`sales`.`orders`")\n',
        'result = spark.table(" sales.orders")\n',
        't = "sales." + "orders"\nresult = spark.table(t)\n',
        'result = spark.sql("SELECT * FROM sales.orders; DROP TABLE sales.orders")\n',
        'result = spark.sql("SELECT * FROM sales.payroll")\n',
    ],
)
def test_generated_code_may_only_read_selected_tables(code: str) -> None:
    result = spark(code, inputs=(), tables=("sales.orders",))
    assert not result.valid, explain(result)
    assert result.rule_ids & {"workflow.table-not-selected", "workflow.sql-not-allowed"}, explain(result)


TRAVERSAL_PATHS = [
    ("/v1/sessions/%2e%2e/datasets", 400),
    ("/v1/sessions/%2E%2E%2Fetc/datasets", 400),
    ("/v1/sessions/./datasets", 400),
    ("/v1/sessions/../databases", 404),
    ("/v1/sessions/a%2Fb", 400),
    ("/v1/sessions/a%5Cb", 400),
    ("/v1/sessions/a\\b", 400),
    ("/v1/sessions//x", 404),
    ("/v1/sessions/abc.", 400),
    ("/v1/sessions/ab..cd", 400),
    ("/v1/sessions/%2e", 400),
    ("/v1/sessions/x%00y", 400),
    ("/v1/databases/sales/tables/..%2f..%2fetc", 400),
    ("/v1/sessions/ses-aaaa/datasets/..%2f..%2fgateway", 400),
    ("/v1/sessions/ses-aaaa/datasets/%2e%2e", 400),
    ("/v1/uploads/..%2f..%2fobjects", 400),
    ("/v1/uploads/%2e%2e", 400),
]


@pytest.mark.bad_input(37, "REJECT")
@pytest.mark.parametrize("path, status", TRAVERSAL_PATHS)
def test_path_traversal_in_resource_paths(gw, path: str, status: int) -> None:
    before = gw.object_keys()
    method = "PUT" if path.startswith("/v1/uploads/") else "GET"
    r = gw.request(
        method, path, body=b"a\n1\n" if method == "PUT" else b"", headers={"content-type": "text/csv"}
    )
    assert r.status == status, (path, r.status, r.body)
    assert r.reason, r.body  # a google.rpc.Status with ErrorInfo
    assert gw.object_keys() == before


@pytest.mark.bad_input(37, "REJECT")
@pytest.mark.parametrize(
    "value",
    ["..", ".", "../etc", "a/b", "a\\b", "abc.", ".hidden", "a..b", "a b", "a\x00b", "a%2fb", "x" * 129, ""],
)
def test_session_id_validator_refuses_path_like_ids(value: str) -> None:
    with pytest.raises(ids.InvalidArgument):
        ids.validate_session_id(value)


@pytest.mark.bad_input(37, "REJECT")
@pytest.mark.parametrize(
    "filename, expected",
    [
        ("../../etc/passwd", "passwd"),
        ("..\\..\\boot.ini", "boot"),
        ("C:\\x\\sales.CSV", "sales"),
        ("...", "dataset"),
    ],
)
def test_upload_filenames_never_become_paths(filename: str, expected: str) -> None:
    assert ids.dataset_id_from_filename(filename) == expected
    ids.validate_dataset_id(ids.dataset_id_from_filename(filename))


@pytest.mark.bad_input(37, "REJECT")
def test_traversal_filename_upload_lands_under_the_session(gw) -> None:
    name = gw.request("POST", "/v1/sessions", json_body={"display_name": "f"}).json()["name"]
    r = gw.request(
        "POST",
        f"/v1/{name}/datasets:upload",
        query="filename=..%2F..%2F..%2Fgateway.sqlite3",
        body=b"a\n1\n",
        headers={"content-type": "text/csv"},
    )
    assert r.status == 200, r.body
    sid = name.split("/", 1)[1]
    assert r.json()["name"] == f"{name}/datasets/gateway_sqlite3" or r.json()["name"].startswith(
        f"{name}/datasets/"
    )
    assert all(k.startswith(f"sessions/{sid}/") for k in gw.object_keys() if sid in k)
    assert not any(k.endswith("gateway.sqlite3") for k in gw.object_keys())


@pytest.mark.bad_input(38, "REJECT")
@pytest.mark.parametrize(
    "uri",
    [
        "file:///etc/passwd",
        "hdfs://namenode/x.csv",
        "http://evil.example/x.csv",
        "s3a://other-account-bucket/x.csv",
        "s3://bucket/../x.csv",
        "s3://bucket/a/./x.csv",
        "s3://bucket/a%2F..%2Fx.csv",
        "s3://bucket/a\\x.csv",
        "s3://bucket/x.csv.",
        "s3://Bucket_With_Caps/x.csv",
        "s3://bucket",
    ],
)
def test_other_schemes_and_malformed_s3_uris_are_rejected(uri: str) -> None:
    with pytest.raises(ids.InvalidArgument) as err:
        validate_s3_uri(uri, field="s3_uri")
    assert err.value.reason == "S3_URI_INVALID"


@pytest.mark.bad_input(38, "REJECT")
@pytest.mark.parametrize("path", ["file:///etc/passwd", "hdfs://nn/x", "http://evil/x.csv", "s3a://acct/x"])
def test_other_schemes_in_generated_code_are_rejected(path: str) -> None:
    result = spark(f"result = spark.read.csv({path!r})\n")
    assert not result.valid and "workflow.literal-path" in result.rule_ids, explain(result)


# ------------------------------------------------------------------------------------------- 43


@pytest.mark.bad_input(43, "REJECT")
def test_body_over_the_limit_is_413_before_it_is_read(gw) -> None:
    body = json.dumps({"display_name": "x" * (gw.max_body_bytes + 10)})
    r = gw.request("POST", "/v1/sessions", body=body, headers={"content-type": "application/json"}, chunks=16)
    assert r.status == 413 and r.reason == "PAYLOAD_TOO_LARGE", r.body


@pytest.mark.bad_input(43, "REJECT")
def test_declared_content_length_over_the_limit_is_413(gw) -> None:
    r = gw.request(
        "POST",
        "/v1/sessions",
        body=b"{}",
        headers={"content-type": "application/json", "content-length": str(10 * gw.max_body_bytes)},
    )
    assert r.status == 413, r.body


@pytest.mark.bad_input(43, "REJECT")
@pytest.mark.parametrize("depth", [150, 5_000, 30_000])
def test_deeply_nested_json_is_rejected(gw, depth: int) -> None:
    for body in ("[" * depth + "]" * depth, '{"a":' * depth + "1" + "}" * depth):
        r = gw.request("POST", "/v1/sessions", body=body, headers={"content-type": "application/json"})
        assert r.status == 400, (depth, r.status, r.body[:200])
        assert r.reason in ("NESTING_TOO_DEEP", "INVALID_JSON", "UNKNOWN_FIELD"), r.body[:200]


@pytest.mark.bad_input(43, "REJECT")
def test_huge_repeated_fields_are_bounded(gw) -> None:
    name = gw.request("POST", "/v1/sessions", json_body={"display_name": "r"}).json()["name"]
    tables = [{"database": "sales", "table": f"t{i}"} for i in range(20_000)]
    r = gw.request("POST", f"/v1/{name}:selectTables", json_body={"tables": tables})
    assert r.status in (400, 404, 413, 429), (r.status, r.body[:200])
    labels = {f"k{i}": "v" for i in range(200)}
    r = gw.request("POST", "/v1/sessions", json_body={"display_name": "l", "labels": labels})
    assert r.status == 400 and r.reason == "LABELS_INVALID", r.body


# ------------------------------------------------------------------------------------------- 44

MALFORMED = [
    ("POST", "/v1/sessions", "{bad json", "application/json", 400, "INVALID_JSON"),
    ("POST", "/v1/sessions", '{"display_name": "x"', "application/json", 400, "INVALID_JSON"),
    ("POST", "/v1/sessions", "\xff\xfe", "application/json", 400, "INVALID_JSON"),
    ("POST", "/v1/sessions", '{"display_name": "x"}', "text/plain", 415, "UNSUPPORTED_MEDIA_TYPE"),
    ("POST", "/v1/sessions", '{"display_name": "x"}', "application/xml", 415, "UNSUPPORTED_MEDIA_TYPE"),
    ("POST", "/v1/sessions", '{"display_name": "x", "nope": 1}', "application/json", 400, "UNKNOWN_FIELD"),
    ("POST", "/v1/sessions", '{"display_name": 5}', "application/json", 400, "INVALID_JSON"),
    ("POST", "/v1/sessions", "[1, 2]", "application/json", 400, "INVALID_JSON"),
    ("POST", "/v1/sessions", '"just a string"', "application/json", 400, None),
    ("POST", "/v1/sessions", '{"display_name": NaN}', "application/json", 400, "INVALID_JSON"),
    ("POST", "/v1/ask", '{"prompt": "x", "framework": "BOGUS"}', "application/json", 400, "INVALID_JSON"),
    ("POST", "/v1/ask", '{"prompt": "x", "framework": 99}', "application/json", 400, "INVALID_ENUM_VALUE"),
    ("POST", "/v1/ask", '{"prompt": "x", "framework": -1}', "application/json", 400, "INVALID_ENUM_VALUE"),
    ("POST", "/v1/ask", '{"prompt": "x", "framework": 1.5}', "application/json", 400, "INVALID_ENUM_VALUE"),
    ("POST", "/v1/ask", '{"prompt": "x", "framework": true}', "application/json", 400, "INVALID_ENUM_VALUE"),
    (
        "PATCH",
        "/v1/settings?update_mask=spark.max_retries",
        '{"spark": {"max_retries": "99999999999999999999"}}',
        "application/json",
        400,
        "INVALID_JSON",
    ),
    ("GET", "/v1/sessions?page_size=99999999999999999999999", "", "", 400, "INVALID_JSON"),
    ("GET", "/v1/sessions?page_size=abc", "", "", 400, "INVALID_JSON"),
    ("GET", "/v1/sessions?page_size=-1", "", "", 400, "PAGE_SIZE_INVALID"),
    ("GET", "/v1/sessions?page_token=%%%", "", "", 400, None),
    ("GET", "/v1/sessions?page_token=not-a-token", "", "", 400, "PAGE_TOKEN_INVALID"),
    ("GET", "/v1/sessions?unknown_param=1", "", "", 400, None),
    ("DELETE", "/v1/settings", "", "", 405, "METHOD_NOT_ALLOWED"),
    ("GET", "/v1/nothing-here", "", "", 404, "ROUTE_NOT_FOUND"),
    ("POST", "/v1/sparkJobs:solve?framework=99", "{}", "application/json", 400, None),
]


@pytest.mark.bad_input(44, "REJECT")
@pytest.mark.parametrize("method, target, body, ctype, status, reason", MALFORMED)
def test_malformed_rest_is_4xx_never_5xx(gw, method, target, body, ctype, status, reason) -> None:
    path, _, query = target.partition("?")
    headers = {"content-type": ctype} if ctype else {}
    r = gw.request(method, path, query=query, body=body.encode("latin-1"), headers=headers)
    assert r.status == status, (target, body, r.status, r.body[:300])
    doc = r.json()
    assert set(doc) == {"code", "message", "details"}  # google.rpc.Status, no traceback
    assert "Traceback" not in r.body.decode()
    if reason:
        assert r.reason == reason, r.body


@pytest.mark.bad_input(44, "REJECT")
@pytest.mark.parametrize("framework", ["99", "-5", "2147483648", "SPARKY"])
def test_enum_out_of_range_in_query_and_path(gw, framework: str) -> None:
    r = gw.request("GET", "/v1/sessions/ses-aaaa/history", query=f"kind={framework}")
    assert 400 <= r.status < 500, r.body
    r = gw.request("POST", "/v1/ask", query=f"framework={framework}", json_body={"prompt": "x"})
    assert 400 <= r.status < 500, r.body


@pytest.mark.bad_input(44, "REJECT")
def test_forwarded_calls_without_a_backend_are_503_not_500(gw) -> None:
    for method, path, body in [
        ("GET", "/v1/sparkPlatform/status", None),
        ("GET", "/v1/sparkJobs/abc", None),
        ("POST", "/v1/sessions/ses-aaaa:ask", {"prompt": "total", "framework": "RAY"}),
    ]:
        r = gw.request(method, path, json_body=body)
        assert r.status in (404, 503), (path, r.status, r.body[:200])
        assert r.status != 500
