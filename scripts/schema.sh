#!/usr/bin/env bash
# Exports every subgraph's SDL and composes the supergraph into schema.graphql.
#
#   scripts/schema.sh           write subgraphs/*/schema.graphql and schema.graphql
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
if $check; then
  node supergraph/compose.mjs --check || stale=1
  exit $stale
fi
node supergraph/compose.mjs
