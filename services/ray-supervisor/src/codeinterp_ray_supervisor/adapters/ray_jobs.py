"""The Ray engine: jobs through `ray.job_submission.JobSubmissionClient`.

Our job id is the Ray `submission_id`, so a retried submit can never launch twice: Ray
refuses a second job with the id ("already exists") and we then query the existing one. The
code travels as `job-code.py` in `runtime_env.working_dir` next to `runner.py` and `job.json`;
the entrypoint is `<python> runner.py` (never `python -c` with escaped quotes) and the user's
code cannot set a runtime_env of its own. Blocking SDK calls run in threads; log lines come
from `tail_job_logs` (a websocket) with Ray's noise stripped; the job's end is decided by
Ray's status and the runner's `manifest.json` / `error.json`, never by timing.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import shutil
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from codeinterp_common.faults import crash_point
from codeinterp_common.jobs.api import decode_inputs, decode_limits
from codeinterp_common.jobs.model import JobRecord, RunOutcome
from codeinterp_ray_supervisor import noise

log = logging.getLogger(__name__)

RUNNER = Path(__file__).resolve().parent.parent / "runner.py"
TERMINAL = {"SUCCEEDED", "FAILED", "STOPPED"}
# Ray's JobStatus → what the job record shows while the job is not over (ours stays RUNNING:
# the manager moved it there when it handed the job to us; Ray's PENDING is logged).
_RAY_ERROR_CLASS = {
    "RUNTIME_ENV_SETUP_FAILURE": "INFRASTRUCTURE",
    "JOB_SUPERVISOR_ACTOR_START_FAILURE": "INFRASTRUCTURE",
    "JOB_SUPERVISOR_ACTOR_DIED": "INFRASTRUCTURE",
    "JOB_SUPERVISOR_ACTOR_UNSCHEDULABLE": "RESOURCE",
    "JOB_SUPERVISOR_ACTOR_START_TIMEOUT": "RESOURCE",
    "JOB_ENTRYPOINT_COMMAND_START_ERROR": "INFRASTRUCTURE",
    "JOB_ENTRYPOINT_COMMAND_ERROR": "CODE",
}


def clear_ray_address_env() -> None:
    """RAY_ADDRESS / RAY_API_SERVER_ADDRESS override the client's `address` argument."""
    for name in ("RAY_ADDRESS", "RAY_API_SERVER_ADDRESS"):
        os.environ.pop(name, None)


def is_already_exists(exc: BaseException) -> bool:
    return "already exists" in str(exc)


def is_not_found(exc: BaseException) -> bool:
    text = str(exc)
    return "does not exist" in text or "status code 404" in text


def is_transient(exc: BaseException) -> bool:
    """Network-level failures worth retrying (the submit is idempotent by submission id)."""
    import requests

    return isinstance(exc, (ConnectionError, TimeoutError, requests.exceptions.ConnectionError,
                            requests.exceptions.Timeout, requests.exceptions.ChunkedEncodingError))


class RayClient:
    """A lazily built JobSubmissionClient (its constructor already calls the head)."""

    def __init__(self, address: str, headers: dict[str, str] | None = None) -> None:
        self.address = address
        self.headers = dict(headers or {})
        self._client = None

    def get(self):
        if self._client is None:
            clear_ray_address_env()
            from ray.job_submission import JobSubmissionClient

            self._client = JobSubmissionClient(self.address, headers=self.headers)
        return self._client

    def reset(self) -> None:
        self._client = None


@dataclass
class EngineOptions:
    jobs_dir: Path
    outputs_dir: Path
    python: str
    entrypoint_num_cpus: float = 0.5
    default_timeout_s: float = 900.0
    default_preview_rows: int = 100
    default_max_output_bytes: int = 512 * 1024 * 1024
    poll_interval_s: float = 0.5
    cancel_deadline_s: float = 30.0
    submit_attempts: int = 4
    call_timeout_s: float = 30.0  # one Jobs API call (the SDK sets no HTTP timeout)


