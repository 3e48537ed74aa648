"""codegen gRPC servicer (thin: proto in, proto out)."""

from __future__ import annotations

from codeinterp.codegen.v1 import codegen_service_pb2 as pb
from codeinterp.codegen.v1 import codegen_service_pb2_grpc as pb_grpc
from codeinterp_codegen import convert
from codeinterp_codegen.config import DEFAULT_BEDROCK_MODELS
from codeinterp_codegen.domain.service import CodegenService
from codeinterp_common.server import remaining_timeout

DOMAIN = "codegen.codeinterp.dev"
SERVICE = pb.DESCRIPTOR.services_by_name["CodegenService"]

OFFLINE_MODEL = ("plan-v1", "Offline plan generator (no network)", "offline")
# Bedrock inference profiles the seed offered (CODEINTERP_BEDROCK_MODELS overrides), plus the offline generator.
MODELS = [OFFLINE_MODEL] + [(i, n, "bedrock") for i, n in DEFAULT_BEDROCK_MODELS]


class CodegenServicer(pb_grpc.CodegenServiceServicer):
    def __init__(
        self,
        service: CodegenService | None = None,
        *,
        openai_model: str = "",
        default_timeout_s: float = 120.0,
        bedrock_models: list[tuple[str, str]] | None = None,
    ) -> None:
        self.service = service if service is not None else CodegenService()
        self.openai_model = openai_model
        self.default_timeout_s = default_timeout_s
        self.models = (
            MODELS if bedrock_models is None else [OFFLINE_MODEL] + [(i, n, "bedrock") for i, n in bedrock_models]
        )

    async def GenerateCode(self, request: pb.GenerateCodeRequest, context) -> pb.GenerateCodeResponse:
        domain_request = convert.request_from_proto(request)
        result = await self.service.generate(
            domain_request, timeout_s=remaining_timeout(context, self.default_timeout_s)
        )
        return convert.response_to_proto(result)

    async def ListModels(self, request: pb.ListModelsRequest, context) -> pb.ListModelsResponse:
        models = [pb.Model(id=i, name=n, provider=p) for i, n, p in self.models]
        if self.openai_model:
            models.append(pb.Model(id=self.openai_model, name=self.openai_model, provider="openai"))
        return pb.ListModelsResponse(models=models)
