"""ray-supervisor settings (environment variables CODEINTERP_*)."""

from __future__ import annotations

from dataclasses import dataclass

from codeinterp_common.config import ServerSettings, setting


@dataclass(frozen=True)
class RaySupervisorSettings(ServerSettings):
    grpc_port: int = setting(50054, "ray-supervisor gRPC port")
    metrics_port: int = setting(9093, "ray-supervisor Prometheus port (0: disabled)")
    data_dir: str = setting(".data/ray-supervisor", "Job records, job directories and outputs")
    codegen_addr: str = setting("127.0.0.1:50052", "codegen host:port")
    ray_address: str = setting("http://127.0.0.1:8266", "Ray dashboard / Jobs API address")
