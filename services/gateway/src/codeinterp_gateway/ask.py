"""AskService: resolves the question's data sources and hands it to the supervisor of the
chosen framework, relaying its progress events; records the session history.

The gateway never runs code and never talks to an engine: everything after input
resolution happens in spark-supervisor or ray-supervisor (their `Solve` stream).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from typing import Protocol

import grpc

from codeinterp.common.v1 import types_pb2 as t
from codeinterp.gateway.v1 import ask_service_pb2 as pb
from codeinterp.gateway.v1 import ask_service_pb2_grpc as pb_grpc
from codeinterp.gateway.v1 import session_service_pb2 as spb
from codeinterp.raysupervisor.v1 import ray_supervisor_service_pb2 as ray_pb
from codeinterp.raysupervisor.v1 import ray_supervisor_service_pb2_grpc as ray_grpc
from codeinterp.sparksupervisor.v1 import spark_supervisor_service_pb2 as spark_pb
from codeinterp.sparksupervisor.v1 import spark_supervisor_service_pb2_grpc as spark_grpc
from codeinterp_common.auth import current_principal, principal_metadata
from codeinterp_common.errors import Internal, InvalidArgument, from_rpc_error
from codeinterp_common.server import remaining_timeout

log = logging.getLogger(__name__)


class AskBackend(Protocol):
    """What AskService needs from the rest of the gateway (sessions, datasets, catalog, settings)."""

    async def resolve_inputs(self, session: str, sources: list[t.DataSource]) -> list[t.ExecutionInput]: ...

    async def record_history(self, session: str, entry: spb.HistoryEntry) -> None: ...

    async def ensure_session(self, session_id: str) -> None: ...

    def default_framework(self) -> int: ...

    def max_prompt_chars(self) -> int: ...

    def solve_defaults(self, framework: int) -> tuple[int, t.RunLimits, str, str]: ...


def _session_name(session: str, session_id: str) -> str:
    if session:
        return session
    if session_id:
        return f"sessions/{session_id}"
    return ""


def _seed_sources(request) -> list[t.DataSource]:
    sources = list(request.data_sources)
    if request.s3_input_path:
        sources.append(t.DataSource(s3_uri=request.s3_input_path))
    for table in request.selected_tables:
        sources.append(t.DataSource(table=table))
    return sources


class AskServicer(pb_grpc.AskServiceServicer):
    def __init__(
        self,
        backend: AskBackend,
        spark: spark_grpc.SparkSupervisorServiceStub,
        ray: ray_grpc.RaySupervisorServiceStub,
        *,
        stream_timeout_s: float = 900.0,
    ) -> None:
        self.backend = backend
        self.spark = spark
        self.ray = ray
        self.stream_timeout_s = stream_timeout_s

    async def Ask(self, request: pb.AskRequest, context) -> AsyncIterator[t.SolveEvent]:
        async for event in self._solve(request, context, code=""):
            yield event

    async def Generate(self, request: pb.AskRequest, context) -> t.SolveResult:
        return await self._final(self._solve(request, context, code=""))

    async def Execute(self, request: pb.ExecuteRequest, context) -> t.SolveResult:
        code = request.code or request.spark_code
        if not code.strip():
            raise InvalidArgument("code is required", field="code")
        return await self._final(self._solve(request, context, code=code))

    async def _final(self, events: AsyncIterator[t.SolveEvent]) -> t.SolveResult:
        result = None
        async for event in events:
            if event.HasField("result"):
                result = event.result
        if result is None:
            raise Internal("the supervisor ended the stream without a result", reason="NO_RESULT")
        return result

    async def _solve(self, request, context, *, code: str) -> AsyncIterator[t.SolveEvent]:
        prompt = getattr(request, "prompt", "")
        if not code:
            if not prompt.strip():
                raise InvalidArgument("prompt is required", field="prompt")
            limit = self.backend.max_prompt_chars()
            if len(prompt) > limit:
                raise InvalidArgument(
                    f"prompt has {len(prompt)} characters; the limit is {limit}",
                    reason="PROMPT_TOO_LONG",
                    field="prompt",
                    metadata={"length": len(prompt), "limit": limit},
                )
        # The seed's un-prefixed routes (/generate, /execute) were Ray's; the rest follow settings.
        framework = request.framework or (t.RAY if request.seed_route else self.backend.default_framework())
        platform = request.execution_platform or request.execution_engine
        session = _session_name(request.session, request.session_id)
        if request.session_id and not request.session:
            await self.backend.ensure_session(request.session_id)  # seed semantics (owned by the caller)
        inputs = await self.backend.resolve_inputs(session, _seed_sources(request))
        rid = dict(context.invocation_metadata() or ()).get("x-request-id", "")
        principal = current_principal()
        metadata = ((("x-request-id", rid),) if rid else ()) + (principal_metadata(principal) if principal else ())
        timeout = remaining_timeout(context, self.stream_timeout_s)
        attempts, limits, provider, model = self.backend.solve_defaults(framework)
        requested_provider = getattr(request, "provider", "")
        common = dict(
            prompt=prompt,
            inputs=inputs,
            code=code,
            max_attempts=getattr(request, "max_attempts", 0) or attempts,
            session=session,
            request_id=request.request_id,
            provider=requested_provider or provider,
            model=getattr(request, "model", "") or ("" if requested_provider else model),
            limits=limits,
        )
        if framework == t.RAY:
            call = self.ray.Solve(ray_pb.SolveRequest(**common), timeout=timeout, metadata=metadata)
        else:
            call = self.spark.Solve(
                spark_pb.SolveRequest(execution_platform=platform, **common), timeout=timeout, metadata=metadata
            )
        result = None
        try:
            async for event in call:
                if event.HasField("result"):
                    result = event.result
                    sign = getattr(self.backend, "sign_downloads", None)
                    if sign is not None:  # AWS mode: presigned GET URLs for s3:// result files
                        await sign(result)
                yield event
        except grpc.aio.AioRpcError as err:
            raise from_rpc_error(err) from None
        finally:
            if session and result is not None:
                await self._record(session, framework, prompt, code, result)

    async def _record(self, session: str, framework: int, prompt: str, code: str, result: t.SolveResult) -> None:
        entries = []
        if not code:
            entries.append(
                spb.HistoryEntry(
                    kind=spb.HistoryEntry.GENERATION,
                    framework=framework,
                    prompt=prompt,
                    code=result.code,
                    success=bool(result.code),
                    attempts=len(result.attempts),
                )
            )
        entries.append(
            spb.HistoryEntry(
                kind=spb.HistoryEntry.RUN,
                framework=framework,
                prompt=prompt,
                code=result.code or code,
                success=result.success,
                error=result.error,
                job=result.job,
                row_count=result.manifest.row_count,
                attempts=len(result.attempts),
            )
        )
        for entry in entries:
            try:
                await self.backend.record_history(session, entry)
            except Exception:  # noqa: BLE001 - history is best effort; the answer is already out
                log.exception("could not record history", extra={"session": session})
