# Two entry points (see README): `make up` and `make test`. Both create .venv on first use.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: up test lint down

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

lint: $(BIN)/jira-sync
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
