"""Bedrock Runtime Converse adapter (conventions.md §5).

The boto3 `bedrock-runtime` client is built by main.py (`build_client`) and injected. It uses
botocore's `standard` retry mode with `total_max_attempts=1` by default: the domain service
retries throttling and 5xx itself, with full jitter and never past the caller's deadline, which
botocore cannot know about. (Set CODEINTERP_BEDROCK_SDK_MAX_ATTEMPTS above 1 to let botocore
retry as well; each of its attempts then counts inside one of ours.)

boto3 is blocking, so a call runs in a worker thread; the domain stops waiting at the deadline
and the thread ends at the client's read timeout.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from codeinterp_codegen.domain.providers import (
    BEDROCK,
    GenerationRequest,
    GenerationResult,
    ProviderAccessDenied,
    ProviderBadResponse,
    ProviderError,
    ProviderRejected,
    ProviderThrottled,
    ProviderTimeout,
    ProviderUnavailable,
    Usage,
)

_THROTTLED = {"ThrottlingException", "TooManyRequestsException", "ServiceQuotaExceededException"}
_UNAVAILABLE = {
    "ServiceUnavailableException",
    "InternalServerException",
    "ModelNotReadyException",
    "ModelStreamErrorException",
    "InternalFailure",
    "ServiceUnavailable",
}
_TIMEOUT = {"ModelTimeoutException", "RequestTimeout", "RequestTimeoutException"}
_ACCESS = {
    "AccessDeniedException",
    "UnrecognizedClientException",
    "ExpiredTokenException",
    "InvalidSignatureException",
    "MissingAuthenticationTokenException",
    "IncompleteSignature",
}
_REJECTED = {"ValidationException", "ResourceNotFoundException", "ModelErrorException", "ConflictException"}

_STOP_REASONS = {
    "end_turn": "end_turn",
    "stop_sequence": "end_turn",
    "max_tokens": "max_tokens",
    "model_context_window_exceeded": "max_tokens",
    "guardrail_intervened": "content_filtered",
    "content_filtered": "content_filtered",
}


def build_client(
    *,
    region: str,
    endpoint_url: str = "",
    connect_timeout_s: float = 5.0,
    read_timeout_s: float = 60.0,
    max_attempts: int = 1,
    max_pool_connections: int = 16,
    session: Any = None,
) -> Any:
    """The boto3 bedrock-runtime client main.py injects (credentials from the default chain)."""
    import boto3
    from botocore.config import Config

    config = Config(
        region_name=region,
        connect_timeout=connect_timeout_s,
        read_timeout=read_timeout_s,
        retries={"mode": "standard", "total_max_attempts": max(1, max_attempts)},
        max_pool_connections=max_pool_connections,
        tcp_keepalive=True,
    )
    factory = session or boto3.session.Session()
    return factory.client("bedrock-runtime", endpoint_url=endpoint_url or None, config=config)


class BedrockConverseProvider:
    """Provider over Bedrock `converse` (one system block, alternating user/assistant turns)."""

    name = BEDROCK

    def __init__(self, client: Any, *, default_model: str, prompt_caching: bool = False) -> None:
        self._client = client
        self.default_model = default_model
        self.prompt_caching = prompt_caching

    def request_body(self, request: GenerationRequest) -> dict[str, Any]:
        system: list[dict[str, Any]] = [{"text": request.system}]
        if self.prompt_caching:
            # Cache the static system prompt (models that support Converse prompt caching only).
            system.append({"cachePoint": {"type": "default"}})
        return {
            "modelId": request.model,
            "system": system,
            "messages": [{"role": m.role, "content": [{"text": m.text}]} for m in request.messages],
            "inferenceConfig": {"maxTokens": request.max_tokens, "temperature": request.temperature},
        }

    async def generate(self, request: GenerationRequest) -> GenerationResult:
        body = self.request_body(request)
        start = time.perf_counter()
        response = await asyncio.to_thread(self._converse, body)
        latency = time.perf_counter() - start
        return parse_response(response, request.model, latency)

    def _converse(self, body: dict[str, Any]) -> dict[str, Any]:
        from botocore.exceptions import (
            BotoCoreError,
            ClientError,
            ConnectionClosedError,
            ConnectTimeoutError,
            EndpointConnectionError,
            NoCredentialsError,
            ReadTimeoutError,
        )

        try:
            return self._client.converse(**body)
        except ClientError as exc:
            raise map_client_error(exc) from None
        except ReadTimeoutError:
            raise ProviderTimeout("Bedrock did not answer before the read timeout") from None
        except (EndpointConnectionError, ConnectTimeoutError, ConnectionClosedError) as exc:
            raise ProviderUnavailable(f"cannot reach Bedrock: {type(exc).__name__}") from None
        except NoCredentialsError:
            raise ProviderAccessDenied(
                "no AWS credentials available for Bedrock", code="NoCredentials"
            ) from None
        except BotoCoreError as exc:
            raise ProviderUnavailable(f"Bedrock client error: {type(exc).__name__}") from None


def map_client_error(exc: Any) -> ProviderError:
    """botocore ClientError → domain ProviderError (never the SDK exception, never headers)."""
    response = getattr(exc, "response", {}) or {}
    err = response.get("Error", {}) or {}
    code = str(err.get("Code", "") or "")
    message = str(err.get("Message", "") or code or "error")[:500]
    meta = response.get("ResponseMetadata", {}) or {}
    status = meta.get("HTTPStatusCode")
    retry_after = _retry_after((meta.get("HTTPHeaders") or {}).get("retry-after"))
    text = f"{code}: {message}" if code else message
    if code in _THROTTLED or status == 429:
        return ProviderThrottled(text, retry_after=retry_after, status=status, code=code)
    if code in _TIMEOUT or status == 408:
        return ProviderTimeout(text, status=status, code=code)
    if code in _UNAVAILABLE or (isinstance(status, int) and status >= 500):
        return ProviderUnavailable(text, retry_after=retry_after, status=status, code=code)
    if code in _ACCESS or status in (401, 403):
        return ProviderAccessDenied(text, status=status, code=code)
    if code in _REJECTED or (isinstance(status, int) and 400 <= status < 500):
        return ProviderRejected(text, status=status, code=code)
    return ProviderUnavailable(text, status=status, code=code)


def parse_response(response: dict[str, Any], model: str, latency_s: float) -> GenerationResult:
    try:
        content = response["output"]["message"]["content"]
        text = "".join(block["text"] for block in content if isinstance(block, dict) and "text" in block)
    except (KeyError, TypeError) as exc:
        raise ProviderBadResponse(f"Converse response without output.message.content ({exc})") from None
    usage = response.get("usage") or {}
    metrics = response.get("metrics") or {}
    stop = str(response.get("stopReason", "") or "")
    return GenerationResult(
        text=text,
        model=model,
        usage=Usage(
            input_tokens=int(usage.get("inputTokens", 0) or 0),
            output_tokens=int(usage.get("outputTokens", 0) or 0),
            cache_read_tokens=int(usage.get("cacheReadInputTokens", 0) or 0),
            cache_write_tokens=int(usage.get("cacheWriteInputTokens", 0) or 0),
        ),
        latency_s=latency_s,
        provider_latency_ms=int(metrics["latencyMs"]) if "latencyMs" in metrics else None,
        stop_reason=_STOP_REASONS.get(stop, stop or "other"),
    )


def _retry_after(value: Any) -> float | None:
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        return None
    if seconds != seconds or seconds < 0:  # NaN or negative
        return None
    return min(seconds, 3600.0)
