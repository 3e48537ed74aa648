"""Per-principal quotas at the gateway: requests per minute (token bucket) → HTTP 429 with
Retry-After over REST and RESOURCE_EXHAUSTED with RetryInfo over gRPC; concurrent solve calls →
the same errors while a principal's earlier Ask is still running. Plus the sessions table
migration (schema 1 → 2) the ownership rules rely on."""

from __future__ import annotations

import asyncio
import json
import sqlite3

import grpc
import pytest
from _auth_support import gateway, make_api_keys, make_gate, rest_reason, status_of
from google.rpc import error_details_pb2

from codeinterp.common.v1 import types_pb2 as t
from codeinterp.gateway.v1 import (
    ask_service_pb2,
    ask_service_pb2_grpc,
    session_service_pb2,
    session_service_pb2_grpc,
)


class ManualClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def keys(tmp_path):
    return make_api_keys(
        tmp_path, {"alice": ("alice", ["analyst"], False), "bob": ("bob", ["analyst"], False)}
    )


def _retry_delay(details) -> float:
    for d in details:
        if d.Is(error_details_pb2.RetryInfo.DESCRIPTOR):
            info = error_details_pb2.RetryInfo()
            d.Unpack(info)
            return info.retry_delay.seconds + info.retry_delay.nanos / 1e9
    raise AssertionError("no RetryInfo")


async def test_requests_per_minute_rest_429_with_retry_after(tmp_path, keys):
    clock = ManualClock()
    async with gateway(tmp_path / "gw", make_gate(api_keys=keys, per_minute=3, clock=clock)) as gw:
        alice = {"x-api-key": keys.keys["alice"]}
        for _ in range(3):
            assert (await gw.http.get("/v1/sessions", headers=alice)).status_code == 200
        r = await gw.http.get("/v1/sessions", headers=alice)
        assert r.status_code == 429, r.text
        assert rest_reason(r.json()) == "QUOTA_REQUESTS_PER_MINUTE"
        assert r.headers["retry-after"] == "20"  # 3/min refills one request every 20 s
        retry = [d for d in r.json()["details"] if d["@type"].endswith("google.rpc.RetryInfo")]
        assert retry and retry[0]["retry_delay"] in ("20s", "20.000s")
        # another principal has its own bucket
        assert (await gw.http.get("/v1/sessions", headers={"x-api-key": keys.keys["bob"]})).status_code == 200
        clock.now += 19.0
        assert (await gw.http.get("/v1/sessions", headers=alice)).status_code == 429
        clock.now += 1.5
        assert (await gw.http.get("/v1/sessions", headers=alice)).status_code == 200


async def test_requests_per_minute_grpc_resource_exhausted_with_retry_info(tmp_path, keys):
    clock = ManualClock()
    async with gateway(tmp_path / "gw", make_gate(api_keys=keys, per_minute=2, clock=clock)) as gw:
        stub = session_service_pb2_grpc.SessionServiceStub(gw.channel)
        md = (("x-api-key", keys.keys["alice"]),)
        for _ in range(2):
            await stub.ListSessions(session_service_pb2.ListSessionsRequest(), metadata=md, timeout=10)
        with pytest.raises(grpc.aio.AioRpcError) as info:
            await stub.ListSessions(session_service_pb2.ListSessionsRequest(), metadata=md, timeout=10)
        code, err, details = status_of(info.value)
        assert code == grpc.StatusCode.RESOURCE_EXHAUSTED and err.reason == "QUOTA_REQUESTS_PER_MINUTE"
        assert _retry_delay(details) == pytest.approx(30.0)


class BlockingSpark:
    """Stands in for the spark-supervisor stub: its Solve stream waits until released, so a
    solve call is "running" for as long as the test wants (the quota is the gateway's)."""

    def __init__(self) -> None:
        self.entered = asyncio.Event()
        self.release = asyncio.Event()

    def Solve(self, request, timeout=None, metadata=None):  # noqa: N802 - gRPC stub method name
        async def stream():
            self.entered.set()
            await self.release.wait()
            yield t.SolveEvent(result=t.SolveResult(success=True, code="result = 1"))

        return stream()


