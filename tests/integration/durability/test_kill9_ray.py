"""kill -9 of the ray-supervisor at five points of a job's life, on the session's Ray head.

The supervisor attaches to the shared head (`ray_address` + token), so Ray jobs outlive it:
every job must be re-attached after a restart and end SUCCEEDED, and every job must reach Ray
exactly once (its Ray submission id is the job id; Ray refuses a second one). The faults
(codeinterp_common.faults, scoped to one job each):

  data dir A  run 1  crash before_record (k1)               → nothing recorded
              run 2  crash after_record_before_launch (k2)  → k2 PENDING, never submitted
              run 3  reconcile submits k2 → SUCCEEDED; retried k1 → created → SUCCEEDED;
                     crash after_launch (k3)                → Ray accepted k3, the record has no backend id yet
  data dir B  run 1  crash while_polling (k4)               → k4 submitted, being followed
  data dir C  run 1  crash while_writing_results (k5)       → inside the terminal write's transaction
  then every dir restarts without a fault: k3, k4, k5 re-attached → SUCCEEDED with their result;
  each retried create returns the same job; the Ray Jobs API holds exactly one submission per
  job and none still running (no orphan, no duplicate launch).

The pooled path (small jobs on the supervisor's pooled driver) has a test of its own: a kill -9
while a job runs leaves no driver process, and the restarted supervisor runs the job again.
"""

from __future__ import annotations

import secrets
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import grpc
import pytest
from durability_support import Supervisor

from codeinterp.raysupervisor.v1 import ray_supervisor_service_pb2 as pb
from codeinterp.raysupervisor.v1 import ray_supervisor_service_pb2_grpc as pb_grpc
from codeinterp_common.jobs.model import JobState
from codeinterp_common.jobs.store import JobStore

pytestmark = [pytest.mark.integration, pytest.mark.ray, pytest.mark.slow]

CODE = "import ray\nimport time\n\ntime.sleep(1.5)\nresult = 7\n"
State = pb.RayJob.State
TERMINAL = {State.SUCCEEDED, State.FAILED, State.CANCELLED}
RAY_ACTIVE = {"PENDING", "RUNNING"}


@pytest.fixture
def ray_env(ray_head):
    return {
        "CODEINTERP_RAY_ADDRESS": ray_head.config.address,
        "CODEINTERP_RAY_AUTH_TOKEN": ray_head.token,
        "CODEINTERP_POLL_INTERVAL_S": "0.25",
        "CODEINTERP_ENTRYPOINT_NUM_CPUS": "0.25",
    }


@pytest.fixture
def ray_jobs(ray_head):
    from ray.job_submission import JobSubmissionClient

    from codeinterp_ray_supervisor.adapters.local_head import auth_headers

    client = JobSubmissionClient(ray_head.config.address, headers=auth_headers(ray_head.token))
    return lambda: client.list_jobs()


class Jobs:
    def __init__(self) -> None:
        prefix = "kr" + secrets.token_hex(3)  # this test's jobs on the shared head
        self.prefix = prefix
        self.ids = {n: f"{prefix}-k{n}" for n in range(1, 6)}
        self.req = {n: str(uuid.uuid4()) for n in range(1, 6)}

    def create(self, sup: Supervisor, n: int, timeout: float = 60) -> pb.RayJob:
        request = pb.CreateRayJobRequest(
            ray_job=pb.RayJob(code=CODE), ray_job_id=self.ids[n], request_id=self.req[n]
        )
        return pb_grpc.RaySupervisorServiceStub(sup.channel).CreateRayJob(request, timeout=timeout)

    def get(self, sup: Supervisor, n: int) -> pb.RayJob:
        return pb_grpc.RaySupervisorServiceStub(sup.channel).GetRayJob(
            pb.GetRayJobRequest(name=f"rayJobs/{self.ids[n]}"), timeout=10
        )

    def wait_succeeded(self, sup: Supervisor, n: int, timeout: float = 180) -> pb.RayJob:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            job = self.get(sup, n)
            if job.state in TERMINAL:
                assert job.state == State.SUCCEEDED, (n, job.state_message, sup.tail())
                assert job.manifest.scalar.number_value == 7 or "7" in str(job.manifest.scalar), job.manifest
                return job
            time.sleep(0.2)
        raise AssertionError(f"{self.ids[n]} is still {State.Name(job.state)}: {sup.tail()}")

    def crash_on_create(self, sup: Supervisor, n: int) -> None:
        try:
            self.create(sup, n)
        except grpc.RpcError as err:  # died before answering
            assert err.code() in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.CANCELLED), err
        sup.wait_killed(180)

    def stored(self, sup: Supervisor, n: int):
        store = JobStore(sup.data_dir / "ray-jobs.sqlite")
        try:
            return store.find(self.ids[n])
        finally:
            store.close()


