"""Helpers for the stack tests: the four services as `make run` starts them, on free ports."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from datetime import date, timedelta
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[3]


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Stack:
    def __init__(self, tmp: Path) -> None:
        self.ports = {name: free_port() for name in ("http", "gateway", "codegen", "spark", "ray")}
        self.tmp = tmp
        self.procs: dict[str, subprocess.Popen] = {}
        self.logs: dict[str, Path] = {}

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.ports['http']}"

    def env(self, name: str, grpc_port: int) -> dict[str, str]:
        env = {
            k: v for k, v in os.environ.items() if not k.startswith("CODEINTERP_")
        }
        env.update(
            {
                "CODEINTERP_GRPC_PORT": str(grpc_port),
                "CODEINTERP_METRICS_PORT": "0",
                "CODEINTERP_DATA_DIR": str(self.tmp / name),
                "CODEINTERP_HTTP_PORT": str(self.ports["http"]),
                "CODEINTERP_CODEGEN_ADDR": f"127.0.0.1:{self.ports['codegen']}",
                "CODEINTERP_SPARK_SUPERVISOR_ADDR": f"127.0.0.1:{self.ports['spark']}",
                "CODEINTERP_RAY_SUPERVISOR_ADDR": f"127.0.0.1:{self.ports['ray']}",
                "CODEINTERP_LOG_FORMAT": "json",
                "CODEINTERP_DRAIN_S": "0.3",
                "PYTHONUNBUFFERED": "1",
            }
        )
        return env

    def start(self, name: str, module: str, grpc_port: int, extra: dict[str, str] | None = None) -> None:
        log = self.tmp / f"{name}.log"
        self.logs[name] = log
        self.procs[name] = subprocess.Popen(
            [sys.executable, "-m", module],
            cwd=ROOT,
            env={**self.env(name, grpc_port), **(extra or {})},
            stdout=log.open("wb"),
            stderr=subprocess.STDOUT,
        )

    def get(self, path: str, timeout: float = 10):
        with urllib.request.urlopen(self.base + path, timeout=timeout) as resp:
            return resp.status, json.loads(resp.read() or b"null")

    def _grpc_serving(self, port: int) -> bool:
        import grpc
        from grpc_health.v1 import health_pb2, health_pb2_grpc

        with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
            try:
                reply = health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(), timeout=1)
            except grpc.RpcError:
                return False
        return reply.status == health_pb2.HealthCheckResponse.SERVING

    def wait_healthy(self, timeout: float = 120) -> None:
        """Every service answers its gRPC health check and the gateway's /healthz says SERVING."""
        deadline = time.monotonic() + timeout
        pending = {"gateway", "codegen", "spark", "ray"}
        while time.monotonic() < deadline:
            pending = {name for name in pending if not self._grpc_serving(self.ports[name])}
            try:
                rest = self.get("/healthz", timeout=1)[1]["status"] == "SERVING"
            except OSError:
                rest = False
            if not pending and rest:
                return
            for name, proc in self.procs.items():
                if proc.poll() is not None:
                    raise RuntimeError(f"{name} exited: {self.logs[name].read_text()[-3000:]}")
            time.sleep(0.2)
        raise RuntimeError(f"services never became healthy: {sorted(pending)}")

    def stop(self) -> None:
        for proc in self.procs.values():
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in self.procs.values():
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


CUSTOMERS = [
    (1, "Ada", "Oslo", "retail"),
    (2, "Bob", "Rome", "business"),
    (3, "Cyd", "Oslo", "business"),
    (4, "Dee", "Lima", "retail"),
    (5, "Eve", "Rome", "retail"),
]
ORDERS = [
    (100 + i, (i % 5) + 1, ["shipped", "pending", "returned"][i % 3], round(10 + (i * 7.3) % 90, 2)) for i in range(40)
]


def write_catalog(root: Path) -> None:
    shop = root / "shop"
    shop.mkdir(parents=True, exist_ok=True)
    lines = ["customer_id,name,city,segment"] + [",".join(map(str, c)) for c in CUSTOMERS]
    (shop / "customers.csv").write_text("\n".join(lines) + "\n")
    lines = ["order_id,customer_id,status,revenue"] + [",".join(map(str, o)) for o in ORDERS]
    (shop / "orders.csv").write_text("\n".join(lines) + "\n")




def request(stack, method: str, path: str, body: bytes | None = None, ctype: str | None = "application/json"):
    headers = {"content-type": ctype} if ctype else {}
    req = urllib.request.Request(stack.base + path, data=body, method=method, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=600) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as err:
        return err.code, err.read()


SESSION = "spark-questions"
REGIONS = ["East", "West", "North", "South"]
PRODUCTS = ["Widget", "Gadget", "Gizmo", "Doohickey", "Sprocket"]


def sales_frame(rows: int = 1500, seed: int = 11) -> pd.DataFrame:
    rng = random.Random(seed)
    start = date(2024, 1, 1)
    return pd.DataFrame(
        {
            "order_id": range(1, rows + 1),
            "order_date": [start + timedelta(days=rng.randrange(366)) for _ in range(rows)],
            "region": [rng.choice(REGIONS) for _ in range(rows)],
            "product": [rng.choice(PRODUCTS) for _ in range(rows)],
            "customer": [f"C{rng.randrange(60):03d}" for _ in range(rows)],
            "quantity": [rng.randint(1, 20) for _ in range(rows)],
            "amount": [round(rng.uniform(5, 500), 2) for _ in range(rows)],
        }
    )


DF = sales_frame()
