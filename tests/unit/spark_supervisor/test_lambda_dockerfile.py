"""The Lambda image definition cannot be built here (no Docker): check what can be checked
statically - base image, Java 17, the pyspark pin equals the project's, CMD is our handler."""

from __future__ import annotations

import importlib
import json
import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
DOCKERFILE = ROOT / "deploy" / "docker" / "lambda.Dockerfile"


def _instructions() -> list[tuple[str, str]]:
    text = DOCKERFILE.read_text().replace("\\\n", " ")
    out = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            op, _, rest = line.partition(" ")
            out.append((op.upper(), rest.strip()))
    return out


def _project_pyspark() -> str:
    deps = tomllib.loads((ROOT / "services" / "spark-supervisor" / "pyproject.toml").read_text())["project"][
        "dependencies"
    ]
    pins = [m.group(1) for d in deps if (m := re.fullmatch(r"pyspark(?:\[[a-z,]+\])?==([\w.]+)", d))]
    assert len(pins) == 1, deps
    return pins[0]


def test_final_stage_is_the_lambda_python_311_base():
    froms = [rest for op, rest in _instructions() if op == "FROM"]
    assert froms[-1].split()[0] == "public.ecr.aws/lambda/python:3.11"


def test_runtime_installs_java_17_and_sets_java_home():
    ins = _instructions()
    last_from = max(i for i, (op, _) in enumerate(ins) if op == "FROM")
    runtime = ins[last_from:]
    runs = " ".join(rest for op, rest in runtime if op == "RUN")
    assert "java-17-amazon-corretto" in runs
    env = " ".join(rest for op, rest in runtime if op == "ENV")
    assert "JAVA_HOME=/usr/lib/jvm/java-17-amazon-corretto" in env
    assert "SPARK_LOCAL_IP=127.0.0.1" in env and "CODEINTERP_LAMBDA_TMP_DIR=/tmp" in env


def test_pyspark_pin_equals_the_project_and_the_lock():
    args = dict(rest.split("=", 1) for op, rest in _instructions() if op == "ARG" and "=" in rest)
    assert args["PYSPARK_VERSION"] == _project_pyspark()
    lock = tomllib.loads((ROOT / "uv.lock").read_text())
    locked = {p["version"] for p in lock["package"] if p["name"] == "pyspark"}
    assert locked == {args["PYSPARK_VERSION"]}
    # the build refuses a lock that disagrees with the pin
    assert any(
        "grep -Eq" in rest and "${PYSPARK_VERSION}" in rest for op, rest in _instructions() if op == "RUN"
    )


def test_cmd_names_an_importable_handler():
    cmd = [rest for op, rest in _instructions() if op == "CMD"][-1]
    (target,) = json.loads(cmd)
    module, _, attr = target.rpartition(".")
    handler = getattr(importlib.import_module(module), attr)
    assert callable(handler)
    assert handler.__code__.co_varnames[:2] == ("event", "context")
