#!/usr/bin/env bash
# Builds one subgraph's image from subgraphs/Dockerfile with Buildah (no Docker daemon,
# rootless), tags it with the commit SHA (and the version on tags), and pushes it.
#
#   ci/scripts/build-image.sh users|products|orders
# shellcheck source=ci/scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
require CI_REGISTRY CI_REGISTRY_USER CI_REGISTRY_PASSWORD CI_REGISTRY_IMAGE CI_COMMIT_SHA

service=${1:?usage: build-image.sh SERVICE}
case "$service" in
  users) port=4001 ;;
  products) port=4002 ;;
  orders) port=4003 ;;
  *) die "unknown service '$service' (users, products, orders)" ;;
esac
image=$(image_name "$service")

buildah login -u "$CI_REGISTRY_USER" -p "$CI_REGISTRY_PASSWORD" "$CI_REGISTRY" >/dev/null
buildah build --layers \
  --build-arg "SERVICE=$service" --build-arg "PORT=$port" \
  --label "org.opencontainers.image.revision=$CI_COMMIT_SHA" \
  --label "org.opencontainers.image.source=${CI_PROJECT_URL:-}" \
  -f subgraphs/Dockerfile -t "$image:$CI_COMMIT_SHA" .
buildah push "$image:$CI_COMMIT_SHA"
if [[ -n "${CI_COMMIT_TAG:-}" ]]; then
  buildah tag "$image:$CI_COMMIT_SHA" "$image:$CI_COMMIT_TAG"
  buildah push "$image:$CI_COMMIT_TAG"
fi
mkdir -p reports
echo "IMAGE_$(tr '[:lower:]' '[:upper:]' <<<"$service")=$image:$CI_COMMIT_SHA" >"reports/image-$service.env"
say "pushed $image:$CI_COMMIT_SHA"
