"""A local Ray head owned by one process (the embedded default, and the test session).

`ray start --head --block` runs from the project's virtualenv (so job entrypoints find the
same Python and `ray`), with every port explicit (6379 and 8265 are often taken on these
machines), its temp dir under our data dir, usage stats off and the dashboard (Jobs API) on
127.0.0.1 only. `--block` keeps the `ray start` process alive as the parent of the head's
processes; Ray makes them share its fate (kernel PDEATHSIG), and we make `ray start` share
ours, so nothing outlives the owner even after a SIGKILL.

Stopping never runs `ray stop` (it scans the whole host by process name and would kill any
other Ray on the machine): we SIGTERM our own `ray start` (its atexit handler stops the
head's processes), wait, then SIGKILL whatever of our recorded descendants is still alive.

Token authentication (Ray 2.52+, on by default for new local clusters in 2.60): the head is
started with RAY_AUTH_MODE=token and a random token we generate into
`<data dir>/ray/auth_token` (mode 0600, RAY_AUTH_TOKEN_PATH). Clients send it as a bearer
header; job drivers inherit it from the head's environment. `auth_mode="disabled"` turns it
off deliberately (RAY_AUTH_MODE=disabled).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import secrets
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from codeinterp_ray_supervisor.adapters._psutil import psutil

log = logging.getLogger(__name__)

_PR_SET_PDEATHSIG = 1
# "session_2026-11-28_07-30-29_863879_32089/sockets/dash_MetricsHead" is 66 bytes; AF_UNIX allows 107.
_MAX_TEMP_DIR_CHARS = 36


# A tiny exec shim instead of `preexec_fn`: running Python between fork and exec in a process
# whose gRPC threads are busy crashes the child (gRPC's fork handlers are skipped). The shim sets
# the parent-death signal in a fresh interpreter, then execs `ray start` (the signal survives exec).
_FATE_SHIM = (
    "import ctypes, os, signal, sys\n"
    "try:\n"
    f"    ctypes.CDLL('libc.so.6', use_errno=True).prctl({_PR_SET_PDEATHSIG}, signal.SIGTERM)\n"
    "except OSError:\n"
    "    pass\n"
    "if os.getppid() == 1:\n"
    "    sys.exit(1)  # the parent died before the signal was armed\n"
    "os.execv(sys.argv[1], sys.argv[1:])\n"
)


def _with_fate_shim(argv: list[str]) -> list[str]:
    return [sys.executable, "-S", "-c", _FATE_SHIM, *argv]


@dataclass(frozen=True)
class HeadConfig:
    base_dir: Path  # holds temp/, auth_token, head.json and head.log
    gcs_port: int = 6380
    dashboard_port: int = 8266
    client_port: int = 6381
    dashboard_agent_port: int = 52366
    num_cpus: int = 0  # 0: detect
    object_store_bytes: int = 2 * 1024**3
    auth_mode: str = "token"  # token | disabled
    python: str = sys.executable  # the venv's interpreter; its bin dir holds `ray`
    fate_share: bool = True  # the head dies with the process that started it
    start_timeout_s: float = 90.0
    extra_env: dict[str, str] = field(default_factory=dict)

    @property
    def address(self) -> str:
        return f"http://127.0.0.1:{self.dashboard_port}"

    @property
    def token_path(self) -> Path:
        return self.base_dir / "auth_token"

    @property
    def temp_dir(self) -> Path:
        """`<base>/temp`, unless that is too long: Ray puts unix sockets under
        `<temp>/session_<date>_<pid>/sockets/dash_<Module>` and AF_UNIX paths stop at 107
        bytes (a long temp dir makes the dashboard fail to start). Then a short directory
        under the system temp dir, named after the base dir, is used instead."""
        preferred = self.base_dir / "temp"
        if len(str(preferred)) <= _MAX_TEMP_DIR_CHARS:
            return preferred
        digest = hashlib.sha1(str(self.base_dir.resolve()).encode()).hexdigest()[:10]
        return Path(tempfile.gettempdir()) / f"ciray-{digest}"


def ensure_token(path: Path) -> str:
    """The head's token, generated once (random, 0600) and reused across restarts."""
    if path.exists():
        token = path.read_text().strip()
        if token:
            return token
    path.parent.mkdir(parents=True, exist_ok=True)
    token = secrets.token_hex(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(token)
    return token


#: Never handed to Ray (the head, its workers and so the jobs' code inherit this environment):
#: our own settings (service token, database URL, …) and cloud credentials.
_PRIVATE_ENV_PREFIXES = ("CODEINTERP_", "AWS_", "RAY_ADDRESS", "RAY_API_SERVER_ADDRESS", "RAY_AUTH_TOKEN")


def scrubbed_environment(auth_mode: str, *, token_path: Path | None = None, token: str = "",
                         python: str = sys.executable) -> dict[str, str]:
    """This process's environment for a Ray process we start (the local head, the pooled
    driver): without our settings and credentials, with the venv first on PATH, and with Ray's
    auth settings (a token file for the local head, the token itself for a remote one)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(_PRIVATE_ENV_PREFIXES)}
    venv_bin = str(Path(python).parent)
    env["PATH"] = venv_bin + os.pathsep + env.get("PATH", "")  # entrypoints find the venv's python and ray
    env["VIRTUAL_ENV"] = str(Path(venv_bin).parent)
    env["RAY_USAGE_STATS_ENABLED"] = "0"
    env.pop("PYTHONPATH", None)
    if auth_mode == "token":
        env["RAY_AUTH_MODE"] = "token"
        if token_path is not None:
            env["RAY_AUTH_TOKEN_PATH"] = str(token_path)
        if token:
            env["RAY_AUTH_TOKEN"] = token
    else:
        env["RAY_AUTH_MODE"] = "disabled"
    return env


def auth_headers(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"} if token else {}


class LocalRayHead:
    def __init__(self, config: HeadConfig) -> None:
        self.config = config
        self.proc: subprocess.Popen | None = None
        self.token = ""
        self._known: dict[int, psutil.Process] = {}

    # -- start ------------------------------------------------------------------------------
    def command(self) -> list[str]:
        c = self.config
        ray_bin = str(Path(c.python).parent / "ray")
        cmd = [
            ray_bin, "start", "--head", "--block",
            f"--port={c.gcs_port}",
            f"--dashboard-port={c.dashboard_port}",
            "--include-dashboard=true",
            "--dashboard-host=127.0.0.1",
            "--node-ip-address=127.0.0.1",
            f"--ray-client-server-port={c.client_port}",
            f"--dashboard-agent-listen-port={c.dashboard_agent_port}",
            f"--object-store-memory={c.object_store_bytes}",
            f"--temp-dir={c.temp_dir}",
            "--disable-usage-stats",
        ]
        if c.num_cpus:
            cmd.append(f"--num-cpus={c.num_cpus}")
        return cmd

    def environment(self) -> dict[str, str]:
        env = scrubbed_environment(self.config.auth_mode, token_path=self.config.token_path,
                                   python=self.config.python)
        env.update(self.config.extra_env)
        return env

    def start(self) -> None:
        """Starts the head and waits until its Jobs API answers. Raises RuntimeError (after
        cleaning up whatever it started) when the head does not come up."""
        self.launch()
        self.wait_ready()

    def launch(self) -> None:
        """Spawns `ray start --block` (fast). Call it from a long-lived thread: the kernel's
        parent-death signal follows the spawning thread, not the process."""
        c = self.config
        c.base_dir.mkdir(parents=True, exist_ok=True)
        self._reap_stale()
        self.token = ensure_token(c.token_path) if c.auth_mode == "token" else ""
        logfile = open(c.base_dir / "head.log", "ab")  # noqa: SIM115 - the child owns it
        try:
            argv = list(self.command())
            self.proc = subprocess.Popen(
                _with_fate_shim(argv) if c.fate_share else argv,
                env=self.environment(),
                stdin=subprocess.DEVNULL,
                stdout=logfile,
                stderr=subprocess.STDOUT,
                cwd=str(c.base_dir),
            )
        finally:
            logfile.close()
        (c.base_dir / "head.json").write_text(
            json.dumps({"pid": self.proc.pid, "create_time": psutil.Process(self.proc.pid).create_time(),
                        "dashboard_port": c.dashboard_port, "gcs_port": c.gcs_port})
        )

    def wait_ready(self) -> None:
        c = self.config
        assert self.proc is not None, "launch() first"
        deadline = time.monotonic() + c.start_timeout_s
        while time.monotonic() < deadline:
            self._remember()
            if self.proc.poll() is not None:
                self.stop()
                raise RuntimeError(f"ray start exited with code {self.proc.returncode}; see {c.base_dir / 'head.log'}")
            if self.ready():
                log.info("local ray head ready", extra={"address": c.address, "pid": self.proc.pid})
                return
            time.sleep(0.5)
        self.stop()
        raise RuntimeError(f"the local Ray head did not answer within {c.start_timeout_s:g} s; see {c.base_dir / 'head.log'}")

    def ready(self) -> bool:
        try:
            req = urllib.request.Request(f"{self.config.address}/api/version", headers=auth_headers(self.token))
            with urllib.request.urlopen(req, timeout=2) as resp:
                return resp.status == 200
        except (urllib.error.URLError, OSError, ValueError):
            return False

    @property
    def pid(self) -> int | None:
        return self.proc.pid if self.proc else None

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    # -- stop -------------------------------------------------------------------------------
    def _remember(self) -> None:
        if self.proc is None:
            return
        with contextlib.suppress(psutil.Error):
            root = psutil.Process(self.proc.pid)
            for p in [root, *root.children(recursive=True)]:
                self._known.setdefault(p.pid, p)

    def stop(self, timeout_s: float = 20.0) -> None:
        """SIGTERM our `ray start` (it stops the head's processes), then SIGKILL any of our
        recorded descendants still alive. Only processes this object started are touched."""
        if self.proc is None:
            return
        self._remember()
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.proc.wait(timeout=timeout_s)
        procs = [p for p in self._known.values() if _same(p)]
        _gone, alive = psutil.wait_procs(procs, timeout=5)
        for p in alive:
            with contextlib.suppress(psutil.Error):
                p.kill()
        psutil.wait_procs(alive, timeout=5)
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(5)
        self._known.clear()
        with contextlib.suppress(FileNotFoundError):
            (self.config.base_dir / "head.json").unlink()

    def _reap_stale(self) -> None:
        """A head recorded by an earlier owner that died without stopping it (fate sharing
        normally prevents this): stop that exact process (pid and start time must match)."""
        state = self.config.base_dir / "head.json"
        if not state.exists():
            return
        with contextlib.suppress(ValueError, OSError, psutil.Error, KeyError):
            info = json.loads(state.read_text())
            p = psutil.Process(int(info["pid"]))
            if abs(p.create_time() - float(info["create_time"])) < 0.01:
                kids = p.children(recursive=True)
                p.terminate()
                _gone, alive = psutil.wait_procs([p, *kids], timeout=15)
                for q in alive:
                    q.kill()
        with contextlib.suppress(FileNotFoundError):
            state.unlink()


def _same(p: psutil.Process) -> bool:
    try:
        return p.is_running()  # also checks the start time: a recycled pid is not ours
    except psutil.Error:
        return False
