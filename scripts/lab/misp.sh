#!/usr/bin/env bash
# The MISP lab: real servers on 127.0.0.1 that plans/misp-lab.yaml drills. Per site a stand-in MISP
# node serving its web root from the site's shared storage, the site's MariaDB of a master-master
# pair (MISP's database), and HAProxy in front of both nodes judging them by the health file.
#
#   misp.sh up     [all|SERVER]        start (and on first use create) the servers; waits until they serve
#   misp.sh down   [all|SERVER]        stop them
#   misp.sh status [all|SERVER]        one line per server and site
#   misp.sh start|stop|kill SERVER SITE
#   misp.sh shared source SITE         replicate the shared storage from SITE (a drill's activate step;
#                                      with the replicator down, recorded for when it starts again)
#   misp.sh disaster [--unreplicated S] lose the primary site: SIGKILL its MariaDB and node at once
#                                      (HAProxy and the storage replicator are one thing for both sites: up)
#   misp.sh return                     start what the loss killed, as after a power cut
#   misp.sh reseed mariadb SITE        re-seed a fenced SITE's MariaDB from the writer (dump + GTID)
#   misp.sh env                        ports, URLs and secret files as shell variables
#   misp.sh destroy                    down, then delete the lab dir
# SERVER: mariadb | shared | haproxy | node;  SITE: primary | secondary.
# `node` is the stand-in MISP node (lab/standinApp.ts, needs `npm run build`); `up` starts the
# primary's only (the secondary's waits for a failover, as a standby region's instances do).
# Env: DRILLBOOK_LAB_DIR (default <repo>/data/lab-misp), DRILLBOOK_LAB_PORT_OFFSET (default 0, at
# most 7000 here), DRILLBOOK_LAB_TIMEOUT (seconds per readiness wait, default 120).
set -uo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
export DRILLBOOK_LAB_DIR="${DRILLBOOK_LAB_DIR:-$(cd "$HERE/../.." && pwd)/data/lab-misp}"
# shellcheck source=common.sh
. "$HERE/common.sh"
. "$HERE/misp-ports.sh"
. "$HERE/mariadb.sh"
. "$HERE/shared-storage.sh"
. "$HERE/haproxy.sh"

STACK=misp-lab
ALL_SERVERS=(mariadb shared haproxy node)
APPCTL="$LAB_REPO_ROOT/dist/lab/appctl.js"

usage() { sed -n '2,22p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }

prefix_of() {
  case "$1" in
    mariadb) echo m;; shared) echo fs;; haproxy) echo hx;; node) echo node;;
    *) echo "misp-lab: unknown server '$1' (${ALL_SERVERS[*]} or all)" >&2; exit 2;;
  esac
}

# --- the stand-in MISP node of a site -------------------------------------------------------------
node_ctl() { # node_ctl start|stop|status SITE
  [ -f "$APPCTL" ] || { fail "the stand-in MISP node is not built: run npm run build"; return 1; }
  local extra=()
  [ "$1" = start ] && extra=(--db "$LAB_HOST:$(misp_port mariadb "$2")" --db-password-file "$LAB_SECRETS/mysql-app.password"
    --monitors on --webroot "$(fs_site "$2")/webroot" --personality misp --secret-file "$LAB_SECRETS/misp-api.password")
  node "$APPCTL" "$1" "$2" --port "$(misp_port node "$2")" --dir "$LAB_DIR/node" "${extra[@]}" 9>&-
}
node_start() { node_ctl start "$1"; }
node_stop() { node_ctl stop "$1"; }
node_kill() { # as in a crash
  local p; p="$(pid_from "$LAB_DIR/node/app-$1.pid")"
  if pid_alive "$p"; then kill -KILL "$p"; rm -f "$LAB_DIR/node/app-$1.pid"; log "node $1: killed (SIGKILL pid $p)"; else log "node $1: already stopped"; fi
}
node_up() { node_start primary; }
node_down() { node_stop secondary; node_stop primary; }
node_status() {
  local s="$1" port; port="$(misp_port node "$s")"
  if curl -fsS -m 2 "http://$LAB_HOST:$port/health" >/dev/null 2>&1; then printf 'node       %-9s up    http://%s:%s (health file %s)\n' "$s" "$LAB_HOST" "$port" "$(curl -s -o /dev/null -w '%{http_code}' -m 2 "http://$LAB_HOST:$port/health.html")"
  else printf 'node       %-9s down  http://%s:%s\n' "$s" "$LAB_HOST" "$port"; [ "$s" = secondary ]; fi
}

