"""One warm Spark Connect server (owned by one LocalSparkExecutor) for every
spark-supervisor integration test. Marks: ``spark`` and ``integration``."""

from __future__ import annotations

import csv
import os
import random
import shutil
import socket
import sqlite3
import tempfile
from pathlib import Path

import pytest

from codeinterp_spark_supervisor.adapters.local_executor import LocalSparkExecutor

FAKE_SECRETS = {
    "AWS_SECRET_ACCESS_KEY": "FAKEsecretKEYfortests0000000000000000000",
    "AWS_ACCESS_KEY_ID": "AKIAFAKEFAKEFAKEFAKE",
    "CODEINTERP_SERVICE_TOKEN": "ci-fake-service-token-123",
}


def pytest_collection_modifyitems(config, items):
    here = Path(__file__).parent
    for item in items:
        if Path(str(item.fspath)).is_relative_to(here):
            item.add_marker(pytest.mark.spark)
            item.add_marker(pytest.mark.integration)


@pytest.fixture(scope="session")
def spark_env_root():
    """World-traversable scratch root (pytest's tmp dirs are 0700: the exec users could not enter)."""
    root = Path(tempfile.mkdtemp(prefix="ci-spark-it-"))
    os.chmod(root, 0o755)
    yield root
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="session")
def sample_csv(spark_env_root) -> Path:
    """~1 MB CSV: key, amount, qty, day."""
    d = spark_env_root / "data"
    d.mkdir()
    os.chmod(d, 0o755)
    p = d / "sales.csv"
    rnd = random.Random(7)
    with p.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["region", "amount", "qty", "day"])
        for i in range(30000):
            w.writerow(
                [
                    f"r{rnd.randrange(40):02d}",
                    round(rnd.uniform(0, 1000), 2),
                    rnd.randrange(1, 50),
                    f"2024-01-{1 + i % 28:02d}",
                ]
            )
    os.chmod(p, 0o644)
    return p


@pytest.fixture(scope="session")
def services_data_dir() -> Path:
    """A simulated services' data directory: 0700 root, SQLite file and another session's dataset.

    Deliberately *outside* /tmp (which workers do not see at all) and not in hide_paths, so
    the test exercises the uid drop itself: the file exists in the worker's view, but
    reading it must fail with PermissionError."""
    d = Path(tempfile.mkdtemp(prefix=".ci-spark-svcdata-", dir=Path(__file__).resolve().parents[3]))
    con = sqlite3.connect(d / "jobs.sqlite")
    con.execute("create table t(secret text)")
    con.execute("insert into t values ('top-secret-row')")
    con.commit()
    con.close()
    (d / "other-session.csv").write_text("a,b\n1,2\n")
    os.chmod(d, 0o700)
    yield d
    shutil.rmtree(d, ignore_errors=True)


@pytest.fixture(scope="session")
def hidden_data_dir(spark_env_root) -> Path:
    """A directory listed in hide_paths: invisible (empty tmpfs) inside workers and the JVM."""
    d = spark_env_root / "hidden"
    d.mkdir()
    (d / "secret.txt").write_text("hidden-secret\n")
    os.chmod(d, 0o755)
    os.chmod(d / "secret.txt", 0o644)
    return d


@pytest.fixture(scope="session")
def supervisor_fd_sentinel(spark_env_root):
    """A file the supervisor holds open while workers are spawned (must not be inherited)."""
    p = spark_env_root / "supervisor-open-file.db"
    f = open(p, "w")  # noqa: SIM115
    yield p
    f.close()


@pytest.fixture(scope="session")
def loopback_listener():
    """A TCP listener of the host on 127.0.0.1; jobs must not be able to connect to it."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen(8)
    yield s.getsockname()[1]
    s.close()


@pytest.fixture(scope="session")
async def executor(spark_env_root, hidden_data_dir, supervisor_fd_sentinel):
    old = {k: os.environ.get(k) for k in FAKE_SECRETS}
    os.environ.update(FAKE_SECRETS)  # the supervisor "has" credentials; jobs must not see them
    ex = LocalSparkExecutor(
        spark_env_root / "work",
        pool_size=2,
        hide_paths=[str(hidden_data_dir)],
        driver_memory="1g",
        max_output_bytes=256 << 20,
    )
    await ex.start()
    try:
        assert await ex.ready(300), "Spark Connect server / workers not ready:\n" + ex.server.log_tail()
        yield ex
    finally:
        await ex.close()
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
