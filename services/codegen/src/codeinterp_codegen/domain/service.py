"""CodegenService: the code-generation use case, independent of gRPC and of any SDK.

    request ─▶ validate ─▶ provider? ─ offline ─▶ generate_offline ─▶ result
                                    └ LLM ─────▶ cache? ─▶ single-flight ─▶ prompts ─▶ provider
                                                   (bounded jittered retries inside the deadline)
                                                 ─▶ extract exactly one python block ─▶ cache ─▶ result

Everything the caller can see is a ServiceError with a stable reason (see `REASONS`).
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
import re
import time
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any, Protocol

from codeinterp_codegen.domain.cache import CacheEntry, GenerationCache, cache_key
from codeinterp_codegen.domain.extraction import ExtractionError, extract_code
from codeinterp_codegen.domain.prompts import PROMPT_VERSION, PromptLimits, build_messages
from codeinterp_codegen.domain.providers import (
    OFFLINE,
    PROVIDER_NAMES,
    CodegenRequest,
    CodegenResult,
    GenerationRequest,
    GenerationResult,
    Provider,
    ProviderAccessDenied,
    ProviderError,
    ProviderRejected,
    ProviderThrottled,
    ProviderTimeout,
    Usage,
)
from codeinterp_common.errors import (
    DeadlineExceeded,
    FailedPrecondition,
    InvalidArgument,
    PermissionDenied,
    ResourceExhausted,
    ServiceError,
    Unavailable,
)

log = logging.getLogger(__name__)

OFFLINE_MODEL = "plan-v1"
_MODEL_ID = re.compile(r"^[A-Za-z0-9._:/@+\-]{1,256}$")
MAX_INPUT_NAME_CHARS = 128

#: Every ErrorInfo reason this service produces.
REASONS = (
    "NO_CODE_BLOCK",
    "MULTIPLE_CODE_BLOCKS",
    "RESPONSE_TRUNCATED",  # INVALID_ARGUMENT (LLM answer)
    "OFFLINE_CANNOT_EXPRESS",
    "AMBIGUOUS_COLUMN",
    "OFFLINE_CANNOT_REPAIR",
    "OFFLINE_UNAVAILABLE",
    "PROVIDER_NOT_CONFIGURED",
    "MODEL_NOT_CONFIGURED",  # FAILED_PRECONDITION
    "LLM_THROTTLED",
    "LLM_CONCURRENCY_LIMIT",  # RESOURCE_EXHAUSTED (+ RetryInfo)
    "LLM_UNAVAILABLE",
    "LLM_BAD_RESPONSE",
    "GENERATION_ABANDONED",  # UNAVAILABLE
    "LLM_TIMEOUT",
    "DEADLINE_TOO_SHORT",  # DEADLINE_EXCEEDED
    "LLM_REQUEST_REJECTED",  # INVALID_ARGUMENT (provider said 400)
    "LLM_ACCESS_DENIED",  # PERMISSION_DENIED
    "UNKNOWN_PROVIDER",
    "PROMPT_TOO_LONG",
    "TOO_MANY_COLUMNS",
    "TOO_MANY_INPUTS",
    "INVALID_REQUEST",
)


class Clock(Protocol):
    def now(self) -> float: ...

    async def sleep(self, seconds: float) -> None: ...


class MonotonicClock:
    def now(self) -> float:
        return time.monotonic()

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


@dataclass(frozen=True)
class RetryPolicy:
    """Retries of retryable provider errors (throttling, 5xx, model timeout) inside the deadline.

    Backoff is "full jitter": uniform(0, min(cap, base·2^(n-1))), or the provider's Retry-After
    when that is longer. A retry is skipped when its sleep plus `min_call_s` would pass the deadline.
    """

    max_attempts: int = 4
    base_s: float = 0.5
    cap_s: float = 8.0
    min_call_s: float = 0.5


@dataclass(frozen=True)
class GenerationSettings:
    max_tokens: int = 2048
    temperature: float = 0.0
    call_timeout_s: float = 60.0  # one provider call, capped by the remaining deadline
    max_prompt_chars: int = 8000
    max_inputs: int = 16
    max_columns: int = 1000  # per input; the prompt lists every column, so this bounds its size
    max_concurrency: int = 8  # concurrent calls per (provider, model)


@dataclass(frozen=True)
class GenerationRecord:
    """What is recorded per generation (Issue 5): no prompt text, no data, no secrets."""

    provider: str
    model: str
    framework: str
    workflow: str
    repair: bool
    cached: bool
    outcome: str  # "ok" or an error reason
    attempts: int
    input_tokens: int
    output_tokens: int
    latency_s: float
    provider_latency_ms: int | None = None


@dataclass(frozen=True)
class OfflineAPI:
    """The offline plan generator's entry points (codeinterp_codegen.domain.offline)."""

    generate: Callable[..., Any]  # (question, list[InputInfo], framework) -> OfflineResult
    input_info: Callable[..., Any]  # InputInfo(name, kind, columns, table, sample_rows)
    column_info: Callable[..., Any]  # ColumnInfo(name, type)
    refusal: type[Exception]  # OfflineRefusal
    ambiguous: type[Exception] | None = None  # Ambiguous (subclass of refusal)


