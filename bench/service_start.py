"""G11: process spawn → gRPC health SERVING for each service vs a minimal grpc.aio server, one run.

Each round starts, one after the other (round-robin, so drift hits all alike):
* baseline: a fresh ``python -c`` that imports grpc, starts a grpc.aio server with the stock
  health servicer, sets SERVING and waits — the floor every service pays (interpreter +
  site-packages + `import grpc` + server start);
* gateway, codegen (offline default), spark-supervisor (embedded default: its warm local Spark
  starts in the background), ray-supervisor (``CODEINTERP_MANAGE_LOCAL_HEAD=false``: the
  KubeRay/remote deployment, no local head to start; with a managed head the head is also
  started in the background and does not gate SERVING);
each on free ports with its own temp data dir, as ``python -m <module>`` (what `make run` and the
images run). The time is measured from just before ``Popen`` to the first health `Check`
answering SERVING (polled every 5 ms over one channel). Then the process is killed (SIGKILL;
spark-supervisor gets SIGTERM so it stops the Connect server it started), and anything left in
its process group is killed.
Also informational: ``python -c "import grpc"`` spawn-to-exit (the import floor).

Goals (docs/performance.md G11): gateway and codegen ≤ 1 s to SERVING; supervisors serve
immediately and warm their engine in the background (reported: time to SERVING and its ratio
to the baseline).

    .venv/bin/python bench/service_start.py [--rounds 5]
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import loadavg, summary, write_result  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
GOAL_S = 1.0
FORBIDDEN = {5432, 6379, 3306, 5672, 1883, 4222, 8080, 8265, 50051, 50052, 50053, 50054}

BASELINE = """
import asyncio, sys
import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
async def main():
    server = grpc.aio.server()
    h = health.aio.HealthServicer()
    health_pb2_grpc.add_HealthServicer_to_server(h, server)
    server.add_insecure_port("127.0.0.1:" + sys.argv[1])
    await server.start()
    await h.set("", health_pb2.HealthCheckResponse.SERVING)
    await server.wait_for_termination()
