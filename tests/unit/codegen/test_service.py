"""CodegenService with fake providers: provider choice, offline mapping, extraction errors,
bounded jittered retries inside the deadline, cache, single-flight, recording."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import random

import grpc
import pytest

from codeinterp.codegen.v1 import codegen_service_pb2 as pb
from codeinterp.common.v1 import types_pb2 as types
from codeinterp_codegen import convert
from codeinterp_codegen.domain.cache import GenerationCache
from codeinterp_codegen.domain.prompts import system_prompt
from codeinterp_codegen.domain.providers import (
    CodegenRequest,
    Column,
    DataInput,
    GenerationRequest,
    GenerationResult,
    PreviousAttempt,
    ProviderAccessDenied,
    ProviderRejected,
    ProviderThrottled,
    ProviderTimeout,
    ProviderUnavailable,
    Usage,
)
from codeinterp_codegen.domain.service import (
    CodegenService,
    GenerationSettings,
    MonotonicClock,
    OfflineAPI,
    RetryPolicy,
)
from codeinterp_common.errors import ServiceError

CODE = "```python\n# Sum of amount per region.\nresult = spark.read.csv(inputs['sales'])\n```"
SALES = DataInput(
    name="sales",
    kind="csv",
    columns=(Column("region"), Column("amount", "double")),
    sample_rows=(("EU", 1.0),),
    data_version="v1",
)
REQ = CodegenRequest("spark", "total amount per region", (SALES,), provider="fake")


class FakeClock:
    def __init__(self) -> None:
        self.t = 0.0
        self.sleeps: list[float] = []

    def now(self) -> float:
        return self.t

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.t += seconds


class FakeProvider:
    name = "fake"
    default_model = "fake-model"

    def __init__(
        self, *script, clock: FakeClock | None = None, call_cost_s: float = 0.0, delay_s: float = 0.0
    ):
        self.script = list(script)
        self.calls: list[GenerationRequest] = []
        self.clock = clock
        self.call_cost_s = call_cost_s
        self.delay_s = delay_s

    async def generate(self, request: GenerationRequest) -> GenerationResult:
        self.calls.append(request)
        if self.delay_s:
            await asyncio.sleep(self.delay_s)
        if self.clock is not None:
            self.clock.t += self.call_cost_s
        item = self.script.pop(0) if self.script else CODE
        if isinstance(item, Exception):
            raise item
        if isinstance(item, GenerationResult):
            return item
        return GenerationResult(
            text=item,
            model=request.model,
            usage=Usage(100, 20),
            latency_s=0.01,
            provider_latency_ms=9,
            stop_reason="end_turn",
        )


def make(
    provider: FakeProvider, clock: FakeClock | None = None, *, cache: bool = True, **kw
) -> CodegenService:
    return CodegenService(
        {"fake": provider},
        default_provider="fake",
        cache=GenerationCache() if cache else None,
        offline=kw.pop("offline", None),
        clock=clock or FakeClock(),
        rng=random.Random(7),
        **kw,
    )


async def expect_error(coro, code: grpc.StatusCode, reason: str) -> ServiceError:
    with pytest.raises(ServiceError) as info:
        await coro
    assert (info.value.code, info.value.reason) == (code, reason), info.value.message
    return info.value


# -- LLM path: good code, extraction errors ------------------------------------------------


async def test_good_code():
    provider = FakeProvider(CODE)
    out = await make(provider).generate(REQ, timeout_s=30)
    assert out.code == "# Sum of amount per region.\nresult = spark.read.csv(inputs['sales'])\n"
    assert (out.provider, out.model, out.cached, out.attempts) == ("fake", "fake-model", False, 1)
    assert out.explanation == "Sum of amount per region."
    assert out.usage == Usage(100, 20)
    sent = provider.calls[0]
    assert sent.system == system_prompt("spark", "csv") and sent.temperature == 0.0
    assert sent.messages[0].role == "user" and '"amount"' in sent.messages[0].text


async def test_default_provider_and_model_override():
    provider = FakeProvider(CODE)
    svc = make(provider)
    await svc.generate(dataclasses.replace(REQ, provider="", model="other-model:1"), timeout_s=30)
    assert provider.calls[0].model == "other-model:1"


@pytest.mark.parametrize(
    "text,reason",
    [
        ("I would sum the amount column grouped by region.", "NO_CODE_BLOCK"),
        ("```python\na = 1\n```\n```python\nresult = a\n```", "MULTIPLE_CODE_BLOCKS"),
    ],
)
async def test_unusable_answers(text, reason):
    svc = make(FakeProvider(text))
    err = await expect_error(svc.generate(REQ, timeout_s=30), grpc.StatusCode.INVALID_ARGUMENT, reason)
    assert err.metadata["provider"] == "fake" and err.metadata["model"] == "fake-model"
    assert len(svc.cache) == 0  # nothing unusable is cached


async def test_truncated_answer():
    result = GenerationResult(text="```python\nresult = (", model="m", stop_reason="max_tokens")
    await expect_error(
        make(FakeProvider(result)).generate(REQ, timeout_s=30),
        grpc.StatusCode.INVALID_ARGUMENT,
        "RESPONSE_TRUNCATED",
    )


async def test_calculation_only_and_ray_prompts():
    provider = FakeProvider("```python\n# Primes.\nresult = [2, 3, 5]\n```", CODE)
    svc = make(provider)
    out = await svc.generate(CodegenRequest("ray", "first 10 prime numbers", provider="fake"), timeout_s=30)
    assert out.code.endswith("result = [2, 3, 5]\n")
    assert provider.calls[0].system == system_prompt("ray", "none")
    await svc.generate(dataclasses.replace(REQ, framework="ray"), timeout_s=30)
    assert provider.calls[1].system == system_prompt("ray", "csv")


async def test_repair_carries_previous_attempt_and_bypasses_cache():
    provider = FakeProvider(CODE, CODE, CODE)
    svc = make(provider)
    await svc.generate(REQ, timeout_s=30)
    prev = PreviousAttempt("x = 1\nresult = df.missing\n", "NameError: name 'df' is not defined", "CODE", 2)
    out = await svc.generate(dataclasses.replace(REQ, previous_attempt=prev), timeout_s=30)
    assert not out.cached and len(provider.calls) == 2
    turns = provider.calls[1].messages
    assert [m.role for m in turns] == ["user", "assistant", "user"]
    assert "result = df.missing" in turns[1].text
    assert "NameError" in turns[2].text and "    result = df.missing" in turns[2].text
    # the repair's output is not cached under the original request
    again = await svc.generate(REQ, timeout_s=30)
    assert again.cached and len(provider.calls) == 2


# -- retries inside the deadline -------------------------------------------------------------


async def test_throttling_retried_then_success_with_full_jitter():
    clock = FakeClock()
    provider = FakeProvider(ProviderThrottled("slow down"), ProviderThrottled("slow down"), CODE)
    svc = make(provider, clock, retry=RetryPolicy(max_attempts=4, base_s=1.0, cap_s=8.0))
    out = await svc.generate(REQ, timeout_s=60)
    assert out.attempts == 3 and len(provider.calls) == 3
    assert len(clock.sleeps) == 2
    assert 0 <= clock.sleeps[0] <= 1.0 and 0 <= clock.sleeps[1] <= 2.0  # uniform(0, base·2^(n-1))


async def test_all_throttled_is_resource_exhausted_with_retry_info():
    clock = FakeClock()
    provider = FakeProvider(*[ProviderThrottled("slow down")] * 10, clock=clock, call_cost_s=0.5)
    svc = make(provider, clock, retry=RetryPolicy(max_attempts=4, base_s=0.5, cap_s=4.0))
    err = await expect_error(
        svc.generate(REQ, timeout_s=30), grpc.StatusCode.RESOURCE_EXHAUSTED, "LLM_THROTTLED"
    )
    assert len(provider.calls) == 4 and err.metadata["attempts"] == "4"
    assert err.retry_after and err.retry_after > 0
    status = err.to_status()
    assert any(d.type_url.endswith("google.rpc.RetryInfo") for d in status.details)
    assert clock.t <= 30


async def test_retries_never_sleep_past_the_deadline():
    clock = FakeClock()
    provider = FakeProvider(*[ProviderThrottled("slow")] * 10, clock=clock, call_cost_s=1.0)
    svc = make(provider, clock, retry=RetryPolicy(max_attempts=10, base_s=2.0, cap_s=8.0, min_call_s=0.5))
    await expect_error(svc.generate(REQ, timeout_s=5), grpc.StatusCode.RESOURCE_EXHAUSTED, "LLM_THROTTLED")
    assert clock.t <= 5.0
    assert len(provider.calls) < 10


async def test_retry_after_longer_than_the_deadline_stops_at_once():
    clock = FakeClock()
    provider = FakeProvider(ProviderThrottled("quota", retry_after=120.0), CODE)
    svc = make(provider, clock)
    err = await expect_error(
        svc.generate(REQ, timeout_s=10), grpc.StatusCode.RESOURCE_EXHAUSTED, "LLM_THROTTLED"
    )
    assert len(provider.calls) == 1 and clock.sleeps == [] and err.retry_after == 120.0


async def test_retry_after_is_honoured_when_it_fits():
    clock = FakeClock()
    provider = FakeProvider(ProviderThrottled("quota", retry_after=3.0), CODE)
    out = await make(provider, clock, retry=RetryPolicy(base_s=0.1)).generate(REQ, timeout_s=30)
    assert out.attempts == 2 and clock.sleeps == [3.0]


async def test_unavailable_then_exhausted():
    clock = FakeClock()
    provider = FakeProvider(*[ProviderUnavailable("503", status=503)] * 4)
    err = await expect_error(
        make(provider, clock).generate(REQ, timeout_s=60), grpc.StatusCode.UNAVAILABLE, "LLM_UNAVAILABLE"
    )
    assert len(provider.calls) == 4 and err.retry_after is not None


async def test_model_timeouts_on_every_attempt_are_retryable_unavailable():
    provider = FakeProvider(*[ProviderTimeout("ModelTimeoutException")] * 4)
    err = await expect_error(
        make(provider).generate(REQ, timeout_s=60), grpc.StatusCode.UNAVAILABLE, "LLM_TIMEOUT"
    )
    assert len(provider.calls) == 4 and err.retry_after is not None


async def test_mixed_retryable_errors_then_success():
    provider = FakeProvider(ProviderUnavailable("500"), ProviderTimeout("slow"), CODE)
    assert (await make(provider).generate(REQ, timeout_s=60)).attempts == 3


@pytest.mark.parametrize(
    "exc,code,reason",
    [
        (
            ProviderRejected("ValidationException: bad model"),
            grpc.StatusCode.INVALID_ARGUMENT,
            "LLM_REQUEST_REJECTED",
        ),
        (
            ProviderAccessDenied("AccessDeniedException"),
            grpc.StatusCode.PERMISSION_DENIED,
            "LLM_ACCESS_DENIED",
        ),
    ],
)
async def test_non_retryable_errors_are_not_retried(exc, code, reason):
    provider = FakeProvider(exc, CODE)
    await expect_error(make(provider).generate(REQ, timeout_s=60), code, reason)
    assert len(provider.calls) == 1


async def test_hung_provider_is_cut_at_the_deadline():
    provider = FakeProvider(delay_s=5.0)
    svc = make(provider, MonotonicClock(), retry=RetryPolicy(min_call_s=0.5))
    loop = asyncio.get_running_loop()
    start = loop.time()
    await expect_error(svc.generate(REQ, timeout_s=0.3), grpc.StatusCode.DEADLINE_EXCEEDED, "LLM_TIMEOUT")
    assert loop.time() - start < 1.5


async def test_no_time_left():
    await expect_error(
        make(FakeProvider(CODE)).generate(REQ, timeout_s=0),
        grpc.StatusCode.DEADLINE_EXCEEDED,
        "DEADLINE_TOO_SHORT",
    )


async def test_concurrency_limit_per_model():
    provider = FakeProvider(delay_s=0.5)
    svc = make(provider, MonotonicClock(), settings=GenerationSettings(max_concurrency=1))
    first = asyncio.create_task(svc.generate(REQ, timeout_s=5))
    await asyncio.sleep(0.05)
    other = dataclasses.replace(REQ, prompt="average amount per region")
    await expect_error(
        svc.generate(other, timeout_s=0.1), grpc.StatusCode.RESOURCE_EXHAUSTED, "LLM_CONCURRENCY_LIMIT"
    )
    assert (await first).code


# -- cache -----------------------------------------------------------------------------------


async def test_cache_hit_and_keys():
    provider = FakeProvider(CODE, CODE, CODE, CODE)
    svc = make(provider)
    first = await svc.generate(REQ, timeout_s=30)
    hit = await svc.generate(dataclasses.replace(REQ, prompt="  Total AMOUNT per   region"), timeout_s=30)
    assert hit.cached and hit.code == first.code and hit.latency_s == 0 and hit.usage == Usage()
    assert len(provider.calls) == 1
    # another data version, another model: never served from the cache
    await svc.generate(
        dataclasses.replace(REQ, inputs=(dataclasses.replace(SALES, data_version="v2"),)), timeout_s=30
    )
    await svc.generate(dataclasses.replace(REQ, model="fake-model-2"), timeout_s=30)
    assert len(provider.calls) == 3


async def test_skip_cache_regenerates_and_refreshes():
    provider = FakeProvider(CODE, "```python\n# New.\nresult = 2\n```")
    svc = make(provider)
    await svc.generate(REQ, timeout_s=30)
    fresh = await svc.generate(dataclasses.replace(REQ, skip_cache=True), timeout_s=30)
    assert not fresh.cached and fresh.code == "# New.\nresult = 2\n"
    assert (await svc.generate(REQ, timeout_s=30)).code == "# New.\nresult = 2\n"


async def test_concurrent_identical_requests_share_one_call():
    provider = FakeProvider(CODE, delay_s=0.2)
    svc = make(provider, MonotonicClock())
    a, b = await asyncio.gather(svc.generate(REQ, timeout_s=5), svc.generate(REQ, timeout_s=5))
    assert len(provider.calls) == 1 and a.code == b.code
    assert sorted([a.cached, b.cached]) == [False, True]


async def test_concurrent_identical_failure_is_shared():
    provider = FakeProvider("no code here", delay_s=0.2)
    svc = make(provider, MonotonicClock())
    results = await asyncio.gather(
        svc.generate(REQ, timeout_s=5), svc.generate(REQ, timeout_s=5), return_exceptions=True
    )
    assert [getattr(r, "reason", None) for r in results] == ["NO_CODE_BLOCK", "NO_CODE_BLOCK"]
    assert len(provider.calls) == 1


# -- provider choice and request checks -------------------------------------------------------


async def test_unknown_and_unconfigured_providers():
    svc = make(FakeProvider(CODE))
    await expect_error(
        svc.generate(dataclasses.replace(REQ, provider="gpt"), timeout_s=5),
        grpc.StatusCode.INVALID_ARGUMENT,
        "UNKNOWN_PROVIDER",
    )
    err = await expect_error(
        svc.generate(dataclasses.replace(REQ, provider="bedrock"), timeout_s=5),
        grpc.StatusCode.FAILED_PRECONDITION,
        "PROVIDER_NOT_CONFIGURED",
    )
    assert err.metadata["provider"] == "bedrock"


async def test_model_required_and_checked():
    provider = FakeProvider(CODE)
    provider.default_model = ""
    svc = make(provider)
    await expect_error(
        svc.generate(REQ, timeout_s=5), grpc.StatusCode.FAILED_PRECONDITION, "MODEL_NOT_CONFIGURED"
    )
    await expect_error(
        svc.generate(dataclasses.replace(REQ, model="bad model\n"), timeout_s=5),
        grpc.StatusCode.INVALID_ARGUMENT,
        "INVALID_REQUEST",
    )


@pytest.mark.parametrize(
    "change,reason",
    [
        ({"prompt": "   "}, "INVALID_REQUEST"),
        ({"prompt": "x" * 9000}, "PROMPT_TOO_LONG"),
        ({"inputs": (SALES, SALES)}, "INVALID_REQUEST"),
        (
            {"inputs": (dataclasses.replace(SALES, columns=tuple(Column(f"c{i}") for i in range(1001))),)},
            "TOO_MANY_COLUMNS",
        ),
        ({"inputs": tuple(dataclasses.replace(SALES, name=f"i{i}") for i in range(17))}, "TOO_MANY_INPUTS"),
        ({"inputs": (dataclasses.replace(SALES, name="a\x00b"),)}, "INVALID_REQUEST"),
        ({"inputs": (dataclasses.replace(SALES, kind="table"),)}, "INVALID_REQUEST"),
        ({"workflow": "none"}, "INVALID_REQUEST"),
        ({"workflow": "catalog"}, "INVALID_REQUEST"),
        ({"previous_attempt": PreviousAttempt("", "err")}, "INVALID_REQUEST"),
    ],
)
async def test_request_checks(change, reason):
    provider = FakeProvider(CODE)
    err = await expect_error(
        make(provider).generate(dataclasses.replace(REQ, **change), timeout_s=5),
        grpc.StatusCode.INVALID_ARGUMENT,
        reason,
    )
    assert err.field_violations and not provider.calls


# -- offline path (stubbed: the real generator is covered by the integration test) ----------


class Refusal(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class OutOfGrammar(Refusal):
    def __init__(self, reason: str) -> None:
        super().__init__(f"cannot express: {reason}")
        self.detail = reason


class Ambiguous(Refusal):
    def __init__(self, candidates: list[str]) -> None:
        super().__init__("'amount' matches several columns")
        self.candidates = candidates


def stub_offline(behaviour):
    seen = []

    def generate(question, inputs, framework):
        seen.append((question, inputs, framework))
        if isinstance(behaviour, Exception):
            raise behaviour
        return type(
            "R", (), {"code": "result = 1\n", "plan_json": '{"kind": "aggregate"}', "explanation": "Sum."}
        )()

    api = OfflineAPI(
        generate=generate,
        input_info=lambda **kw: kw,
        column_info=lambda n, t: (n, t),
        refusal=Refusal,
        ambiguous=Ambiguous,
    )
    return api, seen


async def test_offline_result_and_mapping():
    api, seen = stub_offline(None)
    svc = make(FakeProvider(), offline=api)
    out = await svc.generate(dataclasses.replace(REQ, provider="offline", model="ignored"), timeout_s=5)
    assert (out.provider, out.model, out.plan_json, out.explanation) == (
        "offline",
        "plan-v1",
        '{"kind": "aggregate"}',
        "Sum.",
    )
    question, inputs, framework = seen[0]
    assert framework == "spark" and inputs[0]["columns"] == [("region", "string"), ("amount", "double")]
    assert inputs[0]["sample_rows"] == [["EU", 1.0]] and inputs[0]["kind"] == "csv"


@pytest.mark.parametrize(
    "exc,reason,meta",
    [
        (
            OutOfGrammar("'forecast' is not supported"),
            "OFFLINE_CANNOT_EXPRESS",
            {"detail": "'forecast' is not supported"},
        ),
        (Ambiguous(["amount", "amount_eur"]), "AMBIGUOUS_COLUMN", {"candidates": "amount, amount_eur"}),
    ],
)
async def test_offline_refusals(exc, reason, meta):
    api, _ = stub_offline(exc)
    svc = make(FakeProvider(), offline=api)
    err = await expect_error(
        svc.generate(dataclasses.replace(REQ, provider="offline"), timeout_s=5),
        grpc.StatusCode.FAILED_PRECONDITION,
        reason,
    )
    assert err.message == exc.reason
    assert err.metadata["provider"] == "offline" and err.metadata["llm_providers"] == "fake"
    for k, v in meta.items():
        assert err.metadata[k] == v


async def test_offline_cannot_repair_and_unavailable():
    api, _ = stub_offline(None)
    svc = make(FakeProvider(), offline=api)
    repair = dataclasses.replace(REQ, provider="offline", previous_attempt=PreviousAttempt("x", "y"))
    await expect_error(
        svc.generate(repair, timeout_s=5), grpc.StatusCode.FAILED_PRECONDITION, "OFFLINE_CANNOT_REPAIR"
    )
    await expect_error(
        make(FakeProvider(), offline=None).generate(
            dataclasses.replace(REQ, provider="offline"), timeout_s=5
        ),
        grpc.StatusCode.FAILED_PRECONDITION,
        "OFFLINE_UNAVAILABLE",
    )


# -- recording and logs ------------------------------------------------------------------------


async def test_generation_record_and_no_prompt_data_in_logs(caplog):
    records = []
    secret_value = "SECRET-CELL-VALUE-123"
    item = dataclasses.replace(SALES, sample_rows=((secret_value, 1.0),))
    svc = make(FakeProvider(CODE), on_generation=records.append)
    with caplog.at_level(logging.INFO):
        await svc.generate(
            dataclasses.replace(REQ, prompt="total amount per region ZZMARKER", inputs=(item,)), timeout_s=30
        )
    rec = records[0]
    assert (rec.provider, rec.outcome, rec.input_tokens, rec.output_tokens, rec.provider_latency_ms) == (
        "fake",
        "ok",
        100,
        20,
        9,
    )
    assert rec.attempts == 1 and rec.latency_s >= 0
    logged = " ".join(f"{r.getMessage()} {r.__dict__}" for r in caplog.records if r.levelno >= logging.INFO)
    assert "generation" in logged and "ZZMARKER" not in logged and secret_value not in logged


# -- proto conversion --------------------------------------------------------------------------


def test_convert_request_and_response():
    from google.protobuf import struct_pb2

    row = struct_pb2.ListValue()
    row.extend(["EU", 3, 1.5, None, True])
    req = pb.GenerateCodeRequest(
        framework=types.RAY,
        prompt="q",
        inputs=[
            types.ExecutionInput(
                name="orders",
                kind=types.ExecutionInput.TABLE,
                uri="s3://b/warehouse/orders/",
                table=types.TableRef(database="shop", table="orders"),
                columns=[types.Column(name="amount", type="double", description="d")],
                sample_rows=[row],
                data_version="etag",
            )
        ],
        previous_attempt=pb.PreviousAttempt(
            code="c", error="e", error_class=types.VALIDATION, failing_line=3
        ),
        provider="openai",
        model="m",
        skip_cache=True,
    )
    d = convert.request_from_proto(req)
    item = d.inputs[0]
    assert (d.framework, d.workflow, d.provider, d.model, d.skip_cache) == ("ray", None, "openai", "m", True)
    assert (item.kind, item.table, item.file_format, item.data_version) == (
        "table",
        "shop.orders",
        "parquet",
        "etag",
    )
    assert item.sample_rows == (("EU", 3, 1.5, None, True),)
    assert d.previous_attempt == PreviousAttempt("c", "e", "VALIDATION", 3)
    assert d.effective_workflow == "catalog"
    csv = convert.request_from_proto(
        pb.GenerateCodeRequest(
            framework=types.SPARK,
            prompt="q",
            workflow=types.CSV,
            inputs=[
                types.ExecutionInput(
                    name="s",
                    kind=types.ExecutionInput.CSV_FILE,
                    csv_format=types.CsvFormat(delimiter=";", header=False),
                )
            ],
        )
    )
    assert (csv.workflow, csv.inputs[0].delimiter, csv.inputs[0].header) == ("csv", ";", False)
    assert csv.previous_attempt is None

    from codeinterp_codegen.domain.providers import CodegenResult

    msg = convert.response_to_proto(
        CodegenResult(
            code="c", provider="bedrock", model="m", usage=Usage(5, 6), latency_s=1.25, explanation="x"
        )
    )
    assert (msg.usage.input_tokens, msg.usage.output_tokens, msg.latency.seconds, msg.latency.nanos) == (
        5,
        6,
        1,
        250_000_000,
    )


@pytest.mark.parametrize(
    "req,field",
    [
        (pb.GenerateCodeRequest(prompt="q"), "framework"),
        (
            pb.GenerateCodeRequest(
                framework=types.SPARK, prompt="q", inputs=[types.ExecutionInput(name="x")]
            ),
            "inputs[0].kind",
        ),
        (
            pb.GenerateCodeRequest(
                framework=types.SPARK,
                prompt="q",
                inputs=[
                    types.ExecutionInput(
                        name="x", kind=types.ExecutionInput.TABLE, table=types.TableRef(database="db")
                    )
                ],
            ),
            "inputs[0].table",
        ),
    ],
)
def test_convert_rejects_bad_requests(req, field):
    with pytest.raises(ServiceError) as info:
        convert.request_from_proto(req)
    assert info.value.code == grpc.StatusCode.INVALID_ARGUMENT
    assert info.value.field_violations[0].field == field


# -- settings ------------------------------------------------------------------------------------


def test_settings_secret_and_checks():
    from codeinterp_codegen.config import CodegenSettings
    from codeinterp_common.config import ConfigError, describe, from_env

    s = from_env(CodegenSettings, {"CODEINTERP_OPENAI_API_KEY": "sk-secret-1", "CODEINTERP_LLM_MAX_ATTEMPTS": "3"})
    assert s.openai_api_key == "sk-secret-1" and s.llm_max_attempts == 3
    assert "sk-secret-1" not in repr(s)
    assert "CODEINTERP_OPENAI_API_KEY" in [row[0] for row in describe(CodegenSettings)]
    assert s.check() is s and not s.bedrock_wanted and not s.openai_wanted
    for bad in ({"llm_provider": "gpt"}, {"llm_provider": "openai"}, {"openai_base_url": "ftp://x", "openai_model": "m"}):
        with pytest.raises(ConfigError):
            CodegenSettings(**bad).check()
