"""Lifecycle of the one long-lived Spark Connect server of the embedded default.

Topology (when the supervisor runs as root; see :class:`ConnectServer`)::

    supervisor (root) ──Popen──► launcher (this module's ``--serve`` mode)
                                   │ unshare(mount+net namespace), lo up, /root & data dirs hidden
                                   ├─ fork ─► JVM (spark-submit SparkConnectServer, local[N]) as the
                                   │          engine user, listening on 127.0.0.1:<port> *inside* the
                                   │          private network namespace: it has no route anywhere else
                                   └─ proxy  Unix socket <run_dir>/connect.sock ──► 127.0.0.1:<port>

Clients (the supervisor's control session and every job worker) reach the server only
through that Unix socket (path-based Unix sockets work across network namespaces). The
JVM - and any Python UDF worker it forks - therefore has no network at all, and the TCP
port is private to the namespace, so it can never clash with another Spark (15002...) on
the host. Without root, the launcher skips the namespaces and the JVM binds a free
loopback port of the host; clients still use the Unix socket.

The supervisor owns exactly one process id (the launcher; it leads its own process group)
and stops it with SIGTERM then SIGKILL on the group.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from codeinterp_spark_supervisor.adapters.worker_main import untraversable_ancestors

CONNECT_CLASS = "org.apache.spark.sql.connect.service.SparkConnectServer"
SOCKET_NAME = "connect.sock"


def spark_home() -> str:
    import pyspark

    return str(Path(pyspark.__file__).resolve().parent)


def java_home() -> str | None:
    if os.environ.get("JAVA_HOME"):
        return os.environ["JAVA_HOME"]
    java = shutil.which("java")
    if not java:
        return None
    return str(Path(java).resolve().parent.parent)


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


# --------------------------------------------------------------------------- client side


def _uds_channel_builder_cls():
    from pyspark.sql.connect.client import ChannelBuilder

    class UDSChannelBuilder(ChannelBuilder):
        """Spark Connect channel over a Unix domain socket (``unix:<path>``)."""

        def __init__(self, path: str, params: dict[str, str]):
            super().__init__(params=params)
            self._path = path

        def toChannel(self):  # noqa: N802 - pyspark API name
            return self._insecure_channel(f"unix:{self._path}")

        @property
        def host(self) -> str:
            return "localhost"

        @property
        def endpoint(self) -> str:
            return f"unix:{self._path}"

    return UDSChannelBuilder


def connect_session(socket_path: str, *, session_id: str | None = None, user_id: str = "codeinterp"):
    """A new Spark Connect session over the server's Unix socket (no RPC is made yet)."""
    from pyspark.sql.connect.session import SparkSession

    params = {"user_id": user_id}
    if session_id:
        params["session_id"] = session_id
    builder = _uds_channel_builder_cls()(socket_path, params)
    return SparkSession.builder.channelBuilder(builder).create()


def interrupt_and_release(socket_path: str, session_id: str, user_id: str, timeout_s: float = 10.0) -> bool:
    """Interrupt every operation of another client's session and release it (trusted side)."""
    done = threading.Event()
    ok = {"v": False}

    def work():
        try:
            s = connect_session(socket_path, session_id=session_id, user_id=user_id)
            try:
                s.interruptAll()
            finally:
                s.client.release_session()
                s.client.close()
            ok["v"] = True
        except Exception:  # noqa: BLE001 - the session may already be gone
            pass
        finally:
            done.set()

    threading.Thread(target=work, daemon=True, name="connect-interrupt").start()
    done.wait(timeout_s)
    return ok["v"]


# --------------------------------------------------------------------------- server side


@dataclass
class ConnectServerConfig:
    root: Path  # server state: logs, warehouse, tmp, run/connect.sock
    master: str = "local[2]"
    driver_memory: str = "2g"
    port: int = 0  # 0 = pick a free port (inside the namespace when isolated)
    engine_user: str | None = None  # run the JVM as this user (supervisor must be root)
    isolate: bool = True  # private mount+network namespace (root only)
    hide: list[str] = field(default_factory=list)  # directories the JVM must not see
    c1_only: bool = False  # -XX:TieredStopAtLevel=1: faster start-up, slower warm queries
    extra_conf: dict[str, str] = field(default_factory=dict)
    session_timeout: str = "15m"

    @property
    def run_dir(self) -> Path:
        return self.root / "run"

    @property
    def socket_path(self) -> Path:
        return self.run_dir / SOCKET_NAME

    @property
    def log_path(self) -> Path:
        return self.root / "connect-server.log"


