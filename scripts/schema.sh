#!/usr/bin/env bash
# Exports every subgraph's SDL and composes the supergraph into schema.graphql.
#
#   scripts/schema.sh           write subgraphs/*/schema.graphql and schema.graphql, and copy
#                               schema.graphql into the Helm chart (the router's config map)
#   scripts/schema.sh --check   fail if any of them is stale (what CI runs)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

check=false
[[ "${1:-}" == "--check" ]] && check=true
stale=0
exported=$(mktemp -d)
trap 'rm -rf "$exported"' EXIT
services=()
for dir in subgraphs/*/; do services+=("$(basename "$dir")"); done
# One interpreter exports every subgraph (each service's own `export-schema` command): the
# shared imports are paid once, not once per service.
uv run --frozen python - "$exported" "${services[@]}" <<'PY'
import importlib
import sys

folder, services = sys.argv[1], sys.argv[2:]
for name in services:
    cli = importlib.import_module(f"shopgraph_{name}.cli")
    cli.main(["export-schema", "--output", f"{folder}/{name}.graphql"])
PY
for name in "${services[@]}"; do
  dir="subgraphs/$name"
  if $check; then
    if ! cmp -s "$exported/$name.graphql" "$dir/schema.graphql"; then
      echo "stale: $dir/schema.graphql (run scripts/schema.sh)" >&2
      stale=1
    fi
  else
    mv "$exported/$name.graphql" "$dir/schema.graphql"
  fi
done
chart_copy=k8s/helm/shopgraph/files/router/schema.graphql
if $check; then
  node supergraph/compose.mjs --check || stale=1
  if ! cmp -s schema.graphql "$chart_copy"; then
    echo "stale: $chart_copy (run scripts/schema.sh or make chart-sync)" >&2
    stale=1
  fi
  exit $stale
fi
node supergraph/compose.mjs
cp schema.graphql "$chart_copy"