class RayJobsEngine:
    platform = "RAY"

    def __init__(
        self,
        client: RayClient,
        options: EngineOptions,
        *,
        ready: Callable[[], Awaitable[None]] | None = None,
        on_submitted: Callable[[str], None] | None = None,
        stored_log_count: Callable[[str], int] | None = None,
        shuffle_for: Callable[[JobRecord], str] = lambda _job: "default",
    ) -> None:
        self.client = client
        self.shuffle_for = shuffle_for
        self.options = options
        self.ready = ready
        self.on_submitted = on_submitted
        self.stored_log_count = stored_log_count
        self._cancel_at: dict[str, float] = {}
        self.submit_calls = 0  # observable by tests: real submit_job calls that reached the head

    # -- blocking SDK calls, run in threads ---------------------------------------------------
    async def _call(self, fn_name: str, *args, **kwargs) -> Any:
        """One Jobs API call, bounded: the SDK's HTTP requests carry no timeout of their own, so a
        head that stops answering would hang the job's follower; after `call_timeout_s` the call
        fails with TimeoutError (transient: submit retries, polls try again)."""

        def call():
            return getattr(self.client.get(), fn_name)(*args, **kwargs)

        return await asyncio.wait_for(asyncio.to_thread(call), self.options.call_timeout_s)

    # -- Engine protocol ----------------------------------------------------------------------
    async def run(self, job: JobRecord, on_log: Callable[[str, str], None]) -> RunOutcome:
        try:
            if self.ready is not None:
                await self.ready()
        except Exception as exc:  # noqa: BLE001
            return RunOutcome(False, error=f"the Ray cluster is not available: {exc}", error_class="INFRASTRUCTURE")
        if job.id in self._cancel_at:
            return RunOutcome(False, error="cancelled before it was submitted", error_class="CANCELLED_BY_USER")
        try:
            self._prepare(job)
            await self._submit(job)
        except Exception as exc:  # noqa: BLE001 - the job must fail with a reason, not hang
            log.exception("ray submit failed", extra={"job": job.id})
            return RunOutcome(False, error=f"could not submit the job to Ray: {exc}"[:2000],
                              error_class="INFRASTRUCTURE", backend_id=job.id)
        return await self._follow(job, on_log, skip_lines=0)

    async def reattach(self, job: JobRecord, on_log: Callable[[str, str], None]) -> RunOutcome | None:
        if self.ready is not None:
            try:
                await self.ready()
            except Exception as exc:  # noqa: BLE001
                return RunOutcome(False, error=f"the Ray cluster is not available: {exc}", error_class="INFRASTRUCTURE")
        try:
            await self._call("get_job_info", job.id)
        except Exception as exc:  # noqa: BLE001
            if not is_not_found(exc):
                return RunOutcome(False, error=f"could not query Ray about the job: {exc}"[:2000],
                                  error_class="INFRASTRUCTURE")
            if job.backend_id:
                return RunOutcome(False, error="the Ray cluster no longer knows this job (the head restarted?)",
                                  error_class="INFRASTRUCTURE", backend_id=job.backend_id)
            return await self.run(job, on_log)  # never reached Ray: submit it now (still exactly once)
        skip = self.stored_log_count(job.id) if self.stored_log_count else 0
        if job.id in self._cancel_at or job.state.value == "CANCELLING":
            self._cancel_at.setdefault(job.id, time.monotonic())
            await self._stop(job.id)
        return await self._follow(job, on_log, skip_lines=skip)

    async def cancel(self, job_id: str) -> bool:
        self._cancel_at.setdefault(job_id, time.monotonic())
        return await self._stop(job_id)

    # -- steps --------------------------------------------------------------------------------
    def _paths(self, job_id: str) -> tuple[Path, Path]:
        return self.options.jobs_dir / job_id, self.options.outputs_dir / job_id

    def _prepare(self, job: JobRecord) -> None:
        workdir, outdir = self._paths(job.id)
        prepare_job_dir(job, workdir, outdir, preview_rows=self.options.default_preview_rows,
                        max_output_bytes=self.options.default_max_output_bytes, shuffle=self.shuffle_for(job))

    def submit_kwargs(self, job: JobRecord) -> dict[str, Any]:
        workdir, _ = self._paths(job.id)
        return {
            "entrypoint": f"{self.options.python} runner.py",
            "submission_id": job.id,
            "runtime_env": {"working_dir": str(workdir.resolve())},  # only ours: user code has no say
            "metadata": {"codeinterp_job": job.id, "session": job.session, "code_sha256": job.code_sha256[:16]},
            "entrypoint_num_cpus": self.options.entrypoint_num_cpus,
        }

    async def _submit(self, job: JobRecord) -> None:
        kwargs = self.submit_kwargs(job)
        delay = 0.5
        for attempt in range(1, self.options.submit_attempts + 1):
            try:
                self.submit_calls += 1
                await self._call("submit_job", **kwargs)
                break
            except Exception as exc:  # noqa: BLE001
                if is_already_exists(exc):
                    log.info("ray job already submitted; following it", extra={"job": job.id})
                    break
                if attempt < self.options.submit_attempts and is_transient(exc):
                    log.warning("ray submit failed; retrying", extra={"job": job.id, "error": str(exc)[:200]})
                    self.client.reset()
                    await asyncio.sleep(delay)
                    delay *= 2
                    continue
                raise
        crash_point("after_launch", job.id)  # fault-injection tests only (codeinterp_common.faults)
        if self.on_submitted is not None:
            self.on_submitted(job.id)

    async def _stop(self, job_id: str) -> bool:
        try:
            return bool(await self._call("stop_job", job_id))
        except Exception as exc:  # noqa: BLE001 - not submitted yet / already gone
            log.info("ray stop_job failed", extra={"job": job_id, "error": str(exc)[:200]})
            return False

    async def _tail(self, job_id: str, on_log: Callable[[str, str], None], skip: int, seen_box: list[int]) -> None:
        partial = ""
        seen = 0
        try:
            client = await asyncio.to_thread(self.client.get)
            async for chunk in client.tail_job_logs(job_id):
                data = partial + chunk.replace("\r\n", "\n")
                *lines, partial = data.split("\n")
                for line in lines:
                    cleaned = noise.clean_line(line)
                    if cleaned is None:
                        continue
                    seen += 1
                    seen_box[0] = seen
                    if seen > skip:
                        on_log("stdout", cleaned)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - logs are best effort; the status decides the end
            log.info("log tail ended", extra={"job": job_id, "error": str(exc)[:200]})
        if partial:
            cleaned = noise.clean_line(partial)
            if cleaned is not None and seen + 1 > skip:
                on_log("stdout", cleaned)

    async def _emit_rest(self, job_id: str, on_log: Callable[[str, str], None], already: int) -> None:
        try:
            text = await self._call("get_job_logs", job_id)
        except Exception as exc:  # noqa: BLE001 - logs are best effort
            log.info("final log read failed", extra={"job": job_id, "error": str(exc)[:200]})
            return
        lines = [c for c in (noise.clean_line(line) for line in text.rstrip("\n").split("\n")) if c is not None]
        for line in lines[already:]:
            on_log("stdout", line)

    async def _follow(self, job: JobRecord, on_log: Callable[[str, str], None], *, skip_lines: int) -> RunOutcome:
        limits = decode_limits(job.limits)
        timeout_s = limits.timeout.ToTimedelta().total_seconds() or self.options.default_timeout_s
        started = time.monotonic()
        seen_box = [0]
        tail = asyncio.create_task(self._tail(job.id, on_log, skip_lines, seen_box), name=f"tail-{job.id}")
        last_status = ""
        timed_out = False
        last_stop = 0.0
        info = None
        try:
            while True:
                try:
                    info = await self._call("get_job_info", job.id)
                except Exception as exc:  # noqa: BLE001
                    if is_not_found(exc):
                        return RunOutcome(False, error="the Ray cluster no longer knows this job",
                                          error_class="INFRASTRUCTURE", backend_id=job.id)
                    log.warning("ray status poll failed", extra={"job": job.id, "error": str(exc)[:200]})
                    self.client.reset()
                    info = None
                status = info.status.value if info is not None else ""
                if status and status != last_status:
                    last_status = status
                    on_log("status", f"ray: {status}" + (f" ({info.message})" if status == "PENDING" and info.message else ""))
                if status in TERMINAL:
                    break
                now = time.monotonic()
                cancel_at = self._cancel_at.get(job.id)
                if cancel_at is not None:
                    if now - cancel_at > self.options.cancel_deadline_s + 2:
                        return RunOutcome(False, error=f"stop did not take effect within {self.options.cancel_deadline_s:g} s",
                                          error_class="INFRASTRUCTURE", backend_id=job.id)
                    if now - last_stop > 5:
                        last_stop = now
                        await self._stop(job.id)
                elif now - started > timeout_s:
                    if not timed_out:
                        timed_out = True
                        on_log("status", f"time limit of {timeout_s:g} s reached; stopping the job")
                        self._cancel_at[job.id] = now
                        await self._stop(job.id)
                        last_stop = now
                    # the cancel branch above bounds the wait from here on
                await asyncio.sleep(self.options.poll_interval_s)
            # The websocket closes a while after the job ends; rather than wait for it, stop
            # it and emit the lines it had not delivered from the full log (one HTTP call).
            with contextlib.suppress(TimeoutError, asyncio.CancelledError):
                await asyncio.wait_for(asyncio.shield(tail), 0.05)
            if not tail.done():
                tail.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await tail
                await self._emit_rest(job.id, on_log, max(seen_box[0], skip_lines))
        finally:
            if not tail.done():
                tail.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await tail
            cancelled = self._cancel_at.pop(job.id, None) is not None
        return self._outcome(job, info, timed_out=timed_out, cancelled=cancelled, timeout_s=timeout_s)

    def _outcome(self, job: JobRecord, info, *, timed_out: bool, cancelled: bool, timeout_s: float) -> RunOutcome:
        _, outdir = self._paths(job.id)
        duration = 0.0
        if info.start_time and info.end_time:
            duration = max(0.0, (info.end_time - info.start_time) / 1000)
        error_type = getattr(info, "error_type", None) or ""
        return outcome_from_files(
            outdir, info.status.value, timed_out=timed_out, cancelled=cancelled, timeout_s=timeout_s,
            duration_s=duration, backend_id=job.id, message=info.message or "",
            error_class=_RAY_ERROR_CLASS.get(str(error_type), "INFRASTRUCTURE"),
        )


