"""Runs every goal benchmark in sequence and writes bench/results/SUMMARY.md.

Each script runs as its own subprocess (own process group) with a per-script timeout,
capped by what is left of the overall budget (default 600 s). On timeout the script gets
SIGINT (so its `finally` blocks stop the services/engines it started), then SIGKILL of its
process group after 30 s. Failures do not stop the run. Afterwards one row per goal
(goal, target, baseline, measured figure, ratio, met/MISSED) is read from the scripts'
bench/results/<name>.json files (a result file older than this run counts as "no result"),
printed, and written to bench/results/SUMMARY.md and SUMMARY.json.

    .venv/bin/python bench/run_all.py [--budget 600] [--only validation_time,ask_latency] [--skip ray_dispatch]
                                      [--timeout-scale 3]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
RESULTS = Path(os.environ.get("BENCH_RESULTS_DIR") or HERE / "results")

# (script, per-script timeout s, extra args): quick ones first, so a budget overrun only
# costs the slow ones; the extra args keep the whole suite inside 10 minutes on 2 busy cores
SCRIPTS: list[tuple[str, float, list[str]]] = [
    ("grpc_hop", 60, []),
    ("validation_time", 130, ["--samples", "1000", "--info-samples", "100", "--warmup", "30"]),
    ("generation_cache", 90, []),
    ("gateway_overhead", 60, ["--blocks", "10"]),
    ("service_start", 120, ["--rounds", "3", "--spark-rounds", "1"]),
    ("isolated_run", 150, ["--blocks", "3"]),
    ("spark_warm_vs_cold", 200, ["--cold-runs", "2", "--blocks", "5"]),
    ("ask_latency", 150, ["--samples", "12", "--think-s", "1.5", "--warmup", "2"]),
    ("ray_dispatch", 180, ["--blocks", "2", "--pool-samples", "30"]),
]

# Why a goal is missed, from the profiles in bench/PROFILES.md (printed under the table when missed)
NOTES: dict[str, str] = {
    "grpc_hop": "the floor is grpcio itself: a bare grpc.aio server (no interceptors) costs 2-3x the "
    "400 us goal on this machine class (performance.md measured 780-850 us for aio->aio); our "
    "interceptor chain (errors, metrics, request id, service auth) adds ~36 us CPU per call (~5 %). "
    "Throughput at 32 in flight is bounded by the same per-call Python cost on 2 shared cores.",
    "service_start": "start-up is import time (protobuf descriptors, grpc, prometheus_client, uvicorn/click; "
    "the gateway no longer imports PyJWT/cryptography unless OIDC is configured); gateway and codegen "
    "measure 1.0-1.1x a minimal grpc.aio server (python + import grpc + health), which alone needed "
    "~1.0 s on a quiet 2-core box and 0.9-2 s under load: the floor is at the goal",
    "isolated_run": "the pooled run is dominated by the exit of the single-use worker process "
    "(pyspark + gRPC threads torn down; the Connect session is now released by the supervisor "
    "off the request path); the job itself takes 0.1 ms. Single use is the isolation design.",
    "ray_dispatch": "the pooled figure is our whole round trip (gRPC create, job record and events, job "
    "directory, hand-off to the warm actor, the runner writing its manifest, the Watch stream), not "
    "the bare actor call G6's 10 ms names; see bench/PROFILES.md.",
    "spark_warm_vs_cold": "the warm job's wall time is 92-97 % the Spark job itself (plus writing the result) "
    "inside the worker; our dispatch and worker exit are ~30-40 ms. The JVM shares 2 cores with "
    "everything else; small inputs belong to G5's in-process engines (outside this issue)",
    "ask_latency": "the engine run (warm Spark on a single-use worker) dominates; see results/ask_latency.md",
    "validation_time": "validation costs ~2.5x ast.parse of the same program (~40,000 Python calls for 200 "
    "lines: the walk and the rules' per-node hooks); on a quiet 2-core box ast.parse of the 200-line "
    "program alone takes ~4 ms p50 (see results/validation_time.md). Meeting 5 ms p99 needs the rules "
    "fused into one visitor per node type (a rewrite of the validator's structure, not done)",
    "generation_cache": "see results/generation_cache.md",
    "gateway_overhead": "see results/gateway_overhead.md",
}

# Row = (goal, target, baseline, measured figure, ratio, verdict)
Row = tuple[str, str, str, str, str, str]


def _load(name: str, since: float) -> dict | None:
    p = RESULTS / f"{name}.json"
    if not p.exists() or p.stat().st_mtime < since:
        return None
    return json.loads(p.read_text())


def _verdict(ok: bool | None) -> str:
    return "n/a" if ok is None else ("met" if ok else "MISSED")


def _ms(x: float) -> str:
    return f"{x:.3f} ms" if x < 1 else (f"{x:.1f} ms" if x < 100 else f"{x:.0f} ms")


def goal_lines(name: str, d: dict | None) -> list[Row]:
    """The rows of one script's result: every goal beside its figure and ratio."""
    if d is None:
        return [(name, "—", "—", "no result (failed or timed out)", "—", "n/a")]
    if name == "grpc_hop":
        r, v, g = d["results"], d["verdicts"], d["goal"]
        return [
            (
                "G2 internal gRPC hop p50 / raw TCP ping-pong p50",
                f"≤ {g['ratio_max']:g}×, p50 ≤ {g['p50_ms_max'] * 1e3:g} µs",
                f"raw TCP {r['tcp']['p50_ms'] * 1e3:.0f} µs",
                f"gRPC {r['grpc_echo']['p50_ms'] * 1e3:.0f} µs",
                f"{d['ratio_p50']:.1f}×",
                _verdict(v["ratio"] and v["p50"]),
            ),
            (
                "G2 gRPC QPS, 32 in flight",
                f"≥ {g['qps_min']:g}",
                "—",
                f"{d['throughput']['qps']:.0f} QPS",
                f"{d['throughput']['qps'] / g['qps_min']:.2f}× goal",
                _verdict(v["qps"]),
            ),
        ]
    if name == "gateway_overhead":
        r = d["results"]["local"]
        return [
            (
                "G1 REST-via-gateway p50 / direct gRPC p50",
                f"≤ {d['goal_p50_ratio']}×",
                f"direct gRPC {_ms(r['grpc']['p50_ms'])}",
                f"REST {_ms(r['rest']['p50_ms'])} ({(r['rest']['p50_ms'] - r['grpc']['p50_ms']) * 1e3:+.0f} µs)",
                f"{r['p50_ratio']:.2f}×",
                _verdict(r["p50_ratio"] <= d["goal_p50_ratio"]),
            )
        ]
    if name == "ray_dispatch":
        a, b, c, p = d["bare_jobs_api"], d["codeinterp_jobs"], d["codeinterp_pool"], d["pool_dispatch"]
        ratio = a["p50_ms"] / c["p50_ms"]
        return [
            (
                "G6 Ray dispatch: bare Jobs API no-op p50 / pooled CreateRayJob→SUCCEEDED p50",
                "≥ 100×",
                f"bare Jobs API {_ms(a['p50_ms'])}",
                f"pooled API round trip {_ms(c['p50_ms'])}",
                f"{ratio:.0f}×",
                _verdict(ratio >= 100),
            ),
            (
                "G6 pooled dispatch p50 (job to a warm actor → done)",
                "≤ 10 ms",
                "—",
                f"{_ms(p['p50_ms'])}",
                f"{p['p50_ms'] / 10:.2f}× goal",
                _verdict(p["p50_ms"] <= 10),
            ),
            (
                "Ray dispatch overhead vs bare Jobs API p50 (issue 4)",
                "≤ +10 %",
                f"bare Jobs API {_ms(a['p50_ms'])}",
                f"ours {_ms(b['p50_ms'])}",
                f"{d['p50_overhead'] * 100:+.1f} %",
                _verdict(d.get("ok")),
            ),
        ]
    if name == "spark_warm_vs_cold":
        w, v, g = d["warm"], d["verdicts"], d["goal"]
        jvm = d.get("cold_jvm_cpu_s_p50")
        jvm_txt = f", JVM {jvm:.1f} CPU-s" if jvm else ""
        return [
            (
                "G4 cold spark process p50 / warm job p50 (8 MB group-by)",
                f"≥ {g['ratio_min']:g}×",
                f"cold {d['cold_p50_s']:.1f} s{jvm_txt}",
                f"warm {_ms(w['groupby_8mb']['p50_ms'])}",
                f"{d['ratio_cold_warm_p50']:.1f}×",
                _verdict(v["ratio"]),
            ),
            (
                "G4 warm group-by p50 (1 MB / 8 MB)",
                f"≤ {g['groupby_p50_ms_max']:g} ms",
                "—",
                f"{w['groupby_1mb']['p50_ms']:.0f} / {w['groupby_8mb']['p50_ms']:.0f} ms",
                f"{max(w['groupby_1mb']['p50_ms'], w['groupby_8mb']['p50_ms']) / g['groupby_p50_ms_max']:.2f}× goal",
                _verdict(v["groupby_p50"]),
            ),
            (
                "G4 warm trivial query p50",
                f"≤ {g['trivial_p50_ms_max']:g} ms",
                "—",
                _ms(w["trivial"]["p50_ms"]),
                f"{w['trivial']['p50_ms'] / g['trivial_p50_ms_max']:.2f}× goal",
                _verdict(v["trivial_p50"]),
            ),
        ]
    if name == "validation_time":
        rs = d["results"]
        cpu = max(rs[f"{fw}-200"]["validate_cpu"]["p99_ms"] for fw in ("spark", "ray"))
        return [
            (
                "G9 validation p99, 200-line program (worst of Spark/Ray)",
                f"≤ {d['goal']['p99_ms_200_lines']:g} ms",
                f"ast.parse p50 {rs['spark-200']['parse_wall']['p50_ms']:.2f} ms",
                f"{d['worst_p99_ms_200_lines']:.2f} ms wall ({cpu:.2f} ms CPU)",
                f"{rs['spark-200']['ratio_p50']:.1f}× ast.parse",
                _verdict(d["met"]),
            )
        ]
    if name == "generation_cache":
        v, g = d["verdicts"], d["goal"]
        return [
            (
                "G8 codegen miss p50 / exact hit p50",
                f"≥ {g['ratio_min']:g}×, hit p50 ≤ {g['hit_p50_ms_max']:g} ms",
                f"miss {_ms(d['miss']['p50_ms'])} (stub LLM {d['llm_latency_ms']:.0f} ms)",
                f"hit {_ms(d['hit']['p50_ms'])}",
                f"{d['ratio_p50']:.0f}×",
                _verdict(v["ratio"] and v["hit_p50"]),
            ),
            (
                "G8 hit rate on a replayed log; wrong programs",
                f"≥ {g['hit_rate_min'] * 100:g} %; 0 wrong",
                f"{d['replay']['requests']} requests × 2",
                f"{d['hit_rate'] * 100:.1f} %; {d['wrong_programs']} wrong",
                "—",
                _verdict(v["hit_rate"] and v["no_wrong"]),
            ),
        ]
    if name == "service_start":
        r, ratio = d["results"], d["ratio_to_baseline_p50"]
        rows = []
        for svc in ("gateway", "codegen", "spark-supervisor", "ray-supervisor"):
            goal = svc in d["verdicts"]
            rows.append(
                (
                    f"G11 {svc} spawn → SERVING p50",
                    f"≤ {d['goal']['serving_s_max'] * 1e3:g} ms"
                    if goal
                    else "serves at once (engine warms later)",
                    f"minimal grpc.aio server {_ms(r['baseline']['p50_ms'])}",
                    _ms(r[svc]["p50_ms"]),
                    f"{ratio[svc]:.2f}×",
                    _verdict(d["verdicts"][svc]) if goal else "info",
                )
            )
        return rows
    if name == "isolated_run":
        v, g = d["verdicts"], d["goal"]
        return [
            (
                "G12 fresh worker per request p50 / pre-started worker p50",
                f"≥ {g['ratio_min']:g}×, pooled isolation ≤ {g['pooled_overhead_p50_ms_max']:g} ms",
                f"fresh {_ms(d['fresh_total']['p50_ms'])}",
                f"pooled {_ms(d['pooled']['p50_ms'])} (isolation+dispatch {_ms(d['pooled_overhead']['p50_ms'])})",
                f"{d['ratio_p50']:.1f}×",
                _verdict(v["ratio"] and v["pooled"]),
            )
        ]
    if name == "ask_latency":
        v, g = d["verdicts"], d["goal"]
        return [
            (
                "G10 end-to-end Ask, 1 MB CSV, p50 / p99",
                f"≤ {g['p50_ms']:g} / {g['p99_ms']:g} ms",
                f"engine run p50 {_ms(d['run']['p50_ms'])}",
                f"{d['total']['p50_ms']:.0f} / {d['total']['p99_ms']:.0f} ms",
                f"{d['total']['p50_ms'] / g['p50_ms']:.2f}× goal",
                _verdict(v["p50"] and v["p99"]),
            ),
            (
                "G10 outside the engine p50",
                f"≤ {g['outside_engine_p50_ms']:g} ms",
                "—",
                _ms(d["outside_engine"]["p50_ms"]),
                f"{d['outside_engine']['p50_ms'] / g['outside_engine_p50_ms']:.2f}× goal",
                _verdict(v["overhead"]),
            ),
        ]
    return [(name, "—", "—", "result present", "—", "n/a")]


