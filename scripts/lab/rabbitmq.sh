#!/usr/bin/env bash
# RabbitMQ for the OpenCTI lab, one independent node per site (sourced; needs common.sh and
# opencti-ports.sh). Debian's rabbitmq-server 3.10 with the management plugin (FIELD-NOTES 9.1),
# run directly with its own node name, ports, config, plugins file and HOME (so its Erlang cookie
# is the lab's). Accounts: `drill` (administrator: reads queues, closes connections) created at
# first boot from rabbitmq.conf, `opencti` (the platform, workers and connectors) created through
# the management API. Counts refresh every second (collect_statistics_interval 1000; default 5000).
# TLS, opt-in (DRILLBOOK_LAB_RABBITMQ_TLS): `on` adds AMQPS and an HTTPS management API next to the
# plain listeners; `only` keeps just those two, as Amazon MQ does (FIELD-NOTES 9.5). The certificates
# are made at first `up` by store/certificates.ts (dist/lab/makeCertificates.js, needs `npm run build`) in
# $LAB_DIR/tls: ca.pem is what plans name as `tls: { ca: { file } }`.

RMQ_SERVER=/usr/lib/rabbitmq/bin/rabbitmq-server
RMQ_CTL=/usr/lib/rabbitmq/bin/rabbitmqctl

mq_dir() { echo "$LAB_DIR/rabbitmq/$1"; }
mq_node() { echo "rabbit-$1-$LAB_OFFSET@localhost"; }
mq_pid() { pid_from "$(mq_dir "$1")/rabbitmq.pid"; }
mq_running() { pid_alive "$(mq_pid "$1")"; }
MQ_TLS="${DRILLBOOK_LAB_RABBITMQ_TLS:-off}"
case "$MQ_TLS" in off|on|only) ;; *) echo "rabbitmq: DRILLBOOK_LAB_RABBITMQ_TLS must be off, on or only, got '$MQ_TLS'" >&2; exit 2;; esac
mq_tls_dir() { echo "$LAB_DIR/tls"; }
# The drill's own URL: HTTPS whenever TLS is on (the plain one stays for the platform unless `only`).
mq_url() {
  if [ "$MQ_TLS" = off ]; then echo "http://$LAB_HOST:$(oc_port rabbitmq-mgmt "$1")"
  else echo "https://$LAB_HOST:$(oc_port rabbitmq-mgmt-tls "$1")"; fi
}
mq_curl() { local args=(-sS --max-time 10); [ "$MQ_TLS" = off ] || args+=(--cacert "$(mq_tls_dir)/ca.pem"); curl "${args[@]}" "$@"; }
mq_api() { # mq_api SITE METHOD PATH [JSON]
  local args=(-u "drill:$(secret rabbitmq-drill)" -X "$2" -H 'content-type: application/json')
  [ -n "${4:-}" ] && args+=(-d "$4")
  mq_curl "${args[@]}" "$(mq_url "$1")$3"
}
mq_ctl() { local s="$1"; shift; HOME="$(mq_dir "$s")" timeout 120 "$RMQ_CTL" -n "$(mq_node "$s")" "$@"; }
mq_api_up() { mq_curl -f --max-time 3 -u "drill:$(secret rabbitmq-drill)" "$(mq_url "$1")/api/overview" >/dev/null 2>&1; }
# The ports a node listens on with this TLS setting (distribution always).
mq_ports() {
  [ "$MQ_TLS" = only ] || echo "$(oc_port rabbitmq "$1") $(oc_port rabbitmq-mgmt "$1")"
  [ "$MQ_TLS" = off ] || echo "$(oc_port rabbitmq-amqps "$1") $(oc_port rabbitmq-mgmt-tls "$1")"
  oc_port rabbitmq-dist "$1"
}
mq_listeners() { # "AMQP host:port, AMQPS host:port" as this TLS setting opens them
  local l=()
  [ "$MQ_TLS" = only ] || l+=("AMQP $LAB_HOST:$(oc_port rabbitmq "$1")")
  [ "$MQ_TLS" = off ] || l+=("AMQPS $LAB_HOST:$(oc_port rabbitmq-amqps "$1")")
  local IFS=,; echo "${l[*]}" | sed 's/,/, /g'
}
# The lab CA and server certificate, made once per lab dir by store/certificates.ts.
mq_certificates() {
  local dir; dir="$(mq_tls_dir)"
  [ -f "$dir/ca.pem" ] && [ -f "$dir/server.pem" ] && [ -f "$dir/server-key.pem" ] && return 0
  local script="$LAB_REPO_ROOT/dist/lab/makeCertificates.js"
  [ -f "$script" ] || { fail "rabbitmq: TLS needs $script to make the lab's certificates; run npm run build"; return 1; }
  node "$script" "$dir" >/dev/null || { fail "rabbitmq: could not make the lab's certificates in $dir"; return 1; }
}

