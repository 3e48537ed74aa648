"""Helpers shared by the benchmarks: interleaved sampling, percentiles, load, result files."""

from __future__ import annotations

import json
import os
import platform
import statistics
import time
from collections.abc import Callable
from pathlib import Path

# BENCH_RESULTS_DIR redirects the result files (the smoke test writes into a temp dir)
RESULTS = Path(os.environ.get("BENCH_RESULTS_DIR") or Path(__file__).resolve().parent / "results")


def loadavg() -> tuple[float, float, float]:
    try:
        return os.getloadavg()
    except OSError:
        return (0.0, 0.0, 0.0)


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    if not ordered:
        return float("nan")
    k = (len(ordered) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def interleaved(
    variants: dict[str, Callable[[], object]], *, blocks: int, per_block: int, warmup: int
) -> dict[str, list[float]]:
    """Runs the variants in ABAB… blocks so drift and contention hit all of them alike."""
    for fn in variants.values():
        for _ in range(warmup):
            fn()
    samples: dict[str, list[float]] = {name: [] for name in variants}
    for _ in range(blocks):
        for name, fn in variants.items():
            bucket = samples[name]
            for _ in range(per_block):
                start = time.perf_counter()
                fn()
                bucket.append(time.perf_counter() - start)
    return samples


def summary(samples: list[float]) -> dict[str, float]:
    return {
        "n": len(samples),
        "p50_ms": percentile(samples, 0.5) * 1e3,
        "p99_ms": percentile(samples, 0.99) * 1e3,
        "mean_ms": statistics.fmean(samples) * 1e3 if samples else float("nan"),
    }


def write_result(name: str, payload: dict, markdown: str) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    payload = {
        "benchmark": name,
        "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
        **payload,
    }
    (RESULTS / f"{name}.json").write_text(json.dumps(payload, indent=2))
    path = RESULTS / f"{name}.md"
    path.write_text(markdown)
    return path
