"""ray-supervisor bootstrap: configuration, wiring, server. No business rules here."""

from __future__ import annotations

from codeinterp.raysupervisor.v1 import ray_supervisor_service_pb2_grpc as pb_grpc
from codeinterp_common.config import from_env
from codeinterp_common.runtime import main_entry, run_service
from codeinterp_common.server import ServiceSpec
from codeinterp_ray_supervisor.config import RaySupervisorSettings
from codeinterp_ray_supervisor.servicer import DOMAIN, SERVICE, RaySupervisorServicer


def main() -> None:
    settings = from_env(RaySupervisorSettings)
    specs = [
        ServiceSpec(
            RaySupervisorServicer(), pb_grpc.add_RaySupervisorServiceServicer_to_server, SERVICE.full_name
        )
    ]
    main_entry(
        "ray-supervisor", lambda: run_service("ray-supervisor", settings, specs, domain=DOMAIN), settings
    )


if __name__ == "__main__":
    main()
