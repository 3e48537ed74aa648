"""Job store and manager: idempotent creates, the state machine, cancel in every state,
watch streams, reconciliation after a restart. The engine here is a scripted in-process
stand-in (the real engines have their own integration tests)."""

from __future__ import annotations

import asyncio

import pytest

from codeinterp_common.errors import AlreadyExists, FailedPrecondition, InvalidArgument, NotFound
from codeinterp_common.jobs.manager import JobManager, sha256_hex
from codeinterp_common.jobs.model import JobRecord, JobState, RunOutcome
from codeinterp_common.jobs.store import JobStore


class ScriptedEngine:
    """Runs for `delay` seconds, then reports `outcome`; counts launches."""

    platform = "LOCAL"

    def __init__(self, delay: float = 0.05, outcome: RunOutcome | None = None, honour_cancel: bool = True) -> None:
        self.delay = delay
        self.outcome = outcome or RunOutcome(ok=True, manifest={"row_count": 3}, duration_s=0.05)
        self.honour_cancel = honour_cancel
        self.launches: list[str] = []
        self._cancel: dict[str, asyncio.Event] = {}

    async def run(self, job: JobRecord, on_log) -> RunOutcome:
        self.launches.append(job.id)
        event = self._cancel.setdefault(job.id, asyncio.Event())
        on_log("stdout", "hello from the job")
        try:
            await asyncio.wait_for(event.wait(), self.delay)
            return RunOutcome(ok=False, error="killed", error_class="CANCELLED_BY_USER")
        except TimeoutError:
            return self.outcome

    async def cancel(self, job_id: str) -> bool:
        if self.honour_cancel:
            self._cancel.setdefault(job_id, asyncio.Event()).set()
        return self.honour_cancel

    async def reattach(self, job, on_log):
        return None


def make(tmp_path, engine, **kw):
    store = JobStore(tmp_path / "jobs.db")
    return JobManager(store, lambda job: engine, id_prefix="tst", **kw)


async def create(manager, code="result = 1", **kw):
    return await manager.create(code=code, code_sha256=sha256_hex(code), inputs=b"", limits=b"", platform="LOCAL", **kw)


async def test_job_runs_to_success_and_streams_events(tmp_path):
    manager = make(tmp_path, ScriptedEngine())
    job, created = await create(manager)
    assert created and job.state == JobState.PENDING and job.id.startswith("tst-")
    events = [e async for e in manager.watch(job.id)]
    states = [e.value for e in events if e.kind == "state"]
    assert states == ["PENDING", "RUNNING", "SUCCEEDED"]
    assert any(e.kind == "log" and e.value == "hello from the job" for e in events)
    final = manager.get(job.id)
    assert final.manifest == {"row_count": 3} and final.effective_platform == "LOCAL"


async def test_fifty_parallel_creates_with_one_request_id_make_one_job(tmp_path):
    engine = ScriptedEngine()
    manager = make(tmp_path, engine)
    results = await asyncio.gather(*[create(manager, request_id="req-1", request_hash="h") for _ in range(50)])
    ids = {job.id for job, _ in results}
    assert len(ids) == 1
    assert sum(created for _, created in results) == 1
    await manager.wait(ids.pop())
    assert len(engine.launches) == 1


async def test_same_request_id_different_payload_is_refused(tmp_path):
    manager = make(tmp_path, ScriptedEngine())
    await create(manager, request_id="req-2", request_hash="a")
    with pytest.raises(AlreadyExists) as info:
        await create(manager, request_id="req-2", request_hash="b")
    assert info.value.reason == "REQUEST_ID_REUSED"


async def test_terminal_states_are_final(tmp_path):
    manager = make(tmp_path, ScriptedEngine())
    job, _ = await create(manager)
    await manager.wait(job.id)
    with pytest.raises(FailedPrecondition):
        manager.store.transition(job.id, JobState.RUNNING, "again", 0.0)
    assert (await manager.cancel(job.id)).state == JobState.SUCCEEDED


async def test_cancel_running_job(tmp_path):
    engine = ScriptedEngine(delay=30)
    manager = make(tmp_path, engine)
    job, _ = await create(manager)
    while manager.get(job.id).state != JobState.RUNNING:
        await asyncio.sleep(0.01)
    final = await manager.cancel(job.id)
    assert final.state == JobState.CANCELLED


async def test_cancel_that_does_not_take_effect_fails_after_deadline(tmp_path):
    engine = ScriptedEngine(delay=30, honour_cancel=False)
    manager = make(tmp_path, engine, cancel_deadline_s=0.3)
    job, _ = await create(manager)
    while manager.get(job.id).state != JobState.RUNNING:
        await asyncio.sleep(0.01)
    final = await manager.cancel(job.id)
    assert final.state == JobState.FAILED and "did not take effect" in final.state_message
    await manager.close()


async def test_cancel_pending_job_never_launches(tmp_path):
    engine = ScriptedEngine()
    manager = make(tmp_path, engine)
    job, _ = await create(manager)
    final = await manager.cancel(job.id)  # before the task got to run
    assert final.state == JobState.CANCELLED
    await asyncio.sleep(0.1)
    assert engine.launches == []


async def test_code_changed_after_validation_is_refused(tmp_path):
    engine = ScriptedEngine()
    manager = make(tmp_path, engine)
    job, _ = await manager.create(code="result = 2", code_sha256=sha256_hex("result = 1"), inputs=b"", limits=b"", platform="LOCAL")
    final = await manager.wait(job.id)
    assert final.state == JobState.FAILED and final.error_class == "VALIDATION"
    assert engine.launches == []


async def test_restart_fails_running_jobs_and_launches_pending_ones(tmp_path):
    store = JobStore(tmp_path / "jobs.db")
    running = JobRecord(id="tst-running", uid="u1", code="x", code_sha256=sha256_hex("x"), state=JobState.RUNNING, create_time=1, state_time=1)
    pending = JobRecord(id="tst-pending", uid="u2", code="y", code_sha256=sha256_hex("y"), state=JobState.PENDING, create_time=2, state_time=2)
    store.create(running)
    store.create(pending)
    engine = ScriptedEngine()
    manager = JobManager(store, lambda job: engine, id_prefix="tst")
    assert await manager.reconcile() == 2
    assert (await manager.wait("tst-running")).state == JobState.FAILED
    assert "restarted" in manager.get("tst-running").state_message
    assert (await manager.wait("tst-pending")).state == JobState.SUCCEEDED
    assert engine.launches == ["tst-pending"]


async def test_list_pages_with_opaque_tokens(tmp_path):
    manager = make(tmp_path, ScriptedEngine(delay=0))
    ids = []
    for i in range(7):
        job, _ = await create(manager, code=f"result = {i}")
        ids.append(job.id)
    seen, token = [], ""
    while True:
        page, token = manager.list(page_size=3, page_token=token)
        seen += [j.id for j in page]
        if not token:
            break
    assert sorted(seen) == sorted(ids) and len(seen) == 7
    with pytest.raises(InvalidArgument):
        manager.list(page_size=3, page_token="not-a-token")
    with pytest.raises(InvalidArgument):
        manager.list(page_size=-1)
    with pytest.raises(NotFound):
        manager.get("tst-missing")
    await manager.close()
