"""Starts the four services on the embedded default with readable, prefixed logs.

Ports (override with the environment variables shown in the README):
REST 8080 and gRPC 50051 (gateway), 50052 codegen, 50053 spark-supervisor, 50054 ray-supervisor.
Ctrl-C (or SIGTERM) stops everything: each service gets SIGTERM, drains, and exits; anything
still alive after the grace period is killed. Only our own child processes are touched.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
COLORS = ["\033[36m", "\033[35m", "\033[33m", "\033[32m", "\033[34m"]
RESET = "\033[0m"

SERVICES = [
    ("codegen", "codeinterp_codegen", {}),
    ("spark-supervisor", "codeinterp_spark_supervisor", {}),
    ("ray-supervisor", "codeinterp_ray_supervisor", {}),
    ("gateway", "codeinterp_gateway", {}),
]


def pump(name: str, color: str, stream) -> None:
    tty = sys.stdout.isatty()
    prefix = f"{color}{name:>16}{RESET} | " if tty else f"{name:>16} | "
    for raw in iter(stream.readline, b""):
        sys.stdout.write(prefix + raw.decode(errors="replace"))
        sys.stdout.flush()


def main() -> int:
    env = dict(os.environ)
    env.setdefault("CODEINTERP_LOG_FORMAT", "text")
    data_root = Path(env.pop("CODEINTERP_DATA_DIR", str(ROOT / ".data")))
    env.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    env["PYTHONUNBUFFERED"] = "1"
    procs: list[tuple[str, subprocess.Popen]] = []
    for i, (name, module, extra) in enumerate(SERVICES):
        proc = subprocess.Popen(
            [PY, "-m", module],
            cwd=ROOT,
            env={**env, "CODEINTERP_DATA_DIR": str(data_root / name), **extra},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # Ctrl-C reaches us only; we forward SIGTERM ourselves
        )
        procs.append((name, proc))
        threading.Thread(target=pump, args=(name, COLORS[i % len(COLORS)], proc.stdout), daemon=True).start()

    stopping = threading.Event()

    def stop(*_args) -> None:
        stopping.set()

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    http = env.get("CODEINTERP_HTTP_PORT", "8080")
    print(f"codeinterp starting: REST http://127.0.0.1:{http}  (Ctrl-C stops everything)", flush=True)
    exit_code = 0
    while not stopping.is_set():
        for name, proc in procs:
            if proc.poll() is not None:
                print(f"{name} exited with code {proc.returncode}; stopping the stack", flush=True)
                exit_code = proc.returncode or 1
                stopping.set()
                break
        stopping.wait(0.5)

    print("stopping...", flush=True)
    for _name, proc in procs:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + 20
    for name, proc in procs:
        try:
            proc.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            print(f"{name} did not stop in time; killing it", flush=True)
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    print("stopped.", flush=True)
    return exit_code


if __name__ == "__main__":
    raise SystemExit(main())
