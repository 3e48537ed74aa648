"""G12: cost of an isolated run on a pre-started single-use worker vs a fresh worker process, one run.

Uses the spark-supervisor's real machinery, :class:`LocalSparkExecutor` (warm Spark Connect
server + pool of pre-started single-use workers; as root each worker gets a new mount and
network namespace, hidden service directories, rlimits and a dropped uid before it is READY).
The job is trivial (``result = 1``: no Spark work), so what is timed is the isolation and
dispatch machinery, not an engine.

Interleaved blocks, each after the pool has refilled:
(a) pooled: ``executor.run()`` of the job on a pre-started worker — dispatch, job.json, RUN,
    the worker's exec and outputs, worker exit, outcome read; also reported without the
    worker-side job time (``timings.total_s``): the isolation/dispatch cost alone;
(b) fresh: the same confined worker started for the request (the executor's own
    spawn path: process start, namespaces, privilege drop, pyspark import, Connect session,
    READY) and then the same run — what "a fresh sandbox per request" costs here.
Informational: a bare ``python -S -c pass`` spawn (performance.md §5 measured 12.9 ms).

Goals (docs/performance.md G12): pooled isolation cost ≤ 5 ms p50; fresh / pooled ≥ 30×.

    .venv/bin/python bench/isolated_run.py [--blocks 6]
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import loadavg, summary, write_result  # noqa: E402

from codeinterp_spark_supervisor.adapters.local_executor import LocalSparkExecutor  # noqa: E402

GOAL_POOLED_MS = 5.0
GOAL_RATIO = 30.0
JOB = "result = 1\n"


async def measure(work: Path, args) -> dict:
    # the JVM only hosts the workers' sessions here (the job does no Spark work): C1-only JIT
    # starts it with ~40 % less CPU (performance.md §2) and does not change what is measured
    ex = LocalSparkExecutor(work / "engine", pool_size=1, c1_only=args.c1_only)
    t0 = time.perf_counter()
    await ex.start()
    try:
        if not await ex.ready(timeout=args.ready_timeout):
            raise RuntimeError(f"executor not ready within {args.ready_timeout:.0f} s")
        startup_s = time.perf_counter() - t0
        print(f"executor ready after {startup_s:.1f} s (Connect server + first worker)", flush=True)
        n = 0

        async def refill(k: int = 1) -> None:
            deadline = time.monotonic() + args.refill_wait
            while ex._idle.qsize() < k and time.monotonic() < deadline:  # noqa: SLF001
                await asyncio.sleep(0.02)

        async def run() -> tuple[float, float]:
            nonlocal n
            n += 1
            s = time.perf_counter()
            out = await ex.run(f"iso-{n}", JOB, {}, timeout_s=60)
            wall = time.perf_counter() - s
            if not out.ok:
                raise RuntimeError(f"run failed: {out.error_class} {out.error}")
            ex.discard(f"iso-{n}")
            return wall, float(out.timings.get("total_s", 0.0))

        async def fresh_spawn() -> float:
            # the executor's own spawn path; the new worker goes to the back of the idle queue
            s = time.perf_counter()
            await ex._spawn_worker()  # noqa: SLF001
            return time.perf_counter() - s

        for _ in range(args.warmup):
            await refill()
            await run()
        pooled, pooled_inner, spawn, fresh_run = [], [], [], []
        for b in range(args.blocks):
            await refill()
            wall, inner = await run()
            pooled.append(wall)
            pooled_inner.append(inner)
            await refill()
            # a fresh worker for "this request": with the pool drained first, the run below uses it
            idle = ex._idle.get_nowait()  # noqa: SLF001
            await ex._kill_worker(idle)  # noqa: SLF001
            ex._discard_dir(idle)  # noqa: SLF001
            took = await fresh_spawn()
            wall2, _ = await run()
            spawn.append(took)
            fresh_run.append(wall2)
            print(
                f"block {b + 1}/{args.blocks}: pooled {wall * 1e3:.1f} ms (worker-side {inner * 1e3:.1f} ms), "
                f"fresh spawn {took * 1e3:.0f} ms + run {wall2 * 1e3:.1f} ms",
                flush=True,
            )
        return {
            "startup_s": startup_s,
            "pooled": pooled,
            "pooled_inner": pooled_inner,
            "spawn": spawn,
            "fresh_run": fresh_run,
            "isolation": dict(getattr(ex, "_last_isolation", {}) or {}),
        }
    finally:
        await ex.close()


def python_floor(n: int) -> list[float]:
    out = []
    for _ in range(n):
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-S", "-c", "pass"], check=True)
        out.append(time.perf_counter() - t0)
    return out


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--blocks", type=int, default=6)
    ap.add_argument("--warmup", type=int, default=1)
    ap.add_argument("--refill-wait", type=float, default=20.0)
    ap.add_argument("--ready-timeout", type=float, default=300.0)
    ap.add_argument("--no-c1-only", dest="c1_only", action="store_false", help="full JIT for the Connect JVM")
    args = ap.parse_args()

    work = Path(tempfile.mkdtemp(prefix="bench-iso-"))
    work.chmod(0o711)
    load_before = loadavg()
    print(f"load average before: {load_before[0]:.2f} {load_before[1]:.2f} {load_before[2]:.2f}", flush=True)
    try:
        floor = python_floor(20)
        r = asyncio.run(measure(work, args))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    load_after = loadavg()
    print(f"load average after: {load_after[0]:.2f} {load_after[1]:.2f} {load_after[2]:.2f}", flush=True)

    pooled = summary(r["pooled"])
    overhead = summary([w - i for w, i in zip(r["pooled"], r["pooled_inner"], strict=True)])
    fresh_total = summary([s + w for s, w in zip(r["spawn"], r["fresh_run"], strict=True)])
    spawn = summary(r["spawn"])
    ratio = fresh_total["p50_ms"] / pooled["p50_ms"]
    verdicts = {"pooled": overhead["p50_ms"] <= GOAL_POOLED_MS, "ratio": ratio >= GOAL_RATIO}

    def v(ok: bool) -> str:
        return "met" if ok else "MISSED"

    md = [
        "# G12 — isolated run: pre-started single-use worker vs a fresh worker per request (one run)",
        "",
        f"load average before {load_before[0]:.2f}, after {load_after[0]:.2f} (2 cores, shared; the JVM, the "
        "workers and this client share them)",
        f"LocalSparkExecutor (pool 1), job `result = 1`; executor ready after {r['startup_s']:.1f} s; "
        f"{args.blocks} interleaved blocks, each after the pool refilled; bare `python -S -c pass` spawn p50 "
        f"{statistics.median(floor) * 1e3:.1f} ms (info)",
        "",
        "| variant | n | p50 ms | p99 ms | mean ms |",
        "|---|---|---|---|---|",
        f"| pooled: run on a pre-started worker (wall) | {pooled['n']} | {pooled['p50_ms']:.1f} | "
        f"{pooled['p99_ms']:.1f} | {pooled['mean_ms']:.1f} |",
        f"| pooled: isolation + dispatch (wall − worker-side job time) | {overhead['n']} | {overhead['p50_ms']:.1f} | "
        f"{overhead['p99_ms']:.1f} | {overhead['mean_ms']:.1f} |",
        f"| fresh: confined worker start → READY | {spawn['n']} | {spawn['p50_ms']:.0f} | {spawn['p99_ms']:.0f} | "
        f"{spawn['mean_ms']:.0f} |",
        f"| fresh: start + run | {fresh_total['n']} | {fresh_total['p50_ms']:.0f} | {fresh_total['p99_ms']:.0f} | "
        f"{fresh_total['mean_ms']:.0f} |",
        "",
        "| goal | target | measured | verdict |",
        "|---|---|---|---|",
        f"| G12 pooled isolation + dispatch p50 | ≤ {GOAL_POOLED_MS:g} ms | {overhead['p50_ms']:.1f} ms "
        f"(whole pooled run {pooled['p50_ms']:.1f} ms) | {v(verdicts['pooled'])} |",
        f"| G12 fresh / pooled p50 | ≥ {GOAL_RATIO:g}× | {ratio:.1f}× | {v(verdicts['ratio'])} |",
    ]
    text = "\n".join(md) + "\n"
    write_result(
        "isolated_run",
        {
            "goal": {"id": "G12", "pooled_overhead_p50_ms_max": GOAL_POOLED_MS, "ratio_min": GOAL_RATIO},
            "load_before": load_before,
            "load_after": load_after,
            "python_floor_p50_ms": statistics.median(floor) * 1e3,
            "startup_s": r["startup_s"],
            "pooled": pooled,
            "pooled_overhead": overhead,
            "fresh_spawn": spawn,
            "fresh_total": fresh_total,
            "ratio_p50": ratio,
            "verdicts": verdicts,
            "met": all(verdicts.values()),
        },
        text,
    )
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