def prepare_job_dir(job: JobRecord, workdir: Path, outdir: Path, *, preview_rows: int, max_output_bytes: int,
                    shuffle: str, with_runner: bool = True) -> dict:
    """The job's directory: job.json (the runner's spec), job-code.py and, for the Jobs API,
    a copy of runner.py (the pooled path imports the runner its actors already hold)."""
    workdir.mkdir(parents=True, exist_ok=True)
    outdir.mkdir(parents=True, exist_ok=True)
    limits = decode_limits(job.limits)
    inputs = {}
    for item in decode_inputs(job.inputs):
        uri = item.uri
        inputs[item.name] = uri.removeprefix("file://") if uri.startswith("file://") else uri
    spec = {
        "job_id": job.id,
        "inputs": inputs,
        "preview_rows": limits.preview_rows or preview_rows,
        "max_output_bytes": limits.max_output_bytes or max_output_bytes,
        "output_dir": str(outdir.resolve()),
        "shuffle": shuffle,
    }
    if with_runner:
        shutil.copyfile(RUNNER, workdir / "runner.py")
    (workdir / "job-code.py").write_text(job.code)
    (workdir / "job.json").write_text(json.dumps(spec, sort_keys=True))
    return spec


def outcome_from_files(outdir: Path, status: str, *, timed_out: bool, cancelled: bool, timeout_s: float,
                       duration_s: float, backend_id: str, message: str, error_class: str) -> RunOutcome:
    """A finished job's outcome: Ray's verdict (`status`) plus the runner's manifest.json or
    error.json; `message`/`error_class` describe a failure the runner could not record."""
    if status == "SUCCEEDED":
        manifest_path = outdir / "manifest.json"
        if not manifest_path.exists():
            return RunOutcome(False, error="the job ended without writing its result manifest",
                              error_class="INFRASTRUCTURE", duration_s=duration_s, backend_id=backend_id)
        manifest = json.loads(manifest_path.read_text())
        for key in ("stdout_tail", "stderr_tail"):
            if manifest.get(key):
                manifest[key] = "\n".join(noise.clean_lines(manifest[key]))
        return RunOutcome(True, manifest=manifest, duration_s=duration_s, backend_id=backend_id)
    if status == "STOPPED":
        if timed_out:
            return RunOutcome(False, error=f"the job exceeded its time limit of {timeout_s:g} s",
                              error_class="TIMEOUT", duration_s=duration_s, backend_id=backend_id)
        note = "" if cancelled else " (stopped outside the supervisor)"
        return RunOutcome(False, error="cancelled by the user" + note, error_class="CANCELLED_BY_USER",
                          duration_s=duration_s, backend_id=backend_id)
    error_path = outdir / "error.json"
    if error_path.exists():
        err = json.loads(error_path.read_text())
        return RunOutcome(False, error=err.get("error") or "the job failed", error_class=err.get("error_class") or "CODE",
                          failing_line=int(err.get("failing_line") or 0), duration_s=duration_s, backend_id=backend_id)
    text = noise.clean_output(message) if message else "the Ray job failed"
    return RunOutcome(False, error=f"Ray reported {status}: {text}"[:2000], error_class=error_class,
                      duration_s=duration_s, backend_id=backend_id)


__all__ = ["EngineOptions", "RayClient", "RayJobsEngine", "clear_ray_address_env", "outcome_from_files",
           "prepare_job_dir"]
