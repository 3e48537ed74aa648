"""G8: codegen cache hit vs miss through real gRPC, and the hit rate on a replayed request log.

Starts the real codegen service (``python -m codeinterp_codegen``, persistent cache in a temp
data dir) with the OpenAI-compatible provider pointed at the scripted loopback LLM
(tests/fixtures/fake_llm.py) in this process. The stub answers every request, after
``--llm-latency-ms`` (default 3100 ms: docs/performance.md §4, ≈250 output tokens on a
latency-optimized Haiku-class model), with one code block derived from the question, so a
served program can be checked against the question it answers.

(1) latency, one in flight, sync gRPC client, interleaved: each block is one miss (a new
    question: the LLM is called) followed by ``--hits-per-block`` hits of questions already
    answered (an exact hit: different spacing and case of the same question);
(2) hit rate: a fixed log of ``--log-size`` requests (a seeded mix of questions, some asked
    again with different spacing/case) replayed twice against the same service with a short
    stub latency; hit = `cached` in the reply; every served program must be the one generated
    for its (normalised) question — a wrong program served counts against the goal.

Goals (docs/performance.md G8): exact hit p50 ≤ 5 ms and ≥ 500× faster than a miss; ≥ 30 %
hit rate on the replayed log; 0 wrong programs. (No semantic cache exists: its ≤ 20 ms goal is
reported as not applicable.)

    .venv/bin/python bench/generation_cache.py [--blocks 6 --hits-per-block 150 --llm-latency-ms 3100]
"""

from __future__ import annotations

import argparse
import hashlib
import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import grpc

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(ROOT / "tests" / "fixtures"))
from common import loadavg, summary, write_result  # noqa: E402
from fake_llm import FakeLLM, Recorded, Reply, openai_text  # noqa: E402

from codeinterp.codegen.v1 import codegen_service_pb2 as pb  # noqa: E402
from codeinterp.codegen.v1 import codegen_service_pb2_grpc as pb_grpc  # noqa: E402
from codeinterp.common.v1 import types_pb2 as types  # noqa: E402

GOAL_HIT_P50_MS = 5.0
GOAL_RATIO = 500.0
GOAL_HIT_RATE = 0.30
MARK = "QUESTION: "
SUBJECTS = ("amount", "quantity", "orders", "customers", "discount", "revenue")
GROUPS = ("region", "product", "month", "quarter", "customer", "channel")
AGGS = ("total", "average", "maximum", "minimum", "median", "count of")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def question_of(rec: Recorded) -> str:
    """The user question as the model saw it (the last user turn holds it)."""
    text = rec.prompt_text()
    i = text.rfind(MARK)
    return text[i + len(MARK) :].splitlines()[0] if i >= 0 else text


def tag(question: str) -> str:
    return hashlib.sha256(" ".join(question.split()).casefold().encode()).hexdigest()[:16]


def request(question: str) -> pb.GenerateCodeRequest:
    return pb.GenerateCodeRequest(
        framework=types.SPARK,
        provider="openai",
        prompt=f"{MARK}{question}",
        inputs=[
            types.ExecutionInput(
                name="sales",
                kind=types.ExecutionInput.CSV_FILE,
                uri="/data/sales.csv",
                data_version="etag-1",
                columns=[
                    types.Column(name="region", type="string"),
                    types.Column(name="amount", type="double"),
                ],
            )
        ],
    )


