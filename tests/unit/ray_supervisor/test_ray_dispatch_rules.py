"""Which way a Ray job runs (pooled driver or Jobs API), its shuffle, the environment Ray
processes get, and the pooled path's log tail — without Ray."""

from __future__ import annotations

from codeinterp_ray_supervisor.adapters.local_head import scrubbed_environment
from codeinterp_ray_supervisor.adapters.ray_pool import LogTail
from codeinterp_ray_supervisor.domain.dispatch import MIB, DispatchRule, input_bytes, shuffle, use_pool

RULE = DispatchRule(pool_enabled=True, pool_max_input_bytes=1 * MIB, sort_shuffle_max_bytes=2 * MIB)


def test_small_local_inputs_go_to_the_pool_large_or_remote_ones_to_the_jobs_api(tmp_path):
    small, big = tmp_path / "small.csv", tmp_path / "big.csv"
    small.write_bytes(b"a\n" * 1000)
    big.write_bytes(b"x" * (MIB + 1))
    assert input_bytes([str(small), f"file://{small}"]) == 4000
    assert use_pool(RULE, "", [str(small)]) and use_pool(RULE, "", [])
    assert not use_pool(RULE, "", [str(big)])  # above the pool's limit
    assert not use_pool(RULE, "", ["s3://bucket/key.csv"])  # size unknown: Jobs API
    assert not use_pool(RULE, "", [str(tmp_path / "missing.csv")])
    off = DispatchRule(pool_enabled=False, pool_max_input_bytes=MIB, sort_shuffle_max_bytes=MIB)
    assert not use_pool(off, "", [str(small)])


def test_a_job_keeps_the_way_it_started(tmp_path):
    big = tmp_path / "big.csv"
    big.write_bytes(b"x" * (MIB + 1))
    assert use_pool(RULE, "pool/ray-1", [str(big)])  # started pooled: a restart re-runs it pooled
    assert not use_pool(RULE, "ray-1", [])  # started through the Jobs API: re-attached there


def test_sort_shuffle_only_for_known_small_inputs(tmp_path):
    small = tmp_path / "small.csv"
    small.write_bytes(b"a\n")
    assert shuffle(RULE, [str(small)]) == "sort"
    assert shuffle(RULE, ["s3://b/k.csv"]) == "default"


def test_ray_processes_never_get_our_settings_or_cloud_credentials(monkeypatch, tmp_path):
    monkeypatch.setenv("CODEINTERP_SERVICE_TOKEN", "s3cret")
    monkeypatch.setenv("CODEINTERP_DATABASE_URL", "postgresql://u:p@h/db")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "k")
    monkeypatch.setenv("RAY_ADDRESS", "http://elsewhere:8265")
    monkeypatch.setenv("RAY_AUTH_TOKEN", "old")
    env = scrubbed_environment("token", token_path=tmp_path / "tok", python="/venv/bin/python")
    assert not [k for k in env if k.startswith(("CODEINTERP_", "AWS_")) or k in ("RAY_ADDRESS", "RAY_AUTH_TOKEN")]
    assert env["RAY_AUTH_MODE"] == "token" and env["RAY_AUTH_TOKEN_PATH"] == str(tmp_path / "tok")
    assert env["PATH"].startswith("/venv/bin")
    remote = scrubbed_environment("token", token="t0k")
    assert remote["RAY_AUTH_TOKEN"] == "t0k"
    assert scrubbed_environment("disabled")["RAY_AUTH_MODE"] == "disabled"


def test_log_tail_emits_new_lines_once_skips_stored_ones_and_flushes_the_last(tmp_path):
    path = tmp_path / "job.log"
    got: list[str] = []
    tail = LogTail(path, skip=1)
    tail.emit(lambda _kind, line: got.append(line))  # no file yet
    path.write_text("one\ntwo\nthr")
    tail.emit(lambda _kind, line: got.append(line))
    assert got == ["two"]
    with path.open("a") as fh:
        fh.write("ee\nfour")
    tail.emit(lambda _kind, line: got.append(line), final=True)
    assert got == ["two", "three", "four"]


def test_dispatch_settings_are_checked_at_start(tmp_path):
    import pytest

    from codeinterp_common.config import ConfigError
    from codeinterp_ray_supervisor.config import RaySupervisorSettings
    from codeinterp_ray_supervisor.main import build_app

    remote = dict(data_dir=str(tmp_path), ray_address="http://127.0.0.1:1", grpc_port=0, metrics_port=0)
    with pytest.raises(ConfigError, match="auto, pool or jobs"):
        build_app(RaySupervisorSettings(**remote, ray_dispatch="fast"))
    with pytest.raises(ConfigError, match="GCS_ADDRESS"):
        build_app(RaySupervisorSettings(**remote, ray_dispatch="pool"))
    assert build_app(RaySupervisorSettings(**remote)).pool is None  # auto without an address: Jobs API only
    pooled = build_app(RaySupervisorSettings(**remote, ray_gcs_address="127.0.0.1:1"))
    assert pooled.pool is not None and pooled.pool.driver.options.gcs_address == "127.0.0.1:1"
    pooled.store.close()


async def test_a_pool_driver_that_never_gets_ready_or_dies_is_reported_and_replaced(tmp_path):
    import pytest

    from codeinterp_ray_supervisor.adapters.ray_pool import DriverDied, PoolDriver, PoolOptions

    hangs, dies = tmp_path / "hangs.sh", tmp_path / "dies.sh"
    hangs.write_text("#!/bin/sh\nexec sleep 30\n")
    dies.write_text("#!/bin/sh\necho 'cannot join the cluster' >&2\nexit 3\n")
    for script in (hangs, dies):
        script.chmod(0o755)
    driver = PoolDriver(PoolOptions(gcs_address="127.0.0.1:1", pool_dir=tmp_path / "pool", python=str(hangs),
                                    env={"PATH": "/usr/bin:/bin"}, start_timeout_s=1.0))
    with pytest.raises(DriverDied, match="not ready within 1 s"):
        await driver.ensure()
    with pytest.raises(DriverDied, match="not ready"):
        await driver.ensure()  # the hung one was killed: a new one is launched
    assert driver.starts == 2
    driver.options.python = str(dies)
    with pytest.raises(DriverDied, match="exited with code 3"):
        await driver.run("ray-x", tmp_path)
    assert "cannot join the cluster" in (tmp_path / "pool" / "driver.log").read_text()
    await driver.stop()
