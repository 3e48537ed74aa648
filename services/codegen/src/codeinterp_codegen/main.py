"""codegen bootstrap: configuration, wiring, server. No business rules here."""

from __future__ import annotations

from codeinterp.codegen.v1 import codegen_service_pb2_grpc as pb_grpc
from codeinterp_codegen.config import CodegenSettings
from codeinterp_codegen.servicer import DOMAIN, SERVICE, CodegenServicer
from codeinterp_common.config import from_env
from codeinterp_common.runtime import main_entry, run_service
from codeinterp_common.server import ServiceSpec


def services(settings: CodegenSettings) -> list[ServiceSpec]:
    return [
        ServiceSpec(CodegenServicer(settings.openai_model), pb_grpc.add_CodegenServiceServicer_to_server, SERVICE.full_name)
    ]


def main() -> None:
    settings = from_env(CodegenSettings)
    main_entry("codegen", lambda: run_service("codegen", settings, services(settings), domain=DOMAIN), settings)


if __name__ == "__main__":
    main()
