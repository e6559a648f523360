#!/usr/bin/env bash
# A real single-node Kubernetes v1.31 on this machine, without Docker or a registry
# (docs/kubernetes.md, "A real cluster on one machine without Docker").
#
#   k8s/local/cluster.sh up [--control-plane-only]   start it (binaries from k8s/local/build.sh;
#                                                    K8S_LOCAL_NODE=0 also means no node)
#   k8s/local/cluster.sh install [VALUE_SET]         helm install the chart (default: review)
#   k8s/local/cluster.sh status                      nodes, pods, the tiers reached
#   k8s/local/cluster.sh prepare NAMESPACE           local volumes and the FerretDB Secret (values-local)
#   k8s/local/cluster.sh down                        stop and remove everything `up` made
#   k8s/local/cluster.sh env                         the exports for kubectl and helm
#   k8s/local/cluster.sh snapshot                    what `down` must leave as it found it
#
# Everything listens on 127.0.0.1 only, on ports K8S_LOCAL_PORT_BASE.. (default E2E_PORT_BASE
# + 1500, i.e. 11500 when that is unset). All state lives in the ignored .local/k8s/state;
# `down` stops every process by the PID `up` recorded, restores the kernel settings the
# kubelet changes, and removes what the node's tools left outside that folder.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
REPO=$PWD
export PATH="$HOME/.local/bin:$PATH"

ROOT=$REPO/.local/k8s
BIN=$ROOT/bin
STATE=$ROOT/state
PKI=$STATE/pki
PIDS=$STATE/pids
LOGS=$STATE/logs
HELM=$REPO/.local/bin/helm
KUBE_VERSION=v1.31.14

BASE=${K8S_LOCAL_PORT_BASE:-$(( ${E2E_PORT_BASE:-10000} + 1500 ))}
ETCD_CLIENT_PORT=$((BASE + 1))
ETCD_PEER_PORT=$((BASE + 2))
ETCD_METRICS_PORT=$((BASE + 3))
APISERVER_PORT=$((BASE + 10))
KCM_PORT=$((BASE + 11))
SCHEDULER_PORT=$((BASE + 12))
KUBELET_PORT=$((BASE + 20))
KUBELET_HEALTHZ_PORT=$((BASE + 21))
CRI_STREAM_PORT=$((BASE + 22))
KUBE_PROXY_METRICS_PORT=$((BASE + 23))
KUBE_PROXY_HEALTHZ_PORT=$((BASE + 24))
COREDNS_HEALTH_PORT=$((BASE + 25))
# The node's tools: Debian's containerd, runc and CNI plugins, unpacked (k8s/local/images.sh).
NODE_ROOT=$ROOT/node-root
# The host side of the pod network: a bridge this launcher creates and deletes.
BRIDGE=k8slocal0
# Ranges overlapping nothing on the host (checked at `up` against `ip route`/`ip addr`).
SERVICE_CIDR=10.232.0.0/16
SERVICE_FIRST_IP=10.232.0.1
POD_CIDR=10.233.0.0/24

# The kernel settings the kubelet sets at start (recorded by `up`, restored by `down`).
# (and ip_forward, which CNI plugins may switch on: recorded and restored as well).
KUBELET_SYSCTLS=(vm.overcommit_memory kernel.panic kernel.panic_on_oops net.ipv4.ip_forward)
# What kube-proxy could change (it is told not to): proven unchanged by the snapshot.
WATCHED_SYSCTLS=(net.ipv4.conf.all.route_localnet net.bridge.bridge-nf-call-iptables)
# The cgroup (in every v1 hierarchy) the kubelet puts its pods under.
CGROUP_ROOT=k8s-local

say() { echo "k8s-local: $*" >&2; }
die() { say "error: $*"; exit 1; }

export KUBECONFIG=$STATE/admin.kubeconfig
# kubectl writes a discovery cache under $HOME/.kube unless told otherwise; helm under $HOME too.
export KUBECACHEDIR=$STATE/kube-cache
export HELM_CACHE_HOME=$STATE/helm/cache HELM_CONFIG_HOME=$STATE/helm/config HELM_DATA_HOME=$STATE/helm/data

kubectl() { "$BIN/kubectl" "$@"; }

