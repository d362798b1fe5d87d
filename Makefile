# Set-up and everyday targets. `make demo` and `make test` work on a fresh machine with
# only Python 3.11+ and access to PyPI.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint bench sample-data clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

## Weight sample_data/flights.parquet with sample_data/weightcli.yaml and print the report.
demo: $(STAMP)
	mkdir -p build
	$(BIN)/weightcli apply sample_data/flights.parquet -c sample_data/weightcli.yaml \
		-o build/flights_weighted.parquet

## Run the linters and the test suite.
test: $(STAMP) lint
	$(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check weightcli tests sample_data benchmarks
	$(BIN)/ruff format --check weightcli tests sample_data benchmarks
	$(BIN)/mypy

## Time weightcli against polars, pandas and pandera on a generated 10M-row table
## (see docs/benchmarks.md). BENCH_ARGS passes options, such as --rows 1000000 --quick.
bench: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[test,bench]'
	$(BIN)/python -m benchmarks.run $(BENCH_ARGS)

## Rebuild sample_data/ from the raw public files (see sample_data/README.md).
sample-data: $(STAMP)
	$(BIN)/python sample_data/make_sample_data.py

clean:
	rm -rf build .pytest_cache .mypy_cache .ruff_cache
