#!/usr/bin/env bash
# Run on the control plane, as root, once every worker has joined (and again after a worker
# joins later: it is idempotent):
#   sudo k8s/cluster/30-addons.sh
#
# Approves the kubelets' serving certificates, installs Helm, ingress-nginx (NodePorts
# 30080/30443), metrics-server (the HPAs need it) and local-path-provisioner as the default
# StorageClass (the databases' PersistentVolumes).
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
require_root

log "approving kubelet serving certificates (serverTLSBootstrap)"
for csr in $(kubectl get csr -o jsonpath='{range .items[?(@.spec.signerName=="kubernetes.io/kubelet-serving")]}{.metadata.name}{" "}{.status.conditions[0].type}{"\n"}{end}' | awk '$2 != "Approved" {print $1}'); do
  # Only requests a node makes for itself (system:node:<name>) are kubelet serving requests.
  requestor=$(kubectl get csr "$csr" -o jsonpath='{.spec.username}')
  if [[ "$requestor" == system:node:* ]]; then
    kubectl certificate approve "$csr"
  fi
done

if ! helm version --template '{{.Version}}' 2>/dev/null | grep -qx "$HELM_VERSION"; then
  log "Helm $HELM_VERSION"
  tmp=$(mktemp -d)
  curl -fsSLo "$tmp/helm.tgz" "https://get.helm.sh/helm-$HELM_VERSION-linux-amd64.tar.gz"
  curl -fsSLo "$tmp/helm.tgz.sha256sum" "https://get.helm.sh/helm-$HELM_VERSION-linux-amd64.tar.gz.sha256sum"
  (cd "$tmp" && echo "$(cut -d' ' -f1 helm.tgz.sha256sum)  helm.tgz" | sha256sum -c -)
  tar -xzf "$tmp/helm.tgz" -C "$tmp"
  install -m 755 "$tmp/linux-amd64/helm" /usr/local/bin/helm
  rm -rf "$tmp"
fi

log "ingress-nginx $INGRESS_NGINX_CHART_VERSION"
helm upgrade --install ingress-nginx ingress-nginx --repo https://kubernetes.github.io/ingress-nginx \
  --version "$INGRESS_NGINX_CHART_VERSION" --namespace ingress-nginx --create-namespace \
  --set controller.service.type=NodePort \
  --set controller.service.nodePorts.http="$INGRESS_HTTP_NODEPORT" \
  --set controller.service.nodePorts.https="$INGRESS_HTTPS_NODEPORT" \
  --wait --timeout 10m

log "metrics-server $METRICS_SERVER_CHART_VERSION"
helm upgrade --install metrics-server metrics-server --repo https://kubernetes-sigs.github.io/metrics-server \
  --version "$METRICS_SERVER_CHART_VERSION" --namespace kube-system --wait --timeout 10m

log "local-path-provisioner $LOCAL_PATH_PROVISIONER_VERSION as the default StorageClass"
kubectl apply -f "https://raw.githubusercontent.com/rancher/local-path-provisioner/$LOCAL_PATH_PROVISIONER_VERSION/deploy/local-path-storage.yaml"
kubectl patch storageclass local-path \
  -p '{"metadata": {"annotations": {"storageclass.kubernetes.io/is-default-class": "true"}}}'
kubectl -n local-path-storage rollout status deployment/local-path-provisioner --timeout=300s

log "add-ons ready"
kubectl get nodes -o wide
