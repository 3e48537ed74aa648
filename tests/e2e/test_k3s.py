"""End-to-end: the Helm chart on a real k3s cluster (issue 6, part 4). Run with `make e2e`.

Flow: start k3s in Docker (testcontainers K3sContainer) → build the service and Ray images → import
them into k3s's containerd → install the KubeRay CRD (../shared/data/kuberay) → `helm install --wait`
→ `helm test` → ask one question through the gateway's REST API.

Skipped with a clear reason where no Docker engine answers or testcontainers is not installed (as on
the project's build machines, which reach only the PyPI, Debian and npm registries).
Set KUBERAY_OPERATOR_CHART to a local kuberay-operator chart (.tgz or directory) to also install the
operator into ray-system, so the RayCluster actually starts.
"""

from __future__ import annotations

import io
import json
import os
import socket
import subprocess
import tarfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
CHART = REPO / "deploy" / "helm" / "codeinterp"
KUBERAY_CRD = REPO.parent / "shared" / "data" / "kuberay" / "ray.io_rayclusters.yaml"
TOOLS = REPO / ".tools" / "bin"
K3S_IMAGE = os.environ.get("K3S_IMAGE", "rancher/k3s:v1.33.5-k3s1")
TAG = "e2e"
IMAGES = {
    "codeinterp-gateway": "services/gateway/Dockerfile",
    "codeinterp-codegen": "services/codegen/Dockerfile",
    "codeinterp-spark-supervisor": "services/spark-supervisor/Dockerfile",
    "codeinterp-ray-supervisor": "services/ray-supervisor/Dockerfile",
    "codeinterp-ray": "deploy/docker/ray.Dockerfile",
}


def _docker_reason() -> str | None:
    try:
        import docker  # noqa: PLC0415
    except ImportError:
        return "docker SDK not installed"
    try:
        docker.from_env(timeout=3).ping()
    except Exception as exc:  # noqa: BLE001 - any failure means "no engine"
        return f"no Docker engine answers ({type(exc).__name__}); k3s e2e needs Docker"
    return None


def _testcontainers_reason() -> str | None:
    try:
        import testcontainers.k3s  # noqa: F401, PLC0415
    except ImportError:
        return "testcontainers not installed (pip install 'testcontainers[k3s]')"
    return None


SKIP_REASON = _testcontainers_reason() or _docker_reason()
pytestmark = [pytest.mark.e2e, pytest.mark.skipif(SKIP_REASON is not None, reason=SKIP_REASON or "")]


def _run(*cmd: str, env: dict[str, str], timeout: int = 900) -> str:
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=timeout)
    assert proc.returncode == 0, f"{' '.join(cmd)}\n{proc.stdout}\n{proc.stderr}"
    return proc.stdout


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    import docker  # noqa: PLC0415
    from testcontainers.k3s import K3SContainer  # noqa: PLC0415

    subprocess.run(["bash", str(REPO / "scripts" / "install_tools.sh")], check=True)
    client = docker.from_env()
    for repo, dockerfile in IMAGES.items():
        client.images.build(path=str(REPO), dockerfile=dockerfile, tag=f"{repo}:{TAG}", rm=True)

    work = tmp_path_factory.mktemp("k3s")
    with K3SContainer(image=K3S_IMAGE) as k3s:
        container = k3s.get_wrapped_container()
        for repo in IMAGES:  # docker save → containerd import (no registry needed)
            blob = b"".join(client.images.get(f"{repo}:{TAG}").save(named=True))
            buf = io.BytesIO()
            with tarfile.open(fileobj=buf, mode="w") as tar:
                info = tarfile.TarInfo(f"{repo}.tar")
                info.size = len(blob)
                tar.addfile(info, io.BytesIO(blob))
            container.put_archive("/tmp", buf.getvalue())
            code, out = container.exec_run(["ctr", "-n", "k8s.io", "images", "import", f"/tmp/{repo}.tar"])
            assert code == 0, out
        kubeconfig = work / "kubeconfig"
        kubeconfig.write_text(k3s.config_yaml())
        env = {
            **os.environ,
            "KUBECONFIG": str(kubeconfig),
            "XDG_CACHE_HOME": str(work / "xdg-cache"),
            "XDG_CONFIG_HOME": str(work / "xdg-config"),
            "XDG_DATA_HOME": str(work / "xdg-data"),
        }
        yield env


def test_chart_installs_passes_helm_test_and_answers_a_question(cluster: dict[str, str]) -> None:
    env = cluster
    kubectl, helm = str(TOOLS / "kubectl"), str(TOOLS / "helm")
    if not KUBERAY_CRD.is_file():
        pytest.skip(f"KubeRay CRD not found at {KUBERAY_CRD}")
    _run(kubectl, "apply", "--server-side", "-f", str(KUBERAY_CRD), env=env)
    _run(kubectl, "wait", "--for=condition=Established", "crd/rayclusters.ray.io", "--timeout=60s", env=env)
    operator_chart = os.environ.get("KUBERAY_OPERATOR_CHART")
    if operator_chart:
        _run(
            helm,
            "install",
            "kuberay-operator",
            operator_chart,
            "-n",
            "ray-system",
            "--create-namespace",
            "--skip-crds",
            "--wait",
            env=env,
        )

    _run(kubectl, "create", "namespace", "codeinterp", env=env)
    _run(
        kubectl, "label", "namespace", "codeinterp", "pod-security.kubernetes.io/enforce=restricted", env=env
    )
    _run(
        helm,
        "install",
        "ci",
        str(CHART),
        "-n",
        "codeinterp",
        "--wait",
        "--timeout",
        "15m",
        "--set",
        f"image.tag={TAG}",
        "--set",
        "image.pullPolicy=Never",
        # Without an operator the RayCluster never gets pods; the supervisors still start.
        "--set",
        f"rayCluster.enabled={'true' if operator_chart else 'false'}",
        *([] if operator_chart else ["--set", "externalRay.address=http://ray-absent:8265"]),
        env=env,
    )
    _run(helm, "test", "ci", "-n", "codeinterp", "--timeout", "5m", env=env)

    port = _free_port()
    forward = subprocess.Popen(
        [kubectl, "-n", "codeinterp", "port-forward", "svc/ci-codeinterp-gateway", f"{port}:8080"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:
                    assert r.status == 200
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.5)
        body = json.dumps(
            {"prompt": "How many rows are in the sample table?", "provider": "offline"}
        ).encode()
        req = urllib.request.Request(
            f"http://127.0.0.1:{port}/v1/ask",
            data=body,
            method="POST",
            headers={"Content-Type": "application/json", "Accept": "application/x-ndjson"},
        )
        with urllib.request.urlopen(req, timeout=300) as resp:
            assert resp.status == 200
            events = [json.loads(line) for line in resp.read().decode().splitlines() if line.strip()]
        assert events, "no events streamed"
        assert "error" not in events[-1], events[-1]
    finally:
        forward.terminate()
        forward.wait(timeout=10)
