#!/usr/bin/env bash
# Ports of the OpenCTI lab's servers (sourced after common.sh, which reads DRILLBOOK_LAB_PORT_OFFSET).
# All bases sit in 7000-7999 so one offset (a multiple of 1000, 14000-17000 in the tests) moves them
# into one band, and their last three digits differ from each other and from the ThreatConnect
# lab's (3316/3326, 5433/5434, 9200/9201, 9300/9301): two labs with different offsets never collide.

# Kubernetes control plane, one per site: etcd client and peer, kube-apiserver (HTTPS).
K8S_ETCD_primary=$((7479 + LAB_OFFSET));  K8S_ETCD_secondary=$((7480 + LAB_OFFSET))
K8S_PEER_primary=$((7481 + LAB_OFFSET));  K8S_PEER_secondary=$((7482 + LAB_OFFSET))
K8S_API_primary=$((7443 + LAB_OFFSET));   K8S_API_secondary=$((7444 + LAB_OFFSET))
# Redis master (primary) and replica (secondary).
REDIS_PORT_primary=$((7379 + LAB_OFFSET)); REDIS_PORT_secondary=$((7380 + LAB_OFFSET))
# RabbitMQ, one independent node per site: AMQP, management HTTP API, Erlang distribution.
RMQ_AMQP_primary=$((7672 + LAB_OFFSET));  RMQ_AMQP_secondary=$((7673 + LAB_OFFSET))
RMQ_MGMT_primary=$((7772 + LAB_OFFSET));  RMQ_MGMT_secondary=$((7773 + LAB_OFFSET))
RMQ_DIST_primary=$((7872 + LAB_OFFSET));  RMQ_DIST_secondary=$((7873 + LAB_OFFSET))
# RabbitMQ's TLS listeners (DRILLBOOK_LAB_RABBITMQ_TLS, rabbitmq.sh): AMQPS and the HTTPS management API,
# next to the distribution port so a TLS-only node's ports fit in a band of eight.
RMQ_AMQPS_primary=$((7876 + LAB_OFFSET)); RMQ_AMQPS_secondary=$((7877 + LAB_OFFSET))
RMQ_MGMTS_primary=$((7878 + LAB_OFFSET)); RMQ_MGMTS_secondary=$((7879 + LAB_OFFSET))
# OpenSearch, one single-node cluster per site (HTTP, transport), sharing an fs snapshot folder.
OSS_HTTP_primary=$((7250 + LAB_OFFSET));  OSS_HTTP_secondary=$((7251 + LAB_OFFSET))
# DRILLBOOK_LAB_OSS_TRANSPORT_GAP (default 100) puts transport that far above HTTP, so a test whose
# port range is narrower than 100 keeps both inside it.
OSS_TRANSPORT_GAP="${DRILLBOOK_LAB_OSS_TRANSPORT_GAP:-100}"
case "$OSS_TRANSPORT_GAP" in ''|0|*[!0-9]*) echo "lab: DRILLBOOK_LAB_OSS_TRANSPORT_GAP must be a positive integer, got '$OSS_TRANSPORT_GAP'" >&2; exit 2;; esac
OSS_TRANSPORT_primary=$((OSS_HTTP_primary + OSS_TRANSPORT_GAP)); OSS_TRANSPORT_secondary=$((OSS_HTTP_secondary + OSS_TRANSPORT_GAP))
# S3: one moto server holding both sites' buckets (moto does not replicate; see s3.sh).
S3_PORT=$((7566 + LAB_OFFSET))
# The stand-in OpenCTI platform of each site (lab/opencti/).
OPENCTI_PORT_primary=$((7090 + LAB_OFFSET)); OPENCTI_PORT_secondary=$((7091 + LAB_OFFSET))

# DRILLBOOK_LAB_PORT_BASE=N (instead of an offset): every port of the lab packed into N..N+24, for a
# test whose port range is narrower than the bases' spread (a shared machine's 100 ports). Order:
# platform, Redis, AMQP, management, distribution, AMQPS, HTTPS management, OpenSearch HTTP and
# transport, etcd client and peer, kube-apiserver (each primary then secondary), S3.
if [ -n "${DRILLBOOK_LAB_PORT_BASE:-}" ]; then
  case "$DRILLBOOK_LAB_PORT_BASE" in *[!0-9]*) echo "lab: DRILLBOOK_LAB_PORT_BASE must be a port number, got '$DRILLBOOK_LAB_PORT_BASE'" >&2; exit 2;; esac
  _b="$DRILLBOOK_LAB_PORT_BASE"
  OPENCTI_PORT_primary=$_b;             OPENCTI_PORT_secondary=$((_b + 1))
  REDIS_PORT_primary=$((_b + 2));       REDIS_PORT_secondary=$((_b + 3))
  RMQ_AMQP_primary=$((_b + 4));         RMQ_AMQP_secondary=$((_b + 5))
  RMQ_MGMT_primary=$((_b + 6));         RMQ_MGMT_secondary=$((_b + 7))
  RMQ_DIST_primary=$((_b + 8));         RMQ_DIST_secondary=$((_b + 9))
  RMQ_AMQPS_primary=$((_b + 10));       RMQ_AMQPS_secondary=$((_b + 11))
  RMQ_MGMTS_primary=$((_b + 12));       RMQ_MGMTS_secondary=$((_b + 13))
  OSS_HTTP_primary=$((_b + 14));        OSS_HTTP_secondary=$((_b + 15))
  OSS_TRANSPORT_primary=$((_b + 16));   OSS_TRANSPORT_secondary=$((_b + 17))
  K8S_ETCD_primary=$((_b + 18));        K8S_ETCD_secondary=$((_b + 19))
  K8S_PEER_primary=$((_b + 20));        K8S_PEER_secondary=$((_b + 21))
  K8S_API_primary=$((_b + 22));         K8S_API_secondary=$((_b + 23))
  S3_PORT=$((_b + 24))
  # RabbitMQ's node names carry the offset: the base keeps them apart from other labs' nodes.
  LAB_NODE_TAG="b$_b"
fi

oc_port() { # oc_port NAME SITE
  local v
  case "$1" in
    k8s-etcd) v="K8S_ETCD_$2";; k8s-peer) v="K8S_PEER_$2";; k8s-api) v="K8S_API_$2";;
    redis) v="REDIS_PORT_$2";;
    rabbitmq) v="RMQ_AMQP_$2";; rabbitmq-mgmt) v="RMQ_MGMT_$2";; rabbitmq-dist) v="RMQ_DIST_$2";;
    rabbitmq-amqps) v="RMQ_AMQPS_$2";; rabbitmq-mgmt-tls) v="RMQ_MGMTS_$2";;
    opensearch) v="OSS_HTTP_$2";; opensearch-transport) v="OSS_TRANSPORT_$2";;
    opencti) v="OPENCTI_PORT_$2";;
    s3) echo "$S3_PORT"; return 0;;
    *) return 1;;
  esac
  echo "${!v}"
}
