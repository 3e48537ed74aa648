"""spark-supervisor wiring for `mode=aws`: Lambda and EMR Serverless engines, the router,
escalation, and the platform status. Only built when the mode is `aws`; the embedded default
never imports boto3 through here."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from codeinterp.sparksupervisor.v1 import spark_supervisor_service_pb2 as pb
from codeinterp_common.aws import AwsSettings, aws_client
from codeinterp_common.errors import FailedPrecondition
from codeinterp_common.jobs.model import JobRecord
from codeinterp_spark_supervisor.adapters.emr_engine import EmrServerlessEngine, PollSettings
from codeinterp_spark_supervisor.adapters.routing import (
    EMR,
    LAMBDA,
    LOCAL,
    MB,
    EscalatingEngine,
    Router,
    RoutingPolicy,
    S3GlueSizer,
)
from codeinterp_spark_supervisor.config import SparkSupervisorSettings

log = logging.getLogger(__name__)

STATUS_TTL_S = 5.0


def lambda_function_status(lambda_client, function_name: str) -> tuple[str, str]:
    """('ready' | 'not_ready' | 'error', detail) from GetFunctionConfiguration (the least privilege
    that tells the state: GetFunction would also hand out the code's download URL): State Active
    and LastUpdateStatus not InProgress/Failed is ready."""
    try:
        config = lambda_client.get_function_configuration(FunctionName=function_name)
    except Exception as exc:  # noqa: BLE001 - reported, never raised
        code = (getattr(exc, "response", None) or {}).get("Error", {}).get("Code", type(exc).__name__)
        return "error", f"Lambda {function_name}: {code}"
    state = config.get("State", "")
    update = config.get("LastUpdateStatus", "")
    detail = f"Lambda {function_name} {state or 'unknown state'}, last update {update or 'n/a'}"
    if state == "Active" and update not in ("InProgress", "Failed"):
        return "ready", detail
    return "not_ready", detail


@dataclass
class AwsRuntime:
    engine_for: Callable[[JobRecord], object]
    choose_platform: Router
    platform_status: Callable[[], pb.PlatformStatus]
    lambda_engine: object | None
    emr_engine: EmrServerlessEngine | None
    uses_local: bool


def build_aws_runtime(
    settings: SparkSupervisorSettings,
    aws: AwsSettings,
    *,
    local_engine,
    local_status: Callable[[], str],
    store: Callable[[], object],
) -> AwsRuntime:
    """Engines and routing for `mode=aws`. `store()` returns the job store (backend ids and
    escalations are recorded on the job as they happen)."""
    if not aws.aws_bucket:
        raise ValueError("mode=aws needs CODEINTERP_AWS_BUCKET")
    if not settings.lambda_function and not settings.emr_application_id:
        raise ValueError("mode=aws needs CODEINTERP_LAMBDA_FUNCTION and/or CODEINTERP_EMR_APPLICATION_ID")
    s3 = aws_client("s3", aws)

    def record(job_id: str, **fields) -> None:
        store().update_fields(job_id, **fields)

    emr_engine = None
    emr_client = None
    if settings.emr_application_id:
        if not settings.emr_execution_role_arn:
            raise ValueError(
                "CODEINTERP_EMR_EXECUTION_ROLE_ARN is required with CODEINTERP_EMR_APPLICATION_ID"
            )
        emr_client = aws_client("emr-serverless", aws)
        emr_engine = EmrServerlessEngine(
            emr_client,
            s3,
            aws,
            settings.emr_application_id,
            settings.emr_execution_role_arn,
            settings.emr_spark_submit_parameters,
            default_timeout_s=settings.emr_timeout_s,
            start_timeout_s=settings.emr_start_timeout_s,
            default_preview_rows=settings.preview_rows,
            poll=PollSettings(initial_s=settings.emr_poll_initial_s, max_s=settings.emr_poll_max_s),
            record_backend_id=lambda job_id, run_id: record(job_id, backend_id=run_id),
        )
    lambda_engine = None
    lambda_status_client = None
    if settings.lambda_function:
        from codeinterp_spark_supervisor.adapters.lambda_engine import LambdaEngine, is_function_limit

        lambda_engine = LambdaEngine(
            aws,
            settings.lambda_function,
            function_timeout_s=settings.lambda_timeout_s,
            s3_client=s3,
            default_preview_rows=settings.preview_rows,
        )
        lambda_status_client = aws_client("lambda", aws, max_attempts=2)
        if emr_engine is not None and settings.escalate_to_emr:
            lambda_engine = EscalatingEngine(
                lambda_engine, emr_engine, should_escalate=is_function_limit, record=record
            )
    engines = {LAMBDA: lambda_engine, EMR: emr_engine, LOCAL: local_engine if settings.allow_local else None}

    def engine_for(job: JobRecord):
        engine = engines.get(job.platform)
        if engine is None:
            raise FailedPrecondition(
                f"platform {job.platform or '(none)'} is not configured",
                reason="PLATFORM_NOT_CONFIGURED",
                metadata={"platform": job.platform},
            )
        return engine

    policy = RoutingPolicy(
        threshold_bytes=settings.file_size_threshold_mb * MB,
        small_table_bytes=settings.small_table_mb * MB,
        lambda_max_bytes=settings.lambda_max_input_mb * MB,
        allow_local=settings.allow_local,
        lambda_configured=lambda_engine is not None,
        emr_configured=emr_engine is not None,
    )
    router = Router(policy, S3GlueSizer(s3, aws_client("glue", aws)))

    cache: dict[str, tuple[float, pb.PlatformStatus]] = {}
    lock = threading.Lock()

    def platform_status() -> pb.PlatformStatus:
        with lock:
            hit = cache.get("status")
            if hit is not None and time.monotonic() - hit[0] < STATUS_TTL_S:
                return hit[1]
        details = []
        lambda_status = emr_status = "not_configured"
        if lambda_status_client is not None:
            lambda_status, detail = lambda_function_status(lambda_status_client, settings.lambda_function)
            details.append(detail)
        if emr_engine is not None:
            emr_status, detail = emr_engine.application_status()
            details.append(detail)
        status = pb.PlatformStatus(
            local_status=local_status() if settings.allow_local else "disabled",
            lambda_status=lambda_status,
            emr_status=emr_status,
            lambda_function=settings.lambda_function,
            emr_application_id=settings.emr_application_id,
            mode="aws",
            detail="; ".join(details),
        )
        with lock:
            cache["status"] = (time.monotonic(), status)
        return status

    return AwsRuntime(
        engine_for=engine_for,
        choose_platform=router,
        platform_status=platform_status,
        lambda_engine=lambda_engine,
        emr_engine=emr_engine,
        uses_local=settings.allow_local,
    )
