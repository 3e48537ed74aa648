"""codegen settings (environment variables CODEINTERP_*)."""

from __future__ import annotations

from dataclasses import dataclass

from codeinterp_common.config import ServerSettings, setting


@dataclass(frozen=True)
class CodegenSettings(ServerSettings):
    grpc_port: int = setting(50052, "codegen gRPC port")
    metrics_port: int = setting(9091, "codegen Prometheus port (0: disabled)")
    llm_provider: str = setting("offline", "Default provider: offline, bedrock or openai")
    bedrock_model: str = setting("us.anthropic.claude-sonnet-4-5-20250929-v1:0", "Bedrock model id")
    bedrock_region: str = setting("us-east-1", "Bedrock region")
    bedrock_endpoint_url: str = setting("", "Bedrock endpoint override (tests, VPC endpoints)")
    openai_base_url: str = setting("", "OpenAI-compatible base URL (vLLM, Ollama, ...)")
    openai_model: str = setting("", "Model name for the OpenAI-compatible endpoint")
