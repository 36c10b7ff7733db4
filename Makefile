# Two commands on a fresh machine: `make run` and `make test`. Each does its own set-up.
# Any Python 3.11+ makes the venv: `make venv PYTHON=python3.13` (or a path to an interpreter).
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

# The functions' runtime (Pulumi.yaml: runtime), for make test-runtime; .ci/find-python looks in pyenv too.
RUNTIME_PYTHON ?= $(shell .ci/find-python 3.13)
RUNTIME_VENV := build/venv-runtime

.PHONY: venv run run-private tp-demo test test-runtime lint typecheck unit e2e bench clean

venv: $(STAMP)

$(STAMP): requirements.txt requirements-test.txt requirements-dev.txt handlers/requirements.txt handlers/requirements.in
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

## Trusted publishing in one command: dev server with TLS and a fake CI issuer, uv publish with no
## credential; prints each step, stops what it started (testkit/tpdemo.py)
tp-demo: venv
	$(BIN)/python -m testkit.tpdemo

## Lint, type-check and every test (unit, handlers on moto, component on Pulumi mocks, e2e clients)
test: venv lint typecheck
	@test -x /usr/bin/chromium -a -x /usr/bin/chromedriver || echo "browser tests skipped (no Chromium): sudo apt-get install -y chromium chromium-driver"
	$(BIN)/python -m pytest $(PYTEST_ARGS)

## The handlers' and units' tests (tests/handlers, tests/unit) on the functions' runtime, python3.13, in a
## throwaway venv with the functions' dependencies as shipped (options: RUNTIME_PYTHON=/path/to/python3.13)
test-runtime: venv
	test -n "$(RUNTIME_PYTHON)"
	rm -rf $(RUNTIME_VENV)
	$(RUNTIME_PYTHON) -m venv $(RUNTIME_VENV)
	$(RUNTIME_VENV)/bin/python -m pip install --quiet --require-hashes -r handlers/requirements.txt
	$(RUNTIME_VENV)/bin/python -m pip install --quiet -r requirements-test.txt
	$(RUNTIME_VENV)/bin/python -m pytest -p no:cacheprovider tests/handlers tests/unit $(PYTEST_ARGS)

## Ruff, and the CI workflows: actionlint, GitHub's workflow schema, zizmor (offline)
lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/actionlint
	$(BIN)/check-jsonschema --builtin-schema vendor.github-workflows .github/workflows/*.yml
	$(BIN)/zizmor --offline --persona auditor .github/workflows

typecheck: venv
	$(BIN)/mypy

## Cost per request, cold start, clients end to end: prints a table, writes bench/results/
bench: venv
	$(BIN)/python -m bench $(ARGS)

clean:
	rm -rf $(VENV) $(RUNTIME_VENV) .pytest_cache .mypy_cache .ruff_cache