def run_script(name: str, timeout: float, extra: list[str]) -> tuple[str, float]:
    cmd = [sys.executable, str(HERE / f"{name}.py"), *extra]
    print(f"\n=== {name} (timeout {timeout:.0f} s): {' '.join(cmd)}", flush=True)
    t0 = time.monotonic()
    proc = subprocess.Popen(cmd, start_new_session=True)
    try:
        rc = proc.wait(timeout=timeout)
        status = "ok" if rc == 0 else f"exit {rc}"
    except subprocess.TimeoutExpired:
        status = "timeout"
        try:
            os.kill(proc.pid, signal.SIGINT)  # let its finally blocks stop what it started
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            proc.wait()
        except ProcessLookupError:
            pass
    return status, time.monotonic() - t0


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--budget", type=float, default=600.0, help="overall seconds for all scripts")
    ap.add_argument("--only", default="", help="comma-separated script names")
    ap.add_argument("--skip", default="", help="comma-separated script names")
    ap.add_argument(
        "--summary-only",
        action="store_true",
        help="run nothing: the summary of the result files already in bench/results (any age)",
    )
    ap.add_argument(
        "--timeout-scale", type=float, default=1.0, help="multiply every per-script timeout (busy machines)"
    )
    args = ap.parse_args()
    only = {s for s in args.only.split(",") if s}
    skip = {s for s in args.skip.split(",") if s}

    start_wall = time.time()
    t0 = time.monotonic()
    load_before = os.getloadavg()
    runs = []
    for name, timeout, extra in SCRIPTS:
        if (only and name not in only) or name in skip:
            continue
        if args.summary_only:
            runs.append((name, "earlier result" if (RESULTS / f"{name}.json").exists() else "no result", 0.0))
            continue
        # keep room for the 30 s SIGINT grace of a script that overruns: the whole run stays in budget
        left = args.budget - (time.monotonic() - t0) - 35
        if left < 20:
            runs.append((name, "skipped (budget)", 0.0))
            continue
        status, took = run_script(name, min(timeout * args.timeout_scale, left), extra)
        runs.append((name, status, took))
    load_after = os.getloadavg()

    lines = [
        "# Benchmark summary",
        "",
        f"run {dt.datetime.fromtimestamp(start_wall, dt.UTC):%Y-%m-%d %H:%M UTC}, "
        f"{time.monotonic() - t0:.0f} s in all; load average before {load_before[0]:.2f}, "
        f"after {load_after[0]:.2f} (2 cores; every figure is a ratio or latency inside one script's run)",
        "",
        "| goal | target | baseline | measured | ratio | verdict |",
        "|---|---|---|---|---|---|",
    ]
    if args.summary_only:
        lines[2] = (
            "summary of the result files in bench/results (from earlier runs; each script's own load "
            "average before/after is in its results/<name>.md)"
        )
    table: list[dict[str, str]] = []
    goal_rows: dict[str, list[Row]] = {}
    for name, status, _took in runs:
        since = 0.0 if args.summary_only else start_wall
        d = _load(name, since) if not status.startswith("skipped") else None
        try:
            rows = goal_lines(name, d)
        except (KeyError, TypeError, ValueError, ZeroDivisionError) as exc:
            rows = [(name, "—", "—", f"unreadable result: {exc!r}", "—", "n/a")]
        goal_rows[name] = rows
        for row in rows:
            lines.append("| " + " | ".join(row) + " |")
            table.append(
                dict(zip(("goal", "target", "baseline", "measured", "ratio", "verdict"), row, strict=True))
            )
    missed = {name for name, status, _t in runs for row in goal_rows.get(name, []) if row[5] == "MISSED"}
    if missed:
        lines += ["", "Why the missed goals are missed (profiles and fixes: bench/PROFILES.md):", ""]
        lines += [f"* **{name}**: {NOTES[name]}" for name, _s, _t in runs if name in missed and name in NOTES]
    lines += ["", "| script | status | seconds | details |", "|---|---|---|---|"]
    for name, status, took in runs:
        lines.append(f"| {name} | {status} | {took:.0f} | results/{name}.md |")
    md = "\n".join(lines) + "\n"
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "SUMMARY.md").write_text(md)
    (RESULTS / "SUMMARY.json").write_text(
        json.dumps(
            {
                "start": start_wall,
                "seconds": time.monotonic() - t0,
                "load_before": load_before,
                "load_after": load_after,
                "goals": table,
                "scripts": [{"name": n, "status": st, "seconds": round(tk, 1)} for n, st, tk in runs],
            },
            indent=2,
        )
    )
    print("\n" + md)
    return 0 if all(s in ("ok", "earlier result") for _, s, _ in runs) else 1


if __name__ == "__main__":
    raise SystemExit(main())
