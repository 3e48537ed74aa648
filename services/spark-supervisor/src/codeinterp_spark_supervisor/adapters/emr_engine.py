"""Spark jobs on EMR Serverless (platform "EMR_SERVERLESS").

A run: upload ``emr_entry.py`` (the entry point), ``runner.py`` (``--py-files``), ``job.json``
and ``code.py`` to ``s3://{bucket}/{prefix}/jobs/{id}/``; ``StartJobRun`` with
``clientToken`` = the job id (a retry or a restart never starts a second run), the execution
role, the configured ``sparkSubmitParameters`` and a per-job monitoring log URI
(``jobs/{id}/logs/``); the job run id is recorded on the job at once (reattach after a
restart); ``GetJobRun`` is polled with capped exponential backoff and jitter. Our time limit
is enforced here and counts from the run's first RUNNING state (EMR's ``startedAt`` after a
re-attach): queueing and application start-up, minutes on a cold application, have their own
allowance (``start_timeout_s``). Past either the run is stopped with ``CancelJobRun`` and the
job ends TIMEOUT (``executionTimeoutMinutes`` = both + 1 minute is EMR's own backstop, should
the supervisor be gone). ``cancel`` calls ``CancelJobRun``.

Results: on SUCCESS ``jobs/{id}/output/manifest.json`` is the manifest (file URIs are
``s3://``). On FAILED the runner's ``outcome.json`` gives the error, its class and the failing
line; the driver's stderr/stdout (``{logUri}/applications/{app}/jobs/{run}/SPARK_DRIVER/*.gz``)
are streamed to the job's log and their tail is added to the error, so repairs see them.
When the runner wrote no outcome (the driver died), the class comes from the driver's stderr
(out of memory -> RESOURCE) or is INFRASTRUCTURE.

EMR job run states map to ours: SUBMITTED/QUEUED/PENDING/SCHEDULED/RUNNING -> RUNNING (shown
as log lines), SUCCESS -> SUCCEEDED, FAILED -> FAILED, CANCELLING -> still waiting, CANCELLED
-> CANCELLED (or FAILED/INFRASTRUCTURE when nobody here asked for it).
"""

from __future__ import annotations

import asyncio
import gzip
import json
import logging
import math
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from codeinterp.common.v1 import types_pb2 as t
from codeinterp_common.aws import AwsSettings
from codeinterp_common.jobs.api import decode_inputs, decode_limits
from codeinterp_common.jobs.model import JobRecord, RunOutcome

log = logging.getLogger(__name__)

TERMINAL = {"SUCCESS", "FAILED", "CANCELLED"}
LOG_TAIL_CHARS = 4000
_RESOURCE_WORDS = (
    "OutOfMemoryError",
    "Java heap space",
    "GC overhead limit",
    "No space left on device",
    "Container killed",
    "exceeding memory limits",
    "MemoryError",
)
_PERMISSION_WORDS = ("AccessDenied", "Access Denied", "403 Forbidden", "not authorized")

_PKG = Path(__file__).resolve().parents[1]
ENTRY_FILE = _PKG / "emr_entry.py"
RUNNER_FILE = _PKG / "runner.py"


@dataclass(frozen=True)
class PollSettings:
    initial_s: float = 2.0
    max_s: float = 20.0
    factor: float = 1.6
    jitter: float = 0.2  # +/- this fraction of each delay


def _classify_log(text: str) -> str:
    if any(w in text for w in _RESOURCE_WORDS):
        return "RESOURCE"
    if any(w in text for w in _PERMISSION_WORDS):
        return "PERMISSION"
    return "INFRASTRUCTURE"


def _client_error_code(exc: Exception) -> str:
    response = getattr(exc, "response", None) or {}
    return response.get("Error", {}).get("Code", "") or type(exc).__name__


