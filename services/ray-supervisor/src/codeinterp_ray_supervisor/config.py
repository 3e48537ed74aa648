"""ray-supervisor settings (environment variables CODEINTERP_*)."""

from __future__ import annotations

from dataclasses import dataclass

from codeinterp_common.config import ServerSettings, setting


@dataclass(frozen=True)
class RaySupervisorSettings(ServerSettings):
    grpc_port: int = setting(50054, "ray-supervisor gRPC port")
    metrics_port: int = setting(9093, "ray-supervisor Prometheus port (0: disabled)")
    data_dir: str = setting(".data/ray-supervisor", "Job records, job directories, outputs and the local head's files")
    codegen_addr: str = setting("127.0.0.1:50052", "codegen host:port")
    # -- where jobs run ---------------------------------------------------------------------
    ray_address: str = setting(
        "",
        "Ray dashboard / Jobs API address (http://<cluster>-head-svc:8265 on KubeRay). Empty: the local head "
        "this service manages (http://127.0.0.1:<ray_dashboard_port>)",
    )
    manage_local_head: bool = setting(
        True, "Start a local Ray head at start-up and stop it (by its own pids) on exit; ignored when ray_address is set"
    )
    ray_dashboard_port: int = setting(8266, "Local head: dashboard / Jobs API port (8265 is often another Ray's)")
    ray_gcs_port: int = setting(6380, "Local head: GCS port (never 6379, which Redis holds on these machines)")
    ray_client_port: int = setting(6381, "Local head: Ray Client server port (outside the worker range 10002-19999)")
    ray_dashboard_agent_port: int = setting(52366, "Local head: dashboard agent HTTP port (Ray's default 52365 may be taken)")
    ray_num_cpus: int = setting(0, "Local head: CPUs Ray schedules (0: all)")
    ray_object_store_mb: int = setting(2048, "Local head: object store size, MiB (2 GiB suits a 2-core, 24 GiB box)")
    ray_head_start_timeout_s: float = setting(90.0, "Local head: seconds to wait for its Jobs API")
    ray_auth_mode: str = setting(
        "token",
        "`token`: the local head runs with RAY_AUTH_MODE=token and a generated token (data dir, 0600) that we send "
        "as a bearer header; `disabled`: no auth (RAY_AUTH_MODE=disabled, deliberate opt-out)",
    )
    ray_auth_token_file: str = setting(
        "", "File holding the Ray auth token for a remote head (KubeRay authOptions secret mounted as a file)"
    )
    ray_auth_token: str = setting("", "Ray auth token for a remote head (prefer ray_auth_token_file)")
    job_python: str = setting("", "Interpreter of job entrypoints. Empty: this venv's python (local), `python` (remote)")
    entrypoint_num_cpus: float = setting(0.5, "CPUs reserved for each job's driver (entrypoint_num_cpus)")
    job_timeout_seconds: float = setting(900.0, "Default wall-clock limit of a job")
    result_preview_rows: int = setting(100, "Default rows kept in the result preview")
    max_output_mb: int = setting(512, "Default largest result written to Parquet/CSV, MiB")
    cancel_deadline_s: float = setting(30.0, "After a cancel, seconds until a job that did not stop is reported failed")
    poll_interval_s: float = setting(0.5, "Seconds between Ray job status polls")
    max_attempts: int = setting(3, "Default attempts of the solve loop")
    # -- KubeRay ----------------------------------------------------------------------------
    kuberay_cluster: str = setting("", "RayCluster name (set on Kubernetes; empty: not on Kubernetes)")
    kuberay_namespace: str = setting("default", "RayCluster namespace")
