# CareNudge: `make sandbox` to try it, `make test` to check everything.
# Both create .venv and install what they need on first use.

VENV ?= .venv
BIN := $(VENV)/bin
PYTHON ?= python3

.PHONY: install sandbox run doctor format mypy lint test faults playground bench all clean

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev]'
	touch $@

sandbox: install
	$(BIN)/carenudge sandbox

run: install
	$(BIN)/carenudge run

doctor: install
	$(BIN)/carenudge doctor

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

mypy: install
	$(BIN)/mypy

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

# The whole check: lint, types, import contracts, then the tests against a real Redis.
test: lint
	$(BIN)/pytest -q --cov --cov-report=term

# The long fault runs (SIGKILLs, replicas, a Redis outage), a few minutes.
faults: install
	$(BIN)/pytest -q -m faults --timeout 900

# CareNudge in Microsoft 365 Agents Playground, Microsoft's local Teams client (about 10 s):
# needs Node.js, npm and Chromium, and installs the pinned Playground on first use.
playground: install
	$(BIN)/pytest -q -m playground --timeout 300

# Every benchmark figure beside its baseline; `make bench QUICK=1` for a fast check.
bench: install
	$(BIN)/python -m benchmarks $(if $(QUICK),--quick,)

all: test

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .coverage
