"""Issue 7: 50 parallel identical creates with one request_id → exactly one backend job, on each
backend of the running stack (real spark-supervisor and ray-supervisor processes over gRPC).

For each supervisor: 50 concurrent Create*Job calls with the same request_id and payload all
return the same job; ListJobs (filtered by a session unique to the test) shows exactly one
job; the backend ran it once —
* Spark: the job's event stream has exactly one RUNNING transition and the job's code printed
  its marker line exactly once (a second run, under any job, would print it again; the
  session filter would show a second job);
* Ray: the stack's ray-supervisor runs a small job on its pooled driver: the job's marker line
  is printed exactly once, its backend id names the pool, and the Ray Jobs API of the local
  head holds no submission for it (it never ran both ways). The Jobs API path's exactly-once
  (submission id = job id) is checked by tests/integration/ray_supervisor and durability/.
The same request_id with a different payload is refused with ALREADY_EXISTS, reason
REQUEST_ID_REUSED (the documented behaviour of Create*Job), and starts nothing.
"""

from __future__ import annotations

import asyncio
import json
import time
import urllib.error
import urllib.request
import uuid

import grpc
import pytest
from google.rpc import error_details_pb2
from grpc_status import rpc_status

from codeinterp.raysupervisor.v1 import ray_supervisor_service_pb2 as ray_pb
from codeinterp.raysupervisor.v1 import ray_supervisor_service_pb2_grpc as ray_grpc
from codeinterp.sparksupervisor.v1 import spark_supervisor_service_pb2 as spark_pb
from codeinterp.sparksupervisor.v1 import spark_supervisor_service_pb2_grpc as spark_grpc

pytestmark = [pytest.mark.integration, pytest.mark.ray]

N = 50


def reason_of(err: grpc.aio.AioRpcError) -> str:
    status = rpc_status.from_call(err)
    for d in status.details if status is not None else []:
        if d.Is(error_details_pb2.ErrorInfo.DESCRIPTOR):
            info = error_details_pb2.ErrorInfo()
            d.Unpack(info)
            return info.reason
    return ""


async def watch(stub_watch, request, timeout: float) -> list:
    events = []
    async for event in stub_watch(request, timeout=timeout):
        events.append(event)
    return events


async def test_spark_fifty_parallel_creates_run_once(stack):
    marker = f"run-marker-{uuid.uuid4().hex}"
    session = f"sessions/par-{uuid.uuid4().hex[:12]}"
    request_id = str(uuid.uuid4())
    code = f'print("{marker}")\nresult = spark.range(3).count()\n'
    async with grpc.aio.insecure_channel(f"127.0.0.1:{stack.ports['spark']}") as channel:
        stub = spark_grpc.SparkSupervisorServiceStub(channel)
        req = spark_pb.CreateSparkJobRequest(
            spark_job=spark_pb.SparkJob(code=code, session=session), request_id=request_id
        )
        jobs = await asyncio.gather(*[stub.CreateSparkJob(req, timeout=60) for _ in range(N)])
        names = {j.name for j in jobs}
        assert len(names) == 1, names
        name = names.pop()
        assert len({j.uid for j in jobs}) == 1

        # same request_id, different payload: refused, nothing new
        other = spark_pb.CreateSparkJobRequest(
            spark_job=spark_pb.SparkJob(code=code.replace("range(3)", "range(4)"), session=session),
            request_id=request_id,
        )
        with pytest.raises(grpc.aio.AioRpcError) as refused:
            await stub.CreateSparkJob(other, timeout=30)
        assert refused.value.code() == grpc.StatusCode.ALREADY_EXISTS
        assert reason_of(refused.value) == "REQUEST_ID_REUSED"

        # the first job waits for the warm Spark engine when this test runs first
        events = await watch(stub.WatchSparkJob, spark_pb.WatchSparkJobRequest(name=name), timeout=300)
        done = await stub.GetSparkJob(spark_pb.GetSparkJobRequest(name=name), timeout=10)
        listed = await stub.ListSparkJobs(spark_pb.ListSparkJobsRequest(session=session), timeout=10)

    assert done.state == spark_pb.SparkJob.SUCCEEDED, done.state_message
    assert [j.name for j in listed.spark_jobs] == [name]
    states = [e.state for e in events if e.WhichOneof("event") == "state"]
    assert states.count("RUNNING") == 1 and states[-1] == "SUCCEEDED", states
    assert sum(marker in e.log_line for e in events if e.WhichOneof("event") == "log_line") == 1
    assert done.backend_id  # the one local worker that ran it


