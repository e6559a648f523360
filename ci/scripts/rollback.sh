#!/usr/bin/env bash
# Rolls a release back with helm rollback: to ROLLBACK_REVISION when set, else to the
# revision before the current one; then helm test proves the result.
# shellcheck source=ci/scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
require RELEASE NAMESPACE

if [[ -n "${KUBE_CONTEXT:-}" ]]; then
  kubectl config use-context "$KUBE_CONTEXT"
fi
helm history "$RELEASE" --namespace "$NAMESPACE" --max 5
helm rollback "$RELEASE" ${ROLLBACK_REVISION:+"$ROLLBACK_REVISION"} \
  --namespace "$NAMESPACE" --wait --timeout 10m
helm test "$RELEASE" --namespace "$NAMESPACE" --logs --timeout 5m
