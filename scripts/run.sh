#!/usr/bin/env bash
# Runs the whole system on this machine: FerretDB, every subgraph, the gateway, demo data.
# Ctrl-C stops everything it started.
#
#   scripts/run.sh [--gateway auto|router|node] [--raw-logs]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export PATH="$HOME/.local/bin:$PATH"

scripts/setup.sh
exec uv run --frozen shopgraph-stack run "$@"
