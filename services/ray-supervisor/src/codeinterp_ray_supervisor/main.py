"""ray-supervisor bootstrap: configuration, wiring, server. No business rules here.

On the embedded default (no `ray_address`, `manage_local_head` on) this process owns a local
Ray head: it launches `ray start --head --block` at start-up (in the background: the server
serves at once and jobs wait for the head), and stops it by its own process ids on exit.
The head shares this process's fate, so `make run`'s Ctrl-C (or even a SIGKILL) leaves no
Ray processes behind. With `ray_address` set (a KubeRay head service, or a head someone
else runs) nothing is started or stopped.
"""

from __future__ import annotations

import asyncio
import logging
import sys
from dataclasses import dataclass
from pathlib import Path

import grpc

from codeinterp.codegen.v1 import codegen_service_pb2 as cg
from codeinterp.codegen.v1 import codegen_service_pb2_grpc as cg_grpc
from codeinterp.raysupervisor.v1 import ray_supervisor_service_pb2_grpc as pb_grpc
from codeinterp_common.clients import insecure_channel, service_channel
from codeinterp_common.config import ConfigError, from_env
from codeinterp_common.db import database_settings
from codeinterp_common.errors import from_rpc_error
from codeinterp_common.jobs.api import decode_inputs
from codeinterp_common.jobs.manager import JobManager
from codeinterp_common.jobs.service import JobService
from codeinterp_common.jobs.store import JobStore, open_job_store
from codeinterp_common.runtime import main_entry, run_service
from codeinterp_common.server import ServiceSpec
from codeinterp_ray_supervisor.adapters.cluster import DashboardClient
from codeinterp_ray_supervisor.adapters.local_head import (
    HeadConfig,
    LocalRayHead,
    auth_headers,
    ensure_token,
    scrubbed_environment,
)
from codeinterp_ray_supervisor.adapters.ray_jobs import (
    EngineOptions,
    RayClient,
    RayJobsEngine,
    clear_ray_address_env,
)
from codeinterp_ray_supervisor.adapters.ray_pool import PoolDriver, PoolOptions, RayPoolEngine
from codeinterp_ray_supervisor.config import RaySupervisorSettings
from codeinterp_ray_supervisor.domain import dispatch
from codeinterp_ray_supervisor.domain.cluster import ClusterService
from codeinterp_ray_supervisor.servicer import DOMAIN, SERVICE, RaySupervisorServicer

log = logging.getLogger(__name__)


class CodegenClient:
    """`async generate(req) -> resp` over the codegen service; errors keep their rich status."""

    def __init__(self, addr: str, timeout_s: float = 120.0, settings=None) -> None:
        self.addr = addr
        self.timeout_s = timeout_s
        self.settings = settings  # service token / mTLS for the channel (ServerSettings)
        self._channel = None

    async def __call__(self, request: cg.GenerateCodeRequest) -> cg.GenerateCodeResponse:
        if self._channel is None:
            self._channel = (service_channel(self.addr, self.settings) if self.settings is not None
                             else insecure_channel(self.addr))
        try:
            return await cg_grpc.CodegenServiceStub(self._channel).GenerateCode(request, timeout=self.timeout_s)
        except grpc.aio.AioRpcError as err:
            raise from_rpc_error(err) from err

    async def close(self) -> None:
        if self._channel is not None:
            await self._channel.close()


class HeadGate:
    """Lets jobs wait for the local head; raises when it failed to start."""

    def __init__(self) -> None:
        self.event = asyncio.Event()
        self.error: BaseException | None = None

    def open(self, error: BaseException | None = None) -> None:
        self.error = error
        self.event.set()

    async def wait(self) -> None:
        await self.event.wait()
        if self.error is not None:
            raise RuntimeError(f"the local Ray head did not start: {self.error}")


