"""G9: time of static validation of generated code, against the `ast.parse` floor, in one run.

Programs of about 30, 100 and 200 lines are built from the benign validator corpus
(tests/corpus/validator/{spark,ray}/benign/*.py with a `# inputs: sales` header): each
corpus program's module-level names get a unique suffix, its `result` becomes `part_<k>`,
imports are hoisted and de-duplicated, and the last line binds `result`. Every built
program must validate clean (no errors) before it is timed.

For each (framework, size) the script interleaves, in ABAB blocks, `validate_spark` /
`validate_ray` and `ast.parse` on the same source (after a warm-up) and reports p50/p99
wall time, p50/p99 CPU time (`time.process_time`) and the validate/parse ratio.

Goal (docs/performance.md G9): p99 ≤ 5 ms for ≤ 200-line programs. When the goal is missed
by more than 2x the 200-line Spark program is profiled (cProfile, top 15 by cumulative time)
and the profile goes into the Markdown; the validator itself is not changed here.

    .venv/bin/python bench/validation_time.py [--samples 1500]
"""

from __future__ import annotations

import argparse
import ast
import cProfile
import io
import pstats
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import loadavg, percentile, write_result  # noqa: E402

from codeinterp_common.validation import validate_ray, validate_spark  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "tests" / "corpus" / "validator"
GOAL_P99_MS = 5.0
SIZES = (30, 100, 200)
KEEP = {"spark", "inputs", "result", "ray", "F", "self", "cls"}
VALIDATORS = {"spark": validate_spark, "ray": validate_ray}


def _corpus(framework: str) -> list[ast.Module]:
    """Benign corpus programs that read only `sales` and validate clean on their own."""
    out = []
    for path in sorted((CORPUS / framework / "benign").glob("*.py")):
        src = path.read_text()
        if not src.startswith("# inputs: sales\n"):
            continue
        if not VALIDATORS[framework](src, input_names=["sales"]).valid:
            continue
        out.append(ast.parse(src))
    return out


class _Renamer(ast.NodeTransformer):
    def __init__(self, names: set[str], suffix: str) -> None:
        self.names, self.suffix = names, suffix

    def _new(self, name: str) -> str:
        if name == "result":
            return f"part{self.suffix}"
        return f"{name}{self.suffix}" if name in self.names else name

    def visit_Name(self, node: ast.Name) -> ast.AST:
        node.id = self._new(node.id)
        return node

    def visit_arg(self, node: ast.arg) -> ast.AST:
        node.arg = self._new(node.arg)
        return node

    def visit_FunctionDef(self, node: ast.FunctionDef) -> ast.AST:
        node.name = self._new(node.name)
        self.generic_visit(node)
        return node

    def visit_ClassDef(self, node: ast.ClassDef) -> ast.AST:
        node.name = self._new(node.name)
        self.generic_visit(node)
        return node


def _bound_names(mod: ast.Module) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(mod):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        elif isinstance(node, ast.arg):
            names.add(node.arg)
    for stmt in mod.body:  # module-level defs only: method names are attributes
        if isinstance(stmt, (ast.FunctionDef, ast.ClassDef)):
            names.add(stmt.name)
    return names - KEEP


def build_program(framework: str, target_lines: int) -> str:
    """A benign program of about `target_lines` lines from renamed corpus programs."""
    corpus = _corpus(framework)
    imports: list[str] = []
    body: list[str] = []
    k = 0
    while True:
        mod = ast.parse(ast.unparse(corpus[k % len(corpus)]))  # a fresh copy
        suffix = f"_{k}"
        mod = _Renamer(_bound_names(mod), suffix).visit(mod)
        chunk: list[str] = []
        for stmt in mod.body:
            text = ast.unparse(stmt)
            if isinstance(stmt, (ast.Import, ast.ImportFrom)):
                if text not in imports:
                    imports.append(text)
            else:
                chunk.extend(text.splitlines())
        if len(imports) + len(body) + len(chunk) + 2 > target_lines and body:
            break
        body.extend(chunk)
        body.append("")
        k += 1
    code = "\n".join([*imports, "", *body, f"result = part_{k - 1}", ""])
    res = VALIDATORS[framework](code, input_names=["sales"])
    if not res.valid:
        raise RuntimeError(f"built {framework} program is not valid: {[v.rule_id for v in res.errors]}")
    return code


