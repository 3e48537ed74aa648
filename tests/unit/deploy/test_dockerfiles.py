"""Static checks of the container images (issue 6, part 1). No Docker engine is needed.

* every COPY/ADD source (outside `--from=` stages) exists in the build context (the repo root) and is
  not excluded by .dockerignore;
* every base image is pinned by an explicit, non-`latest` tag;
* the final stage runs as a non-root user, and there is no HEALTHCHECK (Kubernetes probes do it);
* each image installs exactly its service's dependency set: the Dockerfile resolves the right workspace
  package from uv.lock with --frozen and without the dev group, copies the workspace members that set
  needs (and no other service), and — where uv is available — a dry run of the same uv command in a
  context rebuilt from the Dockerfile's COPY lines installs exactly the packages of the service's
  pyproject.toml dependency closure.
"""

from __future__ import annotations

import fnmatch
import os
import re
import shutil
import subprocess
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]


@dataclass(frozen=True)
class Image:
    dockerfile: str
    package: str  # workspace distribution whose dependency set the image carries
    service_dir: str
    entry: str  # module run by ENTRYPOINT, or the Lambda handler


IMAGES = [
    Image("services/gateway/Dockerfile", "codeinterp-gateway", "services/gateway", "codeinterp_gateway"),
    Image("services/codegen/Dockerfile", "codeinterp-codegen", "services/codegen", "codeinterp_codegen"),
    Image(
        "services/spark-supervisor/Dockerfile",
        "codeinterp-spark-supervisor",
        "services/spark-supervisor",
        "codeinterp_spark_supervisor",
    ),
    Image(
        "services/ray-supervisor/Dockerfile",
        "codeinterp-ray-supervisor",
        "services/ray-supervisor",
        "codeinterp_ray_supervisor",
    ),
    Image(
        "deploy/docker/ray.Dockerfile",
        "codeinterp-ray-supervisor",
        "services/ray-supervisor",
        "codeinterp_ray_supervisor",
    ),
    Image(
        "deploy/docker/lambda.Dockerfile",
        "codeinterp-spark-supervisor",
        "services/spark-supervisor",
        "codeinterp_spark_supervisor.lambda_handler.handler",
    ),
]
IDS = [i.dockerfile for i in IMAGES]
SERVICE_DIRS = {
    "services/gateway",
    "services/codegen",
    "services/spark-supervisor",
    "services/ray-supervisor",
}


@dataclass
class Stage:
    base: str
    name: str | None
    instructions: list[tuple[str, str]] = field(default_factory=list)


def parse(path: Path) -> list[Stage]:
    """Dockerfile → stages of (INSTRUCTION, arguments), with continuation lines joined."""
    logical, buf = [], ""
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if not buf and (not line or line.startswith("#")):
            continue
        if line.startswith("#"):
            continue
        if line.endswith("\\"):
            buf += line[:-1] + " "
            continue
        logical.append(buf + line)
        buf = ""
    stages: list[Stage] = []
    for line in logical:
        instr, _, args = line.partition(" ")
        instr = instr.upper()
        if instr == "FROM":
            m = re.match(r"(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?", args, re.I)
            assert m, line
            stages.append(Stage(m.group(1), m.group(2)))
        elif instr != "ARG" or stages:
            stages[-1].instructions.append((instr, args.strip()))
    return stages


def dockerignore_patterns() -> list[str]:
    lines = (REPO / ".dockerignore").read_text().splitlines()
    return [ln.strip() for ln in lines if ln.strip() and not ln.startswith("#")]


def ignored(rel: str, patterns: list[str]) -> bool:
    result = False
    for pat in patterns:
        negate = pat.startswith("!")
        pat = pat.lstrip("!").rstrip("/")
        parts = rel.split("/")
        prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
        hit = any(fnmatch.fnmatch(p, pat) or fnmatch.fnmatch(p, pat.replace("**/", "")) for p in prefixes)
        if hit:
            result = not negate
    return result


def copies(stages: list[Stage]) -> list[tuple[list[str], str]]:
    """(sources, destination) of every COPY/ADD from the build context (not --from=)."""
    out = []
    for stage in stages:
        for instr, args in stage.instructions:
            if instr not in ("COPY", "ADD"):
                continue
            words = args.split()
            if any(w.startswith("--from=") for w in words):
                continue
            words = [w for w in words if not w.startswith("--")]
            out.append((words[:-1], words[-1]))
    return out


