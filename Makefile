# The front door: `make run` and `make test` set everything up on a fresh machine.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install run test lint format bench bench-smoke clean

$(STAMP): pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/subsidy serve --demo

test: $(STAMP)
	$(BIN)/pytest

# The benchmark suite (docs/performance.md); BENCH_SCALE=full for the million-event store.
bench: $(STAMP)
	PYTHONPATH=tests $(BIN)/python benchmarks/run.py --scale $${BENCH_SCALE:-default}

# Every benchmark at a tiny size, so that none can rot (CI); fails only if one crashes.
bench-smoke: $(STAMP)
	PYTHONPATH=tests $(BIN)/python benchmarks/run.py --scale smoke

lint: $(STAMP)
	$(BIN)/ruff check src tests
	$(BIN)/ruff format --check src tests
	$(BIN)/mypy
	$(BIN)/lint-imports

format: $(STAMP)
	$(BIN)/ruff format src tests
	$(BIN)/ruff check --fix src tests

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache .hypothesis
