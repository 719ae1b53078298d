# Two entry points (see README): `make up` and `make test`. Both create .venv on first use.
# `make bench` runs every benchmark (bench/, ~20 min; BENCH_ARGS=--smoke for a short run).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: up test lint down bench

$(BIN)/jira-sync: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

up: $(BIN)/jira-sync
	$(BIN)/jira-sync up

down: $(BIN)/jira-sync
	$(BIN)/jira-sync stack down

test: $(BIN)/jira-sync
	$(BIN)/pytest

bench: $(BIN)/jira-sync
	$(BIN)/python -m bench all $(BENCH_ARGS)

lint: $(BIN)/jira-sync
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
