#!/usr/bin/env bash
# Redis pair for the OpenCTI lab (sourced; needs common.sh and opencti-ports.sh): Debian's
# redis-server 7, one node per site on loopback (FIELD-NOTES 8.1), password from
# $LAB_DIR/secrets/redis.password (requirepass and masterauth), an append-only file fsynced every
# second (a node killed by a power cut comes back on its own data), full sync at once
# (repl-diskless-sync-delay 0).
# The fence on return is the node's own configuration: every node starts as a replica of the other
# site's (`replicaof` in its config file), read-only until something promotes it (the drill's
# REPLICAOF NO ONE or FAILOVER, or `up` when no node is master). So an old master restarted after a
# site loss never comes back as a second writer, whether or not it can reach the new master: it
# follows the new master when it answers (discarding what it held beyond it) and refuses writes
# (READONLY) when it does not. `up` promotes the primary only when no running node is a master.

REDIS_SERVER="$(command -v redis-server || echo /usr/bin/redis-server)"

r_dir() { echo "$LAB_DIR/redis/$1"; }
r_pid() { pid_from "$(r_dir "$1")/redis.pid"; }
r_running() { pid_alive "$(r_pid "$1")"; }
r_cli() { local s="$1"; shift; REDISCLI_AUTH="$(secret redis)" timeout 5 redis-cli -h "$LAB_HOST" -p "$(oc_port redis "$s")" --no-auth-warning "$@"; }
r_role() { r_cli "$1" ROLE 2>/dev/null | head -1; }

r_start() {
  local s="$1" d port o t0; d="$(r_dir "$s")"; port="$(oc_port redis "$s")"; o="$(other_site "$s")"; t0="$(now_s)"
  if r_running "$s"; then log "redis $s: already running (pid $(r_pid "$s"), port $port)"; return 0; fi
  [ -x "$REDIS_SERVER" ] || { fail "redis: redis-server not found; run scripts/install-lab-deps.sh"; return 1; }
  if port_in_use "$port"; then fail "redis $s: port $port is already in use"; return 1; fi
  mkdir -p "$d"; ensure_secret redis >/dev/null
  # The password goes through a config file (mode 600), not argv where ps would show it. The same
  # file says whom the node follows: every start is as a replica (the fence on return, above).
  (umask 077; printf 'requirepass %s\nmasterauth %s\nreplicaof %s %s\n' "$(secret redis)" "$(secret redis)" \
    "$LAB_HOST" "$(oc_port redis "$o")" >"$d/redis.conf")
  rm -f "$d/auth.conf"
  setsid "$REDIS_SERVER" "$d/redis.conf" --port "$port" --bind "$LAB_HOST" --dir "$d" --daemonize yes \
    --pidfile "$d/redis.pid" --logfile "$d/redis.log" --save '' --appendonly yes --appendfsync everysec \
    --repl-diskless-sync-delay 0 --protected-mode yes </dev/null 9>&- || { fail "redis $s: redis-server failed to start, see $d/redis.log"; return 1; }
  # LOADING (the append-only file) answers an error, not PONG: wait until the data is in.
  wait_until "$LAB_TIMEOUT" "redis $s to answer" bash -c "REDISCLI_AUTH='$(secret redis)' redis-cli -h $LAB_HOST -p $port --no-auth-warning PING | grep -q PONG" || return 1
  if r_running "$o" && [ "$(r_role "$o")" = master ]; then
    wait_until "$LAB_TIMEOUT" "redis $s to sync from $o" bash -c "REDISCLI_AUTH='$(secret redis)' redis-cli -h $LAB_HOST -p $port --no-auth-warning INFO replication | grep -q 'master_link_status:up'" || return 1
    log "redis $s: started on $LAB_HOST:$port as a replica of $o ($(elapsed "$t0")s)"
  else
    log "redis $s: started on $LAB_HOST:$port as a replica of $o, which is not a running master: read-only until promoted ($(elapsed "$t0")s)"
  fi
}

# Promotes SITE's node unless a running node already is the master (`up` on a fresh or stopped lab).
r_promote_if_none() {
  local s="$1" o; o="$(other_site "$1")"
  [ "$(r_role "$s")" = master ] && return 0
  if r_running "$o" && [ "$(r_role "$o")" = master ]; then return 0; fi
  r_cli "$s" REPLICAOF NO ONE >/dev/null || { fail "redis $s: REPLICAOF NO ONE failed"; return 1; }
  log "redis $s: promoted (no running master): the master until a drill moves it"
}

r_stop() { # SHUTDOWN NOSAVE: no RDB; the append-only file keeps the data
  local s="$1" p; p="$(r_pid "$s")"
  if ! pid_alive "$p"; then log "redis $s: already stopped"; return 0; fi
  r_cli "$s" SHUTDOWN NOSAVE >/dev/null 2>&1 || kill -TERM "$p" 2>/dev/null
  local i=0; while pid_alive "$p" && [ "$i" -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
  pid_alive "$p" && kill -KILL "$p" 2>/dev/null
  log "redis $s: stopped"
}

r_kill() {
  local s="$1" p; p="$(r_pid "$s")"
  if ! pid_alive "$p"; then log "redis $s: already stopped (nothing to kill)"; return 0; fi
  kill -KILL "$p"; local i=0; while pid_alive "$p" && [ "$i" -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
  log "redis $s: killed (SIGKILL pid $p)"
}

r_up() { r_start primary && r_promote_if_none primary && r_start secondary; }
r_down() { r_stop secondary; r_stop primary; }

r_status() {
  local s="$1" port; port="$(oc_port redis "$s")"
  if ! r_running "$s"; then printf 'redis      %-9s down  %s:%s\n' "$s" "$LAB_HOST" "$port"; return 1; fi
  local info; info="$(r_cli "$s" INFO replication 2>/dev/null | tr -d '\r')"
  printf 'redis      %-9s up    %s:%s %s %s\n' "$s" "$LAB_HOST" "$port" "$(echo "$info" | sed -n 's/^role://p')" \
    "$(echo "$info" | sed -n 's/^master_link_status:/link /p;s/^connected_slaves:/replicas /p' | tr '\n' ' ')"
}
