"""Local executor of the embedded default: a warm Spark Connect server + a pool of
pre-started, single-use, confined job workers.

No JVM is ever started on the request path: :meth:`LocalSparkExecutor.start` launches
the Connect server (see :mod:`.spark_connect`) and ``pool_size`` workers in the
background; :meth:`run` hands a job to a worker that is already warm (pyspark imported,
Connect session open), enforces the wall-clock timeout, the output cap and cancellation
by killing the worker's process group, and replaces the worker. A worker runs exactly one
job: no Python state survives between jobs, and its server-side session is released.

Isolation when the supervisor runs as root (what is *not* contained is listed in
:data:`ISOLATION_NOTES`):

* worker: empty environment (PATH, HOME/TMPDIR = job dir, LANG), no inherited file
  descriptors, own process group, private mount namespace (``/root``, ``/tmp``,
  ``/var/tmp``, ``/dev/shm``, the executor's work root and every ``hide_paths`` entry
  hidden under empty tmpfs; only the job directory, the Connect socket and the Python
  runtime are re-exposed), private network namespace with no interface up (the Connect
  server is reachable only through its Unix socket), rlimits, uid/gid of ``run_as_user``
  with no supplementary groups and ``no_new_privs``;
* Spark Connect server JVM: runs as ``engine_user`` (not the worker's uid, so a job cannot
  signal/ptrace it), empty environment, its own network namespace (no route out; Python
  UDF workers it forks inherit that), ``/root`` and ``hide_paths`` hidden; it reads the
  job's inputs from the job directory, where they are staged (copied, or hard-linked when
  already world-readable) - never from the services' data directory.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import pwd
import secrets
import shutil
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from codeinterp_common.faults import crash_point
from codeinterp_spark_supervisor.adapters.spark_connect import (
    ConnectServer,
    ConnectServerConfig,
    interrupt_and_release,
)
from codeinterp_spark_supervisor.adapters.worker_main import untraversable_ancestors

log = logging.getLogger(__name__)

ISOLATION_NOTES = (
    "Embedded default (one host): separate unprivileged uids for job workers and the Spark JVM, "
    "private mount+network namespaces, empty environment, no inherited fds, rlimits, wall-clock "
    "timeout, output cap, single-use workers. NOT contained: the Spark Connect server is shared "
    "by concurrent jobs (one JVM, one in-memory catalog; sessions are separate but a job can "
    "exhaust the JVM's heap/CPU for everyone, and JVM-level code paths such as uploaded "
    "artifacts run in that shared engine); kernel-level escapes (no seccomp/gVisor/VM); "
    "CPU/memory of the JVM are not per job. Only Lambda/EMR/Kubernetes (one disposable "
    "executor per job, IAM-scoped, egress-controlled) isolate jobs from each other fully."
)

_ENGINE_ERROR_CLASSES = {
    "CODE",
    "DATA",
    "RESOURCE",
    "PERMISSION",
    "TIMEOUT",
    "VALIDATION",
    "CANCELLED_BY_USER",
    "INFRASTRUCTURE",
}


@dataclass(frozen=True)
class InputSpec:
    """One input of a job: a CSV/Parquet file (``inputs[name]`` is its path) or a catalog
    table (``inputs[name]`` is ``"db.table"`` and ``spark.table("db.table")`` resolves to
    ``path``)."""

    kind: str = "csv"  # "csv" | "parquet" | "table"
    path: str | None = None  # source file or directory (for tables: the data location)
    table: str | None = None  # "db.table" for kind == "table"
    format: str = "csv"  # data format of a table: csv | parquet
    delimiter: str = ","
    header: bool = True
    encoding: str = "utf-8"
    quote: str = '"'

    @classmethod
    def csv(
        cls, path: str | os.PathLike, *, delimiter: str = ",", header: bool = True, encoding: str = "utf-8"
    ):
        return cls(kind="csv", path=str(path), delimiter=delimiter, header=header, encoding=encoding)

    @classmethod
    def catalog_table(cls, name: str, path: str | os.PathLike, *, format: str = "csv", **csv):
        return cls(kind="table", table=name, path=str(path), format=format, **csv)

    @classmethod
    def from_proto(cls, ei) -> InputSpec:
        """From ``codeinterp.common.v1.ExecutionInput``."""
        fmt = ei.csv_format
        opts = {
            "delimiter": fmt.delimiter or ",",
            "header": fmt.header if ei.HasField("csv_format") else True,
            "encoding": fmt.encoding or "utf-8",
            "quote": fmt.quote or '"',
        }
        if ei.kind == ei.Kind.TABLE:
            fmt_name = "parquet" if ei.uri.rstrip("/").endswith(".parquet") else "csv"
            return cls(
                kind="table",
                table=f"{ei.table.database}.{ei.table.table}",
                path=ei.uri,
                format=fmt_name,
                **opts,
            )
        kind = "parquet" if ei.uri.rstrip("/").endswith(".parquet") else "csv"
        return cls(kind=kind, path=ei.uri, **opts)


@dataclass
class RunOutcome:
    ok: bool
    state: str  # SUCCEEDED | FAILED | CANCELLED
    manifest: dict | None
    error: str | None
    error_class: str | None  # ErrorClass name
    failing_line: int | None
    duration_s: float
    job_dir: str | None = None
    traceback_tail: str | None = None
    stdout_tail: str = ""
    stderr_tail: str = ""
    timings: dict = field(default_factory=dict)
    isolation: dict = field(default_factory=dict)
    worker_pid: int | None = None


class _Tail:
    def __init__(self, limit: int = 16384):
        self.buf = bytearray()
        self.limit = limit

    def add(self, b: bytes) -> None:
        self.buf += b
        if len(self.buf) > 2 * self.limit:
            del self.buf[: len(self.buf) - self.limit]

    def text(self) -> str:
        return bytes(self.buf[-self.limit :]).decode("utf-8", "replace")


@dataclass
class _Worker:
    token: str
    job_dir: Path
    session_id: str
    user_id: str
    proc: asyncio.subprocess.Process | None = None
    ready: bool = False
    isolation: dict = field(default_factory=dict)
    startup_s: float | None = None
    spawned_at: float = 0.0
    ready_at: float = 0.0
    boot_stderr: _Tail = field(default_factory=_Tail)


def ensure_system_user(name: str) -> str:
    """Return ``name`` if it exists or can be created (``useradd --system``), else ``nobody``."""
    try:
        pwd.getpwnam(name)
        return name
    except KeyError:
        pass
    if os.getuid() == 0 and shutil.which("useradd"):
        r = subprocess.run(
            [
                "useradd",
                "--system",
                "--no-create-home",
                "--home-dir",
                "/nonexistent",
                "--shell",
                "/usr/sbin/nologin",
                "--user-group",
                name,
            ],
            capture_output=True,
            timeout=60,
        )
        if r.returncode == 0:
            return name
    return "nobody"


def _safe_name(name: str) -> str:
    out = "".join(c if c.isalnum() or c in "-_" else "_" for c in name)[:64]
    return out or "input"


class LocalSparkExecutor:
    """Warm local Spark executor. All public coroutines are safe to call from one event loop.

    ``run`` never raises for job failures: it returns a :class:`RunOutcome` whose
    ``error_class`` is an ``ErrorClass`` name (TIMEOUT, CANCELLED_BY_USER, CODE, ...).
    """

    def __init__(
        self,
        work_root: Path,
        *,
        pool_size: int = 2,
        connect_port: int = 0,
        run_as_user: str | None = "codeinterp-exec",
        engine_user: str | None = "codeinterp-spark",
        hide_paths: tuple[str, ...] | list[str] = (),
        driver_memory: str = "2g",
        master: str = "local[2]",
        max_output_bytes: int = 1 << 30,
        worker_memory_bytes: int = 6 << 30,
        namespaces: bool = True,
        c1_only: bool = False,
        worker_max_idle_s: float = 600.0,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.work_root = Path(work_root).resolve()
        self.pool_size = pool_size
        # A warm worker holds a Spark Connect session, which the server closes after its idle
        # timeout (ConnectServerConfig.session_timeout, 15 min): a worker idle longer than this
        # is replaced before it can be handed a job (INVALID_HANDLE.SESSION_CLOSED otherwise).
        self.worker_max_idle_s = worker_max_idle_s
        self.max_output_bytes = max_output_bytes
        self.worker_memory_bytes = worker_memory_bytes
        self.hide_paths = [str(p) for p in hide_paths]
        self.clock = clock
        self.is_root = os.getuid() == 0
        self.namespaces = namespaces and self.is_root
        self.run_as_user = ensure_system_user(run_as_user) if (run_as_user and self.is_root) else None
        self.engine_user = ensure_system_user(engine_user) if (engine_user and self.is_root) else None
        self.jobs_dir = self.work_root / "jobs"
        self.server = ConnectServer(
            ConnectServerConfig(
                root=self.work_root / "server",
                master=master,
                driver_memory=driver_memory,
                port=connect_port,
                engine_user=self.engine_user,
                isolate=self.namespaces,
                hide=[*self.hide_paths],
                c1_only=c1_only,
            )
        )
        self._idle: asyncio.Queue[_Worker] = asyncio.Queue()
        self._all: dict[str, _Worker] = {}
        self._running: dict[str, tuple[_Worker, asyncio.Event]] = {}
        self._job_dirs: dict[str, Path] = {}
        self._table_locks: dict[str, asyncio.Lock] = {}
        self._bg: set[asyncio.Task] = set()
        self._closed = False
        self._started = False
        self._server_ready: asyncio.Event | None = None

    # ------------------------------------------------------------------ lifecycle

    async def start(self) -> None:
        """Begin warming (Connect server + pool) in the background; returns at once."""
        if self._started:
            return
        self._started = True
        self._server_ready = asyncio.Event()
        self.work_root.mkdir(parents=True, exist_ok=True)
        os.chmod(self.work_root, 0o711)
        self.jobs_dir.mkdir(exist_ok=True)
        os.chmod(self.jobs_dir, 0o711)  # traversable, not listable: job dirs have random names
        await asyncio.to_thread(self.server.start)
        self._spawn_bg(self._watch_server())
        for _ in range(self.pool_size):
            self._spawn_bg(self._spawn_worker())
        self._spawn_bg(self._refresh_idle_workers())
        # import the Connect client off the request path (used for interrupt/cleanup)
        self._spawn_bg(asyncio.to_thread(__import__, "pyspark.sql.connect.session"))

    async def _watch_server(self) -> None:
        ok = await asyncio.to_thread(self.server.wait_ready, 600)
        if ok:
            self._server_ready.set()

    async def ready(self, timeout: float) -> bool:
        """True once the server is up and at least one worker is warm."""
        deadline = self.clock() + timeout
        while self.clock() < deadline:
            if self._server_ready and self._server_ready.is_set() and self._idle.qsize() > 0:
                return True
            if self._started and not self.server.alive():
                return False
            await asyncio.sleep(0.05)
        return False

    def _spawn_bg(self, coro) -> asyncio.Task:
        t = asyncio.ensure_future(coro)
        self._bg.add(t)
        t.add_done_callback(self._bg.discard)
        return t

    def _ids(self, user: str | None) -> tuple[int | None, int | None]:
        if not user:
            return None, None
        pw = pwd.getpwnam(user)
        return pw.pw_uid, pw.pw_gid

    def _worker_env(self, job_dir: Path) -> dict[str, str]:
        return {
            "PATH": "/usr/local/bin:/usr/bin:/bin",
            "HOME": str(job_dir),
            "TMPDIR": str(job_dir / "tmp"),
            "LANG": "C.UTF-8",
            "PYTHONDONTWRITEBYTECODE": "1",
            "PYTHONNOUSERSITE": "1",
        }

    async def _spawn_worker(self) -> None:
        if self._closed:
            return
        token = secrets.token_hex(12)
        job_dir = self.jobs_dir / token
        uid, gid = self._ids(self.run_as_user)
        _, egid = self._ids(self.engine_user)
        job_dir.mkdir(mode=0o711)
        for sub, mode in (("tmp", 0o700), ("output", 0o2770)):
            (job_dir / sub).mkdir()
            os.chmod(job_dir / sub, mode)
        if uid is not None:
            os.chown(job_dir, uid, gid)
            os.chown(job_dir / "tmp", uid, gid)
            os.chown(job_dir / "output", uid, egid if egid is not None else gid)
        os.chmod(job_dir, 0o711)
        w = _Worker(token=token, job_dir=job_dir, session_id=str(uuid.uuid4()), user_id=f"job-{token}")
        py_prefix = os.path.realpath(sys.base_prefix)
        # The worker imports our runner: with an editable install its source tree lies outside
        # the venv (in the checkout), so that import root is bound back too.
        src_root = str(Path(__file__).resolve().parents[2])
        expose = [py_prefix, os.path.realpath(sys.prefix), src_root, str(job_dir), str(self.server.cfg.run_dir)]
        hide = ["/root", "/tmp", "/var/tmp", "/dev/shm", str(self.work_root), *self.hide_paths]
        spec = {
            "job_dir": str(job_dir),
            "uid": uid,
            "gid": gid,
            "namespaces": self.namespaces,
            "hide": [*hide, *untraversable_ancestors(expose)],
            "expose": expose,
            "socket": self.server.socket_path,
            "session_id": w.session_id,
            "user_id": w.user_id,
            "rlimits": {
                "RLIMIT_AS": self.worker_memory_bytes,
                "RLIMIT_FSIZE": self.max_output_bytes + (1 << 20),
                "RLIMIT_CORE": 0,
                "RLIMIT_NOFILE": 1024,
                "RLIMIT_NPROC": 1024,
            },
            "warm_timeout_s": 600,
            "parent_pid": os.getpid(),  # the worker dies with this process (PR_SET_PDEATHSIG)
            "nice": 10,
        }
        w.spawned_at = self.clock()
        w.proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "codeinterp_spark_supervisor.adapters.worker_main",
            "--spec",
            json.dumps(spec),
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            env=self._worker_env(job_dir),
            cwd=str(job_dir),
            close_fds=True,
            start_new_session=True,
            limit=1 << 20,
        )
        self._all[token] = w
        stderr_task = asyncio.ensure_future(self._drain_boot_stderr(w))
        try:
            line = await w.proc.stdout.readline()
        finally:
            stderr_task.cancel()
        text = line.decode("utf-8", "replace").strip()
        if text.startswith("READY "):
            info = json.loads(text[6:])
            w.isolation = info.get("isolation", {})
            w.startup_s = info.get("startup_s")
            w.ready = True
            w.ready_at = self.clock()
            if self._closed:
                await self._kill_worker(w)
                return
            await self._idle.put(w)
        else:
            if not self._closed:
                log.warning(
                    "job worker failed to start; retrying",
                    extra={"said": text[-500:], "stderr_tail": w.boot_stderr.text()[-2000:]},
                )
            await self._kill_worker(w)
            self._discard_dir(w)
            if not self._closed:
                await asyncio.sleep(1.0)  # back off, then try again
                self._spawn_bg(self._spawn_worker())

    async def _drain_boot_stderr(self, w: _Worker) -> None:
        try:
            while True:
                b = await w.proc.stderr.read(4096)
                if not b:
                    return
                w.boot_stderr.add(b)
        except asyncio.CancelledError:
            return

    def _stale(self, w: _Worker) -> bool:
        return self.clock() - w.ready_at > self.worker_max_idle_s

    async def _retire(self, w: _Worker) -> None:
        """Kill an idle worker that cannot take a job (dead or stale) and start its replacement."""
        await self._kill_worker(w)
        self._discard_dir(w)
        if not self._closed:
            await self._spawn_worker()

    async def _refresh_idle_workers(self) -> None:
        """Replace idle workers before their Connect session expires, so that the first job after
        a quiet spell does not wait for a fresh worker."""
        period = max(min(60.0, self.worker_max_idle_s / 4), 0.05)
        while not self._closed:
            await asyncio.sleep(period)
            for _ in range(self._idle.qsize()):
                try:
                    w = self._idle.get_nowait()
                except asyncio.QueueEmpty:
                    break
                if w.proc.returncode is None and not self._stale(w):
                    self._idle.put_nowait(w)
                else:
                    self._spawn_bg(self._retire(w))

    async def _kill_worker(self, w: _Worker) -> None:
        if w.proc is None:
            return
        if w.proc.returncode is None:
            try:
                os.killpg(w.proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
            try:
                await asyncio.wait_for(w.proc.wait(), 10)
            except TimeoutError:
                pass
        self._all.pop(w.token, None)

    def _discard_dir(self, w: _Worker) -> None:
        shutil.rmtree(w.job_dir, ignore_errors=True)

    async def close(self) -> None:
        self._closed = True
        for t in list(self._bg):
            t.cancel()
        for w in list(self._all.values()):
            await self._kill_worker(w)
            if w.token not in {x[0].token for x in self._running.values()}:
                self._discard_dir(w)
        await asyncio.to_thread(self.server.stop)

    # ------------------------------------------------------------------ jobs

    def job_dir(self, job_id: str) -> Path | None:
        return self._job_dirs.get(job_id)

    def discard(self, job_id: str) -> None:
        """Delete a finished job's directory (its outputs)."""
        d = self._job_dirs.pop(job_id, None)
        if d:
            shutil.rmtree(d, ignore_errors=True)

    async def cancel(self, job_id: str) -> bool:
        entry = self._running.get(job_id)
        if entry is None:
            return False
        entry[1].set()
        return True

    def _stage_inputs(self, w: _Worker, inputs: dict[str, InputSpec]) -> dict[str, dict]:
        staged_dir = w.job_dir / "inputs"
        staged_dir.mkdir(mode=0o755, exist_ok=True)
        os.chmod(staged_dir, 0o755)
        out: dict[str, dict] = {}
        for name, spec in inputs.items():
            if isinstance(spec, (str, os.PathLike)):
                spec = InputSpec.csv(spec)
            d: dict[str, Any] = {
                "kind": spec.kind,
                "format": spec.format if spec.kind == "table" else spec.kind,
                "delimiter": spec.delimiter,
                "header": spec.header,
                "encoding": spec.encoding,
                "quote": spec.quote,
            }
            if spec.kind == "table":
                d["table"] = spec.table
            if spec.path:
                src = Path(spec.path)
                if not src.exists():
                    raise FileNotFoundError(f"input {name!r}: {spec.path} does not exist")
                dst = staged_dir / (_safe_name(name) + "".join(src.suffixes[-1:]))
                _stage(src, dst)
                d["path"] = str(dst)
            out[name] = d
        return out

    async def run(
        self,
        job_id: str,
        code: str,
        inputs: dict[str, InputSpec] | None = None,
        *,
        timeout_s: float,
        preview_rows: int = 100,
        max_output_bytes: int | None = None,
        on_log: Callable[[str, str], None] | None = None,
        wait_ready_s: float = 600.0,
    ) -> RunOutcome:
        """Run one job on a warm worker. ``timeout_s`` counts from dispatch to the worker."""
        t0 = self.clock()
        cap = min(max_output_bytes or self.max_output_bytes, self.max_output_bytes)
        inputs = inputs or {}
        cancel_ev = asyncio.Event()
        self._running[job_id] = (None, cancel_ev)  # type: ignore[assignment]
        replace = False

        def fail(error: str, cls: str, state: str = "FAILED", w: _Worker | None = None) -> RunOutcome:
            return RunOutcome(
                ok=False,
                state=state,
                manifest=None,
                error=error,
                error_class=cls,
                failing_line=None,
                duration_s=self.clock() - t0,
                job_dir=str(w.job_dir) if w else None,
                isolation=w.isolation if w else {},
                worker_pid=w.proc.pid if w and w.proc else None,
            )

        try:
            # 1. a warm worker (the first job after start may wait for the server)
            deadline = self.clock() + wait_ready_s
            while True:
                get = asyncio.ensure_future(self._idle.get())
                cw = asyncio.ensure_future(cancel_ev.wait())
                done, _ = await asyncio.wait(
                    {get, cw}, timeout=max(deadline - self.clock(), 0.01), return_when=asyncio.FIRST_COMPLETED
                )
                cw.cancel()
                if get not in done:
                    get.cancel()
                    if cancel_ev.is_set():
                        return fail("cancelled before start", "CANCELLED_BY_USER", "CANCELLED")
                    return fail("no warm Spark worker became ready in time", "INFRASTRUCTURE")
                w = get.result()
                if w.proc.returncode is None and not self._stale(w):
                    break
                # died while idle (OOM killer, ...) or idle for so long that its Connect session
                # expired: retire it (a replacement starts), take the next one
                self._spawn_bg(self._retire(w))
            self._running[job_id] = (w, cancel_ev)
            self._job_dirs[job_id] = w.job_dir
            replace = True  # single use: a fresh worker replaces it once this job is over
            # 2. stage inputs, write the job, take table locks
            try:
                staged = await asyncio.to_thread(self._stage_inputs, w, inputs)
            except (OSError, ValueError) as exc:
                await self._kill_worker(w)
                return fail(f"staging inputs failed: {exc}", "DATA", w=w)
            tables = sorted({d["table"] for d in staged.values() if d.get("kind") == "table"})
            job = {
                "job_id": job_id,
                "code": code,
                "inputs": staged,
                "preview_rows": preview_rows,
                "max_output_bytes": cap,
            }
            (w.job_dir / "job.json").write_text(json.dumps(job))
            os.chmod(w.job_dir / "job.json", 0o644)
            locks = [self._table_locks.setdefault(t, asyncio.Lock()) for t in tables]
            for lk in locks:
                await lk.acquire()
            try:
                return await self._execute(job_id, w, timeout_s, cap, cancel_ev, on_log, t0, tables)
            finally:
                for lk in locks:
                    lk.release()
        finally:
            self._running.pop(job_id, None)
            if replace:
                # spawned after the job so its start-up (pyspark import, ~1-2 CPU-s) does not
                # compete with the job for the two cores; the pool's other worker is warm.
                self._spawn_bg(self._spawn_worker())

    async def _execute(self, job_id, w: _Worker, timeout_s, cap, cancel_ev, on_log, t0, tables) -> RunOutcome:
        out_tail, err_tail = _Tail(), _Tail()
        proc = w.proc
        t_dispatch = self.clock()

        async def pump(stream, tail: _Tail, name: str):
            while True:
                line = await stream.readline()
                if not line:
                    return
                tail.add(line)
                if on_log is not None:
                    try:
                        on_log(name, line.decode("utf-8", "replace").rstrip("\n"))
                    except Exception:  # noqa: BLE001
                        pass

        cap_hit = asyncio.Event()

        async def watch_output():
            out_dir = w.job_dir / "output"
            while True:
                await asyncio.sleep(0.25)
                crash_point("while_polling", job_id)  # fault-injection tests only
                size = await asyncio.to_thread(_dir_size, out_dir)
                if size > cap:
                    cap_hit.set()
                    return

        pumps = [
            asyncio.ensure_future(pump(proc.stdout, out_tail, "stdout")),
            asyncio.ensure_future(pump(proc.stderr, err_tail, "stderr")),
        ]
        watcher = asyncio.ensure_future(watch_output())
        proc.stdin.write(b"RUN\n")
        try:
            await proc.stdin.drain()
            proc.stdin.close()
        except (ConnectionError, OSError):
            pass
        crash_point("after_launch", job_id)  # fault-injection tests only (codeinterp_common.faults)
        try:  # back to normal priority (all threads of the worker's process group)
            os.setpriority(os.PRIO_PGRP, proc.pid, 0)
        except OSError:
            pass
        waiter = asyncio.ensure_future(proc.wait())
        cancel_w = asyncio.ensure_future(cancel_ev.wait())
        cap_w = asyncio.ensure_future(cap_hit.wait())
        done, _ = await asyncio.wait(
            {waiter, cancel_w, cap_w}, timeout=timeout_s, return_when=asyncio.FIRST_COMPLETED
        )
        watcher.cancel()
        cancel_w.cancel()
        cap_w.cancel()
        killed_for: str | None = None
        if waiter not in done:
            killed_for = "cancel" if cancel_ev.is_set() else ("cap" if cap_hit.is_set() else "timeout")
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
            await waiter
        for p in pumps:
            try:
                await asyncio.wait_for(p, 2)
            except (TimeoutError, Exception):  # noqa: BLE001
                p.cancel()
        self._all.pop(w.token, None)
        run_s = self.clock() - t_dispatch
        base = dict(
            job_dir=str(w.job_dir),
            stdout_tail=out_tail.text(),
            stderr_tail=err_tail.text(),
            isolation=w.isolation,
            worker_pid=proc.pid,
        )
        if killed_for is not None:
            # stop whatever the session still runs in the JVM, release it, drop tables; off the result path
            self._spawn_bg(self._cleanup_killed(w, tables))
            (w.job_dir / "job.json").unlink(missing_ok=True)
            if killed_for == "timeout":
                return RunOutcome(
                    False,
                    "FAILED",
                    None,
                    f"wall-clock timeout after {timeout_s:g} s",
                    "TIMEOUT",
                    None,
                    self.clock() - t0,
                    timings={"run_s": run_s},
                    **base,
                )
            if killed_for == "cancel":
                return RunOutcome(
                    False,
                    "CANCELLED",
                    None,
                    "cancelled",
                    "CANCELLED_BY_USER",
                    None,
                    self.clock() - t0,
                    timings={"run_s": run_s},
                    **base,
                )
            await asyncio.to_thread(_clear_outputs, w.job_dir / "output")
            return RunOutcome(
                False,
                "FAILED",
                None,
                f"output size cap of {cap} bytes exceeded while writing",
                "RESOURCE",
                None,
                self.clock() - t0,
                timings={"run_s": run_s},
                **base,
            )
        # normal exit: release the worker's Connect session (temp views, cache) off the result
        # path, then read the (untrusted) outcome written by the worker
        self._spawn_bg(asyncio.to_thread(interrupt_and_release, self.server.socket_path, w.session_id, w.user_id))
        await asyncio.to_thread(_cleanup_inputs, w.job_dir)
        outcome = _read_json(w.job_dir / "outcome.json")
        if outcome is None:
            return RunOutcome(
                False,
                "FAILED",
                None,
                f"worker exited with code {proc.returncode} without an outcome: " + err_tail.text()[-500:],
                "INFRASTRUCTURE" if proc.returncode >= 0 else "RESOURCE",
                None,
                self.clock() - t0,
                timings={"run_s": run_s},
                **base,
            )
        timings = dict(outcome.get("timings") or {})
        timings["run_s"] = round(run_s, 4)
        if outcome.get("ok"):
            manifest = outcome.get("manifest") or {}
            verified = _verify_outputs(w.job_dir / "output", manifest, cap)
            if verified is not None:
                await asyncio.to_thread(_clear_outputs, w.job_dir / "output")
                return RunOutcome(
                    False,
                    "FAILED",
                    None,
                    verified,
                    "RESOURCE",
                    None,
                    self.clock() - t0,
                    timings=timings,
                    **base,
                )
            return RunOutcome(
                True,
                "SUCCEEDED",
                manifest,
                None,
                None,
                None,
                self.clock() - t0,
                timings=timings,
                traceback_tail=None,
                **base,
            )
        cls = outcome.get("error_class")
        if cls not in _ENGINE_ERROR_CLASSES:
            cls = "CODE"
        if cls == "RESOURCE":
            await asyncio.to_thread(_clear_outputs, w.job_dir / "output")
        line = outcome.get("failing_line")
        return RunOutcome(
            False,
            "FAILED",
            None,
            str(outcome.get("error"))[:4000],
            cls,
            line if isinstance(line, int) else None,
            self.clock() - t0,
            traceback_tail=str(outcome.get("traceback_tail") or "")[-4000:],
            timings=timings,
            **base,
        )

    async def _cleanup_killed(self, w: _Worker, tables: list[str]) -> None:
        await asyncio.to_thread(interrupt_and_release, self.server.socket_path, w.session_id, w.user_id)
        if tables:
            await asyncio.to_thread(self._drop_tables_sync, tables)
        await asyncio.to_thread(_cleanup_inputs, w.job_dir)

    def _drop_tables_sync(self, tables: list[str]) -> None:
        from codeinterp_spark_supervisor.adapters.spark_connect import connect_session
        from codeinterp_spark_supervisor.runner import drop_tables

        s = connect_session(self.server.socket_path, user_id="codeinterp-supervisor")
        try:
            drop_tables(s, tables)
        finally:
            s.stop()


