"""Entry point of one pre-started job worker, plus the OS confinement primitives.

A worker is started by :class:`~.local_executor.LocalSparkExecutor` as
``python -m codeinterp_spark_supervisor.adapters.worker_main --spec <json>`` with an
empty environment, ``close_fds=True``, its own process group, and cwd = its job directory.

Order of events inside the worker (nothing from the job is touched before step 4):

1. while still root (only when the supervisor runs as root): new mount + network
   namespace (no network interface is up: the only way out is the Unix socket of the
   Spark Connect proxy), the services' directories are hidden under empty tmpfs mounts,
   only the Python runtime, the job directory and the proxy socket stay visible;
2. resource limits (address space, file size, open files, processes, no core dumps);
3. privileges dropped for good: supplementary groups cleared, gid/uid set to the exec
   user, ``PR_SET_NO_NEW_PRIVS``;
4. ``pyspark.sql.connect`` imported and a Spark Connect session created and warmed with
   one trivial query, then ``READY`` is written on stdout;
5. one line is read from stdin (``RUN``); the job (``job.json`` in the job directory) is
   run by :func:`codeinterp_spark_supervisor.runner.run_job_dir`; the process exits at once
   (the supervisor releases its Connect session afterwards).

A worker runs exactly one job and is then discarded.
"""

from __future__ import annotations

import argparse
import ctypes
import ctypes.util
import json
import os
import resource
import sys
import time
from pathlib import Path

CLONE_NEWNS = 0x00020000
CLONE_NEWNET = 0x40000000
MS_RDONLY = 1
MS_NOSUID = 2
MS_NODEV = 4
MS_BIND = 4096
MS_REC = 16384
MS_PRIVATE = 1 << 18
PR_SET_NO_NEW_PRIVS = 38
PR_SET_PDEATHSIG = 1

_libc = None


def _lib():
    global _libc
    if _libc is None:
        _libc = ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True)
    return _libc


def _check(rc: int, what: str) -> None:
    if rc != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"{what}: {os.strerror(err)}")


def unshare(flags: int) -> None:
    _check(_lib().unshare(ctypes.c_int(flags)), "unshare")


def mount(source: str | None, target: str, fstype: str | None, flags: int, data: str | None = None) -> None:
    enc = lambda s: None if s is None else s.encode()  # noqa: E731
    _check(
        _lib().mount(enc(source), enc(target), enc(fstype), ctypes.c_ulong(flags), enc(data)),
        f"mount {target}",
    )


def prctl(option: int, arg: int) -> None:
    _check(_lib().prctl(option, ctypes.c_ulong(arg), 0, 0, 0), "prctl")


def die_with_parent(parent_pid: int) -> None:
    """(Re-)arm PR_SET_PDEATHSIG: the kernel clears it whenever credentials change, so it must be
    set again after dropping privileges, or a kill -9 of the supervisor leaves this process
    behind. Exits at once when the parent already died (the race the man page warns about)."""
    try:
        prctl(PR_SET_PDEATHSIG, 9)
    except OSError:
        return
    if os.getppid() != parent_pid:
        os._exit(1)


def _is_under(path: str, parent: str) -> bool:
    path, parent = os.path.realpath(path), os.path.realpath(parent)
    return path == parent or path.startswith(parent.rstrip("/") + "/")


def untraversable_ancestors(paths: list[str]) -> list[str]:
    """The outermost ancestor of each path that other users cannot traverse (no o+x), e.g. a
    0700 checkout directory above the virtualenv. Hiding it under a 0755 tmpfs and binding the
    path back makes the path reachable for the unprivileged job user, and nothing else of it."""
    found: list[str] = []
    for path in paths:
        if not path:
            continue
        current = "/"
        for part in os.path.realpath(path).strip("/").split("/")[:-1]:
            current = os.path.join(current, part)
            try:
                mode = os.stat(current).st_mode
            except OSError:
                break
            if not mode & 0o001:
                found.append(current)
                break
    return sorted(set(found))


