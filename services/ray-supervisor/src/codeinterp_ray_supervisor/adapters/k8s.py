"""The KubeRay RayCluster (ray.io/v1) through the Kubernetes API: worker groups and scaling.

Reads `spec.workerGroupSpecs[]` (groupName, replicas, minReplicas, maxReplicas) and
`status` (readyWorkerReplicas; per-group counts are not reported by KubeRay, so ready
replicas are attributed when there is one group) and scales a group with a JSON patch
(RFC 6902) of `workerGroupSpecs[i].replicas`, guarded by a `test` op so a concurrent change
of the group list fails instead of patching the wrong group. The ApiClient is injected
(in-cluster config in production, a local test server in unit tests).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from codeinterp_common.errors import FailedPrecondition, InvalidArgument, NotFound, Unavailable

GROUP, VERSION, PLURAL = "ray.io", "v1", "rayclusters"


@dataclass(frozen=True)
class WorkerGroupView:
    group_name: str
    replicas: int
    min_replicas: int
    max_replicas: int
    ready_replicas: int


_TIMEOUT = (5, 20)  # Kubernetes API calls: (connect, read) seconds


def worker_groups(obj: dict) -> list[WorkerGroupView]:
    spec = obj.get("spec") or {}
    status = obj.get("status") or {}
    groups = spec.get("workerGroupSpecs") or []
    ready_total = int(status.get("readyWorkerReplicas") or status.get("availableWorkerReplicas") or 0)
    out = []
    for g in groups:
        replicas = int(g.get("replicas") or 0)
        out.append(WorkerGroupView(
            group_name=str(g.get("groupName", "")),
            replicas=replicas,
            min_replicas=int(g.get("minReplicas") or 0),
            max_replicas=int(g.get("maxReplicas") if g.get("maxReplicas") is not None else 2**31 - 1),
            ready_replicas=min(ready_total, replicas) if len(groups) == 1 else 0,
        ))
    return out


class RayClusterResource:
    def __init__(self, api_client, name: str, namespace: str) -> None:
        from kubernetes import client

        self.api = client.CustomObjectsApi(api_client)
        self.name = name
        self.namespace = namespace

    def _get(self) -> dict:
        from kubernetes.client.exceptions import ApiException

        try:
            return self.api.get_namespaced_custom_object(
                GROUP, VERSION, self.namespace, PLURAL, self.name, _request_timeout=_TIMEOUT
            )
        except ApiException as exc:
            if exc.status == 404:
                raise NotFound(f"RayCluster {self.namespace}/{self.name} not found", reason="RAYCLUSTER_NOT_FOUND",
                               metadata={"namespace": self.namespace, "name": self.name}) from exc
            raise Unavailable(f"the Kubernetes API refused the RayCluster read: HTTP {exc.status} {exc.reason}",
                              reason="KUBERNETES_API_ERROR", metadata={"status": exc.status}) from exc

    async def get(self) -> dict:
        return await asyncio.to_thread(self._get)

    async def groups(self) -> list[WorkerGroupView]:
        return worker_groups(await self.get())

    def _scale(self, group_name: str, replicas: int) -> WorkerGroupView:
        from kubernetes.client.exceptions import ApiException

        obj = self._get()
        groups = (obj.get("spec") or {}).get("workerGroupSpecs") or []
        views = worker_groups(obj)
        index = next((i for i, g in enumerate(views) if g.group_name == group_name), None)
        if index is None:
            raise NotFound(f"worker group {group_name} not found in RayCluster {self.name}",
                           reason="WORKER_GROUP_NOT_FOUND",
                           metadata={"group_name": group_name, "groups": ",".join(v.group_name for v in views)})
        view = views[index]
        if not view.min_replicas <= replicas <= view.max_replicas:
            raise InvalidArgument(
                f"replicas must be between {view.min_replicas} and {view.max_replicas} for group {group_name}",
                field="replicas", reason="REPLICAS_OUT_OF_RANGE",
                metadata={"replicas": replicas, "min": view.min_replicas, "max": view.max_replicas},
            )
        patch = [
            {"op": "test", "path": f"/spec/workerGroupSpecs/{index}/groupName", "value": group_name},
            {"op": ("replace" if "replicas" in groups[index] else "add"),
             "path": f"/spec/workerGroupSpecs/{index}/replicas", "value": replicas},
        ]
        try:
            updated = self.api.patch_namespaced_custom_object(
                GROUP, VERSION, self.namespace, PLURAL, self.name, patch, _content_type="application/json-patch+json",
                _request_timeout=_TIMEOUT,
            )
        except ApiException as exc:
            if exc.status in (409, 422):
                raise FailedPrecondition("the RayCluster changed while scaling; retry", reason="RAYCLUSTER_CHANGED",
                                         metadata={"status": exc.status}) from exc
            raise Unavailable(f"the Kubernetes API refused the RayCluster patch: HTTP {exc.status} {exc.reason}",
                              reason="KUBERNETES_API_ERROR", metadata={"status": exc.status}) from exc
        return next(v for v in worker_groups(updated) if v.group_name == group_name)

    async def scale(self, group_name: str, replicas: int) -> WorkerGroupView:
        return await asyncio.to_thread(self._scale, group_name, replicas)


def in_cluster_api_client():
    """The ApiClient of the pod's service account (only on Kubernetes)."""
    from kubernetes import client, config

    config.load_incluster_config()
    return client.ApiClient()
