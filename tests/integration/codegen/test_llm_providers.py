"""The real Bedrock (boto3) and OpenAI-compatible (httpx) adapters against a scripted loopback
LLM server, through the domain service and through a real grpc.aio server."""

from __future__ import annotations

import logging
import time

import grpc
import httpx
import pytest
from fixtures.fake_llm import (
    FakeLLM,
    Reply,
    converse_error,
    converse_text,
    converse_throttle,
    openai_error,
    openai_text,
)
from google.rpc import error_details_pb2
from grpc_status import rpc_status

from codeinterp.codegen.v1 import codegen_service_pb2 as pb
from codeinterp.codegen.v1 import codegen_service_pb2_grpc as pb_grpc
from codeinterp.common.v1 import types_pb2 as types
from codeinterp_codegen.config import CodegenSettings
from codeinterp_codegen.domain.providers import CodegenRequest, Column, DataInput, PreviousAttempt
from codeinterp_codegen.main import build_bedrock_client, build_http_client, build_service, services
from codeinterp_codegen.servicer import DOMAIN
from codeinterp_common.errors import ServiceError
from codeinterp_common.server import build_server

pytestmark = pytest.mark.integration

AWS_SECRET = "AWS-SECRET-do-not-log-7f3a"
OPENAI_KEY = "sk-openai-do-not-log-91bc"
GOOD = "```python\n# Total amount per region.\nresult = spark.read.csv(inputs['sales']).groupBy('region').sum()\n```"
FIXED = "```python\n# Total amount per region (fixed).\nresult = 42\n```"
SALES = DataInput(
    name="sales",
    kind="csv",
    columns=(Column("region"), Column("amount", "double")),
    sample_rows=(("EU", 10.5), ("US", 3.0)),
    data_version="etag-1",
)
PROVIDERS = ["bedrock", "openai"]


def text_reply(kind: str, text: str, **kw) -> Reply:
    return converse_text(text, **kw) if kind == "bedrock" else openai_text(text, **kw)


def throttle_reply(kind: str, retry_after: float | None = None) -> Reply:
    if kind == "bedrock":
        return converse_throttle(retry_after)
    return openai_error(429, "rate limited", None if retry_after is None else str(retry_after))


@pytest.fixture
def fake():
    with FakeLLM() as server:
        yield server


@pytest.fixture
def aws_env(monkeypatch, tmp_path):
    # dummy credentials for the test only; no profile, no metadata lookups
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "test")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", AWS_SECRET)
    monkeypatch.delenv("AWS_SESSION_TOKEN", raising=False)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")


@pytest.fixture
async def wired(fake, aws_env, caplog, tmp_path):
    """(settings, service) wired by main.build_service with real clients pointed at the fake."""
    caplog.set_level(logging.DEBUG)
    settings = CodegenSettings(
        llm_provider="bedrock",
        bedrock_model="us.anthropic.claude-haiku-4-5-20251001-v1:0",
        bedrock_endpoint_url=fake.url,
        openai_base_url=fake.url + "/v1",
        openai_model="qwen2.5-coder",
        openai_api_key=OPENAI_KEY,
        llm_backoff_base_s=0.02,
        llm_backoff_cap_s=0.1,
        llm_timeout_s=10,
        data_dir=str(tmp_path / "data"),
    ).check()
    http_client = build_http_client(settings)
    service = build_service(settings, bedrock_client=build_bedrock_client(settings), http_client=http_client)
    yield settings, service
    await http_client.aclose()
    service.cache.close()
    # our credentials never reach our logs nor the prompt the model sees
    assert AWS_SECRET not in caplog.text and OPENAI_KEY not in caplog.text
    for r in fake.requests:
        assert AWS_SECRET not in r.prompt_text() and OPENAI_KEY not in r.prompt_text()
        assert AWS_SECRET not in str(r.headers)


def req(kind: str, **kw) -> CodegenRequest:
    return CodegenRequest(
        **{
            "framework": "spark",
            "prompt": "total amount per region",
            "inputs": (SALES,),
            "provider": kind,
            **kw,
        }
    )


# -- (a) good code ---------------------------------------------------------------------------


