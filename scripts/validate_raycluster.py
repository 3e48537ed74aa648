"""Validate rendered RayCluster objects against the KubeRay CRD's v1 openAPIV3Schema.

kubernetes-validate has no schema for custom resources, so the KubeRay CRD (kept outside the repo in
../shared/data/kuberay, see its README) is used directly. The check is strict: unknown fields are
rejected wherever the CRD does not say `x-kubernetes-preserve-unknown-fields`, as the API server does
with `--validate=strict` (it would otherwise prune them silently).

Usage: python scripts/validate_raycluster.py <kuberay-dir> <rendered.yaml>...
Exit codes: 0 valid (or CRD absent: prints SKIPPED), 1 invalid.
"""

from __future__ import annotations

import copy
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import jsonschema
import yaml

CRD_FILE = "ray.io_rayclusters.yaml"


def load_schema(kuberay_dir: Path) -> dict[str, Any] | None:
    """The strict v1 schema, or None when the CRD file is absent."""
    crd_path = kuberay_dir / CRD_FILE
    if not crd_path.is_file():
        return None
    crd = yaml.safe_load(crd_path.read_text())
    version = next(v for v in crd["spec"]["versions"] if v["name"] == "v1")
    return strict(version["schema"]["openAPIV3Schema"])


def strict(schema: dict[str, Any]) -> dict[str, Any]:
    """Copy of a structural schema with additionalProperties: false on every closed object."""
    schema = copy.deepcopy(schema)

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            props = node.get("properties")
            if (
                isinstance(props, dict)
                and not node.get("x-kubernetes-preserve-unknown-fields")
                and "additionalProperties" not in node
            ):
                node["additionalProperties"] = False
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(schema)
    return schema


def errors(schema: dict[str, Any], docs: Iterable[dict[str, Any]]) -> list[str]:
    validator = jsonschema.Draft7Validator(schema)
    found = []
    for doc in docs:
        name = doc.get("metadata", {}).get("name", "?")
        for err in sorted(validator.iter_errors(doc), key=lambda e: list(e.absolute_path)):
            path = "/".join(str(p) for p in err.absolute_path) or "<root>"
            found.append(f"RayCluster {name}: {path}: {err.message}")
    return found


def rayclusters(paths: Iterable[Path]) -> list[dict[str, Any]]:
    return [
        doc
        for path in paths
        for doc in yaml.safe_load_all(path.read_text())
        if isinstance(doc, dict) and doc.get("kind") == "RayCluster"
    ]


def main(argv: list[str]) -> int:
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    kuberay_dir = Path(argv[0])
    schema = load_schema(kuberay_dir)
    if schema is None:
        print(f"RayCluster CRD check SKIPPED: {kuberay_dir / CRD_FILE} not found (shared data dir absent)")
        return 0
    docs = rayclusters(Path(p) for p in argv[1:])
    problems = errors(schema, docs)
    for line in problems:
        print("ERROR", line)
    if problems:
        return 1
    print(
        f"RayCluster CRD check: {len(docs)} RayCluster object(s) valid against the KubeRay v1 schema (strict)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
