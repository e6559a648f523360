# The single entry point. Every target installs what it needs first (scripts/setup.sh).
.PHONY: jaeger run test test-unit setup-checks check lint format schema schema-check bench router help setup versions ci-check ci-local monitoring-check monitoring-sync logs-setup kibana-import logging-check logging-chart-sync chart-check chart-sync chart-docs load load-knee load-prepare profile load-knee-at k8s-up k8s-test k8s-down

# uv installs itself into ~/.local/bin; put it on PATH here so every target works from a fresh
# shell on a fresh clone, not only the scripts/*.sh wrappers.
export PATH := $(HOME)/.local/bin:$(PATH)

help:  ## list the targets
	@grep -E '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

run:  ## run the whole system: FerretDB, subgraphs, gateway on :4000, demo data
	scripts/run.sh

test:  ## every check and test, starting the databases and the gateway it needs
	scripts/test.sh --all $(PYTEST_ARGS)

test-unit:  ## the tests that need no MariaDB, FerretDB, OpenSearch or stack (PYTEST_ARGS=)
	scripts/setup.sh --test && scripts/install-ops-tools.sh && \
	  uv run --frozen pytest -m "not mariadb and not servers" $(PYTEST_ARGS)

setup:  ## install what the system needs (uv, Python and npm packages, FerretDB); idempotent
	scripts/setup.sh

versions: setup  ## the versions of the tools the targets run
	@uv --version && node --version && go version && uv run --frozen python --version

setup-checks:  ## install what the static checks need: uv, the Python and npm packages (no Go)
	scripts/setup.sh --checks

check: lint schema-check  ## the fast loop: lint, types, SDL/supergraph drift, contract (no databases)
	ci/local.sh validate

lint: setup-checks  ## ruff and mypy
	uv run --frozen ruff check . && uv run --frozen ruff format --check . && uv run --frozen mypy

format: setup-checks  ## apply ruff's fixes and formatting
	uv run --frozen ruff check --fix . && uv run --frozen ruff format .

schema-check: setup-checks  ## fail if the exported SDL, schema.graphql or the chart's copy of it is stale, or the contract is not held
	scripts/schema.sh --check && node supergraph/check-contract.mjs

ci-check: setup  ## .gitlab-ci.yml against GitLab's schema, shellcheck on CI scripts, cheap jobs locally
	ci/local.sh check

ci-local:  ## run the pipeline's jobs that need no registry or cluster, with gitlab-ci-local
	ci/local.sh run

schema: setup-checks  ## export every subgraph's SDL, compose schema.graphql and copy it into the Helm chart
	scripts/schema.sh

bench:  ## each subgraph vs bare FastAPI, gateways vs direct, as ratios (BENCH_ARGS=, docs/performance.md)
	scripts/setup.sh --test && uv run --frozen python -m benchmarks $(BENCH_ARGS)

router:  ## build the real Apollo Router from crates.io (38 min cold on 2 cores: docs/router.md)
	scripts/install-router.sh

jaeger:  ## build Jaeger v1.76.0, the local trace collector and store, once (make run does it too)
	scripts/jaeger.sh build


logs-setup: setup  ## log index templates, lifecycle, ingest pipeline: make logs-setup ES_URL=https://...
	uv run --frozen shopgraph-logs setup --url "$(ES_URL)"

kibana-import: setup  ## Kibana data view, searches, dashboard: make kibana-import KIBANA_URL=https://...
	uv run --frozen shopgraph-logs kibana-import --url "$(KIBANA_URL)"

logging-check: setup  ## Logstash pipeline parsed and its plugin options checked; saved objects; chart copies
	uv run --frozen pytest -q tools/logpipeline/tests/test_logstash_config.py tools/logpipeline/tests/test_saved_objects.py tools/logpipeline/tests/test_chart.py

logging-chart-sync: setup  ## copy logstash/ into the logging subchart (a test checks for drift)
	uv run --frozen shopgraph-logs sync-chart