# --- snapshot: the machine state `down` must restore --------------------------------------
snapshot() {
  echo "## sysctls"
  local s
  for s in "${KUBELET_SYSCTLS[@]}" "${WATCHED_SYSCTLS[@]}"; do echo "$s=$(sysctl -n "$s")"; done
  echo "## mounts made by a cluster (kubelet, containerd, netns, CNI, this state folder)"
  awk '{print $5}' /proc/self/mountinfo | grep -E 'kubelet|containerd|/run/netns|/cni|\.local/k8s|k8s\.io|kubepods' | sort || true
  echo "## network namespaces"
  find /run/netns -mindepth 1 -maxdepth 1 -printf '%f\n' 2>/dev/null | sort || true
  echo "## network links"
  ip -o link show | awk -F': ' '{print $2}' | sed 's/@.*//' | sort
  echo "## listening on the cluster's ports ($BASE-$((BASE + 99))) or the kubelet's defaults"
  ss -Hltn | awk '{print $4}' | awk -F: -v lo="$BASE" -v hi="$((BASE + 99))" \
    '($NF >= lo && $NF <= hi) || $NF ~ /^(10248|10249|10250|10256|10257|10259|2379|2380|6443)$/ {print}' | sort
  echo "## cgroups made by a cluster"
  find /sys/fs/cgroup -maxdepth 2 -type d \( -name 'k8s.io' -o -name 'kubepods*' -o -name 'k8s-local' -o -name 'libpod_parent' \) 2>/dev/null | sort
  echo "## folders the kubelet, containerd and the CNI plugins use outside the state folder"
  for s in /var/lib/kubelet /var/lib/cni /run/containerd /var/log/containers /var/log/pods /run/runc /etc/cni; do
    [[ -e "$s" ]] && echo "$s"
  done
  echo "## iptables chains made by kube-proxy"
  if [[ -x "$NODE_ROOT/usr/sbin/iptables-legacy-save" ]]; then
    node_iptables iptables-legacy-save 2>/dev/null | grep -oE '^:KUBE-[A-Z0-9-]+' | sort || true
  fi
}

