#!/usr/bin/env bash
# Offline validation of the Helm chart (conventions.md §3 "Lint and render"):
#   1. helm lint --strict with every ci/*-values.yaml
#   2. helm template with every ci/*-values.yaml (rendered into $RENDER_DIR)
#   3. kubernetes-validate --strict on every rendered object, for the oldest supported and the newest
#      Kubernetes version
#   4. the RayCluster against the KubeRay CRD schema in ../shared/data/kuberay (skipped with a notice
#      where that directory is absent)
#   5. a values file with an unknown key must fail schema validation
# Exits non-zero on the first failure. Needs no cluster and no network once the tools are installed.
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CHART="${CHART:-$REPO_ROOT/deploy/helm/codeinterp}"
TOOLS_DIR="${TOOLS_DIR:-$REPO_ROOT/.tools}"
RENDER_DIR="${RENDER_DIR:-$TOOLS_DIR/rendered}"
PYTHON="${PYTHON:-$REPO_ROOT/.venv/bin/python}"
KUBE_VERSIONS="${KUBE_VERSIONS:-1.30.0 1.37.0}"
KUBERAY_DIR="${KUBERAY_DIR:-$(dirname "$REPO_ROOT")/shared/data/kuberay}"
RELEASE="${RELEASE:-codeinterp}"
NAMESPACE="${NAMESPACE:-codeinterp}"

TOOLS_DIR="$TOOLS_DIR" bash "$REPO_ROOT/scripts/install_tools.sh" >/dev/null
HELM="$TOOLS_DIR/bin/helm"
export XDG_CACHE_HOME="$TOOLS_DIR/xdg/cache" XDG_CONFIG_HOME="$TOOLS_DIR/xdg/config" XDG_DATA_HOME="$TOOLS_DIR/xdg/data"

mkdir -p "$RENDER_DIR"
rm -f "$RENDER_DIR"/*.yaml

shopt -s nullglob
values_files=("$CHART"/ci/*-values.yaml)
[[ ${#values_files[@]} -gt 0 ]] || { echo "helm-check: no ci/*-values.yaml in $CHART" >&2; exit 1; }

for values in "${values_files[@]}"; do
  name="$(basename "$values" -values.yaml)"
  out="$RENDER_DIR/$name.yaml"
  echo "== $name"
  # lint cannot fake API versions, so the KubeRay CRD guard is switched off for lint only.
  "$HELM" lint --strict --quiet "$CHART" -f "$values" --set rayCluster.requireCrd=false
  "$HELM" template "$RELEASE" "$CHART" -n "$NAMESPACE" -f "$values" --api-versions ray.io/v1 >"$out"
  for kv in $KUBE_VERSIONS; do
    # RayCluster has no bundled schema: kubernetes-validate only warns about it (checked below).
    "$REPO_ROOT/.venv/bin/kubernetes-validate" --strict --quiet --no-warn -k "$kv" "$out"
  done
  echo "   lint, template, kubernetes-validate ($KUBE_VERSIONS): ok ($(wc -l <"$out") lines)"
done

echo "== RayCluster vs KubeRay CRD"
"$PYTHON" "$REPO_ROOT/scripts/validate_raycluster.py" "$KUBERAY_DIR" "$RENDER_DIR"/*.yaml

bad="$(mktemp "${TMPDIR:-/tmp}/codeinterp-bad-values.XXXXXX.yaml")"
trap 'rm -f "$bad"' EXIT
printf 'gateway:\n  replicaz: 2\n' >"$bad"
if "$HELM" template "$RELEASE" "$CHART" -f "$bad" --api-versions ray.io/v1 >/dev/null 2>&1; then
  echo "helm-check: a values file with an unknown key was accepted; values.schema.json is not strict" >&2
  exit 1
fi
echo "== unknown values key rejected by values.schema.json: ok"
echo "helm-check: all checks passed (rendered manifests in $RENDER_DIR)"
