#!/usr/bin/env bash
# Builds the real Apollo Router from crates.io (`make router`). Idempotent: a no-op when
# `router --version` already reports the pinned version.
#
#   scripts/install-router.sh
#
# A cold build took 38 min on 2 cores (measured 2026-11-26: docs/router.md) and takes
# several GB in ~/.cargo and /tmp; later runs are instant. The launcher finds the binary on PATH, at $ROUTER_BIN,
# or at ~/.cargo/bin/router, and uses the Node gateway when there is none (docs/router.md).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

ROUTER_VERSION=2.17.0
say() { echo "install-router: $*" >&2; }

export PATH="$HOME/.cargo/bin:$PATH"
CARGO_BIN="${CARGO_HOME:-$HOME/.cargo}/bin"

installed_version() { # the version the router on PATH (or at $ROUTER_BIN) reports, if any
  local bin="${ROUTER_BIN:-$(command -v router || true)}"
  [[ -n "$bin" && -x "$bin" ]] || return 0
  "$bin" --version 2>/dev/null | awk '{print $NF}' | sed 's/^v//'
}

if [[ "$(installed_version)" == "$ROUTER_VERSION" ]]; then
  say "Apollo Router $ROUTER_VERSION is already installed: ${ROUTER_BIN:-$(command -v router)}"
  exit 0
fi

command -v cargo >/dev/null || {
  say "cargo is required: install Rust with rustup (https://rustup.rs), then re-run"
  exit 1
}

# apollo-router's build compiles protobuf definitions: it needs protoc and the
# well-known .proto files.
if ! command -v protoc >/dev/null || [[ ! -d /usr/include/google/protobuf ]]; then
  say "installing Debian packages: protobuf-compiler libprotobuf-dev"
  [[ $(id -u) == 0 ]] || { say "need root to install protobuf-compiler libprotobuf-dev"; exit 1; }
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    protobuf-compiler libprotobuf-dev >/dev/null
fi

say "building Apollo Router $ROUTER_VERSION from crates.io (cargo install --locked)"
say "a cold build took 38 min on 2 cores (docs/router.md); started $(date -u +%H:%M:%S) UTC"
started=$(date +%s)
cargo install apollo-router --version "$ROUTER_VERSION" --locked
minutes=$(( ($(date +%s) - started + 59) / 60 ))

say "built in ~${minutes} min: $CARGO_BIN/router ($("$CARGO_BIN/router" --version))"
say "the launcher picks it up from there; or put it on PATH, or set ROUTER_BIN"
