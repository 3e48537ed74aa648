"""G10: end-to-end NL question → result on a 1 MB CSV, the whole stack on loopback, one run.

Starts the four services as `make run` does (codegen with the offline generator,
spark-supervisor with its warm local Spark, ray-supervisor without a Ray head, gateway),
on free ports, each with its own data dir under a temp dir. Uploads a ~1 MB sales CSV
(fixed seed) into session `bench`, waits until a question succeeds (the first one waits
for the warm Spark engine), warms up, then times
`POST /v1/sessions/bench:generate {"prompt": ..., "framework": "SPARK"}` over one HTTP/1.1
keep-alive connection for a rotating set of questions, one in flight.

Two series, interleaved ABAB: "back-to-back" (the next question is sent as soon as the
previous answer arrives, so it shares the cores with the replacement of the single-use Spark
worker the previous job consumed) and "after think time" (sent `--think-s` after the
previous answer, when the worker pool has refilled: one interactive user). The goals are
judged on the back-to-back series (the conservative one); the other is reported beside it.

Per sample: total client wall time, and from the response's `attempts[0]` the generate and
run durations; "outside the engine" = total − run_duration (gateway, gRPC hops, codegen,
validation, job bookkeeping, JSON). Client and all services share the same 2 cores.

Goals (docs/performance.md G10): p50 ≤ 300 ms, p99 ≤ 1 s, overhead outside the engine
≤ 100 ms (p50).

    .venv/bin/python bench/ask_latency.py [--samples 16]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import loadavg, summary, write_result  # noqa: E402
from datagen import write_sales_csv  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
GOAL_P50_MS = 300.0
GOAL_P99_MS = 1000.0
GOAL_OVERHEAD_MS = 100.0
QUESTIONS = (
    "average amount by region",
    "total amount by month",
    "top 5 products by total amount",
    "how many rows",
)
FORBIDDEN = {5432, 6379, 8265, 15002}


def free_port() -> int:
    while True:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        if port not in FORBIDDEN and not 10002 <= port <= 19999:
            return port


def duration_s(v) -> float:
    """Proto JSON Duration ("0.123s") → seconds."""
    if v is None or v == "":
        return 0.0
    return float(str(v).rstrip("s"))


class Stack:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.ports = {k: free_port() for k in ("http", "gateway", "codegen", "spark", "ray")}
        self.procs: dict[str, subprocess.Popen] = {}

    def start(self, name: str, module: str, grpc_port: int, extra: dict[str, str] | None = None) -> None:
        data = self.root / name
        data.mkdir()
        data.chmod(0o711)
        env = {k: v for k, v in os.environ.items() if not k.startswith("CODEINTERP_")}
        env.update(
            {
                "CODEINTERP_GRPC_PORT": str(grpc_port),
                "CODEINTERP_METRICS_PORT": "0",
                "CODEINTERP_DATA_DIR": str(data),
                "CODEINTERP_LOG_LEVEL": "WARNING",
                "CODEINTERP_HTTP_PORT": str(self.ports["http"]),
                "CODEINTERP_CODEGEN_ADDR": f"127.0.0.1:{self.ports['codegen']}",
                "CODEINTERP_SPARK_SUPERVISOR_ADDR": f"127.0.0.1:{self.ports['spark']}",
                "CODEINTERP_RAY_SUPERVISOR_ADDR": f"127.0.0.1:{self.ports['ray']}",
                **(extra or {}),
            }
        )
        log = (self.root / f"{name}.log").open("wb")
        self.procs[name] = subprocess.Popen(
            [sys.executable, "-m", module], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
        )

    def check_alive(self) -> None:
        for name, proc in self.procs.items():
            if proc.poll() is not None:
                tail = (self.root / f"{name}.log").read_text(errors="replace")[-2000:]
                raise RuntimeError(f"{name} exited with {proc.returncode}: {tail}")

    def stop(self) -> None:
        for proc in self.procs.values():
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 30
        for proc in self.procs.values():
            try:
                proc.wait(timeout=max(deadline - time.monotonic(), 0.1))
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


class Client:
    def __init__(self, port: int) -> None:
        self.port = port
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=300)

    def call(self, method: str, path: str, body: bytes | None = None, ctype: str = "application/json"):
        headers = {"content-type": ctype} if body is not None else {}
        try:
            self.conn.request(method, path, body=body, headers=headers)
            resp = self.conn.getresponse()
        except (OSError, http.client.HTTPException):
            self.conn.close()
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=300)
            raise
        data = resp.read()
        try:
            return resp.status, json.loads(data or b"null")
        except ValueError:
            return resp.status, data.decode(errors="replace")


def wait_healthy(stack: Stack, client: Client, timeout: float = 90) -> float:
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        stack.check_alive()
        try:
            status, body = client.call("GET", "/healthz")
            if status == 200 and isinstance(body, dict) and body.get("status") == "SERVING":
                return time.monotonic() - t0
        except (OSError, http.client.HTTPException):
            pass
        time.sleep(0.2)
    raise RuntimeError("gateway never became healthy")


def ask(client: Client, prompt: str) -> tuple[float, dict, int]:
    body = json.dumps({"prompt": prompt, "framework": "SPARK"}).encode()
    t0 = time.perf_counter()
    status, res = client.call("POST", "/v1/sessions/bench:generate", body)
    return time.perf_counter() - t0, res if isinstance(res, dict) else {"raw": res}, status


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--samples", type=int, default=16, help="timed questions per series (≥ 15)")
    ap.add_argument("--think-s", type=float, default=2.5, help="pause before each 'after think time' question")
    ap.add_argument("--warmup", type=int, default=4, help="successful warm-up questions after the first")
    ap.add_argument("--ready-timeout", type=float, default=240.0)
    args = ap.parse_args()

    root = Path(tempfile.mkdtemp(prefix="bench-ask-"))
    root.chmod(0o711)
    stack = Stack(root)
    load_before = loadavg()
    print(f"load average before: {load_before[0]:.2f} {load_before[1]:.2f} {load_before[2]:.2f}", flush=True)
    samples: list[dict] = []
    first_ok_s = None
    try:
        csv = write_sales_csv(root / "sales.csv", 1 << 20, seed=42)
        t_start = time.monotonic()
        stack.start("codegen", "codeinterp_codegen", stack.ports["codegen"], {"CODEINTERP_LLM_PROVIDER": "offline"})
        stack.start("spark-supervisor", "codeinterp_spark_supervisor", stack.ports["spark"])
        stack.start(
            "ray-supervisor",
            "codeinterp_ray_supervisor",
            stack.ports["ray"],
            {"CODEINTERP_MANAGE_LOCAL_HEAD": "false", "CODEINTERP_RAY_DASHBOARD_PORT": str(free_port())},
        )
        stack.start("gateway", "codeinterp_gateway", stack.ports["gateway"])
        client = Client(stack.ports["http"])
        healthy_s = wait_healthy(stack, client)
        print(f"gateway healthy after {healthy_s:.1f} s", flush=True)

        status, body = client.call("POST", "/v1/sessions?session_id=bench", b"{}")
        assert status == 200, (status, body)
        status, body = client.call(
            "POST",
            "/v1/sessions/bench/datasets:upload?filename=sales.csv&select=true",
            Path(csv["path"]).read_bytes(),
            ctype="text/csv",
        )
        assert status == 200, (status, body)
        print(f"uploaded {csv['bytes']} bytes, {csv['rows']} rows", flush=True)

        # the first question waits for the warm engine (Connect server + pool), then warm up
        deadline = time.monotonic() + args.ready_timeout
        while True:
            stack.check_alive()
            try:
                wall, res, status = ask(client, QUESTIONS[0])
                if status == 200 and res.get("success"):
                    break
                last = res.get("error") or res
            except (OSError, http.client.HTTPException) as exc:
                last = exc
            if time.monotonic() > deadline:
                raise RuntimeError(f"no successful question within {args.ready_timeout:.0f} s: {last}")
            time.sleep(1)
        first_ok_s = time.monotonic() - t_start
        print(f"first successful question {first_ok_s:.1f} s after start ({wall:.2f} s for it)", flush=True)
        for i in range(args.warmup):
            ask(client, QUESTIONS[i % len(QUESTIONS)])

        for i in range(2 * args.samples):
            series = "back_to_back" if i % 2 == 0 else "think"
            q = QUESTIONS[(i // 2) % len(QUESTIONS)]
            if series == "think":
                time.sleep(args.think_s)
            wall, res, status = ask(client, q)
            att = (res.get("attempts") or [{}])[0]
            gen = duration_s(att.get("generateDuration", att.get("generate_duration")))
            run = duration_s(att.get("runDuration", att.get("run_duration")))
            s = {
                "series": series,
                "question": q,
                "ok": status == 200 and bool(res.get("success")),
                "total_s": wall,
                "server_total_s": duration_s(res.get("totalDuration", res.get("total_duration"))),
                "generate_s": gen,
                "run_s": run,
                "outside_engine_s": wall - run,
                "attempts": len(res.get("attempts") or []),
                "provider": res.get("provider"),
                "error": res.get("error"),
                "code": res.get("code") if i < 2 * len(QUESTIONS) else None,
            }
            samples.append(s)
            print(
                f"{series:12} {q!r:34} {'ok ' if s['ok'] else 'ERR'} total {wall * 1e3:7.1f} ms  run {run * 1e3:7.1f} ms  "
                f"gen {gen * 1e3:6.1f} ms  outside {s['outside_engine_s'] * 1e3:6.1f} ms",
                flush=True,
            )
    finally:
        stack.stop()
        shutil.rmtree(root, ignore_errors=True)
    load_after = loadavg()
    print(f"load average after: {load_after[0]:.2f} {load_after[1]:.2f} {load_after[2]:.2f}", flush=True)

    failures = len([s for s in samples if not s["ok"]])
    series_stats = {}
    for name in ("back_to_back", "think"):
        ok = [s for s in samples if s["ok"] and s["series"] == name]
        series_stats[name] = {
            "total": summary([s["total_s"] for s in ok]),
            "run": summary([s["run_s"] for s in ok]),
            "generate": summary([s["generate_s"] for s in ok]),
            "outside": summary([s["outside_engine_s"] for s in ok]),
            "per_question": {q: summary([s["total_s"] for s in ok if s["question"] == q]) for q in QUESTIONS},
        }
    main_stats = series_stats["back_to_back"]
    total, run, gen, outside = (main_stats[k] for k in ("total", "run", "generate", "outside"))
    verdicts = {
        "p50": total["p50_ms"] <= GOAL_P50_MS,
        "p99": total["p99_ms"] <= GOAL_P99_MS,
        "overhead": outside["p50_ms"] <= GOAL_OVERHEAD_MS,
        "no_failures": failures == 0,
    }

    def v(b: bool) -> str:
        return "met" if b else "MISSED"

    md = [
        "# G10 — end-to-end question → result (1 MB CSV, offline generator, warm local Spark)",
        "",
        f"load average before {load_before[0]:.2f}, after {load_after[0]:.2f} (2 cores, shared and noisy; "
        "client, four services, workers and the Spark JVM all share them)",
        f"{len(samples) - failures} successful samples ({failures} failed), one in flight, HTTP/1.1 keep-alive; "
        f"first successful question {first_ok_s:.1f} s after the services were started",
        f"series interleaved ABAB: back-to-back vs after {args.think_s:g} s think time (pool refilled)",
        "",
        "| series | part | p50 ms | p99 ms | mean ms |",
        "|---|---|---|---|---|",
    ]
    for name, st in series_stats.items():
        for label, key, fmt in (
            ("total (client wall)", "total", ".0f"),
            ("run_duration (engine, attempt 1)", "run", ".0f"),
            ("generate_duration (offline generator)", "generate", ".1f"),
            ("outside the engine (total − run)", "outside", ".1f"),
        ):
            x = st[key]
            md.append(
                f"| {name} | {label} | {x['p50_ms']:{fmt}} | {x['p99_ms']:{fmt}} | {x['mean_ms']:{fmt}} |"
            )
    md += ["", "| question | back-to-back p50 ms | after think time p50 ms |", "|---|---|---|"]
    for q in QUESTIONS:
        a = series_stats["back_to_back"]["per_question"][q]["p50_ms"]
        b = series_stats["think"]["per_question"][q]["p50_ms"]
        md.append(f"| {q} | {a:.0f} | {b:.0f} |")
    md += [
        "",
        "| goal | target | measured | verdict |",
        "|---|---|---|---|",
        f"| G10 total p50 (back-to-back) | ≤ {GOAL_P50_MS:g} ms | {total['p50_ms']:.0f} ms "
        f"(after think time {series_stats['think']['total']['p50_ms']:.0f} ms) | {v(verdicts['p50'])} |",
        f"| G10 total p99 (back-to-back) | ≤ {GOAL_P99_MS:g} ms | {total['p99_ms']:.0f} ms "
        f"(after think time {series_stats['think']['total']['p99_ms']:.0f} ms) | {v(verdicts['p99'])} |",
        f"| G10 outside the engine p50 | ≤ {GOAL_OVERHEAD_MS:g} ms | {outside['p50_ms']:.0f} ms "
        f"| {v(verdicts['overhead'])} |",
    ]
    text = "\n".join(md) + "\n"
    write_result(
        "ask_latency",
        {
            "goal": {"id": "G10", "p50_ms": GOAL_P50_MS, "p99_ms": GOAL_P99_MS, "outside_engine_p50_ms": GOAL_OVERHEAD_MS},
            "load_before": load_before,
            "load_after": load_after,
            "first_ok_s": first_ok_s,
            "total": total,
            "run": run,
            "generate": gen,
            "outside_engine": outside,
            "series": series_stats,
            "samples": samples,
            "failures": failures,
            "verdicts": verdicts,
            "met": verdicts["p50"] and verdicts["p99"] and verdicts["overhead"],
        },
        text,
    )
    print(text)
    return 0 if failures == 0 and samples else 1


if __name__ == "__main__":
    raise SystemExit(main())
