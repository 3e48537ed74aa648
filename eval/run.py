"""Answer-quality eval: every question through the public REST Ask API, on SPARK and RAY.

    .venv/bin/python -m eval.run                       # starts the stack on free ports, full suite
    .venv/bin/python -m eval.run --subset              # a few questions per intent
    .venv/bin/python -m eval.run --gateway-url http://127.0.0.1:8080   # a running stack

For each (provider, framework, question) the outcome is one of

* ``correct`` – an answer equal to the DuckDB ground truth (see eval/compare.py for tolerance),
              or a refusal of an out-of-scope question;
* ``wrong``   – an answer that differs from the truth, or any answer to an out-of-scope
              question (the worst outcome: a user would believe it);
* ``refused`` – an in-scope question refused (FAILED_PRECONDITION: the offline generator
              cannot express it, or a column is ambiguous);
* ``error``   – the solve loop failed (run error after repairs), a transport error, or a
              non-refusal error status (``error_5xx`` when the status maps to HTTP 5xx).

Results: eval/results/results.json (every outcome) and eval/results/REPORT.md (tables per
provider and framework: accuracy, refusals, wrong answers, first-try rate, repairs, latency).
Exit code 1 when any answer is wrong or any 5xx-class error happened.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # `python eval/run.py`
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    __package__ = "eval"

from eval import compare as cmp  # noqa: E402
from eval import datasets, questions  # noqa: E402
from eval.truth import Truth  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
RESULTS_DIR = Path(__file__).resolve().parent / "results"
FRAMEWORKS = ("SPARK", "RAY")
REFUSAL_CODES = {9}  # FAILED_PRECONDITION (OFFLINE_CANNOT_EXPRESS, AMBIGUOUS_COLUMN, ...)
# google.rpc.Code -> HTTP class: these are server-side failures (HTTP 5xx)
SERVER_CODES = {2, 4, 8, 12, 13, 14, 15}


# ------------------------------------------------------------------------------ REST client


class Client:
    def __init__(self, base: str, timeout: float = 900.0):
        self.base = base.rstrip("/")
        self.timeout = timeout

    def call(
        self, method: str, path: str, body: bytes | None = None, ctype: str = "application/json"
    ) -> tuple[int, bytes]:
        req = urllib.request.Request(
            self.base + path, data=body, method=method, headers={"content-type": ctype}
        )
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as resp:
                return resp.status, resp.read()
        except urllib.error.HTTPError as err:
            return err.code, err.read()

    def create_session(self, sid: str) -> None:
        status, raw = self.call("POST", "/v1/sessions?session_id=" + urllib.parse.quote(sid), b"{}")
        if status != 200:
            raise RuntimeError(f"create session {sid}: HTTP {status} {raw[:300]!r}")

    def upload(self, sid: str, path: Path) -> None:
        q = urllib.parse.urlencode({"filename": path.name, "select": "true"})
        status, raw = self.call(
            "POST", f"/v1/sessions/{sid}/datasets:upload?{q}", path.read_bytes(), "text/csv"
        )
        if status != 200:
            raise RuntimeError(f"upload {path.name}: HTTP {status} {raw[:300]!r}")

    def ask(self, sid: str, prompt: str, framework: str, provider: str | None) -> dict[str, Any]:
        """POST /v1/sessions/{sid}:ask (NDJSON stream); returns the final result or error."""
        body: dict[str, Any] = {"prompt": prompt, "framework": framework}
        if provider and provider != "offline":
            body["provider"] = provider
        t0 = time.monotonic()
        status, raw = self.call("POST", f"/v1/sessions/{sid}:ask", json.dumps(body).encode())
        latency = time.monotonic() - t0
        out: dict[str, Any] = {
            "http_status": status,
            "latency_s": latency,
            "result": None,
            "error": None,
            "repairs": 0,
        }
        if status != 200:
            try:
                out["error"] = json.loads(raw)
            except ValueError:
                out["error"] = {"code": 2, "message": raw[:500].decode(errors="replace")}
            return out
        for line in raw.decode().splitlines():
            if not line.strip():
                continue
            msg = json.loads(line)
            if "error" in msg:
                out["error"] = msg["error"]
                continue
            ev = msg.get("result", {})
            if ev.get("stage") == "REPAIR" and ev.get("code"):
                out["repairs"] += 1
            if ev.get("result") is not None and ev.get("stage") == "DONE":
                out["result"] = ev["result"]
        if out["result"] is None and out["error"] is None:
            out["error"] = {"code": 2, "message": "the stream ended without a result"}
        return out


# ------------------------------------------------------------------------------ outcomes


@dataclass
class Outcome:
    id: str
    provider: str
    framework: str
    intent: str
    expect: str
    question: str
    outcome: str  # correct | wrong | refused | error
    detail: str = ""
    reason: str = ""  # ErrorInfo reason of a refusal/error
    latency_s: float = 0.0
    attempts: int = 0
    repairs: int = 0
    first_try: bool = False
    server_error: bool = False
    rows: int | None = None


def _error_reason(err: dict[str, Any]) -> str:
    for d in err.get("details", []) or []:
        if "reason" in d:
            return d["reason"]
    return ""


def classify(
    q: questions.Question, provider: str, framework: str, reply: dict[str, Any], truth: Truth
) -> Outcome:
    o = Outcome(
        q.id, provider, framework, q.intent, q.expect, q.text, "error", latency_s=round(reply["latency_s"], 3)
    )
    err = reply.get("error")
    res = reply.get("result")
    if err is not None and res is None:
        code = int(err.get("code", 2))
        o.reason = _error_reason(err)
        o.detail = str(err.get("message", ""))[:300]
        if code in REFUSAL_CODES:
            o.outcome = "correct" if q.expect == "refusal" else "refused"
        else:
            o.outcome = "error"
            o.server_error = code in SERVER_CODES or reply.get("http_status", 200) >= 500
        return o
    attempts = res.get("attempts") or []
    o.attempts = len(attempts)
    o.repairs = max(reply.get("repairs", 0), len(attempts) - 1 if attempts else 0)
    if not res.get("success"):
        o.outcome = "error"
        o.reason = str(res.get("error_class", ""))
        o.detail = str(res.get("error", ""))[:300]
        return o
    o.first_try = o.attempts <= 1
    if q.expect == "refusal":
        o.outcome = "wrong"
        o.detail = "answered an out-of-scope question"
        return o
    manifest = res.get("manifest") or {}
    rows = manifest.get("preview_rows") or []
    row_count = int(manifest.get("row_count", len(rows)) or 0)
    o.rows = row_count
    has_scalar = "scalar" in manifest and not manifest.get("schema")
    verdicts = []
    for want in truth.readings(q):  # correct when any acceptable reading matches
        verdicts.append(
            cmp.compare(
                rows,
                want,
                ordered=q.ordered,
                got_row_count=row_count if not has_scalar else None,
                complete=bool(manifest.get("complete", True)),
                scalar=manifest.get("scalar"),
                has_scalar=has_scalar,
            )
        )
        if verdicts[-1].ok:
            break
    v = verdicts[-1] if verdicts[-1].ok else verdicts[0]
    o.outcome = "correct" if v.ok else "wrong"
    o.detail = v.reason[:400]
    return o


# ------------------------------------------------------------------------------ running


@dataclass
class EvalConfig:
    frameworks: tuple[str, ...] = FRAMEWORKS
    providers: tuple[str, ...] = ("offline",)
    subset: int = 0  # questions per intent; 0 = all
    only: tuple[str, ...] = ()
    seed: int = datasets.DEFAULT_SEED
    out_dir: Path = RESULTS_DIR
    concurrency: dict[str, int] = field(default_factory=lambda: {"SPARK": 2, "RAY": 2})
    session_prefix: str = ""
    # optional per-framework restriction to some question ids (the in-suite quick run keeps Ray short)
    framework_ids: dict[str, tuple[str, ...]] = field(default_factory=dict)


def select_questions(cfg: EvalConfig) -> list[questions.Question]:
    qs = questions.subset(cfg.subset) if cfg.subset else list(questions.Q)
    if cfg.only:
        qs = [q for q in questions.Q if q.id in set(cfg.only) or any(q.id.startswith(p) for p in cfg.only)]
    return qs


def run_eval(base_url: str, cfg: EvalConfig, log=print) -> dict[str, Any]:
    """Upload the datasets, ask every selected question, write results.json and REPORT.md."""
    t_start = time.monotonic()
    paths = datasets.write(cfg.seed)
    truth = Truth(paths)
    qs = select_questions(cfg)
    client = Client(base_url)
    prefix = cfg.session_prefix or "eval-" + uuid.uuid4().hex[:8]
    needed = sorted({q.session for q in qs})
    sids = {}
    for name in needed:
        sid = f"{prefix}-{name}"
        client.create_session(sid)
        for ds in questions.SESSIONS[name]:
            client.upload(sid, paths[ds])
        sids[name] = sid
    warm_up(client, sids[needed[0]], cfg.frameworks, log)
    # per framework: the quick subset's questions first (every intent early), then the rest
    first = {q.id for q in questions.subset(1)}
    ranked = sorted(qs, key=lambda q: (q.id not in first, questions.Q.index(q)))
    tasks = [
        (p, fw, q)
        for p in cfg.providers
        for fw in cfg.frameworks
        for q in ranked
        if fw not in cfg.framework_ids or q.id in cfg.framework_ids[fw]
    ]
    outcomes: list[Outcome] = []
    lock = threading.Lock()

    def one(task: tuple[str, str, questions.Question]) -> None:
        provider, fw, q = task
        try:
            reply = client.ask(sids[q.session], q.text, fw, provider)
            o = classify(q, provider, fw, reply, truth_local())
        except Exception as e:  # transport failure: an error, never a crash of the run
            o = Outcome(
                q.id,
                provider,
                fw,
                q.intent,
                q.expect,
                q.text,
                "error",
                detail=f"{type(e).__name__}: {e}"[:300],
                server_error=True,
            )
        with lock:
            outcomes.append(o)
            mark = {"correct": ".", "wrong": "W", "refused": "r", "error": "E"}[o.outcome]
            if len(outcomes) % 10 == 0 and len(outcomes) < len(tasks):  # a stopped run still leaves numbers
                write_results(cfg, qs, paths, tasks, list(outcomes), t_start, partial=True)
            log(
                f"[{len(outcomes):>4}/{len(tasks)}] {mark} {fw:5s} {provider:8s} {q.id:4s} {o.latency_s:6.1f}s {q.text[:60]}"
                + (f"  -- {o.detail[:160]}" if o.outcome in ("wrong", "error") else "")
            )

    local = threading.local()

    def truth_local() -> Truth:  # one DuckDB connection per thread
        if not hasattr(local, "t"):
            local.t = Truth(paths)
        return local.t

    # one pool per framework, all running at once: a slow engine never holds the other's slots
    pools = [ThreadPoolExecutor(max_workers=max(1, cfg.concurrency.get(fw, 2))) for fw in cfg.frameworks]
    futures = [pools[cfg.frameworks.index(t[1])].submit(one, t) for t in tasks]
    for f in futures:
        f.result()
    for pool in pools:
        pool.shutdown()
    truth.close()
    return write_results(cfg, qs, paths, tasks, outcomes, t_start, partial=False)


def write_results(cfg, qs, paths, tasks, outcomes, t_start, partial: bool) -> dict[str, Any]:
    order_key = {(p, fw, q.id): i for i, (p, fw, q) in enumerate(tasks)}
    done = sorted(outcomes, key=lambda o: order_key[(o.provider, o.framework, o.id)])
    doc = {
        "seed": cfg.seed,
        "questions": len(qs),
        "datasets": {n: {"bytes": p.stat().st_size} for n, p in paths.items()},
        "frameworks": list(cfg.frameworks),
        "providers": list(cfg.providers),
        "subset": cfg.subset,
        "partial": partial,
        "asked": len(done),
        "planned": len(tasks),
        "wall_time_s": round(time.monotonic() - t_start, 1),
        "tolerance": {"rel": cmp.REL_TOL, "abs": cmp.ABS_TOL},
        "summary": summarise(done),
        "outcomes": [asdict(o) for o in done],
    }
    cfg.out_dir.mkdir(parents=True, exist_ok=True)
    (cfg.out_dir / "results.json").write_text(json.dumps(doc, indent=1, ensure_ascii=False))
    (cfg.out_dir / "REPORT.md").write_text(report(doc))
    return doc


def warm_up(client: Client, sid: str, frameworks: Iterable[str], log=print, timeout_s: float = 600.0) -> None:
    """One unmeasured question per framework, retried until the engine takes jobs: a fresh
    stack answers health checks before its Spark Connect server or Ray head is up."""
    for fw in frameworks:
        deadline = time.monotonic() + timeout_s
        while True:
            reply = client.ask(sid, "how many rows", fw, None)
            res = reply.get("result") or {}
            if res.get("success") or time.monotonic() > deadline:
                log(
                    f"warm-up {fw}: {'ready' if res.get('success') else 'not ready'} ({reply['latency_s']:.1f} s)"
                )
                break
            time.sleep(5)


def _pct(a: int, b: int) -> float | None:
    return round(100.0 * a / b, 1) if b else None


def _quant(xs: list[float], q: float) -> float | None:
    if not xs:
        return None
    if len(xs) == 1:
        return round(xs[0], 2)
    return round(statistics.quantiles(xs, n=100, method="inclusive")[int(q * 100) - 1], 2)


def summarise(outcomes: Iterable[Outcome]) -> dict[str, Any]:
    groups: dict[str, list[Outcome]] = {}
    for o in outcomes:
        groups.setdefault(f"{o.provider}/{o.framework}", []).append(o)
    out = {}
    for key, os_ in groups.items():
        ins = [o for o in os_ if o.expect == "answer"]
        oos = [o for o in os_ if o.expect == "refusal"]
        answered = [o for o in ins if o.outcome in ("correct", "wrong")]
        ran = [o.latency_s for o in ins if o.outcome in ("correct", "wrong")]
        out[key] = {
            "in_scope": len(ins),
            "correct": sum(o.outcome == "correct" for o in ins),
            "wrong": sum(o.outcome == "wrong" for o in ins),
            "refused": sum(o.outcome == "refused" for o in ins),
            "errors": sum(o.outcome == "error" for o in ins),
            "server_errors": sum(o.server_error for o in os_),
            "accuracy_pct": _pct(sum(o.outcome == "correct" for o in ins), len(ins)),
            "precision_pct": _pct(sum(o.outcome == "correct" for o in answered), len(answered)),
            "out_of_scope": len(oos),
            "out_of_scope_refused": sum(o.outcome == "correct" for o in oos),
            "out_of_scope_answered": sum(o.outcome == "wrong" for o in oos),
            "first_try_pct": _pct(sum(o.first_try for o in answered), len(answered)),
            "repairs": sum(o.repairs for o in os_),
            "latency_p50_s": _quant(ran, 0.50),
            "latency_p95_s": _quant(ran, 0.95),
            "latency_mean_s": round(statistics.fmean(ran), 2) if ran else None,
            "refusal_latency_p50_s": _quant(
                [
                    o.latency_s
                    for o in os_
                    if o.outcome in ("refused",) or (o.expect == "refusal" and o.outcome == "correct")
                ],
                0.50,
            ),
        }
    return out


def report(doc: dict[str, Any]) -> str:
    s = doc["summary"]
    L = [
        "# codeinterp answer-quality eval",
        "",
        ("**PARTIAL** (run still going or stopped): " if doc.get("partial") else "")
        + f"{doc.get('asked')}/{doc.get('planned')} asks done; "
        f"{doc['questions']} questions ({'subset: ' + str(doc['subset']) + ' per intent' if doc['subset'] else 'full suite'}), "
        f"datasets from seed {doc['seed']}, frameworks {', '.join(doc['frameworks'])}, providers {', '.join(doc['providers'])}; "
        f"wall time {doc['wall_time_s']} s.",
        "",
        "Accuracy = correct / in-scope questions; precision = correct / answered (correct + wrong); a refusal is "
        "not an answer. Latency: wall time of the REST Ask call for answered questions (generation, validation, run, "
        f"fetch). Floats equal within relative {doc['tolerance']['rel']:g} / absolute {doc['tolerance']['abs']:g}; rows "
        "compared as a multiset unless the question asks for an order; columns compared by position.",
        "",
        "| provider/framework | in-scope | correct | **wrong** | refused | errors | accuracy | precision | first try | repairs "
        "| p50 s | p95 s | out-of-scope refused |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for key, v in s.items():
        L.append(
            f"| {key} | {v['in_scope']} | {v['correct']} | **{v['wrong']}** | {v['refused']} | {v['errors']} | "
            f"{v['accuracy_pct']}% | {v['precision_pct']}% | {v['first_try_pct']}% | {v['repairs']} | "
            f"{v['latency_p50_s']} | {v['latency_p95_s']} | {v['out_of_scope_refused']}/{v['out_of_scope']} |"
        )
    outs = doc["outcomes"]
    intents = sorted({o["intent"].split(":")[0] for o in outs})
    keys = list(s)
    L += [
        "",
        "## Per intent (correct / in-scope, or refused / out-of-scope)",
        "",
        "| intent | " + " | ".join(keys) + " |",
        "|---|" + "---|" * len(keys),
    ]
    for it in intents:
        cells = []
        for k in keys:
            sel = [
                o
                for o in outs
                if f"{o['provider']}/{o['framework']}" == k and o["intent"].split(":")[0] == it
            ]
            cells.append(f"{sum(o['outcome'] == 'correct' for o in sel)}/{len(sel)}")
        L.append(f"| {it} | " + " | ".join(cells) + " |")
    bad = [o for o in outs if o["outcome"] in ("wrong", "error", "refused")]
    if bad:
        L += [
            "",
            "## Not correct",
            "",
            "| id | provider/framework | outcome | question | detail |",
            "|---|---|---|---|---|",
        ]
        for o in bad:
            d = (o["reason"] + ": " if o["reason"] else "") + o["detail"]
            d = d.replace("|", "\\|").replace("\n", " ")[:220]
            L.append(
                f"| {o['id']} | {o['provider']}/{o['framework']} | {o['outcome']} | {o['question']} | {d} |"
            )
    return "\n".join(L) + "\n"


def exit_code(doc: dict[str, Any]) -> int:
    bad = any(v["wrong"] or v["out_of_scope_answered"] or v["server_errors"] for v in doc["summary"].values())
    return 1 if bad else 0


# ------------------------------------------------------------------------------ own stack


def providers_from_env(env: dict[str, str]) -> list[str]:
    out = ["offline"]
    if env.get("CODEINTERP_OPENAI_BASE_URL") and env.get("CODEINTERP_OPENAI_MODEL"):
        out.append("openai")
    if env.get("CODEINTERP_LLM_PROVIDER") == "bedrock" or env.get(
        "CODEINTERP_BEDROCK_ENABLED", ""
    ).lower() in ("1", "true"):
        out.append("bedrock")
    return out


class OwnStack:
    """The four services on free ports (tests/integration/stack/stack_support.Stack), stopped on exit."""

    def __init__(self) -> None:
        sys.path.insert(0, str(ROOT / "tests" / "integration" / "stack"))
        from stack_support import Stack, free_port  # noqa: PLC0415

        self.root = Path(tempfile.mkdtemp(prefix="codeinterp-eval-"))
        self.root.chmod(0o711)  # the Spark engine's unprivileged user must reach its directories
        self.stack = Stack(self.root)
        llm = {
            k: v
            for k, v in os.environ.items()
            if k.startswith(("CODEINTERP_OPENAI_", "CODEINTERP_BEDROCK_", "CODEINTERP_LLM_"))
        }
        s = self.stack
        s.start("codegen", "codeinterp_codegen", s.ports["codegen"], llm)
        s.start("spark-supervisor", "codeinterp_spark_supervisor", s.ports["spark"])
        s.start(
            "ray-supervisor",
            "codeinterp_ray_supervisor",
            s.ports["ray"],
            {
                "CODEINTERP_RAY_DASHBOARD_PORT": str(free_port()),
                "CODEINTERP_RAY_GCS_PORT": str(free_port()),
                "CODEINTERP_RAY_CLIENT_PORT": str(free_port()),
                "CODEINTERP_RAY_DASHBOARD_AGENT_PORT": str(free_port()),
                # a shared or slow machine can take longer than the default 90 s to start a head
                "CODEINTERP_RAY_HEAD_START_TIMEOUT_S": os.environ.get(
                    "CODEINTERP_RAY_HEAD_START_TIMEOUT_S", "300"
                ),
            },
        )
        s.start("gateway", "codeinterp_gateway", s.ports["gateway"])

    def __enter__(self) -> str:
        try:
            self.stack.wait_healthy(300)
        except BaseException:
            self.__exit__()
            raise
        return self.stack.base

    def __exit__(self, *exc: object) -> None:
        self.stack.stop()
        shutil.rmtree(self.root, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--gateway-url", help="use a running stack (REST base URL) instead of starting one")
    ap.add_argument(
        "--subset", nargs="?", const=2, type=int, default=0, help="N questions per intent (default 2)"
    )
    ap.add_argument("--frameworks", default="SPARK,RAY")
    ap.add_argument(
        "--providers", default="", help="comma list; default offline plus configured LLM providers"
    )
    ap.add_argument("--only", default="", help="comma list of question ids or id prefixes")
    ap.add_argument("--seed", type=int, default=datasets.DEFAULT_SEED)
    ap.add_argument("--out", default=str(RESULTS_DIR))
    ap.add_argument("--spark-concurrency", type=int, default=2)
    ap.add_argument("--ray-concurrency", type=int, default=2)
    ap.add_argument(
        "--job-timeout", type=int, default=0, help="PATCH global.job_timeout_seconds first (a slow machine)"
    )
    a = ap.parse_args(argv)
    providers = [p for p in a.providers.split(",") if p] or providers_from_env(dict(os.environ))
    cfg = EvalConfig(
        frameworks=tuple(f.strip().upper() for f in a.frameworks.split(",") if f.strip()),
        providers=tuple(providers),
        subset=a.subset,
        only=tuple(x for x in a.only.split(",") if x),
        seed=a.seed,
        out_dir=Path(a.out),
        concurrency={"SPARK": a.spark_concurrency, "RAY": a.ray_concurrency},
    )

    def go(base: str) -> dict[str, Any]:
        if a.job_timeout:
            body = json.dumps({"global": {"job_timeout_seconds": a.job_timeout}}).encode()
            status, raw = Client(base).call(
                "PATCH", "/v1/settings?update_mask=global.job_timeout_seconds", body
            )
            if status != 200:
                raise RuntimeError(f"PATCH settings: HTTP {status} {raw[:200]!r}")
        return run_eval(base, cfg)

    if a.gateway_url:
        doc = go(a.gateway_url)
    else:
        print("starting the stack on free ports ...", flush=True)
        with OwnStack() as base:
            doc = go(base)
    print()
    print((cfg.out_dir / "REPORT.md").read_text().split("\n## Per intent")[0])
    print(f"results: {cfg.out_dir / 'results.json'}  report: {cfg.out_dir / 'REPORT.md'}")
    return exit_code(doc)


if __name__ == "__main__":
    raise SystemExit(main())
