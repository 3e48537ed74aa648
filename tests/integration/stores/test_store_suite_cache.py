"""The generation cache's persistence: the same behaviour on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from codeinterp_codegen.domain.cache import CacheEntry, GenerationCache

pytestmark = pytest.mark.integration


@pytest.fixture(params=["sqlite", "postgresql"])
def open_cache(request, tmp_path):
    """A factory: each call is one more process (or replica) on the same persistent cache."""
    opened, dbs = [], []

    if request.param == "sqlite":

        def factory(**kw):
            cache = GenerationCache(data_dir=tmp_path, **kw)
            opened.append(cache)
            return cache
    else:
        from codeinterp_codegen.adapters.pg_cache import PostgresCacheBackend
        from codeinterp_common.db import Postgres

        url = request.getfixturevalue("pg_fresh_url")

        def factory(**kw):
            db = Postgres(url)
            dbs.append(db)
            cache = GenerationCache(backend=PostgresCacheBackend(db), **kw)
            opened.append(cache)
            return cache

    yield factory
    for cache in opened:
        cache.close()
    for db in dbs:
        db.close()


def entry(code: str = "result = 1\n", created: float = 1000.0) -> CacheEntry:
    return CacheEntry(
        code=code,
        explanation="why",
        provider="bedrock",
        model="m1",
        created_at=created,
        input_tokens=3,
        output_tokens=4,
    )


def test_an_entry_survives_a_restart_and_is_shared_by_replicas(open_cache):
    first = open_cache()
    first.put("k1", entry("result = 41\n"))
    replica = open_cache()  # an empty memory: served from the database
    assert replica.get("k1") == entry("result = 41\n")
    assert replica.stats()["hits"] == 1
    assert replica.get("other") is None and replica.stats()["misses"] == 1
    first.put("k1", entry("result = 42\n", created=1001.0))  # overwrite
    assert open_cache().get("k1").code == "result = 42\n"


def test_expired_entries_are_not_served_and_are_deleted(open_cache):
    now = [10_000.0]
    cache = open_cache(ttl_s=60, clock=lambda: now[0])
    cache.put("old", entry(created=now[0] - 120))
    cache.put("new", entry(created=now[0] - 10))
    other = open_cache(ttl_s=60, clock=lambda: now[0])
    assert other.get("old") is None
    assert other.get("new") is not None
    assert open_cache(ttl_s=0).get("old") is None  # deleted from the database, not just skipped


def test_prune_keeps_the_most_recently_used(open_cache):
    now = [1000.0]
    cache = open_cache(max_entries=4, clock=lambda: now[0])  # keeps 16 rows on disk
    for i in range(64):  # the 64th put prunes
        now[0] += 1
        cache.put(f"k{i}", entry(f"result = {i}\n", created=now[0]))
    fresh = open_cache(max_entries=100)
    kept = [i for i in range(64) if fresh.get(f"k{i}") is not None]
    assert kept == list(range(48, 64))


def test_concurrent_puts_and_gets_from_many_threads(open_cache):
    caches = [open_cache(), open_cache()]
    barrier = threading.Barrier(8)

    def work(i: int):
        barrier.wait()
        cache = caches[i % 2]
        for n in range(10):
            cache.put(f"k{n}", entry(f"result = {n}\n"))
            assert cache.get(f"k{n}") is not None

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(work, range(8)))
    fresh = open_cache()
    assert [fresh.get(f"k{n}").code for n in range(10)] == [f"result = {n}\n" for n in range(10)]


def test_postgres_migrations_are_idempotent(pg_fresh_url):
    from codeinterp_codegen.adapters.pg_cache import MIGRATIONS, PostgresCacheBackend
    from codeinterp_common.db import Postgres, migrate_postgres

    db = Postgres(pg_fresh_url)
    try:
        PostgresCacheBackend(db)
        PostgresCacheBackend(db)
        assert migrate_postgres(db, "generation_cache", MIGRATIONS) == []
        with db.connection() as conn:
            rows = conn.execute(
                "SELECT version FROM schema_migrations WHERE store = 'generation_cache'"
            ).fetchall()
        assert [r["version"] for r in rows] == [1]
    finally:
        db.close()