@pytest.mark.parametrize("kind", PROVIDERS)
async def test_good_code(kind, fake, wired):
    _, service = wired
    getattr(fake, kind).append(text_reply(kind, "Sure! Here it is:\n" + GOOD + "\nDone."))
    out = await service.generate(req(kind), timeout_s=10)
    assert out.code.startswith("# Total amount per region.\nresult = ")
    assert out.explanation == "Total amount per region." and out.provider == kind and not out.cached
    sent = fake.of(kind)
    assert len(sent) == 1
    prompt = sent[0].prompt_text()
    assert (
        "exactly one fenced code block tagged python" in prompt
        and '"amount"' in prompt
        and "etag" not in prompt
    )
    if kind == "bedrock":
        assert sent[0].model == "us.anthropic.claude-haiku-4-5-20251001-v1:0"
        assert sent[0].body["inferenceConfig"] == {"maxTokens": 2048, "temperature": 0.0}
        assert sent[0].headers["authorization"].startswith("AWS4-HMAC-SHA256 Credential=test/")
        assert (out.usage.input_tokens, out.usage.output_tokens) == (120, 40)
    else:
        assert sent[0].path == "/v1/chat/completions" and sent[0].model == "qwen2.5-coder"
        assert (
            sent[0].headers["authorization"] == f"Bearer {OPENAI_KEY}"
        )  # sent to the endpoint, never logged
        assert sent[0].body["messages"][0]["role"] == "system"
        assert (out.usage.input_tokens, out.usage.output_tokens) == (100, 30)
    # the same request again is a cache hit: no second call
    again = await service.generate(req(kind, prompt="Total amount  per REGION"), timeout_s=10)
    assert again.cached and again.code == out.code and len(fake.of(kind)) == 1


# -- (b) repair --------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", PROVIDERS)
async def test_repair_carries_previous_attempt(kind, fake, wired):
    _, service = wired
    getattr(fake, kind).append(text_reply(kind, FIXED))
    failed = "from pyspark.sql import functions as F\ndf = spark.read.csv(inputs['sales'])\nresult = df.groupBy('Region').agg(F.sum('amt'))\n"
    prev = PreviousAttempt(
        failed, "AnalysisException: [UNRESOLVED_COLUMN] `amt` cannot be resolved", "CODE", 3
    )
    out = await service.generate(req(kind, previous_attempt=prev), timeout_s=10)
    assert out.code == "# Total amount per region (fixed).\nresult = 42\n"
    prompt = fake.of(kind)[0].prompt_text()
    assert failed.strip() in prompt
    assert "[UNRESOLVED_COLUMN] `amt` cannot be resolved" in prompt
    assert "The failing line (line 3) is:\n    result = df.groupBy('Region').agg(F.sum('amt'))" in prompt


# -- (c), (d) unusable answers -------------------------------------------------------------------


@pytest.mark.parametrize("kind", PROVIDERS)
@pytest.mark.parametrize(
    "answer,reason",
    [
        ("You should group by region and sum the amount column.", "NO_CODE_BLOCK"),
        (
            "```python\ndf = spark.read.csv(inputs['sales'])\n```\nthen\n```python\nresult = df\n```",
            "MULTIPLE_CODE_BLOCKS",
        ),
    ],
)
async def test_unusable_answers(kind, answer, reason, fake, wired):
    _, service = wired
    getattr(fake, kind).append(text_reply(kind, answer))
    with pytest.raises(ServiceError) as info:
        await service.generate(req(kind), timeout_s=10)
    assert info.value.code == grpc.StatusCode.INVALID_ARGUMENT and info.value.reason == reason


@pytest.mark.parametrize("kind", PROVIDERS)
async def test_truncated_answer(kind, fake, wired):
    _, service = wired
    stop = {"stop_reason": "max_tokens"} if kind == "bedrock" else {"finish_reason": "length"}
    getattr(fake, kind).append(text_reply(kind, "```python\nresult = spark.read.csv(", **stop))
    with pytest.raises(ServiceError) as info:
        await service.generate(req(kind), timeout_s=10)
    assert info.value.reason == "RESPONSE_TRUNCATED"


# -- (e) throttling ----------------------------------------------------------------------------


@pytest.mark.parametrize("kind", PROVIDERS)
async def test_throttled_then_success(kind, fake, wired):
    _, service = wired
    queue = getattr(fake, kind)
    queue.extend([throttle_reply(kind), throttle_reply(kind), text_reply(kind, GOOD)])
    out = await service.generate(req(kind), timeout_s=10)
    assert out.attempts == 3 and len(fake.of(kind)) == 3  # no hidden SDK retries


@pytest.mark.parametrize("kind", PROVIDERS)
async def test_all_throttled_is_resource_exhausted_within_the_deadline(kind, fake, wired):
    _, service = wired
    getattr(fake, kind).extend([throttle_reply(kind)] * 10)
    start = time.monotonic()
    with pytest.raises(ServiceError) as info:
        await service.generate(req(kind), timeout_s=3)
    assert time.monotonic() - start < 3
    err = info.value
    assert err.code == grpc.StatusCode.RESOURCE_EXHAUSTED and err.reason == "LLM_THROTTLED"
    assert len(fake.of(kind)) == 4 and err.retry_after is not None


