#!/usr/bin/env bash
# Runs every check and test: lint, types, composition, contract, unit, subgraph and
# end-to-end tests. Installs what is missing first, and starts every server it needs.
#
#   scripts/test.sh                      everything (what `make test` runs)
#   scripts/test.sh --all [pytest args]  everything, pytest given the args (make test PYTEST_ARGS=)
#   scripts/test.sh [pytest args...]     the fast loop, e.g. scripts/test.sh -k orders -x: only
#                                        pytest, after the setup and tool builds (instant once
#                                        done); no static checks, no chart or monitoring stages
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export PATH="$HOME/.local/bin:$PATH"

# Every stage prints how long it took, so a slow fresh-machine run shows where time went.
SECONDS=0
stage_name="setup (installs what is missing)"
stage_started=0
step() {
  printf '== %s: %ds\n' "$stage_name" $((SECONDS - stage_started)) >&2
  stage_name="$*"
  stage_started=$SECONDS
  printf '\n== %s\n' "$*" >&2
}
trap 'printf "== %s: %ds (total %ds)\n" "$stage_name" $((SECONDS - stage_started)) "$SECONDS" >&2' EXIT

everything=true
if [[ "${1:-}" == "--all" ]]; then
  shift
elif (($#)); then
  everything=false
fi

scripts/setup.sh --test

if ! $everything; then
  step "tools the selected tests may use (Helm, psa-check, JMeter, OpenSearch, Jaeger: built once)"
  scripts/install-ops-tools.sh
  tools/jmeter/install.sh
  # Without it the tracing tests skip: a selected test would prove nothing.
  scripts/jaeger.sh build
  uv run --frozen python -c "from shopgraph_testing.opensearch import build_opensearch; build_opensearch()"
  step "python tests: pytest $*"
  uv run --frozen pytest "$@"
  exit
fi

step "lint (ruff) and types (mypy)"
uv run --frozen ruff check .
uv run --frozen ruff format --check .
uv run --frozen mypy

step "exported subgraph SDL and the composed supergraph are up to date"
scripts/schema.sh --check

step "the supergraph holds the public contract"
node supergraph/check-contract.mjs

step "composition and gateway tests (node)"
npm test --prefix supergraph --silent

step "the GitLab pipeline: GitLab's CI schema, shellcheck, gitlab-ci-local list and a job"
ci/local.sh check

step "OpenSearch 2.19 for the log-pipeline tests (Maven Central, built once into tools/opensearch/target)"
uv run --frozen python -c "from shopgraph_testing.opensearch import build_opensearch; build_opensearch()"

step "Jaeger v1.76.0, the trace collector and store for the tracing tests (Go module proxy, built once into .local/bin)"
scripts/jaeger.sh build

step "monitoring: promtool config, rules and rule tests; dashboards fresh and valid"
scripts/monitoring-check.sh

step "Helm chart: lint, render, kubernetes-validate, Pod Security, checkov, hadolint"
scripts/chart-check.sh --skip-pytest

step "JMeter 5.6.3 for the load-test smoke (assembled once into .local/)"
tools/jmeter/install.sh

step "python tests: core, subgraphs against MariaDB, SQLite and FerretDB, end to end"
# k8s/local has its own stage below.
uv run --frozen pytest --ignore=k8s/local "$@"

step "the chart on a real Kubernetes v1.31 control plane started here (k8s/local), when built"
# A cold build of the cluster's binaries takes ~35-50 min on 2 busy cores: more than this
# run's budget leaves, so it is not started here (`make k8s-test` builds and always runs it).
if k8s/local/build.sh --check; then
  # Tier 1 (control plane and admission, ~40 s); the node tiers run in `make k8s-test`.
  # pytest arguments pass through; when they select none of these tests (exit 5), fine.
  k8s_rc=0
  K8S_LOCAL_NODE=0 uv run --frozen pytest k8s/local -q "$@" || k8s_rc=$?
  ((k8s_rc == 0 || k8s_rc == 5)) || exit "$k8s_rc"
else
  echo "not run: the local cluster's binaries are not built (make k8s-test builds them, ~35-50 min once)" >&2
fi
