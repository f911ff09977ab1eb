#!/usr/bin/env bash
# The OpenCTI lab: real servers on 127.0.0.1, one set per site, that plans/opencti-lab.yaml drills.
#
#   opencti.sh up     [all|SERVER]      start (and on first use create) the servers; waits until they serve
#   opencti.sh down   [all|SERVER]      stop them
#   opencti.sh status [all|SERVER]      one line per server and site
#   opencti.sh start|stop|kill SERVER SITE
#   opencti.sh kubectl SITE ARGS...     kubectl as the lab's admin against one site's cluster
#   opencti.sh rabbitmqctl SITE ARGS... rabbitmqctl against one site's node (alarms in tests)
#   opencti.sh env                      ports, URLs, kubeconfigs and secret files as shell variables
#   opencti.sh destroy                  down, then delete the lab dir
# SERVER: kubernetes | redis | rabbitmq | opensearch | s3 | platform;  SITE: primary | secondary.
# Env: DRILLBOOK_LAB_DIR (default <repo>/data/lab-opencti), DRILLBOOK_LAB_PORT_OFFSET (default 0),
# DRILLBOOK_LAB_TIMEOUT (seconds per readiness wait, default 120), DRILLBOOK_LAB_RABBITMQ_TLS (off | on |
# only: RabbitMQ's AMQPS and HTTPS management listeners, certificates by store/certificates.ts; rabbitmq.sh).
# `platform` is the stand-in OpenCTI platform per site (lab/opencti/, needs `npm run build`): it
# serves only while its site's opencti-platform Deployment has ready replicas, like a Service.
set -uo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
export DRILLBOOK_LAB_DIR="${DRILLBOOK_LAB_DIR:-$(cd "$HERE/../.." && pwd)/data/lab-opencti}"
# shellcheck source=common.sh
. "$HERE/common.sh"
. "$HERE/opencti-ports.sh"
. "$HERE/k8s.sh"
. "$HERE/redis.sh"
. "$HERE/rabbitmq.sh"
. "$HERE/s3.sh"
. "$HERE/opensearch.sh"
. "$HERE/opensearch-sites.sh"
. "$HERE/opencti-platform.sh"

STACK=opencti-lab
ALL_SERVERS=(kubernetes redis rabbitmq opensearch s3 platform)

usage() { sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }

prefix_of() {
  case "$1" in
    kubernetes) echo k8s;; redis) echo r;; rabbitmq) echo mq;; s3) echo s3;; opensearch) echo oss;; platform) echo oc;;
    *) echo "opencti-lab: unknown server '$1' (${ALL_SERVERS[*]} or all)" >&2; exit 2;;
  esac
}

# Servers whose functions take no `_up`: start each site (kubernetes: both at once, they are independent).
k8s_up() {
  local rc=0
  k8s_start primary >"$LAB_DIR/.k8s-primary.out" 2>&1 & local a=$!
  k8s_start secondary >"$LAB_DIR/.k8s-secondary.out" 2>&1 & local b=$!
  wait "$a" || rc=1; wait "$b" || rc=1
  cat "$LAB_DIR/.k8s-primary.out" "$LAB_DIR/.k8s-secondary.out"; rm -f "$LAB_DIR"/.k8s-*.out
  return "$rc"
}
k8s_down() { k8s_stop secondary; k8s_stop primary; }

# Everything, as fast as two cores allow: the JVMs and Erlang VMs boot while the rest starts.
all_up() {
  local rc=0 s
  for s in "${SITES[@]}"; do mq_launch "$s" || rc=1; oss_launch "$s" || rc=1; done
  k8s_up || rc=1
  r_up || rc=1
  s3_up || rc=1
  for s in "${SITES[@]}"; do mq_wait "$s" || rc=1; oss_wait "$s" || rc=1; done
  [ "$rc" = 0 ] || return 1
  oc_up
}
mq_down() { # both nodes at once: each takes ~6 s to shut down cleanly
  mq_stop secondary & local a=$!
  mq_stop primary; wait "$a"
}
k8s_kill() { k8s_stop "$1"; }


