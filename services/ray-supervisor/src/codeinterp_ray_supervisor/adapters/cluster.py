"""Cluster status from the Ray dashboard API (the seed's GET /ray/status, richer).

`/api/version` (Ray version; the seed's connected/disconnected test: 5 s timeout, 2 attempts
1 s apart), `/api/cluster_status` (CPU, memory and object store used/total from the
autoscaler's load report), `/api/v0/nodes` (nodes alive) and `/api/jobs/` (running jobs).
"""

from __future__ import annotations

import asyncio
import json
import urllib.error
import urllib.request
from dataclasses import dataclass, field


@dataclass
class RayClusterView:
    connected: bool
    dashboard_url: str
    ray_version: str = ""
    nodes_alive: int = 0
    cpus_used: float = 0.0
    cpus_total: float = 0.0
    memory_used: int = 0
    memory_total: int = 0
    object_store_used: int = 0
    object_store_total: int = 0
    running_jobs: int = 0
    detail: str = ""
    problems: list[str] = field(default_factory=list)


class DashboardClient:
    def __init__(self, address: str, headers: dict[str, str] | None = None, *, timeout_s: float = 5.0,
                 attempts: int = 2, retry_delay_s: float = 1.0) -> None:
        self.address = address.rstrip("/")
        self.headers = dict(headers or {})
        self.timeout_s = timeout_s
        self.attempts = attempts
        self.retry_delay_s = retry_delay_s

    def _get(self, path: str):
        req = urllib.request.Request(self.address + path, headers=self.headers)
        with urllib.request.urlopen(req, timeout=self.timeout_s) as resp:
            return json.loads(resp.read())

    async def get(self, path: str, *, retry: bool = False):
        attempts = self.attempts if retry else 1
        for attempt in range(1, attempts + 1):
            try:
                return await asyncio.to_thread(self._get, path)
            except (urllib.error.URLError, OSError, ValueError):
                if attempt == attempts:
                    raise
                await asyncio.sleep(self.retry_delay_s)
        raise AssertionError("unreachable")

    async def status(self) -> RayClusterView:
        view = RayClusterView(connected=False, dashboard_url=self.address)
        try:
            version = await self.get("/api/version", retry=True)
        except urllib.error.HTTPError as exc:
            view.detail = f"the Ray dashboard answered HTTP {exc.code} ({exc.reason})"
            return view
        except (urllib.error.URLError, OSError, ValueError) as exc:
            view.detail = f"the Ray dashboard at {self.address} does not answer: {getattr(exc, 'reason', exc)}"
            return view
        view.connected = True
        view.ray_version = str(version.get("ray_version", ""))
        results = await asyncio.gather(
            self.get("/api/cluster_status"), self.get("/api/v0/nodes?limit=1000"), self.get("/api/jobs/"),
            return_exceptions=True,
        )
        status, nodes, jobs = results
        if isinstance(status, BaseException):
            view.problems.append(f"cluster_status: {status}")
        else:
            usage = (((status.get("data") or {}).get("clusterStatus") or {}).get("loadMetricsReport") or {}).get("usage") or {}
            cpu, mem, store = usage.get("CPU"), usage.get("memory"), usage.get("objectStoreMemory")
            if cpu:
                view.cpus_used, view.cpus_total = float(cpu[0]), float(cpu[1])
            if mem:
                view.memory_used, view.memory_total = int(mem[0]), int(mem[1])
            if store:
                view.object_store_used, view.object_store_total = int(store[0]), int(store[1])
        if isinstance(nodes, BaseException):
            view.problems.append(f"nodes: {nodes}")
        else:
            items = ((nodes.get("data") or {}).get("result") or {}).get("result") or []
            view.nodes_alive = sum(1 for n in items if n.get("state") == "ALIVE")
        if isinstance(jobs, BaseException):
            view.problems.append(f"jobs: {jobs}")
        else:
            view.running_jobs = sum(1 for j in jobs if j.get("status") == "RUNNING")
        view.detail = "; ".join(view.problems)
        return view
