"""OpenAI-compatible chat completions adapter (vLLM, Ollama, llama.cpp server, LiteLLM, ...).

POST {base_url}/chat/completions with a system message and the conversation; no streaming.
The httpx.AsyncClient is built by main.py and injected (connection pooling, one per process).
The API key, when configured, is sent as a bearer token and is never logged or put in errors.
"""

from __future__ import annotations

import email.utils
import time
from typing import Any

import httpx

from codeinterp_codegen.domain.providers import (
    OPENAI,
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

_STOP_REASONS = {"stop": "end_turn", "length": "max_tokens", "content_filter": "content_filtered"}
MAX_RETRY_AFTER_S = 3600.0


class OpenAICompatProvider:
    name = OPENAI

    def __init__(
        self,
        client: httpx.AsyncClient,
        *,
        base_url: str,
        default_model: str,
        api_key: str = "",
    ) -> None:
        self._client = client
        self._url = base_url.rstrip("/") + "/chat/completions"
        self.default_model = default_model
        self._headers = {"Content-Type": "application/json"}
        if api_key:
            self._headers["Authorization"] = f"Bearer {api_key}"

    def __repr__(self) -> str:  # never show the headers (API key)
        return f"OpenAICompatProvider(url={self._url!r}, default_model={self.default_model!r})"

    def request_body(self, request: GenerationRequest) -> dict[str, Any]:
        messages = [{"role": "system", "content": request.system}]
        messages += [{"role": m.role, "content": m.text} for m in request.messages]
        return {
            "model": request.model,
            "messages": messages,
            "temperature": request.temperature,
            "max_tokens": request.max_tokens,
            "stream": False,
        }

    async def generate(self, request: GenerationRequest) -> GenerationResult:
        body = self.request_body(request)
        timeout = httpx.Timeout(request.timeout_s, connect=min(5.0, request.timeout_s))
        start = time.perf_counter()
        try:
            response = await self._client.post(self._url, json=body, headers=self._headers, timeout=timeout)
        except httpx.TimeoutException:
            raise ProviderTimeout(
                f"the model endpoint did not answer within {request.timeout_s:.1f} s"
            ) from None
        except httpx.TransportError as exc:
            raise ProviderUnavailable(f"cannot reach the model endpoint: {type(exc).__name__}") from None
        latency = time.perf_counter() - start
        if response.status_code >= 300:
            raise map_status(response)
        try:
            payload = response.json()
        except ValueError:
            raise ProviderBadResponse("the model endpoint answered with something that is not JSON") from None
        return parse_completion(payload, request.model, latency)


def map_status(response: httpx.Response) -> ProviderError:
    status = response.status_code
    message = _error_message(response)
    retry_after = parse_retry_after(response.headers.get("retry-after"))
    text = f"HTTP {status}: {message}" if message else f"HTTP {status}"
    if status == 429:
        return ProviderThrottled(text, retry_after=retry_after, status=status, code="429")
    if status == 408:
        return ProviderTimeout(text, status=status, code="408")
    if status >= 500:
        return ProviderUnavailable(text, retry_after=retry_after, status=status, code=str(status))
    if status in (401, 403):
        return ProviderAccessDenied(text, status=status, code=str(status))
    if 400 <= status < 500:
        return ProviderRejected(text, status=status, code=str(status))
    return ProviderBadResponse(text, status=status, code=str(status))


def parse_completion(payload: Any, model: str, latency_s: float) -> GenerationResult:
    try:
        choice = payload["choices"][0]
        content = choice["message"].get("content")
    except (KeyError, IndexError, TypeError, AttributeError) as exc:
        raise ProviderBadResponse(f"completion without choices[0].message ({type(exc).__name__})") from None
    if isinstance(content, list):  # some servers return content parts
        content = "".join(p.get("text", "") for p in content if isinstance(p, dict))
    usage = payload.get("usage") or {}
    finish = str(choice.get("finish_reason") or "")
    return GenerationResult(
        text=content or "",
        model=str(payload.get("model") or model),
        usage=Usage(
            input_tokens=int(usage.get("prompt_tokens", 0) or 0),
            output_tokens=int(usage.get("completion_tokens", 0) or 0),
        ),
        latency_s=latency_s,
        stop_reason=_STOP_REASONS.get(finish, finish or "other"),
    )


def parse_retry_after(value: str | None) -> float | None:
    """Retry-After as delay-seconds or an HTTP date (RFC 9110 §10.2.3), capped; None if absent/invalid."""
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        if when is None:
            return None
        seconds = when.timestamp() - time.time()
    if seconds != seconds:  # NaN
        return None
    return min(max(0.0, seconds), MAX_RETRY_AFTER_S)


def _error_message(response: httpx.Response) -> str:
    try:
        data = response.json()
    except ValueError:
        return response.text[:300].strip()
    if isinstance(data, dict):
        err = data.get("error", data)
        if isinstance(err, dict):
            return str(err.get("message") or err.get("detail") or "")[:300]
        return str(err)[:300]
    return ""