# --- certificates -------------------------------------------------------------------------
make_pki() {
  mkdir -p "$PKI"
  openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=k8s-local-ca" \
    -keyout "$PKI/ca.key" -out "$PKI/ca.crt" 2>/dev/null
  cert() { # cert NAME SUBJECT [SANS]: a key and a certificate signed by the CA
    local name=$1 subject=$2 sans=${3:-} ext=$PKI/$1.ext
    openssl req -newkey rsa:2048 -nodes -subj "$subject" -keyout "$PKI/$name.key" -out "$PKI/$name.csr" 2>/dev/null
    {
      echo "basicConstraints=CA:FALSE"
      echo "keyUsage=critical,digitalSignature,keyEncipherment"
      echo "extendedKeyUsage=serverAuth,clientAuth"
      [[ -n "$sans" ]] && echo "subjectAltName=$sans"
    } >"$ext"
    openssl x509 -req -in "$PKI/$name.csr" -CA "$PKI/ca.crt" -CAkey "$PKI/ca.key" -CAcreateserial \
      -days 2 -extfile "$ext" -out "$PKI/$name.crt" 2>/dev/null
    rm -f "$PKI/$name.csr" "$ext"
  }
  cert apiserver "/CN=kube-apiserver" \
    "IP:127.0.0.1,IP:$SERVICE_FIRST_IP,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local"
  cert admin "/O=system:masters/CN=k8s-local-admin"
  cert kube-controller-manager "/CN=system:kube-controller-manager"
  cert kube-scheduler "/CN=system:kube-scheduler"
  cert node "/O=system:nodes/CN=system:node:localhost" "DNS:localhost,IP:127.0.0.1"
  cert kube-proxy "/CN=system:kube-proxy"
  cert coredns "/CN=k8s-local:coredns"
  openssl genrsa -out "$PKI/sa.key" 2048 2>/dev/null
  openssl rsa -in "$PKI/sa.key" -pubout -out "$PKI/sa.pub" 2>/dev/null
  chmod 600 "$PKI"/*.key
  local who
  for who in admin kube-controller-manager kube-scheduler node kube-proxy coredns; do
    kubeconfig "$who" >"$STATE/$who.kubeconfig"
    chmod 600 "$STATE/$who.kubeconfig"
  done
}

kubeconfig() { # kubeconfig NAME: a kubeconfig for the client certificate NAME
  cat <<EOF
apiVersion: v1
kind: Config
clusters:
- name: local
  cluster:
    certificate-authority: $PKI/ca.crt
    server: https://127.0.0.1:$APISERVER_PORT
users:
- name: $1
  user:
    client-certificate: $PKI/$1.crt
    client-key: $PKI/$1.key
contexts:
- name: local
  context: {cluster: local, user: $1}
current-context: local
EOF
}

# --- processes ----------------------------------------------------------------------------
start() { # start NAME COMMAND...: run in the background, log to $LOGS/NAME.log, record its PID
  local name=$1
  shift
  "$@" >"$LOGS/$name.log" 2>&1 &
  echo $! >"$PIDS/$name.pid"
  say "started $name (pid $!)"
}

alive() { [[ -f "$PIDS/$1.pid" ]] && kill -0 "$(cat "$PIDS/$1.pid")" 2>/dev/null; }

wait_for() { # wait_for WHAT SECONDS PROCESS COMMAND...: poll until COMMAND succeeds
  local what=$1 limit=$2 proc=$3 t=$SECONDS
  shift 3
  until "$@" >/dev/null 2>&1; do
    alive "$proc" || { tail -20 "$LOGS/$proc.log" >&2; die "$proc exited while waiting for $what"; }
    ((SECONDS - t < limit)) || { tail -20 "$LOGS/$proc.log" >&2; die "$what not ready after ${limit}s"; }
    sleep 0.5
  done
  say "$what ready after $((SECONDS - t)) s"
}

check_ranges() { # refuse ranges that overlap anything routed or addressed on the host
  local cidr
  for cidr in "$SERVICE_CIDR" "$POD_CIDR"; do
    local net=${cidr%/*}
    local first3=${net%.*}
    # grep reads everything (no -q): with pipefail, an early exit's SIGPIPE to ip would make
    # a found overlap look like none.
    if ip -4 addr show | grep "inet ${first3%.*}\." >/dev/null ||
      ip -4 route show | grep "^${first3%.*}\." >/dev/null; then
      die "$cidr overlaps an address or route on this host (ip addr / ip route): pick another range"
    fi
  done
}

up_control_plane() {
  local t=$SECONDS
  make_pki
  start etcd "$BIN/etcd" --name local --data-dir "$STATE/etcd" \
    --listen-client-urls "http://127.0.0.1:$ETCD_CLIENT_PORT" --advertise-client-urls "http://127.0.0.1:$ETCD_CLIENT_PORT" \
    --listen-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" --initial-advertise-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" \
    --initial-cluster "local=http://127.0.0.1:$ETCD_PEER_PORT" --listen-metrics-urls "http://127.0.0.1:$ETCD_METRICS_PORT"
  wait_for etcd 60 etcd curl -fsS "http://127.0.0.1:$ETCD_CLIENT_PORT/health"
  # --endpoint-reconciler-type=none: the `kubernetes` Endpoints may not hold a loopback address.
  # Hostname first: the apiserver reaches the kubelet at localhost, never the VM's eth0.
  start kube-apiserver "$BIN/kube-apiserver" --etcd-servers="http://127.0.0.1:$ETCD_CLIENT_PORT" \
    --bind-address=127.0.0.1 --advertise-address=127.0.0.1 --secure-port="$APISERVER_PORT" \
    --tls-cert-file="$PKI/apiserver.crt" --tls-private-key-file="$PKI/apiserver.key" \
    --client-ca-file="$PKI/ca.crt" \
    --service-account-key-file="$PKI/sa.pub" --service-account-signing-key-file="$PKI/sa.key" \
    --service-account-issuer=https://kubernetes.default.svc.cluster.local \
    --authorization-mode=Node,RBAC \
    --enable-admission-plugins=NamespaceLifecycle,LimitRanger,ServiceAccount,DefaultStorageClass,ResourceQuota,PodSecurity,NodeRestriction,MutatingAdmissionWebhook,ValidatingAdmissionWebhook,ValidatingAdmissionPolicy \
    --service-cluster-ip-range="$SERVICE_CIDR" --allow-privileged=false --profiling=false \
    --endpoint-reconciler-type=none \
    --kubelet-client-certificate="$PKI/admin.crt" --kubelet-client-key="$PKI/admin.key" \
    --kubelet-certificate-authority="$PKI/ca.crt" --kubelet-preferred-address-types=Hostname
  wait_for kube-apiserver 120 kube-apiserver kubectl get --raw /readyz
  # --cert-dir: otherwise it writes its serving certificate to a system path.
  start kube-controller-manager "$BIN/kube-controller-manager" \
    --kubeconfig="$STATE/kube-controller-manager.kubeconfig" \
    --authentication-kubeconfig="$STATE/kube-controller-manager.kubeconfig" \
    --authorization-kubeconfig="$STATE/kube-controller-manager.kubeconfig" \
    --bind-address=127.0.0.1 --secure-port="$KCM_PORT" --cert-dir="$STATE/kcm-certs" \
    --leader-elect=false --use-service-account-credentials=true \
    --service-account-private-key-file="$PKI/sa.key" --root-ca-file="$PKI/ca.crt" \
    --cluster-signing-cert-file="$PKI/ca.crt" --cluster-signing-key-file="$PKI/ca.key" \
    --service-cluster-ip-range="$SERVICE_CIDR" --cluster-cidr="$POD_CIDR" --allocate-node-cidrs=false
  start kube-scheduler "$BIN/kube-scheduler" --kubeconfig="$STATE/kube-scheduler.kubeconfig" \
    --authentication-kubeconfig="$STATE/kube-scheduler.kubeconfig" \
    --authorization-kubeconfig="$STATE/kube-scheduler.kubeconfig" \
    --bind-address=127.0.0.1 --secure-port="$SCHEDULER_PORT" --leader-elect=false
  # The ServiceAccount controller makes `default` in every namespace; pods wait for it.
  wait_for "kube-controller-manager (default ServiceAccount)" 120 kube-controller-manager \
    kubectl -n default get serviceaccount default
  kubectl version | grep "Server Version: $KUBE_VERSION" >/dev/null || die "the apiserver does not report $KUBE_VERSION"
  say "control plane $KUBE_VERSION up in $((SECONDS - t)) s"
}

# --- the node: containerd + kubelet, pods on a bridge of our own ---------------------------
# Paths the kubelet, containerd and the CNI plugins use outside $STATE whatever their flags say;
# `down` removes those that did not exist before `up` (recorded in $STATE/preexisting).
FOREIGN_PATHS=(/var/lib/kubelet /var/lib/cni /run/containerd /var/log/containers /run/runc)

ctr() { "$NODE_ROOT/usr/bin/ctr" --address "$STATE/containerd/containerd.sock" -n k8s.io "$@"; }

node_ready() {
  kubectl get node localhost -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}' | grep -qx True
}

check_route() { # check_route ADDRESS: the host routes ADDRESS through our bridge, or we stop
  local route
  route=$(ip -o route get "$1")
  [[ "$route" == *" dev $BRIDGE "* ]] || die "refusing: $1 is not routed through $BRIDGE ($route)"
}

make_bridge() {
  ip link show "$BRIDGE" >/dev/null 2>&1 && die "$BRIDGE exists already: was a cluster left running?"
  ip link add "$BRIDGE" type bridge
  echo "$BRIDGE" >"$STATE/bridge"
  ip addr add "${POD_CIDR%.*}.1/${POD_CIDR#*/}" dev "$BRIDGE"
  ip link set "$BRIDGE" up
  # Service addresses, too, go to the bridge: never out of the machine's own interface.
  ip route add "$SERVICE_CIDR" dev "$BRIDGE"
  check_route "${POD_CIDR%.*}.2"
  check_route "${SERVICE_FIRST_IP%.*}.10"
  say "bridge $BRIDGE ${POD_CIDR%.*}.1 for pods $POD_CIDR and Services $SERVICE_CIDR"
}