@pytest.mark.parametrize("kind", PROVIDERS)
async def test_retry_after_is_honoured(kind, fake, wired):
    _, service = wired
    getattr(fake, kind).extend([throttle_reply(kind, retry_after=0.4), text_reply(kind, GOOD)])
    start = time.monotonic()
    out = await service.generate(req(kind), timeout_s=10)
    assert time.monotonic() - start >= 0.4 and out.attempts == 2


async def test_bedrock_error_mapping(fake, wired):
    _, service = wired
    fake.bedrock.extend(
        [
            converse_error(503, "ServiceUnavailableException", "busy"),
            converse_error(424, "ModelNotReadyException", "warming"),
            converse_text(GOOD),
            converse_error(400, "ValidationException", "The provided model identifier is invalid."),
            converse_error(403, "AccessDeniedException", "no access"),
        ]
    )
    assert (await service.generate(req("bedrock"), timeout_s=10)).attempts == 3
    for code, reason in [
        (grpc.StatusCode.INVALID_ARGUMENT, "LLM_REQUEST_REJECTED"),
        (grpc.StatusCode.PERMISSION_DENIED, "LLM_ACCESS_DENIED"),
    ]:
        with pytest.raises(ServiceError) as info:
            await service.generate(req("bedrock", prompt=f"other question {reason}"), timeout_s=10)
        assert (info.value.code, info.value.reason) == (code, reason)


async def test_openai_error_mapping(fake, wired):
    _, service = wired
    fake.openai.extend(
        [
            openai_error(502, "bad gateway"),
            openai_text(GOOD),
            openai_error(401, "bad key"),
            Reply(200, "not json at all"),
        ]
    )
    assert (await service.generate(req("openai"), timeout_s=10)).attempts == 2
    with pytest.raises(ServiceError) as info:
        await service.generate(req("openai", prompt="q2"), timeout_s=10)
    assert info.value.reason == "LLM_ACCESS_DENIED" and OPENAI_KEY not in info.value.message
    with pytest.raises(ServiceError) as info:
        await service.generate(req("openai", prompt="q3"), timeout_s=10)
    assert info.value.reason == "LLM_BAD_RESPONSE"


async def test_unreachable_endpoint_is_unavailable(aws_env):
    settings = CodegenSettings(
        openai_base_url="http://127.0.0.1:9/v1",
        openai_model="m",
        llm_backoff_base_s=0.01,
        llm_backoff_cap_s=0.02,
    )
    async with httpx.AsyncClient() as client:
        service = build_service(settings, http_client=client)
        with pytest.raises(ServiceError) as info:
            await service.generate(req("openai"), timeout_s=3)
    assert info.value.code == grpc.StatusCode.UNAVAILABLE and info.value.reason == "LLM_UNAVAILABLE"


# -- through the gRPC servicer -------------------------------------------------------------------


def grpc_request(**kw) -> pb.GenerateCodeRequest:
    base = dict(
        framework=types.SPARK,
        prompt="total amount per region",
        inputs=[
            types.ExecutionInput(
                name="sales",
                kind=types.ExecutionInput.CSV_FILE,
                uri="/data/sales.csv",
                data_version="etag-1",
                columns=[
                    types.Column(name="region", type="string"),
                    types.Column(name="amount", type="double"),
                ],
            )
        ],
    )
    base.update(kw)
    return pb.GenerateCodeRequest(**base)


def error_info(err: grpc.aio.AioRpcError):
    status = rpc_status.from_call(err)
    info, retry = error_details_pb2.ErrorInfo(), None
    for d in status.details:
        if d.Is(error_details_pb2.ErrorInfo.DESCRIPTOR):
            d.Unpack(info)
        elif d.Is(error_details_pb2.RetryInfo.DESCRIPTOR):
            retry = error_details_pb2.RetryInfo()
            d.Unpack(retry)
    return info, retry


@pytest.fixture
async def stub(wired):
    settings, service = wired
    server = await build_server(
        CodegenSettings(grpc_port=0, metrics_port=0), services(settings, service), domain=DOMAIN, port=0
    )
    try:
        async with grpc.aio.insecure_channel(f"127.0.0.1:{server.port}") as channel:
            yield pb_grpc.CodegenServiceStub(channel)
    finally:
        await server.shutdown(0)


