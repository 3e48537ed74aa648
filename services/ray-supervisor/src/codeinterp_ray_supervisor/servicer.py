"""ray-supervisor gRPC servicer (thin: proto in, proto out)."""

from __future__ import annotations

from codeinterp.raysupervisor.v1 import ray_supervisor_service_pb2 as pb
from codeinterp.raysupervisor.v1 import ray_supervisor_service_pb2_grpc as pb_grpc
from codeinterp_common.placeholders import not_yet_servicer

DOMAIN = "raysupervisor.codeinterp.dev"
SERVICE = pb.DESCRIPTOR.services_by_name["RaySupervisorService"]

# Issue 4 brings the Ray Jobs API adapter, Ray validation, the cluster view and the solve loop.
ISSUES = {m.name: 4 for m in SERVICE.methods}

RaySupervisorServicer = not_yet_servicer(pb_grpc.RaySupervisorServiceServicer, SERVICE, ISSUES, DOMAIN)
