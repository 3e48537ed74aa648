"""Where durable state lives: SQLite (the embedded default) or PostgreSQL (multi-replica).

One setting chooses: `CODEINTERP_DATABASE_URL`. Empty (or `sqlite`) keeps each service's
SQLite file in its data directory; `postgresql://user@host:5432/db` puts every store in PostgreSQL
(psycopg 3 with a connection pool). Nothing else changes: the PostgreSQL stores implement
the same interfaces as the SQLite ones.

Schema changes are numbered migrations per store, recorded in `schema_migrations
(store, version)`. They are applied at start-up, each in its own transaction; on
PostgreSQL under a transaction-scoped advisory lock, so two replicas starting together
apply every migration exactly once (the second waits, then finds it recorded).

Every PostgreSQL call is bounded: `connect_timeout` for connecting, `statement_timeout`
for each statement, and the pool's `timeout` for waiting on a free connection.
"""

from __future__ import annotations

import re
import sqlite3
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from codeinterp_common.config import from_env, setting
from codeinterp_common.errors import FailedPrecondition, ServiceError, Unavailable

# Stable key of the migrations advisory lock (any bigint; the same one in every replica).
MIGRATION_LOCK_KEY = 0x636F6465_696E7470  # "codeintp"

_STORE_NAME = re.compile(r"[a-z][a-z0-9_]{0,40}")


def is_postgres(url: str) -> bool:
    return url.startswith(("postgresql://", "postgres://"))


def check_url(url: str) -> str:
    """`postgres` for a PostgreSQL URL, `sqlite` for the embedded default (empty, `sqlite`,
    `sqlite://`: each service keeps its SQLite file in its data directory)."""
    if is_postgres(url):
        return "postgres"
    if url in ("", "sqlite", "sqlite:", "sqlite://"):
        return "sqlite"
    raise FailedPrecondition(
        "database URL must be empty (SQLite in the data directory) or postgresql://…",
        reason="DATABASE_URL_INVALID",
        metadata={"scheme": url.split(":", 1)[0][:20]},
    )


def redact(url: str) -> str:
    """The URL without its password (for logs)."""
    return re.sub(r"(://[^:/@]+):[^@]*@", r"\1:***@", url)


@dataclass(frozen=True)
class DatabaseSettings:
    """Read by every service that keeps state (environment variables CODEINTERP_DATABASE_*)."""

    database_url: str = setting(
        "",
        "Where state lives. Empty: SQLite files in each service's data directory (embedded default); "
        "postgresql://user@host:5432/db: PostgreSQL for multi-replica deployments (Helm: from a Secret)",
    )
    database_pool_size: int = setting(8, "PostgreSQL: connections per process")
    database_connect_timeout_s: int = setting(5, "PostgreSQL: seconds to connect")
    database_statement_timeout_ms: int = setting(30000, "PostgreSQL: longest one statement may run")


def database_settings() -> DatabaseSettings:
    return from_env(DatabaseSettings)


@dataclass(frozen=True)
class PgOptions:
    min_size: int = 1
    max_size: int = 8
    connect_timeout_s: int = 5
    statement_timeout_ms: int = 30_000
    lock_timeout_ms: int = 10_000
    pool_timeout_s: float = 10.0
    application_name: str = "codeinterp"


