"""The chart's auth wiring: anonymous access off by default, every CODEINTERP_AUTH_*/QUOTA_*
variable it renders is a real gateway setting, the API-key Secret is mounted read-only where
CODEINTERP_AUTH_API_KEYS_FILE points, and the backends get the service token."""

from __future__ import annotations

import dataclasses
import os
import subprocess
from pathlib import Path

import pytest
import yaml

from codeinterp_common.config import env_name
from codeinterp_gateway.config import GatewaySettings

REPO = Path(__file__).resolve().parents[3]
CHART = REPO / "deploy" / "helm" / "codeinterp"
HELM = Path(os.environ.get("TOOLS_DIR", REPO / ".tools")) / "bin" / "helm"


def _render(tmp_path: Path, values: str) -> list[dict]:
    if not HELM.is_file():
        pytest.skip("helm is installed by `make setup` (scripts/install_tools.sh)")
    xdg = {k: str(tmp_path / k) for k in ("XDG_CACHE_HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME")}
    proc = subprocess.run(
        [
            str(HELM),
            "template",
            "ci",
            str(CHART),
            "--api-versions",
            "ray.io/v1",
            "-f",
            str(CHART / "ci" / values),
        ],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, **xdg},
    )
    assert proc.returncode == 0, proc.stderr
    return [d for d in yaml.safe_load_all(proc.stdout) if d]


def _container(docs: list[dict], component: str) -> tuple[dict, dict]:
    for d in docs:
        if d["kind"] == "Deployment" and d["metadata"]["labels"]["app.kubernetes.io/component"] == component:
            spec = d["spec"]["template"]["spec"]
            return spec, spec["containers"][0]
    raise AssertionError(f"no {component} Deployment")


def test_default_chart_disables_anonymous_access(tmp_path):
    _, gw = _container(_render(tmp_path, "default-values.yaml"), "gateway")
    env = {e["name"]: e.get("value") for e in gw["env"]}
    assert env["CODEINTERP_AUTH_ANONYMOUS"] == "false"
    assert GatewaySettings().auth_anonymous is True  # only the embedded default (make run) allows it


def test_auth_values_render_real_settings_and_mount_the_key_file(tmp_path):
    docs = _render(tmp_path, "ha-values.yaml")
    spec, gw = _container(docs, "gateway")
    env = {e["name"]: e.get("value") for e in gw["env"]}
    known = {env_name(f) for f in dataclasses.fields(GatewaySettings)}
    rendered = {n for n in env if n.startswith(("CODEINTERP_AUTH_", "CODEINTERP_QUOTA_"))}
    assert rendered and rendered <= known, rendered - known
    mount = next(m for m in gw["volumeMounts"] if m["name"] == "api-keys")
    assert mount["readOnly"] is True
    assert env["CODEINTERP_AUTH_API_KEYS_FILE"].startswith(mount["mountPath"] + "/")
    volume = next(v for v in spec["volumes"] if v["name"] == "api-keys")
    assert volume["secret"]["secretName"] == "codeinterp-api-keys"
    config = next(d for d in docs if d["kind"] == "ConfigMap" and "CODEINTERP_RAY_NAMESPACE" in d.get("data", {}))
    assert config["data"]["CODEINTERP_QUOTA_ACTIVE_JOBS"] == "16"
    from codeinterp_spark_supervisor.config import SparkSupervisorSettings

    assert "CODEINTERP_QUOTA_ACTIVE_JOBS" in {env_name(f) for f in dataclasses.fields(SparkSupervisorSettings)}
    for component in ("gateway", "codegen", "spark-supervisor", "ray-supervisor"):
        _, c = _container(docs, component)
        token = next(e for e in c["env"] if e["name"] == "CODEINTERP_SERVICE_TOKEN")
        assert token["valueFrom"]["secretKeyRef"]["name"] == "codeinterp-service-token"
