#!/usr/bin/env bash
# Shared settings and helpers for the local lab scripts. Sourced, never run.
#
# Environment:
#   DRILLBOOK_LAB_DIR          lab state folder (default <repo>/data/lab)
#   DRILLBOOK_LAB_PORT_OFFSET  added to every port (default 0). Use a multiple of 1000: the base
#                              ports differ by 100 (9200 HTTP / 9300 transport), so offsets 100
#                              apart collide. Keep it <= 23000 so every port stays below 32768,
#                              where Linux starts handing out ephemeral client ports.
#   DRILLBOOK_LAB_TIMEOUT      seconds to wait for one server to become ready (default 120)
#   DRILLBOOK_LAB_APP_PORT_PRIMARY, DRILLBOOK_LAB_APP_PORT_SECONDARY  the stand-in apps' ports (tests)
#   DRILLBOOK_OS_HEAP          OpenSearch heap per node (default 384m)
#   DRILLBOOK_OS_USER          unprivileged user running OpenSearch (default drillbook-os)

LAB_REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
LAB_DIR="${DRILLBOOK_LAB_DIR:-$LAB_REPO_ROOT/data/lab}"
LAB_OFFSET="${DRILLBOOK_LAB_PORT_OFFSET:-0}"
LAB_TIMEOUT="${DRILLBOOK_LAB_TIMEOUT:-120}"
LAB_SECRETS="$LAB_DIR/secrets"
LAB_HOST=127.0.0.1

case "$LAB_OFFSET" in ''|*[!0-9]*) echo "lab: DRILLBOOK_LAB_PORT_OFFSET must be a non-negative integer, got '$LAB_OFFSET'" >&2; exit 2;; esac

if [ $((LAB_OFFSET % 1000)) -ne 0 ] || [ "$LAB_OFFSET" -gt 23000 ]; then
  echo "lab: WARNING: DRILLBOOK_LAB_PORT_OFFSET=$LAB_OFFSET: use a multiple of 1000 up to 23000, or ports may collide" >&2
fi

SITES=(primary secondary)

# Ports, per server and site.
MARIADB_PORT_primary=$((3316 + LAB_OFFSET)); MARIADB_PORT_secondary=$((3326 + LAB_OFFSET))
PG_PORT_primary=$((5433 + LAB_OFFSET));      PG_PORT_secondary=$((5434 + LAB_OFFSET))
OS_HTTP_primary=$((9200 + LAB_OFFSET));      OS_HTTP_secondary=$((9201 + LAB_OFFSET))
OS_TRANSPORT_primary=$((9300 + LAB_OFFSET)); OS_TRANSPORT_secondary=$((9301 + LAB_OFFSET))
# The apps' ports may be set apart (a test whose port range cannot hold 3316 and 18081 at one offset).
APP_PORT_primary=${DRILLBOOK_LAB_APP_PORT_PRIMARY:-$((18081 + LAB_OFFSET))}
APP_PORT_secondary=${DRILLBOOK_LAB_APP_PORT_SECONDARY:-$((18082 + LAB_OFFSET))}
# DRILLBOOK_LAB_PORT_BLOCK=N puts the ThreatConnect lab's ports in ten consecutive ones instead (for
# a test confined to a narrow port range; the offset is then ignored): MariaDB N/N+1, PostgreSQL
# N+2/N+3, OpenSearch HTTP N+4/N+5 and transport N+6/N+7, the app N+8/N+9.
LAB_PORT_BLOCK="${DRILLBOOK_LAB_PORT_BLOCK:-}"
if [ -n "$LAB_PORT_BLOCK" ]; then
  case "$LAB_PORT_BLOCK" in *[!0-9]*) echo "lab: DRILLBOOK_LAB_PORT_BLOCK must be a port number, got '$LAB_PORT_BLOCK'" >&2; exit 2;; esac
  b="$LAB_PORT_BLOCK"
  MARIADB_PORT_primary=$b;             MARIADB_PORT_secondary=$((b + 1))
  PG_PORT_primary=$((b + 2));          PG_PORT_secondary=$((b + 3))
  OS_HTTP_primary=$((b + 4));          OS_HTTP_secondary=$((b + 5))
  OS_TRANSPORT_primary=$((b + 6));     OS_TRANSPORT_secondary=$((b + 7))
  APP_PORT_primary=$((b + 8));         APP_PORT_secondary=$((b + 9))
  unset b