cmd="${1:-}"; shift || true
case "$cmd" in
  up)
    with_lab_lock
    t0="$(now_s)"; failed=()
    if [ "${1:-all}" = all ]; then all_up || failed+=(all)
    else for srv in $(servers_of "$1"); do "$(prefix_of "$srv")_up" || failed+=("$srv"); done; fi
    if [ "${#failed[@]}" -gt 0 ]; then echo "opencti-lab: !!!!!!!! FAILED TO START: ${failed[*]} (see messages above) !!!!!!!!" >&2; exit 1; fi
    log "opencti lab up in $(elapsed "$t0")s (lab dir $LAB_DIR, port offset $LAB_OFFSET)"
    ;;
  down)
    with_lab_lock
    stack_down "$@"
    ;;
  status)
    stack_status "$@"
    ;;
  start|stop|kill)
    need_server_site "$@"
    with_lab_lock
    stack_control "$cmd" "$@"
    ;;
  kubectl)
    [ $# -ge 1 ] && valid_site "$1" || { echo "opencti-lab: kubectl SITE ARGS..." >&2; exit 2; }
    s="$1"; shift; k8s_kubectl "$s" "$@"
    ;;
  rabbitmqctl)
    [ $# -ge 2 ] && valid_site "$1" || { echo "opencti-lab: rabbitmqctl SITE ARGS..." >&2; exit 2; }
    s="$1"; shift; mq_ctl "$s" "$@"
    ;;
  env)
    cat <<ENV
DRILLBOOK_LAB_DIR=$LAB_DIR
DRILLBOOK_LAB_PORT_OFFSET=$LAB_OFFSET
LAB_K8S_PRIMARY_URL=$(k8s_url primary)
LAB_K8S_SECONDARY_URL=$(k8s_url secondary)
LAB_K8S_PRIMARY_KUBECONFIG=$(k8s_kubeconfig primary drill)
LAB_K8S_SECONDARY_KUBECONFIG=$(k8s_kubeconfig secondary drill)
LAB_K8S_PRIMARY_ADMIN_KUBECONFIG=$(k8s_kubeconfig primary admin)
LAB_K8S_SECONDARY_ADMIN_KUBECONFIG=$(k8s_kubeconfig secondary admin)
LAB_REDIS_PRIMARY_PORT=$(oc_port redis primary)
LAB_REDIS_SECONDARY_PORT=$(oc_port redis secondary)
LAB_REDIS_PASSWORD_FILE=$LAB_SECRETS/redis.password
LAB_RABBITMQ_PRIMARY_AMQP_PORT=$(oc_port rabbitmq primary)
LAB_RABBITMQ_SECONDARY_AMQP_PORT=$(oc_port rabbitmq secondary)
LAB_RABBITMQ_PRIMARY_URL=$(mq_url primary)
LAB_RABBITMQ_SECONDARY_URL=$(mq_url secondary)
LAB_RABBITMQ_TLS=$MQ_TLS
LAB_RABBITMQ_PRIMARY_AMQPS_PORT=$(oc_port rabbitmq-amqps primary)
LAB_RABBITMQ_SECONDARY_AMQPS_PORT=$(oc_port rabbitmq-amqps secondary)
LAB_RABBITMQ_CA_FILE=$(mq_tls_dir)/ca.pem
LAB_RABBITMQ_DRILL_PASSWORD_FILE=$LAB_SECRETS/rabbitmq-drill.password
LAB_RABBITMQ_OPENCTI_PASSWORD_FILE=$LAB_SECRETS/rabbitmq-opencti.password
LAB_OPENSEARCH_PRIMARY_URL=$(oss_url primary)
LAB_OPENSEARCH_SECONDARY_URL=$(oss_url secondary)
LAB_OPENSEARCH_SNAPSHOT_DIR=$(oss_snapdir)
LAB_OPENCTI_PRIMARY_URL=$(oc_url primary)
LAB_OPENCTI_SECONDARY_URL=$(oc_url secondary)
LAB_OPENCTI_HEALTH_KEY_FILE=$LAB_SECRETS/opencti-health.password
LAB_S3_ENDPOINT=$(s3_url)
LAB_S3_PRIMARY_BUCKET=$(s3_bucket primary)
LAB_S3_SECONDARY_BUCKET=$(s3_bucket secondary)
ENV
    ;;
  destroy)
    with_lab_lock
    for ((i = ${#ALL_SERVERS[@]} - 1; i >= 0; i--)); do "$(prefix_of "${ALL_SERVERS[$i]}")_down" >/dev/null 2>&1 || true; done
    if [ -d "$LAB_DIR" ] && [ -f "$LAB_DIR/.lock" ]; then rm -rf "$LAB_DIR"; echo "opencti-lab: destroyed $LAB_DIR"; fi
    ;;
  ''|-h|--help|help) usage;;
  *) echo "opencti-lab: unknown command '$cmd'" >&2; usage;;
esac