make_cgroups() { # the kubelet's --cgroup-root in every v1 hierarchy
  local h
  for h in /sys/fs/cgroup/*/; do
    [[ -f "$h/cgroup.procs" && ! -f "$h/cgroup.controllers" ]] || continue # v1 only
    mkdir -p "$h$CGROUP_ROOT"
    if [[ -f "$h/cpuset.cpus" ]]; then
      cat "$h/cpuset.cpus" >"$h$CGROUP_ROOT/cpuset.cpus"
      cat "$h/cpuset.mems" >"$h$CGROUP_ROOT/cpuset.mems"
    fi
  done
}

node_config() {
  mkdir -p "$STATE/containerd" "$STATE/cni/net.d" "$STATE/kubelet/pod-logs"
  # restrict_oom_score_adj: this machine lacks CAP_SYS_RESOURCE; without it every sandbox
  # fails with "can't get final child's PID from pipe: EOF" (the kubelet asks for -998).
  cat >"$STATE/containerd/config.toml" <<TOML
version = 2
root = "$STATE/containerd/root"
state = "$STATE/containerd/state"
[grpc]
  address = "$STATE/containerd/containerd.sock"
[ttrpc]
  address = "$STATE/containerd/containerd.sock.ttrpc"
[metrics]
  address = ""
[plugins."io.containerd.internal.v1.opt"]
  path = "$STATE/containerd/opt"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "registry.k8s.io/pause:3.10"
  restrict_oom_score_adj = true
  stream_server_address = "127.0.0.1"
  stream_server_port = "$CRI_STREAM_PORT"
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        BinaryName = "$NODE_ROOT/usr/sbin/runc"
        SystemdCgroup = false
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "$NODE_ROOT/usr/lib/cni"
    conf_dir = "$STATE/cni/net.d"
TOML
  # Pods get routes to the pod and Service ranges only, no default route, and no masquerade:
  # nothing a pod sends can leave the machine. isGateway false: the launcher gives the bridge
  # its address itself, and the plugin leaves the machine-wide ip_forward alone.
  cat >"$STATE/cni/net.d/10-k8s-local.conflist" <<JSON
{
  "cniVersion": "0.4.0",
  "name": "k8s-local",
  "plugins": [
    {
      "type": "bridge", "bridge": "$BRIDGE", "isGateway": false, "ipMasq": false, "hairpinMode": true,
      "ipam": {
        "type": "host-local", "dataDir": "$STATE/cni/ipam",
        "ranges": [[{"subnet": "$POD_CIDR", "gateway": "${POD_CIDR%.*}.1"}]],
        "routes": [{"dst": "$SERVICE_CIDR"}]
      }
    }
  ]
}
JSON
  : >"$STATE/resolv.conf" # pods with dnsPolicy Default get no outside resolver
  cat >"$STATE/kubelet/config.yaml" <<YAML
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
address: 127.0.0.1
port: $KUBELET_PORT
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
healthzPort: $KUBELET_HEALTHZ_PORT
tlsCertFile: $PKI/node.crt
tlsPrivateKeyFile: $PKI/node.key
authentication:
  anonymous: {enabled: false}
  webhook: {enabled: true}
  x509: {clientCAFile: $PKI/ca.crt}
authorization: {mode: Webhook}
cgroupDriver: cgroupfs
cgroupRoot: /$CGROUP_ROOT
failSwapOn: false
containerRuntimeEndpoint: unix://$STATE/containerd/containerd.sock
podLogsDir: $STATE/kubelet/pod-logs
clusterDomain: cluster.local
clusterDNS: ["${SERVICE_FIRST_IP%.*}.10"]
resolvConf: $STATE/resolv.conf
# The images exist only here (imported, never pulled): never collect them.
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
evictionHard: {memory.available: "200Mi", nodefs.available: "3%", imagefs.available: "3%", nodefs.inodesFree: "3%"}
maxPods: 40
YAML
}

up_node() {
  local t=$SECONDS p
  [[ $(id -u) == 0 ]] || die "the node needs root (mounts, network namespaces, cgroups)"
  [[ -x "$NODE_ROOT/usr/bin/containerd" ]] || die "the node's tools are not unpacked: run k8s/local/images.sh"
  for p in "${FOREIGN_PATHS[@]}"; do [[ -e "$p" ]] && echo "$p"; done >"$STATE/preexisting"
  find /run/netns -mindepth 1 -maxdepth 1 -printf '%f\n' >"$STATE/netns.before" 2>/dev/null || true
  make_bridge
  make_cgroups
  node_config
  start containerd env PATH="$NODE_ROOT/usr/bin:$NODE_ROOT/usr/sbin:/usr/sbin:/usr/bin:/sbin:/bin" \
    "$NODE_ROOT/usr/bin/containerd" --config "$STATE/containerd/config.toml"
  wait_for containerd 60 containerd ctr version
  for p in "$ROOT"/images/*.oci.tar; do
    [[ -f "$p" ]] || continue
    ctr images import "$p" >/dev/null || die "ctr images import $p failed"
  done
  say "images: $(ctr images ls -q | grep -v '^sha256:' | tr '\n' ' ')"
  start kubelet "$BIN/kubelet" --config="$STATE/kubelet/config.yaml" \
    --kubeconfig="$STATE/node.kubeconfig" --root-dir="$STATE/kubelet/root" \
    --cert-dir="$STATE/kubelet/pki" --hostname-override=localhost --node-ip="${POD_CIDR%.*}.1"
  wait_for "node localhost Ready" 180 kubelet node_ready
  say "node up in $((SECONDS - t)) s"
}

down_node() {
  [[ -f "$STATE/containerd/config.toml" ]] || return 0
  local pid task
  # Stop the kubelet first so it restarts nothing, then every pod container and sandbox.
  stop_one kubelet
  if alive containerd; then
    for task in $(ctr tasks ls -q 2>/dev/null); do ctr tasks kill -s SIGKILL "$task" >/dev/null 2>&1 || true; done
    sleep 1
    for task in $(ctr tasks ls -q 2>/dev/null); do ctr tasks rm -f "$task" >/dev/null 2>&1 || true; done
    stop_one containerd
  fi
  # Whatever still runs in the pods' cgroups (under our --cgroup-root) is ours: stop it.
  local h
  for h in /sys/fs/cgroup/pids/"$CGROUP_ROOT" /sys/fs/cgroup/memory/"$CGROUP_ROOT"; do
    [[ -d "$h" ]] || continue
    find "$h" -name cgroup.procs -exec cat {} + | while read -r pid; do
      if kill -KILL "$pid" 2>/dev/null; then say "stopped pod process $pid"; fi
    done
  done
  # Shims outlive containerd: find ours by the socket path only this cluster uses.
  grep -l -s -F -- "$STATE/containerd/containerd.sock" /proc/[0-9]*/cmdline | cut -d/ -f3 \
    | while read -r pid; do
      if kill -KILL "$pid" 2>/dev/null; then say "stopped containerd-shim (pid $pid)"; fi
    done
  return 0
}

