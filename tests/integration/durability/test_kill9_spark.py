"""kill -9 of the spark-supervisor at five points of a job's life.

The supervisor is a real process; `CODEINTERP_FAULT_CRASH_AT` + `CODEINTERP_FAULT_CRASH_JOB`
make it SIGKILL itself at one point of one job (codeinterp_common.faults). Local Spark workers
die with the supervisor, so a job that was launched cannot be re-attached: the restarted
supervisor fails it with a clear reason. A job that was recorded but never launched is launched
by the restart; a create that died before its record is created by the client's retry.

  data dir A  run 1  crash before_record (k1)                → nothing recorded
              run 2  crash after_record_before_launch (k2)   → k2 PENDING
              run 3  reconcile launches k2 → SUCCEEDED; retried k1 → created → SUCCEEDED;
                     crash after_launch (k3)                 → k3's worker was told to run
  data dir B  run 1  crash while_polling (k4)                → k4 running, watched
  data dir C  run 1  crash while_writing_results (k5)        → inside the terminal write's transaction
  then every dir restarts without a fault: k3, k4, k5 FAILED ("restarted"), k5's half-written
  SUCCEEDED rolled back; each retried create returns the same job; job counts are exact.

Runs A3, B1 and C1 each need a warm Spark engine (a JVM): they run at the same time. After
every death no process of that supervisor (worker, Connect launcher, JVM) is left.
"""

from __future__ import annotations

import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import grpc
import pytest
from durability_support import Supervisor, wait_no_processes_using

from codeinterp.sparksupervisor.v1 import spark_supervisor_service_pb2 as pb
from codeinterp.sparksupervisor.v1 import spark_supervisor_service_pb2_grpc as pb_grpc
from codeinterp_common.jobs.model import JobState
from codeinterp_common.jobs.store import JobStore

pytestmark = [pytest.mark.integration, pytest.mark.spark, pytest.mark.slow]

CODE = "result = spark.range(200000).selectExpr('sum(id) AS s')\n"
# k4 must still run when the supervisor polls it (every 0.25 s): seconds of work on any machine
LONG_CODE = "result = spark.range(0, 10**9, 1, 2).selectExpr('sum(id * 7 % 13) AS s')\n"
State = pb.SparkJob.State
TERMINAL = {State.SUCCEEDED, State.FAILED, State.CANCELLED}
ENV = {
    "CODEINTERP_SPARK_POOL_SIZE": "1",
    "CODEINTERP_SPARK_DRIVER_MEMORY": "512m",
    "SPARK_LOCAL_IP": "127.0.0.1",
}
NO_WORKERS = {"CODEINTERP_SPARK_POOL_SIZE": "0"}  # runs that never launch a job skip warming workers
IDS = {n: f"kill-k{n}" for n in range(1, 6)}
REQ = {n: str(uuid.uuid4()) for n in range(1, 6)}


def stub(sup: Supervisor) -> pb_grpc.SparkSupervisorServiceStub:
    return pb_grpc.SparkSupervisorServiceStub(sup.channel)


def create(sup: Supervisor, n: int, timeout: float = 60) -> pb.SparkJob:
    code = LONG_CODE if n == 4 else CODE
    request = pb.CreateSparkJobRequest(
        spark_job=pb.SparkJob(code=code), spark_job_id=IDS[n], request_id=REQ[n]
    )
    return stub(sup).CreateSparkJob(request, timeout=timeout)


def get(sup: Supervisor, n: int) -> pb.SparkJob:
    return stub(sup).GetSparkJob(pb.GetSparkJobRequest(name=f"sparkJobs/{IDS[n]}"), timeout=10)


def wait_terminal(sup: Supervisor, n: int, timeout: float = 240) -> pb.SparkJob:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = get(sup, n)
        if job.state in TERMINAL:
            return job
        time.sleep(0.2)
    raise AssertionError(f"{IDS[n]} is still {State.Name(job.state)}: {sup.tail()}")


def crash_on_create(sup: Supervisor, n: int, timeout: float = 240) -> None:
    """The create dies with the process (UNAVAILABLE) or returns before the crash point."""
    try:
        create(sup, n)
    except grpc.RpcError as err:
        assert err.code() in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.CANCELLED), err
    sup.wait_killed(timeout)
    left = wait_no_processes_using(sup.data_dir)
    assert not left, f"processes of the killed supervisor are still alive: {left}"