# --- per-site verbs of the servers that are one process for both sites ---------------------------
fs_start() { fs_up; }
fs_stop() { fs_down; }
hx_start() { hx_up; }
hx_stop() { hx_down; }
hx_kill() { local p; p="$(hx_pid)"; pid_alive "$p" && kill -KILL "$p"; rm -f "$(hx_pidfile)"; log "haproxy: killed"; }

# --- a site loss (common.sh) ----------------------------------------------------------------------
site_pids() {
  with_children mariadb "$(m_pid "$1")"
  with_children node "$(pid_from "$LAB_DIR/node/app-$1.pid")"
}
site_shared() {
  echo "haproxy: one process stands for the cross-site load balancer (frontend $MISP_FRONTEND_PORT)"
  echo "shared storage: one replicator stands for the storage's replication; the lost site's folder stays readable here, where a lost region's would not"
}
site_return() { case "$1" in mariadb) m_start "$2";; node) node_start "$2";; esac; }
site_unreplicated() {
  local o; o="$(other_site "$1")"
  m_sql "$o" 'STOP REPLICA IO_THREAD' || { fail "mariadb $o: STOP REPLICA IO_THREAD failed"; return 1; }
  log "mariadb $o: stopped fetching from $1 (STOP REPLICA IO_THREAD)"
}


cmd="${1:-}"; shift || true
case "$cmd" in
  up)
    with_lab_lock
    t0="$(now_s)"; failed=()
    for srv in $(servers_of "${1:-all}"); do
      "$(prefix_of "$srv")_up" || { failed+=("$srv"); break; }
    done
    # The lab serves once HAProxy's checks have seen a node rise (2 checks, 500 ms apart).
    if [ "${#failed[@]}" = 0 ] && [ "${1:-all}" = all ]; then
      wait_until 30 "HAProxy to send the frontend $MISP_FRONTEND_PORT to a node" curl -fsS -m 2 "http://$LAB_HOST:$MISP_FRONTEND_PORT/health" || failed+=(frontend)
    fi
    if [ "${#failed[@]}" -gt 0 ]; then echo "misp-lab: !!!!!!!! FAILED TO START: ${failed[*]} (see messages above) !!!!!!!!" >&2; exit 1; fi
    log "misp lab up in $(elapsed "$t0")s (lab dir $LAB_DIR, port offset $LAB_OFFSET; frontend http://$LAB_HOST:$MISP_FRONTEND_PORT)"
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
  shared)
    [ "${1:-}" = source ] && [ $# -ge 2 ] || { echo "misp-lab: shared source primary|secondary" >&2; exit 2; }
    fs_source "$2"
    ;;
  disaster)
    disaster_args "$@"
    with_lab_lock
    site_disaster "$D_SITE" "$D_UNREP"
    ;;
  reseed)
    [ "${1:-}" = mariadb ] && [ -n "${2:-}" ] || usage
    m_reseed "$2"
    ;;
  return)
    with_lab_lock
    site_come_back
    ;;
  env)
    cat <<ENV
DRILLBOOK_LAB_DIR=$LAB_DIR
DRILLBOOK_LAB_PORT_OFFSET=$LAB_OFFSET
LAB_MISP_FRONTEND_URL=http://$LAB_HOST:$MISP_FRONTEND_PORT
LAB_HAPROXY_RUNTIME_API=$LAB_HOST:$HAPROXY_API_PORT
LAB_MISP_PRIMARY_URL=http://$LAB_HOST:$(misp_port node primary)
LAB_MISP_SECONDARY_URL=http://$LAB_HOST:$(misp_port node secondary)
LAB_MARIADB_PRIMARY_PORT=$(misp_port mariadb primary)
LAB_MARIADB_SECONDARY_PORT=$(misp_port mariadb secondary)
LAB_MYSQL_DRILL_PASSWORD_FILE=$LAB_SECRETS/mysql-drill.password
LAB_MYSQL_APP_PASSWORD_FILE=$LAB_SECRETS/mysql-app.password
LAB_SHARED_PRIMARY=$(fs_site primary)
LAB_SHARED_SECONDARY=$(fs_site secondary)
ENV
    ;;
  destroy)
    with_lab_lock
    for ((i = ${#ALL_SERVERS[@]} - 1; i >= 0; i--)); do "$(prefix_of "${ALL_SERVERS[$i]}")_down" >/dev/null 2>&1 || true; done
    if [ -d "$LAB_DIR" ] && [ -f "$LAB_DIR/.lock" ]; then rm -rf "$LAB_DIR"; echo "misp-lab: destroyed $LAB_DIR"; fi
    ;;
  ''|-h|--help|help) usage;;
  *) echo "misp-lab: unknown command '$cmd'" >&2; usage;;
esac
