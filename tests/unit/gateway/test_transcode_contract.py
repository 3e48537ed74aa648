"""One contract test per HTTP binding of the four APIs: the route reaches the right RPC with
the right fields. A meta-test checks every binding has a case."""

from __future__ import annotations

import pytest
from google.protobuf import json_format

from codeinterp_gateway.transcode import RouteTable

# (operationId, verb, path, query, body, expected request as a proto-JSON dict)
CASES = [
    (
        "AskService_Ask",
        "POST",
        "/v1/sessions/s1:ask",
        "",
        {"prompt": "q", "framework": "ray"},
        {"session": "sessions/s1", "prompt": "q", "framework": "RAY"},
    ),
    (
        "AskService_Ask_1",
        "POST",
        "/v1/ask",
        "",
        {"prompt": "q", "sessionId": "x", "selected_tables": [{"database": "d", "table": "t"}]},
        {"prompt": "q", "session_id": "x", "selected_tables": [{"database": "d", "table": "t"}]},
    ),
    (
        "AskService_Generate",
        "POST",
        "/v1/sessions/s1:generate",
        "",
        {"prompt": "q", "maxAttempts": 2},
        {"session": "sessions/s1", "prompt": "q", "max_attempts": 2},
    ),
    (
        "AskService_Generate_1",
        "POST",
        "/generate",
        "",
        {"prompt": "q", "session_id": "abc", "execution_engine": "emr"},
        {"prompt": "q", "session_id": "abc", "execution_engine": "EMR_SERVERLESS", "seed_route": "generate"},
    ),
    (
        "AskService_Generate_2",
        "POST",
        "/spark/generate",
        "",
        {"prompt": "q", "s3_input_path": "s3://b/k.csv"},
        {"prompt": "q", "framework": "SPARK", "s3_input_path": "s3://b/k.csv"},
    ),
    (
        "AskService_Execute",
        "POST",
        "/v1/sessions/s1:execute",
        "",
        {"code": "x = 1"},
        {"session": "sessions/s1", "code": "x = 1"},
    ),
    (
        "AskService_Execute_1",
        "POST",
        "/execute",
        "",
        {"code": "x", "dataSources": [{"dataset": "sessions/s/datasets/d"}]},
        {"code": "x", "data_sources": [{"dataset": "sessions/s/datasets/d"}], "seed_route": "execute"},
    ),
    (
        "AskService_Execute_2",
        "POST",
        "/spark/validate-execute",
        "",
        {"spark_code": "c", "interactive": True},
        {"spark_code": "c", "framework": "SPARK", "interactive": True},
    ),
    (
        "AskService_Execute_3",
        "POST",
        "/spark/execute",
        "",
        {"sparkCode": "c", "execution_engine": "lambda"},
        {"spark_code": "c", "framework": "SPARK", "execution_engine": "LAMBDA"},
    ),
    ("CatalogService_ListDatabases", "GET", "/v1/databases", "pageSize=10", None, {"page_size": 10}),
    ("CatalogService_ListDatabases_1", "GET", "/glue/databases", "", None, {}),
    (
        "CatalogService_ListTables",
        "GET",
        "/v1/databases/sales/tables",
        "page_token=t",
        None,
        {"parent": "databases/sales", "page_token": "t"},
    ),
    ("CatalogService_ListTables_1", "GET", "/glue/tables/sales", "", None, {"database": "sales"}),
    (
        "CatalogService_GetTable",
        "GET",
        "/v1/databases/sales/tables/orders",
        "rows=3",
        None,
        {"name": "databases/sales/tables/orders", "rows": 3},
    ),
    (
        "CatalogService_GetTable_1",
        "GET",
        "/glue/tables/sales/orders/sample",
        "rows=7",
        None,
        {"database": "sales", "table": "orders", "rows": 7},
    ),
    (
        "DatasetService_CreateDataset",
        "POST",
        "/v1/sessions/s1/datasets",
        "",
        {"filename": "a.csv", "content": "a\n1\n"},
        {"parent": "sessions/s1", "filename": "a.csv", "content": "a\n1\n"},
    ),
    (
        "DatasetService_CreateDataset_1",
        "POST",
        "/upload-csv",
        "",
        {"filename": "a.csv", "content": "a", "session_id": "x"},
        {"filename": "a.csv", "content": "a", "session_id": "x"},
    ),
    (
        "DatasetService_UploadDatasetContent",
        "POST",
        "/v1/sessions/s1/datasets:upload",
        "filename=a.csv&datasetId=d1",
        b"a,b\n1,2\n",
        {
            "parent": "sessions/s1",
            "filename": "a.csv",
            "dataset_id": "d1",
            "content": {"content_type": "text/csv", "data": "YSxiCjEsMgo="},
        },
    ),
    (
        "DatasetService_StreamUploadDataset",
        "POST",
        "/v1/sessions/s1/datasets:streamUpload",
        "",
        [{"filename": "a.csv", "chunk": "YQ=="}],
        [{"parent": "sessions/s1", "filename": "a.csv", "chunk": "YQ=="}],
    ),
    (
        "DatasetService_CreateDatasetUpload",
        "POST",
        "/v1/sessions/s1/uploads",
        "",
        {"filename": "a.csv"},
        {"parent": "sessions/s1", "filename": "a.csv"},
    ),
    (
        "DatasetService_PutUploadContent",
        "PUT",
        "/v1/uploads/tok%2B1",
        "",
        b"abc",
        {"token": "tok+1", "content": {"content_type": "text/csv", "data": "YWJj"}},
    ),
    (
        "DatasetService_CommitDatasetUpload",
        "POST",
        "/v1/sessions/s1/uploads/u1:commit",
        "",
        {"select": True},
        {"name": "sessions/s1/uploads/u1", "select": True},
    ),
    (
        "DatasetService_GetDataset",
        "GET",
        "/v1/sessions/s1/datasets/d1",
        "",
        None,
        {"name": "sessions/s1/datasets/d1"},
    ),
    (
        "DatasetService_ListDatasets",
        "GET",
        "/v1/sessions/s1/datasets",
        "page_size=2",
        None,
        {"parent": "sessions/s1", "page_size": 2},
    ),
    (
        "DatasetService_DeleteDataset",
        "DELETE",
        "/v1/sessions/s1/datasets/d1",
        "",
        None,
        {"name": "sessions/s1/datasets/d1"},
    ),
    (
        "SessionService_CreateSession",
        "POST",
        "/v1/sessions",
        "sessionId=abc",
        {"display_name": "n"},
        {"session": {"display_name": "n"}, "session_id": "abc"},
    ),
    ("SessionService_GetSession", "GET", "/v1/sessions/s1", "", None, {"name": "sessions/s1"}),
    ("SessionService_ListSessions", "GET", "/v1/sessions", "page_size=5", None, {"page_size": 5}),
    (
        "SessionService_UpdateSession",
        "PATCH",
        "/v1/sessions/s1",
        "updateMask=displayName",
        {"displayName": "n2"},
        {"session": {"name": "sessions/s1", "display_name": "n2"}, "update_mask": "displayName"},
    ),
    ("SessionService_DeleteSession", "DELETE", "/v1/sessions/s1", "", None, {"name": "sessions/s1"}),
    (
        "SessionService_SelectTables",
        "POST",
        "/v1/sessions/s1:selectTables",
        "",
        {"tables": [{"database": "d", "table": "t"}]},
        {"name": "sessions/s1", "tables": [{"database": "d", "table": "t"}]},
    ),
    (
        "SessionService_SelectTables_1",
        "POST",
        "/sessions/abc/select-tables",
        "",
        {"tables": []},
        {"session_id": "abc"},
    ),
    (
        "SessionService_SelectTables_2",
        "POST",
        "/glue/select-tables",
        "",
        {"session_id": "abc", "tables": [{"database": "d", "table": "t"}]},
        {"session_id": "abc", "tables": [{"database": "d", "table": "t"}]},
    ),
    ("SessionService_ResetSession", "POST", "/v1/sessions/s1:reset", "", None, {"name": "sessions/s1"}),
    ("SessionService_ResetSession_1", "POST", "/sessions/abc/reset", "", {}, {"session_id": "abc"}),
    (
        "SessionService_ListHistory",
        "GET",
        "/v1/sessions/s1/history",
        "pageSize=3",
        None,
        {"parent": "sessions/s1", "page_size": 3},
    ),
    ("SessionService_ListHistory_1", "GET", "/history/abc", "", None, {"session_id": "abc"}),
    ("SettingsService_GetSettings", "GET", "/v1/settings", "", None, {}),
    ("SettingsService_GetSettings_1", "GET", "/settings", "", None, {}),
    (
        "SettingsService_UpdateSettings",
        "PATCH",
        "/v1/settings",
        "update_mask=spark.max_retries",
        {"spark": {"max_retries": 4}},
        {"settings": {"spark": {"max_retries": 4}}, "update_mask": "spark.maxRetries"},
    ),
    (
        "SettingsService_UpdateSettings_1",
        "POST",
        "/settings",
        "",
        {"global": {"default_framework": "spark", "maxAttempts": 3}, "spark": {"defaultPlatform": "emr"}},
        {
            "settings": {
                "global_settings": {"default_framework": "SPARK", "max_attempts": 3},
                "spark": {"default_platform": "EMR_SERVERLESS"},
            }
        },
    ),
    ("SettingsService_RestoreDefaultSettings", "POST", "/v1/settings:restoreDefaults", "", {}, {}),
    ("SettingsService_RestoreDefaultSettings_1", "POST", "/settings/restore-defaults", "", None, {}),
    (
        "CodegenService_GenerateCode",
        "POST",
        "/v1/codegen:generate",
        "",
        {
            "framework": "spark",
            "prompt": "q",
            "previousAttempt": {"code": "c", "error": "e", "error_class": "code"},
        },
        {
            "framework": "SPARK",
            "prompt": "q",
            "previous_attempt": {"code": "c", "error": "e", "error_class": "CODE"},
        },
    ),
    ("CodegenService_ListModels", "GET", "/v1/models", "", None, {}),
    ("CodegenService_ListModels_1", "GET", "/claude-models", "", None, {}),
    (
        "SparkSupervisorService_ValidateCode",
        "POST",
        "/v1/sparkJobs:validate",
        "",
        {
            "code": "c",
            "workflow": "csv",
            "inputs": [{"name": "sales", "kind": "CSV_FILE", "sizeBytes": "12"}],
        },
        {
            "code": "c",
            "workflow": "CSV",
            "inputs": [{"name": "sales", "kind": "CSV_FILE", "size_bytes": "12"}],
        },
    ),
    (
        "SparkSupervisorService_CreateSparkJob",
        "POST",
        "/v1/sparkJobs",
        "sparkJobId=j1&request_id=r",
        {"code": "c", "limits": {"timeout": "30s"}},
        {"spark_job": {"code": "c", "limits": {"timeout": "30s"}}, "spark_job_id": "j1", "request_id": "r"},
    ),
    ("SparkSupervisorService_GetSparkJob", "GET", "/v1/sparkJobs/j1", "", None, {"name": "sparkJobs/j1"}),
    (
        "SparkSupervisorService_ListSparkJobs",
        "GET",
        "/v1/sparkJobs",
        "session=sessions/s1",
        None,
        {"session": "sessions/s1"},
    ),
    (
        "SparkSupervisorService_CancelSparkJob",
        "POST",
        "/v1/sparkJobs/j1:cancel",
        "",
        {},
        {"name": "sparkJobs/j1"},
    ),
    (
        "SparkSupervisorService_WatchSparkJob",
        "GET",
        "/v1/sparkJobs/j1:watch",
        "",
        None,
        {"name": "sparkJobs/j1"},
    ),
    (
        "SparkSupervisorService_ListResultRows",
        "GET",
        "/v1/sparkJobs/j1/result/rows",
        "pageSize=100",
        None,
        {"name": "sparkJobs/j1", "page_size": 100},
    ),
    (
        "SparkSupervisorService_ExportSparkJob",
        "GET",
        "/v1/sparkJobs/j1:export",
        "",
        None,
        {"name": "sparkJobs/j1"},
    ),
    (
        "SparkSupervisorService_Solve",
        "POST",
        "/v1/sparkJobs:solve",
        "",
        {"prompt": "q", "execution_platform": "local"},
        {"prompt": "q", "execution_platform": "LOCAL"},
    ),
    ("SparkSupervisorService_GetPlatformStatus", "GET", "/v1/sparkPlatform/status", "", None, {}),
    ("SparkSupervisorService_GetPlatformStatus_1", "GET", "/spark/status", "", None, {}),
    ("SparkSupervisorService_GetSparkConfig", "GET", "/v1/sparkPlatform/config", "", None, {}),
    ("SparkSupervisorService_GetSparkConfig_1", "GET", "/spark/config", "", None, {}),
    ("RaySupervisorService_ValidateCode", "POST", "/v1/rayJobs:validate", "", {"code": "c"}, {"code": "c"}),
    (
        "RaySupervisorService_CreateRayJob",
        "POST",
        "/v1/rayJobs",
        "rayJobId=r1",
        {"code": "c"},
        {"ray_job": {"code": "c"}, "ray_job_id": "r1"},
    ),
    ("RaySupervisorService_GetRayJob", "GET", "/v1/rayJobs/r1", "", None, {"name": "rayJobs/r1"}),
    ("RaySupervisorService_ListRayJobs", "GET", "/v1/rayJobs", "page_size=1", None, {"page_size": 1}),
    ("RaySupervisorService_ListRayJobs_1", "GET", "/ray/jobs", "", None, {}),
    ("RaySupervisorService_CancelRayJob", "POST", "/v1/rayJobs/r1:cancel", "", None, {"name": "rayJobs/r1"}),
    (
        "RaySupervisorService_CancelRayJob_1",
        "POST",
        "/ray/jobs/raysubmit_1/stop",
        "",
        None,
        {"job_id": "raysubmit_1"},
    ),
    ("RaySupervisorService_WatchRayJob", "GET", "/v1/rayJobs/r1:watch", "", None, {"name": "rayJobs/r1"}),
    (
        "RaySupervisorService_ListResultRows",
        "GET",
        "/v1/rayJobs/r1/result/rows",
        "",
        None,
        {"name": "rayJobs/r1"},
    ),
    ("RaySupervisorService_ExportRayJob", "GET", "/v1/rayJobs/r1:export", "", None, {"name": "rayJobs/r1"}),
    (
        "RaySupervisorService_Solve",
        "POST",
        "/v1/rayJobs:solve",
        "",
        {"prompt": "q", "maxAttempts": 1},
        {"prompt": "q", "max_attempts": 1},
    ),
    ("RaySupervisorService_GetClusterStatus", "GET", "/v1/rayCluster", "", None, {}),
    ("RaySupervisorService_GetClusterStatus_1", "GET", "/ray/status", "", None, {}),
    (
        "RaySupervisorService_ScaleWorkerGroup",
        "POST",
        "/v1/rayCluster/workerGroups/cpu:scale",
        "",
        {"replicas": 3},
        {"group_name": "cpu", "replicas": 3},
    ),
]


def test_every_binding_has_a_case(route_table: RouteTable):
    assert {r.operation_id for r in route_table.routes} == {c[0] for c in CASES}


@pytest.mark.parametrize(
    ("op", "verb", "path", "query", "body", "expected"), CASES, ids=[c[0] for c in CASES]
)
async def test_binding_reaches_rpc(tapp, recorder, route_table, call, op, verb, path, query, body, expected):
    route, _ = route_table.match(verb, path)
    assert route.operation_id == op
    headers = {}
    if isinstance(body, bytes):
        headers["content-type"] = "text/csv"
    elif body is None:
        body = b""
    r = await call(tapp, verb, path, query=query, body=body, headers=headers)
    assert r.status == 200, r.body
    assert len(recorder.calls) == 1
    got = recorder.calls[0]
    assert got.method is route.method
    cls = route.method.request_class
    if isinstance(expected, list):
        assert got.request == [json_format.ParseDict(e, cls()) for e in expected]
    else:
        assert got.request == json_format.ParseDict(expected, cls())