cmd_up() {
  local node=true
  if [[ "${1:-}" == "--control-plane-only" || "${K8S_LOCAL_NODE:-1}" == 0 ]]; then
    node=false
  elif [[ $(id -u) != 0 || ! -x "$NODE_ROOT/usr/bin/containerd" || ! -f "$ROOT/images/pause.oci.tar" ]]; then
    say "control plane only: the node needs root and k8s/local/images.sh (tools, pause image)"
    node=false
  fi
  [[ -d "$STATE" ]] && die "a cluster is already up (or was not torn down): run \`make k8s-down\` first"
  "$REPO/k8s/local/build.sh" --check || "$REPO/k8s/local/build.sh"
  "$REPO/scripts/install-ops-tools.sh" helm
  check_ranges
  mkdir -p "$STATE" "$PIDS" "$LOGS" "$KUBECACHEDIR"
  local s
  for s in "${KUBELET_SYSCTLS[@]}"; do echo "$s=$(sysctl -n "$s")"; done >"$STATE/sysctls.before"
  up_control_plane
  if $node; then
    up_node
    up_traffic
  fi
  say "up. For kubectl and helm: eval \"\$(k8s/local/cluster.sh env)\""
}

# --- traffic: kube-proxy and cluster DNS --------------------------------------------------
DNS_IP=${SERVICE_FIRST_IP%.*}.10
BRIDGE_IP=${POD_CIDR%.*}.1

node_iptables() { # the unpacked iptables (legacy backend), as kube-proxy runs it
  LD_LIBRARY_PATH=$NODE_ROOT/usr/lib/x86_64-linux-gnu XTABLES_LIBDIR=$NODE_ROOT/usr/lib/x86_64-linux-gnu/xtables \
    "$NODE_ROOT/usr/sbin/$1" "${@:2}"
}

kube_proxy_chains() { # "TOOL TABLE CHAIN" for every KUBE-* chain, IPv4 and IPv6
  local tool table
  for tool in iptables-legacy ip6tables-legacy; do
    for table in filter nat mangle; do
      node_iptables "$tool" -t "$table" -S 2>/dev/null | awk -v p="$tool $table" '$1 == "-N" && $2 ~ /^KUBE-/ {print p, $2}'
    done
  done
}

