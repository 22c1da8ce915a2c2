# The two commands a new user needs: `make run` and `make test`.
# Each sets up its own virtualenv from the lock (requirements.lock) and checks the
# system packages it needs first; nothing has to be installed by hand.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
CONFIG ?= examples/demo.yaml

.PHONY: run test lint typecheck unit bench sysdeps clean lock

run: $(STAMP)
	$(BIN)/switchboard demo --config $(CONFIG)

test: $(STAMP)
	./scripts/test.sh

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

typecheck: $(STAMP)
	$(BIN)/mypy

bench: $(STAMP)
	./scripts/sysdeps.sh bench
	$(BIN)/python bench/acd.py
	$(BIN)/python bench/g711.py
	$(BIN)/python bench/sip_parse.py
	$(BIN)/python bench/media_relay.py
	$(BIN)/python bench/softphone.py
	$(BIN)/python bench/offer_latency.py
	$(BIN)/python bench/call_memory.py
	$(BIN)/python bench/b2bua_setup.py

sysdeps:
	./scripts/sysdeps.sh

$(STAMP): pyproject.toml requirements.lock scripts/sysdeps.sh
	./scripts/sysdeps.sh
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	touch $(STAMP)

# For maintainers: refresh the lock after changing pyproject.toml.
lock:
	$(BIN)/python -m pip install --quiet uv==0.13.8
	$(BIN)/uv pip compile pyproject.toml --extra dev --python-version 3.11 --generate-hashes -o requirements.lock

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache .hypothesis var