@dataclass
class App:
    settings: RaySupervisorSettings
    store: JobStore
    engine: RayJobsEngine
    pool: RayPoolEngine | None
    manager: JobManager
    jobs: JobService
    cluster: ClusterService
    servicer: RaySupervisorServicer
    codegen: CodegenClient
    head: LocalRayHead | None
    gate: HeadGate | None
    background: asyncio.Task | None = None

    async def start(self) -> None:
        if self.head is not None and self.gate is not None:
            self.head.launch()  # on the loop's thread: it lives as long as the process
        self.background = asyncio.create_task(self._warm())
        await self.manager.reconcile()

    async def _warm(self) -> None:
        """Waits for the local head, then starts the pooled driver (so the first job finds
        warm actors); both in the background: the server serves at once."""
        if self.head is not None and self.gate is not None:
            try:
                await asyncio.to_thread(self.head.wait_ready)
                self.gate.open()
            except Exception as exc:  # noqa: BLE001
                log.error("local ray head failed to start", extra={"error": str(exc)})
                self.gate.open(exc)
                return
        if self.pool is not None:
            try:
                await self.pool.driver.ensure()
            except Exception as exc:  # noqa: BLE001 - retried by the first pooled job
                log.warning("ray pool driver did not start", extra={"error": str(exc)[:300]})

    async def stop(self) -> None:
        await self.manager.close()
        if self.background is not None and not self.background.done():
            self.background.cancel()
        if self.pool is not None:
            await self.pool.driver.stop()
        await self.codegen.close()
        if self.head is not None:
            await asyncio.to_thread(self.head.stop)
        self.store.close()


def read_token(settings: RaySupervisorSettings) -> str:
    if settings.ray_auth_token:
        return settings.ray_auth_token
    if settings.ray_auth_token_file:
        return Path(settings.ray_auth_token_file).read_text().strip()
    return ""


