"""Helpers for the kill -9 tests: a supervisor as a real process on free ports, restarted on
the same data directory, with `CODEINTERP_FAULT_CRASH_AT` / `CODEINTERP_FAULT_CRASH_JOB`
making it SIGKILL itself at one point of one job's life (codeinterp_common.faults)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import grpc

ROOT = Path(__file__).resolve().parents[3]
_FORBIDDEN = {5432, 6379, 3306, 5672, 1883, 4222, 8265, 8080, 50051, 50052, 50053, 50054}


def free_port() -> int:
    while True:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        if port not in _FORBIDDEN and not 10002 <= port <= 19999:  # Ray's worker port range
            return port


class Supervisor:
    """One supervisor service; `start()` again after it died runs it on the same data dir."""

    def __init__(self, module: str, data_dir: Path, env: dict[str, str]) -> None:
        self.module = module
        self.data_dir = data_dir
        self.extra = env
        self.proc: subprocess.Popen | None = None
        self.port = 0
        self.runs = 0
        self.channel: grpc.Channel | None = None

    @property
    def log(self) -> Path:
        return self.data_dir.parent / f"{self.data_dir.name}-{self.runs}.log"

    def start(self, *, crash_at: str = "", crash_job: str = "", env: dict[str, str] | None = None) -> None:
        self.runs += 1
        self.port = free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith("CODEINTERP_")}
        env.update(
            {
                "CODEINTERP_GRPC_PORT": str(self.port),
                "CODEINTERP_METRICS_PORT": "0",
                "CODEINTERP_DATA_DIR": str(self.data_dir),
                "CODEINTERP_CODEGEN_ADDR": f"127.0.0.1:{free_port()}",  # never called: CreateJob carries the code
                "CODEINTERP_LOG_FORMAT": "json",
                "CODEINTERP_DRAIN_S": "0",
                "CODEINTERP_SHUTDOWN_GRACE_S": "1",
                "PYTHONUNBUFFERED": "1",
                **self.extra,
                **(env or {}),
            }
        )
        if crash_at:
            env["CODEINTERP_FAULT_CRASH_AT"] = crash_at
            env["CODEINTERP_FAULT_CRASH_JOB"] = crash_job
        self.proc = subprocess.Popen(
            [sys.executable, "-m", self.module],
            cwd=ROOT,
            env=env,
            stdout=self.log.open("wb"),
            stderr=subprocess.STDOUT,
        )
        if self.channel is not None:
            self.channel.close()
        self.channel = grpc.insecure_channel(f"127.0.0.1:{self.port}")

    def wait_serving(self, timeout: float = 60) -> float:
        from grpc_health.v1 import health_pb2, health_pb2_grpc

        started = time.monotonic()
        while time.monotonic() - started < timeout:
            if self.proc.poll() is not None:
                raise AssertionError(f"{self.module} exited ({self.proc.returncode}): {self.tail()}")
            try:
                reply = health_pb2_grpc.HealthStub(self.channel).Check(
                    health_pb2.HealthCheckRequest(), timeout=1
                )
                if reply.status == health_pb2.HealthCheckResponse.SERVING:
                    return time.monotonic() - started
            except grpc.RpcError:
                pass
            time.sleep(0.1)
        raise AssertionError(f"{self.module} never served: {self.tail()}")

    def wait_killed(self, timeout: float = 120) -> None:
        """The process SIGKILLed itself at its crash point."""
        try:
            code = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            raise AssertionError(f"{self.module} did not crash within {timeout} s: {self.tail()}") from None
        assert code == -signal.SIGKILL, f"exit code {code}, expected -9: {self.tail()}"

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.channel is not None:
            self.channel.close()
            self.channel = None

    def tail(self, n: int = 3000) -> str:
        try:
            return self.log.read_text(errors="replace")[-n:]
        except OSError:
            return ""


def processes_using(path: Path) -> list[tuple[int, str]]:
    """Live processes whose command line or working directory lies under `path` (our
    supervisor's workers, Spark JVM and its launcher all do)."""
    found = []
    me = os.getpid()
    needle = str(path)
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == me:
            continue
        try:
            cmdline = (
                Path(f"/proc/{entry}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            )
            try:
                cwd = os.readlink(f"/proc/{entry}/cwd")
            except OSError:
                cwd = ""
            state = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if state == "Z":
            continue
        if needle in cmdline or cwd.startswith(needle):
            found.append((int(entry), cmdline[:200]))
    return found


def wait_no_processes_using(path: Path, timeout: float = 20) -> list[tuple[int, str]]:
    deadline = time.monotonic() + timeout
    left = processes_using(path)
    while left and time.monotonic() < deadline:
        time.sleep(0.2)
        left = processes_using(path)
    return left
