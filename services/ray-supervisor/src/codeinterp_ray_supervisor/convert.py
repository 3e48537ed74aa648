"""Domain views → protos for the cluster API (jobs use codeinterp_common.jobs.api)."""

from __future__ import annotations

from codeinterp.raysupervisor.v1 import ray_supervisor_service_pb2 as pb
from codeinterp_ray_supervisor.adapters.cluster import RayClusterView
from codeinterp_ray_supervisor.adapters.k8s import WorkerGroupView


def worker_group(view: WorkerGroupView) -> pb.WorkerGroup:
    return pb.WorkerGroup(
        group_name=view.group_name, replicas=view.replicas, min_replicas=view.min_replicas,
        max_replicas=min(view.max_replicas, 2**31 - 1), ready_replicas=view.ready_replicas,
    )


def cluster_status(view: RayClusterView, mode: str, groups: list[WorkerGroupView], extra_detail: str = "") -> pb.ClusterStatus:
    detail = "; ".join(d for d in (view.detail, extra_detail) if d)
    return pb.ClusterStatus(
        status="connected" if view.connected else "disconnected",
        ray_version=view.ray_version,
        dashboard_url=view.dashboard_url,
        nodes_alive=view.nodes_alive,
        cpus_used=view.cpus_used,
        cpus_total=view.cpus_total,
        memory_used_bytes=view.memory_used,
        memory_total_bytes=view.memory_total,
        object_store_used_bytes=view.object_store_used,
        object_store_total_bytes=view.object_store_total,
        running_jobs=view.running_jobs,
        mode=mode,
        worker_groups=[worker_group(g) for g in groups],
        detail=detail,
    )
