# syntax=docker/dockerfile:1
# Spark-on-Lambda runner: AWS Lambda Python 3.11 base + Java 17 (Amazon Corretto) + pyspark and the
# rest of the codeinterp-spark-supervisor dependency set from uv.lock (hash-checked). Build from the
# repository root:
#   docker build -f deploy/docker/lambda.Dockerfile -t codeinterp-spark-lambda:$(TAG) .
# Handler: codeinterp_spark_supervisor.lambda_handler.handler (payload in its module docstring).
# Lambda allows writes only to /tmp: Spark's local dir, the Ivy cache, the warehouse and the staged
# inputs all live there (CODEINTERP_LAMBDA_TMP_DIR). Suggested function settings: 10240 MB memory
# (6 vCPUs), 900 s timeout, 10240 MB ephemeral storage; the supervisor's Lambda read timeout must be
# above the function timeout (LambdaEngine adds 30 s).

# Must equal the pyspark pin in services/spark-supervisor/pyproject.toml (checked by
# tests/unit/spark_supervisor/test_lambda_dockerfile.py and against uv.lock during the build).
ARG PYSPARK_VERSION=4.3.0

FROM ghcr.io/astral-sh/uv:0.13.9 AS uv

# Builder on the same base (same glibc/Python) so built wheels (pyspark from its sdist) match.
FROM public.ecr.aws/lambda/python:3.11 AS builder
ARG PYSPARK_VERSION
COPY --from=uv /uv /usr/local/bin/uv
ENV UV_PYTHON_DOWNLOADS=never UV_PYTHON=/var/lang/bin/python3.11
WORKDIR /src
COPY pyproject.toml uv.lock ./
COPY protos/gen/python protos/gen/python
COPY services/common services/common
COPY services/spark-supervisor services/spark-supervisor
RUN uv export --frozen --no-dev --no-emit-workspace --package codeinterp-spark-supervisor -o /dist/requirements.txt \
 && grep -Eq "^pyspark(\[[a-z,]+\])?==${PYSPARK_VERSION}( |$)" /dist/requirements.txt \
 && uv build --wheel --out-dir /dist/wheels protos/gen/python \
 && uv build --wheel --out-dir /dist/wheels services/common \
 && uv build --wheel --out-dir /dist/wheels services/spark-supervisor \
 && uv pip install --no-deps --require-hashes --target /dist/task -r /dist/requirements.txt \
 && uv pip install --no-deps --target /dist/task /dist/wheels/*.whl

FROM public.ecr.aws/lambda/python:3.11 AS runtime
# The python3.11 base image is Amazon Linux 2, whose package manager is yum (dnf arrives with the
# Amazon Linux 2023 bases, python3.12+). Amazon Corretto 17 is in the amzn2-core repository.
RUN yum install -y java-17-amazon-corretto-headless \
 && yum clean all \
 && rm -rf /var/cache/yum
COPY --from=builder /dist/task ${LAMBDA_TASK_ROOT}
ENV JAVA_HOME=/usr/lib/jvm/java-17-amazon-corretto \
    HOME=/tmp \
    CODEINTERP_LAMBDA_TMP_DIR=/tmp \
    SPARK_LOCAL_DIRS=/tmp/spark-local \
    SPARK_LOCAL_IP=127.0.0.1 \
    PYSPARK_PYTHON=/var/lang/bin/python3.11 \
    PYTHONDONTWRITEBYTECODE=1
# Lambda runs the function as an unprivileged user; say so for local runs (docker run) too.
USER nobody
CMD ["codeinterp_spark_supervisor.lambda_handler.handler"]
