# syntax=docker/dockerfile:1
# Spark-on-Lambda runner: AWS Lambda Python 3.11 base + Java 17 + pyspark 4.3.0 and the rest of the
# codeinterp-spark-supervisor dependency set from uv.lock. Build from the repository root:
#   docker build -f deploy/docker/lambda.Dockerfile -t codeinterp-spark-lambda:$(TAG) .
# Handler: codeinterp_spark_supervisor.lambda_handler.handler. Lambda allows writes only to /tmp.

FROM ghcr.io/astral-sh/uv:0.13.9 AS uv

# Builder on the same base (same glibc/Python) so built wheels (pyspark from its sdist) match.
FROM public.ecr.aws/lambda/python:3.11 AS builder
COPY --from=uv /uv /usr/local/bin/uv
ENV UV_PYTHON_DOWNLOADS=never UV_PYTHON=/var/lang/bin/python3.11
WORKDIR /src
COPY pyproject.toml uv.lock ./
COPY protos/gen/python protos/gen/python
COPY services/common services/common
COPY services/spark-supervisor services/spark-supervisor
RUN uv export --frozen --no-dev --no-emit-workspace --package codeinterp-spark-supervisor -o /dist/requirements.txt \
 && uv build --wheel --out-dir /dist/wheels protos/gen/python \
 && uv build --wheel --out-dir /dist/wheels services/common \
 && uv build --wheel --out-dir /dist/wheels services/spark-supervisor \
 && uv pip install --no-deps --require-hashes --target /dist/task -r /dist/requirements.txt \
 && uv pip install --no-deps --target /dist/task /dist/wheels/*.whl

FROM public.ecr.aws/lambda/python:3.11 AS runtime
# Java 17 for pyspark 4.3.0 (the python3.11 base is Amazon Linux 2: Amazon Corretto 17).
RUN yum install -y java-17-amazon-corretto-headless \
 && yum clean all \
 && rm -rf /var/cache/yum
COPY --from=builder /dist/task ${LAMBDA_TASK_ROOT}
ENV JAVA_HOME=/usr/lib/jvm/java-17-amazon-corretto \
    HOME=/tmp \
    SPARK_LOCAL_DIRS=/tmp/spark \
    SPARK_LOCAL_IP=127.0.0.1 \
    PYTHONDONTWRITEBYTECODE=1
# Lambda runs the function as an unprivileged user; say so for local runs (docker run) too.
USER nobody
CMD ["codeinterp_spark_supervisor.lambda_handler.handler"]
