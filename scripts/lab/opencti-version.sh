#!/usr/bin/env bash
# The OpenCTI release a lab site runs or would run, for the drill's recovery-state check when the
# site's platform does not answer (the standby is scaled to 0): its opencti-platform Deployment's
# image tag, read with the drill's kubeconfig, printed as `version <image>`. A real plan runs the same
# `kubectl get deployment` against the site's cluster.
#   opencti-version.sh SITE
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
site="${1:?usage: opencti-version.sh primary|secondary}"
LAB="${DRILLBOOK_LAB_DIR:-$(cd "$HERE/../.." && pwd)/data/lab-opencti}"
BIN="${DRILLBOOK_K8S_BIN:-${DRILLBOOK_TOOLS_DIR:-$(cd "$HERE/../.." && pwd)/tools}/k8s/bin}"
image="$("$BIN/kubectl" --kubeconfig "$LAB/k8s/$site/drill.kubeconfig" --request-timeout=10s -n opencti get deployment opencti-platform -o 'jsonpath={.spec.template.spec.containers[0].image}')"
echo "version $image"
