#!/usr/bin/env bash
# Run on the control plane, as root, from a checkout of the repository:
#   sudo k8s/cluster/50-install-shopgraph.sh 10.0.0.10:5000 [extra helm arguments...]
#
# Idempotent (helm upgrade --install). Creates the namespace with Pod Security "restricted"
# enforced, installs or upgrades the chart with the images from the private registry, runs
# `helm test`, and asks the router one GraphQL question through the Ingress.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
require_root
REGISTRY=${1:?usage: $0 <registry host:port> [helm arguments...]}
shift
ROOT=$(repo_root)

log "namespace $SHOPGRAPH_NAMESPACE with Pod Security restricted enforced"
kubectl create namespace "$SHOPGRAPH_NAMESPACE" --dry-run=client -o yaml | kubectl apply -f -
kubectl label --overwrite namespace "$SHOPGRAPH_NAMESPACE" \
  pod-security.kubernetes.io/enforce=restricted \
  pod-security.kubernetes.io/enforce-version=latest \
  pod-security.kubernetes.io/warn=restricted \
  pod-security.kubernetes.io/audit=restricted

log "helm upgrade --install $SHOPGRAPH_RELEASE"
helm upgrade --install "$SHOPGRAPH_RELEASE" "$ROOT/k8s/helm/shopgraph" \
  --namespace "$SHOPGRAPH_NAMESPACE" \
  --set global.imageRegistry="$REGISTRY" \
  --wait --timeout 15m "$@"

log "helm test"
helm test "$SHOPGRAPH_RELEASE" --namespace "$SHOPGRAPH_NAMESPACE" --logs

node_ip=$(kubectl get nodes -o jsonpath='{.items[0].status.addresses[?(@.type=="InternalIP")].address}')
url="http://$node_ip:$INGRESS_HTTP_NODEPORT/graphql"
log "a GraphQL question through the Ingress: $url"
curl -fsS -H 'content-type: application/json' \
  --data '{"query":"{ products(first: 3) { edges { node { id name } } } }"}' "$url"
echo
