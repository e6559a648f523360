#!/usr/bin/env bash
# The local cluster's node tools and images, made without Docker and without any registry
# (docs/kubernetes.md, "A real cluster on one machine without Docker"). Everything goes to the
# ignored .local/k8s and is reused: a step runs only when its output is missing.
#
#   k8s/local/images.sh [tools|base|images|all]     (default: all)
#
#   tools   Debian's containerd, runc, CNI plugins, buildah, debootstrap and iptables, fetched
#           with `apt-get download` and unpacked into .local/k8s/node-root (nothing installed).
#   base    a Debian bookworm root filesystem with Python 3.11 (debootstrap), as the OCI image
#           localhost/shopgraph/base:bookworm; the static pause image for pod sandboxes.
#   images  with buildah from that base: the subgraphs (subgraphs/Dockerfile, BASE_IMAGE=base),
#           MariaDB (Debian's mariadb-server), FerretDB (the binary the project builds), and the
#           Apollo Router when a router binary is installed (ROUTER_BIN, PATH, ~/.cargo/bin).
#
# The images land in .local/k8s/images/*.oci.tar; `k8s/local/cluster.sh up` imports them into
# the node's containerd (`ctr -n k8s.io images import`). Each step prints its time.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
REPO=$PWD
export PATH="$HOME/.local/bin:$PATH"

