#!/usr/bin/env bash
# Run ONCE on the control-plane node, as root, after 00-prepare-node.sh:
#   sudo k8s/cluster/10-init-control-plane.sh
#
# Idempotent: skips `kubeadm init` when the cluster exists. Initialises the control plane
# with the pod CIDR Calico uses, lets the kubelets get serving certificates signed by the
# cluster (metrics-server then needs no --kubelet-insecure-tls), installs Calico, and prints
# the command each worker runs to join.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
require_root

if [[ ! -f /etc/kubernetes/admin.conf ]]; then
  log "kubeadm init (pod CIDR $POD_CIDR)"
  config=$(mktemp)
  cat >"$config" <<CONF
apiVersion: kubeadm.k8s.io/v1beta4
kind: ClusterConfiguration
kubernetesVersion: v${K8S_PACKAGE_VERSION%-*}
networking:
  podSubnet: $POD_CIDR
---
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
cgroupDriver: systemd
serverTLSBootstrap: true
CONF
  kubeadm init --config "$config"
  rm -f "$config"
else
  log "control plane already initialised"
fi

# kubectl for the user who ran sudo, too.
if [[ -n "${SUDO_USER:-}" ]]; then
  home=$(getent passwd "$SUDO_USER" | cut -d: -f6)
  install -d -o "$SUDO_USER" -g "$SUDO_USER" "$home/.kube"
  install -m 600 -o "$SUDO_USER" -g "$SUDO_USER" /etc/kubernetes/admin.conf "$home/.kube/config"
fi

log "Calico $CALICO_VERSION (the CNI; it enforces NetworkPolicy)"
kubectl create -f "https://raw.githubusercontent.com/projectcalico/calico/$CALICO_VERSION/manifests/tigera-operator.yaml" 2>/dev/null \
  || kubectl replace -f "https://raw.githubusercontent.com/projectcalico/calico/$CALICO_VERSION/manifests/tigera-operator.yaml" >/dev/null
kubectl wait --for=condition=Established crd/installations.operator.tigera.io --timeout=120s
kubectl apply -f - <<CONF
apiVersion: operator.tigera.io/v1
kind: Installation
metadata:
  name: default
spec:
  calicoNetwork:
    ipPools:
      - cidr: $POD_CIDR
        encapsulation: VXLANCrossSubnet
        natOutgoing: Enabled
        nodeSelector: all()
---
apiVersion: operator.tigera.io/v1
kind: APIServer
metadata:
  name: default
spec: {}
CONF

log "waiting for the control-plane node to be Ready"
kubectl wait --for=condition=Ready node --all --timeout=600s

log "run this on each worker (as root, after 00-prepare-node.sh):"
echo "sudo k8s/cluster/20-join-worker.sh $(kubeadm token create --print-join-command | sed 's/^kubeadm join //')"
