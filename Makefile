# Everything runs from a fresh clone: the first target that needs the virtualenv creates it.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 3000
# Only the layer's bytecode needs CPython 3.13 (any patch release), found on PATH or through pyenv;
# without one the build still succeeds, without bytecode, and says so. The wheels are pip's choice for
# python3.13/arm64 whatever Python runs it (the venv's).
PYTHON313 ?= $(shell scripts/python313)
PYTHON313 := $(PYTHON313)
SAM_ENV := SAM_CLI_TELEMETRY=0 PYTHON313=$(PYTHON313) PIP_PYTHON=$(abspath $(BIN)/python)
# sam's python builder says so once per function; none of ours has dependencies of its own.
QUIET_SAM := grep -v --line-buffered 'requirements.txt file not found' || true
SAM_CONFIG_ENV ?= default

.PHONY: help venv run demo test lint typecheck unit validate build deploy clean fuzz bench generate smoke cold-starts stack-given

help: ## this list
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/^([a-z-]+):.*## (.*)$$/\1\t\2/' | \
		awk -F'\t' '{printf "make %-12s %s\n", $$1, $$2}'

$(BIN)/.installed: requirements-dev.txt layers/fullstory/requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

venv: $(BIN)/.installed ## create .venv with what the tools, the tests and sam need

# `make bench`: the performance table against peers. Their dependencies (and ours, for the same
# interpreter) live in .venv-bench, never in .venv; sam for the size figures comes from .venv.
BENCH_BIN := .venv-bench/bin
$(BENCH_BIN)/.installed: bench/requirements.txt layers/fullstory/requirements.txt
	test -x $(BENCH_BIN)/python || $(PYTHON) -m venv .venv-bench
	$(BENCH_BIN)/python -m pip install --quiet --disable-pip-version-check -r bench/requirements.txt
	touch $@

bench: venv $(BENCH_BIN)/.installed ## the performance table against peers, measured in one run (.venv-bench)
	$(BENCH_BIN)/python -m bench.run $(BENCH_ARGS)

run: venv ## serve the tools on 127.0.0.1, PORT (default 3000); the simulator unless FULLSTORY_API_KEY is set
	PORT=$(PORT) $(BIN)/python -m local

# A realistic Opal conversation. Against a running `make run`: OPAL_BEARER_TOKEN=<its token> make demo;
# without one, the demo starts its own local registry.
demo: venv ## a realistic Opal conversation against the local registry, ending in an export callback
	PORT=$(PORT) $(BIN)/python -m local.demo

# Everything per tool comes from layers/fullstory/tools/registry.py; tests/contract/test_generated.py fails when stale.
generate: venv ## rewrite everything per tool from the tool registry (template blocks, events, entry points, README)
	$(BIN)/python scripts/generate.py

# ruff check includes the complexity gate (C90) for product code; formatting is checked everywhere.
lint: venv ## ruff (lint with the complexity gate, and format check)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: venv ## mypy
	$(BIN)/mypy layers/fullstory functions workflow local scripts

validate: venv ## sam validate --lint
	$(SAM_ENV) $(BIN)/sam validate --lint

unit: venv ## the whole pytest suite
	$(BIN)/pytest -q

test: lint typecheck validate unit build ## everything CI runs: lint, typecheck, validate, the suite, build

# A larger property-based run than `make test` does (FUZZ_TOTAL cases across all tools).
fuzz: venv ## a larger property-based run with fresh random cases (FUZZ_TOTAL)
	FUZZ_RANDOM=1 FUZZ_TOTAL=$${FUZZ_TOTAL:-100000} $(BIN)/pytest -q -p no:logging tests/fuzz

build: venv ## sam build (arm64) and check the built layer
	set -o pipefail; $(SAM_ENV) $(BIN)/sam build --parallel 2>&1 | { $(QUIET_SAM); }
	$(BIN)/python scripts/check_built_layer.py $(if $(PYTHON313),,--no-bytecode)

# `make deploy` (SAM_CONFIG_ENV=prod for the prod stack; DEPLOY_ARGS="--guided" or
# DEPLOY_ARGS="--parameter-overrides EnabledTools=segments,sessions" pass through to sam deploy).
# The preflight names the account and region, and fails before the build without credentials.
deploy: venv ## check AWS credentials, build, sam deploy (SAM_CONFIG_ENV), print the next steps
	$(BIN)/python scripts/deploy_info.py preflight $(SAM_CONFIG_ENV)
	$(MAKE) --no-print-directory build
	$(SAM_ENV) $(BIN)/sam deploy --config-env $(SAM_CONFIG_ENV) $(DEPLOY_ARGS)
	$(BIN)/python scripts/deploy_info.py outputs $(SAM_CONFIG_ENV)

# Checks of a deployed stack (docs/deployed-stack-checks.md). REGION defaults to boto3's (AWS_REGION, the profile).
# stack-given comes first so that a call without STACK stops before anything is installed.
HOURS ?= 24
stack-given:
	@test -n "$(STACK)" || { echo "make $(MAKECMDGOALS): name the stack: STACK=<stack name> [REGION=<region>]" >&2; exit 2; }

smoke: stack-given venv ## check a deployed stack: discovery, its tools, a tool call, the key, AI toggle, /mcp (STACK=)
	$(BIN)/python scripts/smoke.py '$(STACK)' $(if $(REGION),--region '$(REGION)')

cold-starts: stack-given venv ## a deployed stack's cold starts from CloudWatch: cold %, init p50/p90/p99 (STACK=, HOURS=24)
	$(BIN)/python scripts/cold_starts.py '$(STACK)' --hours '$(HOURS)' $(if $(REGION),--region '$(REGION)')

clean: ## remove build and tool caches
	rm -rf .aws-sam .pytest_cache .mypy_cache .ruff_cache
