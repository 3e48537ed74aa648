"""spark-supervisor settings (environment variables CODEINTERP_*)."""

from __future__ import annotations

from dataclasses import dataclass

from codeinterp_common.config import ServerSettings, setting


@dataclass(frozen=True)
class SparkSupervisorSettings(ServerSettings):
    grpc_port: int = setting(50053, "spark-supervisor gRPC port")
    metrics_port: int = setting(9092, "spark-supervisor Prometheus port (0: disabled)")
    data_dir: str = setting(".data/spark-supervisor", "Job records, job directories and outputs")
    codegen_addr: str = setting("127.0.0.1:50052", "codegen host:port")
