"""spark-supervisor bootstrap: configuration, wiring, server. No business rules here."""

from __future__ import annotations

from codeinterp.sparksupervisor.v1 import spark_supervisor_service_pb2_grpc as pb_grpc
from codeinterp_common.config import from_env
from codeinterp_common.runtime import main_entry, run_service
from codeinterp_common.server import ServiceSpec
from codeinterp_spark_supervisor.config import SparkSupervisorSettings
from codeinterp_spark_supervisor.servicer import DOMAIN, SERVICE, SparkSupervisorServicer


def main() -> None:
    settings = from_env(SparkSupervisorSettings)
    specs = [
        ServiceSpec(
            SparkSupervisorServicer(), pb_grpc.add_SparkSupervisorServiceServicer_to_server, SERVICE.full_name
        )
    ]
    main_entry(
        "spark-supervisor", lambda: run_service("spark-supervisor", settings, specs, domain=DOMAIN), settings
    )


if __name__ == "__main__":
    main()
