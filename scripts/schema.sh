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
for dir in subgraphs/*/; do
  name=$(basename "$dir")
  exported=$(mktemp)
  uv run --frozen "shopgraph-$name" export-schema --output "$exported"
  if $check; then
    if ! cmp -s "$exported" "$dir/schema.graphql"; then
      echo "stale: $dir/schema.graphql (run scripts/schema.sh)" >&2
      stale=1
    fi
  else
    mv "$exported" "$dir/schema.graphql"
  fi
  rm -f "$exported"
done
if $check; then
  node supergraph/compose.mjs --check || stale=1
  exit $stale
fi
node supergraph/compose.mjs
