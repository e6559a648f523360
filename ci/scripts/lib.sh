#!/usr/bin/env bash
# Shared by the CI scripts: logging, required variables, and the image name of a service.
set -euo pipefail

say() { echo "ci: $*" >&2; }
die() { say "error: $*"; exit 1; }

# require VAR...: fail naming every CI/CD variable that is missing (docs/ci-cd.md lists them).
require() {
  local missing=() name
  for name in "$@"; do
    [[ -n "${!name:-}" ]] || missing+=("$name")
  done
  ((${#missing[@]} == 0)) || die "set these CI/CD variables: ${missing[*]} (docs/ci-cd.md)"
}

# image_name SERVICE: where the pipeline pushes that subgraph's image.
image_name() { echo "${CI_REGISTRY_IMAGE}/$1"; }
