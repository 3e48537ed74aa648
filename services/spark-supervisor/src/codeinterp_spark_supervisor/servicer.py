"""spark-supervisor gRPC servicer (thin: proto in, proto out)."""

from __future__ import annotations

from codeinterp.sparksupervisor.v1 import spark_supervisor_service_pb2 as pb
from codeinterp.sparksupervisor.v1 import spark_supervisor_service_pb2_grpc as pb_grpc
from codeinterp_common.placeholders import not_yet_servicer

DOMAIN = "sparksupervisor.codeinterp.dev"
SERVICE = pb.DESCRIPTOR.services_by_name["SparkSupervisorService"]

# Issue 3 brings validation, jobs, the warm local engine and the solve loop; issue 5 the
# Lambda/EMR platform status.
ISSUES = {m.name: 3 for m in SERVICE.methods} | {"GetPlatformStatus": 5}

SparkSupervisorServicer = not_yet_servicer(pb_grpc.SparkSupervisorServiceServicer, SERVICE, ISSUES, DOMAIN)
