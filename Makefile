# The single entry point. Every target installs what it needs first (scripts/setup.sh).
.PHONY: run test lint format schema bench router help

help:  ## list the targets
	@grep -E '^[a-z]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-8s %s\n", $$1, $$2}'

run:  ## run the whole system: FerretDB, subgraphs, gateway on :4000, demo data
	scripts/run.sh

test:  ## every check and test, starting the databases and the gateway it needs
	scripts/test.sh

lint:  ## ruff and mypy
	uv run --frozen ruff check . && uv run --frozen ruff format --check . && uv run --frozen mypy

format:  ## apply ruff's fixes and formatting
	uv run --frozen ruff check --fix . && uv run --frozen ruff format .

schema:  ## export every subgraph's SDL and compose schema.graphql
	scripts/schema.sh

bench:  ## benchmarks, printed as ratios against a baseline measured in the same run
	scripts/setup.sh --test && uv run --frozen python -m benchmarks $(BENCH_ARGS)

router:  ## build the real Apollo Router from crates.io (about an hour on 2 cores)
	scripts/install-router.sh
