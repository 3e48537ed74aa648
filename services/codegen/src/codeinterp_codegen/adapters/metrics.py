"""Prometheus metrics per generation (token usage and latency), fed by
`CodegenService(on_generation=record_generation)`; served on codegen's metrics port.

Labels are the provider, the model id and the outcome only: never prompt text or data."""

from __future__ import annotations

from prometheus_client import Counter, Histogram

from codeinterp_codegen.domain.service import GenerationRecord

GENERATIONS = Counter(
    "codeinterp_llm_generations_total",
    "Code generations by provider, model, outcome and cache use.",
    ["provider", "model", "outcome", "cached"],
)
TOKENS = Counter(
    "codeinterp_llm_tokens_total",
    "LLM tokens per provider and model (direction: input or output).",
    ["provider", "model", "direction"],
)
LATENCY = Histogram(
    "codeinterp_llm_generation_seconds",
    "Wall-clock time of a generation, retries included (cache hits excluded).",
    ["provider", "model", "outcome"],
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2, 4, 8, 15, 30, 60, 120),
)
PROVIDER_LATENCY = Histogram(
    "codeinterp_llm_provider_latency_seconds",
    "Latency the provider itself reports (Bedrock Converse metrics.latencyMs) for successful calls.",
    ["provider", "model"],
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2, 4, 8, 15, 30, 60, 120),
)


def record_generation(record: GenerationRecord) -> None:
    GENERATIONS.labels(record.provider, record.model, record.outcome, str(record.cached).lower()).inc()
    if record.cached:
        return
    TOKENS.labels(record.provider, record.model, "input").inc(record.input_tokens)
    TOKENS.labels(record.provider, record.model, "output").inc(record.output_tokens)
    LATENCY.labels(record.provider, record.model, record.outcome).observe(record.latency_s)
    if record.provider_latency_ms is not None:
        PROVIDER_LATENCY.labels(record.provider, record.model).observe(record.provider_latency_ms / 1000)
