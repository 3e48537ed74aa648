"""G1: REST through the gateway vs direct gRPC on the same RPC, in one run, interleaved.

Starts the real gateway (`python -m codeinterp_gateway`) on free ports, then alternates
blocks of `GET /v1/settings` over HTTP/1.1 keep-alive and `SettingsService/GetSettings`
over gRPC (sync stub, one in flight), both against the same process. Client and server
share the machine's cores, as they do in production on this machine class.

Goal (docs/performance.md G1): p50 ratio REST/gRPC ≤ 1.35. Also reports a remote hop:
REST → gateway → codegen (`GET /v1/models`) vs direct gRPC to codegen, where one extra
gRPC hop is unavoidable.
"""

from __future__ import annotations

import argparse
import http.client
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import grpc

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import interleaved, loadavg, summary, write_result  # noqa: E402

from codeinterp.codegen.v1 import codegen_service_pb2 as cg  # noqa: E402
from codeinterp.codegen.v1 import codegen_service_pb2_grpc as cg_grpc  # noqa: E402
from codeinterp.gateway.v1 import settings_service_pb2 as pb  # noqa: E402
from codeinterp.gateway.v1 import settings_service_pb2_grpc as pb_grpc  # noqa: E402

GOAL = 1.35


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(port: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.1)
    raise RuntimeError("gateway did not become healthy")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--blocks", type=int, default=20)
    parser.add_argument("--per-block", type=int, default=100)
    args = parser.parse_args()

    ports = {k: free_port() for k in ("http", "grpc", "codegen")}
    data = tempfile.mkdtemp(prefix="bench-gw-")
    env = {
        **os.environ,
        "CODEINTERP_HTTP_PORT": str(ports["http"]),
        "CODEINTERP_GRPC_PORT": str(ports["grpc"]),
        "CODEINTERP_METRICS_PORT": "0",
        "CODEINTERP_DATA_DIR": data,
        "CODEINTERP_LOG_LEVEL": "WARNING",
        "CODEINTERP_CODEGEN_ADDR": f"127.0.0.1:{ports['codegen']}",
    }
    gateway = subprocess.Popen([sys.executable, "-m", "codeinterp_gateway"], env=env)
    codegen = subprocess.Popen(
        [sys.executable, "-m", "codeinterp_codegen"], env={**env, "CODEINTERP_GRPC_PORT": str(ports["codegen"])}
    )
    load_before = loadavg()
    try:
        wait_http(ports["http"])
        conn = http.client.HTTPConnection("127.0.0.1", ports["http"])
        channel = grpc.insecure_channel(f"127.0.0.1:{ports['grpc']}")
        cg_channel = grpc.insecure_channel(f"127.0.0.1:{ports['codegen']}")
        settings_stub = pb_grpc.SettingsServiceStub(channel)
        codegen_stub = cg_grpc.CodegenServiceStub(cg_channel)

        def rest(path: str):
            def call():
                conn.request("GET", path)
                resp = conn.getresponse()
                body = resp.read()
                assert resp.status == 200, body
            return call

        def grpc_settings():
            settings_stub.GetSettings(pb.GetSettingsRequest(), timeout=5)

        def grpc_models():
            codegen_stub.ListModels(cg.ListModelsRequest(), timeout=5)

        local = interleaved(
            {"rest": rest("/v1/settings"), "grpc": grpc_settings},
            blocks=args.blocks, per_block=args.per_block, warmup=200,
        )
        remote = interleaved(
            {"rest": rest("/v1/models"), "grpc": grpc_models},
            blocks=max(4, args.blocks // 2), per_block=args.per_block, warmup=100,
        )
    finally:
        for proc in (gateway, codegen):
            proc.terminate()
        for proc in (gateway, codegen):
            proc.wait(timeout=30)
        import shutil

        shutil.rmtree(data, ignore_errors=True)
    load_after = loadavg()

    results = {}
    lines = [
        "# G1 — gateway overhead (REST through the gateway vs direct gRPC, one in flight)",
        "",
        f"load average before {load_before[0]:.2f}, after {load_after[0]:.2f} (2 cores; client and server share them)",
        "",
        "| RPC | path | REST p50 ms | gRPC p50 ms | REST p99 ms | gRPC p99 ms | p50 ratio | goal |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for label, samples, rpc in (
        ("local", local, "SettingsService.GetSettings (served by the gateway)"),
        ("remote", remote, "CodegenService.ListModels (gateway forwards one gRPC hop)"),
    ):
        r, g = summary(samples["rest"]), summary(samples["grpc"])
        ratio = r["p50_ms"] / g["p50_ms"]
        results[label] = {"rest": r, "grpc": g, "p50_ratio": ratio, "p99_ratio": r["p99_ms"] / g["p99_ms"]}
        goal = f"≤ {GOAL}" if label == "local" else "(info)"
        lines.append(
            f"| {rpc} | {label} | {r['p50_ms']:.3f} | {g['p50_ms']:.3f} | {r['p99_ms']:.3f} | {g['p99_ms']:.3f} | {ratio:.2f} | {goal} |"
        )
    md = "\n".join(lines) + "\n"
    write_result(
        "gateway_overhead",
        {"goal_p50_ratio": GOAL, "load_before": load_before, "load_after": load_after, "results": results},
        md,
    )
    print(md)
    met = results["local"]["p50_ratio"] <= GOAL
    print(f"G1 goal p50 ratio ≤ {GOAL}: {'met' if met else 'MISSED'} ({results['local']['p50_ratio']:.2f})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