def _spark_submit_argv(cfg: dict, port: int) -> list[str]:
    root = cfg["root"]
    java_opts = f"-Djava.io.tmpdir={root}/tmp -XX:+UseParallelGC"
    if cfg.get("c1_only"):
        java_opts += " -XX:TieredStopAtLevel=1"
    conf = {
        "spark.connect.grpc.binding.address": "127.0.0.1",
        "spark.connect.grpc.binding.port": str(port),
        "spark.ui.enabled": "false",
        "spark.ui.showConsoleProgress": "false",
        "spark.sql.shuffle.partitions": "4",
        "spark.sql.warehouse.dir": f"{root}/warehouse",
        "spark.local.dir": f"{root}/tmp",
        "spark.driver.host": "127.0.0.1",
        "spark.driver.bindAddress": "127.0.0.1",
        "spark.sql.session.timeZone": "UTC",
        "spark.sql.parquet.outputTimestampType": "TIMESTAMP_MICROS",
        "spark.connect.session.manager.defaultSessionTimeout": cfg.get("session_timeout", "15m"),
        "spark.pyspark.python": sys.executable,
        "spark.driver.extraJavaOptions": java_opts,
    }
    conf.update(cfg.get("extra_conf") or {})
    argv = [
        f"{cfg['spark_home']}/bin/spark-submit",
        "--master",
        cfg["master"],
        "--driver-memory",
        cfg["driver_memory"],
        "--name",
        "codeinterp-connect",
    ]
    for k, v in conf.items():
        argv += ["--conf", f"{k}={v}"]
    argv += ["--class", CONNECT_CLASS, "spark-internal"]
    return argv


def _lo_up() -> None:
    import fcntl
    import struct

    siocsifflags = 0x8914
    iff_up, iff_loopback, iff_running = 0x1, 0x8, 0x40
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        fcntl.ioctl(s, siocsifflags, struct.pack("16sH14x", b"lo", iff_up | iff_loopback | iff_running))


