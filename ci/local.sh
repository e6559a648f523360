#!/usr/bin/env bash
# The GitLab pipeline, checked and run on this machine (docs/ci-cd.md).
#
#   ci/local.sh validate   .gitlab-ci.yml against GitLab's own CI schema; shellcheck on ci/
#   ci/local.sh check      validate, then gitlab-ci-local --list, --preview and the
#                          `pipeline` job for real (what make test runs: cheap)
#   ci/local.sh run [JOB...]  the jobs that need no registry or cluster, for real (make ci-local)
#
# gitlab-ci-local (npm, pinned; 4.73.0 is the newest that runs on Node 20) runs the jobs
# with the shell executor in a snapshot of the working tree: a throwaway git repository
# with a GitLab-style origin, so nothing here touches the developer's own .git.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
REPO=$PWD
GLCI_VERSION=4.73.0
GLCI_DIR=$REPO/.local/gitlab-ci-local
GLCI=$GLCI_DIR/node_modules/.bin/gitlab-ci-local
# Jobs that need neither a registry nor a cluster; the rest are listed by --list only.
LOCAL_JOBS=(lint schema chart monitoring logging pipeline test)

say() { echo "ci-local: $*" >&2; }
export PATH="$HOME/.local/bin:$PATH"

validate() {
  uv run --frozen check-jsonschema --builtin-schema vendor.gitlab-ci --data-transform gitlab-ci \
    .gitlab-ci.yml
  shellcheck -x -P SCRIPTDIR ci/*.sh ci/scripts/*.sh
  say "pipeline schema and CI scripts: ok"
}

install() {
  if [[ "$("$GLCI" --version 2>/dev/null || true)" != "$GLCI_VERSION" ]]; then
    say "installing gitlab-ci-local $GLCI_VERSION from npm into $GLCI_DIR"
    command -v rsync >/dev/null || { say "rsync is required (apt-get install rsync)"; exit 1; }
    npm install --prefix "$GLCI_DIR" --no-audit --no-fund --loglevel=error \
      "gitlab-ci-local@$GLCI_VERSION" >/dev/null
  fi
}

# snapshot DIR: the working tree as git sees it (tracked and untracked, not ignored), as a
# fresh repository whose origin looks like GitLab's; built tools and caches are shared.
snapshot() {
  local dir=$1
  git ls-files -z --cached --others --exclude-standard | rsync -a --from0 --files-from=- ./ "$dir/"
  mkdir -p "$REPO/.local"
  ln -s "$REPO/.local" "$dir/.local"
  [[ -d supergraph/node_modules ]] && cp -al supergraph/node_modules "$dir/supergraph/"
  (
    cd "$dir"
    git init -q -b main
    git -c user.name=ci-local -c user.email=ci-local@example.invalid commit -q --no-verify \
      --allow-empty -m snapshot --all 2>/dev/null || true
    git add -A
    git -c user.name=ci-local -c user.email=ci-local@example.invalid commit -q --no-verify \
      -m snapshot
    git remote add origin git@gitlab.example.invalid:shopgraph/shopgraph.git
    git update-ref refs/remotes/origin/main HEAD
    git symbolic-ref refs/remotes/origin/HEAD refs/remotes/origin/main
  )
}

# The pipeline keeps tool caches in the project folder for GitLab's cache; here the
# machine's own caches serve instead, so a local run downloads nothing twice.
glci() {
  (cd "$snap" && "$GLCI" --force-shell-executor --no-color \
    --variable "UV_CACHE_DIR=$(uv cache dir)" \
    --variable "npm_config_cache=$(npm config get cache)" \
    --variable "GOMODCACHE=$(go env GOMODCACHE)" --variable "GOCACHE=$(go env GOCACHE)" \
    "$@")
}

cmd=${1:-check}
shift || true
case "$cmd" in
  validate) validate ;;
  check | run)
    validate
    install
    snap=$(mktemp -d "${TMPDIR:-/tmp}/shopgraph-ci-local.XXXXXX")
    trap 'rm -rf "$snap"' EXIT
    snapshot "$snap"
    glci --list
    glci --preview >/dev/null
    say "--preview expanded every include, extends and !reference"
    if [[ $cmd == check ]]; then
      glci pipeline
    else
      (($#)) || set -- "${LOCAL_JOBS[@]}"
      glci "$@"
    fi
    ;;
  *) sed -n '2,8s/^# \{0,1\}//p' "${BASH_SOURCE[0]}" >&2; exit 2 ;;
esac
