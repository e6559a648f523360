#!/usr/bin/env bash
# Run on the control plane (or any VM the nodes can reach), as root, from a checkout of the
# repository:
#   sudo k8s/cluster/40-registry-and-images.sh 10.0.0.10:5000
#
# Idempotent. Starts a private image registry (registry:2 under podman, plain HTTP on the
# private VM network, data in /var/lib/shopgraph-registry), builds the three subgraph
# images from subgraphs/Dockerfile and pushes them as <registry>/shopgraph/<service>:<tag>
# (tag: the chart's appVersion). The nodes trust this registry through
# 00-prepare-node.sh's REGISTRY setting. The router and database images come from their
# public registries.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
require_root
REGISTRY=${1:?usage: $0 <registry host:port, e.g. 10.0.0.10:5000>}
ROOT=$(repo_root)
TAG=$(awk '/^appVersion:/ {gsub(/"/, "", $2); print $2}' "$ROOT/k8s/helm/shopgraph/Chart.yaml")

if ! command -v podman >/dev/null; then
  log "podman (builds and pushes the images; runs the registry)"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq podman >/dev/null
fi

if ! podman container exists shopgraph-registry; then
  log "registry on port ${REGISTRY##*:}"
  mkdir -p /var/lib/shopgraph-registry
  podman run -d --name shopgraph-registry --restart=always -p "${REGISTRY##*:}:5000" \
    -v /var/lib/shopgraph-registry:/var/lib/registry "$REGISTRY_IMAGE"
fi
podman start shopgraph-registry >/dev/null

declare -A PORTS=([users]=4001 [products]=4002 [orders]=4003)
for service in users products orders; do
  image="$REGISTRY/shopgraph/$service:$TAG"
  log "building and pushing $image"
  podman build -f "$ROOT/subgraphs/Dockerfile" --build-arg "SERVICE=$service" \
    --build-arg "PORT=${PORTS[$service]}" -t "$image" "$ROOT"
  podman push --tls-verify=false "$image"
done
log "images pushed; install with: k8s/cluster/50-install-shopgraph.sh $REGISTRY"