def lock_closure(package: str) -> set[str]:
    """Names of all packages `package` needs, per uv.lock (extras followed, markers ignored)."""
    lock = tomllib.loads((REPO / "uv.lock").read_text())
    by_name = {p["name"]: p for p in lock["package"]}
    seen: set[str] = set()
    todo: list[tuple[str, tuple[str, ...]]] = [(package, ())]
    while todo:
        name, extras = todo.pop()
        key = name + "[" + ",".join(extras) + "]"
        if key in seen:
            continue
        seen.add(key)
        pkg = by_name[name]
        deps = list(pkg.get("dependencies", []))
        for extra in extras:
            deps += pkg.get("optional-dependencies", {}).get(extra, [])
        for dep in deps:
            todo.append((dep["name"], tuple(dep.get("extra", []))))
    return {k.split("[")[0] for k in seen}


def normalize(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def direct_deps(service_dir: str) -> set[str]:
    deps = tomllib.loads((REPO / service_dir / "pyproject.toml").read_text())["project"]["dependencies"]
    return {normalize(re.match(r"[A-Za-z0-9_.-]+", d).group(0)) for d in deps}


# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("image", IMAGES, ids=IDS)
def test_copy_sources_exist_and_are_not_dockerignored(image: Image) -> None:
    stages = parse(REPO / image.dockerfile)
    patterns = dockerignore_patterns()
    found = copies(stages)
    assert found, "expected COPY instructions"
    for sources, _dest in found:
        for src in sources:
            assert (REPO / src).exists(), f"COPY source {src} missing in the build context"
            assert not ignored(src.rstrip("/"), patterns), f"COPY source {src} is excluded by .dockerignore"


@pytest.mark.parametrize("image", IMAGES, ids=IDS)
def test_base_images_are_pinned_by_tag(image: Image) -> None:
    stages = parse(REPO / image.dockerfile)
    names = {s.name for s in stages if s.name}
    for stage in stages:
        if stage.base in names:
            continue
        ref = stage.base.split("@")[0]
        tag = ref.rsplit("/", 1)[-1].partition(":")[2]
        assert tag and tag != "latest", f"{stage.base} must be pinned by an explicit tag"
        assert "$" not in stage.base, f"{stage.base}: no ARG-controlled base images"
    for instr, args in (i for s in stages for i in s.instructions):
        if instr == "COPY" and "--from=" in args:
            src = re.search(r"--from=(\S+)", args).group(1)
            if src not in names:
                assert re.search(r":[\w][\w.-]*$", src) and not src.endswith(":latest"), src


@pytest.mark.parametrize("image", IMAGES, ids=IDS)
def test_runs_as_non_root_without_healthcheck(image: Image) -> None:
    stages = parse(REPO / image.dockerfile)
    final = stages[-1]
    users = [args for instr, args in final.instructions if instr == "USER"]
    assert users, "final stage must set USER"
    user = users[-1].split(":")[0]
    assert user not in ("root", "0"), f"USER {users[-1]} is root"
    all_instr = [instr for s in stages for instr, _ in s.instructions]
    assert "HEALTHCHECK" not in all_instr
    text = (REPO / image.dockerfile).read_text()
    assert image.entry in text, f"entry point {image.entry} not referenced"
    assert len(stages) >= 2, "multi-stage build expected"


@pytest.mark.parametrize(
    "image",
    [i for i in IMAGES if i.dockerfile.startswith("services/")],
    ids=[i.dockerfile for i in IMAGES if i.dockerfile.startswith("services/")],
)
def test_service_images_are_slim_and_read_only_friendly(image: Image) -> None:
    stages = parse(REPO / image.dockerfile)
    assert all("slim" in s.base for s in stages if s.base.startswith("python:"))
    final = stages[-1]
    env = " ".join(args for instr, args in final.instructions if instr == "ENV")
    assert "HOME=/tmp" in env and "PYTHONDONTWRITEBYTECODE=1" in env
    user = [args for instr, args in final.instructions if instr == "USER"][-1]
    assert user.split(":")[0] == "10001", "UID must match the chart's runAsUser default"
    # Only the venv reaches the runtime stage: no source tree, no build tools.
    assert [a for i, a in final.instructions if i == "COPY"] == ["--from=builder /opt/venv /opt/venv"]


@pytest.mark.parametrize("image", IMAGES, ids=IDS)
def test_dependency_set_matches_the_service_pyproject(image: Image) -> None:
    stages = parse(REPO / image.dockerfile)
    runs = " ".join(args for s in stages for instr, args in s.instructions if instr == "RUN")
    uv_cmds = re.findall(r"uv (?:sync|export)[^&;]*", runs)
    assert uv_cmds, "the image must install from uv.lock with uv sync/export"
    for cmd in uv_cmds:
        assert f"--package {image.package}" in cmd, cmd
        assert "--frozen" in cmd and "--no-dev" in cmd, cmd
    # Copies exactly the workspace members of its dependency closure (and no other service).
    sources = {src.rstrip("/") for srcs, _ in copies(stages) for src in srcs}
    assert {"uv.lock", "pyproject.toml"} <= sources
    closure = lock_closure(image.package)
    members = {
        "codeinterp-protos": "protos/gen/python",
        "codeinterp-common": "services/common",
        image.package: image.service_dir,
    }
    assert {m for m in members if m in closure} == set(members)
    assert set(members.values()) <= sources
    assert not (sources & (SERVICE_DIRS - {image.service_dir})), "copies another service"
    # The lock closure contains every direct dependency of pyproject.toml ...
    assert direct_deps(image.service_dir) <= {normalize(n) for n in closure}
    # ... and none of the other services' heavy, exclusive dependencies.
    heavy = {"pyspark", "ray", "kubernetes", "uvicorn", "httpx", "boto3"}
    assert {normalize(n) for n in closure} & heavy == direct_deps(image.service_dir) & heavy


@pytest.mark.parametrize("image", IMAGES, ids=IDS)
def test_uv_dry_run_in_the_docker_context_installs_exactly_the_closure(image: Image, tmp_path: Path) -> None:
    """Rebuild the build context from the COPY lines and run the Dockerfile's uv resolution offline."""
    uv = shutil.which("uv")
    if uv is None:
        pytest.skip(
            "uv not on PATH: the dry-run resolution check needs it (the static checks above still ran)"
        )
    stages = parse(REPO / image.dockerfile)
    builder = next(s for s in stages if any(i == "COPY" and "--from=" not in a for i, a in s.instructions))
    for sources, _dest in copies([builder]):
        for src in sources:
            target = tmp_path / src
            target.parent.mkdir(parents=True, exist_ok=True)
            if (REPO / src).is_dir():
                shutil.copytree(REPO / src, target, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
            else:
                shutil.copy2(REPO / src, target)
    env = {
        **os.environ,
        "UV_PROJECT_ENVIRONMENT": str(tmp_path / "venv"),
        "UV_OFFLINE": "1",
        "UV_PYTHON_DOWNLOADS": "never",
        "UV_NO_CONFIG": "1",
    }
    env.pop("VIRTUAL_ENV", None)
    proc = subprocess.run(
        [
            uv,
            "export",
            "--frozen",
            "--no-dev",
            "--package",
            image.package,
            "--no-hashes",
            "--no-annotate",
            "--no-header",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    exported = set()
    for line in proc.stdout.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("-e ") or line.startswith("./") or line.startswith("."):
            exported.add(normalize(Path(line.removeprefix("-e ").split(";")[0].strip()).name))
            continue
        exported.add(normalize(re.match(r"[A-Za-z0-9_.-]+", line).group(0)))
    expected = {normalize(n) for n in lock_closure(image.package)}
    member_dirs = {
        "python": "codeinterp-protos",
        "common": "codeinterp-common",
        Path(image.service_dir).name: image.package,
    }
    exported = {normalize(member_dirs.get(n, n)) for n in exported}
    assert exported <= expected
    assert direct_deps(image.service_dir) <= exported
    missing = expected - exported
    assert not missing, f"lock closure packages not exported: {sorted(missing)}"
