#!/usr/bin/env bash
# Builds and pushes the toolbox image (ci/toolbox/Containerfile) unless the registry has it.
# shellcheck source=ci/scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
require CI_REGISTRY CI_REGISTRY_USER CI_REGISTRY_PASSWORD TOOLBOX_IMAGE

buildah login -u "$CI_REGISTRY_USER" -p "$CI_REGISTRY_PASSWORD" "$CI_REGISTRY" >/dev/null
if skopeo inspect --no-tags "docker://$TOOLBOX_IMAGE" >/dev/null 2>&1; then
  say "$TOOLBOX_IMAGE exists; bump TOOLBOX_VERSION to rebuild it"
  exit 0
fi
buildah build --layers -f ci/toolbox/Containerfile -t "$TOOLBOX_IMAGE" ci/toolbox
buildah push "$TOOLBOX_IMAGE"
