# syntax=docker/dockerfile:1
# Ray head/worker image: the official Ray image at the Ray version the project pins (ray==2.60.0 in
# services/ray-supervisor/pyproject.toml; rayCluster.rayVersion in the Helm chart) plus the project's
# Ray runner (codeinterp_ray_supervisor.runner) and its dependencies. Build from the repository root:
#   docker build -f deploy/docker/ray.Dockerfile -t codeinterp-ray:$(TAG) .
# No HEALTHCHECK: KubeRay injects the Ray probes.

FROM ghcr.io/astral-sh/uv:0.13.9 AS uv

# Builder: export the exact (hashed) dependency set of codeinterp-ray-supervisor from uv.lock and
# build the three workspace members as wheels.
FROM python:3.11-slim-bookworm AS builder
COPY --from=uv /uv /usr/local/bin/uv
ENV UV_PYTHON_DOWNLOADS=never UV_PYTHON=/usr/local/bin/python3.11
WORKDIR /src
COPY pyproject.toml uv.lock ./
COPY protos/gen/python protos/gen/python
COPY services/common services/common
COPY services/ray-supervisor services/ray-supervisor
RUN uv export --frozen --no-dev --no-emit-workspace --package codeinterp-ray-supervisor -o /dist/requirements.txt \
 && uv build --wheel --out-dir /dist/wheels protos/gen/python \
 && uv build --wheel --out-dir /dist/wheels services/common \
 && uv build --wheel --out-dir /dist/wheels services/ray-supervisor

FROM rayproject/ray:2.60.0-py311 AS runtime
# The base image's conda Python is owned by the `ray` user (uid 1000, gid 100).
USER 1000:100
COPY --from=builder --chown=1000:100 /dist /tmp/dist
# ray==2.60.0 is already installed and satisfies the pin; everything else comes hash-checked from uv.lock.
RUN pip install --no-cache-dir --require-hashes -r /tmp/dist/requirements.txt \
 && pip install --no-cache-dir --no-deps /tmp/dist/wheels/*.whl \
 && python -c "import ray, codeinterp_ray_supervisor; assert ray.__version__ == '2.60.0', ray.__version__" \
 && rm -rf /tmp/dist
# Read-only root filesystem friendly: Ray's session dir and caches go to /tmp (an emptyDir).
ENV PYTHONDONTWRITEBYTECODE=1 \
    XDG_CACHE_HOME=/tmp/.cache
USER 1000:100