def test_kill9_ray_supervisor_at_five_points(tmp_path, ray_env, ray_jobs):
    jobs = Jobs()
    a, b, c = (Supervisor("codeinterp_ray_supervisor", tmp_path / d, ray_env) for d in "abc")
    t0 = time.monotonic()
    try:
        a.start(crash_at="before_record", crash_job=jobs.ids[1])
        a.wait_serving()
        jobs.crash_on_create(a, 1)
        assert jobs.stored(a, 1) is None

        a.start(crash_at="after_record_before_launch", crash_job=jobs.ids[2])
        a.wait_serving()
        jobs.crash_on_create(a, 2)
        assert jobs.stored(a, 2).state == JobState.PENDING
        print(f"\nruns A1, A2 done at {time.monotonic() - t0:.1f} s")

        def run_a3():
            a.start(crash_at="after_launch", crash_job=jobs.ids[3])
            a.wait_serving()
            with pytest.raises(grpc.RpcError) as missing:
                jobs.get(a, 1)
            assert missing.value.code() == grpc.StatusCode.NOT_FOUND
            assert jobs.create(a, 2).uid == jobs.stored(a, 2).uid  # the retry finds the recorded job
            assert jobs.create(a, 1).state == State.PENDING  # created now, by the retry
            jobs.wait_succeeded(a, 2)
            jobs.wait_succeeded(a, 1)
            jobs.crash_on_create(a, 3)
            k3 = jobs.stored(a, 3)
            assert (
                k3.state == JobState.RUNNING and not k3.backend_id
            )  # died between Ray's answer and our record

        def run_b1():
            b.start(crash_at="while_polling", crash_job=jobs.ids[4])
            b.wait_serving()
            jobs.crash_on_create(b, 4)
            assert jobs.stored(b, 4).state == JobState.RUNNING

        def run_c1():
            c.start(crash_at="while_writing_results", crash_job=jobs.ids[5])
            c.wait_serving()
            jobs.crash_on_create(c, 5)
            k5 = jobs.stored(c, 5)
            assert k5.state == JobState.RUNNING and k5.manifest is None  # the SUCCEEDED write was rolled back

        with ThreadPoolExecutor(3) as pool:
            for future in [pool.submit(run_a3), pool.submit(run_b1), pool.submit(run_c1)]:
                future.result()
        print(f"runs A3, B1, C1 done at {time.monotonic() - t0:.1f} s")

        def restart(sup: Supervisor, reattached: list[int], all_jobs: list[int]) -> None:
            sup.start()
            sup.wait_serving()
            for n in reattached:
                jobs.wait_succeeded(sup, n)
            for n in all_jobs:
                again, first = jobs.create(sup, n), jobs.get(sup, n)
                assert again.uid == first.uid and again.state == State.SUCCEEDED, (n, again)
            listed = pb_grpc.RaySupervisorServiceStub(sup.channel).ListRayJobs(
                pb.ListRayJobsRequest(page_size=100), timeout=10
            )
            assert sorted(j.name for j in listed.ray_jobs) == sorted(
                f"rayJobs/{jobs.ids[n]}" for n in all_jobs
            )
            sup.stop()

        with ThreadPoolExecutor(3) as pool:
            futures = [
                pool.submit(restart, a, [3], [1, 2, 3]),
                pool.submit(restart, b, [4], [4]),
                pool.submit(restart, c, [5], [5]),
            ]
            for future in futures:
                future.result()
        print(f"restarts done at {time.monotonic() - t0:.1f} s")

        ours = [j for j in ray_jobs() if (j.submission_id or "").startswith(jobs.prefix + "-")]
        assert sorted(j.submission_id for j in ours) == sorted(jobs.ids.values())  # each reached Ray once
        assert not [j.submission_id for j in ours if j.status.value in RAY_ACTIVE]  # nothing left running
        assert all((j.metadata or {}).get("codeinterp_job") == j.submission_id for j in ours)
    finally:
        for sup in (a, b, c):
            sup.stop()


def test_kill9_during_a_pooled_job_leaves_no_driver_and_the_job_runs_again(tmp_path, ray_env, ray_head):
    """The pooled path (small jobs on the supervisor's pooled driver): a kill -9 while the job
    runs takes the driver and the job's actor with it; the restarted supervisor runs the job
    again from the start and it SUCCEEDS, recorded once."""
    from durability_support import wait_no_processes_using

    env = dict(ray_env, CODEINTERP_RAY_GCS_ADDRESS=f"127.0.0.1:{ray_head.config.gcs_port}",
               CODEINTERP_RAY_DISPATCH="pool")
    jobs = Jobs()
    sup = Supervisor("codeinterp_ray_supervisor", tmp_path / "pooled", env)
    try:
        sup.start(crash_at="while_polling", crash_job=jobs.ids[1])
        sup.wait_serving()
        jobs.crash_on_create(sup, 1)
        stored = jobs.stored(sup, 1)
        assert stored.state == JobState.RUNNING and stored.backend_id == f"pool/{jobs.ids[1]}"
        left = wait_no_processes_using(sup.data_dir / "ray-pool", 30)
        assert not left, left  # the pooled driver died with the supervisor

        sup.start()
        sup.wait_serving()
        jobs.wait_succeeded(sup, 1)
        again = jobs.create(sup, 1)  # a retried create returns the same, finished job
        assert again.uid == stored.uid and again.state == State.SUCCEEDED
        store = JobStore(sup.data_dir / "ray-jobs.sqlite")
        try:
            lines = [e.value for e in store.events(jobs.ids[1], 0, 1000) if e.kind == "log"]
        finally:
            store.close()
        assert any("running it again" in line for line in lines), lines
    finally:
        sup.stop()
