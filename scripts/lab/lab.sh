#!/usr/bin/env bash
# The local lab: real MariaDB, PostgreSQL and OpenSearch servers on 127.0.0.1, one per site, and the
# stand-in TIP app of plans/lab.yaml (app.sh).
#
#   lab.sh up     [all|mariadb|postgres|opensearch|app]   start (and on first use create) the servers
#   lab.sh down   [all|mariadb|postgres|opensearch|app]   stop them cleanly
#   lab.sh status [all|mariadb|postgres|opensearch|app]   one line per server: up/down, role, replication
#   lab.sh start  SERVER SITE      start one site's server (MariaDB always starts read-only)
#   lab.sh stop   SERVER SITE      clean stop (opensearch-cluster: moves the cluster vote away first)
#   lab.sh kill   SERVER SITE      hard kill (SIGKILL), as in a crash
#   lab.sh rewind postgres SITE    make SITE a standby of the other site's primary (pg_rewind -R)
#   lab.sh reseed mariadb SITE     re-seed a fenced SITE from the writer (dump + GTID), replicate both ways
#   lab.sh promote postgres SITE   pg_promote SITE (people; drills use the activity)
#   lab.sh fence|unfence mariadb SITE   read_only ON/OFF (to tidy a lab a drill left with two writers)
#   lab.sh disaster [--unreplicated S]  lose the primary site: SIGKILL every primary server process at
#                                  once (no graceful stop, no fence); with S, stop the secondary's
#                                  replication S seconds before (writes acknowledged, never replicated)
#   lab.sh return                  start what the loss killed, on its old data, as after a power cut
#   lab.sh env                     print the lab's ports and secret files as shell variables
#   lab.sh destroy                 down, then delete the lab dir (tests)
# SERVER: mariadb | postgres | opensearch | app | opensearch-cluster;  SITE: primary | secondary.
# `up` starts the primary's app only (the secondary's waits for a failover); plans/lab.yaml starts it
# with `start app SITE`. opensearch is a cluster per site with a snapshot schedule (tc-search.sh);
# opensearch-cluster, never part of `all`, is one cluster with a node per site on the same ports
# (opensearch.sh), which the one-cluster topology's tests drive.
# Env: DRILLBOOK_LAB_DIR (default <repo>/data/lab), DRILLBOOK_LAB_PORT_OFFSET (default 0, a
# multiple of 1000 up to 23000) or DRILLBOOK_LAB_PORT_BLOCK (ten consecutive ports, common.sh),
# DRILLBOOK_LAB_TIMEOUT (seconds per server readiness wait, default 120),
# DRILLBOOK_LAB_OS_SNAPSHOT_INTERVAL (seconds between scheduled search snapshots, default 15).
# Exit status: 0 when everything asked for is up/done; 1 otherwise (status: 1 if any server is down).
set -uo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=common.sh
. "$HERE/common.sh"
. "$HERE/mariadb.sh"
. "$HERE/postgres.sh"
. "$HERE/opensearch.sh"
. "$HERE/app.sh"
OSS_CLUSTER_PREFIX=tc
oss_port() { if [ "$1" = http ]; then port_of opensearch "$2"; else port_of opensearch-transport "$2"; fi; }
. "$HERE/opensearch-sites.sh"
. "$HERE/tc-search.sh"

usage() { sed -n '2,30p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }

STACK=lab

# --- a site loss (common.sh): every process of the site's servers, none shared here ---------------
site_pids() {
  local s="$1"
  with_children mariadb "$(m_pid "$s")"
  with_children postgres "$(p_pid "$s")"
  with_children opensearch "$(oss_pid "$s")"
  with_children app "$(pid_from "$LAB_DIR/app-$s.pid")"
}
site_shared() { :; }
site_return() { # in the order `up` starts them; PostgreSQL and MariaDB come back as their own config has them
  case "$1" in
    postgres) ensure_secret pg-repl >/dev/null; ensure_secret pg-drill >/dev/null; ensure_secret pg-app >/dev/null; p_prepare_dirs; p_start "$2";;
    mariadb) m_start "$2";; opensearch) tcs_start "$2";; app) app_start "$2";;
  esac
}
site_unreplicated() { # the other site's MariaDB stops fetching SITE's binlog (the app's writes go there)
  local o; o="$(other_site "$1")"
  m_sql "$o" 'STOP REPLICA IO_THREAD' || { fail "mariadb $o: STOP REPLICA IO_THREAD failed"; return 1; }
  log "mariadb $o: stopped fetching from $1 (STOP REPLICA IO_THREAD)"
}

servers_of() {
  case "${1:-all}" in
    all) echo mariadb postgres opensearch app;;
    mariadb|postgres|opensearch|app|opensearch-cluster) echo "$1";;
    *) echo "lab: unknown server '$1' (mariadb|postgres|opensearch|app|opensearch-cluster|all)" >&2; exit 2;;
  esac
}
fn_prefix() { case "$1" in mariadb) echo m;; postgres) echo p;; opensearch) echo tcs;; opensearch-cluster) echo os;; app) echo app;; esac; }

