"""G2: one internal gRPC unary hop vs a raw loopback TCP ping-pong of the same payload, one run.

A server process (this script with ``--serve``) runs, on one asyncio loop:
* the services' real gRPC bootstrap (`codeinterp_common.server.build_server`: grpc.aio, the
  shared interceptor, the backends' auth interceptor (bench method declared), health, reflection) with one extra unary method `/bench.Echo/Echo` that
  returns its request bytes (a generic handler, no protobuf work beyond the framing), and
* a raw asyncio TCP echo server (TCP_NODELAY) that answers every fixed-size frame with itself.

The client (this process, second Python process on the same 2 cores) interleaves in ABAB
blocks, one in flight: a blocking-socket ping-pong of ``--payload`` bytes, the gRPC echo of the
same bytes over a sync channel, and the stock health `Check` (info). Then a grpc.aio client
keeps 32 calls in flight for ``--qps-seconds`` (throughput).

Goals (docs/performance.md G2): gRPC p50 ≤ 15× the raw TCP p50 in the same run and ≤ 400 µs;
≥ 2,500 QPS with 32 in flight.

    .venv/bin/python bench/grpc_hop.py [--blocks 10 --per-block 200 --qps-seconds 3]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import grpc

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import interleaved, loadavg, summary, write_result  # noqa: E402

GOAL_RATIO = 15.0
GOAL_P50_MS = 0.4
GOAL_QPS = 2500.0
METHOD = "/bench.Echo/Echo"


# -- server side -----------------------------------------------------------------------------


async def _serve(profile_to: str = "") -> None:
    from codeinterp_common.auth import METHOD_ACCESS, Access, ServiceAuthInterceptor
    from codeinterp_common.config import ServerSettings
    from codeinterp_common.server import ServiceSpec, build_server

    async def echo(request: bytes, _context) -> bytes:
        return request

    def add_echo(_servicer, server) -> None:
        handler = grpc.unary_unary_rpc_method_handler(echo)
        server.add_generic_rpc_handlers(
            (grpc.method_handlers_generic_handler("bench.Echo", {"Echo": handler}),)
        )

    async def echo_handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        sock = writer.get_extra_info("socket")
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        size = int.from_bytes(await reader.readexactly(4), "big")
        try:
            while True:
                writer.write(await reader.readexactly(size))
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.CancelledError):
            writer.close()

    settings = ServerSettings(grpc_port=0, metrics_port=0)
    # the backends' own auth interceptor, with the bench method declared in its role matrix
    auth = ServiceAuthInterceptor("", matrix={**METHOD_ACCESS, METHOD: Access.VIEWER})
    running = await build_server(
        settings,
        [ServiceSpec(None, add_echo, "bench.Echo")],
        domain="bench",
        port=0,
        auth_interceptor=auth,
    )
    await running.set_serving(True)
    # the floor for our chain: a bare grpc.aio server (no interceptors, no health) in the same process
    bare = grpc.aio.server()
    add_echo(None, bare)
    bare_port = bare.add_insecure_port("127.0.0.1:0")
    await bare.start()
    tcp = await asyncio.start_server(echo_handler, "127.0.0.1", 0)
    profiler = None
    if profile_to:
        from pyinstrument import Profiler

        profiler = Profiler(async_mode="disabled", interval=0.0002)
        profiler.start()
    ports = {"grpc": running.port, "grpc_bare": bare_port, "tcp": tcp.sockets[0].getsockname()[1]}
    print(json.dumps(ports), flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)  # until the client closes stdin
    if profiler is not None:
        profiler.stop()
        Path(profile_to).write_text(profiler.output_text(unicode=False, show_all=False))
    tcp.close()
    await running.server.stop(0)
    await bare.stop(0)


# -- client side -----------------------------------------------------------------------------


async def _throughput(port: int, payload: bytes, in_flight: int, seconds: float) -> dict:
    async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
        echo = channel.unary_unary(METHOD)
        for _ in range(200):
            await echo(payload, timeout=5)
        done = 0
        stop_at = time.perf_counter() + seconds

        async def worker() -> None:
            nonlocal done
            while time.perf_counter() < stop_at:
                await echo(payload, timeout=5)
                done += 1

        t0 = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(in_flight)))
        took = time.perf_counter() - t0
    return {"in_flight": in_flight, "calls": done, "seconds": took, "qps": done / took}


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--profile-server", default="", help="write a pyinstrument profile of the server here")
    ap.add_argument("--payload", type=int, default=200, help="bytes per request and per reply")
    ap.add_argument("--blocks", type=int, default=10)
    ap.add_argument("--per-block", type=int, default=200)
    ap.add_argument("--warmup", type=int, default=300)
    ap.add_argument("--qps-seconds", type=float, default=3.0)
    ap.add_argument("--in-flight", type=int, default=32)
    args = ap.parse_args()
    if args.serve:
        asyncio.run(_serve(args.profile_server))
        return 0

    from grpc_health.v1 import health_pb2, health_pb2_grpc

    load_before = loadavg()
    print(f"load average before: {load_before[0]:.2f} {load_before[1]:.2f} {load_before[2]:.2f}", flush=True)
    env = {**os.environ, "CODEINTERP_LOG_LEVEL": "WARNING"}
    server = subprocess.Popen(
        [sys.executable, __file__, "--serve", "--profile-server", args.profile_server],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        env=env,
    )
    try:
        ports = json.loads(server.stdout.readline())
        payload = os.urandom(args.payload)
        sock = socket.create_connection(("127.0.0.1", ports["tcp"]))
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.sendall(len(payload).to_bytes(4, "big"))
        view = bytearray(len(payload))

        def tcp() -> None:
            sock.sendall(payload)
            got = 0
            while got < len(view):
                got += sock.recv_into(memoryview(view)[got:])

        channel = grpc.insecure_channel(f"127.0.0.1:{ports['grpc']}")
        echo = channel.unary_unary(METHOD)
        bare_channel = grpc.insecure_channel(f"127.0.0.1:{ports['grpc_bare']}")
        bare_echo = bare_channel.unary_unary(METHOD)
        health = health_pb2_grpc.HealthStub(channel)
        check_req = health_pb2.HealthCheckRequest()

        def grpc_echo() -> None:
            assert echo(payload, timeout=5) == payload

        def grpc_bare() -> None:
            assert bare_echo(payload, timeout=5) == payload

        def grpc_health() -> None:
            health.Check(check_req, timeout=5)

        samples = interleaved(
            {"tcp": tcp, "grpc_echo": grpc_echo, "grpc_bare": grpc_bare, "grpc_health": grpc_health},
            blocks=args.blocks,
            per_block=args.per_block,
            warmup=args.warmup,
        )
        sock.close()
        channel.close()
        bare_channel.close()
        qps = asyncio.run(_throughput(ports["grpc"], payload, args.in_flight, args.qps_seconds))
    finally:
        server.stdin.close()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
    load_after = loadavg()
    print(f"load average after: {load_after[0]:.2f} {load_after[1]:.2f} {load_after[2]:.2f}", flush=True)

    stats = {name: summary(xs) for name, xs in samples.items()}
    ratio = stats["grpc_echo"]["p50_ms"] / stats["tcp"]["p50_ms"]
    verdicts = {
        "ratio": ratio <= GOAL_RATIO,
        "p50": stats["grpc_echo"]["p50_ms"] <= GOAL_P50_MS,
        "qps": qps["qps"] >= GOAL_QPS,
    }

    def v(ok: bool) -> str:
        return "met" if ok else "MISSED"

    lines = [
        "# G2 — internal gRPC unary hop vs raw loopback TCP ping-pong (same payload, one run)",
        "",
        f"load average before {load_before[0]:.2f}, after {load_after[0]:.2f} (2 cores, shared; client and server "
        "are two processes on the same cores)",
        f"payload {args.payload} B each way; {args.blocks} ABAB blocks of {args.per_block} calls per variant after "
        f"{args.warmup} warm-up calls; one in flight; server = the services' grpc.aio bootstrap with our interceptors (errors/metrics + service auth)",
        "",
        "| variant | n | p50 µs | p99 µs | mean µs |",
        "|---|---|---|---|---|",
    ]
    for name, label in (
        ("tcp", "raw TCP ping-pong (blocking socket ↔ asyncio echo)"),
        ("grpc_echo", "gRPC unary echo (sync client → grpc.aio server with our interceptors)"),
        ("grpc_bare", "gRPC unary echo, bare grpc.aio server (no interceptors; info: the grpcio floor)"),
        ("grpc_health", "gRPC health Check (info)"),
    ):
        s = stats[name]
        lines.append(
            f"| {label} | {s['n']} | {s['p50_ms'] * 1e3:.0f} | {s['p99_ms'] * 1e3:.0f} | {s['mean_ms'] * 1e3:.0f} |"
        )
    chain_us = (stats["grpc_echo"]["p50_ms"] - stats["grpc_bare"]["p50_ms"]) * 1e3
    lines += [
        "",
        f"our interceptor chain (errors/metrics/request ids + service auth) adds {chain_us:.0f} µs p50 over the "
        f"bare grpc.aio server ({stats['grpc_bare']['p50_ms'] / stats['tcp']['p50_ms']:.1f}× raw TCP)",
        "",
        f"throughput, grpc.aio client, {qps['in_flight']} in flight for {qps['seconds']:.1f} s: "
        f"{qps['qps']:.0f} QPS ({qps['calls']} calls)",
        "",
        "| goal | target | measured | verdict |",
        "|---|---|---|---|",
        f"| G2 gRPC p50 / raw TCP p50 | ≤ {GOAL_RATIO:g}× | {ratio:.1f}× ({stats['grpc_echo']['p50_ms'] * 1e3:.0f} vs "
        f"{stats['tcp']['p50_ms'] * 1e3:.0f} µs) | {v(verdicts['ratio'])} |",
        f"| G2 gRPC p50 | ≤ {GOAL_P50_MS * 1e3:g} µs | {stats['grpc_echo']['p50_ms'] * 1e3:.0f} µs | {v(verdicts['p50'])} |",
        f"| G2 QPS at {qps['in_flight']} in flight | ≥ {GOAL_QPS:g} | {qps['qps']:.0f} | {v(verdicts['qps'])} |",
    ]
    md = "\n".join(lines) + "\n"
    write_result(
        "grpc_hop",
        {
            "goal": {"id": "G2", "ratio_max": GOAL_RATIO, "p50_ms_max": GOAL_P50_MS, "qps_min": GOAL_QPS},
            "load_before": load_before,
            "load_after": load_after,
            "payload_bytes": args.payload,
            "results": stats,
            "ratio_p50": ratio,
            "bare_ratio_p50": stats["grpc_bare"]["p50_ms"] / stats["tcp"]["p50_ms"],
            "throughput": qps,
            "verdicts": verdicts,
            "met": all(verdicts.values()),
        },
        md,
    )
    print(md)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
