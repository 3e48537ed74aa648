"""codegen settings (environment variables CODEINTERP_*)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from codeinterp_common.config import ConfigError, ServerSettings, setting

PROVIDERS = ("offline", "bedrock", "openai")

# The Bedrock cross-region inference profiles the seed offered (`GET /claude-models`): Claude and Nova.
DEFAULT_BEDROCK_MODELS: tuple[tuple[str, str], ...] = (
    ("us.anthropic.claude-haiku-4-5-20251001-v1:0", "Claude 4.5 Haiku"),
    ("us.anthropic.claude-sonnet-4-5-20250929-v1:0", "Claude 4.5 Sonnet"),
    ("us.anthropic.claude-3-7-sonnet-20250219-v1:0", "Claude 3.7 Sonnet"),
    ("us.anthropic.claude-3-5-haiku-20241022-v1:0", "Claude 3.5 Haiku"),
    ("us.anthropic.claude-3-5-sonnet-20241022-v2:0", "Claude 3.5 Sonnet v2"),
    ("us.anthropic.claude-3-5-sonnet-20240620-v1:0", "Claude 3.5 Sonnet"),
    ("us.anthropic.claude-3-opus-20240229-v1:0", "Claude 3 Opus"),
    ("us.anthropic.claude-3-sonnet-20240229-v1:0", "Claude 3 Sonnet"),
    ("us.anthropic.claude-3-haiku-20240307-v1:0", "Claude 3 Haiku"),
    ("us.amazon.nova-pro-v1:0", "Amazon Nova Pro"),
    ("us.amazon.nova-lite-v1:0", "Amazon Nova Lite"),
    ("us.amazon.nova-micro-v1:0", "Amazon Nova Micro"),
)


@dataclass(frozen=True)
class CodegenSettings(ServerSettings):
    grpc_port: int = setting(50052, "codegen gRPC port")
    metrics_port: int = setting(9091, "codegen Prometheus port (0: disabled)")
    llm_provider: str = setting("offline", "Default provider: offline, bedrock or openai")
    # Bedrock Converse
    bedrock_enabled: bool = setting(
        False, "Build the Bedrock provider even when it is not the default provider"
    )
    bedrock_model: str = setting("us.anthropic.claude-sonnet-4-5-20250929-v1:0", "Bedrock model id")
    bedrock_region: str = setting("us-east-1", "Bedrock region")
    bedrock_endpoint_url: str = setting(
        "", "Bedrock endpoint override (tests, VPC endpoints); empty: CODEINTERP_AWS_BEDROCK_ENDPOINT_URL, then AWS"
    )
    bedrock_models: str = setting(
        "",
        "Bedrock model / inference-profile ids ListModels offers, comma-separated, each optionally `id=Display name`"
        " (empty: the seed's 12 Claude and Nova `us.` inference profiles)",
    )
    bedrock_sdk_max_attempts: int = setting(
        1, "botocore standard-mode total_max_attempts per call (1: only our deadline-aware retries)"
    )
    bedrock_prompt_caching: bool = setting(
        False, "Add a Converse cachePoint after the system prompt (models with prompt caching only)"
    )
    # OpenAI-compatible endpoint
    openai_base_url: str = setting(
        "", "OpenAI-compatible base URL (vLLM, Ollama, ...), e.g. http://host:8000/v1"
    )
    openai_model: str = setting("", "Model name for the OpenAI-compatible endpoint")
    openai_api_key: str = dataclasses.field(
        default="",
        repr=False,
        metadata={
            "doc": "Bearer token for the OpenAI-compatible endpoint (secret; never logged)",
            "env": None,
        },
    )
    # Generation
    llm_timeout_s: float = setting(60.0, "Timeout of one LLM call, capped by the caller's remaining deadline")
    generate_timeout_s: float = setting(120.0, "Deadline of GenerateCode when the caller sets none")
    llm_max_attempts: int = setting(
        4, "LLM calls per generation on throttling/5xx/model timeout (inside the deadline)"
    )
    llm_backoff_base_s: float = setting(
        0.5, "Backoff base between LLM retries (full jitter, doubles per retry)"
    )
    llm_backoff_cap_s: float = setting(8.0, "Longest backoff between LLM retries (a longer Retry-After wins)")
    llm_max_tokens: int = setting(2048, "Output-token limit per generation")
    llm_temperature: float = setting(0.0, "Sampling temperature")
    llm_max_concurrency: int = setting(8, "Concurrent LLM calls per (provider, model)")
    max_prompt_chars: int = setting(8000, "Longest accepted question, characters")
    max_inputs: int = setting(16, "Most inputs per request")
    max_columns: int = setting(1000, "Most columns per input (the prompt lists them all)")
    # Generation cache
    cache_enabled: bool = setting(
        True, "Cache LLM generations (exact match on prompt, schema, data version, model)"
    )
    cache_max_entries: int = setting(1024, "Entries kept in memory (4x that on disk)")
    cache_ttl_s: float = setting(604800.0, "Age after which a cache entry is dropped (0: never)")
    data_dir: str = setting("", "Directory for the persistent generation cache (empty: memory only)")

    def check(self) -> CodegenSettings:
        """Fails fast at start-up on inconsistent settings."""
        if self.llm_provider not in PROVIDERS:
            raise ConfigError(
                f"CODEINTERP_LLM_PROVIDER={self.llm_provider!r}: use one of {', '.join(PROVIDERS)}"
            )
        if self.llm_provider == "openai" and not (self.openai_base_url and self.openai_model):
            raise ConfigError(
                "CODEINTERP_LLM_PROVIDER=openai needs CODEINTERP_OPENAI_BASE_URL and CODEINTERP_OPENAI_MODEL"
            )
        if self.openai_base_url and not self.openai_base_url.startswith(("http://", "https://")):
            raise ConfigError("CODEINTERP_OPENAI_BASE_URL must be an http(s) URL")
        if self.bedrock_wanted and not (self.bedrock_model and self.bedrock_region):
            raise ConfigError("Bedrock needs CODEINTERP_BEDROCK_MODEL and CODEINTERP_BEDROCK_REGION")
        if self.llm_max_attempts < 1 or self.llm_max_tokens < 1 or self.llm_max_concurrency < 1:
            raise ConfigError(
                "CODEINTERP_LLM_MAX_ATTEMPTS, _MAX_TOKENS and _MAX_CONCURRENCY must be at least 1"
            )
        return self

    def bedrock_model_list(self) -> list[tuple[str, str]]:
        """(id, display name) of the Bedrock models offered; the default model is always listed."""
        if not self.bedrock_models.strip():
            models = list(DEFAULT_BEDROCK_MODELS)
        else:
            models = []
            for item in self.bedrock_models.split(","):
                model_id, _, name = item.strip().partition("=")
                if model_id.strip():
                    models.append((model_id.strip(), name.strip() or model_id.strip()))
        if self.bedrock_model and self.bedrock_model not in {m for m, _ in models}:
            models.insert(0, (self.bedrock_model, self.bedrock_model))
        return models

    @property
    def bedrock_wanted(self) -> bool:
        return self.llm_provider == "bedrock" or self.bedrock_enabled

    @property
    def openai_wanted(self) -> bool:
        return bool(self.openai_base_url and self.openai_model)