ROOT=$REPO/.local/k8s
NODE_ROOT=$ROOT/node-root
IMAGES=$ROOT/images
WORK=$ROOT/image-work
TAG=local
BASE_IMAGE=localhost/shopgraph/base:bookworm
SUITE=bookworm
# The Debian mirror apt already uses on this machine (debootstrap needs one).
MIRROR=${DEBIAN_MIRROR:-$(sed -n 's/^URIs: *//p' /etc/apt/sources.list.d/debian.sources 2>/dev/null | head -1)}
MIRROR=${MIRROR:-http://deb.debian.org/debian}
NODE_PACKAGES=(containerd runc containernetworking-plugins debootstrap buildah libgpgme11 libsubid4
  libassuan0 golang-github-containers-common golang-github-containers-image iptables libip4tc2
  libip6tc2 libxtables12 libnftnl11 libnetfilter-conntrack3 libnfnetlink0 conntrack)

say() { echo "k8s-images: $*" >&2; }
die() { say "error: $*"; exit 1; }
timed() { local label=$1 t=$SECONDS; shift; "$@"; say "$label: $((SECONDS - t)) s"; }
[[ $(id -u) == 0 ]] || die "needs root (debootstrap, buildah)"

tools() {
  local stamp=$NODE_ROOT/.packages
  [[ -f "$stamp" && "$(cat "$stamp")" == "${NODE_PACKAGES[*]}" ]] && { say "node tools are unpacked"; return; }
  rm -rf "$NODE_ROOT" "$ROOT/debs"
  mkdir -p "$ROOT/debs" "$NODE_ROOT"
  # apt-get download: the packages only, into our folder; nothing is installed system-wide.
  (cd "$ROOT/debs" && apt-get download -q "${NODE_PACKAGES[@]}") 2>&1 | grep -v '^W: Download is performed unsandboxed' >&2 || true
  local deb
  for deb in "$ROOT"/debs/*.deb; do dpkg -x "$deb" "$NODE_ROOT"; done
  ln -sf xtables-legacy-multi "$NODE_ROOT/usr/sbin/iptables"
  ln -sf xtables-legacy-multi "$NODE_ROOT/usr/sbin/iptables-save"
  ln -sf xtables-legacy-multi "$NODE_ROOT/usr/sbin/iptables-restore"
  ln -sf xtables-legacy-multi "$NODE_ROOT/usr/sbin/ip6tables"
  ln -sf xtables-legacy-multi "$NODE_ROOT/usr/sbin/ip6tables-save"
  ln -sf xtables-legacy-multi "$NODE_ROOT/usr/sbin/ip6tables-restore"
  echo "${NODE_PACKAGES[*]}" >"$stamp"
  say "node tools: $("$NODE_ROOT/usr/bin/containerd" --version | awk '{print $2, $3}'), runc $("$NODE_ROOT/usr/sbin/runc" --version | awk 'NR==1{print $3}')"
}

oci() { uv run --frozen python "$REPO/k8s/local/oci_image.py" "$@"; }

pause_image() {
  [[ -f "$IMAGES/pause.oci.tar" ]] && return
  mkdir -p "$WORK/pause" "$IMAGES"
  # The pod sandbox's process: sleeps until stopped, reaps zombies. Static, so the image is
  # this one file.
  cat >"$WORK/pause.c" <<'C'
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>
static void stop(int s) { (void)s; _exit(0); }
static void reap(int s) { (void)s; while (waitpid(-1, 0, WNOHANG) > 0) {} }
int main(void) {
  signal(SIGINT, stop); signal(SIGTERM, stop); signal(SIGCHLD, reap);
  for (;;) pause();
}
C
  gcc -static -Os -s -o "$WORK/pause/pause" "$WORK/pause.c"
  tar -C "$WORK/pause" --owner=0 --group=0 -cf "$WORK/pause.tar" .
  oci "$WORK/pause.tar" registry.k8s.io/pause:3.10 "$IMAGES/pause.oci.tar" --entrypoint '["/pause"]' --user 65535
}

base_image() {
  [[ -f "$IMAGES/base.oci.tar" ]] && return
  local rootfs=$WORK/base-rootfs
  rm -rf "$rootfs"
  mkdir -p "$WORK" "$IMAGES"
  DEBOOTSTRAP_DIR=$NODE_ROOT/usr/share/debootstrap nice "$NODE_ROOT/usr/sbin/debootstrap" \
    --variant=minbase --include=python3,python3-pip,python3-venv,ca-certificates \
    "$SUITE" "$rootfs" "$MIRROR" >"$WORK/debootstrap.log" 2>&1 \
    || { tail -20 "$WORK/debootstrap.log" >&2; die "debootstrap failed"; }
  # The base is Python's official image's stand-in: pip may install into the system Python
  # (as it does there), and no apt lists or caches are kept.
  rm -f "$rootfs"/usr/lib/python3*/EXTERNALLY-MANAGED
  rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/*.bin "$rootfs"/var/cache/apt/archives/*.deb
  tar -C "$rootfs" --numeric-owner -cf "$WORK/base.tar" .
  oci "$WORK/base.tar" "$BASE_IMAGE" "$IMAGES/base.oci.tar" --cmd '["python3"]'
  rm -rf "$rootfs" "$WORK/base.tar"
}

# buildah, unpacked (not installed): its configuration and storage in our folder.
buildah_env() {
  local c=$ROOT/containers
  mkdir -p "$c" "$ROOT/tmp"
  cat >"$c/storage.conf" <<TOML
[storage]
driver = "vfs"
graphroot = "$c/storage"
runroot = "$c/run"
TOML
  printf 'unqualified-search-registries = []\nshort-name-mode = "disabled"\n' >"$c/registries.conf"
  # This machine lacks CAP_SYS_RESOURCE: rlimits can only be lowered ("error setting rlimit").
  cat >"$c/containers.conf" <<TOML
[containers]
default_ulimits = ["nofile=1024:1024", "nproc=4096:4096"]
[engine]
cgroup_manager = "cgroupfs"
runtime = "runc"
[engine.runtimes]
runc = ["$NODE_ROOT/usr/sbin/runc"]
TOML
  echo '{"default": [{"type": "insecureAcceptAnything"}]}' >"$c/policy.json"
  # RUN steps reach the package registries through this machine's TLS setup: they see the
  # host's CA bundle (mounted, not copied into any image), and uv is told to use it.
  printf 'native-tls = true\n' >"$c/uv.toml"
  BUILD_MOUNTS=()
  if [[ -f /etc/ssl/certs/ca-certificates.crt ]]; then
    BUILD_MOUNTS=(--volume /etc/ssl/certs/ca-certificates.crt:/etc/ssl/certs/ca-certificates.crt:ro
      --volume "$c/uv.toml:/etc/uv/uv.toml:ro")
  fi
  export CONTAINERS_STORAGE_CONF=$c/storage.conf CONTAINERS_REGISTRIES_CONF=$c/registries.conf
  export CONTAINERS_CONF=$c/containers.conf TMPDIR=$ROOT/tmp
  export LD_LIBRARY_PATH=$NODE_ROOT/usr/lib/x86_64-linux-gnu
  export PATH=$NODE_ROOT/usr/sbin:$NODE_ROOT/usr/bin:$PATH
  SIGNATURE_POLICY=$c/policy.json
}

buildah() { "$NODE_ROOT/usr/bin/buildah" "$@"; }

# buildah keeps a blob cache in /var/lib/containers/cache and runc its state in /run/runc,
# whatever the configuration says: remove them after the build unless they were there before.
BUILDAH_TRACES=(/var/lib/containers /run/runc)
PREEXISTING=()
for p in "${BUILDAH_TRACES[@]}"; do [[ -e "$p" ]] && PREEXISTING+=("$p"); done
clean_buildah_traces() {
  local p
  for p in "${BUILDAH_TRACES[@]}"; do
    [[ " ${PREEXISTING[*]} " == *" $p "* ]] || rm -rf "$p"
  done
}
trap clean_buildah_traces EXIT

have_image() { buildah images --quiet "$1" >/dev/null 2>&1; }

load_base() {
  have_image "$BASE_IMAGE" || buildah pull --signature-policy "$SIGNATURE_POLICY" "oci-archive:$IMAGES/base.oci.tar" >/dev/null
}

bud() { # bud NAME FILE CONTEXT [build args...]: build and export NAME as $IMAGES/<short>.oci.tar
  local name=$1 file=$2 context=$3 out
  shift 3
  out=$IMAGES/$(basename "${name%%:*}").oci.tar
  [[ -f "$out" ]] && { say "$name is built"; return; }
  # --network host: RUN steps fetch from the package registries (PyPI, Debian) only.
  buildah bud --signature-policy "$SIGNATURE_POLICY" --pull-never --network host --layers \
    --isolation oci "${BUILD_MOUNTS[@]}" -f "$file" -t "$name" "$@" "$context"
  rm -f "$out.tmp"
  buildah push --signature-policy "$SIGNATURE_POLICY" "$name" "oci-archive:$out.tmp:$name" >/dev/null
  mv "$out.tmp" "$out"
}

router_binary() {
  local bin
  for bin in "${ROUTER_BIN:-}" "$(command -v router || true)" "$HOME/.cargo/bin/router"; do
    [[ -n "$bin" && -x "$bin" ]] && { echo "$bin"; return; }
  done
}

images() {
  buildah_env
  load_base
  local service
  for service in users products orders; do
    timed "image shopgraph/$service" bud "localhost/shopgraph/$service:$TAG" subgraphs/Dockerfile . \
      --build-arg "BASE_IMAGE=$BASE_IMAGE" --build-arg "SERVICE=$service"
  done
  timed "image mariadb" bud "localhost/shopgraph/mariadb:$TAG" k8s/local/images/mariadb/Containerfile \
    k8s/local/images/mariadb --build-arg "BASE_IMAGE=$BASE_IMAGE"
  scripts/ferretdb.sh build
  mkdir -p "$WORK/ferretdb"
  cp .local/bin/shopgraph-ferretdb "$WORK/ferretdb/ferretdb"
  cp k8s/local/images/ferretdb/Containerfile "$WORK/ferretdb/"
  timed "image ferretdb" bud "localhost/shopgraph/ferretdb:$TAG" "$WORK/ferretdb/Containerfile" \
    "$WORK/ferretdb" --build-arg "BASE_IMAGE=$BASE_IMAGE"
  local router
  router=$(router_binary)
  if [[ -n "$router" ]]; then
    mkdir -p "$WORK/router"
    cp "$router" "$WORK/router/router"
    cp k8s/local/images/router/Containerfile "$WORK/router/"
    timed "image router" bud "localhost/shopgraph/router:$TAG" "$WORK/router/Containerfile" \
      "$WORK/router" --build-arg "BASE_IMAGE=$BASE_IMAGE"
  else
    say "no Apollo Router binary (make router): no router image; the router pods cannot start"
  fi
  # The archives are the cache; buildah's vfs layer store (a full copy per layer, ~14 GB
  # after these builds) is not kept.
  rm -rf "$ROOT/containers/storage" "$ROOT/containers/run"
}

case "${1:-all}" in
  tools) timed "node tools" tools ;;
  base) tools; timed "pause image" pause_image; timed "base image (debootstrap)" base_image ;;
  images) timed "images" images ;;
  all)
    timed "node tools" tools
    timed "pause image" pause_image
    timed "base image (debootstrap)" base_image
    timed "images" images
    ;;
  *) sed -n '2,17p' "$0" >&2; exit 2 ;;
esac
ls -la "$IMAGES" >&2
