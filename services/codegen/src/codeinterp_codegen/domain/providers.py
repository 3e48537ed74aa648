"""Domain types of code generation and the LLM provider interface.

`CodegenRequest` is what the servicer hands the domain (already converted from proto);
`GenerationRequest`/`GenerationResult` are what the domain hands an LLM provider adapter
and gets back. Adapters raise the `Provider*` errors below, never SDK exceptions; the
domain service decides what is retried and which gRPC status the caller sees.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol, runtime_checkable

Framework = Literal["spark", "ray"]
Workflow = Literal["csv", "catalog", "none"]
InputKind = Literal["csv", "table"]
Role = Literal["user", "assistant"]

OFFLINE = "offline"
BEDROCK = "bedrock"
OPENAI = "openai"
PROVIDER_NAMES = (OFFLINE, BEDROCK, OPENAI)


# --------------------------------------------------------------------------------------
# What the caller asks for
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    name: str
    type: str = "string"
    description: str = ""  # catalog comment: untrusted text


@dataclass(frozen=True)
class DataInput:
    """One input the generated code may read as `inputs[name]` (or `spark.table(table)`)."""

    name: str
    kind: InputKind
    columns: tuple[Column, ...] = ()
    table: str | None = None  # "db.table" for catalog inputs
    sample_rows: tuple[tuple[Any, ...], ...] = ()
    data_version: str = ""
    file_format: str = "csv"  # "csv" | "parquet": how Ray reads the files at inputs[name]
    delimiter: str = ","
    header: bool = True


@dataclass(frozen=True)
class PreviousAttempt:
    code: str
    error: str
    error_class: str = ""  # ErrorClass name (CODE, VALIDATION, DATA, ...) or ""
    failing_line: int = 0  # 1-based, 0 when unknown


@dataclass(frozen=True)
class CodegenRequest:
    framework: Framework
    prompt: str
    inputs: tuple[DataInput, ...] = ()
    workflow: Workflow | None = None  # None: derived from the inputs
    previous_attempt: PreviousAttempt | None = None
    provider: str = ""  # "" → configured default
    model: str = ""  # "" → the provider's default
    skip_cache: bool = False

    @property
    def effective_workflow(self) -> Workflow:
        if self.workflow is not None:
            return self.workflow
        return derive_workflow(self.inputs)


def derive_workflow(inputs: Sequence[DataInput]) -> Workflow:
    if any(i.kind == "table" for i in inputs):
        return "catalog"
    if inputs:
        return "csv"
    return "none"


@dataclass(frozen=True)
class Usage:
    input_tokens: int = 0
    output_tokens: int = 0
    cache_read_tokens: int = 0
    cache_write_tokens: int = 0


@dataclass(frozen=True)
class CodegenResult:
    code: str
    provider: str
    model: str
    cached: bool = False
    plan_json: str = ""
    explanation: str = ""
    usage: Usage = field(default_factory=Usage)
    latency_s: float = 0.0  # 0 on a cache hit
    attempts: int = 1  # provider calls made (throttling retries included)


# --------------------------------------------------------------------------------------
# What an LLM provider adapter receives and returns
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Message:
    role: Role
    text: str


@dataclass(frozen=True)
class GenerationRequest:
    system: str
    messages: tuple[Message, ...]
    model: str
    max_tokens: int = 2048
    temperature: float = 0.0
    timeout_s: float = 60.0  # this call's budget; never more than the caller's remaining deadline


@dataclass(frozen=True)
class GenerationResult:
    text: str
    model: str
    usage: Usage = field(default_factory=Usage)
    latency_s: float = 0.0  # wall time of the call as measured by the adapter
    provider_latency_ms: int | None = None  # what the provider reports (Bedrock metrics.latencyMs)
    stop_reason: str = ""  # normalised: end_turn | max_tokens | content_filtered | other

    @property
    def truncated(self) -> bool:
        return self.stop_reason == "max_tokens"


@runtime_checkable
class Provider(Protocol):
    """An LLM that turns a system prompt plus a conversation into text."""

    name: str  # "bedrock" | "openai" | a test double's name
    default_model: str

    async def generate(self, request: GenerationRequest) -> GenerationResult: ...


# --------------------------------------------------------------------------------------
# Errors adapters raise (never SDK exceptions)
# --------------------------------------------------------------------------------------


class ProviderError(Exception):
    """A provider call failed. `retryable` errors may be retried inside the deadline."""

    retryable = False
    kind = "error"

    def __init__(
        self, message: str, *, retry_after: float | None = None, status: int | None = None, code: str = ""
    ) -> None:
        super().__init__(message)
        self.message = message
        self.retry_after = retry_after  # seconds the provider asked us to wait (Retry-After)
        self.status = status  # HTTP status when known
        self.code = code  # provider error code (e.g. ThrottlingException)


class ProviderThrottled(ProviderError):
    """429 / ThrottlingException / quota: retry with backoff; exhausted → RESOURCE_EXHAUSTED."""

    retryable = True
    kind = "throttled"


class ProviderUnavailable(ProviderError):
    """5xx, ServiceUnavailable, ModelNotReady, connection failures: retry; exhausted → UNAVAILABLE."""

    retryable = True
    kind = "unavailable"


class ProviderTimeout(ProviderError):
    """ModelTimeoutException / read timeout: retried while time remains; else DEADLINE_EXCEEDED."""

    retryable = True
    kind = "timeout"


class ProviderRejected(ProviderError):
    """The provider rejected the request (400 / ValidationException / unknown model)."""

    kind = "rejected"


class ProviderAccessDenied(ProviderError):
    """Credentials missing or not allowed to call the model (401/403 / AccessDeniedException)."""

    kind = "access_denied"


class ProviderBadResponse(ProviderError):
    """The provider answered 2xx with something that is not a completion."""

    kind = "bad_response"
