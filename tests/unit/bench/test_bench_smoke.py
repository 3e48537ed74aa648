"""The benchmark scripts do not rot: every one imports, the two cheapest run end to end with tiny
sample counts (results into a temp dir), and the summary driver turns their results into goal
rows (goal, target, baseline, measured, ratio, verdict)."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[3] / "bench"
SCRIPTS = sorted(p.stem for p in BENCH.glob("*.py"))


def load(name: str):
    spec = importlib.util.spec_from_file_location(f"bench_{name}", BENCH / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.path.insert(0, str(BENCH))
    try:
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(BENCH))
    return module


def test_every_goal_script_imports_and_is_wired_into_run_all():
    run_all = load("run_all")
    wired = {name for name, _timeout, _args in run_all.SCRIPTS}
    helpers = {"common", "datagen", "run_all"}
    assert wired == set(SCRIPTS) - helpers  # every script is run by `make bench`, nothing missing
    for name in sorted(wired):
        assert callable(load(name).main), name
    assert sum(timeout for _n, timeout, _a in run_all.SCRIPTS) >= 600  # capped by the 600 s budget


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    out = tmp_path_factory.mktemp("bench-results")
    env = {**os.environ, "BENCH_RESULTS_DIR": str(out)}
    runs = {
        "grpc_hop": ["--blocks", "1", "--per-block", "30", "--warmup", "10", "--qps-seconds", "0.2"],
        "validation_time": ["--samples", "10", "--blocks", "2", "--warmup", "2", "--no-profile"],
    }
    for name, args in runs.items():
        proc = subprocess.run(
            [sys.executable, str(BENCH / f"{name}.py"), *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert proc.returncode == 0, proc.stderr[-3000:]
        assert "load average" in proc.stdout
    return out


@pytest.mark.parametrize("name", ["grpc_hop", "validation_time"])
def test_cheap_scripts_run_and_write_json_and_markdown(results, name):
    data = json.loads((results / f"{name}.json").read_text())
    assert data["benchmark"] == name and data["machine"]["cpus"] >= 1
    assert "load_before" in data and "load_after" in data
    md = (results / f"{name}.md").read_text()
    assert "| goal |" in md or "goal" in md
    rows = load("run_all").goal_lines(name, data)
    assert rows and all(len(r) == 6 for r in rows)
    for goal, target, _baseline, measured, ratio, verdict in rows:
        assert goal.startswith(("G2", "G9")) and target != "—" and measured
        assert verdict in ("met", "MISSED") and ratio != ""


def test_grpc_hop_measures_a_real_ratio(results):
    data = json.loads((results / "grpc_hop.json").read_text())
    tcp, echo = data["results"]["tcp"], data["results"]["grpc_echo"]
    assert tcp["n"] == 30 and echo["n"] == 30
    assert 0 < tcp["p50_ms"] < echo["p50_ms"]  # a gRPC hop always costs more than a raw round trip
    assert data["ratio_p50"] == pytest.approx(echo["p50_ms"] / tcp["p50_ms"])
    assert data["throughput"]["calls"] > 0


def test_a_missing_result_is_reported_not_crashed():
    rows = load("run_all").goal_lines("isolated_run", None)
    assert rows == [("isolated_run", "—", "—", "no result (failed or timed out)", "—", "n/a")]