def measure(fns: dict, *, samples: int, blocks: int, warmup: int) -> dict[str, dict[str, list[float]]]:
    """Interleaved ABAB blocks; per call wall time (perf_counter) and CPU time (process_time)."""
    for fn in fns.values():
        for _ in range(warmup):
            fn()
    out = {name: {"wall": [], "cpu": []} for name in fns}
    per_block = max(1, samples // blocks)
    for _ in range(blocks):
        for name, fn in fns.items():
            wall, cpu = out[name]["wall"], out[name]["cpu"]
            for _ in range(per_block):
                c0 = time.process_time()
                t0 = time.perf_counter()
                fn()
                t1 = time.perf_counter()
                c1 = time.process_time()
                wall.append(t1 - t0)
                cpu.append(c1 - c0)
    return out


def stats(xs: list[float]) -> dict[str, float]:
    return {"n": len(xs), "p50_ms": percentile(xs, 0.5) * 1e3, "p99_ms": percentile(xs, 0.99) * 1e3}


def profile_top(code: str, fn, n: int = 15, calls: int = 50) -> str:
    prof = cProfile.Profile()
    prof.enable()
    for _ in range(calls):
        fn(code, input_names=["sales"])
    prof.disable()
    buf = io.StringIO()
    pstats.Stats(prof, stream=buf).sort_stats("cumulative").print_stats(n)
    return buf.getvalue()


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--samples", type=int, default=1500, help="samples per variant and size (≥ 1000)")
    ap.add_argument(
        "--info-samples", type=int, default=0, help="samples for the smaller (info-only) sizes; 0: --samples"
    )
    ap.add_argument("--blocks", type=int, default=10)
    ap.add_argument("--warmup", type=int, default=100)
    ap.add_argument("--profile", action="store_true", help="always add the cProfile table")
    ap.add_argument("--no-profile", action="store_true", help="never profile (smoke runs)")
    args = ap.parse_args()

    load_before = loadavg()
    print(f"load average before: {load_before[0]:.2f} {load_before[1]:.2f} {load_before[2]:.2f}")
    results: dict[str, dict] = {}
    programs: dict[tuple[str, int], str] = {}
    for fw, validate in VALIDATORS.items():
        for size in SIZES:
            code = build_program(fw, size)
            programs[(fw, size)] = code
            lines = code.count("\n")
            m = measure(
                {
                    "validate": lambda c=code, v=validate: v(c, input_names=["sales"]),
                    "parse": lambda c=code: ast.parse(c),
                },
                samples=args.samples if size == max(SIZES) else (args.info_samples or args.samples),
                blocks=args.blocks,
                warmup=args.warmup,
            )
            r = {
                "lines": lines,
                "chars": len(code),
                "validate_wall": stats(m["validate"]["wall"]),
                "validate_cpu": stats(m["validate"]["cpu"]),
                "parse_wall": stats(m["parse"]["wall"]),
                "parse_cpu": stats(m["parse"]["cpu"]),
            }
            r["ratio_p50"] = r["validate_wall"]["p50_ms"] / r["parse_wall"]["p50_ms"]
            r["ratio_p99"] = r["validate_wall"]["p99_ms"] / r["parse_wall"]["p99_ms"]
            results[f"{fw}-{size}"] = r
            print(
                f"{fw:5} {lines:4d} lines: validate p50 {r['validate_wall']['p50_ms']:.3f} ms "
                f"p99 {r['validate_wall']['p99_ms']:.3f} ms (cpu p99 {r['validate_cpu']['p99_ms']:.3f}); "
                f"ast.parse p50 {r['parse_wall']['p50_ms']:.3f} ms; ratio {r['ratio_p50']:.1f}x",
                flush=True,
            )
    load_after = loadavg()
    print(f"load average after: {load_after[0]:.2f} {load_after[1]:.2f} {load_after[2]:.2f}")

    worst_200 = max(results[f"{fw}-200"]["validate_wall"]["p99_ms"] for fw in VALIDATORS)
    worst_200_cpu = max(results[f"{fw}-200"]["validate_cpu"]["p99_ms"] for fw in VALIDATORS)
    met = worst_200 <= GOAL_P99_MS
    lines = [
        "# G9 — validation time of generated code (validator vs the `ast.parse` floor, interleaved)",
        "",
        f"load average before {load_before[0]:.2f}, after {load_after[0]:.2f} (2 cores, shared)",
        f"{args.samples} samples per variant and size after {args.warmup} warm-up calls; "
        "programs built from the benign validator corpus (all validate clean).",
        "",
        "| framework | lines | validate p50 ms | validate p99 ms | CPU p50 ms | CPU p99 ms "
        "| ast.parse p50 ms | ast.parse p99 ms | ratio p50 | goal |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for key, r in results.items():
        fw, size = key.split("-")
        goal = f"p99 ≤ {GOAL_P99_MS:g} ms" if size == "200" else "(info)"
        lines.append(
            f"| {fw} | {r['lines']} | {r['validate_wall']['p50_ms']:.3f} | {r['validate_wall']['p99_ms']:.3f} "
            f"| {r['validate_cpu']['p50_ms']:.3f} | {r['validate_cpu']['p99_ms']:.3f} "
            f"| {r['parse_wall']['p50_ms']:.3f} | {r['parse_wall']['p99_ms']:.3f} | {r['ratio_p50']:.1f}× | {goal} |"
        )
    lines += [
        "",
        f"**G9** p99 ≤ {GOAL_P99_MS:g} ms for 200-line programs: worst p99 {worst_200:.2f} ms wall "
        f"({worst_200_cpu:.2f} ms CPU) — {'met' if met else 'MISSED'}",
    ]
    profile = None
    if (worst_200 > 2 * GOAL_P99_MS or args.profile) and not args.no_profile:
        profile = profile_top(programs[("spark", 200)], validate_spark)
        lines += [
            "",
            "## cProfile, validate_spark on the 200-line program (50 calls, top 15 cumulative)",
            "",
            "```",
            profile.strip(),
            "```",
        ]
    md = "\n".join(lines) + "\n"
    write_result(
        "validation_time",
        {
            "goal": {"id": "G9", "p99_ms_200_lines": GOAL_P99_MS},
            "load_before": load_before,
            "load_after": load_after,
            "results": results,
            "worst_p99_ms_200_lines": worst_200,
            "met": met,
            "profile": profile,
        },
        md,
    )
    print(md)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
