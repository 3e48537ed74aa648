"""spark-supervisor bootstrap: configuration, wiring, server. No business rules here."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import grpc

from codeinterp.codegen.v1 import codegen_service_pb2 as cg
from codeinterp.codegen.v1 import codegen_service_pb2_grpc as cg_grpc
from codeinterp.sparksupervisor.v1 import spark_supervisor_service_pb2 as pb
from codeinterp.sparksupervisor.v1 import spark_supervisor_service_pb2_grpc as pb_grpc
from codeinterp_common.clients import service_channel
from codeinterp_common.config import from_env
from codeinterp_common.db import database_settings
from codeinterp_common.errors import from_rpc_error
from codeinterp_common.jobs.manager import JobManager
from codeinterp_common.jobs.service import JobService
from codeinterp_common.jobs.store import open_job_store
from codeinterp_common.runtime import main_entry, run_service
from codeinterp_common.server import ServiceSpec
from codeinterp_spark_supervisor.adapters.engine import LocalEngine, embedded_platform
from codeinterp_spark_supervisor.adapters.local_executor import InputSpec, LocalSparkExecutor
from codeinterp_spark_supervisor.config import SparkSupervisorSettings
from codeinterp_spark_supervisor.export import render_standalone_script
from codeinterp_spark_supervisor.servicer import DOMAIN, SERVICE, SparkSupervisorServicer

log = logging.getLogger(__name__)


def make_generate(stub: cg_grpc.CodegenServiceStub, timeout: float):
    async def generate(request: cg.GenerateCodeRequest) -> cg.GenerateCodeResponse:
        try:
            return await stub.GenerateCode(request, timeout=timeout)
        except grpc.aio.AioRpcError as err:
            raise from_rpc_error(err) from None

    return generate


async def serve(settings: SparkSupervisorSettings) -> None:
    data_dir = Path(settings.data_dir).resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    data_dir.chmod(0o711)  # job dirs below are opened to the job's unprivileged user one by one
    executor = LocalSparkExecutor(
        data_dir / "engine",
        pool_size=settings.spark_pool_size,
        connect_port=settings.spark_connect_port,
        run_as_user=settings.spark_run_as_user or None,
        engine_user=settings.spark_engine_user or None,
        hide_paths=[str(data_dir / "jobs.db")],
        driver_memory=settings.spark_driver_memory,
    )
    engine = LocalEngine(executor, default_timeout_s=settings.job_timeout_s, default_preview_rows=settings.preview_rows)
    store = open_job_store(database_settings().database_url, data_dir / "jobs.db", namespace="spark")
    aws_runtime = aws_settings = None
    if settings.mode == "aws":  # Lambda / EMR Serverless (issue 5); the embedded default never gets here
        from codeinterp_common.aws import AwsSettings
        from codeinterp_spark_supervisor.aws_mode import build_aws_runtime

        aws_settings = from_env(AwsSettings)
        aws_runtime = build_aws_runtime(
            settings,
            aws_settings,
            local_engine=engine,
            local_status=lambda: "ready" if getattr(executor, "is_ready", lambda: False)() else "starting",
            store=lambda: store,
        )
    engine_for = aws_runtime.engine_for if aws_runtime is not None else (lambda job: engine)
    manager = JobManager(store, engine_for, id_prefix="spark", cancel_deadline_s=settings.cancel_deadline_s)
    channel = service_channel(settings.codegen_addr, settings)  # service token / mTLS from settings
    jobs = JobService(
        "spark",
        manager,
        make_generate(cg_grpc.CodegenServiceStub(channel), settings.codegen_timeout_s),
        choose_platform=aws_runtime.choose_platform if aws_runtime is not None else embedded_platform,
        max_code_chars=settings.max_code_chars,
        max_active_jobs_per_owner=settings.quota_active_jobs,
    )

    def platform_status():
        if aws_runtime is not None:  # GetFunctionConfiguration / GetApplication: off the event loop
            return asyncio.to_thread(aws_runtime.platform_status)
        ready = executor.is_ready() if hasattr(executor, "is_ready") else False
        return pb.PlatformStatus(
            local_status="ready" if ready else "starting",
            lambda_status="not_configured",
            emr_status="not_configured",
            mode=settings.mode,
            detail="embedded default: Lambda and EMR Serverless need CODEINTERP_MODE=aws",
        )

    def spark_config() -> pb.SparkConfig:
        config = pb.SparkConfig(
            max_retries=settings.max_attempts,
            result_preview_rows=settings.preview_rows,
            mode=settings.mode,
            model_id="plan-v1",
            file_size_threshold_mb=settings.file_size_threshold_mb,
        )
        if aws_settings is not None:
            config.s3_bucket = aws_settings.aws_bucket
            config.region = aws_settings.aws_region
            config.lambda_function = settings.lambda_function
            config.emr_application_id = settings.emr_application_id
            config.lambda_timeout_seconds = int(settings.lambda_timeout_s)
            config.emr_timeout_minutes = int(settings.emr_timeout_s // 60)
        return config

    def export(code: str, inputs) -> str:
        return render_standalone_script(code, {i.name: InputSpec.from_proto(i) for i in inputs})

    servicer = SparkSupervisorServicer(
        jobs,
        export=export,
        platform_status=platform_status,
        spark_config=spark_config,
        default_max_attempts=settings.max_attempts,
    )

    async def started(_running) -> None:
        if aws_runtime is not None and not aws_runtime.uses_local:
            return  # AWS mode without LOCAL: no local Spark at all
        await executor.start()  # warms the JVM and the worker pool in the background

    # Reconcile before the server accepts work: only jobs of an earlier process are touched.
    count = await manager.reconcile()
    if count:
        log.info("reconciled unfinished jobs", extra={"jobs": count})

    async def stopping() -> None:
        await manager.close()
        await executor.close()
        await channel.close()
        store.close()

    specs = [ServiceSpec(servicer, pb_grpc.add_SparkSupervisorServiceServicer_to_server, SERVICE.full_name)]
    await run_service("spark-supervisor", settings, specs, domain=DOMAIN, on_started=started, on_stopping=stopping)


def main() -> None:
    settings = from_env(SparkSupervisorSettings)
    main_entry("spark-supervisor", lambda: serve(settings), settings)


if __name__ == "__main__":
    main()
