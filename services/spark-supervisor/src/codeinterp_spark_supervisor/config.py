"""spark-supervisor settings (environment variables CODEINTERP_*)."""

from __future__ import annotations

from dataclasses import dataclass

from codeinterp_common.config import ServerSettings, setting


@dataclass(frozen=True)
class SparkSupervisorSettings(ServerSettings):
    grpc_port: int = setting(50053, "spark-supervisor gRPC port")
    metrics_port: int = setting(9092, "spark-supervisor Prometheus port (0: disabled)")
    mode: str = setting(
        "embedded", "`embedded` (warm local Spark) or `aws` (Lambda / EMR Serverless; issue 5)"
    )
    data_dir: str = setting(".data/spark-supervisor", "Job records, job directories and outputs")
    codegen_addr: str = setting("127.0.0.1:50052", "codegen host:port")
    codegen_timeout_s: float = setting(120.0, "Deadline of one code generation")
    spark_pool_size: int = setting(2, "Pre-started job workers (each runs one job, then is replaced)")
    spark_connect_port: int = setting(0, "Port of the local Spark Connect server (0: a free port)")
    spark_driver_memory: str = setting("2g", "Driver memory of the local Spark Connect server")
    spark_run_as_user: str = setting(
        "codeinterp-exec", "Unprivileged user job workers run as when started as root"
    )
    spark_engine_user: str = setting(
        "codeinterp-spark", "Unprivileged user the Spark JVM runs as when started as root"
    )
    job_timeout_s: float = setting(120.0, "Default wall-clock limit of a job")
    preview_rows: int = setting(100, "Default rows kept in a result preview")
    max_attempts: int = setting(3, "Default attempts of the solve loop")
    cancel_deadline_s: float = setting(
        30.0, "After this a cancel that did not take effect is reported as failed"
    )
    # -- AWS mode (mode=aws; the CODEINTERP_AWS_* settings give the region, bucket and endpoints) --
    lambda_function: str = setting(
        "", "AWS mode: Lambda function (name or ARN) running Spark; empty: Lambda off"
    )
    lambda_timeout_s: float = setting(300.0, "AWS mode: the Lambda function's configured timeout")
    emr_application_id: str = setting("", "AWS mode: EMR Serverless application id; empty: EMR off")
    emr_execution_role_arn: str = setting("", "AWS mode: IAM role EMR Serverless job runs assume")
    emr_spark_submit_parameters: str = setting(
        "--conf spark.executor.memory=4g --conf spark.executor.cores=2",
        "AWS mode: sparkSubmitParameters of every EMR Serverless job run",
    )
    emr_timeout_s: float = setting(
        1800.0, "AWS mode: default time limit of an EMR Serverless job (cancelled past it)"
    )
    emr_start_timeout_s: float = setting(
        900.0,
        "AWS mode: longest an EMR Serverless run may queue/start before RUNNING (the job time limit counts from RUNNING)",
    )
    emr_poll_initial_s: float = setting(2.0, "AWS mode: first GetJobRun poll delay (grows x1.6, with jitter)")
    emr_poll_max_s: float = setting(20.0, "AWS mode: longest GetJobRun poll delay")
    file_size_threshold_mb: int = setting(
        500, "AWS mode, AUTO: inputs up to this total go to Lambda, above to EMR"
    )
    small_table_mb: int = setting(
        100, "AWS mode, AUTO: catalog tables up to this size (Glue statistics) may use Lambda"
    )
    lambda_max_input_mb: int = setting(
        1024, "AWS mode: an explicit LAMBDA request above this input size is refused"
    )
    allow_local: bool = setting(
        False, "AWS mode: also accept execution_platform=LOCAL (the warm local engine)"
    )
    escalate_to_emr: bool = setting(
        True, "AWS mode: re-run once on EMR a Lambda job that hit the function's limits"
    )
