"""codegen bootstrap: configuration, wiring, server. No business rules here.

The only place that builds real clients: the boto3 `bedrock-runtime` client (only when Bedrock
is the default provider or CODEINTERP_BEDROCK_ENABLED is set) and the httpx client of the
OpenAI-compatible endpoint (only when CODEINTERP_OPENAI_BASE_URL and _MODEL are set).
"""

from __future__ import annotations

import logging
from typing import Any

from codeinterp.codegen.v1 import codegen_service_pb2_grpc as pb_grpc
from codeinterp_codegen.config import CodegenSettings
from codeinterp_codegen.domain.cache import GenerationCache
from codeinterp_codegen.domain.providers import Provider
from codeinterp_codegen.domain.service import CodegenService, GenerationSettings, RetryPolicy
from codeinterp_codegen.servicer import DOMAIN, SERVICE, CodegenServicer
from codeinterp_common.config import from_env
from codeinterp_common.runtime import main_entry, run_service
from codeinterp_common.server import ServiceSpec

log = logging.getLogger(__name__)


def _shared_cache_backend():
    """PostgreSQL rows for the generation cache when CODEINTERP_DATABASE_URL names one (replicas
    share hits); None: the SQLite file in the data directory (embedded default)."""
    from codeinterp_common.db import check_url, database_settings, shared_postgres

    url = database_settings().database_url
    if check_url(url) != "postgres":
        return None
    from codeinterp_codegen.adapters.pg_cache import PostgresCacheBackend

    return PostgresCacheBackend(shared_postgres(url))


def build_service(
    settings: CodegenSettings,
    *,
    bedrock_client: Any = None,
    http_client: Any = None,
) -> CodegenService:
    """Wires the domain service from settings and already-built clients."""
    providers: dict[str, Provider] = {}
    if bedrock_client is not None:
        from codeinterp_codegen.adapters.bedrock import BedrockConverseProvider

        providers["bedrock"] = BedrockConverseProvider(
            bedrock_client,
            default_model=settings.bedrock_model,
            prompt_caching=settings.bedrock_prompt_caching,
        )
    if http_client is not None and settings.openai_wanted:
        from codeinterp_codegen.adapters.openai_compat import OpenAICompatProvider

        providers["openai"] = OpenAICompatProvider(
            http_client,
            base_url=settings.openai_base_url,
            default_model=settings.openai_model,
            api_key=settings.openai_api_key,
        )
    cache = (
        GenerationCache(
            settings.cache_max_entries,
            ttl_s=settings.cache_ttl_s,
            data_dir=settings.data_dir or None,
            backend=_shared_cache_backend(),
        )
        if settings.cache_enabled
        else None
    )
    from codeinterp_codegen.adapters.metrics import record_generation

    return CodegenService(
        providers,
        default_provider=settings.llm_provider,
        cache=cache,
        on_generation=record_generation,
        retry=RetryPolicy(
            max_attempts=settings.llm_max_attempts,
            base_s=settings.llm_backoff_base_s,
            cap_s=settings.llm_backoff_cap_s,
        ),
        settings=GenerationSettings(
            max_tokens=settings.llm_max_tokens,
            temperature=settings.llm_temperature,
            call_timeout_s=settings.llm_timeout_s,
            max_prompt_chars=settings.max_prompt_chars,
            max_inputs=settings.max_inputs,
            max_columns=settings.max_columns,
            max_concurrency=settings.llm_max_concurrency,
        ),
    )


def build_bedrock_client(settings: CodegenSettings) -> Any:
    from codeinterp_codegen.adapters.bedrock import build_client

    return build_client(
        region=settings.bedrock_region,
        endpoint_url=bedrock_endpoint(settings),
        read_timeout_s=settings.llm_timeout_s,
        max_attempts=settings.bedrock_sdk_max_attempts,
        max_pool_connections=max(10, settings.llm_max_concurrency * 2),
    )


def bedrock_endpoint(settings: CodegenSettings) -> str:
    """CODEINTERP_BEDROCK_ENDPOINT_URL (kept for compatibility), else the shared AWS settings'
    CODEINTERP_AWS_BEDROCK_ENDPOINT_URL / CODEINTERP_AWS_ENDPOINT_URL, else AWS itself ("")."""
    if settings.bedrock_endpoint_url:
        return settings.bedrock_endpoint_url
    from codeinterp_common.aws import AwsSettings

    return from_env(AwsSettings).endpoint_for("bedrock-runtime") or ""


def build_http_client(settings: CodegenSettings) -> Any:
    import httpx

    return httpx.AsyncClient(
        timeout=httpx.Timeout(settings.llm_timeout_s, connect=5.0),
        limits=httpx.Limits(max_connections=max(10, settings.llm_max_concurrency * 2)),
        follow_redirects=False,
    )


def services(settings: CodegenSettings, service: CodegenService | None = None) -> list[ServiceSpec]:
    servicer = CodegenServicer(
        service or build_service(settings),
        openai_model=settings.openai_model if settings.openai_wanted else "",
        default_timeout_s=settings.generate_timeout_s,
        bedrock_models=settings.bedrock_model_list(),
    )
    return [ServiceSpec(servicer, pb_grpc.add_CodegenServiceServicer_to_server, SERVICE.full_name)]


async def serve(settings: CodegenSettings) -> None:
    bedrock_client = build_bedrock_client(settings) if settings.bedrock_wanted else None
    http_client = build_http_client(settings) if settings.openai_wanted else None
    service = build_service(settings, bedrock_client=bedrock_client, http_client=http_client)
    log.info(
        "codegen providers",
        extra={
            "default": settings.llm_provider,
            "configured": service.configured_providers(),
            "cache": settings.cache_enabled,
            "persistent_cache": bool(settings.data_dir),
        },
    )

    async def stopping() -> None:
        if http_client is not None:
            await http_client.aclose()
        if service.cache is not None:
            service.cache.close()

    await run_service("codegen", settings, services(settings, service), domain=DOMAIN, on_stopping=stopping)


def main() -> None:
    settings = from_env(CodegenSettings).check()
    main_entry("codegen", lambda: serve(settings), settings)


if __name__ == "__main__":
    main()
