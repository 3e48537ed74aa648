"""Spark jobs on AWS Lambda (the project's container function, ``lambda_handler.handler``).

One synchronous ``Invoke`` (``RequestResponse``) per job, on a client with ONE attempt (a
botocore retry would run the job twice) and a read timeout above the function timeout. The
payload is documented in :mod:`codeinterp_spark_supervisor.lambda_handler`; payloads above
``payload_limit_bytes`` (Lambda accepts 6 MB synchronously) go through S3
(``jobs/{id}/payload.json``) and the function gets a pointer.

Error mapping (see :func:`map_function_error`, :func:`map_invoke_exception`):

=====================================================  ==============================================
Lambda answer                                          RunOutcome.error_class / error
=====================================================  ==============================================
handler response ``ok: false``                         its ``error_class`` (CODE, DATA, ...); with
                                                       ``function_limit`` memory/disk: RESOURCE and
                                                       ``error`` starts with ``lambda-limit:``
FunctionError, errorType ``Runtime.OutOfMemory``,      RESOURCE, ``lambda-limit: memory: ...``
"Runtime exited ... signal: killed", ``MemoryError``
FunctionError "Task timed out after N seconds" /       TIMEOUT, ``lambda-limit: timeout: ...``
``Sandbox.Timedout``
any other FunctionError (handler crash)                INFRASTRUCTURE
HTTP 5xx, 429 throttling, connection closed/refused,   INFRASTRUCTURE (retryable, NOT retried here: the
read timeout                                           function may have run)
AccessDenied (403)                                     PERMISSION
=====================================================  ==============================================

RESOURCE/TIMEOUT outcomes whose ``error`` starts with :data:`LAMBDA_LIMIT_PREFIX` hit the
function's own limits (memory, timeout, /tmp space): the router escalates them to EMR
Serverless (:func:`is_function_limit`).

Cancel and restart: a synchronous invoke cannot be stopped from the caller, so ``cancel``
abandons it (``run`` returns CANCELLED_BY_USER at once; the function runs on to its end and
its output is ignored) and ``reattach`` returns None (the job manager fails the job with the
reason that it cannot be re-attached: re-run it).
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import logging
import time
from collections.abc import Callable
from typing import Any

from codeinterp_common.aws import AwsSettings, aws_client, split_s3_uri
from codeinterp_common.jobs.api import decode_inputs, decode_limits
from codeinterp_common.jobs.model import JobRecord, RunOutcome
from codeinterp_spark_supervisor.adapters.local_executor import InputSpec

log = logging.getLogger(__name__)

LAMBDA_LIMIT_PREFIX = "lambda-limit:"
#: Lambda's synchronous request limit is 6 MB (6 291 456 bytes); keep headroom for the envelope.
DEFAULT_PAYLOAD_LIMIT = 6_000_000 - 100_000

_MEMORY_TYPES = ("Runtime.OutOfMemory", "MemoryError")
_THROTTLE_CODES = {"TooManyRequestsException", "ThrottlingException", "EC2ThrottledException"}
_PERMISSION_CODES = {"AccessDeniedException", "AccessDenied", "KMSAccessDeniedException"}


def is_function_limit(outcome: RunOutcome) -> bool:
    """True when the run failed on the Lambda function's own limits (escalate to EMR)."""
    return (
        not outcome.ok
        and outcome.error_class in ("RESOURCE", "TIMEOUT")
        and outcome.error.startswith(LAMBDA_LIMIT_PREFIX)
    )


def _limit(kind: str, text: str) -> str:
    return f"{LAMBDA_LIMIT_PREFIX} {kind}: {text}"[:4000]


def map_function_error(function_error: str, body: Any) -> tuple[str, str]:
    """(error_class, error) of an invoke answered with ``X-Amz-Function-Error``."""
    if not isinstance(body, dict):
        body = {"errorMessage": str(body)}
    etype = str(body.get("errorType") or "")
    msg = str(body.get("errorMessage") or "")
    text = f"{etype}: {msg}" if etype else msg
    if etype in _MEMORY_TYPES or "signal: killed" in msg or "Runtime.OutOfMemory" in msg:
        return "RESOURCE", _limit("memory", f"the function ran out of memory ({text})")
    if "Task timed out after" in msg or etype == "Sandbox.Timedout":
        return "TIMEOUT", _limit("timeout", f"the function timed out ({text})")
    if "No space left on device" in msg:
        return "RESOURCE", _limit("disk", f"the function's /tmp is full ({text})")
    return "INFRASTRUCTURE", f"the Lambda function failed ({function_error or 'Unhandled'}): {text}"[:4000]