class Postgres:
    """A psycopg connection pool with bounded waits. `connection()` yields a connection in
    a transaction that commits on success and rolls back on error; rows are dicts."""

    def __init__(self, url: str, options: PgOptions | None = None) -> None:
        from psycopg.conninfo import conninfo_to_dict, make_conninfo
        from psycopg.rows import dict_row
        from psycopg_pool import ConnectionPool

        self.options = options or PgOptions()
        o = self.options
        params = conninfo_to_dict(url)
        extra = f"-c statement_timeout={o.statement_timeout_ms} -c lock_timeout={o.lock_timeout_ms}"
        params["options"] = f"{params['options']} {extra}" if params.get("options") else extra
        params.setdefault("connect_timeout", str(o.connect_timeout_s))
        params.setdefault("application_name", o.application_name)
        self.url = url
        self.pool = ConnectionPool(
            make_conninfo(**params),
            min_size=o.min_size,
            max_size=o.max_size,
            timeout=o.pool_timeout_s,
            kwargs={"row_factory": dict_row},
            open=False,
            name="codeinterp",
        )
        try:
            self.pool.open(wait=True, timeout=o.connect_timeout_s + o.pool_timeout_s)
        except Exception as exc:  # noqa: BLE001 - a start-up error with a reason, without the password
            self.pool.close()
            raise Unavailable(
                f"PostgreSQL at {redact(url)} did not answer: {type(exc).__name__}",
                reason="DATABASE_UNAVAILABLE",
            ) from None

    @contextmanager
    def connection(self) -> Iterator[Any]:
        from psycopg import OperationalError
        from psycopg_pool import PoolTimeout

        try:
            with self.pool.connection() as conn:
                yield conn
        except ServiceError:
            raise
        except PoolTimeout as exc:
            raise Unavailable("no database connection became free in time", reason="DATABASE_BUSY") from exc
        except OperationalError as exc:
            raise Unavailable(f"database error: {type(exc).__name__}", reason="DATABASE_UNAVAILABLE") from exc

    def close(self) -> None:
        self.pool.close()


# ---------------------------------------------------------------------------- migrations


def _check_store(store: str) -> None:
    if not _STORE_NAME.fullmatch(store):
        raise ValueError(f"bad store name {store!r}")


def migrate_postgres(db: Postgres, store: str, migrations: Sequence[str]) -> list[int]:
    """Applies migrations 1..n of `store` that are not recorded yet; returns those applied.
    Each runs in one transaction holding the migration advisory lock."""
    _check_store(store)
    applied: list[int] = []
    with db.connection() as conn:
        with conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (MIGRATION_LOCK_KEY,))
            conn.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations ("
                " store TEXT NOT NULL, version INTEGER NOT NULL, applied_at DOUBLE PRECISION NOT NULL,"
                " PRIMARY KEY (store, version))"
            )
            done = {
                r["version"]
                for r in conn.execute(
                    "SELECT version FROM schema_migrations WHERE store = %s", (store,)
                ).fetchall()
            }
            for version, sql in enumerate(migrations, start=1):
                if version in done:
                    continue
                conn.execute(sql)
                conn.execute(
                    "INSERT INTO schema_migrations (store, version, applied_at) VALUES (%s, %s, %s)",
                    (store, version, time.time()),
                )
                applied.append(version)
    return applied


def migrate_sqlite(conn: sqlite3.Connection, store: str, migrations: Sequence[str]) -> list[int]:
    """The same for a SQLite connection in autocommit mode (isolation_level=None)."""
    _check_store(store)
    applied: list[int] = []
    conn.execute("BEGIN IMMEDIATE")
    try:
        conn.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations ("
            " store TEXT NOT NULL, version INTEGER NOT NULL, applied_at REAL NOT NULL, PRIMARY KEY (store, version))"
        )
        done = {r[0] for r in conn.execute("SELECT version FROM schema_migrations WHERE store = ?", (store,))}
        for version, sql in enumerate(migrations, start=1):
            if version in done:
                continue
            for statement in sql.split(";"):
                if statement.strip():
                    conn.execute(statement)
            conn.execute(
                "INSERT INTO schema_migrations (store, version, applied_at) VALUES (?, ?, ?)",
                (store, version, time.time()),
            )
            applied.append(version)
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    return applied


_SHARED: dict[str, Postgres] = {}


def shared_postgres(url: str, options: PgOptions | None = None) -> Postgres:
    """One pool per URL in a process (a service with several stores shares it)."""
    db = _SHARED.get(url)
    if db is None or db.pool.closed:
        if options is None:
            env = database_settings()
            options = PgOptions(
                max_size=max(1, env.database_pool_size),
                connect_timeout_s=env.database_connect_timeout_s,
                statement_timeout_ms=env.database_statement_timeout_ms,
            )
        db = _SHARED[url] = Postgres(url, options)
    return db