proxy_synced() { # the kube-dns Service's rules are in the nat table
  node_iptables iptables-legacy-save -t nat 2>/dev/null | grep -- "-d $DNS_IP/32" >/dev/null
}

kube_proxy() { # kube-proxy with the unpacked iptables on its PATH
  env PATH="$NODE_ROOT/usr/sbin:/usr/sbin:/usr/bin:/sbin:/bin" \
    LD_LIBRARY_PATH="$NODE_ROOT/usr/lib/x86_64-linux-gnu" \
    XTABLES_LIBDIR="$NODE_ROOT/usr/lib/x86_64-linux-gnu/xtables" "$BIN/kube-proxy" "$@"
}

up_traffic() {
  local t=$SECONDS
  [[ -x "$BIN/coredns" ]] || { say "no CoreDNS binary (k8s/local/build.sh): no Services, no DNS"; return 0; }
  # Pods reach Services through the host: forwarding on our bridge only (the machine-wide
  # switch stays off; pods have no route out anyway).
  sysctl -q -w "net.ipv4.conf.$BRIDGE.forwarding=1"
  touch "$STATE/proxy-started"
  # --iptables-localhost-nodeports=false: no route_localnet change; conntrack values 0: leave
  # the machine's conntrack settings alone; NodePorts only on loopback.
  # CoreDNS runs on the node as a process, serving the bridge address; the kube-dns Service
  # points at it. Cluster names only: no forwarder, so no query leaves the machine.
  kubectl apply -f - >/dev/null <<YAML
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: k8s-local:coredns}
rules:
  - apiGroups: [""]
    resources: [endpoints, services, pods, namespaces]
    verbs: [list, watch]
  - apiGroups: [discovery.k8s.io]
    resources: [endpointslices]
    verbs: [list, watch]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: k8s-local:coredns}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: "k8s-local:coredns"}
subjects: [{apiGroup: rbac.authorization.k8s.io, kind: User, name: "k8s-local:coredns"}]
---
apiVersion: v1
kind: Service
metadata:
  name: kube-dns
  namespace: kube-system
  labels: {k8s-app: kube-dns}
spec:
  clusterIP: $DNS_IP
  ports:
    - {name: dns, port: 53, protocol: UDP, targetPort: 53}
    - {name: dns-tcp, port: 53, protocol: TCP, targetPort: 53}
---
apiVersion: v1
kind: Endpoints
metadata:
  name: kube-dns
  namespace: kube-system
  labels: {k8s-app: kube-dns}
subsets:
  - addresses: [{ip: $BRIDGE_IP}]
    ports:
      - {name: dns, port: 53, protocol: UDP}
      - {name: dns-tcp, port: 53, protocol: TCP}
YAML
  kube_proxy_chains >"$STATE/iptables-chains.before"
  start kube-proxy env PATH="$NODE_ROOT/usr/sbin:/usr/sbin:/usr/bin:/sbin:/bin" \
    LD_LIBRARY_PATH="$NODE_ROOT/usr/lib/x86_64-linux-gnu" \
    XTABLES_LIBDIR="$NODE_ROOT/usr/lib/x86_64-linux-gnu/xtables" "$BIN/kube-proxy" \
    --kubeconfig="$STATE/kube-proxy.kubeconfig" \
    --hostname-override=localhost --proxy-mode=iptables --cluster-cidr="$POD_CIDR" \
    --metrics-bind-address="127.0.0.1:$KUBE_PROXY_METRICS_PORT" \
    --healthz-bind-address="127.0.0.1:$KUBE_PROXY_HEALTHZ_PORT" \
    --iptables-localhost-nodeports=false --nodeport-addresses="$BRIDGE_IP/32" \
    --conntrack-max-per-core=0 --conntrack-tcp-timeout-established=0 --conntrack-tcp-timeout-close-wait=0
  wait_for kube-proxy 90 kube-proxy proxy_synced
  cat >"$STATE/Corefile" <<COREFILE
.:53 {
    bind $BRIDGE_IP
    errors
    health 127.0.0.1:$COREDNS_HEALTH_PORT
    kubernetes cluster.local in-addr.arpa ip6.arpa {
        kubeconfig $STATE/coredns.kubeconfig local
        pods insecure
        fallthrough in-addr.arpa ip6.arpa
    }
    cache 30
}
COREFILE
  start coredns "$BIN/coredns" -conf "$STATE/Corefile"
  wait_for coredns 60 coredns curl -fsS "http://127.0.0.1:$COREDNS_HEALTH_PORT/health"
  check_route "$DNS_IP"
  say "kube-proxy and CoreDNS up in $((SECONDS - t)) s"
}

