"""Issue 7 reliability: the LLM server answering 429 (with Retry-After), 500, or hanging.

codegen is wired exactly as `main.serve` wires it (`build_bedrock_client` / `build_http_client`
→ `build_service` → `services` → `build_server`: a real grpc.aio server on a free loopback port),
with BOTH the Bedrock (boto3) and the OpenAI-compatible (httpx) provider pointed at the scripted
loopback LLM server (tests/fixtures/fake_llm.py). A real gRPC client calls GenerateCode with a
deadline. For each fault and provider the test checks: the number of calls that reached the
LLM equals the configured maximum (no hidden SDK retries, no retry storm), the final status
is retryable (RESOURCE_EXHAUSTED / UNAVAILABLE with RetryInfo and ErrorInfo.metadata
attempts), and the answer arrives within the caller's deadline plus a small slack. A hanging
LLM never holds the call past the caller's deadline.

(test_llm_providers.py covers success, repair, extraction errors and the 429 domain path;
this file is the fault matrix through gRPC.)
"""

from __future__ import annotations

import time

import grpc
import pytest
from fixtures.fake_llm import FakeLLM, converse_error, converse_throttle, hang, openai_error
from google.rpc import error_details_pb2
from grpc_status import rpc_status

from codeinterp.codegen.v1 import codegen_service_pb2 as pb
from codeinterp.codegen.v1 import codegen_service_pb2_grpc as pb_grpc
from codeinterp.common.v1 import types_pb2 as types
from codeinterp_codegen.config import CodegenSettings
from codeinterp_codegen.main import build_bedrock_client, build_http_client, build_service, services
from codeinterp_codegen.servicer import DOMAIN
from codeinterp_common.server import build_server

pytestmark = pytest.mark.integration

MAX_ATTEMPTS = 3
SLACK_S = 0.35  # scheduling on a shared 2-core machine
PROVIDERS = ["bedrock", "openai"]


@pytest.fixture
def aws_env(monkeypatch, tmp_path):
    # dummy credentials for the test only; no profile, no metadata lookups
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "test")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test-secret")
    monkeypatch.delenv("AWS_SESSION_TOKEN", raising=False)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")


@pytest.fixture
def fake():
    with FakeLLM() as server:
        yield server


def settings_for(fake: FakeLLM, tmp_path, **overrides) -> CodegenSettings:
    base = dict(
        llm_provider="bedrock",
        bedrock_model="us.anthropic.claude-haiku-4-5-20251001-v1:0",
        bedrock_endpoint_url=fake.url,
        openai_base_url=fake.url + "/v1",
        openai_model="qwen2.5-coder",
        openai_api_key="sk-test",
        llm_max_attempts=MAX_ATTEMPTS,
        llm_backoff_base_s=0.05,
        llm_backoff_cap_s=0.1,
        llm_timeout_s=30,
        cache_enabled=False,
        data_dir=str(tmp_path / "data"),
        grpc_port=0,
        metrics_port=0,
    )
    base.update(overrides)
    return CodegenSettings(**base).check()


class Codegen:
    """codegen as main.serve wires it, on a free port; `stub` is a real gRPC client."""

    def __init__(self, settings: CodegenSettings) -> None:
        self.settings = settings

    async def __aenter__(self) -> Codegen:
        s = self.settings
        self.http_client = build_http_client(s)
        self.service = build_service(s, bedrock_client=build_bedrock_client(s), http_client=self.http_client)
        self.server = await build_server(s, services(s, self.service), domain=DOMAIN, port=0)
        await self.server.set_serving(True)
        self.channel = grpc.aio.insecure_channel(f"127.0.0.1:{self.server.port}")
        self.stub = pb_grpc.CodegenServiceStub(self.channel)
        return self

    async def __aexit__(self, *exc) -> None:
        await self.channel.close()
        await self.server.shutdown(0)
        await self.http_client.aclose()


