"""Store suite fixtures: every store runs the same behavioural tests on SQLite and on the
PostgreSQL server of these machines (127.0.0.1:5432, trust auth, database `test`).

Each test session gets a fresh schema (`test_<random>`, put first on the search_path through
the URL's `options`), dropped at the end, so parallel runs never see each other's tables.
PostgreSQL is skipped, with the reason, only when nothing answers on 127.0.0.1:5432.
"""

from __future__ import annotations

import secrets
import socket
from urllib.parse import quote

import pytest

PG_BASE = "postgresql://postgres@127.0.0.1:5432/test"
BACKENDS = ["sqlite", "postgresql"]


def _pg_answers() -> str:
    """'' when PostgreSQL answers, else why not."""
    try:
        with socket.create_connection(("127.0.0.1", 5432), timeout=2):
            pass
    except OSError as exc:
        return f"no PostgreSQL answers on 127.0.0.1:5432 ({exc})"
    return ""


@pytest.fixture(scope="session")
def pg_url():
    """A PostgreSQL URL whose search_path is a fresh schema of this test session."""
    reason = _pg_answers()
    if reason:
        pytest.skip(reason)
    import psycopg

    schema = f"test_{secrets.token_hex(6)}"
    with psycopg.connect(PG_BASE, autocommit=True, connect_timeout=5) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    try:
        yield f"{PG_BASE}?options={quote(f'-csearch_path={schema}')}"
    finally:
        from codeinterp_common import db

        for shared in list(db._SHARED.values()):
            shared.close()
        db._SHARED.clear()
        with psycopg.connect(PG_BASE, autocommit=True, connect_timeout=5) as conn:
            conn.execute(f"DROP SCHEMA {schema} CASCADE")


@pytest.fixture
def unique() -> str:
    """A short random name: tests sharing the session schema use their own tables/namespaces."""
    return "t" + secrets.token_hex(4)


@pytest.fixture
def pg_fresh_url(pg_url):
    """A PostgreSQL URL whose search_path is an empty schema of this one test (for stores with
    fixed table names: generation cache, gateway), dropped afterwards."""
    import psycopg

    schema = f"test_{secrets.token_hex(6)}"
    with psycopg.connect(PG_BASE, autocommit=True, connect_timeout=5) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    try:
        yield f"{PG_BASE}?options={quote(f'-csearch_path={schema}')}"
    finally:
        with psycopg.connect(PG_BASE, autocommit=True, connect_timeout=5) as conn:
            conn.execute(f"DROP SCHEMA {schema} CASCADE")
