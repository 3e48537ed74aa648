"""The pooled Ray driver: one long-lived Ray job that runs short jobs on pre-started actors.

Why: every Jobs API submission pays a job-supervisor actor, a `runtime_env` package, a fresh
interpreter importing Ray, `ray.init()` and fresh worker processes for its tasks — 5 s for a
no-op and 15-20 s for a small group-by on a 2-core head — while the same code on a warm driver
takes about 0.2 s (docs/performance.md G6). This process is that warm driver. It joins the
cluster once, keeps `pool_size` executor actors started and warmed (Ray Data, pandas, pyarrow
and the runner imported), and runs each job in one of them:

* **Actors per owner.** An actor is a process of its own. It runs one job at a time, for one
  owner (principal) only, and at most `--jobs-per-actor` jobs; after a failed or cancelled
  job it is killed. Each job's code runs in a fresh namespace; with `--jobs-per-actor 1`
  every job gets a process of its own. A fresh actor costs ~5 CPU-seconds on this class of
  machine, which is why reuse within one owner is allowed. The jobs' Ray Data tasks run on
  the pool job's task workers, which Ray reuses (most of the speed-up), as within any Ray job.
* **No scheduling slot held.** Actors ask for 0 CPUs: the CPUs stay with the jobs' tasks.
* **Same runner.** The actor calls `runner.execute()` with the job directory the supervisor
  prepared (job.json, job-code.py); the job's printed output goes to `job.log` there and the
  result to manifest.json / error.json in the output dir, exactly as on the Jobs API path.
* **Cancel** kills the job's actor (its tasks and objects go with it).

Protocol: JSON lines. The supervisor writes `{"op": "run", "job_id", "workdir", "owner"}` and
`{"op": "cancel", "job_id"}` to stdin; this process answers on stdout with `{"event": "ready"}`
once, then `{"event": "started", "job_id"}` and `{"event": "done", "job_id", "ok", "error",
"killed"}`. Everything else this process prints goes to stderr. End of stdin (the supervisor
exited) stops it; so does the supervisor's death (parent-death signal, set by the launcher).

Standalone on purpose (stdlib + ray): it is copied next to `runner.py` into the pool directory
and started with the cluster's Python, like the Jobs API entrypoint.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import queue
import sys
import threading
import time
from pathlib import Path


class Executor:
    """One job's process. Defined here, shipped to the actor by value (cloudpickle)."""

    def __init__(self, pool_dir: str) -> None:
        if pool_dir not in sys.path:
            sys.path.insert(0, pool_dir)

    def warm(self) -> int:
        """Imports and a first tiny Ray Data run: a fresh process pays about a second for its
        first execution (executor set-up, lazy imports), which the job would otherwise pay."""
        import pandas  # noqa: F401
        import pyarrow.csv  # noqa: F401
        import pyarrow.parquet  # noqa: F401
        import ray.data
        import runner

        runner.configure_data({"shuffle": "sort"})
        try:
            ds = ray.data.from_items([{"k": i % 3, "v": float(i)} for i in range(12)])
            ds.filter(lambda r: r["v"] > 1).groupby("k").sum("v").sort("k").take_all()
            ds.map_batches(lambda b: b, batch_format="pandas").limit(2).to_pandas()
        except Exception as exc:  # noqa: BLE001 - warming is best effort; the job will show real errors
            print(f"pool warm-up run failed: {type(exc).__name__}: {exc}", file=sys.stderr)
        return os.getpid()

    def run(self, workdir: str) -> int:
        import runner

        wd = Path(workdir)
        spec = json.loads((wd / "job.json").read_text())
        code = (wd / runner.CODE_NAME).read_text()
        saved = sys.stdout, sys.stderr, dict(os.environ), os.getcwd()
        with open(wd / "job.log", "a", buffering=1, encoding="utf-8", errors="replace") as log:
            sys.stdout = sys.stderr = log
            try:
                return runner.execute(spec, code)
            finally:
                sys.stdout, sys.stderr = saved[0], saved[1]
                if dict(os.environ) != saved[2]:
                    os.environ.clear()
                    os.environ.update(saved[2])
                os.chdir(saved[3])