def map_handler_response(resp: Any) -> tuple[bool, str, str, int]:
    """(ok, error_class, error, failing_line) of the handler's own response."""
    if not isinstance(resp, dict) or "ok" not in resp:
        return False, "INFRASTRUCTURE", "the Lambda function returned an unexpected response", 0
    if resp.get("ok"):
        return True, "", "", 0
    error_class = str(resp.get("error_class") or "CODE")
    error = str(resp.get("error") or "the job failed on Lambda")
    limit = str(resp.get("function_limit") or "")
    if limit in ("memory", "disk"):
        return False, "RESOURCE", _limit(limit, error), int(resp.get("failing_line") or 0)
    return False, error_class, error, int(resp.get("failing_line") or 0)


def map_invoke_exception(exc: BaseException) -> tuple[str, str]:
    """(error_class, error) of an invoke that raised (HTTP error, connection, timeout)."""
    from botocore.exceptions import (
        ClientError,
        ConnectionClosedError,
        EndpointConnectionError,
        ReadTimeoutError,
    )

    if isinstance(exc, ClientError):
        code = str(exc.response.get("Error", {}).get("Code", ""))
        status = int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0)
        if code in _PERMISSION_CODES or status == 403:
            return "PERMISSION", f"not allowed to invoke the Lambda function ({code or status})"
        if code in _THROTTLE_CODES or status == 429:
            return "INFRASTRUCTURE", f"Lambda throttled the invoke ({code or status}); not retried"
        return "INFRASTRUCTURE", f"the Lambda invoke failed ({code or 'HTTP ' + str(status)}); not retried"
    if isinstance(exc, ReadTimeoutError):
        return (
            "INFRASTRUCTURE",
            "no answer from Lambda within the read timeout; the function may still run; not retried",
        )
    if isinstance(exc, (ConnectionClosedError, EndpointConnectionError)):
        return "INFRASTRUCTURE", f"the connection to Lambda failed ({type(exc).__name__}); not retried"
    return "INFRASTRUCTURE", f"the Lambda invoke failed ({type(exc).__name__}); not retried"


def input_specs(job: JobRecord) -> dict[str, dict]:
    """The handler's ``inputs`` object from the job's ExecutionInputs (URIs must be s3://)."""
    out: dict[str, dict] = {}
    for ei in decode_inputs(job.inputs):
        spec = dataclasses.asdict(InputSpec.from_proto(ei))
        uri = spec.pop("path") or ""
        spec["uri"] = uri
        out[ei.name] = {k: v for k, v in spec.items() if v is not None}
    return out


