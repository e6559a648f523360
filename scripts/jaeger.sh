#!/usr/bin/env bash
# The local trace collector and store: Jaeger v2 (v1.76.0), built from the Go module proxy
# as a Go tool of tools/tracing/jaeger (go.mod pins it and all its modules).
#
#   scripts/jaeger.sh build                      build .local/bin/shopgraph-jaeger if missing/stale
#   scripts/jaeger.sh path                       print the binary's path if it is built (exit 1 if not)
#   scripts/jaeger.sh run memory|opensearch      run in the foreground (exec) with
#                                                tools/tracing/jaeger/config.yaml + storage-<store>.yaml
#
# Ports, sampling and the OpenSearch URL come from the environment (JAEGER_OTLP_HTTP_PORT,
# JAEGER_QUERY_PORT, TRACE_SUCCESS_PERCENT, JAEGER_OPENSEARCH_URL, ...: see config.yaml).
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SRC="$REPO_ROOT/tools/tracing/jaeger"
BIN="$REPO_ROOT/.local/bin/shopgraph-jaeger"

say() { echo "jaeger: $*" >&2; }
die() { say "error: $*"; exit 1; }
# shellcheck source=scripts/go-build-once.sh
source "$REPO_ROOT/scripts/go-build-once.sh"
usage() { sed -n '2,10s/^# \{0,1\}//p' "${BASH_SOURCE[0]}" >&2; exit 2; }

build() {
  build_once "$SRC" "$BIN" github.com/jaegertracing/jaeger/cmd/jaeger \
    "measured cold: 30 min on a loaded 2-core machine"
}

run() {
  [[ $# -eq 1 ]] || usage
  local store=$1
  [[ -f "$SRC/storage-$store.yaml" ]] || die "no storage named '$store' (memory or opensearch)"
  if [[ "$store" == opensearch && -z "${JAEGER_OPENSEARCH_URL:-}" ]]; then
    die "JAEGER_OPENSEARCH_URL must name the OpenSearch/Elasticsearch node"
  fi
  [[ -x "$BIN" ]] || build
  exec "$BIN" --config "$SRC/config.yaml" --config "$SRC/storage-$store.yaml"
}

cmd="${1:-}"
shift || true
case "$cmd" in
  build) build ;;
  path) [[ -x "$BIN" ]] && echo "$BIN" ;;
  run) run "$@" ;;
  *) usage ;;
esac
