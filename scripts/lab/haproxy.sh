#!/usr/bin/env bash
# HAProxy (Debian's haproxy package) in front of the two sites' MISP nodes, for the MISP lab
# (sourced by misp.sh). One backend `misp` with a server per site, checked every 500 ms on the
# static health file in the node's web root (as an ALB checks MISP: FIELD-NOTES 14), fall/rise 2.
# The runtime API listens at admin level on 127.0.0.1:$HAPROXY_API_PORT: drills drain, set
# maintenance and ready the servers through it. Admin states live in the running process: a restart
# of HAProxy puts both servers back to ready, as a reload without server-state-file does.

HX_SERVERS=(misp-dc1 misp-dc2)
hx_server_of() { if [ "$1" = primary ]; then echo misp-dc1; else echo misp-dc2; fi; }
hx_dir() { echo "$LAB_DIR/haproxy"; }
hx_pidfile() { echo "$(hx_dir)/haproxy.pid"; }
hx_pid() { pid_from "$(hx_pidfile)"; }
hx_running() { pid_alive "$(hx_pid)"; }

# One runtime API command over the TCP socket; HAProxy answers and closes.
hx_api() {
  ( exec 3<>"/dev/tcp/$LAB_HOST/$HAPROXY_API_PORT" || exit 1
    printf '%s\n' "$1" >&3
    timeout 5 cat <&3 ) 2>/dev/null
}

hx_config() {
  cat <<CFG
# Written by scripts/lab/haproxy.sh; rewritten at each start.
global
  pidfile $(hx_pidfile)
  stats socket ipv4@$LAB_HOST:$HAPROXY_API_PORT level admin
  stats timeout 10s
defaults
  mode http
  option redispatch
  retries 1
  timeout connect 1s
  timeout client 10s
  timeout server 10s
frontend misp
  bind $LAB_HOST:$MISP_FRONTEND_PORT
  default_backend misp
backend misp
  option httpchk GET /health.html
  http-check expect status 200
  default-server inter 500ms fall 2 rise 2
  server misp-dc1 $LAB_HOST:$(misp_port node primary) check
  server misp-dc2 $LAB_HOST:$(misp_port node secondary) check
CFG
}

hx_up() {
  local d t0; d="$(hx_dir)"; mkdir -p "$d"
  if hx_running; then log "haproxy: already running (pid $(hx_pid), frontend $MISP_FRONTEND_PORT)"; return 0; fi
  command -v haproxy >/dev/null 2>&1 || { fail "haproxy is not installed: run sudo bash scripts/install-lab-deps.sh"; return 1; }
  for p in "$MISP_FRONTEND_PORT" "$HAPROXY_API_PORT"; do
    if port_in_use "$p"; then fail "haproxy: port $p is already in use by another process"; return 1; fi
  done
  t0="$(now_s)"
  hx_config >"$d/haproxy.cfg"
  haproxy -c -q -f "$d/haproxy.cfg" >"$d/check.log" 2>&1 || { fail "haproxy: configuration refused:"; cat "$d/check.log" >&2; return 1; }
  haproxy -D -f "$d/haproxy.cfg" </dev/null >>"$d/haproxy.log" 2>&1 9>&- || { fail "haproxy did not start, see $d/haproxy.log"; tail -n 5 "$d/haproxy.log" >&2; return 1; }
  wait_until "$LAB_TIMEOUT" "haproxy's runtime API on $HAPROXY_API_PORT" hx_api 'show info' || return 1
  log "haproxy: started, frontend $LAB_HOST:$MISP_FRONTEND_PORT, runtime API $LAB_HOST:$HAPROXY_API_PORT (pid $(hx_pid), $(elapsed "$t0")s)"
}

hx_down() {
  local p; p="$(hx_pid)"
  if ! pid_alive "$p"; then log "haproxy: already stopped"; return 0; fi
  kill -TERM "$p" 2>/dev/null || true
  local n=50; while pid_alive "$p" && [ "$n" -gt 0 ]; do sleep 0.1; n=$((n - 1)); done
  pid_alive "$p" && kill -KILL "$p" 2>/dev/null
  rm -f "$(hx_pidfile)"
  log "haproxy: stopped"
}

hx_status() { # hx_status SITE: that site's server as the backend's checks and admin state see it
  local s="$1" name; name="$(hx_server_of "$s")"
  if ! hx_running; then printf 'haproxy    %-9s down  frontend %s:%s\n' "$s" "$LAB_HOST" "$MISP_FRONTEND_PORT"; return 1; fi
  # show stat CSV: pxname,svname,…; field 18 status, 37 check_status.
  local line; line="$(hx_api 'show stat' | awk -F, -v n="$name" '$1=="misp" && $2==n {print $18" check="$37}')"
  printf 'haproxy    %-9s up    frontend %s:%s server %s %s\n' "$s" "$LAB_HOST" "$MISP_FRONTEND_PORT" "$name" "${line:-not in the backend}"
}