down_traffic() {
  stop_one coredns
  stop_one kube-proxy
  # kube-proxy's own teardown of the chains and rules it made.
  if [[ -x "$BIN/kube-proxy" && -f "$STATE/kube-proxy.kubeconfig" && -f "$STATE/proxy-started" ]]; then
    # It also tries ipset and nft (not installed, nothing to clean there) and then exits 1.
    kube_proxy --cleanup >"$LOGS/kube-proxy-cleanup.log" 2>&1 || true
    # What --cleanup leaves (its canary chains), and nothing that was there before `up`.
    local tool table chain
    kube_proxy_chains | while read -r tool table chain; do
      grep -qx "$tool $table $chain" "$STATE/iptables-chains.before" && continue
      node_iptables "$tool" -t "$table" -F "$chain" 2>/dev/null || true
      # and the jumps to it (KUBE-FIREWALL from INPUT and OUTPUT, for one)
      node_iptables "$tool" -t "$table" -S | awk -v c="$chain" '$1 == "-A" && $NF == c {$1 = "-D"; print}' \
        | while read -r -a rule; do node_iptables "$tool" -t "$table" "${rule[@]}" || true; done
    done
    kube_proxy_chains | while read -r tool table chain; do
      grep -qx "$tool $table $chain" "$STATE/iptables-chains.before" && continue
      if node_iptables "$tool" -t "$table" -X "$chain"; then say "deleted $tool -t $table $chain"; fi
    done
    say "kube-proxy --cleanup done"
  fi
  return 0
}

# --- the chart ----------------------------------------------------------------------------
restricted_namespace() { # a namespace whose pods must pass Pod Security "restricted"
  kubectl get namespace "$1" >/dev/null 2>&1 || kubectl create namespace "$1" >/dev/null
  kubectl label --overwrite namespace "$1" pod-security.kubernetes.io/enforce=restricted \
    pod-security.kubernetes.io/enforce-version=latest pod-security.kubernetes.io/warn=restricted \
    pod-security.kubernetes.io/audit=restricted >/dev/null
}

local_storage() { # a default StorageClass with local volumes under $STATE (no provisioner)
  kubectl get storageclass k8s-local >/dev/null 2>&1 && return
  local i
  {
    cat <<YAML
apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata:
  name: k8s-local
  annotations: {storageclass.kubernetes.io/is-default-class: "true"}
provisioner: kubernetes.io/no-provisioner
volumeBindingMode: Immediate
reclaimPolicy: Delete
YAML
    for i in $(seq 1 8); do
      mkdir -p "$STATE/volumes/pv$i"
      chmod 0777 "$STATE/volumes/pv$i" # the database pods run as their own non-root uid
      cat <<YAML
---
apiVersion: v1
kind: PersistentVolume
metadata: {name: k8s-local-pv$i}
spec:
  storageClassName: k8s-local
  capacity: {storage: 8Gi}
  accessModes: [ReadWriteOnce]
  persistentVolumeReclaimPolicy: Retain
  hostPath: {path: $STATE/volumes/pv$i, type: Directory}
YAML
    done
  } | kubectl apply -f - >/dev/null
}

# FerretDB v1 on SQLite has no SCRAM (pymongo: 'Unsupported authentication mechanism
# "SCRAM-SHA-1"'), so the products URL carries no credentials: values-local.yaml names this
# Secret as databases.products.existingSecret instead of the chart's generated one.
ferretdb_secret() { # ferretdb_secret NAMESPACE
  kubectl -n "$1" get secret shopgraph-products-db-ferretdb >/dev/null 2>&1 && return
  kubectl -n "$1" create secret generic shopgraph-products-db-ferretdb \
    --from-literal=root-password="$(openssl rand -hex 16)" --from-literal=password="$(openssl rand -hex 16)" \
    --from-literal=url="mongodb://shopgraph-products-db:27017/products" >/dev/null
}

prepare() { # prepare NAMESPACE: what values-local.yaml expects to exist
  local_storage
  ferretdb_secret "$1"
}

has_node() { kubectl get node localhost >/dev/null 2>&1; }

cmd_install() { # install [VALUE_SET]: the chart into namespace shopgraph (default: review)
  local set=${1:-review} ns=shopgraph t=$SECONDS
  local values=$REPO/k8s/helm/values/$set.yaml
  [[ -f "$values" ]] || die "no value set $values"
  [[ -f "$KUBECONFIG" ]] || die "no cluster is up: k8s/local/cluster.sh up"
  restricted_namespace "$ns"
  if has_node; then
    prepare "$ns"
    local router=()
    if [[ ! -f "$ROOT/images/router.oci.tar" ]]; then
      say "no router image (make router, then k8s/local/images.sh): the release runs without router pods"
      router=(--set router.replicaCount=0)
    fi
    # --atomic: wait for every pod and hook Job, roll back on any failure.
    "$HELM" upgrade --install shopgraph "$REPO/k8s/helm/shopgraph" -n "$ns" -f "$values" \
      -f "$REPO/k8s/local/values-local.yaml" "${router[@]}" --atomic \
      --timeout "${K8S_LOCAL_HELM_TIMEOUT:-15m}"
  else
    # No node: nothing can run, so Helm can wait neither for pods nor for hook Jobs.
    "$HELM" upgrade --install shopgraph "$REPO/k8s/helm/shopgraph" -n "$ns" -f "$values" --no-hooks
  fi
  say "chart installed ($set) in $((SECONDS - t)) s"
  cmd_status
}