monitoring-check:  ## promtool checks and rule tests; dashboards fresh and schema-valid; chart copies in sync
	scripts/monitoring-check.sh

monitoring-sync:  ## regenerate prometheus.yml and the dashboards, copy rules and dashboards into the Helm subchart
	scripts/monitoring-check.sh --sync

chart-check: setup  ## prove the Helm chart: lint, render, kubernetes-validate, Pod Security, checkov, hadolint, tests
	scripts/chart-check.sh

chart-sync:  ## recopy router.yaml, main.rhai and schema.graphql into the Helm chart
	cp router/router.yaml router/rhai/main.rhai schema.graphql k8s/helm/shopgraph/files/router/

chart-docs: setup  ## regenerate the Helm chart's values.schema.json and README values table
	cd k8s/helm && uv run --frozen python -m chartkit.values_schema && uv run --frozen python -m chartkit.values_table

# Load tests through the gateway with JMeter (jmeter/, docs/load-testing.md). TARGET is the
# gateway's GraphQL URL (default http://127.0.0.1:4000/graphql, what `make run` serves).
load_target = $(if $(TARGET),--target $(TARGET))

load:  ## JMeter through the gateway: TARGET= PLAN=mixed|smoke THREADS= DURATION= (LOAD_ARGS=...)
	scripts/setup.sh && uv run --frozen shopgraph-load run $(load_target) $(if $(PLAN),--plan $(PLAN)) \
	  $(if $(THREADS),--threads $(THREADS)) $(if $(DURATION),--duration $(DURATION)) $(LOAD_ARGS)

load-knee:  ## step the mixed plan through 1, 2, 4, ... threads: the knee and its chart (TARGET=)
	scripts/setup.sh && uv run --frozen shopgraph-load knee $(load_target) $(LOAD_ARGS)

profile:  ## own stack, mixed plan, py-spy on each subgraph: flame graphs (THREADS= DURATION= GATEWAY= PROFILE_OUT=docs/profiles)
	scripts/setup.sh && uv run --frozen shopgraph-load profile $(if $(THREADS),--threads $(THREADS)) \
	  $(if $(DURATION),--duration $(DURATION)) $(if $(GATEWAY),--gateway $(GATEWAY)) \
	  $(if $(PROFILE_OUT),--publish $(PROFILE_OUT)) $(PROFILE_ARGS)

load-knee-at:  ## the knee of git revision REV= on its own stack (GATEWAY=node LOAD_ARGS=...)
	scripts/setup.sh && scripts/knee-at.sh $(REV) $(if $(GATEWAY),--gateway $(GATEWAY)) -- $(LOAD_ARGS)

load-prepare:  ## create the load test's customers and products at TARGET (idempotent)
	scripts/setup.sh && uv run --frozen shopgraph-load prepare $(load_target) $(LOAD_ARGS)

# A real single-node Kubernetes here, without Docker or a registry (docs/kubernetes.md,
# "A real cluster on one machine without Docker"). Binaries, node tools and images are built
# once into the ignored .local/k8s (a cold build of the binaries takes ~35 min).
k8s-up: setup  ## build what is missing, start the local cluster, install the chart (VALUES=review)
	k8s/local/build.sh && scripts/install-ops-tools.sh helm && k8s/local/images.sh
	k8s/local/cluster.sh up && k8s/local/cluster.sh install $(or $(VALUES),review)

k8s-test: setup  ## the chart on the local cluster, every value set and tier; tears it down; never skips
	k8s/local/build.sh && scripts/install-ops-tools.sh helm && k8s/local/images.sh
	K8S_LOCAL_REQUIRED=1 uv run --frozen pytest k8s/local -v -rA $(PYTEST_ARGS)

k8s-down:  ## stop the local cluster and remove every trace of it
	k8s/local/cluster.sh down
