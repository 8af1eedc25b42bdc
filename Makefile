# The two commands: `make run` and `make test`. Both create .venv/ from the lock file when it
# is missing or older than the lock, so a fresh clone needs only Python 3.11, make and git.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
UV_VERSION := $(shell sed -n 's/^uv==\([^ ]*\).*/\1/p' requirements.lock)
SCALE ?= medium
# make fuzz: seconds per input set (sample files, then the real files), and the seed
FUZZ_SECONDS ?= 600
FUZZ_SEED ?= $(shell date +%s)

# Never prompt (Kedro telemetry) and log the way conf/logging.yml says.
export KEDRO_DISABLE_TELEMETRY := true
export DO_NOT_TRACK := 1
export KEDRO_LOGGING_CONFIG := conf/logging.yml
export DBT_SEND_ANONYMOUS_USAGE_STATS := false

.PHONY: help setup run test fuzz lint format bench viz docs sample-data lock clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

$(STAMP): requirements.lock pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"
	$(BIN)/uv pip sync --quiet --compile-bytecode --require-hashes --python $(BIN)/python requirements.lock
	$(BIN)/uv pip install --quiet --compile-bytecode --python $(BIN)/python --no-deps -e .
	@touch $(STAMP)

setup: $(STAMP) ## create or refresh .venv from requirements.lock

run: $(STAMP) ## run the nightly job locally (sample data, local Snowflake emulator)
	$(BIN)/kedro run $(ARGS)

test: $(STAMP) ## run the whole test suite
	$(BIN)/python -m pytest $(ARGS)

fuzz: $(STAMP) ## soak the raw-file ingestion with mutations (20 min): make fuzz FUZZ_SECONDS=600
	FUZZ_SECONDS=$(FUZZ_SECONDS) FUZZ_SEED=$(FUZZ_SEED) FUZZ_LARGE=1 \
	  $(BIN)/python -m pytest tests/pipelines/ingestion/test_ingest_fuzz.py $(ARGS)

lint: $(STAMP) ## ruff lint and format check
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks

format: $(STAMP) ## format the Python code
	$(BIN)/ruff format src tests benchmarks
	$(BIN)/ruff check --fix src tests benchmarks

bench: $(STAMP) ## benchmark the whole pipeline: make bench SCALE=small|medium|large|xlarge
	$(BIN)/python benchmarks/bench_pipeline.py --scale $(SCALE)

viz: $(STAMP) ## build the kedro-viz site into build/viz (open build/viz/index.html)
	$(BIN)/kedro viz build

docs: $(STAMP) ## build dbt's docs site on the local emulator into dbt/target
	$(BIN)/python -m netflix_pipeline.dbt_bridge.docs

sample-data: $(STAMP) ## regenerate data/01_raw with the seeded generator
	$(BIN)/kedro run --pipeline=sample_data $(ARGS)

lock: ## re-resolve the lock files, with hashes (dev: requirements.lock; image: -prod, -build)
	$(BIN)/uv pip compile pyproject.toml --extra local --extra dev --python-version 3.11 --generate-hashes -o requirements.lock
	$(BIN)/uv pip compile pyproject.toml --extra image --python-version 3.11 --generate-hashes -o requirements-prod.lock
	echo "uv==$(UV_VERSION)" | $(BIN)/uv pip compile - --python-version 3.11 --generate-hashes -o requirements-build.lock

clean: ## remove outputs and caches (keeps data/01_raw and .venv)
	rm -rf data/02_intermediate/* data/08_reporting/*.json data/08_reporting/*.csv \
	  data/08_reporting/*.html dbt/target dbt/logs build .pytest_cache
