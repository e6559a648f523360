#!/usr/bin/env bash
# Checks the monitoring artefacts with their real tools (docs/monitoring.md):
#   promtool check config / check rules / test rules (every alert fires and stays silent),
#   the dashboards equal their generator's output and validate against Grafana's model,
#   the Helm subchart's copies of rules and dashboards equal the originals.
# The live checks (promtool check metrics on each service, every panel has data) run in
# e2e/test_monitoring.py against a whole stack.
#
#   scripts/monitoring-check.sh          check
#   scripts/monitoring-check.sh --sync   first refresh the generated and copied files
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export PATH="$HOME/.local/bin:$PATH"
CHART=k8s/helm/shopgraph/charts/monitoring

scripts/setup.sh
command -v promtool >/dev/null || { echo "promtool missing: install Debian's prometheus (scripts/setup.sh --test)" >&2; exit 1; }

if [[ "${1:-}" == "--sync" ]]; then
  uv run --frozen python -m shopgraph_stack.prometheus >prometheus/prometheus.yml
  uv run --frozen python grafana/generate.py
  rm -f "$CHART"/files/rules/*.yml "$CHART"/files/dashboards/*.json
  cp prometheus/rules/*.yml "$CHART/files/rules/"
  cp grafana/dashboards/*.json "$CHART/files/dashboards/"
  echo "synced prometheus/prometheus.yml, grafana/dashboards/ and $CHART/files/" >&2
fi

promtool check config prometheus/prometheus.yml
promtool check rules prometheus/rules/*.yml
promtool test rules prometheus/tests/*_test.yml
uv run --frozen python grafana/generate.py --check
uv run --frozen check-jsonschema --schemafile grafana/dashboard.schema.json grafana/dashboards/*.json
if ! diff -r prometheus/rules "$CHART/files/rules" || ! diff -r grafana/dashboards "$CHART/files/dashboards"; then
  echo "the monitoring subchart's copies are stale: make monitoring-sync" >&2
  exit 1
fi
echo "monitoring: all checks passed" >&2
