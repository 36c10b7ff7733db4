# Two commands on a fresh machine: `make run` and `make test`. Each does its own set-up.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: venv run test lint typecheck unit e2e bench clean

venv: $(STAMP)

$(STAMP): requirements.txt requirements-dev.txt handlers/requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	# pip itself as requirements-dev.txt pins it: the e2e tests drive this very pip.
	$(BIN)/python -m pip install --quiet "$$(grep -E '^pip==' requirements-dev.txt)"
	# The functions' own runtime dependencies, exactly as shipped (hash mode is all-or-nothing).
	$(BIN)/python -m pip install --quiet --require-hashes -r handlers/requirements.txt
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

## The local index on http://127.0.0.1:8080/simple/ with an embedded S3 and data in .data/
run: venv
	$(BIN)/python -m devserver --public-read $(ARGS)

## Lint, type-check and every test (unit, handlers on moto, component on Pulumi mocks, e2e clients)
test: venv lint typecheck
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: venv
	$(BIN)/mypy

## Cost per request, cold start, clients end to end: prints a table, writes bench/results/
bench: venv
	$(BIN)/python -m bench $(ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
