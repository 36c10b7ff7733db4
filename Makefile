# Two commands on a fresh machine: `make run` and `make test`. Each does its own set-up.
# Any Python 3.11+ makes the venv: `make venv PYTHON=python3.13` (or a path to an interpreter).
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: venv run run-private test lint typecheck unit e2e bench clean

venv: $(STAMP)

$(STAMP): requirements.txt requirements-dev.txt handlers/requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	# pip itself as requirements-dev.txt pins it: the e2e tests drive this very pip.
	$(BIN)/python -m pip install --quiet "$$(grep -E '^pip==' requirements-dev.txt)"
	# The functions' own runtime dependencies, exactly as shipped (hash mode is all-or-nothing).
	$(BIN)/python -m pip install --quiet --require-hashes -r handlers/requirements.txt
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

## The local index on http://127.0.0.1:8080/simple/ (pages for people: http://127.0.0.1:8080/project/) with an embedded S3 and data in .data/; reads are open
## (options: make run ARGS="--port 9000")
run: venv
	DEVSERVER_MAKE_TARGET=run $(BIN)/python -m devserver --public-read $(ARGS)

## The same index in private mode: every read needs a token (the banner prints how to make one)
run-private: venv
	DEVSERVER_MAKE_TARGET=run-private $(BIN)/python -m devserver $(ARGS)

## Lint, type-check and every test (unit, handlers on moto, component on Pulumi mocks, e2e clients)
test: venv lint typecheck
	@test -x /usr/bin/chromium -a -x /usr/bin/chromedriver || echo "browser tests skipped (no Chromium): sudo apt-get install -y chromium chromium-driver"
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