class Pool:
    """Warm spare actors, idle actors bound to one owner, and the jobs running now.

    An actor serves one owner (principal) only, one job at a time, up to `jobs_per_actor`
    jobs; it is retired after a job that failed or was cancelled, after its quota, or after
    `idle_s` without work. A fresh actor costs ~5 CPU-seconds (a Python process importing
    Ray Data, pandas and pyarrow), so reuse within an owner is what keeps a burst of small
    queries fast; never sharing across owners is what keeps one principal's state away
    from another's. `jobs_per_actor=1` gives every job a process of its own."""

    def __init__(self, ray, actor_cls, pool_dir: str, size: int, jobs_per_actor: int = 1,
                 idle_s: float = 300.0, max_idle: int = 8) -> None:
        self.ray = ray
        self.actor_cls = actor_cls
        self.pool_dir = pool_dir
        self.size = max(0, size)
        self.jobs_per_actor = max(1, jobs_per_actor)
        self.idle_s = idle_s
        self.max_idle = max_idle
        self.spare: collections.deque = collections.deque()  # warm actors bound to nobody
        self.idle: dict[str, list] = {}  # owner -> [[actor, uses, idle since]]
        self.running: dict[str, tuple] = {}  # job id -> (actor, run ref, owner, uses)
        self.killed: set[str] = set()

    def refill(self) -> None:
        while len(self.spare) < self.size:
            actor = self.actor_cls.remote(self.pool_dir)
            actor.warm.remote()  # runs before any job handed to it (actor calls run in order)
            self.spare.append(actor)

    def _kill(self, actor) -> None:
        try:
            self.ray.kill(actor, no_restart=True)
        except Exception:  # noqa: BLE001 - already gone
            pass

    def run(self, job_id: str, workdir: str, owner: str) -> None:
        bound = self.idle.get(owner)
        if bound:
            actor, uses, _since = bound.pop()
            if not bound:
                del self.idle[owner]
        else:
            if not self.spare:
                self.size = self.size or 1
                self.refill()
            actor, uses = self.spare.popleft(), 0
        self.running[job_id] = (actor, actor.run.remote(workdir), owner, uses + 1)

    def cancel(self, job_id: str) -> None:
        entry = self.running.get(job_id)
        if entry is not None:
            self.killed.add(job_id)
            self._kill(entry[0])

    def finished(self, wait_s: float = 0.0) -> list[tuple[str, dict]]:
        """Jobs that ended, waiting up to `wait_s` for the first (returns as soon as one ends)."""
        results = []
        if self.running:
            refs = {entry[1]: job_id for job_id, entry in self.running.items()}
            done, _ = self.ray.wait(list(refs), num_returns=1, timeout=wait_s)
            if done:  # and whatever else has ended meanwhile
                done, _ = self.ray.wait(list(refs), num_returns=len(refs), timeout=0)
            for ref in done:
                job_id = refs[ref]
                actor, _, owner, uses = self.running.pop(job_id)
                killed = job_id in self.killed
                self.killed.discard(job_id)
                try:
                    code = self.ray.get(ref)
                    event = {"ok": code == 0, "error": "", "killed": False}
                except Exception as exc:  # noqa: BLE001 - the actor died (killed, OOM, crash)
                    event = {"ok": False, "error": f"{type(exc).__name__}: {exc}"[:2000], "killed": killed}
                if event["ok"] and not killed and uses < self.jobs_per_actor:  # a kill may race a finish
                    self.idle.setdefault(owner, []).append([actor, uses, time.monotonic()])
                else:
                    self._kill(actor)
                results.append((job_id, event))
        self._expire()
        return results

    def _expire(self) -> None:
        now = time.monotonic()
        entries = sorted(((e[2], owner, e) for owner, lst in self.idle.items() for e in lst), key=lambda x: x[0])
        excess = len(entries) - self.max_idle
        for i, (since, owner, entry) in enumerate(entries):
            if i < excess or now - since > self.idle_s:
                self.idle[owner].remove(entry)
                if not self.idle[owner]:
                    del self.idle[owner]
                self._kill(entry[0])


def read_ops(stream, ops: queue.Queue) -> None:
    for line in stream:
        line = line.strip()
        if not line:
            continue
        try:
            ops.put(json.loads(line))
        except ValueError:
            print(f"pool driver: ignored a malformed line: {line[:200]!r}", file=sys.stderr, flush=True)
    ops.put(None)  # end of input: the supervisor has gone


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--address", required=True, help="GCS address host:port")
    parser.add_argument("--pool-size", type=int, default=2)
    parser.add_argument("--jobs-per-actor", type=int, default=1)
    parser.add_argument("--idle-seconds", type=float, default=300.0)
    parser.add_argument("--namespace", default="codeinterp-pool")
    args = parser.parse_args(argv)
    pool_dir = str(Path(__file__).resolve().parent)

    proto = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)  # Ray's and anybody's prints go to stderr, never into the protocol
    sys.stdout = sys.stderr
    lock = threading.Lock()

    def send(event: dict) -> None:
        with lock:
            proto.write(json.dumps(event) + "\n")
            proto.flush()

    import ray

    started = time.perf_counter()
    ray.init(address=args.address, namespace=args.namespace, log_to_driver=False, logging_level="WARNING")
    actor_cls = ray.remote(num_cpus=0, max_restarts=0, max_task_retries=0)(Executor)
    pool = Pool(ray, actor_cls, pool_dir, args.pool_size, args.jobs_per_actor, args.idle_seconds)
    pool.refill()
    send({"event": "ready", "pid": os.getpid(), "init_s": round(time.perf_counter() - started, 3)})

    ops: queue.Queue = queue.Queue()
    threading.Thread(target=read_ops, args=(sys.stdin, ops), daemon=True, name="ops").start()
    while True:
        # Idle: block on the next op. Jobs running: wait up to 5 ms for one to end (ray.wait
        # returns as soon as one does), then take any ops that arrived meanwhile.
        try:
            op = ops.get_nowait() if pool.running else ops.get(timeout=0.5)
        except queue.Empty:
            op = ""
        if op is None:
            break
        if op:
            kind, job_id = op.get("op"), str(op.get("job_id") or "")
            if kind == "run" and job_id and job_id not in pool.running:
                pool.run(job_id, str(op["workdir"]), str(op.get("owner") or ""))
                send({"event": "started", "job_id": job_id})
            elif kind == "cancel" and job_id:
                pool.cancel(job_id)
            continue  # drain queued ops before waiting on Ray
        for job_id, event in pool.finished(wait_s=0.005):
            send({"event": "done", "job_id": job_id, **event})
        pool.refill()
    for job_id in list(pool.running):
        pool.cancel(job_id)
    ray.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
