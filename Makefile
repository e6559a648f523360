# The single entry point. Every target installs what it needs first (scripts/setup.sh).
.PHONY: run test lint format schema bench router help setup versions load load-knee load-prepare

# uv installs itself into ~/.local/bin; put it on PATH here so every target works from a fresh
# shell on a fresh clone, not only the scripts/*.sh wrappers.
export PATH := $(HOME)/.local/bin:$(PATH)

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

run:  ## run the whole system: FerretDB, subgraphs, gateway on :4000, demo data
	scripts/run.sh

test:  ## every check and test, starting the databases and the gateway it needs
	scripts/test.sh

setup:  ## install what the system needs (uv, Python and npm packages, FerretDB); idempotent
	scripts/setup.sh

versions: setup  ## the versions of the tools the targets run
	@uv --version && node --version && go version && uv run --frozen python --version

lint: setup  ## ruff and mypy
	uv run --frozen ruff check . && uv run --frozen ruff format --check . && uv run --frozen mypy

format: setup  ## apply ruff's fixes and formatting
	uv run --frozen ruff check --fix . && uv run --frozen ruff format .

schema: setup  ## export every subgraph's SDL and compose schema.graphql
	scripts/schema.sh

bench:  ## benchmarks, printed as ratios against a baseline measured in the same run
	scripts/setup.sh --test && uv run --frozen python -m benchmarks $(BENCH_ARGS)

router:  ## build the real Apollo Router from crates.io (about an hour on 2 cores)
	scripts/install-router.sh

# Load tests through the gateway with JMeter (jmeter/, docs/load-testing.md). TARGET is the
# gateway's GraphQL URL (default http://127.0.0.1:4000/graphql, what `make run` serves).
load_target = $(if $(TARGET),--target $(TARGET))

load:  ## JMeter through the gateway: TARGET= PLAN=mixed|smoke THREADS= DURATION= (LOAD_ARGS=...)
	scripts/setup.sh && uv run --frozen shopgraph-load run $(load_target) $(if $(PLAN),--plan $(PLAN)) \
	  $(if $(THREADS),--threads $(THREADS)) $(if $(DURATION),--duration $(DURATION)) $(LOAD_ARGS)

load-knee:  ## step the mixed plan through 1, 2, 4, ... threads: the knee and its chart (TARGET=)
	scripts/setup.sh && uv run --frozen shopgraph-load knee $(load_target) $(LOAD_ARGS)

load-prepare:  ## create the load test's customers and products at TARGET (idempotent)
	scripts/setup.sh && uv run --frozen shopgraph-load prepare $(load_target) $(LOAD_ARGS)