async def test_servicer_generates_and_caches(fake, stub):
    fake.bedrock.append(converse_text(GOOD))
    first = await stub.GenerateCode(grpc_request(), timeout=10)
    assert first.provider == "bedrock" and first.model.startswith("us.anthropic.claude-haiku")
    assert first.code.startswith("# Total amount per region.") and not first.cached
    assert first.usage.input_tokens == 120 and first.latency.ToNanoseconds() > 0
    second = await stub.GenerateCode(grpc_request(), timeout=10)
    assert second.cached and second.code == first.code and second.latency.ToNanoseconds() == 0
    # a new data version is never served from the cache
    fake.bedrock.append(converse_text(FIXED))
    changed = grpc_request()
    changed.inputs[0].data_version = "etag-2"
    third = await stub.GenerateCode(changed, timeout=10)
    assert not third.cached and third.code.endswith("result = 42\n")
    models = await stub.ListModels(pb.ListModelsRequest(), timeout=5)
    assert "qwen2.5-coder" in [m.id for m in models.models]


async def test_servicer_calculation_only_via_openai(fake, stub):
    fake.openai.append(
        openai_text("```python\n# The first 10 primes.\nresult = [2, 3, 5, 7, 11, 13, 17, 19, 23, 29]\n```")
    )
    out = await stub.GenerateCode(
        pb.GenerateCodeRequest(framework=types.RAY, prompt="first 10 prime numbers", provider="openai"),
        timeout=10,
    )
    assert out.provider == "openai" and "29]" in out.code
    assert "This question has no input data" in fake.of("openai")[0].prompt_text()


@pytest.mark.parametrize(
    "replies,code,reason",
    [
        ([converse_text("No code, sorry.")], grpc.StatusCode.INVALID_ARGUMENT, "NO_CODE_BLOCK"),
        (
            [converse_text("```python\na=1\n```\n```python\nresult=a\n```")],
            grpc.StatusCode.INVALID_ARGUMENT,
            "MULTIPLE_CODE_BLOCKS",
        ),
        ([converse_throttle()] * 10, grpc.StatusCode.RESOURCE_EXHAUSTED, "LLM_THROTTLED"),
    ],
)
async def test_servicer_errors(fake, stub, replies, code, reason):
    fake.bedrock.extend(replies)
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await stub.GenerateCode(grpc_request(), timeout=5)
    err = raised.value
    assert err.code() == code
    info, retry = error_info(err)
    assert info.reason == reason and info.domain == DOMAIN
    if code == grpc.StatusCode.RESOURCE_EXHAUSTED:
        assert retry is not None and retry.retry_delay.ToNanoseconds() > 0
        assert info.metadata["attempts"] == "4"


async def test_servicer_throttled_answers_before_the_callers_deadline(fake, wired):
    settings, service = wired
    service.retry = type(service.retry)(max_attempts=50, base_s=0.3, cap_s=0.3)
    fake.bedrock.extend([converse_throttle()] * 50)
    server = await build_server(
        CodegenSettings(grpc_port=0, metrics_port=0), services(settings, service), domain=DOMAIN, port=0
    )
    try:
        async with grpc.aio.insecure_channel(f"127.0.0.1:{server.port}") as channel:
            with pytest.raises(grpc.aio.AioRpcError) as raised:
                await pb_grpc.CodegenServiceStub(channel).GenerateCode(grpc_request(), timeout=1.5)
    finally:
        await server.shutdown(0)
    assert raised.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED  # not DEADLINE_EXCEEDED
    assert len(fake.of("bedrock")) > 1


async def test_servicer_request_errors(stub):
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await stub.GenerateCode(pb.GenerateCodeRequest(prompt="q"), timeout=5)
    assert raised.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await stub.GenerateCode(grpc_request(provider="nope"), timeout=5)
    assert error_info(raised.value)[0].reason == "UNKNOWN_PROVIDER"


# -- offline provider through the servicer (runs once the offline package is importable) ---------


def _offline_available() -> bool:
    try:
        from codeinterp_codegen.domain.offline import generate_offline  # noqa: F401
    except ImportError:
        return False
    return True


@pytest.mark.skipif(
    not _offline_available(), reason="codeinterp_codegen.domain.offline is not importable yet"
)
async def test_offline_provider_through_servicer(stub, fake):
    request = grpc_request(provider="offline")
    request.inputs[0].sample_rows.add().extend(["EU", 10.5])
    out = await stub.GenerateCode(request, timeout=10)
    assert (out.provider, out.model, out.cached) == ("offline", "plan-v1", False)
    assert "result" in out.code and "inputs[" in out.code and out.plan_json and out.explanation
    for framework in (types.RAY,):
        ray_out = await stub.GenerateCode(grpc_request(provider="offline", framework=framework), timeout=10)
        assert "ray.data" in ray_out.code
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await stub.GenerateCode(
            grpc_request(provider="offline", prompt="forecast next year's weather"), timeout=10
        )
    assert raised.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    info, _ = error_info(raised.value)
    assert (
        info.reason in ("OFFLINE_CANNOT_EXPRESS", "AMBIGUOUS_COLUMN")
        and info.metadata["provider"] == "offline"
    )
    assert not fake.requests  # the offline path never touches the network