need_server_site() {
  [ $# -ge 2 ] || usage
  servers_of "$1" >/dev/null
  [ "$1" != all ] || { echo "lab: name one server" >&2; exit 2; }
  valid_site "$2" || { echo "lab: unknown site '$2' (primary|secondary)" >&2; exit 2; }
}

cmd="${1:-}"; shift || true
case "$cmd" in
  up)
    with_lab_lock
    t0="$(now_s)"; failed=()
    for srv in $(servers_of "${1:-all}"); do
      "$(fn_prefix "$srv")_up" || failed+=("$srv")
    done
    if [ "${#failed[@]}" -gt 0 ]; then
      echo "lab: !!!!!!!! FAILED TO START: ${failed[*]} (see messages above) !!!!!!!!" >&2
      exit 1
    fi
    log "up in $(elapsed "$t0")s (lab dir $LAB_DIR, port offset $LAB_OFFSET)"
    ;;
  down)
    with_lab_lock
    rc=0
    # The app first: it writes to the databases.
    srvs=" $(servers_of "${1:-all}") "
    case "$srvs" in *" app "*) app_down || rc=1; srvs="${srvs/ app / }";; esac
    for srv in $srvs; do "$(fn_prefix "$srv")_down" || rc=1; done
    exit "$rc"
    ;;
  status)
    rc=0
    for srv in $(servers_of "${1:-all}"); do
      for s in "${SITES[@]}"; do "$(fn_prefix "$srv")_status" "$s" || rc=1; done
    done
    exit "$rc"
    ;;
  start|stop|kill)
    need_server_site "$@"
    with_lab_lock
    if [ "$cmd" = start ] && [ "$1" = postgres ]; then ensure_secret pg-repl >/dev/null; ensure_secret pg-drill >/dev/null; ensure_secret pg-app >/dev/null; p_prepare_dirs; fi
    "$(fn_prefix "$1")_$cmd" "$2"
    ;;
  rewind|promote)
    need_server_site "$@"
    [ "$1" = postgres ] || { echo "lab: $cmd is for postgres only" >&2; exit 2; }
    with_lab_lock
    "p_$cmd" "$2"
    ;;
  reseed)
    need_server_site "$@"
    [ "$1" = mariadb ] || { echo "lab: $cmd is for mariadb only" >&2; exit 2; }
    with_lab_lock
    m_reseed "$2"
    ;;
  fence|unfence)
    need_server_site "$@"
    [ "$1" = mariadb ] || { echo "lab: $cmd is for mariadb only" >&2; exit 2; }
    "m_$cmd" "$2"
    ;;
  disaster)
    disaster_args "$@"
    with_lab_lock
    site_disaster "$D_SITE" "$D_UNREP"
    ;;
  return)
    with_lab_lock
    site_come_back
    ;;
  env)
    cat <<ENV
DRILLBOOK_LAB_DIR=$LAB_DIR
DRILLBOOK_LAB_PORT_OFFSET=$LAB_OFFSET
LAB_MARIADB_PRIMARY_PORT=$MARIADB_PORT_primary
LAB_MARIADB_SECONDARY_PORT=$MARIADB_PORT_secondary
LAB_MARIADB_DRILL_USER=drill
LAB_MARIADB_DRILL_PASSWORD_FILE=$LAB_SECRETS/mysql-drill.password
LAB_MARIADB_APP_USER=app
LAB_MARIADB_APP_PASSWORD_FILE=$LAB_SECRETS/mysql-app.password
LAB_POSTGRES_PRIMARY_PORT=$PG_PORT_primary
LAB_POSTGRES_SECONDARY_PORT=$PG_PORT_secondary
LAB_POSTGRES_DRILL_USER=drill
LAB_POSTGRES_DRILL_PASSWORD_FILE=$LAB_SECRETS/pg-drill.password
LAB_POSTGRES_APP_USER=app
LAB_POSTGRES_APP_PASSWORD_FILE=$LAB_SECRETS/pg-app.password
LAB_OPENSEARCH_PRIMARY_PORT=$OS_HTTP_primary
LAB_OPENSEARCH_SECONDARY_PORT=$OS_HTTP_secondary
LAB_OPENSEARCH_SNAPSHOT_REPO=drill-snapshots
LAB_OPENSEARCH_SNAPSHOT_DIR=$(oss_snapdir)/drill-snapshots
LAB_OPENSEARCH_SNAPSHOT_INTERVAL=$TCS_INTERVAL
LAB_APP_PRIMARY_URL=http://$LAB_HOST:$APP_PORT_primary
LAB_APP_SECONDARY_URL=http://$LAB_HOST:$APP_PORT_secondary
LAB_TC_ACCESS_ID=$APP_ACCESS_ID
LAB_TC_SECRET_KEY_FILE=$LAB_SECRETS/tc-api.password
ENV
    ;;
  destroy)
    with_lab_lock
    for srv in app opensearch opensearch-cluster postgres mariadb; do "$(fn_prefix "$srv")_down" || true; done
    # refuse to delete anything that does not look like a lab dir
    if [ -d "$LAB_DIR" ] && { [ -f "$LAB_DIR/.lock" ]; }; then
      rm -rf "$LAB_DIR"; echo "lab: destroyed $LAB_DIR"
    fi
    ;;
  ''|-h|--help|help) usage;;
  *) echo "lab: unknown command '$cmd'" >&2; usage;;
esac
