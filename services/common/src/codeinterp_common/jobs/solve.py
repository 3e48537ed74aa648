"""The solve loop both supervisors run: generate → validate → run → (classify, repair)*.

Every stage is streamed as a `SolveEvent`. The loop ends with exactly one DONE event that
carries the `SolveResult` (code, manifest, attempts, timings). A retried request with the
same request id reuses the code pinned in its earlier jobs instead of asking the LLM again.
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass

import grpc
from google.protobuf import duration_pb2, json_format, timestamp_pb2

from codeinterp.codegen.v1 import codegen_service_pb2 as cg
from codeinterp.common.v1 import types_pb2 as t
from codeinterp_common.errors import ServiceError
from codeinterp_common.jobs.manager import JobManager
from codeinterp_common.jobs.model import JobRecord, JobState

log = logging.getLogger(__name__)

# Failures worth a new program; the others (resources, permissions, time, our own) are not
# fixed by rewriting the code and end the loop with a clear error.
REPAIRABLE = {"CODE", "DATA", "VALIDATION"}


@dataclass(frozen=True)
class SolveSpec:
    framework: int  # t.SPARK or t.RAY
    prompt: str
    inputs: list[t.ExecutionInput]
    workflow: int = 0
    code: str = ""  # execute-only mode when set
    max_attempts: int = 3
    session: str = ""
    request_id: str = ""
    provider: str = ""
    model: str = ""
    platform: int = 0  # requested ExecutionPlatform (Spark)
    limits: t.RunLimits | None = None


Generate = Callable[[cg.GenerateCodeRequest], Awaitable[cg.GenerateCodeResponse]]
Validate = Callable[[str, list[t.ExecutionInput], int], t.ValidationReport]
CreateJob = Callable[[SolveSpec, str, t.ValidationReport, str], Awaitable[JobRecord]]


def _duration(seconds: float) -> duration_pb2.Duration:
    d = duration_pb2.Duration()
    d.FromNanoseconds(int(seconds * 1e9))
    return d


def _now() -> timestamp_pb2.Timestamp:
    ts = timestamp_pb2.Timestamp()
    ts.GetCurrentTime()
    return ts


def manifest_to_proto(manifest: dict | None) -> t.ResultManifest:
    if not manifest:
        return t.ResultManifest()
    return json_format.ParseDict(manifest, t.ResultManifest(), ignore_unknown_fields=True)


def violations_text(report: t.ValidationReport) -> str:
    return "\n".join(
        f"line {v.line}: [{v.rule_id}] {v.message}"
        for v in report.violations
        if v.severity != t.Violation.WARNING
    )


class SolveLoop:
    def __init__(
        self,
        *,
        generate: Generate,
        validate: Validate,
        manager: JobManager,
        create_job: CreateJob,
        platform_name: Callable[[JobRecord], int],
        collection: str,
    ) -> None:
        self.collection = collection
        self.generate = generate
        self.validate = validate
        self.manager = manager
        self.create_job = create_job
        self.platform_name = platform_name

    async def run(self, spec: SolveSpec) -> AsyncIterator[t.SolveEvent]:
        started = time.monotonic()
        result = t.SolveResult()
        attempts: list[t.Attempt] = []
        previous: cg.PreviousAttempt | None = None
        max_attempts = 1 if spec.code else max(1, spec.max_attempts)
        yield self._event(t.PREPARE, 0, f"{len(spec.inputs)} input(s) resolved")
        for number in range(1, max_attempts + 1):
            attempt = t.Attempt(number=number)
            job_request_id = f"{spec.request_id}:{number}" if spec.request_id else ""
            pinned = self.manager.store.find_by_request_id(job_request_id) if job_request_id else None
            # 1. code
            gen_start = time.monotonic()
            if spec.code:
                code = spec.code
            elif pinned is not None:
                code = pinned.code
                yield self._event(
                    t.GENERATE,
                    number,
                    "reusing the code pinned by an earlier request with this request id",
                    code=code,
                )
            else:
                stage = t.REPAIR if previous is not None else t.GENERATE
                yield self._event(
                    stage, number, "asking for a repaired program" if previous else "generating code"
                )
                try:
                    response = await self.generate(
                        cg.GenerateCodeRequest(
                            framework=spec.framework,
                            prompt=spec.prompt,
                            inputs=spec.inputs,
                            workflow=spec.workflow,
                            previous_attempt=previous,
                            provider=spec.provider,
                            model=spec.model,
                        )
                    )
                except ServiceError as err:
                    if previous is None:
                        # Nothing was generated at all (a refusal, a provider error): the caller
                        # gets that error itself, with its code and ErrorInfo.
                        raise
                    message = err.message
                    if err.code == grpc.StatusCode.FAILED_PRECONDITION:
                        message = f"{previous.error}\n(no repair possible: {err.message})"
                    result.error = message
                    result.error_class = previous.error_class or t.CODE
                    attempt.error = err.message
                    attempts.append(attempt)
                    yield self._done(result, attempts, started, f"repair failed: {err.message}")
                    return
                code = response.code
                result.provider, result.model = response.provider, response.model
                attempt.generate_duration.CopyFrom(_duration(time.monotonic() - gen_start))
                note = " (cache hit)" if response.cached else ""
                yield self._event(stage, number, f"code generated by {response.provider}{note}", code=code)
            attempt.code = code
            result.code = code
            # 2. validate
            report = self.validate(code, list(spec.inputs), spec.workflow)
            attempt.validation.CopyFrom(report)
            yield self._event(
                t.VALIDATE,
                number,
                "valid" if report.valid else f"{len(report.violations)} problem(s) found",
                validation=report,
            )
            if not report.valid:
                attempt.error = violations_text(report)
                attempt.error_class = t.VALIDATION
                attempts.append(attempt)
                result.error, result.error_class = attempt.error, t.VALIDATION
                if number < max_attempts and not spec.code:
                    first = next((v.line for v in report.violations if v.line), 0)
                    previous = cg.PreviousAttempt(
                        code=code, error=attempt.error, error_class=t.VALIDATION, failing_line=first
                    )
                    continue
                yield self._done(result, attempts, started, "the code did not pass validation")
                return
            # 3. run
            run_start = time.monotonic()
            job = (
                pinned
                if pinned is not None and pinned.code_sha256 == report.code_sha256
                else await self.create_job(spec, code, report, job_request_id)
            )
            job_name = f"{self.collection}/{job.id}"
            attempt.job = job_name
            yield self._event(t.RUN, number, f"job {job_name} created")
            async for event in self.manager.watch(job.id):
                job_event = t.JobEvent(job=job_name)
                job_event.time.FromNanoseconds(int(event.time * 1e9))
                if event.kind == "state":
                    job_event.state = event.value
                else:
                    job_event.log_line = event.value
                job_event.detail = event.detail
                yield self._event(
                    t.RUN, number, event.value if event.kind == "state" else "", job_event=job_event
                )
            job = self.manager.get(job.id)
            attempt.run_duration.CopyFrom(_duration(time.monotonic() - run_start))
            result.job = job_name
            result.execution_platform = self.platform_name(job)
            if job.state == JobState.SUCCEEDED:
                yield self._event(
                    t.FETCH_RESULTS, number, f"{(job.manifest or {}).get('row_count', 0)} row(s)"
                )
                attempts.append(attempt)
                result.success = True
                result.error, result.error_class = "", t.ERROR_CLASS_UNSPECIFIED
                result.manifest.CopyFrom(manifest_to_proto(job.manifest))
                yield self._done(result, attempts, started, "answer ready")
                return
            attempt.error = job.state_message
            attempt.error_class = (
                t.ErrorClass.Value(job.error_class) if job.error_class in t.ErrorClass.keys() else t.CODE
            )
            attempts.append(attempt)
            result.error, result.error_class = attempt.error, attempt.error_class
            if (
                job.state == JobState.CANCELLED
                or job.error_class not in REPAIRABLE
                or spec.code
                or number == max_attempts
            ):
                yield self._done(result, attempts, started, f"job {job.state.value.lower()}")
                return
            previous = cg.PreviousAttempt(
                code=code,
                error=job.state_message,
                error_class=attempt.error_class,
                failing_line=job.failing_line,
            )

    def _event(self, stage: int, attempt: int, message: str, **detail) -> t.SolveEvent:
        event = t.SolveEvent(stage=stage, attempt=attempt, message=message, time=_now())
        for key, value in detail.items():
            if key == "code":
                event.code = value
            else:
                getattr(event, key).CopyFrom(value)
        return event

    def _done(
        self, result: t.SolveResult, attempts: list[t.Attempt], started: float, message: str
    ) -> t.SolveEvent:
        del result.attempts[:]
        result.attempts.extend(attempts)
        result.total_duration.CopyFrom(_duration(time.monotonic() - started))
        return self._event(t.DONE, len(attempts), message, result=result)
