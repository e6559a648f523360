#!/usr/bin/env bash
# Runs the whole system on this machine: FerretDB, every subgraph, the gateway, demo data.
# Ctrl-C stops everything it started.
#
#   scripts/run.sh [--gateway auto|router|node] [--traces auto|memory|opensearch|off] [--raw-logs]
#
# The trace store (Jaeger, scripts/jaeger.sh) is built here once: a long compile the first
# time (docs/tracing.md has the measured time). SHOPGRAPH_TRACES=off skips it.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export PATH="$HOME/.local/bin:$PATH"

scripts/setup.sh
if [[ "${SHOPGRAPH_TRACES:-auto}" != off && " $* " != *" --traces off "* ]]; then
  scripts/jaeger.sh build || echo "run: Jaeger could not be built; starting without a trace store" >&2
fi
exec uv run --frozen shopgraph-stack run "$@"
