#!/usr/bin/env bash
# Installs everything shopgraph needs on a fresh Debian machine, idempotently.
#
#   scripts/setup.sh           what the system needs to run (uv, Python and npm packages, FerretDB)
#   scripts/setup.sh --test    also what the tests need (MariaDB server, Chromium, Prometheus)
#   scripts/setup.sh --checks  only what the static checks need (uv, Python and npm packages):
#                              make lint, schema, check on a fresh clone, without Go or apt-get
#
# Every step is skipped when already done, so it is cheap to run before each command.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

want_test=false want_checks_only=false
[[ "${1:-}" == "--test" ]] && want_test=true
[[ "${1:-}" == "--checks" ]] && want_checks_only=true
say() { echo "setup: $*" >&2; }

apt_install() { # installs the Debian packages whose command is missing
  local missing=()
  while (($#)); do
    command -v "$1" >/dev/null 2>&1 || [[ -x "/usr/sbin/$1" ]] || missing+=("$2")
    shift 2
  done
  ((${#missing[@]})) || return 0
  say "installing Debian packages: ${missing[*]}"
  [[ $(id -u) == 0 ]] || { say "need root (or sudo) to install ${missing[*]}"; exit 1; }
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# uv lives in ~/.local/bin once installed: look there before installing it again.
export PATH="$HOME/.local/bin:$PATH"

required=(python3 node npm go)
$want_checks_only && required=(python3 node npm)
for tool in "${required[@]}"; do
  command -v "$tool" >/dev/null || { say "$tool is required (see README: prerequisites)"; exit 1; }
done
if ! command -v uv >/dev/null; then
  say "installing uv from PyPI"
  python3 -m pip install --quiet --user uv 2>/dev/null || python3 -m pip install --quiet uv
fi

# Python: the whole uv workspace, pinned by uv.lock.
uv sync --frozen --quiet

# Node: composition, Apollo Gateway and the offline GraphiQL, pinned by package-lock.json.
if [[ ! -d supergraph/node_modules ]] || [[ supergraph/package-lock.json -nt supergraph/node_modules/.package-lock.json ]]; then
  say "installing npm packages in supergraph/"
  npm ci --prefix supergraph --no-audit --no-fund --loglevel=error
fi

$want_checks_only && exit 0

# FerretDB: the embedded MongoDB-wire server for products, built from the Go module proxy.
scripts/ferretdb.sh build

if $want_test; then
  apt_install mariadbd mariadb-server chromium chromium
  # The log-pipeline tests run OpenSearch from Maven Central, its launcher from Java source.
  apt_install javac openjdk-17-jdk-headless mvn maven
  # ci/local.sh check and the chart tests lint shell scripts; gitlab-ci-local copies the
  # checkout with rsync.
  apt_install shellcheck shellcheck rsync rsync
fi

# Prometheus (server and promtool): the tests need it; `make run` starts it when it can be
# installed and runs the rest without it otherwise (docs/monitoring.md).
install_prometheus() {
  command -v prometheus >/dev/null 2>&1 && return 0
  apt_install prometheus prometheus
  # Debian's package starts a daemon of its own on :9090, where the stack's listens.
  if command -v systemctl >/dev/null 2>&1; then
    systemctl disable --now prometheus >/dev/null 2>&1 || true
  fi
}
if $want_test; then
  install_prometheus
else
  (install_prometheus) || say "could not install Prometheus (needs root and apt-get); make run starts the rest without it"
fi
