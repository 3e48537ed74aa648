"""Runs every goal benchmark in sequence and writes bench/results/SUMMARY.md.

Each script runs as its own subprocess (own process group) with a per-script timeout,
capped by what is left of the overall budget (default 600 s). On timeout the script gets
SIGINT (so its `finally` blocks stop the services/engines it started), then SIGKILL of its
process group after 30 s. Failures do not stop the run. Afterwards one line per goal
(goal, measured, met/missed) is read from the scripts' bench/results/<name>.json files; a
result file older than this run counts as "no result".

    .venv/bin/python bench/run_all.py [--budget 600] [--only validation_time,ask_latency] [--skip ray_dispatch]
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
RESULTS = HERE / "results"

# (script, per-script timeout s, extra args); ordered quick → slow where it does not matter
SCRIPTS: list[tuple[str, float, list[str]]] = [
    ("gateway_overhead", 60, []),
    ("validation_time", 90, []),
    ("spark_warm_vs_cold", 240, []),
    ("ask_latency", 180, []),
    ("ray_dispatch", 200, ["--blocks", "3"]),
]


def _load(name: str, since: float) -> dict | None:
    p = RESULTS / f"{name}.json"
    if not p.exists() or p.stat().st_mtime < since:
        return None
    return json.loads(p.read_text())


def _verdict(ok: bool | None) -> str:
    return "n/a" if ok is None else ("met" if ok else "MISSED")


def goal_lines(name: str, d: dict | None) -> list[tuple[str, str, str, str]]:
    """(goal, target, measured, verdict) rows for one script's result."""
    if d is None:
        return [(name, "—", "no result (failed or timed out)", "n/a")]
    if name == "gateway_overhead":
        r = d["results"]["local"]
        return [
            (
                "G1 REST-via-gateway / direct gRPC p50",
                f"≤ {d['goal_p50_ratio']}×",
                f"{r['p50_ratio']:.2f}× ({r['rest']['p50_ms']:.3f} vs {r['grpc']['p50_ms']:.3f} ms)",
                _verdict(r["p50_ratio"] <= d["goal_p50_ratio"]),
            )
        ]
    if name == "ray_dispatch":
        return [
            (
                "Ray dispatch overhead vs bare Jobs API p50 (issue 4)",
                str(d.get("goal")),
                f"{d['p50_overhead'] * 100:+.1f} % ({d['codeinterp_api']['p50_ms']:.0f} vs "
                f"{d['bare_jobs_api']['p50_ms']:.0f} ms)",
                _verdict(d.get("ok")),
            )
        ]
    if name == "spark_warm_vs_cold":
        w, v = d["warm"], d["verdicts"]
        g = d["goal"]
        jvm = d.get("cold_jvm_cpu_s_p50")
        jvm_txt = f", cold JVM {jvm:.1f} CPU-s" if jvm else ""
        return [
            (
                "G4 cold/warm p50, 8 MB group-by",
                f"≥ {g['ratio_min']:g}×",
                f"{d['ratio_cold_warm_p50']:.1f}× ({d['cold_p50_s']:.1f} s / {w['groupby_8mb']['p50_ms']:.0f} ms"
                f"{jvm_txt})",
                _verdict(v["ratio"]),
            ),
            (
                "G4 warm group-by p50 (1 MB / 8 MB)",
                f"≤ {g['groupby_p50_ms_max']:g} ms",
                f"{w['groupby_1mb']['p50_ms']:.0f} / {w['groupby_8mb']['p50_ms']:.0f} ms",
                _verdict(v["groupby_p50"]),
            ),
            (
                "G4 warm trivial query p50",
                f"≤ {g['trivial_p50_ms_max']:g} ms",
                f"{w['trivial']['p50_ms']:.0f} ms",
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
                f"{d['worst_p99_ms_200_lines']:.2f} ms wall, {cpu:.2f} ms CPU "
                f"(Spark p50 {rs['spark-200']['validate_wall']['p50_ms']:.2f} ms, "
                f"{rs['spark-200']['ratio_p50']:.1f}× ast.parse)",
                _verdict(d["met"]),
            )
        ]
    if name == "ask_latency":
        v, g = d["verdicts"], d["goal"]
        return [
            ("G10 end-to-end p50", f"≤ {g['p50_ms']:g} ms", f"{d['total']['p50_ms']:.0f} ms", _verdict(v["p50"])),
            ("G10 end-to-end p99", f"≤ {g['p99_ms']:g} ms", f"{d['total']['p99_ms']:.0f} ms", _verdict(v["p99"])),
            (
                "G10 outside the engine p50",
                f"≤ {g['outside_engine_p50_ms']:g} ms",
                f"{d['outside_engine']['p50_ms']:.0f} ms (engine run p50 {d['run']['p50_ms']:.0f} ms)",
                _verdict(v["overhead"]),
            ),
        ]
    return [(name, "—", "result present", "n/a")]


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
        left = args.budget - (time.monotonic() - t0)
        if left < 20:
            runs.append((name, "skipped (budget)", 0.0))
            continue
        status, took = run_script(name, min(timeout, left), extra)
        runs.append((name, status, took))
    load_after = os.getloadavg()

    lines = [
        "# Benchmark summary",
        "",
        f"run {dt.datetime.fromtimestamp(start_wall, dt.UTC):%Y-%m-%d %H:%M UTC}, "
        f"{time.monotonic() - t0:.0f} s in all; load average before {load_before[0]:.2f}, "
        f"after {load_after[0]:.2f} (2 cores; every figure is a ratio or latency inside one script's run)",
        "",
        "| goal | target | measured | verdict |",
        "|---|---|---|---|",
    ]
    for name, status, _took in runs:
        d = _load(name, start_wall) if not status.startswith("skipped") else None
        try:
            rows = goal_lines(name, d)
        except (KeyError, TypeError, ValueError) as exc:
            rows = [(name, "—", f"unreadable result: {exc}", "n/a")]
        for goal, target, measured, verdict in rows:
            lines.append(f"| {goal} | {target} | {measured} | {verdict} |")
    lines += ["", "| script | status | seconds | details |", "|---|---|---|---|"]
    for name, status, took in runs:
        lines.append(f"| {name} | {status} | {took:.0f} | results/{name}.md |")
    md = "\n".join(lines) + "\n"
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "SUMMARY.md").write_text(md)
    print("\n" + md)
    return 0 if all(s == "ok" for _, s, _ in runs) else 1


if __name__ == "__main__":
    raise SystemExit(main())
