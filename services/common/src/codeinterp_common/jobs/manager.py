"""Runs jobs on engines: creates them idempotently, drives their state, streams their events,
cancels them, and reconciles unfinished jobs after a restart."""

from __future__ import annotations

import asyncio
import hashlib
import logging
import secrets
import time
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Protocol

from codeinterp_common.errors import InvalidArgument
from codeinterp_common.faults import crash_point
from codeinterp_common.jobs.model import JobRecord, JobState, RunOutcome
from codeinterp_common.jobs.store import JobEventRecord, JobStore

log = logging.getLogger(__name__)

_ALPHABET = "23456789abcdefghjkmnpqrstuvwxyz"  # no 0/o, 1/l/i: readable ids


def new_job_id(prefix: str) -> str:
    return f"{prefix}-" + "".join(secrets.choice(_ALPHABET) for _ in range(12))


def validate_job_id(job_id: str) -> None:
    import re

    if not re.fullmatch(r"[a-z][a-z0-9-]{2,61}[a-z0-9]", job_id):
        raise InvalidArgument(
            "job id must be 4-63 characters of [a-z0-9-], starting with a letter",
            field="job_id",
            metadata={"job_id": job_id},
        )


def sha256_hex(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


class Engine(Protocol):
    """Where jobs run. `run` returns when the job ended (it enforces the job's time limit);
    `cancel` asks a running job to stop; `reattach` resumes watching a job after a restart
    (None: this engine cannot, the job is failed with a clear reason)."""

    platform: str

    async def run(self, job: JobRecord, on_log: Callable[[str, str], None]) -> RunOutcome: ...

    async def cancel(self, job_id: str) -> bool: ...

    async def reattach(self, job: JobRecord, on_log: Callable[[str, str], None]) -> RunOutcome | None: ...


@dataclass
class _Watch:
    condition: asyncio.Condition = field(default_factory=asyncio.Condition)


class JobManager:
    def __init__(
        self,
        store: JobStore,
        engine_for: Callable[[JobRecord], Engine],
        *,
        id_prefix: str,
        clock: Callable[[], float] = time.time,
        cancel_deadline_s: float = 30.0,
    ) -> None:
        self.store = store
        self.engine_for = engine_for
        self.id_prefix = id_prefix
        self.clock = clock
        self.cancel_deadline_s = cancel_deadline_s
        self._tasks: dict[str, asyncio.Task] = {}
        self._watches: dict[str, _Watch] = {}
        self._cancel_requested: set[str] = set()
        self._create_lock = asyncio.Lock()

    # -- create / read ---------------------------------------------------------------------
    async def create(
        self,
        *,
        code: str,
        code_sha256: str,
        inputs: bytes,
        limits: bytes,
        platform: str,
        session: str = "",
        labels: dict[str, str] | None = None,
        job_id: str = "",
        request_id: str = "",
        request_hash: str = "",
    ) -> tuple[JobRecord, bool]:
        if job_id:
            validate_job_id(job_id)
        now = self.clock()
        record = JobRecord(
            id=job_id or new_job_id(self.id_prefix),
            uid=str(uuid.uuid4()),
            code=code,
            code_sha256=code_sha256,
            inputs=inputs,
            limits=limits,
            platform=platform,
            session=session,
            state=JobState.PENDING,
            state_message="recorded",
            state_time=now,
            create_time=now,
            labels=dict(labels or {}),
            request_id=request_id,
            request_hash=request_hash,
        )
        crash_point("before_record", record.id)  # fault-injection tests only (codeinterp_common.faults)
        async with self._create_lock:
            job, created = self.store.create(record)
        if created:
            crash_point("after_record_before_launch", job.id)
            self._start(job)
        return job, created

    def get(self, job_id: str) -> JobRecord:
        return self.store.get(job_id)

    def list(self, *, page_size: int, page_token: str = "", session: str = "") -> tuple[list[JobRecord], str]:
        return self.store.list(page_size=page_size, page_token=page_token, session=session)

    # -- lifecycle -------------------------------------------------------------------------
    def _start(self, job: JobRecord) -> None:
        self._tasks[job.id] = asyncio.create_task(self._execute(job), name=f"job-{job.id}")

    async def _notify(self, job_id: str) -> None:
        watch = self._watches.get(job_id)
        if watch is not None:
            async with watch.condition:
                watch.condition.notify_all()

    def _logger(self, job_id: str) -> Callable[[str, str], None]:
        loop = asyncio.get_running_loop()

        def on_log(stream: str, line: str) -> None:
            crash_point("while_polling", job_id)  # the supervisor is following a running job

            def write() -> None:
                self.store.add_logs(job_id, self.clock(), [(stream, line)])
                loop.create_task(self._notify(job_id))

            try:
                running = asyncio.get_running_loop()
            except RuntimeError:
                running = None
            if running is loop:
                write()
            else:
                loop.call_soon_threadsafe(write)

        return on_log

    async def _transition(self, job_id: str, state: JobState, message: str, **changes) -> JobRecord:
        job = self.store.transition(job_id, state, message, self.clock(), **changes)
        await self._notify(job_id)
        return job

    async def _execute(self, job: JobRecord, *, reattach: bool = False) -> None:
        try:
            if sha256_hex(job.code) != job.code_sha256:
                await self._transition(
                    job.id,
                    JobState.FAILED,
                    "the code changed after validation; refusing to run it",
                    error_class="VALIDATION",
                )
                return
            engine = self.engine_for(job)
            if job.id in self._cancel_requested:
                return
            if not reattach:
                job = await self._transition(
                    job.id,
                    JobState.RUNNING,
                    f"running on {engine.platform}",
                    effective_platform=engine.platform,
                )
                outcome = await engine.run(job, self._logger(job.id))
            else:
                outcome = await engine.reattach(job, self._logger(job.id))
                if outcome is None:
                    await self._transition(
                        job.id,
                        JobState.FAILED,
                        f"the supervisor restarted while the job was {job.state.value}; "
                        f"{engine.platform} jobs cannot be re-attached, so it was stopped",
                        error_class="INFRASTRUCTURE",
                    )
                    return
            await self._finish(job.id, outcome)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - the job must still reach a terminal state
            log.exception("job failed in the supervisor", extra={"job": job.id})
            current = self.store.find(job.id)
            if current is not None and not current.state.is_terminal():
                await self._transition(
                    job.id,
                    JobState.FAILED,
                    f"internal error while running the job: {type(exc).__name__}",
                    error_class="INFRASTRUCTURE",
                )
        finally:
            self._tasks.pop(job.id, None)

    async def _finish(self, job_id: str, outcome: RunOutcome) -> None:
        current = self.store.get(job_id)
        if current.state.is_terminal():
            return
        changes = {"backend_id": outcome.backend_id} if outcome.backend_id else {}
        if job_id in self._cancel_requested or outcome.error_class == "CANCELLED_BY_USER":
            await self._transition(
                job_id,
                JobState.CANCELLED,
                "cancelled by the user",
                error_class="CANCELLED_BY_USER",
                **changes,
            )
        elif outcome.ok:
            rows = (outcome.manifest or {}).get("row_count", 0)
            await self._transition(
                job_id,
                JobState.SUCCEEDED,
                f"finished in {outcome.duration_s:.2f} s ({rows} rows)",
                manifest=outcome.manifest,
                **changes,
            )
        else:
            await self._transition(
                job_id,
                JobState.FAILED,
                outcome.error or "the job failed",
                error_class=outcome.error_class or "CODE",
                failing_line=outcome.failing_line,
                **changes,
            )

    async def cancel(self, job_id: str) -> JobRecord:
        """Cancels in every state: PENDING → CANCELLED at once; RUNNING → CANCELLING → CANCELLED
        when the engine confirms, or FAILED ("stop did not take effect") after the deadline.
        A terminal job is returned unchanged."""
        job = self.store.get(job_id)
        if job.state.is_terminal():
            return job
        self._cancel_requested.add(job_id)
        if job.state == JobState.PENDING:
            task = self._tasks.get(job_id)
            try:
                job = await self._transition(
                    job_id, JobState.CANCELLED, "cancelled before it started", error_class="CANCELLED_BY_USER"
                )
            except Exception:  # noqa: BLE001 - it started meanwhile: cancel the running job below
                job = self.store.get(job_id)
            else:
                if task is not None:
                    task.cancel()
                return job
        if job.state == JobState.RUNNING:
            job = await self._transition(job_id, JobState.CANCELLING, "cancel requested")
        engine = self.engine_for(job)
        await engine.cancel(job_id)
        try:
            return await asyncio.wait_for(self.wait(job_id), self.cancel_deadline_s)
        except TimeoutError:
            current = self.store.get(job_id)
            if not current.state.is_terminal():
                return await self._transition(
                    job_id,
                    JobState.FAILED,
                    f"stop did not take effect within {self.cancel_deadline_s:g} s",
                    error_class="INFRASTRUCTURE",
                )
            return current

    async def wait(self, job_id: str) -> JobRecord:
        async for _ in self.watch(job_id, include_logs=False):
            pass
        return self.store.get(job_id)

    async def watch(
        self, job_id: str, *, include_logs: bool = True, after_seq: int = 0
    ) -> AsyncIterator[JobEventRecord]:
        """Yields the job's events from the start (or after `after_seq`) until it is terminal."""
        self.store.get(job_id)  # NOT_FOUND early
        watch = self._watches.setdefault(job_id, _Watch())
        seq = after_seq
        while True:
            events = self.store.events(job_id, seq)
            for event in events:
                seq = event.seq
                if include_logs or event.kind == "state":
                    yield event
            if events:
                continue
            if self.store.get(job_id).state.is_terminal():
                return
            async with watch.condition:
                try:
                    await asyncio.wait_for(watch.condition.wait(), 1.0)
                except TimeoutError:
                    pass

    async def reconcile(self) -> int:
        """At start-up: re-attach every non-terminal job to its engine or fail it with a reason."""
        count = 0
        for job in self.store.non_terminal():
            count += 1
            if job.state == JobState.PENDING:
                self._start(job)  # never launched: launch it now (exactly once: the record is the lock)
            else:
                self._tasks[job.id] = asyncio.create_task(
                    self._execute(job, reattach=True), name=f"job-{job.id}"
                )
        return count

    async def close(self) -> None:
        for task in list(self._tasks.values()):
            task.cancel()
        for task in list(self._tasks.values()):
            try:
                await task
            except (asyncio.CancelledError, Exception):  # noqa: BLE001
                pass