mq_prepare() {
  local s="$1" d; d="$(mq_dir "$s")"
  mkdir -p "$d/mnesia" "$d/log"
  ensure_secret rabbitmq-drill >/dev/null; ensure_secret rabbitmq-opencti >/dev/null
  local t; t="$(mq_tls_dir)"
  (umask 077
  if [ "$MQ_TLS" = only ]; then echo 'listeners.tcp = none'
  else printf 'listeners.tcp.default = %s:%s\nmanagement.tcp.ip = %s\nmanagement.tcp.port = %s\n' \
    "$LAB_HOST" "$(oc_port rabbitmq "$s")" "$LAB_HOST" "$(oc_port rabbitmq-mgmt "$s")"; fi >"$d/rabbitmq.conf"
  [ "$MQ_TLS" = off ] || cat >>"$d/rabbitmq.conf" <<CONF
listeners.ssl.default = $LAB_HOST:$(oc_port rabbitmq-amqps "$s")
ssl_options.cacertfile = $t/ca.pem
ssl_options.certfile = $t/server.pem
ssl_options.keyfile = $t/server-key.pem
ssl_options.verify = verify_none
ssl_options.fail_if_no_peer_cert = false
management.ssl.ip = $LAB_HOST
management.ssl.port = $(oc_port rabbitmq-mgmt-tls "$s")
management.ssl.cacertfile = $t/ca.pem
management.ssl.certfile = $t/server.pem
management.ssl.keyfile = $t/server-key.pem
CONF
  cat >>"$d/rabbitmq.conf" <<CONF
collect_statistics_interval = 1000
default_user = drill
default_pass = $(secret rabbitmq-drill)
default_user_tags.administrator = true
default_permissions.configure = .*
default_permissions.read = .*
default_permissions.write = .*
log.file.level = warning
CONF
  )
  echo '[rabbitmq_management].' >"$d/enabled_plugins"
}

mq_launch() {
  local s="$1" d; d="$(mq_dir "$s")"
  if mq_running "$s"; then return 0; fi
  [ -x "$RMQ_SERVER" ] || { fail "rabbitmq: $RMQ_SERVER not found; run scripts/install-lab-deps.sh"; return 1; }
  local p; for p in $(mq_ports "$s"); do
    if port_in_use "$p"; then fail "rabbitmq $s: port $p is already in use"; return 1; fi
  done
  if [ "$MQ_TLS" != off ]; then mq_certificates || return 1; fi
  mq_prepare "$s"
  # RABBITMQ_NODE_PORT would open a plain listener whatever the config says: a TLS-only node has none.
  local plain=(RABBITMQ_NODE_IP_ADDRESS="$LAB_HOST" RABBITMQ_NODE_PORT="$(oc_port rabbitmq "$s")")
  [ "$MQ_TLS" = only ] && plain=()
  (cd "$d" && exec setsid env HOME="$d" RABBITMQ_NODENAME="$(mq_node "$s")" "${plain[@]}" \
      RABBITMQ_DIST_PORT="$(oc_port rabbitmq-dist "$s")" \
      RABBITMQ_MNESIA_BASE="$d/mnesia" RABBITMQ_LOG_BASE="$d/log" RABBITMQ_CONFIG_FILE="$d/rabbitmq.conf" \
      RABBITMQ_ENABLED_PLUGINS_FILE="$d/enabled_plugins" RABBITMQ_PID_FILE="$d/rabbitmq.pid" \
      "$RMQ_SERVER" </dev/null >>"$d/stdout.log" 2>&1 9>&-) &
  echo $! >"$d/launcher.pid"
}

mq_wait() {
  local s="$1"
  if ! wait_until "$LAB_TIMEOUT" "rabbitmq $s management API" mq_api_up "$s"; then tail -n 10 "$(mq_dir "$s")/stdout.log" >&2; return 1; fi
  # The platform's account: the workers, connectors and the platform itself log in as opencti.
  mq_api "$s" PUT /api/users/opencti "{\"password\":\"$(secret rabbitmq-opencti)\",\"tags\":\"\"}" >/dev/null &&
    mq_api "$s" PUT /api/permissions/%2F/opencti '{"configure":".*","write":".*","read":".*"}' >/dev/null ||
    { fail "rabbitmq $s: could not create the opencti user"; return 1; }
  log "rabbitmq $s: $(mq_listeners "$s"), management $(mq_url "$s") (node $(mq_node "$s"))"
}

mq_stop() { # SIGTERM to the Erlang VM is a clean shutdown (rabbitmqctl stop takes ~8 s of CLI start-up)
  local s="$1" p; p="$(mq_pid "$s")"
  if ! pid_alive "$p"; then log "rabbitmq $s: already stopped"; rm -f "$(mq_dir "$s")/rabbitmq.pid"; return 0; fi
  kill -TERM "$p"
  local i=0; while pid_alive "$p" && [ "$i" -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
  pid_alive "$p" && { warn "rabbitmq $s: still running 30 s after SIGTERM; SIGKILL"; kill -KILL "$p"; sleep 0.5; }
  rm -f "$(mq_dir "$s")/rabbitmq.pid"
  log "rabbitmq $s: stopped"
}

mq_kill() {
  local s="$1" p; p="$(mq_pid "$s")"
  if ! pid_alive "$p"; then log "rabbitmq $s: already stopped (nothing to kill)"; return 0; fi
  kill -KILL "$p"; local i=0; while pid_alive "$p" && [ "$i" -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
  rm -f "$(mq_dir "$s")/rabbitmq.pid"
  log "rabbitmq $s: killed (SIGKILL pid $p)"
}

mq_up() {
  local rc=0 s
  for s in "${SITES[@]}"; do mq_launch "$s" || rc=1; done
  [ "$rc" = 0 ] || return 1
  for s in "${SITES[@]}"; do mq_wait "$s" || rc=1; done
  return "$rc"
}
mq_start() { mq_launch "$1" && mq_wait "$1"; }

mq_status() {
  local s="$1"
  if ! mq_running "$s" || ! mq_api_up "$s"; then printf 'rabbitmq   %-9s down  %s\n' "$s" "$(mq_listeners "$s")"; return 1; fi
  printf 'rabbitmq   %-9s up    %s management %s %s\n' "$s" "$(mq_listeners "$s")" "$(mq_url "$s")" \
    "$(mq_api "$s" GET /api/health/checks/alarms | tr -d '\n')"
}