class EmrServerlessEngine:
    platform = "EMR_SERVERLESS"

    def __init__(
        self,
        emr_client,
        s3_client,
        aws_settings: AwsSettings,
        application_id: str,
        execution_role_arn: str,
        spark_submit_parameters: str = "",
        *,
        default_timeout_s: float = 1800.0,
        start_timeout_s: float = 900.0,
        default_preview_rows: int = 100,
        max_output_bytes: int = 1 << 30,
        poll: PollSettings | None = None,
        register_tables: bool = False,
        record_backend_id: Callable[[str, str], None] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.emr = emr_client
        self.s3 = s3_client
        self.aws = aws_settings
        self.application_id = application_id
        self.execution_role_arn = execution_role_arn
        self.spark_submit_parameters = spark_submit_parameters
        self.default_timeout_s = default_timeout_s
        self.start_timeout_s = start_timeout_s
        self.default_preview_rows = default_preview_rows
        self.max_output_bytes = max_output_bytes
        self.poll = poll or PollSettings()
        self.register_tables = register_tables
        self.record_backend_id = record_backend_id
        self.clock = clock
        self._runs: dict[str, str] = {}  # job id -> job run id (runs this process watches)
        self._cancelled: set[str] = set()
        self._wake: dict[str, asyncio.Event] = {}

    # -- S3 layout ---------------------------------------------------------------------------
    def job_key(self, job_id: str, *parts: str) -> str:
        return self.aws.key("jobs", job_id, *parts)

    def job_uri(self, job_id: str, *parts: str) -> str:
        return self.aws.uri("jobs", job_id, *parts)

    def _job_spec(self, job: JobRecord) -> tuple[dict, float]:
        limits = decode_limits(job.limits)
        timeout = limits.timeout.ToTimedelta().total_seconds() or self.default_timeout_s
        inputs: dict[str, dict] = {}
        for item in decode_inputs(job.inputs):
            fmt = item.csv_format
            spec = {
                "delimiter": fmt.delimiter or ",",
                "header": fmt.header if item.HasField("csv_format") else True,
                "encoding": fmt.encoding or "utf-8",
                "quote": fmt.quote or '"',
                "path": item.uri,
            }
            data_format = "parquet" if item.uri.rstrip("/").endswith(".parquet") else "csv"
            if item.kind == t.ExecutionInput.TABLE:
                spec.update(
                    kind="table", table=f"{item.table.database}.{item.table.table}", format=data_format
                )
            else:
                spec.update(kind=data_format, format=data_format)
            if spec["path"] and not spec["path"].startswith("s3://"):
                raise ValueError(
                    f"input {item.name} is not in S3 ({spec['path'][:200]}): EMR Serverless reads s3:// only"
                )
            if not spec["path"] and spec["kind"] != "table":
                raise ValueError(f"input {item.name} has no location")
            inputs[item.name] = spec
        cap = min(limits.max_output_bytes or self.max_output_bytes, self.max_output_bytes)
        spec = {
            "job_id": job.id,
            "code": job.code,
            "inputs": inputs,
            "preview_rows": limits.preview_rows or self.default_preview_rows,
            "max_output_bytes": cap,
            "register_tables": self.register_tables,
        }
        return spec, timeout

    def _upload(self, job: JobRecord, spec: dict) -> None:
        bucket = self.aws.aws_bucket
        self.s3.put_object(
            Bucket=bucket, Key=self.job_key(job.id, "emr_entry.py"), Body=ENTRY_FILE.read_bytes()
        )
        self.s3.put_object(
            Bucket=bucket, Key=self.job_key(job.id, "runner.py"), Body=RUNNER_FILE.read_bytes()
        )
        self.s3.put_object(Bucket=bucket, Key=self.job_key(job.id, "code.py"), Body=job.code.encode())
        self.s3.put_object(
            Bucket=bucket,
            Key=self.job_key(job.id, "job.json"),
            Body=json.dumps(spec).encode(),
            ContentType="application/json",
        )

    def start_request(self, job: JobRecord, timeout_s: float) -> dict:
        params = f"--py-files {self.job_uri(job.id, 'runner.py')}"
        if self.spark_submit_parameters.strip():
            params += " " + self.spark_submit_parameters.strip()
        return {
            "applicationId": self.application_id,
            "clientToken": job.id,
            "name": job.id,
            "executionRoleArn": self.execution_role_arn,
            "jobDriver": {
                "sparkSubmit": {
                    "entryPoint": self.job_uri(job.id, "emr_entry.py"),
                    "entryPointArguments": ["--job-uri", self.job_uri(job.id)],
                    "sparkSubmitParameters": params,
                }
            },
            "configurationOverrides": {
                "monitoringConfiguration": {
                    "s3MonitoringConfiguration": {"logUri": self.job_uri(job.id, "logs") + "/"}
                }
            },
            # EMR's own backstop, should the supervisor be gone: start-up allowance + our limit + 1 min
            "executionTimeoutMinutes": int(math.ceil((self.start_timeout_s + timeout_s) / 60.0)) + 1,
            "tags": {"codeinterp-job": job.id},
        }

    # -- Engine ------------------------------------------------------------------------------
    async def run(self, job: JobRecord, on_log: Callable[[str, str], None]) -> RunOutcome:
        started = self.clock()
        try:
            spec, timeout = self._job_spec(job)
        except ValueError as exc:
            return RunOutcome(ok=False, error=str(exc), error_class="DATA")
        self._wake[job.id] = asyncio.Event()
        try:
            try:
                await asyncio.to_thread(self._upload, job, spec)
                reply = await asyncio.to_thread(
                    lambda: self.emr.start_job_run(**self.start_request(job, timeout))
                )
            except Exception as exc:  # noqa: BLE001 - AWS errors become the job's failure
                code = _client_error_code(exc)
                error_class = (
                    "PERMISSION" if "AccessDenied" in code or "Forbidden" in code else "INFRASTRUCTURE"
                )
                log.warning("EMR Serverless start failed", extra={"job": job.id, "code": code})
                return RunOutcome(
                    ok=False,
                    error=f"EMR Serverless did not start the job ({code}): {exc}"[:2000],
                    error_class=error_class,
                    duration_s=self.clock() - started,
                )
            run_id = reply["jobRunId"]
            self._runs[job.id] = run_id
            if self.record_backend_id is not None:
                self.record_backend_id(job.id, run_id)
            on_log("emr", f"EMR Serverless job run {run_id} started on application {self.application_id}")
            if job.id in self._cancelled:  # cancel arrived while starting
                await self._cancel_run(run_id)
            return await self._watch(job.id, run_id, timeout, timeout, on_log, started)
        finally:
            self._runs.pop(job.id, None)
            self._wake.pop(job.id, None)
            self._cancelled.discard(job.id)

    async def cancel(self, job_id: str) -> bool:
        self._cancelled.add(job_id)
        run_id = self._runs.get(job_id)
        wake = self._wake.get(job_id)
        if run_id is None:
            return wake is not None  # starting: run() cancels once the run id is known
        await self._cancel_run(run_id)
        if wake is not None:
            wake.set()
        return True

    async def reattach(self, job: JobRecord, on_log: Callable[[str, str], None]) -> RunOutcome | None:
        if not job.backend_id:
            # Crashed before the run id was recorded: starting again with the same client
            # token returns the run EMR already has (or starts it, if it never got there).
            return await self.run(job, on_log)
        _spec, timeout = self._job_spec(job)
        started = self.clock()
        self._runs[job.id] = job.backend_id
        self._wake[job.id] = asyncio.Event()
        on_log("emr", f"re-attached to EMR Serverless job run {job.backend_id}")
        try:
            if job.state.value == "CANCELLING":
                self._cancelled.add(job.id)
                await self._cancel_run(job.backend_id)
            return await self._watch(job.id, job.backend_id, timeout, timeout, on_log, started)
        finally:
            self._runs.pop(job.id, None)
            self._wake.pop(job.id, None)
            self._cancelled.discard(job.id)

    # -- internals ---------------------------------------------------------------------------
    async def _cancel_run(self, run_id: str) -> None:
        try:
            await asyncio.to_thread(
                lambda: self.emr.cancel_job_run(applicationId=self.application_id, jobRunId=run_id)
            )
        except Exception as exc:  # noqa: BLE001 - e.g. already terminal: the poll sees the state
            log.warning("CancelJobRun failed", extra={"run": run_id, "code": _client_error_code(exc)})

    async def _get(self, run_id: str) -> dict:
        reply = await asyncio.to_thread(
            lambda: self.emr.get_job_run(applicationId=self.application_id, jobRunId=run_id)
        )
        return reply["jobRun"]

    def _delays(self):
        delay = self.poll.initial_s
        while True:
            yield delay * random.uniform(1 - self.poll.jitter, 1 + self.poll.jitter)
            delay = min(delay * self.poll.factor, self.poll.max_s)

    async def _watch(self, job_id, run_id, budget_s, timeout, on_log, started) -> RunOutcome:
        """Polls until the run is terminal. Our time limit (`budget_s` left of `timeout`) counts
        from the first RUNNING state: queueing and application start-up (minutes on a cold
        EMR application) have their own allowance, `start_timeout_s`."""
        delays = self._delays()
        last_state = ""
        errors = 0
        timed_out = ""  # why we cancelled: "" while within limits
        deadline = started + self.start_timeout_s
        running = False
        wake = self._wake.get(job_id)
        while True:
            try:
                run = await self._get(run_id)
                errors = 0
            except Exception as exc:  # noqa: BLE001 - botocore already retried transient errors
                errors += 1
                log.warning("GetJobRun failed", extra={"run": run_id, "code": _client_error_code(exc)})
                if errors >= 5 and self.clock() >= deadline:
                    return RunOutcome(
                        ok=False,
                        error=f"EMR Serverless job run {run_id} could not be watched: {exc}"[:2000],
                        error_class="INFRASTRUCTURE",
                        duration_s=self.clock() - started,
                        backend_id=run_id,
                    )
                run = {"state": last_state or "SUBMITTED"}
            state = run.get("state", "")
            if state != last_state:
                details = f" ({run['stateDetails']})" if run.get("stateDetails") else ""
                on_log("emr", f"EMR Serverless job run {run_id}: {state}{details}")
                last_state = state
            if state in TERMINAL:
                return await self._outcome(job_id, run_id, run, timed_out, timeout, on_log, started)
            now = self.clock()
            if state == "RUNNING" and not running and not timed_out:
                running = True
                started_at = run.get("startedAt")  # a re-attached run may have been running a while
                already = (
                    max(time.time() - started_at.timestamp(), 0.0)
                    if hasattr(started_at, "timestamp")
                    else 0.0
                )
                deadline = now + max(budget_s - already, 1.0)
            if now >= deadline and not timed_out:
                timed_out = (
                    f"the job exceeded its time limit of {timeout:g} s"
                    if running
                    else f"EMR Serverless did not start running the job within {self.start_timeout_s:g} s"
                )
                on_log("emr", f"{timed_out}: cancelling EMR Serverless job run {run_id}")
                await self._cancel_run(run_id)
                # give EMR a short while to confirm; the job is TIMEOUT either way
                deadline = now + max(self.poll.max_s, 10.0)
            elif timed_out and now >= deadline:
                return self._timeout_outcome(run_id, timed_out, started)
            delay = min(next(delays), max(deadline - now, 0.05))
            if wake is not None:
                try:
                    await asyncio.wait_for(wake.wait(), delay)
                    wake.clear()
                except TimeoutError:
                    pass
            else:
                await asyncio.sleep(delay)

    def _timeout_outcome(self, run_id: str, why: str, started: float) -> RunOutcome:
        return RunOutcome(
            ok=False,
            error=f"{why}; EMR Serverless job run {run_id} was cancelled",
            error_class="TIMEOUT",
            duration_s=self.clock() - started,
            backend_id=run_id,
        )

    def _read_json(self, *parts: str) -> dict | None:
        try:
            body = self.s3.get_object(Bucket=self.aws.aws_bucket, Key=self.job_key(*parts))["Body"].read()
        except Exception as exc:  # noqa: BLE001 - missing: the caller decides what that means
            if _client_error_code(exc) not in ("NoSuchKey", "404"):
                log.warning("reading a job file from S3 failed", extra={"key": "/".join(parts)})
            return None
        try:
            return json.loads(body)
        except ValueError:
            return None

    def driver_logs(self, job_id: str, run_id: str) -> dict[str, str]:
        """The driver's stdout and stderr from the monitoring log URI ('' when absent)."""
        out = {}
        for stream in ("stderr", "stdout"):
            key = self.job_key(
                job_id,
                "logs",
                "applications",
                self.application_id,
                "jobs",
                run_id,
                "SPARK_DRIVER",
                f"{stream}.gz",
            )
            try:
                raw = self.s3.get_object(Bucket=self.aws.aws_bucket, Key=key)["Body"].read()
                out[stream] = gzip.decompress(raw).decode("utf-8", "replace")
            except Exception:  # noqa: BLE001 - EMR writes logs late or not at all on early failures
                out[stream] = ""
        return out

    async def _outcome(self, job_id, run_id, run, timed_out, timeout, on_log, started) -> RunOutcome:
        state = run["state"]
        duration = self.clock() - started
        if timed_out and state != "SUCCESS":
            return self._timeout_outcome(run_id, timed_out, started)
        if state == "CANCELLED":
            if job_id in self._cancelled:
                return RunOutcome(
                    ok=False,
                    error="cancelled by the user",
                    error_class="CANCELLED_BY_USER",
                    duration_s=duration,
                    backend_id=run_id,
                )
            return RunOutcome(
                ok=False,
                error=f"EMR Serverless job run {run_id} was cancelled outside codeinterp "
                f"({run.get('stateDetails', '')})",
                error_class="INFRASTRUCTURE",
                duration_s=duration,
                backend_id=run_id,
            )
        if state == "SUCCESS":
            manifest = await asyncio.to_thread(self._read_json, job_id, "output", "manifest.json")
            if manifest is None:
                return RunOutcome(
                    ok=False,
                    error=f"EMR Serverless job run {run_id} succeeded but wrote no result manifest",
                    error_class="INFRASTRUCTURE",
                    duration_s=duration,
                    backend_id=run_id,
                )
            return RunOutcome(ok=True, manifest=manifest, duration_s=duration, backend_id=run_id)
        # FAILED
        outcome, logs = await asyncio.gather(
            asyncio.to_thread(self._read_json, job_id, "output", "outcome.json"),
            asyncio.to_thread(self.driver_logs, job_id, run_id),
        )
        for stream in ("stdout", "stderr"):
            for line in logs[stream][-LOG_TAIL_CHARS:].splitlines()[-50:]:
                on_log(stream, line)
        stderr_tail = logs["stderr"][-2000:].strip()
        if outcome is not None and not outcome.get("ok"):
            error = outcome.get("error") or "the job failed"
            error_class = outcome.get("error_class") or "CODE"
            failing_line = int(outcome.get("failing_line") or 0)
        else:
            error = f"EMR Serverless job run {run_id} failed: {run.get('stateDetails') or 'no details'}"
            error_class = _classify_log(stderr_tail + " " + run.get("stateDetails", ""))
            failing_line = 0
        if stderr_tail:
            error = f"{error}\n--- driver stderr (tail) ---\n{stderr_tail}"
        return RunOutcome(
            ok=False,
            error=error,
            error_class=error_class,
            failing_line=failing_line,
            duration_s=duration,
            backend_id=run_id,
        )

    # -- status ------------------------------------------------------------------------------
    def application_status(self) -> tuple[str, str]:
        """('ready' | 'not_ready' | 'error', detail) from GetApplication: STARTED is ready;
        CREATED/STOPPED are ready when auto-start is on (the first run starts it)."""
        try:
            app = self.emr.get_application(applicationId=self.application_id)["application"]
        except Exception as exc:  # noqa: BLE001 - reported, never raised
            return "error", f"EMR application {self.application_id}: {_client_error_code(exc)}"
        state = app.get("state", "")
        auto = bool(app.get("autoStartConfiguration", {}).get("enabled", False))
        if state == "STARTED" or (state in ("CREATED", "STOPPED") and auto):
            return (
                "ready",
                f"EMR application {self.application_id} {state}, auto-start {'on' if auto else 'off'}",
            )
        return (
            "not_ready",
            f"EMR application {self.application_id} {state}, auto-start {'on' if auto else 'off'}",
        )
