"""The cluster view: Ray dashboard status plus, on Kubernetes, the RayCluster's worker groups."""

from __future__ import annotations

from codeinterp.raysupervisor.v1 import ray_supervisor_service_pb2 as pb
from codeinterp_common.errors import FailedPrecondition, InvalidArgument, ServiceError
from codeinterp_ray_supervisor import convert
from codeinterp_ray_supervisor.adapters.cluster import DashboardClient
from codeinterp_ray_supervisor.adapters.k8s import RayClusterResource


class ClusterService:
    def __init__(self, dashboard: DashboardClient, *, mode: str, raycluster: RayClusterResource | None = None) -> None:
        self.dashboard = dashboard
        self.mode = mode  # local | remote | kuberay
        self.raycluster = raycluster

    async def status(self) -> pb.ClusterStatus:
        view = await self.dashboard.status()
        groups, extra = [], ""
        if self.raycluster is not None:
            try:
                groups = await self.raycluster.groups()
            except ServiceError as err:
                extra = f"RayCluster: {err.message}"
        return convert.cluster_status(view, self.mode, groups, extra)

    async def scale(self, group_name: str, replicas: int) -> pb.WorkerGroup:
        if not group_name:
            raise InvalidArgument("group_name is required", field="group_name")
        if replicas < 0:
            raise InvalidArgument("replicas must not be negative", field="replicas")
        if self.raycluster is None:
            raise FailedPrecondition(
                "not running on Kubernetes: worker groups exist only on a KubeRay RayCluster "
                "(set kuberay_cluster and kuberay_namespace)",
                reason="NOT_ON_KUBERNETES",
                metadata={"mode": self.mode},
            )
        return convert.worker_group(await self.raycluster.scale(group_name, replicas))
