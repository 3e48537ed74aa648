"""The whole stack as `make run` starts it (four processes), on free ports, once per session."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

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

    def wait_healthy(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if self.get("/healthz", timeout=1)[1]["status"] == "SERVING":
                    return
            except OSError:
                pass
            for name, proc in self.procs.items():
                if proc.poll() is not None:
                    raise RuntimeError(f"{name} exited: {self.logs[name].read_text()[-3000:]}")
            time.sleep(0.2)
        raise RuntimeError("gateway never became healthy")

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


@pytest.fixture(scope="session")
def stack(tmp_path_factory):
    stack = Stack(tmp_path_factory.mktemp("stack"))
    stack.start("codegen", "codeinterp_codegen", stack.ports["codegen"])
    stack.start("spark-supervisor", "codeinterp_spark_supervisor", stack.ports["spark"])
    stack.start("ray-supervisor", "codeinterp_ray_supervisor", stack.ports["ray"])
    stack.start("gateway", "codeinterp_gateway", stack.ports["gateway"])
    try:
        stack.wait_healthy()
        yield stack
    finally:
        stack.stop()