def load_offline() -> OfflineAPI | None:
    """The offline generator when its package is importable, else None."""
    try:
        from codeinterp_codegen.domain import offline as mod
    except ImportError:
        return None
    if not hasattr(mod, "generate_offline"):
        return None
    return OfflineAPI(
        generate=mod.generate_offline,
        input_info=mod.InputInfo,
        column_info=mod.ColumnInfo,
        refusal=mod.OfflineRefusal,
        ambiguous=getattr(mod, "Ambiguous", None),
    )


_AUTO = object()


class CodegenService:
    """Generates (or repairs) code for a request with the offline generator or an LLM provider.

    `providers` maps a provider name (`bedrock`, `openai`) to an adapter; the offline generator
    is built in (loaded lazily; pass `offline=None` to disable it).
    """

    def __init__(
        self,
        providers: Mapping[str, Provider] | None = None,
        *,
        default_provider: str = OFFLINE,
        cache: GenerationCache | None = None,
        offline: OfflineAPI | None | object = _AUTO,
        retry: RetryPolicy = RetryPolicy(),
        settings: GenerationSettings = GenerationSettings(),
        limits: PromptLimits | None = None,
        clock: Clock | None = None,
        rng: random.Random | None = None,
        on_generation: Callable[[GenerationRecord], None] | None = None,
    ) -> None:
        self.providers = dict(providers or {})
        self.default_provider = default_provider
        self.cache = cache
        self._offline = offline
        self.retry = retry
        self.settings = settings
        self.limits = limits or PromptLimits()
        self.clock = clock or MonotonicClock()
        self.rng = rng or random.Random()
        self.on_generation = on_generation
        self._slots: dict[tuple[str, str], asyncio.Semaphore] = {}
        self._inflight: dict[str, asyncio.Future[CodegenResult]] = {}

    # ------------------------------------------------------------------------------------
    # Public API
    # ------------------------------------------------------------------------------------

    def configured_providers(self) -> list[str]:
        names = list(self.providers)
        if self._offline_generator() is not None:
            names.insert(0, OFFLINE)
        return names

    async def generate(self, request: CodegenRequest, *, timeout_s: float) -> CodegenResult:
        """Code for `request` within `timeout_s` seconds (the caller's remaining deadline)."""
        deadline = self.clock.now() + max(0.0, timeout_s)
        self._validate(request)
        name = (request.provider or self.default_provider).strip().lower()
        if name == OFFLINE:
            return self._generate_offline(request)
        provider = self._provider(name)
        model = (request.model or provider.default_model).strip()
        if not model:
            raise FailedPrecondition(
                f"no model given and provider {name!r} has no default model configured",
                reason="MODEL_NOT_CONFIGURED",
                metadata={"provider": name},
            )
        if not _MODEL_ID.match(model):
            raise InvalidArgument(
                "model must be a model id, inference-profile id or ARN (letters, digits, . _ : / @ + -)",
                field="model",
                reason="INVALID_REQUEST",
            )
        key = None
        if self.cache is not None and request.previous_attempt is None:
            key = cache_key(request, provider=name, model=model, prompt_version=PROMPT_VERSION)
            if not request.skip_cache:
                hit = self.cache.get(key)
                if hit is not None:
                    self._record(request, name, model, cached=True, outcome="ok", attempts=0)
                    return CodegenResult(
                        code=hit.code,
                        provider=hit.provider,
                        model=hit.model,
                        cached=True,
                        explanation=hit.explanation,
                        attempts=0,
                    )
                shared = self._inflight.get(key)
                if shared is not None:
                    return await self._follow(shared, deadline)
        if key is None or request.skip_cache:
            return await self._generate_llm(provider, name, model, request, deadline, key)
        return await self._lead(key, self._generate_llm(provider, name, model, request, deadline, key))

    # ------------------------------------------------------------------------------------
    # Request checks
    # ------------------------------------------------------------------------------------

    def _validate(self, request: CodegenRequest) -> None:
        s = self.settings
        if request.framework not in ("spark", "ray"):
            raise InvalidArgument(
                "framework must be SPARK or RAY", field="framework", reason="INVALID_REQUEST"
            )
        if not request.prompt.strip():
            raise InvalidArgument("prompt must not be empty", field="prompt", reason="INVALID_REQUEST")
        if len(request.prompt) > s.max_prompt_chars:
            raise InvalidArgument(
                f"prompt has {len(request.prompt)} characters; the limit is {s.max_prompt_chars}",
                field="prompt",
                reason="PROMPT_TOO_LONG",
                metadata={"length": len(request.prompt), "limit": s.max_prompt_chars},
            )
        if len(request.inputs) > s.max_inputs:
            raise InvalidArgument(
                f"{len(request.inputs)} inputs given; the limit is {s.max_inputs}",
                field="inputs",
                reason="TOO_MANY_INPUTS",
                metadata={"count": len(request.inputs), "limit": s.max_inputs},
            )
        seen: set[str] = set()
        for n, item in enumerate(request.inputs):
            where = f"inputs[{n}]"
            if (
                not item.name.strip()
                or len(item.name) > MAX_INPUT_NAME_CHARS
                or any(unicodedata.category(ch) in ("Cc", "Cf", "Cs") for ch in item.name)
            ):
                raise InvalidArgument(
                    f"input name must be 1 to {MAX_INPUT_NAME_CHARS} printable characters",
                    field=f"{where}.name",
                    reason="INVALID_REQUEST",
                )
            if item.name in seen:
                raise InvalidArgument(
                    f"input name {item.name!r} is used twice",
                    field=f"{where}.name",
                    reason="INVALID_REQUEST",
                    metadata={"name": item.name},
                )
            seen.add(item.name)
            if item.kind == "table" and not item.table:
                raise InvalidArgument(
                    "a TABLE input needs its table reference",
                    field=f"{where}.table",
                    reason="INVALID_REQUEST",
                )
            if len(item.columns) > s.max_columns:
                raise InvalidArgument(
                    f"input {item.name!r} has {len(item.columns)} columns; the limit is {s.max_columns}",
                    field=f"{where}.columns",
                    reason="TOO_MANY_COLUMNS",
                    metadata={"name": item.name, "count": len(item.columns), "limit": s.max_columns},
                )
        wf = request.workflow
        if wf == "none" and request.inputs:
            raise InvalidArgument(
                "workflow NONE (calculation only) cannot have inputs",
                field="workflow",
                reason="INVALID_REQUEST",
            )
        if wf == "catalog" and not any(i.kind == "table" for i in request.inputs):
            raise InvalidArgument(
                "workflow CATALOG needs at least one TABLE input", field="workflow", reason="INVALID_REQUEST"
            )
        if wf == "csv" and (not request.inputs or any(i.kind == "table" for i in request.inputs)):
            raise InvalidArgument(
                "workflow CSV needs CSV inputs only", field="workflow", reason="INVALID_REQUEST"
            )
        prev = request.previous_attempt
        if prev is not None and (not prev.code.strip() or not prev.error.strip()):
            raise InvalidArgument(
                "previous_attempt needs both the failed code and its error",
                field="previous_attempt",
                reason="INVALID_REQUEST",
            )

    def _provider(self, name: str) -> Provider:
        provider = self.providers.get(name)
        if provider is not None:
            return provider
        if name not in PROVIDER_NAMES:
            raise InvalidArgument(
                f"unknown provider {name!r}; use one of {', '.join(PROVIDER_NAMES)}",
                field="provider",
                reason="UNKNOWN_PROVIDER",
                metadata={"provider": name},
            )
        raise FailedPrecondition(
            f"provider {name!r} is not configured on this server (configured: "
            f"{', '.join(self.configured_providers()) or 'none'})",
            reason="PROVIDER_NOT_CONFIGURED",
            metadata={"provider": name, "configured": ",".join(self.configured_providers())},
        )

    # ------------------------------------------------------------------------------------
    # Offline path
    # ------------------------------------------------------------------------------------

    def _offline_generator(self) -> OfflineAPI | None:
        if self._offline is _AUTO:
            self._offline = load_offline()
        return self._offline  # type: ignore[return-value]

    def _generate_offline(self, request: CodegenRequest) -> CodegenResult:
        api = self._offline_generator()
        llms = ",".join(self.providers)
        if api is None:
            raise FailedPrecondition(
                "the offline plan generator is not available on this server",
                reason="OFFLINE_UNAVAILABLE",
                metadata={"provider": OFFLINE, "llm_providers": llms},
            )
        if request.previous_attempt is not None:
            raise FailedPrecondition(
                "the offline plan generator is deterministic and cannot repair a failed attempt; "
                "use an LLM provider to repair it",
                reason="OFFLINE_CANNOT_REPAIR",
                metadata={"provider": OFFLINE, "llm_providers": llms},
            )
        infos = [
            api.input_info(
                name=i.name,
                kind=i.kind,
                columns=[api.column_info(c.name, c.type or "string") for c in i.columns],
                table=i.table,
                sample_rows=[list(r) for r in i.sample_rows],
            )
            for i in request.inputs
        ]
        start = time.perf_counter()
        try:
            out = api.generate(request.prompt, infos, request.framework)
        except api.refusal as exc:
            ambiguous = api.ambiguous is not None and isinstance(exc, api.ambiguous)
            self._record(
                request,
                OFFLINE,
                OFFLINE_MODEL,
                cached=False,
                attempts=1,
                outcome="AMBIGUOUS_COLUMN" if ambiguous else "OFFLINE_CANNOT_EXPRESS",
            )
            raise _offline_refusal(exc, llms, ambiguous=ambiguous) from None
        latency = time.perf_counter() - start
        plan = out.plan_json if isinstance(out.plan_json, str) else json.dumps(out.plan_json, default=str)
        self._record(
            request, OFFLINE, OFFLINE_MODEL, cached=False, outcome="ok", attempts=1, latency_s=latency
        )
        return CodegenResult(
            code=out.code,
            provider=OFFLINE,
            model=OFFLINE_MODEL,
            plan_json=plan,
            explanation=out.explanation or "",
            latency_s=latency,
        )

    # ------------------------------------------------------------------------------------
    # LLM path
    # ------------------------------------------------------------------------------------

    async def _lead(self, key: str, work) -> CodegenResult:
        """Runs `work` as the one generation for `key`; concurrent identical requests share it."""
        fut: asyncio.Future[CodegenResult] = asyncio.get_running_loop().create_future()
        self._inflight[key] = fut
        try:
            result = await work
        except asyncio.CancelledError:
            fut.set_exception(
                Unavailable(
                    "an identical generation running concurrently was cancelled; retry",
                    reason="GENERATION_ABANDONED",
                    retry_after=0.0,
                )
            )
            raise
        except BaseException as exc:
            fut.set_exception(exc)
            raise
        else:
            fut.set_result(result)
            return result
        finally:
            self._inflight.pop(key, None)
            if fut.done() and not fut.cancelled():
                fut.exception()  # mark retrieved: no "never retrieved" warning without followers

    async def _follow(self, fut: asyncio.Future[CodegenResult], deadline: float) -> CodegenResult:
        remaining = deadline - self.clock.now()
        try:
            result = await asyncio.wait_for(asyncio.shield(fut), max(0.001, remaining))
        except TimeoutError:
            raise DeadlineExceeded(
                "an identical generation is still running and did not finish within the deadline",
                reason="LLM_TIMEOUT",
            ) from None
        return replace(result, cached=True, usage=Usage(), latency_s=0.0, attempts=0)

    async def _generate_llm(
        self,
        provider: Provider,
        name: str,
        model: str,
        request: CodegenRequest,
        deadline: float,
        key: str | None,
    ) -> CodegenResult:
        system, messages = build_messages(request, self.limits)
        log.debug("prompt built", extra={"system_chars": len(system), "turns": len(messages)})
        greq = GenerationRequest(
            system=system,
            messages=messages,
            model=model,
            max_tokens=self.settings.max_tokens,
            temperature=self.settings.temperature,
            timeout_s=self.settings.call_timeout_s,
        )
        start = self.clock.now()
        try:
            result, attempts = await self._call_with_retries(provider, name, greq, deadline)
        except ServiceError as exc:
            self._record(
                request,
                name,
                model,
                cached=False,
                outcome=exc.reason,
                attempts=getattr(exc, "attempts", 0),
                latency_s=self.clock.now() - start,
            )
            raise
        latency = self.clock.now() - start
        try:
            extracted = extract_code(result.text, truncated=result.truncated)
        except ExtractionError as exc:
            self._record(
                request,
                name,
                model,
                cached=False,
                outcome=exc.reason,
                attempts=attempts,
                latency_s=latency,
                result=result,
            )
            raise InvalidArgument(
                exc.message,
                reason=exc.reason,
                metadata={
                    "provider": name,
                    "model": model,
                    "stop_reason": result.stop_reason,
                    **exc.metadata,
                },
            ) from None
        self._record(
            request,
            name,
            model,
            cached=False,
            outcome="ok",
            attempts=attempts,
            latency_s=latency,
            result=result,
        )
        if key is not None and self.cache is not None:
            self.cache.put(
                key,
                CacheEntry(
                    code=extracted.code,
                    explanation=extracted.explanation,
                    provider=name,
                    model=model,
                    created_at=time.time(),
                    input_tokens=result.usage.input_tokens,
                    output_tokens=result.usage.output_tokens,
                ),
            )
        return CodegenResult(
            code=extracted.code,
            provider=name,
            model=model,
            explanation=extracted.explanation,
            usage=result.usage,
            latency_s=latency,
            attempts=attempts,
        )

    async def _call_with_retries(
        self, provider: Provider, name: str, request: GenerationRequest, deadline: float
    ) -> tuple[GenerationResult, int]:
        policy = self.retry
        attempt = 0
        last: ProviderError | None = None
        while True:
            remaining = deadline - self.clock.now()
            if remaining <= 0.01 or (attempt > 0 and remaining < policy.min_call_s):
                break
            attempt += 1
            try:
                return await self._call_once(provider, name, request, deadline), attempt
            except ProviderError as exc:
                if not exc.retryable:
                    raise _fatal(exc, name, request.model) from None
                last = exc
                log.info(
                    "provider call failed, may retry",
                    extra={
                        "provider": name,
                        "model": request.model,
                        "kind": exc.kind,
                        "code": exc.code,
                        "attempt": attempt,
                        "retry_after": exc.retry_after,
                    },
                )
            if attempt >= policy.max_attempts:
                break
            delay = self._backoff(attempt, last.retry_after)
            if self.clock.now() + delay + policy.min_call_s > deadline:
                break
            await self.clock.sleep(delay)
        raise self._exhausted(last, attempt, name, request.model)

    async def _call_once(
        self, provider: Provider, name: str, request: GenerationRequest, deadline: float
    ) -> GenerationResult:
        slot = self._slots.get((name, request.model))
        if slot is None:
            slot = self._slots[(name, request.model)] = asyncio.Semaphore(
                max(1, self.settings.max_concurrency)
            )
        try:
            await asyncio.wait_for(slot.acquire(), max(0.001, deadline - self.clock.now()))
        except TimeoutError:
            raise ResourceExhausted(
                f"too many concurrent generations for {name} model {request.model}; none finished in time",
                reason="LLM_CONCURRENCY_LIMIT",
                retry_after=1.0,
                metadata={"provider": name, "model": request.model, "limit": self.settings.max_concurrency},
            ) from None
        try:
            budget = max(0.001, min(request.timeout_s, deadline - self.clock.now()))
            try:
                # The adapter enforces `timeout_s` itself; this guard only covers adapters that cannot
                # (a blocking SDK call in a thread keeps running, but we stop waiting for it).
                return await asyncio.wait_for(
                    provider.generate(replace(request, timeout_s=budget)), budget + 0.25
                )
            except TimeoutError:
                raise ProviderTimeout(f"{name} did not answer within {budget:.1f} s") from None
        finally:
            slot.release()

    def _backoff(self, attempt: int, retry_after: float | None) -> float:
        p = self.retry
        ceiling = min(p.cap_s, p.base_s * (2 ** (attempt - 1)))
        delay = self.rng.uniform(0.0, ceiling)
        if retry_after is not None and retry_after > delay:
            delay = retry_after
        return delay

    def _exhausted(self, last: ProviderError | None, attempts: int, name: str, model: str) -> ServiceError:
        p = self.retry
        suggested = (
            last.retry_after
            if last is not None and last.retry_after
            else min(p.cap_s, p.base_s * (2 ** max(0, attempts - 1)))
        )
        meta = {"provider": name, "model": model, "attempts": attempts}
        err: ServiceError
        if last is None:
            err = DeadlineExceeded(
                "not enough time left before the deadline to call the model",
                reason="DEADLINE_TOO_SHORT",
                metadata=meta,
            )
        elif isinstance(last, ProviderThrottled):
            err = ResourceExhausted(
                f"{name} is throttling requests for model {model}: {attempts} attempt(s) within the deadline "
                f"failed; retry after about {suggested:.1f} s",
                reason="LLM_THROTTLED",
                retry_after=suggested,
                metadata={**meta, "retry_after_seconds": f"{suggested:.3f}"},
            )
        elif isinstance(last, ProviderTimeout) and attempts >= p.max_attempts:
            # every attempt hung while the caller still had time: the model is not answering now,
            # which is retryable later (UNAVAILABLE + RetryInfo), unlike a deadline that ran out
            err = Unavailable(
                f"{name} model {model} did not answer in time in {attempts} attempt(s); "
                f"retry after about {suggested:.1f} s",
                reason="LLM_TIMEOUT",
                retry_after=suggested,
                metadata={**meta, "retry_after_seconds": f"{suggested:.3f}"},
            )
        elif isinstance(last, ProviderTimeout):
            err = DeadlineExceeded(
                f"{name} model {model} did not answer in time ({attempts} attempt(s))",
                reason="LLM_TIMEOUT",
                metadata=meta,
            )
        else:
            err = Unavailable(
                f"{name} is unavailable for model {model}: {attempts} attempt(s) within the deadline failed; "
                f"retry after about {suggested:.1f} s",
                reason="LLM_UNAVAILABLE",
                retry_after=suggested,
                metadata={**meta, "retry_after_seconds": f"{suggested:.3f}"},
            )
        err.attempts = attempts  # type: ignore[attr-defined]
        return err

    # ------------------------------------------------------------------------------------
    # Recording (Issue 5: token usage and latency per generation)
    # ------------------------------------------------------------------------------------

    def _record(
        self,
        request: CodegenRequest,
        provider: str,
        model: str,
        *,
        cached: bool,
        outcome: str,
        attempts: int,
        latency_s: float = 0.0,
        result: GenerationResult | None = None,
    ) -> None:
        usage = result.usage if result is not None else Usage()
        record = GenerationRecord(
            provider=provider,
            model=model,
            framework=request.framework,
            workflow=request.effective_workflow,
            repair=request.previous_attempt is not None,
            cached=cached,
            outcome=outcome,
            attempts=attempts,
            input_tokens=usage.input_tokens,
            output_tokens=usage.output_tokens,
            latency_s=latency_s,
            provider_latency_ms=result.provider_latency_ms if result is not None else None,
        )
        log.info(
            "generation",
            extra={
                "provider": provider,
                "model": model,
                "framework": record.framework,
                "workflow": record.workflow,
                "repair": record.repair,
                "cached": cached,
                "outcome": outcome,
                "attempts": attempts,
                "input_tokens": usage.input_tokens,
                "output_tokens": usage.output_tokens,
                "latency_ms": round(latency_s * 1000, 1),
                "provider_latency_ms": record.provider_latency_ms,
            },
        )
        if self.on_generation is not None:
            try:
                self.on_generation(record)
            except Exception:  # noqa: BLE001 - recording must never fail a generation
                log.exception("generation recorder failed")