def confine_filesystem(hide: list[str], expose: list[str], *, new_net: bool) -> dict:
    """New mount (+ network) namespace; hide directories, re-expose chosen sub-paths.

    Must run as root, single-threaded. ``hide`` directories get an empty tmpfs mounted on
    top (their content becomes invisible, also to root inside the namespace); each
    ``expose`` path lying under a hidden directory is bind-mounted back at its own path.
    Returns a report of what was done.
    """
    unshare(CLONE_NEWNS | (CLONE_NEWNET if new_net else 0))
    mount(None, "/", None, MS_REC | MS_PRIVATE)
    hide_files = [os.path.realpath(h) for h in hide if h and os.path.isfile(h)]
    hide = [os.path.realpath(h) for h in hide if h and os.path.isdir(h)]
    # outermost first, drop nested duplicates
    hide = sorted(set(hide), key=len)
    hide = [h for i, h in enumerate(hide) if not any(_is_under(h, o) for o in hide[:i])]
    expose = [os.path.realpath(e) for e in expose if e and os.path.exists(e)]
    keep_fds: dict[str, int] = {}
    for e in expose:
        if any(_is_under(e, h) for h in hide):
            keep_fds[e] = os.open(e, os.O_PATH)
    for h in hide:
        mount("tmpfs", h, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755,size=1m")
    for f in hide_files:  # a hidden file reads as empty (/dev/null bound over it)
        if not any(_is_under(f, h) for h in hide):
            mount("/dev/null", f, None, MS_BIND)
    for e in sorted(keep_fds, key=len):
        fd = keep_fds[e]
        if os.path.isdir(f"/proc/self/fd/{fd}"):
            os.makedirs(e, exist_ok=True)
        else:
            os.makedirs(os.path.dirname(e), exist_ok=True)
            if not os.path.exists(e):
                open(e, "w").close()
        mount(f"/proc/self/fd/{fd}", e, None, MS_BIND | MS_REC)
        os.close(fd)
    return {"hidden": hide + hide_files, "exposed": sorted(keep_fds), "netns": new_net}


def drop_privileges(uid: int, gid: int) -> None:
    os.setgroups([])
    os.setgid(gid)
    os.setuid(uid)
    if os.getuid() != uid or os.geteuid() != uid:
        raise OSError("privilege drop failed")
    try:
        os.setuid(0)
    except PermissionError:
        pass
    else:  # pragma: no cover - would mean the drop is reversible
        raise OSError("privilege drop is reversible")
    prctl(PR_SET_NO_NEW_PRIVS, 1)


def apply_rlimits(limits: dict[str, int]) -> dict[str, int]:
    applied = {}
    for name, value in limits.items():
        res = getattr(resource, name, None)
        if res is None or value is None:
            continue
        soft, hard = resource.getrlimit(res)
        v = int(value)
        if hard != resource.RLIM_INFINITY:
            v = min(v, hard)
        try:
            resource.setrlimit(res, (v, v))
            applied[name] = v
        except (ValueError, OSError):
            pass
    return applied


def _emit(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--spec", required=True, help="JSON worker spec (no secrets)")
    args = ap.parse_args(argv)
    spec = json.loads(args.spec)
    t0 = time.monotonic()
    job_dir = spec["job_dir"]
    isolation: dict = {"uid": os.getuid()}
    supervisor = int(spec.get("parent_pid") or os.getppid())
    die_with_parent(supervisor)  # die with the supervisor (exits when it died before this line)
    if spec.get("nice"):
        os.nice(int(spec["nice"]))  # warm up in the background; the supervisor renices at dispatch
    if os.getuid() == 0 and spec.get("uid") is not None:
        if spec.get("namespaces", True):
            isolation.update(confine_filesystem(spec.get("hide", []), spec.get("expose", []), new_net=True))
        os.chdir(job_dir)
        isolation["rlimits"] = apply_rlimits(spec.get("rlimits", {}))
        drop_privileges(int(spec["uid"]), int(spec["gid"]))
        die_with_parent(supervisor)  # the uid change cleared it
        isolation["uid"] = os.getuid()
    else:
        os.chdir(job_dir)
        isolation["rlimits"] = apply_rlimits(spec.get("rlimits", {}))
    os.umask(0o022)

    # Heavy imports only after the drop: nothing below runs with privileges.
    # pyspark.sql.functions & co. dispatch to Spark Connect only when this is set
    os.environ["SPARK_CONNECT_MODE_ENABLED"] = "1"
    from codeinterp_spark_supervisor import runner
    from codeinterp_spark_supervisor.adapters.spark_connect import connect_session

    deadline = time.monotonic() + float(spec.get("warm_timeout_s", 300))
    while not os.path.exists(spec["socket"]) and time.monotonic() < deadline:
        time.sleep(0.05)  # the socket appears once the JVM listens
    spark = connect_session(spec["socket"], session_id=spec["session_id"], user_id=spec["user_id"])
    while True:  # the first workers may start before the server is ready
        try:
            spark.sql("SELECT 1").collect()
            break
        except Exception as exc:  # noqa: BLE001
            if time.monotonic() > deadline:
                _emit("FAILED " + json.dumps({"error": f"warm-up failed: {exc}"[:500]}))
                return 3
            time.sleep(0.25)
    _emit("READY " + json.dumps({"startup_s": round(time.monotonic() - t0, 3), "isolation": isolation}))
    cmd = sys.stdin.readline().strip()
    if cmd != "RUN":  # told to retire (or the supervisor went away)
        try:
            spark.stop()
        except Exception:  # noqa: BLE001
            pass
        return 0
    try:
        runner.run_job_dir(Path(job_dir), spark, engine="spark-connect", tee=True)
    finally:
        # No spark.stop() here: the supervisor releases the server-side session (temp views,
        # cache) once it has read the outcome, off the request path. Releasing it here held
        # every answer until the release RPC returned (~0.1 s of a ~0.1 s trivial job).
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(0)  # the process is discarded: skip interpreter teardown (~0.2 s)


if __name__ == "__main__":
    sys.exit(main())
