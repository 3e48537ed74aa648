"""The KubeRay adapter against a local threaded HTTP server that speaks the Kubernetes API
paths for RayCluster get/patch (GET/PATCH /apis/ray.io/v1/namespaces/{ns}/rayclusters/{name}).

No Kubernetes API server (nor kind/k3s/envtest) is installable on this machine, so this is a
faithful stand-in for the two calls the adapter makes, not a real cluster: it applies RFC 6902
JSON patches (test/replace/add) and answers 404/422 like the API server does.
"""

from __future__ import annotations

import copy
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from kubernetes import client

from codeinterp_common.errors import FailedPrecondition, InvalidArgument, NotFound
from codeinterp_ray_supervisor.adapters.cluster import RayClusterView
from codeinterp_ray_supervisor.adapters.k8s import RayClusterResource, worker_groups
from codeinterp_ray_supervisor.domain.cluster import ClusterService

PATH = "/apis/ray.io/v1/namespaces/ray-system/rayclusters/raycluster-kuberay"
CLUSTER = {
    "apiVersion": "ray.io/v1",
    "kind": "RayCluster",
    "metadata": {"name": "raycluster-kuberay", "namespace": "ray-system", "resourceVersion": "1"},
    "spec": {
        "rayVersion": "2.60.0",
        "headGroupSpec": {"rayStartParams": {"dashboard-host": "0.0.0.0"}},
        "workerGroupSpecs": [{"groupName": "workers", "replicas": 1, "minReplicas": 0, "maxReplicas": 5}],
    },
    "status": {"state": "ready", "readyWorkerReplicas": 1, "desiredWorkerReplicas": 1},
}


class FakeKubeApi:
    def __init__(self) -> None:
        self.obj = copy.deepcopy(CLUSTER)
        self.requests: list[tuple[str, str, str, object]] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # quiet
                pass

            def _send(self, code: int, body: dict) -> None:
                data = json.dumps(body).encode()
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _status(self, code: int, reason: str, message: str) -> None:
                self._send(code, {"kind": "Status", "apiVersion": "v1", "status": "Failure", "reason": reason,
                                  "message": message, "code": code})

            def do_GET(self):
                fake.requests.append(("GET", self.path, self.headers.get("Content-Type", ""), None))
                if self.path.split("?")[0] != PATH:
                    return self._status(404, "NotFound", "rayclusters.ray.io not found")
                self._send(200, fake.obj)

            def do_PATCH(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                ctype = self.headers.get("Content-Type", "")
                fake.requests.append(("PATCH", self.path, ctype, body))
                if self.path.split("?")[0] != PATH:
                    return self._status(404, "NotFound", "rayclusters.ray.io not found")
                if ctype != "application/json-patch+json":
                    return self._status(415, "UnsupportedMediaType", ctype)
                updated = copy.deepcopy(fake.obj)
                for op in body:
                    *parents, leaf = [p for p in op["path"].split("/") if p]
                    target = updated
                    for part in parents:
                        target = target[int(part)] if isinstance(target, list) else target[part]
                    key = int(leaf) if isinstance(target, list) else leaf
                    if op["op"] == "test":
                        if target[key] != op["value"]:
                            return self._status(422, "Invalid", f"test operation failed at {op['path']}")
                    elif op["op"] in ("replace", "add"):
                        target[key] = op["value"]
                updated["metadata"]["resourceVersion"] = str(int(updated["metadata"]["resourceVersion"]) + 1)
                fake.obj = updated
                self._send(200, updated)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def kube():
    with FakeKubeApi() as fake:
        config = client.Configuration()
        config.host = fake.url
        api_client = client.ApiClient(config)
        yield fake, api_client
        api_client.close()


async def test_reads_worker_groups(kube):
    fake, api_client = kube
    groups = await RayClusterResource(api_client, "raycluster-kuberay", "ray-system").groups()
    assert [(g.group_name, g.replicas, g.min_replicas, g.max_replicas, g.ready_replicas) for g in groups] == [
        ("workers", 1, 0, 5, 1)
    ]
    assert fake.requests[0][:2] == ("GET", PATH)


async def test_scales_within_bounds_with_a_guarded_json_patch(kube):
    fake, api_client = kube
    group = await RayClusterResource(api_client, "raycluster-kuberay", "ray-system").scale("workers", 3)
    assert group.replicas == 3 and fake.obj["spec"]["workerGroupSpecs"][0]["replicas"] == 3
    method, path, ctype, body = fake.requests[-1]
    assert (method, path, ctype) == ("PATCH", PATH, "application/json-patch+json")
    assert body == [
        {"op": "test", "path": "/spec/workerGroupSpecs/0/groupName", "value": "workers"},
        {"op": "replace", "path": "/spec/workerGroupSpecs/0/replicas", "value": 3},
    ]


async def test_out_of_bounds_and_unknown_groups_are_refused_without_patching(kube):
    fake, api_client = kube
    resource = RayClusterResource(api_client, "raycluster-kuberay", "ray-system")
    with pytest.raises(InvalidArgument) as info:
        await resource.scale("workers", 6)
    assert info.value.reason == "REPLICAS_OUT_OF_RANGE"
    with pytest.raises(NotFound):
        await resource.scale("gpu", 1)
    assert all(r[0] == "GET" for r in fake.requests)


async def test_missing_raycluster_is_not_found(kube):
    _fake, api_client = kube
    with pytest.raises(NotFound) as info:
        await RayClusterResource(api_client, "other", "ray-system").groups()
    assert info.value.reason == "RAYCLUSTER_NOT_FOUND"


class _Dashboard:
    async def status(self):
        return RayClusterView(connected=True, dashboard_url="http://head:8265", ray_version="2.60.0", nodes_alive=2)


async def test_cluster_status_on_kuberay_includes_worker_groups(kube):
    _fake, api_client = kube
    service = ClusterService(_Dashboard(), mode="kuberay",
                             raycluster=RayClusterResource(api_client, "raycluster-kuberay", "ray-system"))
    status = await service.status()
    assert status.status == "connected" and status.mode == "kuberay"
    assert [(g.group_name, g.replicas, g.ready_replicas) for g in status.worker_groups] == [("workers", 1, 1)]
    scaled = await service.scale("workers", 0)
    assert scaled.replicas == 0


async def test_scaling_outside_kubernetes_is_failed_precondition():
    with pytest.raises(FailedPrecondition) as info:
        await ClusterService(_Dashboard(), mode="local").scale("workers", 1)
    assert "not running on Kubernetes" in info.value.message


def test_groups_without_max_are_unbounded_and_ready_is_not_guessed_for_many_groups():
    obj = {"spec": {"workerGroupSpecs": [{"groupName": "a", "replicas": 2}, {"groupName": "b"}]},
           "status": {"readyWorkerReplicas": 2}}
    a, b = worker_groups(obj)
    assert a.max_replicas == 2**31 - 1 and a.ready_replicas == 0 and b.replicas == 0
