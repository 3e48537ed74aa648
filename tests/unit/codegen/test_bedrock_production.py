"""Bedrock in production (issue 5): the Converse provider wired from settings against the loopback
fake (tests/fixtures/fake_llm.py speaks the Converse wire format): botocore standard retries,
endpoint from CODEINTERP_BEDROCK_ENDPOINT_URL or the shared CODEINTERP_AWS_* settings, the model
list through settings and ListModels, token usage and latency per generation (response and metrics)."""

from __future__ import annotations

import grpc
import pytest
from fixtures.fake_llm import FakeLLM, converse_text, converse_throttle
from prometheus_client import REGISTRY

from codeinterp.codegen.v1 import codegen_service_pb2 as pb
from codeinterp.codegen.v1 import codegen_service_pb2_grpc as pb_grpc
from codeinterp.common.v1 import types_pb2 as types
from codeinterp_codegen.config import DEFAULT_BEDROCK_MODELS, CodegenSettings
from codeinterp_codegen.main import bedrock_endpoint, build_bedrock_client, build_service, services
from codeinterp_codegen.servicer import DOMAIN
from codeinterp_common.server import build_server

CODE = (
    "```python\n# Rows per region.\nresult = spark.read.csv(inputs['sales']).groupBy('region').count()\n```"
)
MODEL = "us.amazon.nova-lite-v1:0"


@pytest.fixture
def fake():
    with FakeLLM() as server:
        yield server


