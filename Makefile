# The two commands of the README: `make run` and `make test`. Both create .venv on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
PORT ?= 8000
LOCAL_POOL_FILE ?= .local/pool.sqlite3

.PHONY: run test lint unit

$(INSTALLED): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(INSTALLED)

run: $(INSTALLED)
	mkdir -p .local $(dir $(LOCAL_POOL_FILE))
	LOCAL_POOL_FILE=$(LOCAL_POOL_FILE) $(BIN)/python -m django_shell.manage migrate --no-input --verbosity 0
	LOCAL_POOL_FILE=$(LOCAL_POOL_FILE) $(BIN)/python -m django_shell.manage runserver --noreload 127.0.0.1:$(PORT)

lint: $(INSTALLED)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports

test: lint
	$(BIN)/pytest

unit: $(INSTALLED)
	$(BIN)/pytest tests/unit -q
