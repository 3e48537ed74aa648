"""The pooled driver's actor bookkeeping (pool_driver.Pool) with a stand-in for the `ray`
module: which actor runs which owner's job, reuse limits, retirement. The real actors, calls
and kills are exercised against a Ray head in tests/integration/ray_supervisor/test_ray_pool.py;
here a fake is the only way to make a finish and a kill race deterministically."""

from __future__ import annotations

import itertools

from codeinterp_ray_supervisor.pool_driver import Pool


class Ref:
    def __init__(self, value=0, error: Exception | None = None) -> None:
        self.value, self.error, self.ready = value, error, False


class Method:
    def __init__(self, actor, name: str) -> None:
        self.actor, self.name = actor, name

    def remote(self, *args):
        ref = Ref()
        self.actor.calls.append((self.name, args, ref))
        if self.name == "warm":
            ref.ready = True
        return ref


class FakeActor:
    ids = itertools.count(1)

    def __init__(self, pool_dir: str) -> None:
        self.id = next(self.ids)
        self.calls: list = []
        self.killed = False
        self.warm = Method(self, "warm")
        self.run = Method(self, "run")


class FakeActorClass:
    def remote(self, pool_dir):
        return FakeActor(pool_dir)


class FakeRay:
    def wait(self, refs, num_returns, timeout):
        done = [r for r in refs if r.ready]
        return done[: max(num_returns, len(done))] if done else [], [r for r in refs if not r.ready]

    def get(self, ref):
        if ref.error is not None:
            raise ref.error
        return ref.value

    def kill(self, actor, no_restart=True):
        actor.killed = True


def finish(pool: Pool, job_id: str, value: int = 0, error: Exception | None = None):
    ref = pool.running[job_id][1]
    ref.value, ref.error, ref.ready = value, error, True
    return dict(pool.finished())


def make_pool(**kw) -> Pool:
    return Pool(FakeRay(), FakeActorClass(), "/pool", kw.pop("size", 2), **kw)


def test_an_owner_reuses_its_actor_up_to_the_quota_and_never_another_owners():
    pool = make_pool(jobs_per_actor=2)
    pool.refill()
    pool.run("a1", "/w/a1", "alice")
    alice = pool.running["a1"][0]
    assert finish(pool, "a1")["a1"]["ok"]
    pool.run("b1", "/w/b1", "bob")
    assert pool.running["b1"][0] is not alice  # bob never gets alice's process
    pool.run("a2", "/w/a2", "alice")
    assert pool.running["a2"][0] is alice  # reused within the owner
    finish(pool, "a2")
    assert alice.killed  # its second job was its last (quota 2)
    pool.run("a3", "/w/a3", "alice")
    assert pool.running["a3"][0] is not alice


def test_a_failed_or_cancelled_job_retires_its_actor_even_when_the_finish_races_the_kill():
    pool = make_pool(jobs_per_actor=50)
    pool.refill()
    pool.run("f", "/w/f", "alice")
    failed = pool.running["f"][0]
    assert not finish(pool, "f", value=1)["f"]["ok"]
    assert failed.killed and "alice" not in pool.idle

    pool.run("c", "/w/c", "alice")
    cancelled = pool.running["c"][0]
    pool.cancel("c")  # the kill is sent ...
    event = finish(pool, "c", value=0)["c"]  # ... but the job had already returned 0
    assert event["ok"] and cancelled.killed
    assert "alice" not in pool.idle  # a killed actor is never handed another job


def test_an_actor_that_died_reports_the_error_and_idle_actors_expire():
    pool = make_pool(jobs_per_actor=50, idle_s=0.0, max_idle=8)
    pool.refill()
    pool.run("d", "/w/d", "alice")
    event = finish(pool, "d", error=RuntimeError("ActorDiedError: the actor died unexpectedly"))["d"]
    assert not event["ok"] and not event["killed"] and "ActorDiedError" in event["error"]
    pool.run("ok", "/w/ok", "bob")
    bob = pool.running["ok"][0]
    finish(pool, "ok")
    assert bob.killed and not pool.idle  # idle longer than idle_s (0 s): retired