def stored(sup: Supervisor, n: int):
    """What the dead supervisor left in its store (read directly, between the runs)."""
    store = JobStore(sup.data_dir / "jobs.db")
    try:
        return store.find(IDS[n])
    finally:
        store.close()


def listed(sup: Supervisor) -> list[pb.SparkJob]:
    return list(stub(sup).ListSparkJobs(pb.ListSparkJobsRequest(page_size=100), timeout=10).spark_jobs)


def restart_and_check(sup: Supervisor, failed: list[int], all_jobs: list[int]) -> None:
    sup.start(env=NO_WORKERS)  # every job is terminal after reconcile: nothing will run
    sup.wait_serving()
    for n in failed:  # launched jobs of the dead process: failed by reconcile, with the reason
        job = get(sup, n)
        assert job.state == State.FAILED, (n, job)
        assert "supervisor restarted" in job.state_message and "re-attached" in job.state_message, job
    for n in all_jobs:  # the client's retry after the restart returns the same job
        again, first = create(sup, n), get(sup, n)
        assert again.uid == first.uid and again.state in TERMINAL, (n, again)
    jobs = listed(sup)
    assert sorted(j.name for j in jobs) == sorted(f"sparkJobs/{IDS[n]}" for n in all_jobs)  # no duplicates
    assert all(j.state in TERMINAL for j in jobs)
    sup.stop()
    left = wait_no_processes_using(sup.data_dir)
    assert not left, f"processes left after the supervisor stopped: {left}"


def test_kill9_spark_supervisor_at_five_points(tmp_path):
    a = Supervisor("codeinterp_spark_supervisor", tmp_path / "a", ENV)
    b = Supervisor("codeinterp_spark_supervisor", tmp_path / "b", ENV)
    c = Supervisor("codeinterp_spark_supervisor", tmp_path / "c", ENV)
    t0 = time.monotonic()
    try:
        a.start(crash_at="before_record", crash_job=IDS[1], env=NO_WORKERS)
        a.wait_serving()
        crash_on_create(a, 1)
        assert stored(a, 1) is None

        a.start(crash_at="after_record_before_launch", crash_job=IDS[2], env=NO_WORKERS)
        a.wait_serving()
        crash_on_create(a, 2)
        assert stored(a, 2).state == JobState.PENDING
        print(f"\nruns A1, A2 done at {time.monotonic() - t0:.1f} s")

        def run_a3():
            a.start(crash_at="after_launch", crash_job=IDS[3], env={"CODEINTERP_SPARK_POOL_SIZE": "2"})
            a.wait_serving()
            with pytest.raises(grpc.RpcError) as missing:
                get(a, 1)
            assert missing.value.code() == grpc.StatusCode.NOT_FOUND
            assert create(a, 2).uid == stored(a, 2).uid  # the retry finds the recorded job
            k1 = create(a, 1)  # created now, by the retry
            assert k1.state == State.PENDING
            for n in (2, 1):
                done = wait_terminal(a, n)
                assert done.state == State.SUCCEEDED, done.state_message
            crash_on_create(a, 3)
            assert stored(a, 3).state == JobState.RUNNING

        def run_b1():
            b.start(crash_at="while_polling", crash_job=IDS[4])
            b.wait_serving()
            crash_on_create(b, 4)
            assert stored(b, 4).state == JobState.RUNNING

        def run_c1():
            c.start(crash_at="while_writing_results", crash_job=IDS[5])
            c.wait_serving()
            crash_on_create(c, 5)
            k5 = stored(c, 5)
            assert k5.state == JobState.RUNNING and k5.manifest is None  # the SUCCEEDED write was rolled back

        with ThreadPoolExecutor(3) as pool:
            for future in [pool.submit(run_a3), pool.submit(run_b1), pool.submit(run_c1)]:
                future.result()
        print(f"runs A3, B1, C1 done at {time.monotonic() - t0:.1f} s")

        with ThreadPoolExecutor(3) as pool:
            futures = [
                pool.submit(restart_and_check, a, [3], [1, 2, 3]),
                pool.submit(restart_and_check, b, [4], [4]),
                pool.submit(restart_and_check, c, [5], [5]),
            ]
            for future in futures:
                future.result()
        print(f"restarts done at {time.monotonic() - t0:.1f} s")
    finally:
        for sup in (a, b, c):
            sup.stop()