async def _pump(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while True:
            data = await reader.read(256 * 1024)
            if not data:
                break
            writer.write(data)
            await writer.drain()
    except (ConnectionError, OSError):
        pass
    finally:
        try:
            writer.close()
        except Exception:  # noqa: BLE001
            pass


async def _proxy(socket_path: str, port: int, child_pid: int) -> None:
    async def handle(r, w):
        try:
            ur, uw = await asyncio.open_connection("127.0.0.1", port)
        except OSError:
            w.close()
            return
        await asyncio.gather(_pump(r, uw), _pump(ur, w))

    # wait until the JVM listens before exposing the socket: "socket exists" = "server up"
    while True:
        pid, _ = os.waitpid(child_pid, os.WNOHANG)
        if pid:
            return
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                break
        except OSError:
            await asyncio.sleep(0.2)
    tmp = socket_path + ".tmp"
    if os.path.exists(tmp):
        os.unlink(tmp)
    server = await asyncio.start_unix_server(handle, path=tmp, limit=1 << 20)
    os.chmod(tmp, 0o666)
    os.rename(tmp, socket_path)
    while True:
        pid, _ = os.waitpid(child_pid, os.WNOHANG)
        if pid:
            break
        await asyncio.sleep(0.5)
    server.close()


def serve_main(argv: list[str]) -> int:
    """``--serve``: set up namespaces, fork the JVM, proxy its port to the Unix socket."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--serve", required=True, help="JSON config")
    cfg = json.loads(ap.parse_args(argv).serve)
    from codeinterp_spark_supervisor.adapters.worker_main import (
        confine_filesystem,
        die_with_parent,
        drop_privileges,
    )

    supervisor = int(cfg.get("parent_pid") or os.getppid())
    die_with_parent(supervisor)  # exits when the supervisor died before this line
    report: dict = {"isolated": False}
    uid, gid = cfg.get("uid"), cfg.get("gid")
    if os.getuid() == 0 and cfg.get("isolate"):
        report.update(confine_filesystem(cfg.get("hide", []), cfg.get("expose", []), new_net=True))
        _lo_up()
        report["isolated"] = True
    port = cfg.get("port") or free_port()
    if port in (5432, 6379, 3306, 5672, 1883, 4222, 8265, 15002):
        port = free_port()
    report["port"] = port
    print("LAUNCHER " + json.dumps(report), flush=True)
    argv_jvm = _spark_submit_argv(cfg, port)
    launcher = os.getpid()
    pid = os.fork()
    if pid == 0:  # child: the JVM
        try:
            if os.getuid() == 0 and uid is not None:
                drop_privileges(int(uid), int(gid))
            die_with_parent(launcher)  # kept across execve; the JVM dies with the launcher
            os.execve(argv_jvm[0], argv_jvm, cfg["env"])
        except BaseException as exc:  # noqa: BLE001
            print(f"exec of the JVM failed: {exc}", file=sys.stderr, flush=True)
            os._exit(127)
    if os.getuid() == 0 and uid is not None:
        drop_privileges(int(uid), int(gid))
        die_with_parent(supervisor)  # the uid change cleared it

    def _term(signum, frame):
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            pass

    signal.signal(signal.SIGTERM, _term)
    try:
        asyncio.run(_proxy(cfg["socket"], port, pid))
    finally:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    return 0


class ConnectServer:
    """Start/stop the Connect server by its own process id; readiness wait; logs to a file."""

    def __init__(self, cfg: ConnectServerConfig):
        self.cfg = cfg
        self.proc: subprocess.Popen | None = None
        self.started_at: float | None = None
        self.ready_at: float | None = None
        self.launcher_report: dict = {}
        self._log = None

    @property
    def socket_path(self) -> str:
        return str(self.cfg.socket_path)

    @property
    def pid(self) -> int | None:
        return self.proc.pid if self.proc else None

    def _ids(self) -> tuple[int | None, int | None]:
        if os.getuid() != 0 or not self.cfg.engine_user:
            return None, None
        pw = pwd.getpwnam(self.cfg.engine_user)
        return pw.pw_uid, pw.pw_gid

    def start(self) -> None:
        if self.proc is not None:
            return
        cfg = self.cfg
        uid, gid = self._ids()
        for d in (cfg.root, cfg.run_dir, cfg.root / "tmp", cfg.root / "warehouse", cfg.root / "conf"):
            d.mkdir(parents=True, exist_ok=True)
            if uid is not None:
                os.chown(d, uid, gid)
        os.chmod(cfg.run_dir, 0o755)
        if cfg.socket_path.exists():
            cfg.socket_path.unlink()
        env = {
            "PATH": "/usr/local/bin:/usr/bin:/bin",
            "HOME": str(cfg.root),
            "LANG": "C.UTF-8",
            "TMPDIR": str(cfg.root / "tmp"),
            "SPARK_HOME": spark_home(),
            "SPARK_CONF_DIR": str(cfg.root / "conf"),
            "SPARK_LOCAL_IP": "127.0.0.1",
            "SPARK_LOG_DIR": str(cfg.root),
            "PYSPARK_PYTHON": sys.executable,
        }
        if java_home():
            env["JAVA_HOME"] = java_home()
        py_prefix = os.path.realpath(sys.base_prefix)
        expose = [py_prefix, os.path.realpath(sys.prefix), env["SPARK_HOME"], str(cfg.root)]
        launcher_cfg = {
            "parent_pid": os.getpid(),  # the launcher and the JVM die with this process
            "root": str(cfg.root),
            "socket": str(cfg.socket_path),
            "spark_home": env["SPARK_HOME"],
            "master": cfg.master,
            "driver_memory": cfg.driver_memory,
            "port": cfg.port,
            "uid": uid,
            "gid": gid,
            "isolate": cfg.isolate,
            "hide": ["/root", *cfg.hide, *untraversable_ancestors(expose)],
            "expose": expose,
            "c1_only": cfg.c1_only,
            "extra_conf": cfg.extra_conf,
            "session_timeout": cfg.session_timeout,
            "env": env,
        }
        self._log = open(cfg.log_path, "ab", buffering=0)
        launcher_env = {k: env[k] for k in ("PATH", "HOME", "LANG", "TMPDIR")}
        launcher_env["PYTHONPATH"] = os.pathsep.join(p for p in sys.path if p)
        self.started_at = time.monotonic()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", __name__, "--serve", json.dumps(launcher_cfg)],
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            env=launcher_env,
            cwd=str(cfg.root),
            close_fds=True,
            start_new_session=True,
        )

    def wait_ready(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc is None or self.proc.poll() is not None:
                return False
            if self.cfg.socket_path.exists():
                if self.ready_at is None:
                    self.ready_at = time.monotonic()
                return True
            time.sleep(0.1)
        return False

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def log_tail(self, n: int = 4000) -> str:
        try:
            data = self.cfg.log_path.read_bytes()
        except OSError:
            return ""
        return data[-n:].decode("utf-8", "replace")

    def stop(self, timeout: float = 15.0) -> None:
        proc, self.proc = self.proc, None
        if proc is None:
            return
        if proc.poll() is None:
            try:
                os.killpg(proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                proc.wait(timeout)
            except subprocess.TimeoutExpired:
                try:
                    os.killpg(proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                proc.wait(5)
        # the JVM is in the launcher's process group; make sure nothing of it survives
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        if self._log:
            self._log.close()
            self._log = None
        try:
            self.cfg.socket_path.unlink()
        except OSError:
            pass


if __name__ == "__main__":
    sys.exit(serve_main(sys.argv[1:]))
