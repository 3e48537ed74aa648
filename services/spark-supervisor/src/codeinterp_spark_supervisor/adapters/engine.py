"""The warm local Spark executor as a job Engine, and the platform choice of the embedded default."""

from __future__ import annotations

from collections.abc import Callable

from codeinterp.common.v1 import types_pb2 as t
from codeinterp_common.errors import FailedPrecondition
from codeinterp_common.jobs.api import decode_inputs, decode_limits
from codeinterp_common.jobs.model import JobRecord, RunOutcome
from codeinterp_spark_supervisor.adapters.local_executor import InputSpec, LocalSparkExecutor


class LocalEngine:
    platform = "LOCAL"

    def __init__(
        self, executor: LocalSparkExecutor, *, default_timeout_s: float, default_preview_rows: int
    ) -> None:
        self.executor = executor
        self.default_timeout_s = default_timeout_s
        self.default_preview_rows = default_preview_rows

    async def run(self, job: JobRecord, on_log: Callable[[str, str], None]) -> RunOutcome:
        limits = decode_limits(job.limits)
        specs = {i.name: InputSpec.from_proto(i) for i in decode_inputs(job.inputs)}
        timeout = limits.timeout.ToTimedelta().total_seconds() or self.default_timeout_s
        out = await self.executor.run(
            job.id,
            job.code,
            specs,
            timeout_s=timeout,
            preview_rows=limits.preview_rows or self.default_preview_rows,
            max_output_bytes=limits.max_output_bytes or None,
            on_log=on_log,
        )
        error_class = out.error_class or ("" if out.ok else "CODE")
        if out.state == "CANCELLED":
            error_class = "CANCELLED_BY_USER"
        return RunOutcome(
            ok=out.ok,
            manifest=out.manifest,
            error=out.error or "",
            error_class=error_class,
            failing_line=out.failing_line or 0,
            duration_s=out.duration_s,
            backend_id=f"pid-{out.worker_pid}" if out.worker_pid else "",
        )

    async def cancel(self, job_id: str) -> bool:
        return await self.executor.cancel(job_id)

    async def reattach(self, job: JobRecord, on_log) -> RunOutcome | None:
        return None  # local workers die with the supervisor: the job is failed with that reason


def embedded_platform(requested: int, inputs: list[t.ExecutionInput]) -> tuple[str, str]:
    """Platform choice on the embedded default: everything runs on the warm local engine."""
    if requested in (t.LAMBDA, t.EMR_SERVERLESS):
        name = t.ExecutionPlatform.Name(requested)
        raise FailedPrecondition(
            f"{name} is not available on the embedded default; it needs CODEINTERP_MODE=aws",
            reason="PLATFORM_NOT_CONFIGURED",
            metadata={"platform": name, "mode": "embedded"},
        )
    size = sum(i.size_bytes for i in inputs)
    return "LOCAL", f"embedded default: the warm local Spark engine ({size} input bytes)"