def variant(question: str, rng: random.Random) -> str:
    """The same question with other spacing and case (an exact-match hit after normalisation)."""
    words = question.split()
    return "  ".join(w.upper() if rng.random() < 0.3 else w for w in words)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--blocks", type=int, default=6, help="misses (one per block)")
    ap.add_argument("--hits-per-block", type=int, default=170)
    ap.add_argument("--llm-latency-ms", type=float, default=3100.0)
    ap.add_argument("--log-size", type=int, default=60)
    ap.add_argument("--log-latency-ms", type=float, default=20.0)
    args = ap.parse_args()

    load_before = loadavg()
    print(f"load average before: {load_before[0]:.2f} {load_before[1]:.2f} {load_before[2]:.2f}", flush=True)
    work = Path(tempfile.mkdtemp(prefix="bench-cache-"))
    latency = {"s": args.llm_latency_ms / 1e3}

    def respond(rec: Recorded) -> Reply:
        q = question_of(rec)
        reply = openai_text(f"```python\n# Answer {tag(q)}.\nresult = {tag(q)!r}\n```", completion_tokens=250)
        reply.delay_s = latency["s"]
        return reply

    fake = FakeLLM().start()
    fake.responder = respond
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("CODEINTERP_")}
    env.update(
        {
            "CODEINTERP_GRPC_PORT": str(port),
            "CODEINTERP_METRICS_PORT": "0",
            "CODEINTERP_DATA_DIR": str(work),
            "CODEINTERP_LOG_LEVEL": "WARNING",
            "CODEINTERP_LLM_PROVIDER": "openai",
            "CODEINTERP_OPENAI_BASE_URL": fake.url + "/v1",
            "CODEINTERP_OPENAI_MODEL": "stub-coder",
        }
    )
    proc = subprocess.Popen([sys.executable, "-m", "codeinterp_codegen"], env=env, cwd=ROOT)
    rng = random.Random(7)
    wrong = 0
    try:
        channel = grpc.insecure_channel(f"127.0.0.1:{port}")
        grpc.channel_ready_future(channel).result(timeout=60)
        stub = pb_grpc.CodegenServiceStub(channel)

        def ask(question: str) -> tuple[float, pb.GenerateCodeResponse]:
            nonlocal wrong
            t0 = time.perf_counter()
            out = stub.GenerateCode(request(question), timeout=60)
            took = time.perf_counter() - t0
            if tag(question) not in out.code:
                wrong += 1
            return took, out

        # (1) latency: warm-up, then blocks of one miss + hits on answered questions
        answered: list[str] = []
        n = 0

        def fresh() -> str:
            nonlocal n
            n += 1
            return f"{AGGS[n % len(AGGS)]} {SUBJECTS[n % len(SUBJECTS)]} by {GROUPS[n % len(GROUPS)]} #{n}"

        latency["s"] = 0.0
        for _ in range(3):
            q = fresh()
            ask(q)
            answered.append(q)
            for _ in range(50):
                ask(variant(q, rng))
        latency["s"] = args.llm_latency_ms / 1e3
        miss, hit = [], []
        miss_cached = hit_uncached = 0
        for b in range(args.blocks):
            q = fresh()
            took, out = ask(q)
            miss.append(took)
            miss_cached += out.cached
            answered.append(q)
            for _ in range(args.hits_per_block):
                took, out = ask(variant(rng.choice(answered), rng))
                hit.append(took)
                hit_uncached += not out.cached
            print(f"block {b + 1}/{args.blocks}: miss {miss[-1] * 1e3:.0f} ms", flush=True)

        # (2) hit rate on a replayed log (short stub latency: only the counts matter here)
        latency["s"] = args.log_latency_ms / 1e3
        pool = [f"{AGGS[i % 6]} {SUBJECTS[(i // 6) % 6]} by {GROUPS[(i * 5) % 6]} in log" for i in range(36)]
        log_rng = random.Random(11)
        log = []
        for _ in range(args.log_size):
            q = log_rng.choice(pool)
            log.append(variant(q, log_rng) if log_rng.random() < 0.5 else q)
        replay = []
        for rnd in (1, 2):
            for q in log:
                _took, out = ask(q)
                replay.append((rnd, out.cached))
        channel.close()
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        fake.stop()
        shutil.rmtree(work, ignore_errors=True)
    load_after = loadavg()
    print(f"load average after: {load_after[0]:.2f} {load_after[1]:.2f} {load_after[2]:.2f}", flush=True)

    m, h = summary(miss), summary(hit)
    ratio = m["p50_ms"] / h["p50_ms"]
    hits_total = sum(c for _, c in replay)
    rate = hits_total / len(replay)
    first = [c for r, c in replay if r == 1]
    distinct = len({" ".join(q.split()).casefold() for q in log})
    verdicts = {
        "hit_p50": h["p50_ms"] <= GOAL_HIT_P50_MS,
        "ratio": ratio >= GOAL_RATIO,
        "hit_rate": rate >= GOAL_HIT_RATE,
        "no_wrong": wrong == 0 and miss_cached == 0 and hit_uncached == 0,
    }

    def v(ok: bool) -> str:
        return "met" if ok else "MISSED"

    md = [
        "# G8 — codegen generation cache: exact hit vs LLM miss (real gRPC, stub LLM), replayed-log hit rate",
        "",
        f"load average before {load_before[0]:.2f}, after {load_after[0]:.2f} (2 cores, shared; client, codegen "
        "and the stub LLM share them)",
        f"stub LLM latency on a miss {args.llm_latency_ms:.0f} ms (performance.md §4: ≈250 tokens on a "
        "latency-optimized Haiku-class model); one in flight; sync gRPC client → codegen process",
        "",
        "| variant | n | p50 ms | p99 ms | mean ms |",
        "|---|---|---|---|---|",
        f"| miss (new question → LLM) | {m['n']} | {m['p50_ms']:.1f} | {m['p99_ms']:.1f} | {m['mean_ms']:.1f} |",
        f"| exact hit (answered question, other spacing/case) | {h['n']} | {h['p50_ms']:.2f} | {h['p99_ms']:.2f} "
        f"| {h['mean_ms']:.2f} |",
        "",
        f"miss minus stub latency (our overhead on a miss) p50: {m['p50_ms'] - args.llm_latency_ms:.1f} ms",
        f"replayed log: {len(log)} requests ({distinct} distinct questions) × 2 rounds → {hits_total} hits "
        f"({rate * 100:.1f} %; round 1 {sum(first)} hits); wrong programs served: {wrong}; "
        f"misses reported cached: {miss_cached}; hits not cached: {hit_uncached}",
        "",
        "| goal | target | measured | verdict |",
        "|---|---|---|---|",
        f"| G8 exact hit p50 | ≤ {GOAL_HIT_P50_MS:g} ms | {h['p50_ms']:.2f} ms | {v(verdicts['hit_p50'])} |",
        f"| G8 miss / hit p50 | ≥ {GOAL_RATIO:g}× | {ratio:.0f}× | {v(verdicts['ratio'])} |",
        f"| G8 hit rate, replayed log | ≥ {GOAL_HIT_RATE * 100:g} % | {rate * 100:.1f} % | {v(verdicts['hit_rate'])} |",
        f"| G8 wrong programs served | 0 | {wrong} | {v(verdicts['no_wrong'])} |",
        "| G8 semantic hit ≤ 20 ms | — | not applicable: the cache is exact-match only | n/a |",
    ]
    text = "\n".join(md) + "\n"
    write_result(
        "generation_cache",
        {
            "goal": {
                "id": "G8",
                "hit_p50_ms_max": GOAL_HIT_P50_MS,
                "ratio_min": GOAL_RATIO,
                "hit_rate_min": GOAL_HIT_RATE,
            },
            "load_before": load_before,
            "load_after": load_after,
            "llm_latency_ms": args.llm_latency_ms,
            "miss": m,
            "hit": h,
            "ratio_p50": ratio,
            "hit_rate": rate,
            "replay": {"requests": len(log), "distinct": distinct, "rounds": 2, "hits": hits_total},
            "wrong_programs": wrong,
            "verdicts": verdicts,
            "met": all(verdicts.values()),
        },
        text,
    )
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
