# pronate — the two commands: `make demo` and `make test`. Each does its own set-up.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
MODELS_STAMP := $(VENV)/.models
DEMO_OUT ?= out/demo

.PHONY: setup demo test lint typecheck unit bench clean

$(STAMP): pyproject.toml scripts/setup-system.sh
	bash scripts/setup-system.sh
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $@

$(MODELS_STAMP): $(STAMP) src/pronate/pose/models.py
	$(BIN)/pronate models install
	touch $@

setup: $(MODELS_STAMP)

demo: setup
	@sample=$$($(BIN)/pronate sample) && \
	  $(BIN)/pronate analyze "$$sample" -o $(DEMO_OUT) && \
	  echo "outputs in $(abspath $(DEMO_OUT))"

# ruff, then the layers of pyproject.toml's [tool.importlinter] (lint-imports).
lint: $(STAMP)
	$(BIN)/ruff check src tests
	$(BIN)/ruff format --check src tests
	$(BIN)/lint-imports --no-cache

typecheck: $(STAMP)
	$(BIN)/mypy

unit: setup
	$(BIN)/python -m pytest -q

test: lint typecheck unit

# Throughput, memory and accuracy on ../shared/data (about 10 min on 2 cores); writes
# bench/results.json and bench/results.md. Run it on a quiet machine.
BENCH_DATA ?= ../shared/data
bench: setup
	$(BIN)/python bench/run.py --data $(BENCH_DATA) --out bench
	$(BIN)/python bench/cross_view.py --data $(BENCH_DATA) --out bench
	$(BIN)/python bench/live.py --data $(BENCH_DATA) --out bench
	$(BIN)/python bench/live_offline.py --data $(BENCH_DATA) --out bench
	$(BIN)/python bench/uncertainty.py --data $(BENCH_DATA) --out bench
	$(BIN)/python bench/matrix.py --data $(BENCH_DATA) --out bench
	$(BIN)/python bench/recording.py --data $(BENCH_DATA) --out bench

clean:
	rm -rf $(VENV) out .mypy_cache .ruff_cache .pytest_cache .import_linter_cache

# The coach's workspace at http://127.0.0.1:8000 (options: make serve SERVE_ARGS="--help").
.PHONY: serve
serve: setup
	$(BIN)/pronate serve $(SERVE_ARGS)

# The headline figures in about 3 minutes (bench/quick.py): bench/results-quick.json/.md.
.PHONY: bench-quick
bench-quick: setup
	$(BIN)/python bench/run.py --quick --models full --data $(BENCH_DATA) --out bench
