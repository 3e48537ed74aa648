"""LambdaEngine's error mapping table: Lambda answers -> our error classes.

The answers are the shapes Lambda documents (Invoke API reference, "Lambda function errors");
the botocore exceptions are real botocore classes built as botocore builds them."""

from __future__ import annotations

import pytest
from botocore.exceptions import (
    ClientError,
    ConnectionClosedError,
    EndpointConnectionError,
    ReadTimeoutError,
)

from codeinterp_common.jobs.model import RunOutcome
from codeinterp_spark_supervisor.adapters.lambda_engine import (
    LAMBDA_LIMIT_PREFIX,
    is_function_limit,
    map_function_error,
    map_handler_response,
    map_invoke_exception,
)

RID = "RequestId: 0b6c7c0e-1c1f-4e52-9c4e-4c1d3c0b2a11"


@pytest.mark.parametrize(
    ("body", "error_class", "kind"),
    [
        (
            {
                "errorType": "Runtime.OutOfMemory",
                "errorMessage": f"{RID} Error: Runtime exited with error: signal: killed",
            },
            "RESOURCE",
            "memory",
        ),
        (
            {
                "errorType": "Runtime.ExitError",
                "errorMessage": f"{RID} Error: Runtime exited with error: signal: killed",
            },
            "RESOURCE",
            "memory",
        ),
        ({"errorType": "MemoryError", "errorMessage": ""}, "RESOURCE", "memory"),
        (
            {
                "errorType": "Sandbox.Timedout",
                "errorMessage": f"{RID} Error: Task timed out after 900.00 seconds",
            },
            "TIMEOUT",
            "timeout",
        ),
        (
            {"errorMessage": f"2026-11-28T10:00:00.000Z {RID[11:]} Task timed out after 3.00 seconds"},
            "TIMEOUT",
            "timeout",
        ),
        ({"errorType": "OSError", "errorMessage": "[Errno 28] No space left on device"}, "RESOURCE", "disk"),
    ],
)
def test_function_limits(body, error_class, kind):
    got_class, error = map_function_error("Unhandled", body)
    assert got_class == error_class
    assert error.startswith(f"{LAMBDA_LIMIT_PREFIX} {kind}:")
    assert is_function_limit(RunOutcome(ok=False, error_class=got_class, error=error))


@pytest.mark.parametrize(
    "body",
    [
        {"errorType": "KeyError", "errorMessage": "'job_id'", "stackTrace": ["..."]},
        {"errorType": "Runtime.ImportModuleError", "errorMessage": "Unable to import module 'x'"},
        {
            "errorType": "Runtime.ExitError",
            "errorMessage": f"{RID} Error: Runtime exited with error: exit status 1",
        },
        "not json",
    ],
)
def test_other_function_errors_are_infrastructure(body):
    error_class, error = map_function_error("Unhandled", body)
    assert error_class == "INFRASTRUCTURE"
    assert not error.startswith(LAMBDA_LIMIT_PREFIX)


@pytest.mark.parametrize("cls", ["CODE", "DATA", "PERMISSION", "TIMEOUT", "INFRASTRUCTURE"])
def test_handler_reported_classes_pass_through(cls):
    ok, error_class, error, line = map_handler_response(
        {"ok": False, "error_class": cls, "error": "boom", "failing_line": 7, "function_limit": ""}
    )
    assert (ok, error_class, error, line) == (False, cls, "boom", 7)
    assert not is_function_limit(RunOutcome(ok=False, error_class=error_class, error=error))


@pytest.mark.parametrize("limit", ["memory", "disk"])
def test_handler_reported_function_limits_get_the_marker(limit):
    ok, error_class, error, _ = map_handler_response(
        {"ok": False, "error_class": "RESOURCE", "error": "MemoryError", "function_limit": limit}
    )
    assert (ok, error_class) == (False, "RESOURCE")
    assert error.startswith(f"{LAMBDA_LIMIT_PREFIX} {limit}:")


def test_output_cap_is_resource_but_not_a_function_limit():
    ok, error_class, error, _ = map_handler_response(
        {"ok": False, "error_class": "RESOURCE", "error": "output size cap exceeded", "function_limit": ""}
    )
    assert error_class == "RESOURCE"
    assert not is_function_limit(RunOutcome(ok=False, error_class=error_class, error=error))


def test_success_and_garbage_responses():
    assert map_handler_response({"ok": True})[:2] == (True, "")
    assert map_handler_response(None)[:2] == (False, "INFRASTRUCTURE")
    assert map_handler_response({"statusCode": 200})[:2] == (False, "INFRASTRUCTURE")


def _client_error(code: str, status: int) -> ClientError:
    return ClientError(
        {"Error": {"Code": code, "Message": "x"}, "ResponseMetadata": {"HTTPStatusCode": status}}, "Invoke"
    )


@pytest.mark.parametrize(
    ("exc", "error_class"),
    [
        (_client_error("ServiceException", 500), "INFRASTRUCTURE"),
        (_client_error("TooManyRequestsException", 429), "INFRASTRUCTURE"),
        (_client_error("ResourceNotFoundException", 404), "INFRASTRUCTURE"),
        (_client_error("AccessDeniedException", 403), "PERMISSION"),
        (ReadTimeoutError(endpoint_url="http://127.0.0.1:1"), "INFRASTRUCTURE"),
        (ConnectionClosedError(endpoint_url="http://127.0.0.1:1"), "INFRASTRUCTURE"),
        (EndpointConnectionError(endpoint_url="http://127.0.0.1:1"), "INFRASTRUCTURE"),
    ],
)
def test_invoke_exceptions(exc, error_class):
    got, error = map_invoke_exception(exc)
    assert got == error_class
    if error_class == "INFRASTRUCTURE":
        assert "not retried" in error


def test_success_is_never_a_function_limit():
    assert not is_function_limit(RunOutcome(ok=True, error_class="", error=LAMBDA_LIMIT_PREFIX))