@pytest.fixture
def aws_env(monkeypatch, tmp_path):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "test")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test-secret")
    monkeypatch.delenv("AWS_SESSION_TOKEN", raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    for name in ("CODEINTERP_AWS_ENDPOINT_URL", "CODEINTERP_AWS_BEDROCK_ENDPOINT_URL"):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def _settings(**kw) -> CodegenSettings:
    base = dict(
        llm_provider="bedrock",
        bedrock_model=MODEL,
        bedrock_sdk_max_attempts=3,
        cache_enabled=False,
        llm_timeout_s=10,
    )
    return CodegenSettings(**{**base, **kw}).check()


def _request() -> pb.GenerateCodeRequest:
    return pb.GenerateCodeRequest(
        framework=types.SPARK,
        prompt="rows per region",
        provider="bedrock",
        inputs=[
            types.ExecutionInput(
                name="sales",
                kind=types.ExecutionInput.CSV_FILE,
                uri="s3://b/k.csv",
                columns=[types.Column(name="region", type="string")],
            )
        ],
    )


def test_client_uses_standard_retries_and_the_endpoint_chain(fake, aws_env):
    # the shared AWS settings are used when the codegen-specific override is empty ...
    aws_env.setenv("CODEINTERP_AWS_BEDROCK_ENDPOINT_URL", fake.url)
    settings = _settings(bedrock_region="eu-west-1")
    assert bedrock_endpoint(settings) == fake.url
    client = build_bedrock_client(settings)
    assert client.meta.endpoint_url == fake.url and client.meta.region_name == "eu-west-1"
    assert client.meta.config.retries == {"mode": "standard", "total_max_attempts": 3}
    # ... the catch-all AWS endpoint next ...
    aws_env.delenv("CODEINTERP_AWS_BEDROCK_ENDPOINT_URL")
    aws_env.setenv("CODEINTERP_AWS_ENDPOINT_URL", "http://127.0.0.1:9")
    assert bedrock_endpoint(settings) == "http://127.0.0.1:9"
    # ... and CODEINTERP_BEDROCK_ENDPOINT_URL (the existing setting) still wins.
    assert bedrock_endpoint(_settings(bedrock_endpoint_url=fake.url)) == fake.url
    aws_env.delenv("CODEINTERP_AWS_ENDPOINT_URL")
    assert bedrock_endpoint(_settings()) == ""  # AWS itself


async def test_botocore_retries_a_throttle_inside_one_call(fake, aws_env):
    settings = _settings(bedrock_endpoint_url=fake.url, llm_max_attempts=1)
    service = build_service(settings, bedrock_client=build_bedrock_client(settings))
    fake.bedrock.extend([converse_throttle(), converse_text(CODE)])
    from codeinterp_codegen import convert

    out = await service.generate(convert.request_from_proto(_request()), timeout_s=15)
    assert out.code.startswith("# Rows per region.") and out.attempts == 1  # one domain attempt ...
    assert len(fake.of("bedrock")) == 2  # ... two HTTP requests: botocore's standard mode retried


async def test_usage_and_latency_recorded_per_generation(fake, aws_env):
    settings = _settings(bedrock_endpoint_url=fake.url)
    service = build_service(settings, bedrock_client=build_bedrock_client(settings))

    def sample(name: str, **labels) -> float:
        return REGISTRY.get_sample_value(name, {"provider": "bedrock", "model": MODEL, **labels}) or 0.0

    before_in = sample("codeinterp_llm_tokens_total", direction="input")
    before_out = sample("codeinterp_llm_tokens_total", direction="output")
    before_n = sample("codeinterp_llm_generation_seconds_count", outcome="ok")
    before_provider = sample("codeinterp_llm_provider_latency_seconds_sum")
    fake.bedrock.append(converse_text(CODE, input_tokens=321, output_tokens=45, latency_ms=250))
    server = await build_server(
        CodegenSettings(grpc_port=0, metrics_port=0), services(settings, service), domain=DOMAIN, port=0
    )
    try:
        async with grpc.aio.insecure_channel(f"127.0.0.1:{server.port}") as ch:
            stub = pb_grpc.CodegenServiceStub(ch)
            resp = await stub.GenerateCode(_request(), timeout=15)
            models = await stub.ListModels(pb.ListModelsRequest(), timeout=5)
    finally:
        await server.shutdown(0)
    # in the response ...
    assert resp.provider == "bedrock" and resp.model == MODEL
    assert (resp.usage.input_tokens, resp.usage.output_tokens) == (321, 45)
    assert resp.latency.ToNanoseconds() > 0
    # ... and in the metrics
    assert sample("codeinterp_llm_tokens_total", direction="input") - before_in == 321
    assert sample("codeinterp_llm_tokens_total", direction="output") - before_out == 45
    assert sample("codeinterp_llm_generation_seconds_count", outcome="ok") - before_n == 1
    assert sample("codeinterp_llm_provider_latency_seconds_sum") - before_provider == pytest.approx(0.25)
    # the request went to the Converse API of the chosen inference profile
    assert fake.of("bedrock")[0].model == MODEL
    # ListModels: the offline generator plus the seed's Claude and Nova inference profiles
    bedrock = [(m.id, m.name) for m in models.models if m.provider == "bedrock"]
    assert bedrock == list(DEFAULT_BEDROCK_MODELS) and len(bedrock) == 12
    assert {m.id for m in models.models if m.provider == "offline"} == {"plan-v1"}


def test_model_list_from_settings():
    custom = _settings(
        bedrock_models="us.amazon.nova-pro-v1:0=Nova Pro, eu.anthropic.claude-3-haiku-20240307-v1:0",
        bedrock_model="us.amazon.nova-pro-v1:0",
    )
    assert custom.bedrock_model_list() == [
        ("us.amazon.nova-pro-v1:0", "Nova Pro"),
        ("eu.anthropic.claude-3-haiku-20240307-v1:0", "eu.anthropic.claude-3-haiku-20240307-v1:0"),
    ]
    # the configured default model is always offered
    other = _settings(bedrock_models="us.amazon.nova-pro-v1:0", bedrock_model="us.amazon.nova-micro-v1:0")
    assert [m for m, _ in other.bedrock_model_list()] == [
        "us.amazon.nova-micro-v1:0",
        "us.amazon.nova-pro-v1:0",
    ]
    assert _settings().bedrock_model_list() == list(DEFAULT_BEDROCK_MODELS)
    assert all(m.startswith(("us.anthropic.claude", "us.amazon.nova")) for m, _ in DEFAULT_BEDROCK_MODELS)