async def test_concurrent_jobs_per_principal(tmp_path, keys):
    spark = BlockingSpark()
    async with gateway(tmp_path / "gw", make_gate(api_keys=keys, concurrent_jobs=1), spark_stub=spark) as gw:
        ask = ask_service_pb2_grpc.AskServiceStub(gw.channel)
        alice = (("x-api-key", keys.keys["alice"]),)
        request = ask_service_pb2.AskRequest(prompt="count rows", framework=t.SPARK)

        async def first():
            return [e async for e in ask.Ask(request, metadata=alice, timeout=30)]

        running = asyncio.create_task(first())
        await asyncio.wait_for(spark.entered.wait(), 10)
        # gRPC: a second solve call of the same principal is refused while the first runs
        with pytest.raises(grpc.aio.AioRpcError) as info:
            await ask.Generate(request, metadata=alice, timeout=10)
        code, err, details = status_of(info.value)
        assert code == grpc.StatusCode.RESOURCE_EXHAUSTED and err.reason == "QUOTA_CONCURRENT_JOBS"
        assert _retry_delay(details) > 0
        # REST: the same, as 429 with Retry-After
        r = await gw.http.post(
            "/v1/sessions/any:generate",
            json={"prompt": "count rows"},
            headers={"x-api-key": keys.keys["alice"]},
        )
        assert r.status_code == 429 and rest_reason(r.json()) == "QUOTA_CONCURRENT_JOBS", r.text
        assert int(r.headers["retry-after"]) >= 1
        # other principals are not affected; their call reaches the (blocked) supervisor
        spark.entered.clear()
        other = asyncio.create_task(
            gw.http.post("/spark/generate", json={"prompt": "x"}, headers={"x-api-key": keys.keys["bob"]})
        )
        await asyncio.wait_for(spark.entered.wait(), 10)
        spark.release.set()
        events = await asyncio.wait_for(running, 10)
        assert events[-1].result.success
        assert (await asyncio.wait_for(other, 10)).status_code == 200
        # the slot is free again once the first call ended
        result = await ask.Generate(request, metadata=alice, timeout=10)
        assert result.success


def test_sessions_table_migration_adds_owner_from_the_documents(tmp_path):
    """A schema-1 database (no owner column) opens with the owner filled from each document."""
    from codeinterp_gateway.adapters.sqlite_store import SqliteStore

    path = tmp_path / "gateway.sqlite3"
    db = sqlite3.connect(path)
    db.executescript(
        """
        CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        INSERT INTO meta VALUES ('schema_version', '1');
        CREATE TABLE sessions (seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE,
                               doc TEXT NOT NULL, create_time INTEGER NOT NULL);
        """
    )
    doc = {
        "uid": "u",
        "display_name": "",
        "labels": {},
        "data_sources": [],
        "create_time": 1,
        "update_time": 1,
    }
    db.execute(
        "INSERT INTO sessions (id, doc, create_time) VALUES (?, ?, 1)",
        ("s-alice", json.dumps({**doc, "owner": "alice"})),
    )
    db.execute(
        "INSERT INTO sessions (id, doc, create_time) VALUES (?, ?, 1)",
        ("s-anon", json.dumps({**doc, "owner": ""})),
    )
    db.commit()
    db.close()
    store = SqliteStore(path)
    try:
        assert [s.id for _, s in store.list_sessions(after_seq=None, limit=10, owner="alice")] == ["s-alice"]
        assert [s.id for _, s in store.list_sessions(after_seq=None, limit=10, owner="")] == ["s-anon"]
        assert len(store.list_sessions(after_seq=None, limit=10)) == 2
        assert store._query("SELECT value FROM meta WHERE key='schema_version'") == [("2",)]
    finally:
        store.close()
    SqliteStore(path).close()  # opening a migrated database again is a no-op


class HeldEngine:
    """Stand-in engine whose runs last until released (the quota counts unfinished jobs in the
    real SQLite JobStore; what runs them does not matter)."""

    platform = "LOCAL"

    def __init__(self) -> None:
        self.release = asyncio.Event()

    async def run(self, job, on_log):
        from codeinterp_common.jobs.model import RunOutcome

        await self.release.wait()
        return RunOutcome(ok=True, manifest={"row_count": 0, "complete": True})

    async def cancel(self, job_id):
        self.release.set()
        return True

    async def reattach(self, job, on_log):
        return None


async def test_supervisor_active_jobs_per_principal(tmp_path):
    from codeinterp_common.auth import Principal, Role, reset_principal, set_principal
    from codeinterp_common.errors import ResourceExhausted
    from codeinterp_common.jobs.manager import JobManager
    from codeinterp_common.jobs.service import JobService
    from codeinterp_common.jobs.store import JobStore

    store = JobStore(tmp_path / "jobs.db")
    engine = HeldEngine()
    manager = JobManager(store, lambda _job: engine, id_prefix="spark")

    async def no_codegen(_request):
        raise AssertionError("not used")

    jobs = JobService(
        "spark",
        manager,
        no_codegen,
        choose_platform=lambda _p, _i: ("LOCAL", ""),
        max_active_jobs_per_owner=1,
    )
    code = "result = spark.range(1)\n"
    alice = Principal("alice", frozenset({Role.ANALYST}))
    bob = Principal("bob", frozenset({Role.ANALYST}))

    async def create(who, request_id=""):
        token = set_principal(who)
        try:
            return (await jobs.create(code=code, inputs=[], request_id=request_id))[0]
        finally:
            reset_principal(token)

    try:
        first = await create(alice, "rq-a")
        with pytest.raises(ResourceExhausted) as info:
            await create(alice)
        assert info.value.reason == "QUOTA_ACTIVE_JOBS" and info.value.retry_after
        assert (await create(alice, "rq-a")).id == first.id  # a retry of the same request is not refused
        await create(bob)  # another principal has its own count
        engine.release.set()
        await asyncio.wait_for(manager.wait(first.id), 10)
        await create(alice)  # alice's first job finished: room again
    finally:
        engine.release.set()
        await manager.close()
        store.close()
