#!/usr/bin/env bash
# A JMeter plan against an environment through its ingress; the SLO gate decides the job.
#
#   ci/scripts/load.sh PLAN SECONDS      (LOAD_TARGET: the environment's GraphQL URL)
# shellcheck source=ci/scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
require LOAD_TARGET

plan=${1:?usage: load.sh PLAN SECONDS}
seconds=${2:?usage: load.sh PLAN SECONDS}
make load TARGET="$LOAD_TARGET" PLAN="$plan" DURATION="$seconds"
