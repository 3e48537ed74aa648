"""spark-supervisor settings (environment variables CODEINTERP_*)."""

from __future__ import annotations

from dataclasses import dataclass

from codeinterp_common.config import ServerSettings, setting


@dataclass(frozen=True)
class SparkSupervisorSettings(ServerSettings):
    grpc_port: int = setting(50053, "spark-supervisor gRPC port")
    metrics_port: int = setting(9092, "spark-supervisor Prometheus port (0: disabled)")
    mode: str = setting("embedded", "`embedded` (warm local Spark) or `aws` (Lambda / EMR Serverless; issue 5)")
    data_dir: str = setting(".data/spark-supervisor", "Job records, job directories and outputs")
    codegen_addr: str = setting("127.0.0.1:50052", "codegen host:port")
    codegen_timeout_s: float = setting(120.0, "Deadline of one code generation")
    spark_pool_size: int = setting(2, "Pre-started job workers (each runs one job, then is replaced)")
    spark_connect_port: int = setting(0, "Port of the local Spark Connect server (0: a free port)")
    spark_driver_memory: str = setting("2g", "Driver memory of the local Spark Connect server")
    spark_run_as_user: str = setting("codeinterp-exec", "Unprivileged user job workers run as when started as root")
    spark_engine_user: str = setting("codeinterp-spark", "Unprivileged user the Spark JVM runs as when started as root")
    job_timeout_s: float = setting(120.0, "Default wall-clock limit of a job")
    preview_rows: int = setting(100, "Default rows kept in a result preview")
    max_attempts: int = setting(3, "Default attempts of the solve loop")
    cancel_deadline_s: float = setting(30.0, "After this a cancel that did not take effect is reported as failed")
