#!/usr/bin/env bash
# The OpenCTI workloads and the stand-in platform of the OpenCTI lab (sourced; needs common.sh,
# opencti-ports.sh, k8s.sh, redis.sh, rabbitmq.sh, opensearch-sites.sh).
# Per site, in namespace opencti of the site's cluster: Deployments opencti-worker-platform,
# opencti-worker (3 per worker-platform replica), opencti-platform (the user-facing cluster) and
# opencti-connector-import; created once (never re-applied, so a drill's scaling stands), running on
# the primary and at 0 on the secondary (a warm standby). Then a stand-in process per site
# (dist/lab/opencti/site.js) that serves and works only while those Deployments have ready pods.
# The health access key (opencti-health.password) is a secret as OpenCTI's APP__HEALTH_ACCESS_KEY is:
# the plan's health checks name the file and never carry the key in their URL. The drill's GraphQL
# token is opencti-api.password; the stand-in answers the TIP profile's checks.

OC_NS=opencti

oc_dir() { echo "$LAB_DIR/opencti/$1"; }
oc_pid() { pid_from "$(oc_dir "$1")/site.pid"; }
oc_running() { pid_alive "$(oc_pid "$1")"; }
oc_url() { echo "http://$LAB_HOST:$(oc_port opencti "$1")"; }

oc_replicas() { # oc_replicas SITE NAME: the count a fresh lab starts with
  [ "$1" = secondary ] && { echo 0; return; }
  case "$2" in opencti-worker-platform) echo 1;; opencti-worker) echo 3;; opencti-platform) echo 2;; opencti-connector-import) echo 1;; esac
}

oc_workloads() {
  local s="$1" name image manifest="$LAB_DIR/opencti/workloads-$1.yaml"
  mkdir -p "$LAB_DIR/opencti"
  k8s_kubectl "$s" get namespace "$OC_NS" >/dev/null 2>&1 || k8s_kubectl "$s" create namespace "$OC_NS" >/dev/null || return 1
  : >"$manifest"
  for name in opencti-worker-platform opencti-worker opencti-platform opencti-connector-import; do
    k8s_kubectl "$s" -n "$OC_NS" get deployment "$name" >/dev/null 2>&1 && continue
    case "$name" in opencti-worker) image=opencti/worker:6.4.0;; opencti-connector-import) image=opencti/connector-import-file-stix:6.4.0;; *) image=opencti/platform:6.4.0;; esac
    cat >>"$manifest" <<YAML
apiVersion: apps/v1
kind: Deployment
metadata: { name: $name, namespace: $OC_NS, labels: { app.kubernetes.io/part-of: opencti } }
spec:
  replicas: $(oc_replicas "$s" "$name")
  selector: { matchLabels: { app: $name } }
  template:
    metadata: { labels: { app: $name, app.kubernetes.io/part-of: opencti } }
    spec:
      nodeName: $K8S_NODE
      containers: [{ name: main, image: "$image" }]
---
YAML
  done
  if [ -s "$manifest" ]; then k8s_kubectl "$s" create -f "$manifest" >/dev/null || { fail "opencti $s: could not create the workloads"; return 1; }; fi
}

oc_start() {
  local s="$1" d; d="$(oc_dir "$s")"
  if oc_running "$s"; then log "opencti $s: stand-in platform already running (pid $(oc_pid "$s"))"; return 0; fi
  local script="$LAB_REPO_ROOT/dist/lab/opencti/site.js"
  [ -f "$script" ] || { fail "opencti $s: $script is missing; run npm run build"; return 1; }
  oc_workloads "$s" || return 1
  mkdir -p "$d"
  # The plan's health checks and the TIP profile's read both from files, as a real plan does.
  ensure_secret opencti-api >/dev/null
  ensure_secret opencti-health >/dev/null
  (exec setsid node "$script" --site "$s" --port "$(oc_port opencti "$s")" --kubeconfig "$(k8s_kubeconfig "$s" admin)" --namespace "$OC_NS" \
      --redis "$LAB_HOST:$(oc_port redis "$s")" --redis-password-file "$LAB_SECRETS/redis.password" \
      --amqp "$LAB_HOST:$(oc_port rabbitmq "$s")" --amqp-password-file "$LAB_SECRETS/rabbitmq-opencti.password" \
      --opensearch "$(oss_url "$s")" --health-key-file "$LAB_SECRETS/opencti-health.password" --api-token-file "$LAB_SECRETS/opencti-api.password" </dev/null >>"$d/site.log" 2>&1 9>&-) &
  echo $! >"$d/site.pid"
  # Up when it watches its pods (it may rightly not listen: a standby site has no ready platform pod).
  wait_until 30 "opencti $s stand-in to watch its pods" grep -q "watching namespace" "$d/site.log" || { tail -n 5 "$d/site.log" >&2; return 1; }
  log "opencti $s: stand-in platform (pid $(oc_pid "$s")) serves $(oc_url "$s") while opencti-platform has ready pods"
}

oc_stop() {
  local s="$1" p; p="$(oc_pid "$s")"
  if pid_alive "$p"; then kill -TERM "$p"; local i=0; while pid_alive "$p" && [ "$i" -lt 50 ]; do sleep 0.1; i=$((i + 1)); done; pid_alive "$p" && kill -KILL "$p"; fi
  rm -f "$(oc_dir "$s")/site.pid"
  log "opencti $s: stand-in platform stopped"
}
oc_kill() { local p; p="$(oc_pid "$1")"; pid_alive "$p" && kill -KILL "$p"; rm -f "$(oc_dir "$1")/site.pid"; log "opencti $1: stand-in platform killed"; }
oc_up() { oc_start primary && oc_start secondary; }
oc_down() { oc_stop secondary; oc_stop primary; }

oc_status() {
  local s="$1"
  if ! oc_running "$s"; then printf 'platform   %-9s down  %s\n' "$s" "$(oc_url "$s")"; return 1; fi
  local state; state="$(curl -s --max-time 3 "$(oc_url "$s")/lab/state")"
  if [ -n "$state" ]; then printf 'platform   %-9s up    %s %s\n' "$s" "$(oc_url "$s")" "$(echo "$state" | json_get "'pods %s, consumers %s, published %s, consumed %s, indicators %s' % (d['ready'], d['pipeline']['consumers'], d['pipeline']['published'], d['pipeline']['consumed'], d['indicators'])")"
  else printf 'platform   %-9s idle  %s (runs, not answering: no ready opencti-platform pod)\n' "$s" "$(oc_url "$s")"; fi
}
