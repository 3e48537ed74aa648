"""The generation cache's rows in PostgreSQL: one cache shared by every codegen replica."""

from __future__ import annotations

from codeinterp_common.db import Postgres, migrate_postgres

MIGRATIONS = [
    """
CREATE TABLE IF NOT EXISTS generation_cache (
    key TEXT PRIMARY KEY,
    entry TEXT NOT NULL,
    created_at DOUBLE PRECISION NOT NULL,
    used_at DOUBLE PRECISION NOT NULL
);
CREATE INDEX IF NOT EXISTS generation_cache_used ON generation_cache (used_at);
""",
]


class PostgresCacheBackend:
    """Implements `codeinterp_codegen.domain.cache.CacheBackend`. A failing call is skipped by
    the cache (never a failed request) and the next one tries again."""

    drop_on_error = False

    def __init__(self, db: Postgres) -> None:
        self.db = db
        migrate_postgres(db, "generation_cache", MIGRATIONS)

    def get(self, key: str, now: float) -> str | None:
        with self.db.connection() as conn:
            row = conn.execute(
                "UPDATE generation_cache SET used_at = %s WHERE key = %s RETURNING entry", (now, key)
            ).fetchone()
        return row["entry"] if row else None

    def put(self, key: str, entry_json: str, created_at: float, now: float) -> None:
        with self.db.connection() as conn:
            conn.execute(
                "INSERT INTO generation_cache (key, entry, created_at, used_at) VALUES (%s, %s, %s, %s) "
                "ON CONFLICT (key) DO UPDATE SET entry = EXCLUDED.entry, created_at = EXCLUDED.created_at, "
                "used_at = EXCLUDED.used_at",
                (key, entry_json, created_at, now),
            )

    def delete(self, key: str) -> None:
        with self.db.connection() as conn:
            conn.execute("DELETE FROM generation_cache WHERE key = %s", (key,))

    def prune(self, keep: int, created_before: float | None) -> None:
        with self.db.connection() as conn:
            conn.execute(
                "DELETE FROM generation_cache WHERE key NOT IN "
                "(SELECT key FROM generation_cache ORDER BY used_at DESC LIMIT %s)",
                (keep,),
            )
            if created_before is not None:
                conn.execute("DELETE FROM generation_cache WHERE created_at < %s", (created_before,))

    def close(self) -> None:
        """The pool is shared per URL in the process; closed at exit."""
