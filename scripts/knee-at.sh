#!/usr/bin/env bash
# The mixed plan's knee of one git revision, measured by this checkout's load tool.
#
#   scripts/knee-at.sh REV [--gateway auto|node|router] [-- shopgraph-load knee options...]
#   e.g. scripts/knee-at.sh d6d3601 --gateway node -- --max-threads 16 --step-duration 20 --all-steps
#
# The revision runs from its own worktree (.local/knee-at/<sha>, ignored; kept for the next
# run, `git worktree remove --force .local/knee-at/<sha>` drops it) with its own virtualenv and
# data, on every port + KNEE_PORT_OFFSET (default 21000), so it never meets `make run` or
# `make profile`. The knee tool is always this checkout's, so two revisions are measured the
# same way; knee.json records the revision and the machine's load average, and
# `shopgraph-load compare-knees A/knee.json B/knee.json --out chart.png` draws them together.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export PATH="$HOME/.local/bin:$PATH"

usage="usage: scripts/knee-at.sh REV [--gateway auto|node|router] [-- knee options...]"
rev=${1:?$usage}
shift
gateway=auto
while (($#)); do
  case $1 in
    --gateway) gateway=${2:?$usage}; shift 2 ;;
    --gateway=*) gateway=${1#*=}; shift ;;
    --) shift; break ;;
    *) echo "knee-at: error: unknown argument $1; $usage" >&2; exit 2 ;;
  esac
done

sha=$(git rev-parse --verify --quiet "$rev^{commit}") ||
  { echo "knee-at: error: $rev is not a commit of this repository" >&2; exit 2; }
short=${sha:0:7}
tree=.local/knee-at/$short
offset=${KNEE_PORT_OFFSET:-21000}
if [[ ! -d $tree ]]; then
  mkdir -p .local/knee-at
  git worktree add --detach "$tree" "$sha" >/dev/null
fi
# What the revision's stack needs besides git's files: its Python packages and (hard links to
# this checkout's) the gateway's npm packages.
(cd "$tree" && uv sync --frozen --quiet)
[[ -d $tree/supergraph/node_modules || ! -d supergraph/node_modules ]] ||
  cp -al supergraph/node_modules "$tree/supergraph/"
# The revision's own FerretDB, built from its tools/ferretdb (seconds with Go's build cache):
# this checkout's binary may carry changes of its own (its garbage-collector setting did).
(cd "$tree" && scripts/ferretdb.sh build >/dev/null)

# A new data folder for every run: orders and reservations left by an earlier run make the
# development FerretDB's writes slower (docs/performance.md), so a second run of the same
# revision would measure less.
rm -rf "$tree/.data"
mkdir -p "$tree/.data"
log=$tree/.data/stack.log
echo "knee-at: starting $short's stack (gateway $gateway, ports +$offset); log: $log" >&2
(cd "$tree" && exec .venv/bin/shopgraph-stack run --gateway "$gateway" --port-offset "$offset" \
  --raw-logs) >"$log" 2>&1 &
stack=$!
# shopgraph-stack stops everything it started on SIGTERM.
trap 'kill -TERM "$stack" 2>/dev/null || true; wait "$stack" 2>/dev/null || true' EXIT

health=http://127.0.0.1:$((8088 + offset))/health
for _ in $(seq 300); do
  kill -0 "$stack" 2>/dev/null || { echo "knee-at: error: the stack stopped; see $log" >&2; exit 2; }
  grep -q "shopgraph is up" "$log" && curl -fsS -o /dev/null "$health" && break
  sleep 1
done
grep -q "shopgraph is up" "$log" ||
  { echo "knee-at: error: the stack was not up in 300 s; see $log" >&2; exit 2; }

uv run --frozen shopgraph-load knee --target "http://127.0.0.1:$((4000 + offset))/graphql" \
  --revision "$short" --label "$short" "$@"
