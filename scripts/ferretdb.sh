#!/usr/bin/env bash
# Dev/test MongoDB-wire server: FerretDB v1 on SQLite, built from tools/ferretdb.
#
#   scripts/ferretdb.sh build                    build .local/bin/shopgraph-ferretdb if missing/stale
#   scripts/ferretdb.sh start <port> <data-dir>  start in background, wait for a ping (60 s max)
#   scripts/ferretdb.sh stop <data-dir>          stop the server started with that data dir
#   scripts/ferretdb.sh run <port> <data-dir> [flags...]  run in the foreground (exec);
#                                                flags go to the binary, e.g. --serialize-writes=false
#
# The server listens on 127.0.0.1:<port>; SQLite files, ferretdb.pid and
# ferretdb.log live in <data-dir>. FERRETDB_LOG_LEVEL (default info) sets the level.
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SRC="$REPO_ROOT/tools/ferretdb"
BIN="$REPO_ROOT/.local/bin/shopgraph-ferretdb"
LOG_LEVEL="${FERRETDB_LOG_LEVEL:-info}"

say() { echo "ferretdb: $*" >&2; }
die() { say "error: $*"; exit 1; }
# shellcheck source=scripts/go-build-once.sh
source "$REPO_ROOT/scripts/go-build-once.sh"
usage() { sed -n '2,11s/^# \{0,1\}//p' "${BASH_SOURCE[0]}" >&2; exit 2; }

# Our patches to FerretDB (tools/ferretdb/patches, each saying why) are applied to a copy of
# its module in .local/ferretdb-build, which a go.work there puts in place of the download:
# the module cache stays as downloaded, and a patch that no longer applies stops the build.
patched_workspace() {
  local build="$REPO_ROOT/.local/ferretdb-build" module patch version work
  version=$(cd "$SRC" && go list -m -f '{{.Version}}' github.com/FerretDB/FerretDB)
  module=$(cd "$SRC" && go mod download github.com/FerretDB/FerretDB &&
    go list -m -f '{{.Dir}}' github.com/FerretDB/FerretDB) || die "cannot download FerretDB's module"
  work=$(mktemp -d)
  cp -r "$module" "$work/FerretDB" && chmod -R u+w "$work/FerretDB"
  for patch in "$SRC"/patches/*.patch; do
    [[ -f "$patch" ]] || continue
    # Outside any repository git apply works as patch does (and git is always here).
    GIT_CEILING_DIRECTORIES="$work" git -C "$work/FerretDB" apply -p1 "$patch" ||
      { rm -rf "$work"; die "$(basename "$patch") no longer applies to FerretDB $version"; }
  done
  printf 'go 1.24\n\nuse %s\n\nreplace github.com/FerretDB/FerretDB %s => ./FerretDB\n' \
    "$SRC" "$version" >"$work/go.work"
  rm -rf "$build" && mkdir -p "$(dirname "$build")" && mv "$work" "$build"
  echo "$build/go.work"
}

build() {
  local workspace
  if build_is_current "$SRC" "$BIN"; then
    say "up to date: $BIN"
    return
  fi
  command -v go >/dev/null || die "go toolchain not found (needed to build $BIN)"
  workspace=$(patched_workspace) || exit 1
  GOWORK=$workspace build_once "$SRC" "$BIN" . "the first build takes a few minutes"
}

# Sends OP_MSG {ping: 1, $db: "admin"} over bash's /dev/tcp and succeeds if the
# reply holds ok: 1.0, so no Mongo client is needed to know the server is up.
# shellcheck disable=SC2016 # the inner script expands $1 itself, in its own bash
ping_port() {
  local port=$1
  timeout 3 bash -c '
    exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 1
    printf "\x33\0\0\0\x01\0\0\0\0\0\0\0\xdd\x07\0\0\0\0\0\0\0\x1e\0\0\0\x10ping\0\x01\0\0\0\x02\$db\0\x06\0\0\0admin\0\0" >&3
    len=$(head -c 4 <&3 | od -An -tu4 | tr -d " ")
    [[ -n "$len" ]] && head -c $((len - 4)) <&3 | od -An -tx1 | tr -d " \n" | grep -q "016f6b00000000000000f03f"
  ' _ "$port" 2>/dev/null
}

running_pid() { # prints the pid recorded in <data-dir> if that process is still our server
  local pidfile="$1/ferretdb.pid" pid
  [[ -f "$pidfile" ]] || return 1
  pid=$(<"$pidfile")
  [[ "$pid" =~ ^[0-9]+$ ]] && tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline" | grep -q shopgraph-ferretdb || return 1
  echo "$pid"
}

check_port() { [[ "${1:-}" =~ ^[0-9]+$ ]] || die "port must be a number, got '${1:-}'"; }

start() {
  [[ $# -eq 2 ]] || usage
  local port=$1 dir pid log i
  check_port "$port"
  mkdir -p "$2"
  dir="$(cd "$2" && pwd)"
  log="$dir/ferretdb.log"
  if pid=$(running_pid "$dir"); then
    ping_port "$port" || die "already running (pid $pid) for $dir, but not answering on port $port"
    say "already running (pid $pid) on 127.0.0.1:$port, data in $dir"
    return
  fi
  # Without this, a ping answered by some other server on the port would
  # pass for ours before our process fails to bind.
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    die "port $port is already in use by another process"
  fi
  build
  say "starting on 127.0.0.1:$port, data in $dir, log in $log"
  nohup "$BIN" --listen-addr "127.0.0.1:$port" --state-dir "$dir" --log-level "$LOG_LEVEL" >"$log" 2>&1 </dev/null &
  pid=$!
  echo "$pid" >"$dir/ferretdb.pid"
  for ((i = 0; i < 120; i++)); do
    if ping_port "$port"; then
      say "ready (pid $pid): mongodb://127.0.0.1:$port/"
      return
    fi
    if ! kill -0 "$pid" 2>/dev/null; then
      rm -f "$dir/ferretdb.pid"
      say "server exited during startup; log tail:"; tail -n 20 "$log" >&2
      exit 1
    fi
    sleep 0.5
  done
  say "no ping answer on port $port after 60 s; log tail:"; tail -n 20 "$log" >&2
  kill "$pid" 2>/dev/null || true
  rm -f "$dir/ferretdb.pid"
  exit 1
}

stop() {
  [[ $# -eq 1 ]] || usage
  local dir=$1 pid i
  if ! pid=$(running_pid "$dir"); then
    rm -f "$dir/ferretdb.pid"
    say "not running for $dir"
    return
  fi
  say "stopping pid $pid"
  kill -TERM "$pid"
  for ((i = 0; i < 100; i++)); do
    kill -0 "$pid" 2>/dev/null || { rm -f "$dir/ferretdb.pid"; say "stopped"; return; }
    sleep 0.1
  done
  say "pid $pid ignored SIGTERM for 10 s; killing"
  kill -KILL "$pid" 2>/dev/null || true
  rm -f "$dir/ferretdb.pid"
}

run() {
  [[ $# -ge 2 ]] || usage
  local port=$1 dir=$2
  check_port "$port"
  shift 2
  build
  mkdir -p "$dir"
  exec "$BIN" --listen-addr "127.0.0.1:$port" --state-dir "$dir" --log-level "$LOG_LEVEL" "$@"
}

cmd="${1:-}"
shift || true
case "$cmd" in
  build) build ;;
  start) start "$@" ;;
  stop) stop "$@" ;;
  run) run "$@" ;;
  *) usage ;;
esac