def build_app(settings: RaySupervisorSettings, *, generate=None) -> App:
    clear_ray_address_env()
    if settings.ray_dispatch not in {"auto", "pool", "jobs"}:
        raise ConfigError(f"CODEINTERP_RAY_DISPATCH={settings.ray_dispatch!r}: use auto, pool or jobs")
    local_head = not settings.ray_address and settings.manage_local_head
    if settings.ray_dispatch == "pool" and not (settings.ray_gcs_address or local_head):
        raise ConfigError("CODEINTERP_RAY_DISPATCH=pool needs CODEINTERP_RAY_GCS_ADDRESS for a remote Ray cluster")
    data = Path(settings.data_dir).resolve()
    data.mkdir(parents=True, exist_ok=True)
    head = gate = None
    gcs_address = settings.ray_gcs_address
    if settings.ray_address:
        address, token = settings.ray_address.rstrip("/"), read_token(settings)
        mode = "kuberay" if settings.kuberay_cluster else "remote"
    elif settings.manage_local_head:
        head = LocalRayHead(HeadConfig(
            base_dir=data / "ray",
            gcs_port=settings.ray_gcs_port,
            dashboard_port=settings.ray_dashboard_port,
            client_port=settings.ray_client_port,
            dashboard_agent_port=settings.ray_dashboard_agent_port,
            num_cpus=settings.ray_num_cpus,
            object_store_bytes=settings.ray_object_store_mb * 1024 * 1024,
            auth_mode=settings.ray_auth_mode,
            start_timeout_s=settings.ray_head_start_timeout_s,
        ))
        gate = HeadGate()
        address = head.config.address
        token = ensure_token(head.config.token_path) if settings.ray_auth_mode == "token" else ""
        mode = "local"
        gcs_address = gcs_address or f"127.0.0.1:{settings.ray_gcs_port}"
    else:
        address, token, mode = f"http://127.0.0.1:{settings.ray_dashboard_port}", read_token(settings), "remote"
    headers = auth_headers(token)
    # ray-specific names: make run shares one data dir; PostgreSQL when CODEINTERP_DATABASE_URL says so
    store = open_job_store(database_settings().database_url, data / "ray-jobs.sqlite", namespace="ray")
    python = settings.job_python or (sys.executable if mode != "kuberay" else "python")
    rule = dispatch.DispatchRule(
        pool_enabled=settings.ray_dispatch in {"auto", "pool"} and bool(gcs_address),
        pool_max_input_bytes=settings.ray_pool_max_input_mb * dispatch.MIB,
        sort_shuffle_max_bytes=settings.ray_sort_shuffle_max_mb * dispatch.MIB,
    )

    def uris(job) -> list[str]:
        return [item.uri for item in decode_inputs(job.inputs)]

    def on_submitted(backend_id: str) -> None:
        store.update_fields(backend_id.removeprefix(dispatch.POOL_PREFIX), backend_id=backend_id)

    def stored_log_count(job_id: str) -> int:
        return sum(1 for e in store.events(job_id, 0, 1_000_000) if e.kind == "log" and e.detail == "stdout")

    options = EngineOptions(
        jobs_dir=data / "ray-jobs",
        outputs_dir=data / "ray-outputs",
        python=python,
        entrypoint_num_cpus=settings.entrypoint_num_cpus,
        default_timeout_s=settings.job_timeout_seconds,
        default_preview_rows=settings.result_preview_rows,
        default_max_output_bytes=settings.max_output_mb * 1024 * 1024,
        poll_interval_s=settings.poll_interval_s,
        cancel_deadline_s=settings.cancel_deadline_s,
    )
    hooks = dict(
        ready=gate.wait if gate is not None else None,
        on_submitted=on_submitted,
        stored_log_count=stored_log_count,
        shuffle_for=lambda job: dispatch.shuffle(rule, uris(job)),
    )
    engine = RayJobsEngine(RayClient(address, headers), options, **hooks)
    pool = None
    if rule.pool_enabled:
        env = head.environment() if head is not None else scrubbed_environment(
            settings.ray_auth_mode if token else "disabled", token=token)
        driver = PoolDriver(PoolOptions(
            gcs_address=gcs_address, pool_dir=data / "ray-pool", python=python, env=env,
            pool_size=settings.ray_pool_size, jobs_per_actor=settings.ray_pool_jobs_per_actor,
            idle_s=settings.ray_pool_idle_seconds,
        ))
        pool = RayPoolEngine(driver, options, **hooks)

    def engine_for(job):
        if pool is not None and dispatch.use_pool(rule, job.backend_id, uris(job)):
            return pool
        return engine

    manager = JobManager(store, engine_for, id_prefix="ray", cancel_deadline_s=settings.cancel_deadline_s)
    codegen = CodegenClient(settings.codegen_addr, settings=settings)
    jobs = JobService(
        "ray", manager, generate or codegen, choose_platform=lambda _platform, _inputs: ("RAY", ""),
        max_code_chars=settings.max_code_chars, max_active_jobs_per_owner=settings.quota_active_jobs,
    )
    raycluster = None
    if settings.kuberay_cluster:
        from codeinterp_ray_supervisor.adapters.k8s import RayClusterResource, in_cluster_api_client

        raycluster = RayClusterResource(in_cluster_api_client(), settings.kuberay_cluster, settings.kuberay_namespace)
    cluster = ClusterService(DashboardClient(address, headers), mode=mode, raycluster=raycluster)
    servicer = RaySupervisorServicer(jobs, cluster, default_max_attempts=settings.max_attempts)
    return App(settings, store, engine, pool, manager, jobs, cluster, servicer, codegen, head, gate)


def service_spec(app: App) -> ServiceSpec:
    return ServiceSpec(app.servicer, pb_grpc.add_RaySupervisorServiceServicer_to_server, SERVICE.full_name)


async def serve(settings: RaySupervisorSettings) -> None:
    app = build_app(settings)
    # Launch the head and reconcile earlier jobs before the server accepts work: a job created
    # by this process must never be mistaken for one left over from a previous process.
    await app.start()
    try:
        await run_service("ray-supervisor", settings, [service_spec(app)], domain=DOMAIN, on_stopping=app.stop)
    finally:
        if app.head is not None and app.head.alive():
            await asyncio.to_thread(app.head.stop)


def main() -> None:
    settings = from_env(RaySupervisorSettings)
    main_entry("ray-supervisor", lambda: serve(settings), settings)


if __name__ == "__main__":
    main()
