"""The pooled Ray engine: short jobs on a warm driver's pre-started actors (`pool_driver.py`).

The supervisor starts the driver as a child process (it dies with us: parent-death signal and
end of stdin) with the cluster's GCS address, copies `pool_driver.py` and `runner.py` into
`<data>/ray-pool/`, and speaks JSON lines with it. A job directory is prepared exactly as for
the Jobs API (job.json, job-code.py); the job's printed lines are tailed from `job.log`; the
end is decided by the driver's `done` event and the runner's manifest.json / error.json.

Restart semantics differ from the Jobs API path, on purpose: a pooled job lives in our child's
actors, so a supervisor that dies takes it along (nothing keeps running unseen). After a
restart, `reattach` runs it again from the start: its code only reads its inputs and writes
its own output directory, so a second run replaces the lost one and the job still ends once.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import shutil
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

from codeinterp_common.faults import crash_point
from codeinterp_common.jobs.api import decode_limits
from codeinterp_common.jobs.model import JobRecord, RunOutcome
from codeinterp_ray_supervisor import noise
from codeinterp_ray_supervisor.adapters.local_head import _with_fate_shim
from codeinterp_ray_supervisor.adapters.ray_jobs import (
    RUNNER,
    EngineOptions,
    outcome_from_files,
    prepare_job_dir,
)

log = logging.getLogger(__name__)

POOL_DRIVER = RUNNER.parent / "pool_driver.py"
BACKEND_PREFIX = "pool/"


class DriverDied(RuntimeError):
    pass


@dataclass
class PoolOptions:
    gcs_address: str
    pool_dir: Path
    python: str
    env: dict[str, str]
    pool_size: int = 2
    jobs_per_actor: int = 1
    idle_s: float = 300.0
    start_timeout_s: float = 180.0


class PoolDriver:
    """The child process and its JSON-lines protocol (all on the event loop's thread: the
    parent-death signal follows the thread that spawned the child)."""

    def __init__(self, options: PoolOptions) -> None:
        self.options = options
        self.proc: asyncio.subprocess.Process | None = None
        self._ready: asyncio.Future | None = None
        self._started: dict[str, asyncio.Future] = {}
        self._done: dict[str, asyncio.Future] = {}
        self._reader: asyncio.Task | None = None
        self._lock = asyncio.Lock()
        self.starts = 0  # observable by tests: how many driver processes were launched

    def alive(self) -> bool:
        return self.proc is not None and self.proc.returncode is None

    async def ensure(self) -> None:
        async with self._lock:
            if not self.alive():
                await self._launch()
            ready, proc = self._ready, self.proc
        try:
            await asyncio.wait_for(asyncio.shield(ready), self.options.start_timeout_s)
        except TimeoutError:
            # a driver that never became ready is replaced on the next attempt
            if proc.returncode is None:
                proc.kill()
                await proc.wait()
            raise DriverDied(f"the Ray pool driver was not ready within {self.options.start_timeout_s:g} s; see "
                             f"{self.options.pool_dir / 'driver.log'}") from None

    async def _launch(self) -> None:
        o = self.options
        o.pool_dir.mkdir(parents=True, exist_ok=True)
        for source in (POOL_DRIVER, RUNNER):
            shutil.copyfile(source, o.pool_dir / source.name)
        argv = [o.python, str(o.pool_dir / POOL_DRIVER.name), "--address", o.gcs_address,
                "--pool-size", str(o.pool_size), "--jobs-per-actor", str(o.jobs_per_actor),
                "--idle-seconds", str(o.idle_s)]
        logfile = open(o.pool_dir / "driver.log", "ab")  # noqa: SIM115 - the child owns it
        try:
            self.proc = await asyncio.create_subprocess_exec(
                *_with_fate_shim(argv), stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
                stderr=logfile, cwd=str(o.pool_dir), env=o.env, limit=1 << 20,
            )
        finally:
            logfile.close()
        self.starts += 1
        self._ready = asyncio.get_running_loop().create_future()
        self._reader = asyncio.create_task(self._read(self.proc, self._ready), name="ray-pool-driver")
        log.info("ray pool driver launched", extra={"pid": self.proc.pid, "gcs": o.gcs_address})

    async def _read(self, proc: asyncio.subprocess.Process, ready: asyncio.Future) -> None:
        assert proc.stdout is not None
        try:
            async for raw in proc.stdout:
                try:
                    event = json.loads(raw)
                except ValueError:
                    continue
                kind, job_id = event.get("event"), event.get("job_id", "")
                if kind == "ready" and not ready.done():
                    log.info("ray pool driver ready", extra={"init_s": event.get("init_s")})
                    ready.set_result(event)
                elif kind == "started":
                    fut = self._started.get(job_id)
                    if fut is not None and not fut.done():
                        fut.set_result(event)
                elif kind == "done":
                    fut = self._done.pop(job_id, None)
                    if fut is not None and not fut.done():
                        fut.set_result(event)
        finally:
            code = await proc.wait()
            error = DriverDied(f"the Ray pool driver exited with code {code}; see {self.options.pool_dir / 'driver.log'}")
            for fut in [ready, *self._started.values(), *self._done.values()]:
                if not fut.done():
                    fut.set_exception(error)
            self._started.clear()
            self._done.clear()

    async def _send(self, op: dict) -> None:
        if not self.alive() or self.proc.stdin is None:
            raise DriverDied("the Ray pool driver is not running")
        self.proc.stdin.write((json.dumps(op) + "\n").encode())
        await self.proc.stdin.drain()

    async def run(self, job_id: str, workdir: Path, owner: str = "") -> asyncio.Future:
        """Hands the job to the driver; returns the future of its `done` event."""
        await self.ensure()
        loop = asyncio.get_running_loop()
        started, done = loop.create_future(), loop.create_future()
        self._started[job_id], self._done[job_id] = started, done
        try:
            await self._send({"op": "run", "job_id": job_id, "workdir": str(workdir.resolve()), "owner": owner})
            await asyncio.wait_for(asyncio.shield(started), 30)
        finally:
            self._started.pop(job_id, None)
        return done

    async def cancel(self, job_id: str) -> None:
        with contextlib.suppress(DriverDied, ConnectionError):
            await self._send({"op": "cancel", "job_id": job_id})

    async def stop(self) -> None:
        proc = self.proc
        if proc is None or proc.returncode is not None:
            return
        with contextlib.suppress(Exception):
            proc.stdin.close()
        try:
            await asyncio.wait_for(proc.wait(), 10)
        except TimeoutError:
            proc.kill()
            await proc.wait()
        if self._reader is not None:
            with contextlib.suppress(Exception):
                await self._reader


class RayPoolEngine:
    platform = "RAY"

    def __init__(
        self,
        driver: PoolDriver,
        options: EngineOptions,
        *,
        poll_interval_s: float = 0.05,
        ready: Callable[[], Awaitable[None]] | None = None,
        on_submitted: Callable[[str], None] | None = None,
        stored_log_count: Callable[[str], int] | None = None,
        shuffle_for: Callable[[JobRecord], str] = lambda _job: "sort",
    ) -> None:
        """`options` are the Jobs API engine's (directories, defaults, cancel deadline): both
        paths keep jobs in the same places. `poll_interval_s` is how often a running job's
        log file is read (the end itself arrives as an event)."""
        self.driver = driver
        self.options = options
        self.poll_interval_s = poll_interval_s
        self.ready = ready
        self.on_submitted = on_submitted
        self.stored_log_count = stored_log_count
        self.shuffle_for = shuffle_for
        self._cancel_at: dict[str, float] = {}

    async def run(self, job: JobRecord, on_log: Callable[[str, str], None]) -> RunOutcome:
        return await self._run(job, on_log, skip_lines=0)

    async def reattach(self, job: JobRecord, on_log: Callable[[str, str], None]) -> RunOutcome | None:
        if job.id in self._cancel_at or job.state.value == "CANCELLING":
            return RunOutcome(False, error="cancelled by the user", error_class="CANCELLED_BY_USER",
                              backend_id=job.backend_id)
        if job.backend_id:
            on_log("status", "the supervisor restarted while the job ran in the Ray pool; running it again")
        skip = self.stored_log_count(job.id) if self.stored_log_count else 0
        return await self._run(job, on_log, skip_lines=skip)

    async def cancel(self, job_id: str) -> bool:
        self._cancel_at.setdefault(job_id, time.monotonic())
        await self.driver.cancel(job_id)
        return True

    async def _run(self, job: JobRecord, on_log: Callable[[str, str], None], *, skip_lines: int) -> RunOutcome:
        try:
            if self.ready is not None:
                await self.ready()
        except Exception as exc:  # noqa: BLE001
            return RunOutcome(False, error=f"the Ray cluster is not available: {exc}", error_class="INFRASTRUCTURE")
        if job.id in self._cancel_at:
            self._cancel_at.pop(job.id, None)
            return RunOutcome(False, error="cancelled before it was submitted", error_class="CANCELLED_BY_USER")
        backend_id = BACKEND_PREFIX + job.id
        o = self.options
        workdir, outdir = o.jobs_dir / job.id, o.outputs_dir / job.id
        limits = decode_limits(job.limits)
        timeout_s = limits.timeout.ToTimedelta().total_seconds() or o.default_timeout_s
        try:
            prepare_job_dir(job, workdir, outdir, preview_rows=o.default_preview_rows,
                            max_output_bytes=o.default_max_output_bytes, shuffle=self.shuffle_for(job),
                            with_runner=False)
            (workdir / "job.log").unlink(missing_ok=True)
            started = time.monotonic()
            done = await self.driver.run(job.id, workdir, job.labels.get("owner", ""))
        except Exception as exc:  # noqa: BLE001 - the job must fail with a reason, not hang
            log.exception("ray pool dispatch failed", extra={"job": job.id})
            return RunOutcome(False, error=f"could not start the job in the Ray pool: {exc}"[:2000],
                              error_class="INFRASTRUCTURE", backend_id=backend_id)
        crash_point("after_launch", job.id)  # fault-injection tests only (codeinterp_common.faults)
        if self.on_submitted is not None:
            self.on_submitted(backend_id)
        on_log("status", "ray: RUNNING (pooled driver)")
        tail = LogTail(workdir / "job.log", skip_lines)
        timed_out = False
        event: dict | None = None
        try:
            while True:
                try:
                    event = await asyncio.wait_for(asyncio.shield(done), self.poll_interval_s)
                    break
                except TimeoutError:
                    pass
                except DriverDied as exc:
                    tail.emit(on_log)
                    return RunOutcome(False, error=str(exc), error_class="INFRASTRUCTURE",
                                      duration_s=time.monotonic() - started, backend_id=backend_id)
                tail.emit(on_log)
                now = time.monotonic()
                cancel_at = self._cancel_at.get(job.id)
                if cancel_at is not None:
                    if now - cancel_at > o.cancel_deadline_s + 2:
                        return RunOutcome(False, error=f"stop did not take effect within {o.cancel_deadline_s:g} s",
                                          error_class="INFRASTRUCTURE", backend_id=backend_id)
                elif now - started > timeout_s:
                    timed_out = True
                    on_log("status", f"time limit of {timeout_s:g} s reached; stopping the job")
                    self._cancel_at[job.id] = now
                    await self.driver.cancel(job.id)
        finally:
            cancelled = self._cancel_at.pop(job.id, None) is not None
        tail.emit(on_log, final=True)
        duration = time.monotonic() - started
        if event.get("ok"):
            status = "SUCCEEDED"
        elif event.get("killed"):
            status = "STOPPED"
        else:
            status = "FAILED"
        message = event.get("error") or ""
        error_type = "RESOURCE" if "memory" in message.lower() else ""
        return outcome_from_files(
            outdir, status, timed_out=timed_out, cancelled=cancelled, timeout_s=timeout_s, duration_s=duration,
            backend_id=backend_id, message=message, error_class=error_type or "INFRASTRUCTURE",
        )


class LogTail:
    """New lines of a job's log file, cleaned of Ray's noise; `skip` lines already stored."""

    def __init__(self, path: Path, skip: int) -> None:
        self.path = path
        self.skip = skip
        self.offset = 0
        self.seen = 0
        self.partial = ""

    def emit(self, on_log: Callable[[str, str], None], *, final: bool = False) -> None:
        try:
            with open(self.path, "rb") as fh:
                fh.seek(self.offset)
                data = fh.read()
        except FileNotFoundError:
            data = b""
        self.offset += len(data)
        text = self.partial + data.decode("utf-8", errors="replace").replace("\r\n", "\n")
        *lines, self.partial = text.split("\n")
        if final and self.partial:
            lines.append(self.partial)
            self.partial = ""
        for line in lines:
            cleaned = noise.clean_line(line)
            if cleaned is None:
                continue
            self.seen += 1
            if self.seen > self.skip:
                on_log("stdout", cleaned)


__all__ = ["BACKEND_PREFIX", "DriverDied", "LogTail", "PoolDriver", "PoolOptions", "RayPoolEngine"]
