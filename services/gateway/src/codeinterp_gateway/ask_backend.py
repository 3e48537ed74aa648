"""Connects AskService to the gateway's own domain: input resolution, history, settings."""

from __future__ import annotations

import asyncio

from google.protobuf import duration_pb2

from codeinterp.common.v1 import types_pb2 as t
from codeinterp.gateway.v1 import session_service_pb2 as spb
from codeinterp_common.errors import ServiceError
from codeinterp_gateway import convert
from codeinterp_gateway.wiring import GatewayServices


class GatewayAskBackend:
    def __init__(self, services: GatewayServices) -> None:
        self.services = services

    async def resolve_inputs(self, session: str, sources: list[t.DataSource]) -> list[t.ExecutionInput]:
        return await self.services.resolve_inputs(session, sources)

    async def ensure_session(self, session_id: str) -> None:
        """Seed clients invent session ids: the session is created on first use."""
        await asyncio.to_thread(self.services.sessions.ensure, session_id)

    async def record_history(self, session: str, entry: spb.HistoryEntry) -> None:
        await asyncio.to_thread(self.services.sessions.record_history, session, convert.history_from_proto(entry))

    async def sign_downloads(self, result: t.SolveResult) -> None:
        """Fills `download_url` of s3:// output files inside the gateway's bucket prefix (AWS mode).

        Expiry: the `spark.presigned_url_expiry_hours` setting. Files elsewhere keep no URL."""
        presign = getattr(self.services.objects, "presign_get", None)
        if presign is None:
            return
        expires_s = self.services.settings.current().spark.presigned_url_expiry_hours * 3600

        def sign() -> None:
            for f in result.manifest.files:
                if f.uri.startswith("s3://") and not f.download_url:
                    try:
                        f.download_url = presign(f.uri, expires_s=expires_s)
                    except ServiceError:
                        continue

        await asyncio.to_thread(sign)

    def default_framework(self) -> int:
        return t.Framework.Value(self.services.settings.current().global_.default_framework)

    def max_prompt_chars(self) -> int:
        return self.services.settings.current().global_.max_prompt_chars

    def solve_defaults(self, framework: int) -> tuple[int, t.RunLimits, str, str]:
        """(max attempts, run limits, provider, model) from the current settings."""
        current = self.services.settings.current()
        attempts = current.ray.max_retries if framework == t.RAY else current.spark.max_retries
        limits = t.RunLimits(
            timeout=duration_pb2.Duration(seconds=current.global_.job_timeout_seconds),
            preview_rows=current.spark.result_preview_rows,
        )
        provider = current.global_.llm_provider
        model = {"bedrock": current.global_.bedrock_model, "openai": current.global_.openai_model}.get(provider, "")
        return attempts or current.global_.max_attempts, limits, provider, model
