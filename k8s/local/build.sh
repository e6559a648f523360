#!/usr/bin/env bash
# Builds the local cluster's binaries from the Go module proxy into the ignored .local/k8s/bin:
# kube-apiserver, kube-controller-manager, kube-scheduler, kubelet, kube-proxy and kubectl
# (Kubernetes v1.31.14, module k8s/local/kubebins), etcd 3.5.21 (module k8s/local/etcd) and
# CoreDNS 1.11.3 (go install; its go.mod has no replace directives).
# A binary is rebuilt only when its module changed since it was built. Prints each build's
# time and the total; the first (cold) build takes about 35 minutes on 2 busy cores, later
# ones seconds (the Go module and build caches are the machine's usual ones).
#
#   k8s/local/build.sh [--check]     --check: exit 1 (building nothing) if anything is missing
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
export PATH="$HOME/.local/bin:$PATH"

KUBE_VERSION=v1.31.14
COREDNS_VERSION=1.11.3
BIN=$PWD/.local/k8s/bin
KUBE_CMDS=(kube-apiserver kube-controller-manager kube-scheduler kubelet kube-proxy kubectl)
say() { echo "k8s-build: $*" >&2; }

# Without these the binaries report v0.0.0-master: Helm's kubeVersion checks and kubectl's
# skew warning read them.
LDF="-s -w"
for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  LDF="$LDF -X $p.gitVersion=$KUBE_VERSION -X $p.gitMajor=1 -X $p.gitMinor=31 -X $p.gitTreeState=clean"
done

stale() { # stale BINARY MODULE_DIR: the binary is missing or older than its module's sources
  [[ ! -x "$1" ]] || [[ -n "$(find "$2" -type f \( -name '*.go' -o -name go.mod -o -name go.sum \) -newer "$1" -print -quit)" ]]
}

if [[ "${1:-}" == "--check" ]]; then
  missing=()
  for c in "${KUBE_CMDS[@]}"; do stale "$BIN/$c" k8s/local/kubebins && missing+=("$c"); done
  stale "$BIN/etcd" k8s/local/etcd && missing+=(etcd)
  ((${#missing[@]} == 0)) || { say "not built or stale: ${missing[*]} (run k8s/local/build.sh)"; exit 1; }
  exit 0
fi

command -v go >/dev/null || { say "the go toolchain is required"; exit 1; }
mkdir -p "$BIN"
total=$SECONDS
build() { # build NAME MODULE_DIR PACKAGE [LDFLAGS]
  local name=$1 dir=$2 pkg=$3 ldf=${4:-"-s -w"} t=$SECONDS
  if ! stale "$BIN/$name" "$dir"; then
    say "$name is up to date"
    return
  fi
  say "building $name (started $(date -u +%H:%M:%S) UTC)"
  # nice: other jobs share these 2 cores. A temporary name, so nobody runs a half-written file.
  (cd "$dir" && nice -n 10 go build -trimpath -ldflags "$ldf" -o "$BIN/$name.tmp.$$" "$pkg") \
    || { rm -f "$BIN/$name.tmp.$$"; say "building $name failed"; exit 1; }
  mv -f "$BIN/$name.tmp.$$" "$BIN/$name"
  say "built $name in $((SECONDS - t)) s"
}

build etcd k8s/local/etcd .
if "$BIN/coredns" -version 2>/dev/null | grep -qx "CoreDNS-$COREDNS_VERSION"; then
  say "coredns is up to date"
else
  t=$SECONDS
  say "building coredns $COREDNS_VERSION (started $(date -u +%H:%M:%S) UTC)"
  GOBIN=$BIN nice -n 10 go install -trimpath -ldflags "-s -w" "github.com/coredns/coredns@v$COREDNS_VERSION"
  say "built coredns in $((SECONDS - t)) s"
fi
for c in "${KUBE_CMDS[@]}"; do build "$c" k8s/local/kubebins "./cmd/$c" "$LDF"; done
# Read the whole output first: `| grep -q` exits at the first match, and with pipefail the
# SIGPIPE that kubectl then gets would fail a good build.
kubectl_version=$("$BIN/kubectl" version --client)
[[ "$kubectl_version" == *"$KUBE_VERSION"* ]] || { say "kubectl does not report $KUBE_VERSION"; exit 1; }
say "all binaries ready in $BIN: $((SECONDS - total)) s"
