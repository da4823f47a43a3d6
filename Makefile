# The two commands of the README: `make run` and `make test` (and `make serve`, the production server).
# They create .venv on first use and install into it from the lock files in requirements/ (exact
# versions, every file's hash checked): `make run` and `make serve` only what the service runs
# (runtime.txt), `make test` the development tools as well
# (dev.txt). `make lock` re-resolves both after a change to pyproject.toml, keeping every pin it can;
# `make lock UPGRADE=1` takes the newest releases pyproject.toml allows.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
RUNTIME := $(VENV)/.installed-runtime
DEV := $(VENV)/.installed-dev
PORT ?= 8000
LOCAL_POOL_FILE ?= .local/pool.sqlite3
UV := uv==0.13.9
LOCK := $(BIN)/uv pip compile --quiet --custom-compile-command "make lock" --generate-hashes --universal --python-version 3.11 pyproject.toml requirements/build.in $(if $(UPGRADE),--upgrade)

.PHONY: run serve test lint unit lock mutate

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# --no-build-isolation: the locked setuptools builds the editable install, nothing is fetched unlocked.
$(RUNTIME): requirements/runtime.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet --require-hashes --no-deps -r requirements/runtime.txt
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	touch $@

$(DEV): requirements/dev.txt $(RUNTIME)
	$(BIN)/python -m pip install --quiet --require-hashes --no-deps -r requirements/dev.txt
	touch $@

run: $(RUNTIME)
	mkdir -p .local $(dir $(LOCAL_POOL_FILE))
	LOCAL_POOL_FILE=$(LOCAL_POOL_FILE) $(BIN)/python -m django_shell.manage migrate --no-input --verbosity 0
	LOCAL_POOL_FILE=$(LOCAL_POOL_FILE) $(BIN)/python -m django_shell.manage runserver --noreload 127.0.0.1:$(PORT)

# granian with WEB_CONCURRENCY workers (one per core unless set) on HOST:PORT, after the migrations;
# several workers need REDIS_URL and DJANGO_SECRET_KEY (see the README's "Serving in production").
serve: $(RUNTIME)
	mkdir -p .local $(dir $(LOCAL_POOL_FILE))
	LOCAL_POOL_FILE=$(LOCAL_POOL_FILE) PORT=$(PORT) $(BIN)/python -m django_shell.serve

lint: $(DEV)
	$(BIN)/ruff check src tests bench tools
	$(BIN)/ruff format --check src tests bench tools
	$(BIN)/mypy
	$(BIN)/lint-imports

test: lint
	$(BIN)/pytest

unit: $(DEV)
	$(BIN)/pytest tests/unit -q

# Mutation testing of the security core, by hand (not part of `make test`; about 15 minutes): tools/mutate.py
# runs mutmut on the modules of [tool.mutmut] in pyproject.toml, each mutant against the unit tests that reach
# it, two at a time (the machine is shared), and prints the share caught per module, failing below 90 %.
# MUTANTS='domain.values*' runs again only the mutants matching, keeping the other verdicts. docs/testing.md.
mutate: $(DEV)
	HYPOTHESIS_PROFILE=mutation $(BIN)/python tools/mutate.py $(MUTANTS)

# The development lock is resolved first; the runtime lock is constrained by it, so the two agree.
lock: | $(BIN)/python
	$(BIN)/python -m pip install --quiet $(UV)
	$(LOCK) --extra dev -o requirements/dev.txt
	$(LOCK) -c requirements/dev.txt -o requirements/runtime.txt