class LambdaEngine:
    """Engine (platform ``"LAMBDA"``) that runs each job with one synchronous Lambda invoke.

    ``LambdaEngine(settings, function_name, *, function_timeout_s, lambda_client=None,
    s3_client=None, payload_limit_bytes=DEFAULT_PAYLOAD_LIMIT, read_timeout_margin_s=30.0,
    default_timeout_s=None, default_preview_rows=100, default_max_output_bytes=0)``

    * ``settings``: the AWS settings (bucket, prefix, endpoints); results go to
      ``s3://{bucket}/{prefix}/jobs/{id}/output/``.
    * ``function_name``: name or ARN (with alias) of the container function.
    * ``function_timeout_s``: the function's configured timeout (the read timeout is this plus
      ``read_timeout_margin_s``).
    * ``lambda_client`` / ``s3_client``: injected clients (tests); by default made with
      :func:`aws_client` - the Lambda one with ``max_attempts=1``.
    * ``default_timeout_s``: the job time limit when the job has none (default: the function
      timeout, i.e. only Lambda enforces it).
    """

    platform = "LAMBDA"

    def __init__(
        self,
        settings: AwsSettings,
        function_name: str,
        *,
        function_timeout_s: float,
        lambda_client=None,
        s3_client=None,
        payload_limit_bytes: int = DEFAULT_PAYLOAD_LIMIT,
        read_timeout_margin_s: float = 30.0,
        default_timeout_s: float | None = None,
        default_preview_rows: int = 100,
        default_max_output_bytes: int = 0,
    ) -> None:
        if not settings.aws_bucket:
            raise ValueError("LambdaEngine needs CODEINTERP_AWS_BUCKET")
        self.settings = settings
        self.function_name = function_name
        self.function_timeout_s = float(function_timeout_s)
        self.payload_limit_bytes = payload_limit_bytes
        self.default_timeout_s = default_timeout_s
        self.default_preview_rows = default_preview_rows
        self.default_max_output_bytes = default_max_output_bytes
        self.lambda_client = lambda_client or aws_client(
            "lambda",
            settings,
            max_attempts=1,
            read_timeout_s=self.function_timeout_s + read_timeout_margin_s,
            tcp_keepalive=True,
        )
        self.s3 = s3_client or aws_client("s3", settings)
        self._cancels: dict[str, asyncio.Event] = {}

    # -- payload ---------------------------------------------------------------------------
    def output_prefix(self, job_id: str) -> str:
        return self.settings.uri("jobs", job_id, "output") + "/"

    def build_payload(self, job: JobRecord) -> dict:
        limits = decode_limits(job.limits)
        timeout_s = limits.timeout.ToTimedelta().total_seconds() or self.default_timeout_s or 0
        return {
            "job_id": job.id,
            "code": job.code,
            "code_sha256": job.code_sha256,
            "inputs": input_specs(job),
            "output_prefix": self.output_prefix(job.id),
            "limits": {
                "preview_rows": limits.preview_rows or self.default_preview_rows,
                "max_output_bytes": limits.max_output_bytes or self.default_max_output_bytes or None,
                "timeout_s": timeout_s or None,
            },
        }

    def _request_body(self, payload: dict) -> bytes:
        """The invoke body: the payload itself, or a pointer to it in S3 when it is too big."""
        body = json.dumps(payload, separators=(",", ":")).encode()
        if len(body) <= self.payload_limit_bytes:
            return body
        key = self.settings.key("jobs", payload["job_id"], "payload.json")
        self.s3.put_object(
            Bucket=self.settings.aws_bucket, Key=key, Body=body, ContentType="application/json"
        )
        log.info("lambda payload of %d bytes went through S3", len(body), extra={"job": payload["job_id"]})
        return json.dumps(
            {
                "job_id": payload["job_id"],
                "code_sha256": payload["code_sha256"],
                "payload_s3_uri": f"s3://{self.settings.aws_bucket}/{key}",
            }
        ).encode()

    # -- Engine ----------------------------------------------------------------------------
    async def run(self, job: JobRecord, on_log: Callable[[str, str], None]) -> RunOutcome:
        t0 = time.monotonic()
        try:
            payload = self.build_payload(job)
            bad = [n for n, s in payload["inputs"].items() if not str(s.get("uri", "")).startswith("s3://")]
            if bad:
                return RunOutcome(
                    ok=False,
                    error_class="DATA",
                    error=f"inputs {', '.join(sorted(bad))} are not in S3; Lambda reads s3:// URIs only",
                )
            body = await asyncio.to_thread(self._request_body, payload)
        except Exception as exc:  # noqa: BLE001 - S3 put of a big payload
            return RunOutcome(
                ok=False,
                error_class="INFRASTRUCTURE",
                error=f"could not prepare the Lambda payload ({type(exc).__name__})",
                duration_s=time.monotonic() - t0,
            )
        try:
            resp = await self._invoke_or_cancel(job.id, body)
            if resp is None:
                return RunOutcome(
                    ok=False,
                    error_class="CANCELLED_BY_USER",
                    error="cancelled; the Lambda invocation cannot be stopped and runs on, its results are ignored",
                    duration_s=time.monotonic() - t0,
                )
        except Exception as exc:  # noqa: BLE001 - botocore errors, mapped
            error_class, error = map_invoke_exception(exc)
            response = getattr(exc, "response", None)
            rid = (
                response.get("ResponseMetadata", {}).get("RequestId", "")
                if isinstance(response, dict)
                else ""
            )
            log.warning("lambda invoke failed: %s", error, extra={"job": job.id})
            return RunOutcome(
                ok=False,
                error_class=error_class,
                error=error,
                duration_s=time.monotonic() - t0,
                backend_id=rid,
            )
        request_id = resp.get("ResponseMetadata", {}).get("RequestId", "")
        raw = resp["Payload"].read()
        try:
            answer = json.loads(raw) if raw else None
        except ValueError:
            answer = raw[:500].decode("utf-8", "replace")
        if resp.get("FunctionError"):
            error_class, error = map_function_error(resp["FunctionError"], answer)
            return RunOutcome(
                ok=False,
                error_class=error_class,
                error=error,
                duration_s=time.monotonic() - t0,
                backend_id=request_id,
            )
        ok, error_class, error, failing_line = map_handler_response(answer)
        outcome = answer.get("outcome") if isinstance(answer, dict) else None
        self._emit_logs(outcome, on_log)
        manifest = None
        if ok:
            try:
                manifest = await asyncio.to_thread(
                    self._read_manifest, job.id, answer.get("manifest_uri", "")
                )
            except Exception as exc:  # noqa: BLE001
                ok, error_class = False, "INFRASTRUCTURE"
                error = f"the Lambda run succeeded but its manifest could not be read ({type(exc).__name__})"
        return RunOutcome(
            ok=ok,
            manifest=manifest,
            error=error,
            error_class=error_class,
            failing_line=failing_line,
            duration_s=time.monotonic() - t0,
            backend_id=request_id,
        )

    async def cancel(self, job_id: str) -> bool:
        """Abandon the job's invoke: ``run`` returns CANCELLED_BY_USER at once. A synchronous
        Lambda invocation cannot be stopped from the caller: the function runs to its end (at
        most its timeout) and what it writes under the job's output prefix is ignored."""
        event = self._cancels.get(job_id)
        if event is None:
            return False
        event.set()
        return True

    async def reattach(self, job: JobRecord, on_log) -> RunOutcome | None:
        """A synchronous invoke cannot be re-attached after a restart: the job is failed (re-run it)."""
        return None

    # -- helpers ---------------------------------------------------------------------------
    async def _invoke_or_cancel(self, job_id: str, body: bytes) -> dict | None:
        """The invoke response, or None when the job was cancelled first."""
        cancelled = self._cancels.setdefault(job_id, asyncio.Event())
        invoke = asyncio.ensure_future(asyncio.to_thread(self._invoke, body))
        waiter = asyncio.ensure_future(cancelled.wait())
        try:
            await asyncio.wait({invoke, waiter}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            waiter.cancel()
            self._cancels.pop(job_id, None)
        if invoke.done():
            return invoke.result()
        # abandoned: the thread finishes when the invocation does; nobody reads its result
        invoke.add_done_callback(lambda f: f.cancelled() or f.exception())
        log.info("lambda invoke abandoned after a cancel", extra={"job": job_id})
        return None

    def _invoke(self, body: bytes) -> dict:
        return self.lambda_client.invoke(
            FunctionName=self.function_name, InvocationType="RequestResponse", Payload=body
        )

    def _read_manifest(self, job_id: str, uri: str) -> dict:
        expected = self.output_prefix(job_id)
        if not uri.startswith(expected):
            raise ValueError("manifest outside the job's output prefix")
        bucket, key = split_s3_uri(uri)
        return json.loads(self.s3.get_object(Bucket=bucket, Key=key)["Body"].read())

    @staticmethod
    def _emit_logs(outcome: Any, on_log: Callable[[str, str], None]) -> None:
        if not isinstance(outcome, dict):
            return
        for stream in ("stdout", "stderr"):
            tail = outcome.get(f"{stream}_tail") or ""
            for line in tail.splitlines():
                on_log(stream, line)