# ---------------------------------------------------------------------- helpers


def _stage(src: Path, dst: Path) -> None:
    """Hard-link when the file is already world-readable (same inode, no copy), else copy 0644."""
    if src.is_dir():
        dst.mkdir(mode=0o755, exist_ok=True)
        os.chmod(dst, 0o755)
        for child in sorted(src.iterdir()):
            if child.name.startswith("."):
                continue
            _stage(child, dst / child.name)
        return
    st = src.stat()
    if st.st_mode & 0o004:
        try:
            os.link(src, dst)
            return
        except OSError:
            pass
    shutil.copyfile(src, dst)
    os.chmod(dst, 0o644)


def _dir_size(d: Path) -> int:
    total = 0
    for root, _dirs, files in os.walk(d):
        for f in files:
            try:
                total += os.lstat(os.path.join(root, f)).st_size
            except OSError:
                pass
    return total


def _clear_outputs(d: Path) -> None:
    if d.exists():
        for child in d.iterdir():
            if child.is_dir() and not child.is_symlink():
                shutil.rmtree(child, ignore_errors=True)
            else:
                child.unlink(missing_ok=True)


def _cleanup_inputs(job_dir: Path) -> None:
    shutil.rmtree(job_dir / "inputs", ignore_errors=True)
    shutil.rmtree(job_dir / "tmp", ignore_errors=True)


def _read_json(p: Path, limit: int = 16 << 20) -> dict | None:
    try:
        if p.is_symlink() or p.stat().st_size > limit:
            return None
        obj = json.loads(p.read_text())
        return obj if isinstance(obj, dict) else None
    except (OSError, ValueError):
        return None


def _verify_outputs(out_dir: Path, manifest: dict, cap: int) -> str | None:
    """The worker is untrusted once user code ran: re-check sizes and paths ourselves."""
    size = _dir_size(out_dir)
    if size > cap:
        return f"output size cap exceeded: {size} bytes > {cap}"
    root = str(out_dir.resolve()) + os.sep
    for f in manifest.get("files") or []:
        uri = str(f.get("uri", ""))
        real = os.path.realpath(uri)
        if not real.startswith(root) or not os.path.isfile(real):
            return f"manifest lists a file outside the job's output: {uri!r}"
        f["size_bytes"] = os.path.getsize(real)
    return None
