"""The job store suite: the same behaviour from the SQLite JobStore and the PostgreSQL one."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from codeinterp_common.errors import AlreadyExists, FailedPrecondition, InvalidArgument, NotFound
from codeinterp_common.jobs.model import JobRecord, JobState
from codeinterp_common.jobs.store import JobStore, open_job_store

pytestmark = pytest.mark.integration


@pytest.fixture(params=["sqlite", "postgresql"])
def open_store(request, tmp_path, unique):
    """A factory: each call opens one more store on the SAME storage (a restart, or a replica
    with its own connection pool on PostgreSQL)."""
    from codeinterp_common.db import Postgres
    from codeinterp_common.jobs.pg_store import PostgresJobStore

    opened = []

    if request.param == "sqlite":

        def factory():
            store = JobStore(tmp_path / "jobs.db")
            opened.append(store)
            return store
    else:
        url = request.getfixturevalue("pg_url")

        def factory():
            store = PostgresJobStore(Postgres(url), namespace=unique)
            opened.append(store)
            return store

    yield factory
    for store in opened:
        store.close()
        if hasattr(store, "db"):
            store.db.close()


def job(
    i: int = 0, *, request_id: str = "", request_hash: str = "h", session: str = "", t: float | None = None
):
    now = 1000.0 + i if t is None else t
    return JobRecord(
        id=f"tst-{i:04d}",
        uid=f"uid-{i}",
        code="result = 1",
        code_sha256="abc",
        inputs=b"\x00\x01in",
        limits=b"\xfflim",
        platform="LOCAL",
        session=session,
        state=JobState.PENDING,
        state_message="recorded",
        state_time=now,
        create_time=now,
        labels={"owner": "alice"},
        request_id=request_id,
        request_hash=request_hash,
    )


def test_create_get_and_read_back_every_field(open_store):
    store = open_store()
    record, created = store.create(job(1, request_id="r1", session="s"))
    assert created
    got = store.get("tst-0001")
    assert got == record
    assert got.inputs == b"\x00\x01in" and got.limits == b"\xfflim" and got.labels == {"owner": "alice"}
    assert store.find("nope") is None
    assert store.find_by_request_id("r1") == record
    assert store.find_by_request_id("r2") is None
    with pytest.raises(NotFound):
        store.get("nope")
    events = store.events("tst-0001")
    assert [(e.seq, e.kind, e.value) for e in events] == [(1, "state", "PENDING")]


def test_list_pages_newest_first_with_session_filter(open_store):
    store = open_store()
    for i in range(7):
        store.create(job(i, session="a" if i % 2 else "b"))
    store.create(job(7, t=1006.0))  # same create_time as job 6: the id breaks the tie
    seen, token = [], ""
    while True:
        page, token = store.list(page_size=3, page_token=token)
        assert len(page) <= 3
        seen += [r.id for r in page]
        if not token:
            break
    assert seen == [
        "tst-0007",
        "tst-0006",
        "tst-0005",
        "tst-0004",
        "tst-0003",
        "tst-0002",
        "tst-0001",
        "tst-0000",
    ]
    only_a, _ = store.list(page_size=50, session="a")
    assert [r.id for r in only_a] == ["tst-0005", "tst-0003", "tst-0001"]
    with pytest.raises(InvalidArgument):
        store.list(page_size=3, page_token="not-a-token")
    with pytest.raises(InvalidArgument):
        store.list(page_size=-1)


def test_state_transitions_and_terminal_states_are_final(open_store):
    store = open_store()
    store.create(job(1))
    running = store.transition(
        "tst-0001", JobState.RUNNING, "running on LOCAL", 1001.0, effective_platform="LOCAL"
    )
    assert running.state == JobState.RUNNING and running.effective_platform == "LOCAL"
    done = store.transition(
        "tst-0001", JobState.SUCCEEDED, "done", 1002.0, manifest={"row_count": 3}, backend_id="b1"
    )
    assert store.get("tst-0001") == done
    assert done.manifest == {"row_count": 3} and done.backend_id == "b1"
    for state in (JobState.RUNNING, JobState.FAILED, JobState.CANCELLED, JobState.PENDING):
        with pytest.raises(FailedPrecondition) as info:
            store.transition("tst-0001", state, "again", 1003.0)
        assert info.value.reason == "INVALID_STATE_TRANSITION"
    assert store.get("tst-0001").state == JobState.SUCCEEDED
    store.create(job(2))
    with pytest.raises(FailedPrecondition):  # PENDING cannot jump to SUCCEEDED
        store.transition("tst-0002", JobState.SUCCEEDED, "skip", 1003.0)
    with pytest.raises(NotFound):
        store.transition("nope", JobState.RUNNING, "x", 1.0)
    assert [e.value for e in store.events("tst-0001") if e.kind == "state"] == [
        "PENDING",
        "RUNNING",
        "SUCCEEDED",
    ]
    assert [j.id for j in store.non_terminal()] == ["tst-0002"]


def test_idempotent_create_by_request_id(open_store):
    store = open_store()
    first, created = store.create(job(1, request_id="req-1", request_hash="h1"))
    assert created
    again, created = store.create(
        job(2, request_id="req-1", request_hash="h1")
    )  # a retry: new id, same request
    assert not created and again == first
    with pytest.raises(AlreadyExists) as info:
        store.create(job(3, request_id="req-1", request_hash="other"))
    assert info.value.reason == "REQUEST_ID_REUSED"
    with pytest.raises(AlreadyExists) as info:
        store.create(job(1, request_id="req-2"))
    assert info.value.reason == "JOB_EXISTS"
    store.create(job(4))  # no request id: never deduplicated
    store.create(job(5))
    assert len(store.list(page_size=50)[0]) == 3


def test_concurrent_creates_with_one_request_id_from_many_threads_and_two_replicas(open_store):
    replicas = [open_store(), open_store()]
    barrier = threading.Barrier(16)

    def attempt(i: int):
        barrier.wait()
        return replicas[i % 2].create(job(100 + i, request_id="same", request_hash="h"))

    with ThreadPoolExecutor(16) as pool:
        results = list(pool.map(attempt, range(16)))
    assert sum(created for _, created in results) == 1
    assert len({r.id for r, _ in results}) == 1
    assert len(replicas[0].list(page_size=100)[0]) == 1


def test_concurrent_log_writers_and_state_changes_keep_event_order(open_store):
    store, other = open_store(), open_store()
    store.create(job(1))
    store.transition("tst-0001", JobState.RUNNING, "run", 1001.0)

    def logs(s, name):
        for n in range(20):
            s.add_logs("tst-0001", 1001.0, [("stdout", f"{name}-{n}")])

    threads = [threading.Thread(target=logs, args=(s, name)) for s, name in ((store, "a"), (other, "b"))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    store.transition("tst-0001", JobState.SUCCEEDED, "done", 1002.0)
    events = store.events("tst-0001", 0, 1000)
    assert [e.seq for e in events] == list(range(1, len(events) + 1))
    assert len([e for e in events if e.kind == "log"]) == 40
    assert [e.seq for e in store.events("tst-0001", after_seq=40, limit=2)] == [41, 42]


def test_update_fields_and_durability_across_reopen(open_store):
    store = open_store()
    store.create(job(1))
    store.transition("tst-0001", JobState.RUNNING, "run", 1001.0)
    store.update_fields("tst-0001", backend_id="ray-job-1")
    store.close()
    reopened = open_store()
    got = reopened.get("tst-0001")
    assert got.backend_id == "ray-job-1" and got.state == JobState.RUNNING
    assert [j.id for j in reopened.non_terminal()] == ["tst-0001"]


def test_migrations_are_recorded_once_and_reapplying_is_a_no_op(open_store, request):
    first = open_store()
    first.create(job(1))
    second = open_store()  # applies nothing new
    assert second.get("tst-0001").id == "tst-0001"
    if isinstance(first, JobStore):
        rows = first._db.execute("SELECT store, version FROM schema_migrations").fetchall()
        assert [tuple(r) for r in rows] == [("jobs", 1)]
    else:
        from codeinterp_common.db import migrate_postgres
        from codeinterp_common.jobs.pg_store import _migrations

        ns = first.namespace
        assert migrate_postgres(first.db, f"{ns}_jobs", _migrations(ns)) == []
        with first.db.connection() as conn:
            rows = conn.execute(
                "SELECT version FROM schema_migrations WHERE store = %s", (f"{ns}_jobs",)
            ).fetchall()
        assert [r["version"] for r in rows] == [1]


def test_concurrent_migrations_of_two_replicas_starting_together(pg_url, unique):
    """Two replicas start at once on an empty database: the advisory lock lets one migrate; the
    other waits and finds the migration recorded (no duplicate-table error, one row)."""
    from codeinterp_common.db import Postgres, migrate_postgres
    from codeinterp_common.jobs.pg_store import _migrations

    dbs = [Postgres(pg_url) for _ in range(4)]
    barrier = threading.Barrier(4)

    def start(db):
        barrier.wait()
        return migrate_postgres(db, f"{unique}_jobs", _migrations(unique))

    try:
        with ThreadPoolExecutor(4) as pool:
            applied = list(pool.map(start, dbs))
        assert sorted(applied) == [[], [], [], [1]]
    finally:
        for db in dbs:
            db.close()


def test_open_job_store_chooses_by_url(tmp_path, pg_url, unique):
    from codeinterp_common.errors import FailedPrecondition as Fp
    from codeinterp_common.jobs.pg_store import PostgresJobStore

    assert isinstance(open_job_store("", tmp_path / "a.db", namespace="spark"), JobStore)
    assert isinstance(open_job_store(pg_url, tmp_path / "b.db", namespace=unique), PostgresJobStore)
    with pytest.raises(Fp):
        open_job_store("mysql://x", tmp_path / "c.db", namespace="spark")


class _Engine:
    """In-process stand-in engine (the real engines are exercised by tests/integration/durability)."""

    platform = "LOCAL"

    def __init__(self) -> None:
        self.launches: list[str] = []

    async def run(self, job, on_log):
        from codeinterp_common.jobs.model import RunOutcome

        self.launches.append(job.id)
        on_log("stdout", "working")
        return RunOutcome(ok=True, manifest={"row_count": 1}, duration_s=0.01)

    async def cancel(self, job_id):
        return False

    async def reattach(self, job, on_log):
        return None


async def test_job_manager_on_the_store_runs_dedups_and_reconciles(open_store):
    import asyncio

    from codeinterp_common.jobs.manager import JobManager, sha256_hex

    store = open_store()
    engine = _Engine()
    manager = JobManager(store, lambda _job: engine, id_prefix="tst")
    code = "result = 1"
    kw = dict(
        code=code, code_sha256=sha256_hex(code), inputs=b"", limits=b"", platform="LOCAL", request_hash="h"
    )
    results = await asyncio.gather(*(manager.create(request_id="one", **kw) for _ in range(10)))
    assert sum(created for _, created in results) == 1
    first = results[0][0]
    done = await asyncio.wait_for(manager.wait(first.id), 30)
    assert done.state == JobState.SUCCEEDED and engine.launches == [first.id]
    assert any(e.kind == "log" and e.value == "working" for e in store.events(first.id))
    await manager.close()

    # a job recorded by a process that died before launching it: the next process launches it once
    from dataclasses import replace

    store.create(replace(job(900), code_sha256=sha256_hex(code)))
    store.create(replace(job(901), code_sha256=sha256_hex(code)))
    store.transition("tst-0901", JobState.RUNNING, "running on LOCAL", 1001.0)
    restarted = JobManager(open_store(), lambda _job: engine, id_prefix="tst")
    assert await restarted.reconcile() == 2
    assert (await asyncio.wait_for(restarted.wait("tst-0900"), 30)).state == JobState.SUCCEEDED
    failed = await asyncio.wait_for(restarted.wait("tst-0901"), 30)
    assert failed.state == JobState.FAILED and "restarted" in failed.state_message
    assert engine.launches == [first.id, "tst-0900"]
    await restarted.close()
