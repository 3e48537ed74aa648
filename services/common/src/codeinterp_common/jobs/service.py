"""The job service both supervisors expose: validate, create (validated, pinned, idempotent),
and solve. Engines and platform choice are injected; the rest is shared.

Ownership: a job carries its creator in `labels["owner"]` (the principal the gateway forwards;
a client-supplied `owner` label is replaced). `JobService.manager` is an `OwnedJobs` view of the
JobManager: get/list/cancel/watch/wait and result reads of another principal's job answer
NOT_FOUND exactly like a missing id; admins and internal calls see every job. Idempotency keys
are per principal (the owner is part of the request fingerprint).
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from codeinterp.codegen.v1 import codegen_service_pb2 as cg
from codeinterp.common.v1 import types_pb2 as t
from codeinterp_common.auth import OWNER_LABEL, current_owner, owner_filter
from codeinterp_common.errors import FieldViolation, InvalidArgument, NotFound, ResourceExhausted
from codeinterp_common.jobs import validation_bridge
from codeinterp_common.jobs.api import encode_inputs, encode_limits
from codeinterp_common.jobs.manager import JobManager
from codeinterp_common.jobs.model import JobRecord, request_fingerprint
from codeinterp_common.jobs.solve import SolveLoop, SolveSpec


def derive_workflow(inputs: list[t.ExecutionInput], workflow: int) -> int:
    if workflow:
        return workflow
    if any(i.kind == t.ExecutionInput.TABLE for i in inputs):
        return t.CATALOG
    return t.CSV if inputs else t.NONE


def _job_not_found(job_id: str) -> NotFound:
    # The same shape as the store's answer for a missing id.
    return NotFound(f"job {job_id} not found", reason="JOB_NOT_FOUND", metadata={"job": job_id})


def _visible(job: JobRecord, owner: str | None) -> bool:
    return owner is None or job.labels.get(OWNER_LABEL, "") == owner


class OwnedStore:
    """The job store as the current principal sees it (reads only; writes pass through)."""

    def __init__(self, store: Any) -> None:
        self._store = store

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)

    def get(self, job_id: str) -> JobRecord:
        job = self._store.get(job_id)
        if not _visible(job, owner_filter()):
            raise _job_not_found(job_id)
        return job

    def find(self, job_id: str) -> JobRecord | None:
        job = self._store.find(job_id)
        return job if job is not None and _visible(job, owner_filter()) else None

    def find_by_request_id(self, request_id: str) -> JobRecord | None:
        job = self._store.find_by_request_id(request_id)
        return job if job is not None and _visible(job, owner_filter()) else None


class OwnedJobs:
    """The JobManager as the current principal sees it."""

    MAX_SCANNED_PAGES = 20

    def __init__(self, manager: JobManager) -> None:
        self._manager = manager
        self.store = OwnedStore(manager.store)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._manager, name)

    def get(self, job_id: str) -> JobRecord:
        return self.store.get(job_id)

    def list(self, *, page_size: int, page_token: str = "", session: str = "") -> tuple[list[JobRecord], str]:
        """Another principal's jobs are skipped; a page may hold fewer than `page_size` jobs
        (AIP-158 allows it) — up to MAX_SCANNED_PAGES store pages are scanned for a non-empty one."""
        owner = owner_filter()
        if owner is None:
            return self._manager.list(page_size=page_size, page_token=page_token, session=session)
        found: list[JobRecord] = []
        token = page_token
        for _ in range(self.MAX_SCANNED_PAGES):
            jobs, token = self._manager.list(page_size=page_size, page_token=token, session=session)
            found.extend(j for j in jobs if _visible(j, owner))
            if found or not token:
                break
        return found, token

    async def cancel(self, job_id: str) -> JobRecord:
        self.get(job_id)
        return await self._manager.cancel(job_id)

    async def wait(self, job_id: str) -> JobRecord:
        self.get(job_id)
        return await self._manager.wait(job_id)

    async def watch(self, job_id: str, **kwargs: Any) -> AsyncIterator[Any]:
        self.get(job_id)
        async for event in self._manager.watch(job_id, **kwargs):
            yield event


class JobService:
    def __init__(
        self,
        framework: str,
        manager: JobManager,
        generate: Callable[[cg.GenerateCodeRequest], Awaitable[cg.GenerateCodeResponse]],
        *,
        choose_platform: Callable[
            [int, list[t.ExecutionInput]], tuple[str, str] | Awaitable[tuple[str, str]]
        ],
        max_code_chars: int = 100_000,
        max_active_jobs_per_owner: int = 0,
    ) -> None:
        self.framework = framework
        self.manager = OwnedJobs(manager)
        self.generate = generate
        self.choose_platform = choose_platform
        self.max_code_chars = max_code_chars
        self.max_active_jobs_per_owner = max_active_jobs_per_owner
        self._quota_lock = asyncio.Lock()
        self.loop = SolveLoop(
            generate=generate,
            validate=self.validate,
            manager=self.manager,
            create_job=self._create_for_solve,
            platform_name=lambda job: (
                t.ExecutionPlatform.Value(job.effective_platform)
                if job.effective_platform in t.ExecutionPlatform.keys()
                else 0
            ),
            collection="sparkJobs" if framework == "spark" else "rayJobs",
        )

    def validate(self, code: str, inputs: list[t.ExecutionInput], workflow: int) -> t.ValidationReport:
        if not code.strip():
            raise InvalidArgument("code is required", field="code")
        if len(code) > self.max_code_chars:
            raise InvalidArgument(
                f"code has {len(code)} characters; the limit is {self.max_code_chars}",
                reason="CODE_TOO_LARGE",
                field="code",
                metadata={"length": len(code), "limit": self.max_code_chars},
            )
        _check_inputs(inputs)
        return validation_bridge.validate(self.framework, code, inputs, derive_workflow(inputs, workflow))

    async def create(
        self,
        *,
        code: str,
        inputs: list[t.ExecutionInput],
        workflow: int = 0,
        platform: int = 0,
        limits: t.RunLimits | None = None,
        session: str = "",
        labels: dict[str, str] | None = None,
        job_id: str = "",
        request_id: str = "",
    ) -> tuple[JobRecord, bool]:
        report = self.validate(code, inputs, workflow)
        if not report.valid:
            raise InvalidArgument(
                "the code did not pass validation",
                reason="CODE_REJECTED",
                field_violations=[
                    FieldViolation("code", f"line {v.line}: [{v.rule_id}] {v.message}")
                    for v in report.violations
                    if v.severity != t.Violation.WARNING
                ],
                metadata={"violations": len(report.violations)},
            )
        return await self._create(
            code, report, inputs, platform, limits or t.RunLimits(), session, labels, job_id, request_id
        )

    async def _create(self, code, report, inputs, platform, limits, session, labels, job_id, request_id):
        choice = self.choose_platform(platform, inputs)
        platform_name, reason = (
            await choice if inspect.isawaitable(choice) else choice
        )  # AWS mode measures sizes
        inputs_blob, limits_blob = encode_inputs(inputs), encode_limits(limits)
        labels = {k: v for k, v in (labels or {}).items() if k != OWNER_LABEL}
        owner = current_owner()
        if owner:
            labels[OWNER_LABEL] = owner
        fingerprint = request_fingerprint(code, inputs_blob, limits_blob, str(platform), session, owner)
        async with self._quota_lock:  # count and insert together
            if self.max_active_jobs_per_owner and owner:
                self._check_active_jobs(owner, request_id)
            job, created = await self.manager.create(
                code=code,
                code_sha256=report.code_sha256,
                inputs=inputs_blob,
                limits=limits_blob,
                platform=platform_name,
                session=session,
                labels=labels,
                job_id=job_id,
                request_id=request_id,
                request_hash=fingerprint,
            )
        if created and reason:
            self.manager.store.update_fields(job.id, platform_reason=reason)
            # the decision is streamed with the job's events (a log line on the "platform" stream)
            self.manager.store.add_logs(
                job.id, self.manager.clock(), [("platform", f"platform {platform_name}: {reason}")]
            )
        return job, created

    def _check_active_jobs(self, owner: str, request_id: str) -> None:
        """RESOURCE_EXHAUSTED when `owner` already has the allowed number of unfinished jobs in
        this service's store (a retry of an existing request is never refused)."""
        if request_id and self.manager.store.find_by_request_id(request_id) is not None:
            return
        active = sum(1 for j in self.manager.store.non_terminal() if j.labels.get(OWNER_LABEL) == owner)
        if active >= self.max_active_jobs_per_owner:
            raise ResourceExhausted(
                f"{active} of your jobs are still running; the limit is {self.max_active_jobs_per_owner}",
                reason="QUOTA_ACTIVE_JOBS",
                metadata={"limit": self.max_active_jobs_per_owner, "active": active},
                retry_after=5.0,
            )

    async def _create_for_solve(
        self, spec: SolveSpec, code: str, report: t.ValidationReport, request_id: str
    ) -> JobRecord:
        limits = getattr(spec, "limits", None) or t.RunLimits()
        job, _ = await self._create(
            code, report, list(spec.inputs), spec.platform, limits, spec.session, None, "", request_id
        )
        return job

    def solve(self, spec: SolveSpec) -> AsyncIterator[t.SolveEvent]:
        _check_inputs(list(spec.inputs))
        return self.loop.run(spec)


def _check_inputs(inputs: list[t.ExecutionInput]) -> None:
    seen = set()
    for index, item in enumerate(inputs):
        if not item.name or not item.name.replace("_", "").isalnum() or not item.name.isascii():
            raise InvalidArgument(
                "input names must be ASCII letters, digits and underscores",
                field=f"inputs[{index}].name",
                metadata={"name": item.name[:100]},
            )
        if item.name in seen:
            raise InvalidArgument(f"input name {item.name} is used twice", field=f"inputs[{index}].name")
        seen.add(item.name)
