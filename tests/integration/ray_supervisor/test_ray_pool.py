"""The pooled Ray driver against the session's real Ray head: small jobs run on pre-started
actors (never through the Jobs API) with the same results, logs, failure classes, cancel and
time limit as the Jobs API path; actors are never shared between owners and are retired after
a failure; a job interrupted by a supervisor stop runs again after the restart."""

from __future__ import annotations

import asyncio
import hashlib

import pandas as pd
import pyarrow.parquet as pq
import pytest
from ray_job_bodies import FAILING_BODY, PANDAS_BODY, SCALAR_BODY, SLEEP_BODY, csv_input

from codeinterp.common.v1 import types_pb2 as t
from codeinterp_common.jobs.api import encode_inputs, encode_limits
from codeinterp_common.jobs.model import JobRecord, JobState

pytestmark = [pytest.mark.integration, pytest.mark.ray]

GROUPBY_BODY = """import ray
result = ray.data.read_csv(inputs["sales"]).groupby("region").sum("amount")
"""


async def pool_app(make_app, ray_head, data_dir, **overrides):
    values = dict(ray_gcs_address=f"127.0.0.1:{ray_head.config.gcs_port}", ray_dispatch="pool", ray_pool_size=1)
    values.update(overrides)
    app = await make_app(data_dir, **values)
    assert app.pool is not None
    return app


async def finish(app, job_id: str, timeout: float = 120):
    return await asyncio.wait_for(app.manager.wait(job_id), timeout)


def log_lines(app, job_id: str) -> list[str]:
    return [e.value for e in app.store.events(job_id, 0, 10_000) if e.kind == "log"]


async def test_pooled_jobs_answer_like_the_jobs_api_and_fail_cleanly(make_app, ray_head, sales_csv, tmp_path):
    app = await pool_app(make_app, ray_head, tmp_path / "pool")

    job, _ = await app.jobs.create(code=PANDAS_BODY, inputs=[csv_input(sales_csv)])
    done = await finish(app, job.id)
    assert done.state == JobState.SUCCEEDED, done.state_message
    assert done.backend_id == f"pool/{job.id}"
    expected = pd.read_csv(sales_csv).groupby("region", as_index=False)["amount"].sum().sort_values("region")
    parquet = next(f["uri"] for f in done.manifest["files"] if f["format"] == "parquet")
    got = pq.read_table(parquet).to_pandas()
    pd.testing.assert_frame_equal(got.reset_index(drop=True), expected.reset_index(drop=True), check_dtype=False)
    assert "rows: 6" in log_lines(app, job.id)
    assert "ray: RUNNING (pooled driver)" in log_lines(app, job.id)

    # A shuffle (Ray Data group-by, sort shuffle for small inputs) gives the same totals.
    job, _ = await app.jobs.create(code=GROUPBY_BODY, inputs=[csv_input(sales_csv)])
    done = await finish(app, job.id)
    assert done.state == JobState.SUCCEEDED, done.state_message
    rows = {r[0]: r[1] for r in done.manifest["preview_rows"]}
    assert rows == dict(zip(expected["region"], expected["amount"].astype(int), strict=True))

    # A failing job: CODE with its line; its actor is retired, the next job still runs.
    job, _ = await app.jobs.create(code=FAILING_BODY, inputs=[])
    done = await finish(app, job.id)
    assert done.state == JobState.FAILED and done.error_class == "CODE" and done.failing_line == 8
    assert "ZeroDivisionError" in done.state_message
    job, _ = await app.jobs.create(code=SCALAR_BODY, inputs=[])
    done = await finish(app, job.id)
    assert done.state == JobState.SUCCEEDED and done.manifest["scalar"] == 285

    # Cancel a running pooled job: its actor is killed; the pool goes on.
    job, _ = await app.jobs.create(code=SLEEP_BODY.format(seconds=60), inputs=[])
    await _wait_for_log(app, job.id, "ray: RUNNING (pooled driver)")
    cancelled = await asyncio.wait_for(app.manager.cancel(job.id), 40)
    assert cancelled.state == JobState.CANCELLED and cancelled.error_class == "CANCELLED_BY_USER"

    # The time limit stops a pooled job as TIMEOUT.
    job, _ = await app.jobs.create(code=SLEEP_BODY.format(seconds=60), inputs=[],
                                   limits=t.RunLimits(timeout={"seconds": 3}))
    done = await finish(app, job.id)
    assert done.state == JobState.FAILED and done.error_class == "TIMEOUT", done.state_message

    job, _ = await app.jobs.create(code=SCALAR_BODY, inputs=[])
    done = await finish(app, job.id)
    assert done.state == JobState.SUCCEEDED and done.manifest["scalar"] == 285
    assert app.engine.submit_calls == 0  # nothing went through the Jobs API
    assert app.pool.driver.starts == 1


async def _wait_for_log(app, job_id: str, text: str, timeout: float = 60) -> None:
    async def poll():
        while text not in log_lines(app, job_id):
            await asyncio.sleep(0.1)

    await asyncio.wait_for(poll(), timeout)


def _record(job_id: str, code: str, owner: str) -> JobRecord:
    return JobRecord(id=job_id, uid=job_id, code=code, code_sha256=hashlib.sha256(code.encode()).hexdigest(),
                     inputs=encode_inputs([]), limits=encode_limits(t.RunLimits()), labels={"owner": owner})


async def test_actors_serve_one_owner_and_are_reused_only_by_it(make_app, ray_head, tmp_path):
    # Engine level, so the job may ask for its process id (the validator refuses `os` in user code).
    app = await pool_app(make_app, ray_head, tmp_path / "owners", ray_pool_jobs_per_actor=3)
    code = "import os\nresult = os.getpid()\n"
    pids: dict[str, list[int]] = {"alice": [], "bob": []}
    for i in range(4):
        for owner in ("alice", "bob"):
            outcome = await app.pool.run(_record(f"ray-own-{owner}-{i}", code, owner), lambda *_: None)
            assert outcome.ok, outcome.error
            pids[owner].append(outcome.manifest["scalar"])
    assert not set(pids["alice"]) & set(pids["bob"])  # never the same process for two owners
    for owner in pids:  # reused within an owner, at most 3 jobs per actor
        assert pids[owner][0] == pids[owner][1] == pids[owner][2] != pids[owner][3]


async def test_a_pooled_job_interrupted_by_a_stop_runs_again_after_the_restart(make_app, ray_head, tmp_path):
    data = tmp_path / "restart"
    first = await pool_app(make_app, ray_head, data)
    job, _ = await first.jobs.create(code=SLEEP_BODY.format(seconds=4), inputs=[])
    await _wait_for_log(first, job.id, "ray: RUNNING (pooled driver)")
    await first.stop()  # the pooled driver goes with the supervisor, and the job with it

    second = await pool_app(make_app, ray_head, data)
    done = await finish(second, job.id)
    assert done.state == JobState.SUCCEEDED, done.state_message
    assert done.manifest["scalar"] == 1
    assert any("running it again" in line for line in log_lines(second, job.id))
