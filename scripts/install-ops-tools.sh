#!/usr/bin/env bash
# Builds the ops tools the chart checks need into the ignored .local/bin, idempotently.
#
#   scripts/install-ops-tools.sh [helm] [psa-check]     (no argument: both)
#
#   helm       Helm v3.22.0 from the Go module proxy. Skipped when .local/bin/helm already
#              reports v3.22.0. A cold build takes about 8-10 minutes on 2 cores; the Go
#              module and build caches make later builds quick.
#   psa-check  tools/psa-check: Kubernetes' own Pod Security evaluator over rendered YAML.
#              Rebuilt only when its sources are newer than the binary.
#
# Each build prints how long it took.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

HELM_VERSION=v3.22.0
BIN_DIR="$PWD/.local/bin"
say() { echo "install-ops-tools: $*" >&2; }
die() { say "error: $*"; exit 1; }

need_go() { command -v go >/dev/null || die "the go toolchain is required (README: prerequisites)"; }

install_helm() {
  local helm="$BIN_DIR/helm" started=$SECONDS
  if [[ -x "$helm" ]] && "$helm" version --template '{{.Version}}' 2>/dev/null | grep -qx "$HELM_VERSION"; then
    say "helm $HELM_VERSION is up to date: $helm"
    return
  fi
  need_go
  say "building helm $HELM_VERSION from the Go module proxy (about 8-10 minutes the first time)..."
  mkdir -p "$BIN_DIR"
  # -X sets the version `helm version` reports (a plain go install leaves it at v3.x);
  # -s -w drop debug data (a quarter of the binary).
  GOBIN="$BIN_DIR" go install \
    -ldflags "-s -w -X helm.sh/helm/v3/internal/version.version=$HELM_VERSION" \
    "helm.sh/helm/v3/cmd/helm@$HELM_VERSION"
  "$helm" version --template '{{.Version}}' | grep -qx "$HELM_VERSION" || die "built helm does not report $HELM_VERSION"
  say "built helm $HELM_VERSION in $((SECONDS - started)) s"
}

install_psa_check() {
  local bin="$BIN_DIR/shopgraph-psa-check" src="$PWD/tools/psa-check" started=$SECONDS
  if [[ -x "$bin" ]] && [[ -z "$(find "$src" -type f \( -name '*.go' -o -name go.mod -o -name go.sum \) -newer "$bin" -print -quit)" ]]; then
    say "psa-check is up to date: $bin"
    return
  fi
  need_go
  say "building psa-check from tools/psa-check (k8s.io/pod-security-admission; a few minutes the first time)..."
  mkdir -p "$BIN_DIR"
  # Build to a temporary name so a concurrent check never runs a half-written file.
  (cd "$src" && go build -buildvcs=false -trimpath -o "$bin.tmp.$$" .) || { rm -f "$bin.tmp.$$"; die "go build failed"; }
  mv -f "$bin.tmp.$$" "$bin"
  say "built psa-check in $((SECONDS - started)) s"
}

(($#)) || set -- helm psa-check
for tool in "$@"; do
  case "$tool" in
    helm) install_helm ;;
    psa-check) install_psa_check ;;
    *) die "unknown tool '$tool' (helm, psa-check)" ;;
  esac
done
