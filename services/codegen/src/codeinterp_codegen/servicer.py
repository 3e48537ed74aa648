"""codegen gRPC servicer (thin: proto in, proto out)."""

from __future__ import annotations

from codeinterp.codegen.v1 import codegen_service_pb2 as pb
from codeinterp.codegen.v1 import codegen_service_pb2_grpc as pb_grpc
from codeinterp_codegen import convert
from codeinterp_codegen.domain.service import CodegenService
from codeinterp_common.server import remaining_timeout

DOMAIN = "codegen.codeinterp.dev"
SERVICE = pb.DESCRIPTOR.services_by_name["CodegenService"]

# Bedrock inference profiles the seed offered, plus the offline plan generator.
MODELS = [
    ("plan-v1", "Offline plan generator (no network)", "offline"),
    ("us.anthropic.claude-haiku-4-5-20251001-v1:0", "Claude 4.5 Haiku", "bedrock"),
    ("us.anthropic.claude-sonnet-4-5-20250929-v1:0", "Claude 4.5 Sonnet", "bedrock"),
    ("us.anthropic.claude-3-7-sonnet-20250219-v1:0", "Claude 3.7 Sonnet", "bedrock"),
    ("us.anthropic.claude-3-5-haiku-20241022-v1:0", "Claude 3.5 Haiku", "bedrock"),
    ("us.anthropic.claude-3-5-sonnet-20241022-v2:0", "Claude 3.5 Sonnet v2", "bedrock"),
    ("us.anthropic.claude-3-5-sonnet-20240620-v1:0", "Claude 3.5 Sonnet", "bedrock"),
    ("us.anthropic.claude-3-opus-20240229-v1:0", "Claude 3 Opus", "bedrock"),
    ("us.anthropic.claude-3-sonnet-20240229-v1:0", "Claude 3 Sonnet", "bedrock"),
    ("us.anthropic.claude-3-haiku-20240307-v1:0", "Claude 3 Haiku", "bedrock"),
    ("us.amazon.nova-pro-v1:0", "Amazon Nova Pro", "bedrock"),
    ("us.amazon.nova-lite-v1:0", "Amazon Nova Lite", "bedrock"),
    ("us.amazon.nova-micro-v1:0", "Amazon Nova Micro", "bedrock"),
]


class CodegenServicer(pb_grpc.CodegenServiceServicer):
    def __init__(
        self,
        service: CodegenService | None = None,
        *,
        openai_model: str = "",
        default_timeout_s: float = 120.0,
    ) -> None:
        self.service = service if service is not None else CodegenService()
        self.openai_model = openai_model
        self.default_timeout_s = default_timeout_s

    async def GenerateCode(self, request: pb.GenerateCodeRequest, context) -> pb.GenerateCodeResponse:
        domain_request = convert.request_from_proto(request)
        result = await self.service.generate(
            domain_request, timeout_s=remaining_timeout(context, self.default_timeout_s)
        )
        return convert.response_to_proto(result)

    async def ListModels(self, request: pb.ListModelsRequest, context) -> pb.ListModelsResponse:
        models = [pb.Model(id=i, name=n, provider=p) for i, n, p in MODELS]
        if self.openai_model:
            models.append(pb.Model(id=self.openai_model, name=self.openai_model, provider="openai"))
        return pb.ListModelsResponse(models=models)
