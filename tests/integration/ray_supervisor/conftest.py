"""ONE local Ray head per test session, on free ports, started through the supervisor's own
local_head adapter (token auth on) and stopped by its own pids (never `ray stop`).

A head takes about 10-20 s and 1.5 GB to start, so every Ray test shares it. Each test gets
its own supervisor app (own data dir and SQLite store) pointed at the head's address.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from codeinterp_ray_supervisor.adapters.local_head import LocalRayHead
from codeinterp_ray_supervisor.config import RaySupervisorSettings
from codeinterp_ray_supervisor.main import App, build_app

pytestmark = [pytest.mark.integration, pytest.mark.ray]

# The session's Ray head (`ray_head`) is in tests/integration/conftest.py: shared with durability/.


def settings_for(head: LocalRayHead, data_dir: Path, **overrides) -> RaySupervisorSettings:
    values = dict(
        data_dir=str(data_dir), ray_address=head.config.address, ray_auth_token=head.token, poll_interval_s=0.25,
        cancel_deadline_s=15.0, entrypoint_num_cpus=0.25, grpc_port=0, metrics_port=0,
    )
    values.update(overrides)
    return RaySupervisorSettings(**values)


@pytest.fixture
async def make_app(ray_head, tmp_path):
    apps: list[App] = []

    async def factory(data_dir: Path | None = None, **overrides) -> App:
        app = build_app(settings_for(ray_head, data_dir or tmp_path / "sup", **overrides))
        await app.start()
        apps.append(app)
        return app

    yield factory
    for app in apps:
        try:
            await app.stop()
        except Exception:  # noqa: BLE001 - already stopped by the test
            pass


@pytest.fixture
def sales_csv(tmp_path) -> Path:
    path = tmp_path / "sales.csv"
    rows = ["region,amount"] + [f"{r},{a}" for r, a in
                               [("north", 10), ("south", 5), ("north", 7), ("east", 1), ("south", 9), ("west", 3)]]
    path.write_text("\n".join(rows) + "\n")
    return path
