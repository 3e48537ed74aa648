"""ray-supervisor gRPC servicer: proto in, proto out; job rules live in the shared JobService."""

from __future__ import annotations

from collections.abc import AsyncIterator

from google.api import httpbody_pb2

from codeinterp.common.v1 import types_pb2 as t
from codeinterp.raysupervisor.v1 import ray_supervisor_service_pb2 as pb
from codeinterp.raysupervisor.v1 import ray_supervisor_service_pb2_grpc as pb_grpc
from codeinterp_common.errors import InvalidArgument
from codeinterp_common.jobs import api
from codeinterp_common.jobs.service import JobService
from codeinterp_common.jobs.solve import SolveSpec
from codeinterp_ray_supervisor.domain.cluster import ClusterService
from codeinterp_ray_supervisor.domain.export import render_script

DOMAIN = "raysupervisor.codeinterp.dev"
SERVICE = pb.DESCRIPTOR.services_by_name["RaySupervisorService"]
COLLECTION = "rayJobs"


class RaySupervisorServicer(pb_grpc.RaySupervisorServiceServicer):
    def __init__(self, jobs: JobService, cluster: ClusterService, *, default_max_attempts: int = 3) -> None:
        self.jobs = jobs
        self.cluster = cluster
        self.default_max_attempts = default_max_attempts

    def _proto(self, job) -> pb.RayJob:
        return api.job_to_proto(job, pb.RayJob, COLLECTION)

    async def ValidateCode(self, request: pb.ValidateCodeRequest, context) -> pb.ValidateCodeResponse:
        return pb.ValidateCodeResponse(report=self.jobs.validate(request.code, list(request.inputs), request.workflow))

    async def CreateRayJob(self, request: pb.CreateRayJobRequest, context) -> pb.RayJob:
        spec = request.ray_job
        job, _created = await self.jobs.create(
            code=spec.code,
            inputs=list(spec.inputs),
            limits=spec.limits,
            session=spec.session,
            labels=dict(spec.labels),
            job_id=request.ray_job_id,
            request_id=request.request_id,
        )
        return self._proto(job)

    async def GetRayJob(self, request: pb.GetRayJobRequest, context) -> pb.RayJob:
        return self._proto(self.jobs.manager.get(api.job_id_from_name(request.name, COLLECTION)))

    async def ListRayJobs(self, request: pb.ListRayJobsRequest, context) -> pb.ListRayJobsResponse:
        jobs, token = self.jobs.manager.list(
            page_size=request.page_size, page_token=request.page_token, session=request.session
        )
        return pb.ListRayJobsResponse(ray_jobs=[self._proto(j) for j in jobs], next_page_token=token)

    async def CancelRayJob(self, request: pb.CancelRayJobRequest, context) -> pb.RayJob:
        if request.name:
            job_id = api.job_id_from_name(request.name, COLLECTION)
        elif request.job_id:  # the seed's POST /ray/jobs/{job_id}/stop: the submission id is our job id
            job_id = api.job_id_from_name(f"{COLLECTION}/{request.job_id}", COLLECTION, field="job_id")
        else:
            raise InvalidArgument("name or job_id is required", field="name")
        return self._proto(await self.jobs.manager.cancel(job_id))

    async def WatchRayJob(self, request: pb.WatchRayJobRequest, context) -> AsyncIterator[t.JobEvent]:
        job_id = api.job_id_from_name(request.name, COLLECTION)
        async for event in self.jobs.manager.watch(job_id):
            yield api.event_to_proto(event, request.name)

    async def ListResultRows(self, request: pb.ListResultRowsRequest, context) -> pb.ListResultRowsResponse:
        job = self.jobs.manager.get(api.job_id_from_name(request.name, COLLECTION))
        schema, rows, token, total = api.result_rows_page(job, request.page_size, request.page_token)
        return pb.ListResultRowsResponse(schema=schema, rows=rows, next_page_token=token, total_row_count=total)

    async def ExportRayJob(self, request: pb.ExportRayJobRequest, context) -> httpbody_pb2.HttpBody:
        job = self.jobs.manager.get(api.job_id_from_name(request.name, COLLECTION))
        script = render_script(job.id, job.code, api.decode_inputs(job.inputs))
        return httpbody_pb2.HttpBody(content_type="text/x-python; charset=utf-8", data=script.encode())

    async def Solve(self, request: pb.SolveRequest, context) -> AsyncIterator[t.SolveEvent]:
        spec = SolveSpec(
            framework=t.RAY,
            prompt=request.prompt,
            inputs=list(request.inputs),
            workflow=request.workflow,
            code=request.code,
            max_attempts=request.max_attempts or self.default_max_attempts,
            session=request.session,
            request_id=request.request_id,
            provider=request.provider,
            model=request.model,
            limits=request.limits,
        )
        if not spec.code and not spec.prompt.strip():
            raise InvalidArgument("prompt is required unless code is set", field="prompt")
        async for event in self.jobs.solve(spec):
            yield event

    async def GetClusterStatus(self, request: pb.GetClusterStatusRequest, context) -> pb.ClusterStatus:
        return await self.cluster.status()

    async def ScaleWorkerGroup(self, request: pb.ScaleWorkerGroupRequest, context) -> pb.WorkerGroup:
        return await self.cluster.scale(request.group_name, request.replicas)
