#!/usr/bin/env bash
# Run on each WORKER, as root, after 00-prepare-node.sh, with the arguments
# 10-init-control-plane.sh printed:
#   sudo k8s/cluster/20-join-worker.sh 10.0.0.10:6443 --token ... --discovery-token-ca-cert-hash sha256:...
#
# Idempotent: a node that has joined already is left alone. Afterwards, on the control plane,
# 30-addons.sh approves the new kubelet's serving certificate.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
require_root
(($#)) || die "usage: $0 <control-plane:6443> --token <token> --discovery-token-ca-cert-hash <hash>"

if [[ -f /etc/kubernetes/kubelet.conf ]]; then
  log "this node has joined a cluster already"
  exit 0
fi
log "joining the cluster at $1"
kubeadm join "$@"
log "joined; now run k8s/cluster/30-addons.sh on the control plane"