fi

OS_VERSION="2.19.6"
OS_HOME="${DRILLBOOK_OS_HOME:-$LAB_REPO_ROOT/tools/opensearch-$OS_VERSION}"
OS_USER="${DRILLBOOK_OS_USER:-drillbook-os}"
OS_HEAP="${DRILLBOOK_OS_HEAP:-384m}"
PG_BIN="${DRILLBOOK_PG_BIN:-/usr/lib/postgresql/15/bin}"

port_of() { # port_of mariadb|postgres|opensearch|opensearch-transport|app SITE
  local v
  case "$1" in
    mariadb) v="MARIADB_PORT_$2";; postgres) v="PG_PORT_$2";; app) v="APP_PORT_$2";;
    opensearch) v="OS_HTTP_$2";; opensearch-transport) v="OS_TRANSPORT_$2";;
    *) return 1;;
  esac
  echo "${!v}"
}
other_site() { if [ "$1" = primary ]; then echo secondary; else echo primary; fi; }
valid_site() { [ "$1" = primary ] || [ "$1" = secondary ]; }

log()  { echo "lab: $*"; }
warn() { echo "lab: WARNING: $*" >&2; }
fail() { echo "lab: FAILED: $*" >&2; }
die()  { echo "lab: ERROR: $*" >&2; exit 1; }

is_root() { [ "$(id -u)" = 0 ]; }

# Run a command as a service user when we are root (servers refuse root); as ourselves otherwise.
as_user() { local u="$1"; shift; if is_root; then runuser -u "$u" -- "$@"; else "$@"; fi; }

# Give a folder to a service user (no-op unless root).
own() { local u="$1"; shift; if is_root; then chown -R "$u:$(id -gn "$u")" "$@"; fi; }

# The service user must be able to reach the lab dir through every parent folder.
check_reachable() { # check_reachable USER DIR
  if is_root && ! runuser -u "$1" -- test -x "$2"; then
    die "user $1 cannot reach $2 (a parent folder is not traversable); put DRILLBOOK_LAB_DIR somewhere world-traversable, e.g. under /tmp or /var/tmp"
  fi
}

# Seconds since the epoch with fractions, for timings.
now_s() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now_s)" 'BEGIN { printf "%.1f", b - a }'; }

# wait_until TIMEOUT_S DESCRIPTION CMD...: polls CMD every 0.5 s, at most TIMEOUT_S seconds.
wait_until() {
  local t="$1" what="$2"; shift 2
  local deadline=$(( $(date +%s) + t ))
  while :; do
    if "$@" >/dev/null 2>&1; then return 0; fi
    if [ "$(date +%s)" -ge "$deadline" ]; then fail "timed out after ${t}s waiting for $what"; return 1; fi
    sleep 0.5
  done
}

pid_alive() { [ -n "${1:-}" ] && kill -0 "$1" 2>/dev/null; }
pid_from() { [ -f "$1" ] && tr -dc '0-9' <"$1" || true; }

port_in_use() { # port_in_use PORT: true when something listens on 127.0.0.1:PORT
  (exec 3<>"/dev/tcp/$LAB_HOST/$1") 2>/dev/null
}

# Generate a password once; files are mode 600 (owner root unless a user is given).
ensure_secret() { # ensure_secret NAME [OWNER] -> prints the path
  local f="$LAB_SECRETS/$1.password"
  mkdir -p "$LAB_SECRETS"; chmod 700 "$LAB_SECRETS"
  if [ ! -s "$f" ]; then
    (umask 077; head -c 18 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c 20 >"$f.tmp"; mv "$f.tmp" "$f")
  fi
  chmod 600 "$f"
  if [ -n "${2:-}" ] && is_root; then chown "$2" "$f"; fi
  echo "$f"
}
secret() { cat "$LAB_SECRETS/$1.password"; }