cmd_status() {
  [[ -f "$KUBECONFIG" ]] || { say "no cluster is up"; return 1; }
  kubectl get nodes -o wide 2>/dev/null || true
  kubectl get pods -A -o wide 2>/dev/null || true
  local tiers="control plane and admission (1)"
  if has_node && node_ready; then tiers+=", a node running pods (2)"; fi
  if alive kube-proxy && alive coredns; then tiers+=", Services and cluster DNS (3)"; fi
  say "tiers reached: $tiers"
}

# --- down ---------------------------------------------------------------------------------
stop_one() { # stop_one NAME: TERM the recorded PID; KILL it if still there after 20 s
  local f=$PIDS/$1.pid pid t=$SECONDS
  [[ -f "$f" ]] || return 0
  pid=$(cat "$f")
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    while kill -0 "$pid" 2>/dev/null && ((SECONDS - t < 20)); do sleep 0.2; done
    if kill -0 "$pid" 2>/dev/null; then
      say "$1 (pid $pid) ignored TERM for 20 s: KILL"
      kill -KILL "$pid" 2>/dev/null || true
    fi
    say "stopped $1 (pid $pid)"
  fi
  rm -f "$f"
}

stop_all() { # every recorded process, the node's first
  local name
  [[ -d "$PIDS" ]] || return 0
  for name in kube-proxy kubelet containerd kube-scheduler kube-controller-manager kube-apiserver etcd; do
    stop_one "$name"
  done
  for name in "$PIDS"/*.pid; do
    if [[ -f "$name" ]]; then stop_one "$(basename "$name" .pid)"; fi
  done
}

clean_node_traces() { # what the node's tools left outside $STATE, and the mounts inside it
  local m p ns h
  # Mounts under the state folder (pod volumes, the kubelet's bind mount of its root dir,
  # containerd's overlay and shm mounts), deepest first.
  awk -v s="$STATE" 'index($5, s) == 1 {print $5}' /proc/self/mountinfo | sort -r \
    | while read -r m; do
      if umount "$m" 2>/dev/null || umount -l "$m"; then say "unmounted $m"; fi
    done
  if [[ -f "$STATE/netns.before" ]]; then
    for ns in /run/netns/cni-*; do
      [[ -e "$ns" ]] || continue
      ns=$(basename "$ns")
      grep -qx "$ns" "$STATE/netns.before" && continue
      [[ "$ns" == cni-* ]] || continue
      if ip netns delete "$ns"; then say "deleted network namespace $ns"; fi
    done
  fi
  if [[ -f "$STATE/bridge" ]] && ip link show "$BRIDGE" >/dev/null 2>&1; then
    # The host ends of the pods' veth pairs, should a pod's namespace outlive its deletion.
    ip -o link show master "$BRIDGE" | awk -F': ' '{print $2}' | sed 's/@.*//' | while read -r link; do
      if ip link delete "$link" 2>/dev/null; then say "deleted $link"; fi
    done
    if ip link delete "$BRIDGE"; then say "deleted bridge $BRIDGE and its routes"; fi
  fi
  if [[ -f "$STATE/preexisting" ]]; then
    for p in "${FOREIGN_PATHS[@]}"; do
      grep -qx "$p" "$STATE/preexisting" && continue
      [[ -e "$p" ]] || continue
      awk -v s="$p" 'index($5, s) == 1 {print $5}' /proc/self/mountinfo | sort -r \
        | while read -r m; do umount -l "$m" || true; done
      if rm -rf "$p"; then say "removed $p"; fi
    done
  fi
  for h in /sys/fs/cgroup/*/"$CGROUP_ROOT"; do
    [[ -d "$h" ]] || continue
    find "$h" -depth -type d -exec rmdir {} + 2>/dev/null || true
    if [[ -d "$h" ]]; then say "warning: could not remove cgroup $h"; else say "removed cgroup $h"; fi
  done
  return 0
}

restore_sysctls() {
  [[ -f "$STATE/sysctls.before" ]] || return 0
  local line
  while IFS= read -r line; do
    [[ "$(sysctl -n "${line%%=*}")" == "${line#*=}" ]] && continue
    sysctl -q -w "$line" >/dev/null
    say "restored $line"
  done <"$STATE/sysctls.before"
}

cmd_down() {
  [[ -d "$STATE" ]] || { say "nothing to tear down (no $STATE)"; return 0; }
  down_traffic
  down_node
  stop_all
  clean_node_traces
  restore_sysctls
  rm -rf "$STATE"
  say "down: every process stopped, state removed"
}

cmd_env() {
  cat <<EOF
export KUBECONFIG=$KUBECONFIG
export KUBECACHEDIR=$KUBECACHEDIR
export HELM_CACHE_HOME=$HELM_CACHE_HOME HELM_CONFIG_HOME=$HELM_CONFIG_HOME HELM_DATA_HOME=$HELM_DATA_HOME
export PATH=$BIN:$REPO/.local/bin:\$PATH
EOF
}

case "${1:-}" in
  up) shift; cmd_up "$@" ;;
  down) cmd_down ;;
  install) shift; cmd_install "$@" ;;
  status) cmd_status ;;
  prepare) prepare "${2:?namespace}" ;;
  env) cmd_env ;;
  snapshot) snapshot ;;
  *) sed -n '2,18p' "$0" >&2; exit 2 ;;
esac
