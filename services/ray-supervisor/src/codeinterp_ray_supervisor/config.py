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
    ray_dispatch: str = setting(
        "auto",
        "`auto`: jobs whose inputs are local files of at most ray_pool_max_input_mb run on the pooled driver "
        "(pre-started actors, ~0.2 s for a small query) when a GCS address is known, others through the Jobs API; "
        "`pool`: the pool for every job with known small inputs (same rule, address required); `jobs`: Jobs API only",
    )
    ray_gcs_address: str = setting(
        "",
        "GCS address (host:port) the pooled driver joins. Empty: the local head's; on KubeRay "
        "<cluster>-head-svc:6379 (the supervisor's Ray and Python must match the cluster's)",
    )
    ray_pool_size: int = setting(2, "Pooled driver: spare executor actors kept started and warm")
    ray_pool_jobs_per_actor: int = setting(
        50,
        "Pooled driver: jobs one executor actor runs (one at a time, one owner only, retired after a failure); "
        "1: a fresh process per job (~5 CPU-s each on 2 cores)",
    )
    ray_pool_idle_seconds: float = setting(300.0, "Pooled driver: an owner's idle actor is retired after this")
    ray_pool_max_input_mb: int = setting(256, "Pooled driver: largest total input of a pooled job, MiB")
    ray_sort_shuffle_max_mb: int = setting(
        1024, "Jobs with at most this much input use Ray Data's sort shuffle (Ray's hash shuffle otherwise), MiB"
    )
    job_timeout_seconds: float = setting(900.0, "Default wall-clock limit of a job")
    result_preview_rows: int = setting(100, "Default rows kept in the result preview")
    max_output_mb: int = setting(512, "Default largest result written to Parquet/CSV, MiB")
    cancel_deadline_s: float = setting(30.0, "After a cancel, seconds until a job that did not stop is reported failed")
    poll_interval_s: float = setting(0.5, "Seconds between Ray job status polls")
    max_attempts: int = setting(3, "Default attempts of the solve loop")
    # -- KubeRay ----------------------------------------------------------------------------
    kuberay_cluster: str = setting("", "RayCluster name (set on Kubernetes; empty: not on Kubernetes)")
    kuberay_namespace: str = setting("default", "RayCluster namespace")
