"""spark-supervisor gRPC servicer: proto in, proto out; the rules live in the shared JobService."""

from __future__ import annotations

import inspect
from collections.abc import AsyncIterator, Awaitable, Callable

from google.api import httpbody_pb2

from codeinterp.common.v1 import types_pb2 as t
from codeinterp.sparksupervisor.v1 import spark_supervisor_service_pb2 as pb
from codeinterp.sparksupervisor.v1 import spark_supervisor_service_pb2_grpc as pb_grpc
from codeinterp_common.jobs import api
from codeinterp_common.jobs.service import JobService
from codeinterp_common.jobs.solve import SolveSpec

DOMAIN = "sparksupervisor.codeinterp.dev"
SERVICE = pb.DESCRIPTOR.services_by_name["SparkSupervisorService"]
COLLECTION = "sparkJobs"


class SparkSupervisorServicer(pb_grpc.SparkSupervisorServiceServicer):
    def __init__(
        self,
        jobs: JobService,
        *,
        export: Callable[[str, list[t.ExecutionInput]], str],
        platform_status: Callable[[], pb.PlatformStatus | Awaitable[pb.PlatformStatus]],
        spark_config: Callable[[], pb.SparkConfig],
        default_max_attempts: int = 3,
    ) -> None:
        self.jobs = jobs
        self.export = export
        self.platform_status = platform_status
        self.spark_config = spark_config
        self.default_max_attempts = default_max_attempts

    def _proto(self, job) -> pb.SparkJob:
        return api.job_to_proto(job, pb.SparkJob, COLLECTION)

    async def ValidateCode(self, request: pb.ValidateCodeRequest, context) -> pb.ValidateCodeResponse:
        return pb.ValidateCodeResponse(report=self.jobs.validate(request.code, list(request.inputs), request.workflow))

    async def CreateSparkJob(self, request: pb.CreateSparkJobRequest, context) -> pb.SparkJob:
        spec = request.spark_job
        job, _created = await self.jobs.create(
            code=spec.code,
            inputs=list(spec.inputs),
            platform=spec.execution_platform,
            limits=spec.limits,
            session=spec.session,
            labels=dict(spec.labels),
            job_id=request.spark_job_id,
            request_id=request.request_id,
        )
        return self._proto(job)

    async def GetSparkJob(self, request: pb.GetSparkJobRequest, context) -> pb.SparkJob:
        return self._proto(self.jobs.manager.get(api.job_id_from_name(request.name, COLLECTION)))

    async def ListSparkJobs(self, request: pb.ListSparkJobsRequest, context) -> pb.ListSparkJobsResponse:
        jobs, token = self.jobs.manager.list(
            page_size=request.page_size, page_token=request.page_token, session=request.session
        )
        return pb.ListSparkJobsResponse(spark_jobs=[self._proto(j) for j in jobs], next_page_token=token)

    async def CancelSparkJob(self, request: pb.CancelSparkJobRequest, context) -> pb.SparkJob:
        return self._proto(await self.jobs.manager.cancel(api.job_id_from_name(request.name, COLLECTION)))

    async def WatchSparkJob(self, request: pb.WatchSparkJobRequest, context) -> AsyncIterator[t.JobEvent]:
        job_id = api.job_id_from_name(request.name, COLLECTION)
        async for event in self.jobs.manager.watch(job_id):
            yield api.event_to_proto(event, request.name)

    async def ListResultRows(self, request: pb.ListResultRowsRequest, context) -> pb.ListResultRowsResponse:
        job = self.jobs.manager.get(api.job_id_from_name(request.name, COLLECTION))
        schema, rows, token, total = api.result_rows_page(job, request.page_size, request.page_token)
        return pb.ListResultRowsResponse(schema=schema, rows=rows, next_page_token=token, total_row_count=total)

    async def ExportSparkJob(self, request: pb.ExportSparkJobRequest, context) -> httpbody_pb2.HttpBody:
        job = self.jobs.manager.get(api.job_id_from_name(request.name, COLLECTION))
        script = self.export(job.code, api.decode_inputs(job.inputs))
        return httpbody_pb2.HttpBody(content_type="text/x-python; charset=utf-8", data=script.encode())

    async def Solve(self, request: pb.SolveRequest, context) -> AsyncIterator[t.SolveEvent]:
        spec = SolveSpec(
            framework=t.SPARK,
            prompt=request.prompt,
            inputs=list(request.inputs),
            workflow=request.workflow,
            code=request.code,
            max_attempts=request.max_attempts or self.default_max_attempts,
            session=request.session,
            request_id=request.request_id,
            provider=request.provider,
            model=request.model,
            platform=request.execution_platform,
            limits=request.limits,
        )
        async for event in self.jobs.solve(spec):
            yield event

    async def GetPlatformStatus(self, request, context) -> pb.PlatformStatus:
        status = self.platform_status()
        return await status if inspect.isawaitable(status) else status  # AWS mode asks AWS off the loop

    async def GetSparkConfig(self, request, context) -> pb.SparkConfig:
        return self.spark_config()