# A lock per lab dir so two lab.sh calls never start/stop the same servers at once.
# Servers are launched with 9>&- so they never inherit (and hold) the lock.
with_lab_lock() {
  mkdir -p "$LAB_DIR"
  exec 9>"$LAB_DIR/.lock"
  flock -w 300 9 || die "another lab.sh holds $LAB_DIR/.lock for more than 300s"
}

# --- the verbs every stack's lab script shares ---------------------------------------------------
# A stack script (opencti.sh, misp.sh) sets STACK (its name in messages) and ALL_SERVERS (in start
# order), defines usage and prefix_of SERVER (the prefix of its SERVER_up/_down/_status/_start/...
# functions), and hands these verbs here.
servers_of() { if [ "${1:-all}" = all ]; then echo "${ALL_SERVERS[@]}"; else prefix_of "$1" >/dev/null; echo "$1"; fi; }

need_server_site() {
  [ $# -ge 2 ] || usage
  prefix_of "$1" >/dev/null
  valid_site "$2" || { echo "$STACK: unknown site '$2' (primary|secondary)" >&2; exit 2; }
}

stack_down() { # stack_down [SERVER|all]: in the reverse of the start order
  local rc=0 servers i
  servers=($(servers_of "${1:-all}"))
  for ((i = ${#servers[@]} - 1; i >= 0; i--)); do "$(prefix_of "${servers[$i]}")_down" || rc=1; done
  return "$rc"
}

stack_status() { # stack_status [SERVER|all]: each server on each site
  local rc=0 srv s
  for srv in $(servers_of "${1:-all}"); do for s in "${SITES[@]}"; do "$(prefix_of "$srv")_status" "$s" || rc=1; done; done
  return "$rc"
}

stack_control() { # stack_control start|stop|kill SERVER SITE
  local verb="$1"; shift
  need_server_site "$@"
  "$(prefix_of "$1")_$verb" "$2"
}

# --- a site lost at once (drillbook lab disaster / return) ----------------------------------------
# A lab script defines:
#   site_pids SITE      lines "SERVER PID" for every process of SITE's servers (read from their pid files)
#   site_shared         one line per server that is one thing for both sites, and so stays up
#   site_return SERVER SITE   that server's normal start, as after a power cut (nothing fenced here)
#   site_unreplicated SITE    stop replication out of SITE (for --unreplicated; may refuse)
# `disaster` SIGKILLs every listed process in one kill(1) (no graceful stop, no fence) and records
# the loss in $LAB_DIR/site-loss.json; `return` starts each server it killed, in the lab's start order.
loss_file() { echo "$LAB_DIR/site-loss.json"; }
now_ms() { date +%s%3N; }

site_disaster() { # site_disaster SITE UNREPLICATED_S
  local s="$1" unrep="${2:-0}" lines pids=() names=() server p
  if [ -f "$(loss_file)" ] && ! grep -q '"returnedAt"' "$(loss_file)" && [ -n "$(site_pids "$s")" ]; then
    # The site runs again without a `return` (brought up since, say after a demo that stopped
    # half-way): that loss is over; its record is kept beside the new one.
    mv "$(loss_file)" "$LAB_DIR/site-loss.$(now_ms).json"
    log "$s: an earlier loss record was never returned from, but the site runs again: kept as site-loss.*.json"
  fi
  if [ -f "$(loss_file)" ] && ! grep -q '"returnedAt"' "$(loss_file)"; then
    fail "$s: a site loss is already recorded in $(loss_file) and has not returned (lab return first)"; return 1
  fi
  local stopped=null
  if [ "$unrep" != 0 ]; then
    stopped="$(now_ms)"
    site_unreplicated "$s" || return 1
    log "replication out of $s stopped; its writes for the next ${unrep}s are acknowledged and never replicated"
    sleep "$unrep"
  fi
  lines="$(site_pids "$s")"
  while read -r server p; do
    [ -n "$p" ] && pid_alive "$p" || continue
    pids+=("$p"); names+=("$server:$p")
  done <<<"$lines"
  [ "${#pids[@]}" -gt 0 ] || { fail "$s: no running server process found (is the lab up?)"; return 1; }
  local at; at="$(now_ms)"
  kill -KILL "${pids[@]}" 2>/dev/null
  # Bounded: a SIGKILLed process is gone within milliseconds unless it is stuck in the kernel.
  local n=50 alive=()
  while [ "$n" -gt 0 ]; do
    alive=(); for p in "${pids[@]}"; do pid_alive "$p" && alive+=("$p"); done
    [ "${#alive[@]}" = 0 ] && break
    sleep 0.1; n=$((n - 1))
  done
  local killed=() servers=() seen=" "
  for p in "${names[@]}"; do
    killed+=("{\"server\":\"${p%%:*}\",\"pid\":${p##*:}}")
    case "$seen" in *" ${p%%:*} "*) ;; *) servers+=("\"${p%%:*}\""); seen+="${p%%:*} ";; esac
  done
  local shared=() line
  while IFS= read -r line; do [ -n "$line" ] && shared+=("\"$line\""); done <<<"$(site_shared)"
  local iso; iso="$(date -u -d "@${at:0:-3}.${at: -3}" +%Y-%m-%dT%H:%M:%S.%3NZ)"
  (IFS=,; printf '{"site":"%s","at":%s,"atIso":"%s","unreplicatedS":%s,"replicationStoppedAt":%s,"servers":[%s],"killed":[%s],"sharedUp":[%s]}\n' \
    "$s" "$at" "$iso" "$unrep" "$stopped" "${servers[*]}" "${killed[*]}" "${shared[*]}") >"$(loss_file).tmp" && mv "$(loss_file).tmp" "$(loss_file)"
  log "site $s lost at $iso: SIGKILLed at once (no graceful stop, no fence): ${names[*]}"
  [ "${#alive[@]}" = 0 ] || warn "still alive after SIGKILL: ${alive[*]}"
  for line in "${shared[@]}"; do log "stays up (one thing for both sites): ${line//\"/}"; done
  log "recorded in $(loss_file); start the drill with --lost-at $iso"
}

site_come_back() { # site_come_back: starts the servers the recorded loss killed
  [ -f "$(loss_file)" ] || { fail "no site loss recorded in $(loss_file) (lab disaster first)"; return 1; }
  local s servers rc=0 server
  s="$(sed -n 's/.*"site":"\([a-z]*\)".*/\1/p' "$(loss_file)")"
  servers="$(sed -n 's/.*"servers":\[\([^]]*\)\].*/\1/p' "$(loss_file)" | tr -d '"' | tr ',' ' ')"
  if grep -q '"returnedAt"' "$(loss_file)"; then log "site $s: already returned ($(loss_file))"; return 0; fi
  for server in $servers; do
    log "returning $server $s: its normal start on its old data, as after a power cut"
    site_return "$server" "$s" || { fail "$server $s did not start"; rc=1; }
  done
  sed -i "s/}\$/,\"returnedAt\":$(now_ms)}/" "$(loss_file)"
  return "$rc"
}

disaster_args() { # disaster_args ARGS...: sets D_SITE and D_UNREP from [--unreplicated S] [SITE]
  D_SITE=primary; D_UNREP=0
  while [ $# -gt 0 ]; do
    case "$1" in
      --unreplicated) D_UNREP="${2:-}"; shift 2 || true;;
      primary|secondary) D_SITE="$1"; shift;;
      *) echo "$STACK: disaster [--unreplicated SECONDS] [primary|secondary], got '$1'" >&2; exit 2;;
    esac
  done
  case "$D_UNREP" in ''|*[!0-9]*) echo "$STACK: --unreplicated takes whole seconds, got '$D_UNREP'" >&2; exit 2;; esac
}

# with_children NAME PID: "NAME PID" and a line per child of PID (a postmaster's backends, a VM's
# helpers): a power cut takes them all at the same instant.
with_children() {
  local name="$1" p="${2:-}" c
  pid_alive "$p" || return 0
  echo "$name $p"
  for c in $(pgrep -P "$p" 2>/dev/null); do echo "$name $c"; done
}
