#!/usr/bin/env bash
# Runs the whole system on this machine: FerretDB, every subgraph, the gateway, demo data.
# Ctrl-C stops everything it started.
#
#   scripts/run.sh [--gateway auto|router|node] [--traces auto|memory|opensearch|off] [--raw-logs]
#
# The trace store (Jaeger, scripts/jaeger.sh) is a long compile the first time
# (docs/tracing.md has the measured time). So that the first run still answers in minutes, a
# first run with the default `--traces auto` builds it in the background and starts without
# traces; the next run has them. `--traces memory|opensearch` waits for the build;
# SHOPGRAPH_TRACES=off (or --traces off) skips it.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export PATH="$HOME/.local/bin:$PATH"

scripts/setup.sh
traces="${SHOPGRAPH_TRACES:-auto}"
args=" $* "
[[ "$args" == *" --traces off "* || "$args" == *" --traces=off "* ]] && traces=off
[[ "$args" =~ " --traces"[=\ ](memory|opensearch)" " ]] && traces=wanted
if [[ "$traces" == auto ]] && ! scripts/jaeger.sh path >/dev/null 2>&1; then
  mkdir -p .local
  nohup scripts/jaeger.sh build >.local/jaeger-build.log 2>&1 &
  echo "run: building Jaeger in the background (once; log: .local/jaeger-build.log);" \
    "this run has no trace store, the next one will" >&2
elif [[ "$traces" != off ]]; then
  scripts/jaeger.sh build || echo "run: Jaeger could not be built; starting without a trace store" >&2
fi
exec uv run --frozen shopgraph-stack run "$@"
