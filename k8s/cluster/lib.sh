#!/usr/bin/env bash
# Shared by the k8s/cluster scripts (sourced, not run): pinned versions and small helpers.
# Every version the guide installs is pinned here, in one place.

# Kubernetes: packages from pkgs.k8s.io, one minor version (the repository is per minor).
export K8S_MINOR=v1.31
export K8S_PACKAGE_VERSION=1.31.14-1.1
# Pod network: Calico (enforces NetworkPolicy). 192.168.0.0/16 is Calico's default pool;
# it must not overlap the VMs' own network (change both here and in custom-resources).
export CALICO_VERSION=v3.29.1
export POD_CIDR=192.168.0.0/16
# Add-ons.
export HELM_VERSION=v3.22.0
export INGRESS_NGINX_CHART_VERSION=4.12.0
export METRICS_SERVER_CHART_VERSION=3.12.2
export LOCAL_PATH_PROVISIONER_VERSION=v0.0.30
export REGISTRY_IMAGE=docker.io/library/registry:2.8.3
# Where shopgraph goes.
export SHOPGRAPH_NAMESPACE=${SHOPGRAPH_NAMESPACE:-shopgraph}
export SHOPGRAPH_RELEASE=${SHOPGRAPH_RELEASE:-shopgraph}
# The ingress controller's fixed NodePorts (there is no cloud load balancer on VMware VMs).
export INGRESS_HTTP_NODEPORT=30080
export INGRESS_HTTPS_NODEPORT=30443

log() { printf '\n== %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

require_root() { [[ $(id -u) == 0 ]] || die "run as root (sudo $0)"; }

require_ubuntu_2404() {
  # shellcheck disable=SC1091 # /etc/os-release exists on every systemd distribution
  . /etc/os-release
  [[ "${ID:-}" == ubuntu && "${VERSION_ID:-}" == 24.04 ]] || die "written for Ubuntu 24.04, found ${PRETTY_NAME:-unknown}"
}

# The repository root (these scripts live in k8s/cluster/).
repo_root() { cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd; }

# kubectl as the cluster admin (the kubeconfig kubeadm writes on the control plane).
export KUBECONFIG=${KUBECONFIG:-/etc/kubernetes/admin.conf}