asyncio.run(main())
"""


def free_port() -> int:
    while True:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        if port not in FORBIDDEN and not 10002 <= port <= 19999:
            return port


def command(name: str, port: int, data: Path) -> tuple[list[str], dict[str, str]]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CODEINTERP_")}
    env.update(
        {
            "CODEINTERP_GRPC_PORT": str(port),
            "CODEINTERP_METRICS_PORT": "0",
            "CODEINTERP_DATA_DIR": str(data),
            "CODEINTERP_LOG_LEVEL": "WARNING",
            "CODEINTERP_DRAIN_S": "0",
        }
    )
    if name == "baseline":
        return [sys.executable, "-c", BASELINE, str(port)], env
    if name == "gateway":
        env.update(
            {
                "CODEINTERP_HTTP_PORT": str(free_port()),
                "CODEINTERP_CODEGEN_ADDR": f"127.0.0.1:{free_port()}",
                "CODEINTERP_SPARK_SUPERVISOR_ADDR": f"127.0.0.1:{free_port()}",
                "CODEINTERP_RAY_SUPERVISOR_ADDR": f"127.0.0.1:{free_port()}",
            }
        )
    if name == "ray-supervisor":
        env.update(
            {"CODEINTERP_MANAGE_LOCAL_HEAD": "false", "CODEINTERP_RAY_DASHBOARD_PORT": str(free_port())}
        )
    if name == "spark-supervisor":
        env["CODEINTERP_CODEGEN_ADDR"] = f"127.0.0.1:{free_port()}"
    module = {
        "gateway": "codeinterp_gateway",
        "codegen": "codeinterp_codegen",
        "spark-supervisor": "codeinterp_spark_supervisor",
        "ray-supervisor": "codeinterp_ray_supervisor",
    }[name]
    return [sys.executable, "-m", module], env


def stop(proc: subprocess.Popen, graceful: bool) -> None:
    """Only the start is measured: SIGKILL, except for a process that started an engine of its
    own (spark-supervisor's Connect server), which gets SIGTERM so it stops that engine."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM if graceful else signal.SIGKILL)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    try:  # whatever it started and left behind (its own process group, started by us)
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def time_to_serving(name: str, work: Path, k: int, timeout: float) -> float:
    port = free_port()
    data = work / f"{name}-{k}"
    data.mkdir()
    data.chmod(0o711)
    cmd, env = command(name, port, data)
    log = (work / f"{name}-{k}.log").open("wb")
    channel = grpc.insecure_channel(f"127.0.0.1:{port}")
    check = health_pb2_grpc.HealthStub(channel).Check
    req = health_pb2.HealthCheckRequest()
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        cmd, env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    try:
        while True:
            try:
                if check(req, timeout=0.5).status == health_pb2.HealthCheckResponse.SERVING:
                    return time.perf_counter() - t0
            except grpc.RpcError:
                pass
            if proc.poll() is not None:
                raise RuntimeError(
                    f"{name} exited with {proc.returncode}: {(work / f'{name}-{k}.log').read_text()[-1500:]}"
                )
            if time.perf_counter() - t0 > timeout:
                raise RuntimeError(f"{name} not SERVING within {timeout:.0f} s")
            time.sleep(0.005)
    finally:
        channel.close()
        stop(proc, graceful=name == "spark-supervisor")
        log.close()


def import_floor() -> float:
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import grpc"], check=True)
    return time.perf_counter() - t0


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument(
        "--spark-rounds", type=int, default=3, help="spark-supervisor starts a JVM in the background"
    )
    ap.add_argument("--timeout", type=float, default=60.0)
    args = ap.parse_args()

    names = ["baseline", "gateway", "codegen", "spark-supervisor", "ray-supervisor"]
    work = Path(tempfile.mkdtemp(prefix="bench-start-"))
    work.chmod(0o711)
    load_before = loadavg()
    print(f"load average before: {load_before[0]:.2f} {load_before[1]:.2f} {load_before[2]:.2f}", flush=True)
    samples: dict[str, list[float]] = {n: [] for n in names}
    floor: list[float] = []
    try:
        for n in names:  # warm-up: page cache, .pyc files
            time_to_serving(n, work, -1, args.timeout)
        for r in range(args.rounds):
            floor.append(import_floor())
            for n in names:
                if n == "spark-supervisor" and r >= args.spark_rounds:
                    continue
                samples[n].append(time_to_serving(n, work, r, args.timeout))
            print(
                f"round {r + 1}/{args.rounds}: "
                + ", ".join(f"{n} {samples[n][-1] * 1e3:.0f} ms" for n in names if len(samples[n]) > r),
                flush=True,
            )
    finally:
        shutil.rmtree(work, ignore_errors=True)
    load_after = loadavg()
    print(f"load average after: {load_after[0]:.2f} {load_after[1]:.2f} {load_after[2]:.2f}", flush=True)

    stats = {n: summary(xs) for n, xs in samples.items()}
    base = stats["baseline"]["p50_ms"]
    ratios = {n: stats[n]["p50_ms"] / base for n in names}
    verdicts = {n: stats[n]["p50_ms"] <= GOAL_S * 1e3 for n in ("gateway", "codegen")}

    md = [
        "# G11 — service start to SERVING (process spawn → first SERVING health Check), one run",
        "",
        f"load average before {load_before[0]:.2f}, after {load_after[0]:.2f} (2 cores, shared)",
        f"{args.rounds} rounds, round-robin over the services after one warm-up start each "
        f"(spark-supervisor {min(args.rounds, args.spark_rounds)}); `python -c 'import grpc'` spawn→exit p50 "
        f"{statistics.median(floor) * 1e3:.0f} ms (info)",
        "",
        "| process | n | p50 ms | p99 ms | mean ms | p50 / baseline | goal |",
        "|---|---|---|---|---|---|---|",
    ]
    goals = {
        "baseline": "(floor: python + import grpc + aio server + health)",
        "gateway": f"≤ {GOAL_S * 1e3:g} ms",
        "codegen": f"≤ {GOAL_S * 1e3:g} ms",
        "spark-supervisor": "serves at once; warm Spark starts in the background",
        "ray-supervisor": "serves at once (no local head)",
    }
    for n in names:
        s = stats[n]
        md.append(
            f"| {n} | {s['n']} | {s['p50_ms']:.0f} | {s['p99_ms']:.0f} | {s['mean_ms']:.0f} | {ratios[n]:.2f}× "
            f"| {goals[n]} |"
        )
    md += [
        "",
        "| goal | target | measured | verdict |",
        "|---|---|---|---|",
    ]
    for n in ("gateway", "codegen"):
        md.append(
            f"| G11 {n} start → SERVING p50 | ≤ {GOAL_S * 1e3:g} ms | {stats[n]['p50_ms']:.0f} ms "
            f"({ratios[n]:.1f}× the minimal gRPC server) | {'met' if verdicts[n] else 'MISSED'} |"
        )
    text = "\n".join(md) + "\n"
    write_result(
        "service_start",
        {
            "goal": {"id": "G11", "serving_s_max": GOAL_S, "applies_to": ["gateway", "codegen"]},
            "load_before": load_before,
            "load_after": load_after,
            "import_grpc_p50_ms": statistics.median(floor) * 1e3,
            "results": stats,
            "ratio_to_baseline_p50": ratios,
            "verdicts": verdicts,
            "met": all(verdicts.values()),
        },
        text,
    )
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