def ray_jobs_api(stack, dashboard_url: str) -> list[dict]:
    """Every submission the supervisor's local Ray head knows (Jobs REST API, bearer token)."""
    token = (stack.tmp / "ray-supervisor" / "ray" / "auth_token").read_text().strip()
    req = urllib.request.Request(
        dashboard_url.rstrip("/") + "/api/jobs/", headers={"Authorization": f"Bearer {token}"}
    )
    for attempt in range(15):  # the head's dashboard can stall for a while on a busy machine
        try:
            with urllib.request.urlopen(req, timeout=20) as resp:
                return json.loads(resp.read())
        except urllib.error.URLError:
            if attempt == 14:
                raise
            time.sleep(2)
    raise AssertionError("unreachable")


async def wait_connected(stack, stub, timeout: float = 240):
    """The supervisor's local Ray head starts in the background (slow on a busy machine): this
    test is about idempotency, so it starts once the cluster answers (as test_seed_ray_routes)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        status = await stub.GetClusterStatus(ray_pb.GetClusterStatusRequest(), timeout=30)
        if status.status == "connected" or asyncio.get_running_loop().time() > deadline:
            break
        await asyncio.sleep(1)
    log = stack.tmp / "ray-supervisor" / "ray" / "head.log"
    assert status.status == "connected", (status, log.read_text()[-3000:] if log.exists() else "no head.log")
    return status


async def test_ray_fifty_parallel_creates_submit_once(stack):
    marker = f"run-marker-{uuid.uuid4().hex}"
    session = f"sessions/par-{uuid.uuid4().hex[:12]}"
    request_id = str(uuid.uuid4())
    code = f'import ray\n\nprint("{marker}")\nresult = 6 * 7\n'
    async with grpc.aio.insecure_channel(f"127.0.0.1:{stack.ports['ray']}") as channel:
        stub = ray_grpc.RaySupervisorServiceStub(channel)
        cluster = await wait_connected(stack, stub)
        req = ray_pb.CreateRayJobRequest(
            ray_job=ray_pb.RayJob(code=code, session=session), request_id=request_id
        )
        jobs = await asyncio.gather(*[stub.CreateRayJob(req, timeout=60) for _ in range(N)])
        names = {j.name for j in jobs}
        assert len(names) == 1, names
        name = names.pop()

        other = ray_pb.CreateRayJobRequest(
            ray_job=ray_pb.RayJob(code=code.replace("6 * 7", "6 * 8"), session=session), request_id=request_id
        )
        with pytest.raises(grpc.aio.AioRpcError) as refused:
            await stub.CreateRayJob(other, timeout=30)
        assert refused.value.code() == grpc.StatusCode.ALREADY_EXISTS
        assert reason_of(refused.value) == "REQUEST_ID_REUSED"

        events = await watch(stub.WatchRayJob, ray_pb.WatchRayJobRequest(name=name), timeout=300)
        done = await stub.GetRayJob(ray_pb.GetRayJobRequest(name=name), timeout=10)
        listed = await stub.ListRayJobs(ray_pb.ListRayJobsRequest(session=session), timeout=10)

    # exactly once first (what this test is about), then the job's own outcome
    assert [j.name for j in listed.ray_jobs] == [name]
    job_id = name.removeprefix("rayJobs/")
    states = [e.state for e in events if e.WhichOneof("event") == "state"]
    assert states.count("RUNNING") == 1, states
    submissions = await asyncio.to_thread(ray_jobs_api, stack, cluster.dashboard_url)
    mine = [s for s in submissions if (s.get("metadata") or {}).get("session") == session]
    assert done.backend_id == f"pool/{job_id}"  # small job: the pooled driver ran it
    assert sum(marker in e.log_line for e in events if e.WhichOneof("event") == "log_line") == 1
    assert [s.get("submission_id") for s in submissions].count(job_id) == 0 and not mine
    assert done.state == ray_pb.RayJob.SUCCEEDED, done.state_message
