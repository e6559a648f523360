#!/usr/bin/env bash
# helm upgrade --install --atomic --wait of the chart with this pipeline's images, then
# helm test. Used by review, staging and production; the job sets RELEASE, NAMESPACE and
# VALUES_FILE.
#
# The cluster: the GitLab agent for Kubernetes (set KUBE_CONTEXT to
# <agent project path>:<agent name>) or a KUBECONFIG variable of type File.
# shellcheck source=ci/scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
require RELEASE NAMESPACE VALUES_FILE CI_REGISTRY_IMAGE IMAGE_TAG CHART CI_ENVIRONMENT_URL

if [[ -n "${KUBE_CONTEXT:-}" ]]; then
  kubectl config use-context "$KUBE_CONTEXT"
elif [[ -z "${KUBECONFIG:-}" ]]; then
  die "no cluster: set KUBE_CONTEXT (GitLab agent) or a File variable KUBECONFIG"
fi
host=${CI_ENVIRONMENT_URL#https://}
host=${host%%/*}

kubectl create namespace "$NAMESPACE" --dry-run=client -o yaml | kubectl apply -f -
# Every pod must pass Pod Security "restricted"; the namespace enforces it.
kubectl label namespace "$NAMESPACE" --overwrite \
  pod-security.kubernetes.io/enforce=restricted pod-security.kubernetes.io/warn=restricted

# Images: $CI_REGISTRY_IMAGE/<service>:<commit SHA>, as ci/scripts/build-image.sh pushed them.
args=(
  upgrade --install "$RELEASE" "$CHART"
  --namespace "$NAMESPACE" --atomic --wait --timeout 10m
  --values "$VALUES_FILE"
  --set "global.imageRegistry=$CI_REGISTRY_IMAGE"
  --set "subgraphDefaults.image.tag=$IMAGE_TAG"
  --set "subgraphs.users.image.repository=users"
  --set "subgraphs.products.image.repository=products"
  --set "subgraphs.orders.image.repository=orders"
  --set-json "ingress.hosts=[{\"host\":\"$host\",\"paths\":[{\"path\":\"/graphql\",\"pathType\":\"Prefix\"}]}]"
)
# Registry credentials for private images: a docker-registry Secret the chart references.
if [[ -n "${CI_DEPLOY_USER:-}" && -n "${CI_DEPLOY_PASSWORD:-}" ]]; then
  kubectl --namespace "$NAMESPACE" create secret docker-registry gitlab-registry \
    --docker-server="$CI_REGISTRY" --docker-username="$CI_DEPLOY_USER" \
    --docker-password="$CI_DEPLOY_PASSWORD" --dry-run=client -o yaml | kubectl apply -f -
  args+=(--set "global.imagePullSecrets[0].name=gitlab-registry")
fi
helm "${args[@]}"
helm test "$RELEASE" --namespace "$NAMESPACE" --logs --timeout 5m
say "deployed $RELEASE to $NAMESPACE: $CI_ENVIRONMENT_URL"