def _fatal(exc: ProviderError, name: str, model: str) -> ServiceError:
    meta = {"provider": name, "model": model, "provider_code": exc.code or exc.kind}
    if isinstance(exc, ProviderAccessDenied):
        return PermissionDenied(
            f"{name} refused access to model {model}: {exc.message}",
            reason="LLM_ACCESS_DENIED",
            metadata=meta,
        )
    if isinstance(exc, ProviderRejected):
        return InvalidArgument(
            f"{name} rejected the request for model {model}: {exc.message}",
            reason="LLM_REQUEST_REJECTED",
            metadata=meta,
        )
    return Unavailable(
        f"{name} returned an unusable response for model {model}: {exc.message}",
        reason="LLM_BAD_RESPONSE",
        metadata=meta,
    )


def _offline_refusal(exc: Exception, llms: str, *, ambiguous: bool) -> FailedPrecondition:
    reason_text = str(getattr(exc, "reason", None) or exc)
    meta: dict[str, object] = {"provider": OFFLINE, "llm_providers": llms}
    if ambiguous:
        candidates = getattr(exc, "candidates", None)
        if candidates:
            meta["candidates"] = ", ".join(map(str, candidates))
        return FailedPrecondition(reason_text, reason="AMBIGUOUS_COLUMN", metadata=meta)
    detail = getattr(exc, "detail", None)
    if detail:
        meta["detail"] = str(detail)
    return FailedPrecondition(reason_text, reason="OFFLINE_CANNOT_EXPRESS", metadata=meta)
