# The two commands a new user needs: `make run` and `make test`.
VENV := .venv
BIN := $(VENV)/bin
SAMPLE := samples/sample-report.pdf

.PHONY: deps deps-test run test lint bench bench-load clean compose-test images-offline

deps:
	@scripts/install-deps.sh

deps-test:
	@scripts/install-deps.sh --test

## run: start the service on ./inbox with SQLite and a local Redis, drop a sample scan in, show it reach done
run: deps
	$(BIN)/tablescan up --inbox ./inbox --sample $(SAMPLE)

## test: lint and format checks, then the whole test suite against real Redis, SQLite and PostgreSQL
test: deps-test lint
	$(BIN)/python -m pytest -q $(PYTEST_ARGS)

## lint: ruff (lint and format) over everything, mypy over the packages (config in pyproject.toml)
lint: deps-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

## bench: forge a corpus, run tablescan and img2table on it, print every figure (BENCH_ARGS="--seed 5")
bench: deps-test
	$(BIN)/python bench/run.py $(BENCH_ARGS)

## bench-load: 200 files (10 duplicates, 10 broken) dropped at once into a real service with 2 workers
bench-load: deps
	$(BIN)/python -m tests.reliability.load --docs 180 --duplicates 10 --broken 10 --workers 2

## compose-test: docker/compose.yaml end to end under rootful podman: stack up, the sample scan to done, all down (root; minutes, ~1.5 GB; not in CI)
compose-test:
	docker/compose-test.sh

## images-offline: every image compose needs, built from Debian packages (mmdebstrap base + stand-ins) with no container registry (root)
images-offline:
	docker/images-offline.sh

clean:
	rm -rf storage inbox tablescan.db tablescan.db-* .pytest_cache
