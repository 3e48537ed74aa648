"""Fixtures shared by integration test directories."""

from __future__ import annotations

import socket
import time

import pytest

_FORBIDDEN = {5432, 6379, 3306, 5672, 1883, 4222, 8265}


def ray_free_port() -> int:
    while True:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        if port not in _FORBIDDEN and not 10002 <= port <= 19999:  # Ray's worker port range
            return port


def _runtime_started(head, log, timeout: float = 120) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if "Ray runtime started." in log.read_text(errors="replace"):
            return head.alive()
        if not head.alive():
            return False
        time.sleep(0.5)
    return False


@pytest.fixture(scope="session")
def ray_head(tmp_path_factory):
    """ONE local Ray head per test session, on free ports, started through the supervisor's own
    local_head adapter (token auth on) and stopped by its own pids (never `ray stop`). A head
    takes 10-20 s and 1.5 GB to start, so every Ray test (ray_supervisor/, durability/) shares it."""
    from codeinterp_ray_supervisor.adapters.local_head import HeadConfig, LocalRayHead

    started = time.monotonic()
    for attempt in (1, 2):
        base = tmp_path_factory.mktemp("rayhead")
        head = LocalRayHead(
            HeadConfig(
                base_dir=base,
                gcs_port=ray_free_port(),
                dashboard_port=ray_free_port(),
                client_port=ray_free_port(),
                dashboard_agent_port=ray_free_port(),
                num_cpus=2,
                object_store_bytes=512 * 1024**2,
                auth_mode="token",
                start_timeout_s=240,  # a busy shared machine can take minutes; an idle one takes 10-20 s
                extra_env={
                    "RAY_DASHBOARD_STARTUP_TIMEOUT_S": "200"
                },  # Ray's own wait for its dashboard (60 s)
            )
        )
        try:
            head.start()
        except RuntimeError:
            if attempt == 2:
                raise
            continue
        # The Jobs API answers before `ray start` has seen its raylet register, which Ray gives a
        # fixed 30 s; on an overloaded machine it then tears the head down. Wait for its
        # "Ray runtime started." and start once more if it gave up.
        if _runtime_started(head, base / "head.log"):
            break
        head.stop()
        if attempt == 2:
            raise RuntimeError(f"the Ray head did not start twice; see {base / 'head.log'}")
    print(f"\nray head up in {time.monotonic() - started:.1f} s at {head.config.address} (pid {head.pid})")
    try:
        yield head
    finally:
        head.stop()
