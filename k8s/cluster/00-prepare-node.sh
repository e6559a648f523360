#!/usr/bin/env bash
# Run on EVERY node (control plane and workers), as root, on Ubuntu 24.04 server:
#   sudo REGISTRY=10.0.0.10:5000 k8s/cluster/00-prepare-node.sh
#
# Idempotent. Turns swap off, loads the kernel modules and sysctls Kubernetes networking
# needs, installs containerd with the systemd cgroup driver, trusts the in-cluster image
# registry (REGISTRY, plain HTTP on the private network; see 40-registry-and-images.sh), and
# installs kubeadm, kubelet and kubectl pinned to one version from pkgs.k8s.io.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
require_root
require_ubuntu_2404
REGISTRY=${REGISTRY:-}

log "swap off (the kubelet refuses to start with swap on)"
swapoff -a
sed -ri '/^[^#].*\sswap\s/s/^/# disabled for Kubernetes: /' /etc/fstab

log "kernel modules and sysctls for bridged pod traffic"
cat >/etc/modules-load.d/k8s.conf <<'CONF'
overlay
br_netfilter
CONF
modprobe overlay
modprobe br_netfilter
cat >/etc/sysctl.d/99-kubernetes.conf <<'CONF'
net.bridge.bridge-nf-call-iptables  = 1
net.bridge.bridge-nf-call-ip6tables = 1
net.ipv4.ip_forward                 = 1
CONF
sysctl --system >/dev/null

log "containerd with the systemd cgroup driver"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq containerd apt-transport-https ca-certificates curl gpg >/dev/null
mkdir -p /etc/containerd
if [[ ! -s /etc/containerd/config.toml ]] || ! grep -q 'SystemdCgroup = true' /etc/containerd/config.toml; then
  containerd config default >/etc/containerd/config.toml
  # kubeadm configures the kubelet for the systemd cgroup driver; containerd must match.
  sed -i 's/SystemdCgroup = false/SystemdCgroup = true/' /etc/containerd/config.toml
  # Per-registry settings (the private registry below) live in certs.d.
  sed -i 's|config_path = ""|config_path = "/etc/containerd/certs.d"|' /etc/containerd/config.toml
  # The pause image kubeadm 1.31 expects (containerd's default is older).
  sed -i 's|sandbox_image = .*|sandbox_image = "registry.k8s.io/pause:3.10"|' /etc/containerd/config.toml
fi
if [[ -n "$REGISTRY" ]]; then
  mkdir -p "/etc/containerd/certs.d/$REGISTRY"
  cat >"/etc/containerd/certs.d/$REGISTRY/hosts.toml" <<CONF
# The shopgraph image registry on the private VM network (plain HTTP).
server = "http://$REGISTRY"

[host."http://$REGISTRY"]
  capabilities = ["pull", "resolve"]
CONF
fi
systemctl restart containerd
systemctl enable containerd >/dev/null

log "kubeadm, kubelet and kubectl $K8S_PACKAGE_VERSION from pkgs.k8s.io"
install -d -m 755 /etc/apt/keyrings
if [[ ! -s /etc/apt/keyrings/kubernetes-apt-keyring.gpg ]]; then
  curl -fsSL "https://pkgs.k8s.io/core:/stable:/$K8S_MINOR/deb/Release.key" \
    | gpg --dearmor -o /etc/apt/keyrings/kubernetes-apt-keyring.gpg
fi
echo "deb [signed-by=/etc/apt/keyrings/kubernetes-apt-keyring.gpg] https://pkgs.k8s.io/core:/stable:/$K8S_MINOR/deb/ /" \
  >/etc/apt/sources.list.d/kubernetes.list
apt-get update -qq
apt-mark unhold kubelet kubeadm kubectl >/dev/null 2>&1 || true
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --allow-downgrades \
  "kubelet=$K8S_PACKAGE_VERSION" "kubeadm=$K8S_PACKAGE_VERSION" "kubectl=$K8S_PACKAGE_VERSION" >/dev/null
# Held, so an unattended upgrade never moves one node to another version.
apt-mark hold kubelet kubeadm kubectl >/dev/null
systemctl enable kubelet >/dev/null

log "node ready for kubeadm: $(kubeadm version -o short)"
