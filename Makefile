# Everything runs from a fresh clone: the first target that needs the virtualenv creates it.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 3000
# sam builds the python3.13 runtime with a local python3.13; pyenv provides it on these machines.
SAM_ENV := PYENV_VERSION=$${PYENV_VERSION:-3.13.0:3.11.7} SAM_CLI_TELEMETRY=0
SAM_CONFIG_ENV ?= default

.PHONY: help venv run demo test lint typecheck unit validate build deploy clean fuzz bench generate

help:
	@echo "make run       serve the tools locally on http://127.0.0.1:$(PORT) (simulator unless FULLSTORY_API_KEY is set)"
	@echo "make test      install what is needed, then lint, type-check, sam validate and the whole test suite"
	@echo "make generate  rewrite everything per tool from the tool registry (template blocks, events, entry points, README)"
	@echo "make build     sam build (arm64) and check the built layer"
	@echo "make deploy    check AWS credentials, sam build, sam deploy (SAM_CONFIG_ENV=$(SAM_CONFIG_ENV)), print the next steps"

$(BIN)/.installed: requirements-dev.txt layers/fullstory/requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

venv: $(BIN)/.installed

# `make bench`: the performance table against peers. Their dependencies (and ours, for the same
# interpreter) live in .venv-bench, never in .venv; sam for the size figures comes from .venv.
BENCH_BIN := .venv-bench/bin
$(BENCH_BIN)/.installed: bench/requirements.txt layers/fullstory/requirements.txt
	test -x $(BENCH_BIN)/python || $(PYTHON) -m venv .venv-bench
	$(BENCH_BIN)/python -m pip install --quiet --disable-pip-version-check -r bench/requirements.txt
	touch $@

bench: venv $(BENCH_BIN)/.installed
	$(BENCH_BIN)/python -m bench.run $(BENCH_ARGS)

run: venv
	PORT=$(PORT) $(BIN)/python -m local

# A realistic Opal conversation. Against a running `make run`: OPAL_BEARER_TOKEN=<its token> make demo;
# without one, the demo starts its own local registry.
demo: venv
	PORT=$(PORT) $(BIN)/python -m local.demo

# Everything per tool comes from layers/fullstory/tools/registry.py; tests/contract/test_generated.py fails when stale.
generate: venv
	$(BIN)/python scripts/generate.py

# ruff check includes the complexity gate (C90) for product code; formatting is checked everywhere.
lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: venv
	$(BIN)/mypy layers/fullstory functions workflow local scripts

validate: venv
	$(SAM_ENV) $(BIN)/sam validate --lint

unit: venv
	$(BIN)/pytest -q

test: lint typecheck validate unit build

# A larger property-based run than `make test` does (FUZZ_TOTAL cases across all tools).
fuzz: venv
	FUZZ_RANDOM=1 FUZZ_TOTAL=$${FUZZ_TOTAL:-100000} $(BIN)/pytest -q -p no:logging tests/fuzz

build: venv
	$(SAM_ENV) $(BIN)/sam build --parallel
	$(BIN)/python scripts/check_built_layer.py

# `make deploy` (SAM_CONFIG_ENV=prod for the prod stack; DEPLOY_ARGS="--guided" or
# DEPLOY_ARGS="--parameter-overrides EnabledTools=segments,sessions" pass through to sam deploy).
# The preflight names the account and region, and fails before the build without credentials.
deploy: venv
	$(BIN)/python scripts/deploy_info.py preflight $(SAM_CONFIG_ENV)
	$(MAKE) --no-print-directory build
	$(SAM_ENV) $(BIN)/sam deploy --config-env $(SAM_CONFIG_ENV) $(DEPLOY_ARGS)
	$(BIN)/python scripts/deploy_info.py outputs $(SAM_CONFIG_ENV)

clean:
	rm -rf .aws-sam .pytest_cache .mypy_cache .ruff_cache