def grpc_request(provider: str, prompt: str = "total amount per region") -> pb.GenerateCodeRequest:
    return pb.GenerateCodeRequest(
        framework=types.SPARK,
        prompt=prompt,
        provider=provider,
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


def details(err: grpc.aio.AioRpcError):
    status = rpc_status.from_call(err)
    info, retry = None, None
    for d in status.details if status is not None else []:
        if d.Is(error_details_pb2.ErrorInfo.DESCRIPTOR):
            info = error_details_pb2.ErrorInfo()
            d.Unpack(info)
        elif d.Is(error_details_pb2.RetryInfo.DESCRIPTOR):
            retry = error_details_pb2.RetryInfo()
            d.Unpack(retry)
    return info, retry


async def call(stub, provider: str, deadline_s: float):
    start = time.monotonic()
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await stub.GenerateCode(grpc_request(provider), timeout=deadline_s)
    return raised.value, time.monotonic() - start


def throttled(kind: str, retry_after: float) -> list:
    if kind == "bedrock":
        return [converse_throttle(retry_after) for _ in range(10)]
    return [openai_error(429, "rate limited", str(retry_after)) for _ in range(10)]


def server_error(kind: str) -> list:
    if kind == "bedrock":
        return [converse_error(500, "InternalServerException", "boom") for _ in range(10)]
    return [openai_error(500, "boom") for _ in range(10)]


# -- 429 with Retry-After ------------------------------------------------------------------------


@pytest.mark.parametrize("kind", PROVIDERS)
async def test_429_with_retry_after_is_bounded_and_resource_exhausted(kind, fake, aws_env, tmp_path):
    getattr(fake, kind).extend(throttled(kind, retry_after=0.2))
    deadline = 5.0
    async with Codegen(settings_for(fake, tmp_path)) as cg:
        err, took = await call(cg.stub, kind, deadline)
    assert err.code() == grpc.StatusCode.RESOURCE_EXHAUSTED, err.details()
    info, retry = details(err)
    assert info is not None and info.reason == "LLM_THROTTLED" and info.domain == DOMAIN
    assert info.metadata["attempts"] == str(MAX_ATTEMPTS) and info.metadata["provider"] == kind
    assert len(fake.of(kind)) == MAX_ATTEMPTS  # exactly the configured maximum reached the LLM
    assert retry is not None and retry.retry_delay.ToNanoseconds() >= 200_000_000  # the server's Retry-After
    # Retry-After (0.2 s, longer than our 0.1 s backoff cap) was honoured between attempts
    assert 2 * 0.2 <= took < deadline + SLACK_S


# -- 500 ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", PROVIDERS)
async def test_500_is_bounded_and_unavailable_with_retry_info(kind, fake, aws_env, tmp_path):
    getattr(fake, kind).extend(server_error(kind))
    deadline = 5.0
    async with Codegen(settings_for(fake, tmp_path)) as cg:
        err, took = await call(cg.stub, kind, deadline)
    assert err.code() == grpc.StatusCode.UNAVAILABLE, err.details()
    info, retry = details(err)
    assert info is not None and info.reason == "LLM_UNAVAILABLE"
    assert info.metadata["attempts"] == str(MAX_ATTEMPTS)
    assert len(fake.of(kind)) == MAX_ATTEMPTS
    assert retry is not None and retry.retry_delay.ToNanoseconds() > 0
    assert took < deadline + SLACK_S


@pytest.mark.parametrize("kind", PROVIDERS)
async def test_retries_stop_at_the_callers_deadline_before_max_attempts(kind, fake, aws_env, tmp_path):
    """A long Retry-After cannot push the answer past the deadline: we stop early, still retryable."""
    getattr(fake, kind).extend(throttled(kind, retry_after=3.0))
    deadline = 1.5
    async with Codegen(settings_for(fake, tmp_path, llm_max_attempts=10)) as cg:
        err, took = await call(cg.stub, kind, deadline)
    assert err.code() == grpc.StatusCode.RESOURCE_EXHAUSTED  # not DEADLINE_EXCEEDED
    info, retry = details(err)
    assert info.reason == "LLM_THROTTLED" and retry is not None
    assert len(fake.of(kind)) == 1 and info.metadata["attempts"] == "1"
    assert took < deadline


# -- hanging ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", PROVIDERS)
async def test_hanging_llm_attempts_time_out_and_are_bounded(kind, fake, aws_env, tmp_path):
    """Per-call timeout shorter than the deadline: every attempt times out, at most MAX_ATTEMPTS run,
    and the error (ours, with ErrorInfo) comes before the caller's deadline."""
    getattr(fake, kind).extend([hang() for _ in range(10)])
    deadline = 4.0
    async with Codegen(settings_for(fake, tmp_path, llm_timeout_s=0.4)) as cg:
        err, took = await call(cg.stub, kind, deadline)
    info, retry = details(err)
    # retryable: every attempt hung, the caller still had time (a later call may succeed)
    assert err.code() == grpc.StatusCode.UNAVAILABLE and info is not None, err.details()
    assert retry is not None
    assert info.reason == "LLM_TIMEOUT" and info.metadata["attempts"] == str(MAX_ATTEMPTS)
    assert len(fake.of(kind)) == MAX_ATTEMPTS
    assert MAX_ATTEMPTS * 0.4 <= took < deadline


@pytest.mark.parametrize("kind", PROVIDERS)
async def test_hanging_llm_never_holds_the_call_past_the_deadline(kind, fake, aws_env, tmp_path):
    """Per-call timeout (30 s) longer than the caller's deadline: one attempt, cut at the deadline."""
    getattr(fake, kind).extend([hang() for _ in range(10)])
    deadline = 1.0
    async with Codegen(settings_for(fake, tmp_path)) as cg:
        err, took = await call(cg.stub, kind, deadline)
        # the server stays healthy and answers the next call at once
        fake.openai.clear()
        fake.bedrock.clear()
        models = await cg.stub.ListModels(pb.ListModelsRequest(), timeout=2)
    assert err.code() == grpc.StatusCode.DEADLINE_EXCEEDED
    assert took < deadline + SLACK_S
    assert len(fake.of(kind)) == 1
    assert "qwen2.5-coder" in [m.id for m in models.models]
