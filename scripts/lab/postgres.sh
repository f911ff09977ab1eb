#!/usr/bin/env bash
# PostgreSQL 15 primary + streaming standby for the lab (sourced by lab.sh).
# Site primary: 127.0.0.1:5433, site secondary: 127.0.0.1:5434 (which one is the primary is a
# fact of the data dir: standby.signal). Ports are passed with `pg_ctl -o '-p PORT'`, never
# written into postgresql.conf, because pg_rewind copies the config files from its source.
# initdb --data-checksums, wal_level=replica, wal_log_hints=on, hot_standby=on, wal_keep_size.
# Roles (passwords in $LAB_DIR/secrets/, scram over TCP): repl (REPLICATION), drill (SUPERUSER:
# promote and pg_rewind need it in the lab), app (owns database tip). Local socket: peer for the
# postgres OS user only. Replication connections read their password from
# $LAB_DIR/postgres/pgpass (owned by postgres), so no password lands in primary_conninfo.
# A node that would start as a primary asks the other site first (p_witness_says_fence): while the
# other serves as the primary, or does not answer, it starts fenced, as a standby.

p_dir() { echo "$LAB_DIR/postgres/$1"; }
p_data() { echo "$(p_dir "$1")/data"; }
p_sockdir() { echo "$LAB_DIR/postgres/run"; }
p_passfile() { echo "$LAB_DIR/postgres/pgpass"; }
p_opts() { echo "-p $(port_of postgres "$1") -k $(p_sockdir) -c cluster_name=pg-$1"; }

# libpq settings of the caller (PGPASSWORD, PGUSER, ...) must not leak into the lab's own commands.
p_as() { as_user postgres env -u PGPASSWORD -u PGUSER -u PGHOST -u PGPORT -u PGDATABASE -u PGSERVICE \
           -u PGOPTIONS -u PGSSLMODE PGPASSFILE="$(p_passfile)" PGCONNECT_TIMEOUT=10 "$@"; }
p_ctl() { p_as "$PG_BIN/pg_ctl" "$@"; }
p_psql() { # p_psql SITE [psql args...] (SQL on stdin or -c): as the postgres OS user over the socket
  local s="$1"; shift
  p_as "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$(p_sockdir)" -p "$(port_of postgres "$s")" -d postgres -At "$@"
}
p_q() { p_psql "$1" -c "$2" 2>/dev/null; }
p_pid() { [ -f "$(p_data "$1")/postmaster.pid" ] && head -n1 "$(p_data "$1")/postmaster.pid" | tr -dc '0-9' || true; }
p_running() { local p; p="$(p_pid "$1")"; pid_alive "$p"; }
p_ready() { p_as "$PG_BIN/pg_isready" -q -h "$(p_sockdir)" -p "$(port_of postgres "$1")"; }
p_in_recovery() { p_q "$1" 'SELECT pg_is_in_recovery()'; } # t | f | (empty when down)

p_prepare_dirs() {
  mkdir -p "$LAB_DIR/postgres" "$(p_sockdir)" "$(p_dir primary)" "$(p_dir secondary)"
  own postgres "$LAB_DIR/postgres"
  check_reachable postgres "$LAB_DIR/postgres"
  local pf; pf="$(p_passfile)"
  (umask 077
   { echo "$LAB_HOST:*:*:repl:$(secret pg-repl)"; echo "$LAB_HOST:*:*:drill:$(secret pg-drill)"; } >"$pf.tmp"
   mv "$pf.tmp" "$pf")
  own postgres "$pf"; chmod 600 "$pf"
}

p_initdb() { # fresh primary at SITE
  local s="$1" d; d="$(p_data "$s")"
  p_as "$PG_BIN/initdb" -D "$d" -U postgres --auth-local=peer --auth-host=scram-sha-256 \
    --data-checksums --encoding=UTF8 --locale=C >"$(p_dir "$s")/initdb.log" 2>&1 \
    || { fail "postgres $s: initdb failed, see $(p_dir "$s")/initdb.log"; return 1; }
  cat >>"$d/postgresql.conf" <<CONF

# --- drillbook lab (the port is given on the pg_ctl command line, see scripts/lab/postgres.sh) ---
listen_addresses = '$LAB_HOST'
unix_socket_directories = '$(p_sockdir)'
wal_level = replica
max_wal_senders = 10
wal_keep_size = '256MB'
hot_standby = on
wal_log_hints = on
max_connections = 50
shared_buffers = '32MB'
password_encryption = 'scram-sha-256'
logging_collector = off
log_line_prefix = '%m [%p] %q%u@%d '
CONF
  cat >"$d/pg_hba.conf" <<HBA
# drillbook lab
local   all          postgres                 peer
host    all          all        $LAB_HOST/32  scram-sha-256
host    replication  all        $LAB_HOST/32  scram-sha-256
HBA
  log "postgres $s: initdb done ($d, data checksums on)"
}

p_basebackup() { # p_basebackup SITE: clone SITE from the other site's running primary
  local s="$1" o d; o="$(other_site "$s")"; d="$(p_data "$s")"
  if [ "$(p_in_recovery "$o")" != f ]; then
    fail "postgres $s: no data dir and $o is not a running primary to clone from"; return 1
  fi
  rm -rf "$d"
  if ! p_as timeout "$LAB_TIMEOUT" \
      "$PG_BIN/pg_basebackup" -h "$LAB_HOST" -p "$(port_of postgres "$o")" -U repl -D "$d" -R -X stream -c fast \
      >"$(p_dir "$s")/basebackup.log" 2>&1; then
    fail "postgres $s: pg_basebackup from $o failed, see $(p_dir "$s")/basebackup.log"; return 1
  fi
  log "postgres $s: cloned from $o with pg_basebackup -R (standby)"
}

# The witness: a node whose data dir would start it as a primary (no standby.signal) asks the other
# site first. Peer answers as a standby: start as the primary. Peer is a primary (it was promoted
# while this node was lost), or does not answer: start FENCED, as a standby of the peer
# (standby.signal + primary_conninfo on the command line), fail closed. A standby is read-only by
# PostgreSQL's own rules, for every role and session: unlike default_transaction_read_only, no
# session can lift it. Such a node replays its own WAL, then streams from the peer if its history
# allows (nothing it wrote was lost), else stays in recovery until `rewind` makes it the peer's
# standby. A peer that never existed (the first `up`, before the standby is cloned) is no witness.
p_witness_says_fence() { # p_witness_says_fence SITE: prints why SITE must start fenced, or nothing
  local s="$1" o; o="$(other_site "$s")"
  [ -f "$(p_data "$s")/standby.signal" ] && return 0
  [ -f "$(p_data "$o")/PG_VERSION" ] || return 0
  case "$(p_in_recovery "$o")" in
    t) ;;
    f) echo "$o serves as the primary";;
    *) echo "$o does not answer (fail closed)";;
  esac
}

p_start() {
  local s="$1" port t0 why opts; port="$(port_of postgres "$s")"
  if p_running "$s"; then log "postgres $s: already running (pid $(p_pid "$s"), port $port)"; return 0; fi
  if [ ! -f "$(p_data "$s")/PG_VERSION" ]; then
    fail "postgres $s: no data dir yet; run: lab.sh up postgres"; return 1
  fi
  if port_in_use "$port"; then fail "postgres $s: port $port is already in use by another process"; return 1; fi
  t0="$(now_s)"
  opts="$(p_opts "$s")"
  why="$(p_witness_says_fence "$s")"
  if [ -n "$why" ]; then
    as_user postgres touch "$(p_data "$s")/standby.signal"
    opts="$opts -c \"primary_conninfo=host=$LAB_HOST port=$(port_of postgres "$(other_site "$s")") user=repl application_name=pg-$s passfile=$(p_passfile)\""
  fi
  if ! p_ctl -D "$(p_data "$s")" -l "$(p_dir "$s")/postgres.log" -o "$opts" -w -t "$LAB_TIMEOUT" start </dev/null >/dev/null 9>&-; then
    fail "postgres $s did not start; last lines of $(p_dir "$s")/postgres.log:"; tail -n 15 "$(p_dir "$s")/postgres.log" >&2 || true
    return 1
  fi
  if [ -n "$why" ]; then
    log "postgres $s: started FENCED as a standby on $LAB_HOST:$port ($why; pid $(p_pid "$s"), $(elapsed "$t0")s); make it the peer's standby with: lab.sh rewind postgres $s"
  else
    log "postgres $s: started on $LAB_HOST:$port (pid $(p_pid "$s"), $( [ -f "$(p_data "$s")/standby.signal" ] && echo standby || echo primary ), $(elapsed "$t0")s)"
  fi
}

p_stop() {
  local s="$1"
  if ! p_running "$s"; then log "postgres $s: already stopped"; return 0; fi
  if ! p_ctl -D "$(p_data "$s")" -m fast -w -t 60 stop >/dev/null; then
    warn "postgres $s: fast shutdown did not finish in 60s; immediate shutdown"
    p_ctl -D "$(p_data "$s")" -m immediate -w -t 30 stop >/dev/null || { fail "postgres $s will not stop"; return 1; }
  fi
  log "postgres $s: stopped (clean, fast mode)"
}

p_kill() { # SIGKILL the postmaster: a crash; its children exit when they notice
  local s="$1" p n; p="$(p_pid "$s")"
  if ! pid_alive "$p"; then log "postgres $s: already stopped (nothing to kill)"; return 0; fi
  kill -KILL "$p" 2>/dev/null || true
  n=50; while pid_alive "$p" && [ "$n" -gt 0 ]; do sleep 0.2; n=$((n - 1)); done
  # wait (bounded) for orphaned backends of this data dir to exit so the port and shmem are free
  n=50; while pgrep -f -- "-D $(p_data "$s")" >/dev/null 2>&1 || pgrep -u postgres -f "postgres: pg-$s" >/dev/null 2>&1; do
    [ "$n" -gt 0 ] || { warn "postgres $s: child processes still alive 10s after the postmaster died"; break; }
    sleep 0.2; n=$((n - 1))
  done
  log "postgres $s: killed (SIGKILL postmaster pid $p)"
}

p_receiver_status() { p_q "$1" 'SELECT status FROM pg_stat_wal_receiver'; }
p_is_streaming() { [ "$(p_receiver_status "$1")" = streaming ]; }

p_up() {
  ensure_secret pg-repl >/dev/null; ensure_secret pg-drill >/dev/null; ensure_secret pg-app >/dev/null
  p_prepare_dirs
  local have_p=0 have_s=0 rc=0
  [ -f "$(p_data primary)/PG_VERSION" ] && have_p=1
  [ -f "$(p_data secondary)/PG_VERSION" ] && have_s=1
  if [ "$have_p" = 0 ] && [ "$have_s" = 0 ]; then
    p_initdb primary || return 1
    p_start primary || return 1
    p_ensure_roles primary || return 1
    p_basebackup secondary || return 1
    p_start secondary || return 1
  else
    local s
    # Standbys first, so a primary's witness finds its standby up and starts writable.
    for s in "${SITES[@]}"; do
      if [ -f "$(p_data "$s")/standby.signal" ]; then p_start "$s" || rc=1; fi
    done
    for s in "${SITES[@]}"; do
      if [ -f "$(p_data "$s")/PG_VERSION" ]; then p_start "$s" || rc=1; fi
    done
    for s in "${SITES[@]}"; do
      if [ ! -f "$(p_data "$s")/PG_VERSION" ]; then p_basebackup "$s" && p_start "$s" || rc=1; fi
    done
    [ "$rc" = 0 ] || return 1
    local w; for w in "${SITES[@]}"; do [ "$(p_in_recovery "$w")" = f ] && p_ensure_roles "$w"; done
  fi
  local r1 r2; r1="$(p_in_recovery primary)"; r2="$(p_in_recovery secondary)"
  if [ "$r1" = f ] && [ "$r2" = f ]; then
    warn "postgres: BOTH nodes are primaries (split brain left by a drill?); re-protect one with: lab.sh rewind postgres <site>"
  fi
  local s; for s in "${SITES[@]}"; do
    if [ "$(p_in_recovery "$s")" = t ]; then
      wait_until 60 "postgres $s to stream from its primary" p_is_streaming "$s" || rc=1
    fi
  done
  return "$rc"
}

p_ensure_roles() { # on a primary; idempotent
  local s="$1"
  p_psql "$s" -v rp="$(secret pg-repl)" -v dp="$(secret pg-drill)" -v ap="$(secret pg-app)" >/dev/null <<'SQL' || { fail "postgres $s: creating roles failed"; return 1; }
SET client_min_messages = warning;
SELECT 'CREATE ROLE repl' WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'repl') \gexec
SELECT 'CREATE ROLE drill' WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'drill') \gexec
SELECT 'CREATE ROLE app' WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'app') \gexec
ALTER ROLE repl WITH LOGIN REPLICATION PASSWORD :'rp';
ALTER ROLE drill WITH LOGIN SUPERUSER PASSWORD :'dp';
ALTER ROLE app WITH LOGIN PASSWORD :'ap';
GRANT pg_monitor TO drill;
SELECT 'CREATE DATABASE tip OWNER app' WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = 'tip') \gexec
SQL
}

p_down() {
  local rc=0 s
  for s in "${SITES[@]}"; do p_stop "$s" || rc=1; done
  return "$rc"
}

# lab.sh rewind postgres SITE: make SITE a standby of the other site's current primary.
# Idempotent: a node that already streams from the other site is left alone. Otherwise: stop it
# (fast), CHECKPOINT on the source (pg_rewind reads the source's control file timeline), pg_rewind
# -R (writes standby.signal + primary_conninfo), start it with its own port, wait for streaming.
p_rewind() {
  local s="$1" o src_port out; o="$(other_site "$s")"; src_port="$(port_of postgres "$o")"
  if [ "$(p_in_recovery "$o")" != f ]; then
    fail "postgres rewind $s: the other site ($o, port $src_port) is not a running primary"; return 1
  fi
  if p_running "$s" && [ "$(p_in_recovery "$s")" = t ] && p_is_streaming "$s"; then
    local sp; sp="$(p_q "$s" 'SELECT sender_port FROM pg_stat_wal_receiver')"
    if [ "$sp" = "$src_port" ]; then log "postgres $s: already a standby streaming from $o; nothing to do"; return 0; fi
  fi
  p_stop "$s" || return 1
  p_q "$o" 'CHECKPOINT' >/dev/null || { fail "postgres rewind $s: CHECKPOINT on $o failed"; return 1; }
  local t0; t0="$(now_s)"
  if ! out="$(p_as timeout 600 "$PG_BIN/pg_rewind" \
        --target-pgdata="$(p_data "$s")" \
        --source-server="host=$LAB_HOST port=$src_port user=drill dbname=postgres" -R 2>&1)"; then
    echo "$out" >"$(p_dir "$s")/rewind.log"
    fail "postgres rewind $s: pg_rewind failed:"; echo "$out" | tail -n 10 >&2; return 1
  fi
  echo "$out" >"$(p_dir "$s")/rewind.log"
  log "postgres $s: pg_rewind from $o: $(echo "$out" | grep -E 'no rewind required|Done!|servers diverged' | tr '\n' ' ' | sed 's/ *$//') ($(elapsed "$t0")s)"
  p_start "$s" || return 1
  wait_until 60 "postgres $s to stream from $o" p_is_streaming "$s" || return 1
  log "postgres $s: standby of $o, streaming"
}

p_promote() { # lab.sh promote postgres SITE (the activity uses pg_promote over SQL; this is for people)
  local s="$1"
  case "$(p_in_recovery "$s")" in
    f) log "postgres $s: already a primary; nothing to do";;
    t) [ "$(p_q "$s" 'SELECT pg_promote(true, 60)')" = t ] && log "postgres $s: promoted" || { fail "postgres $s: pg_promote did not finish in 60s"; return 1; };;
    *) fail "postgres $s: not running"; return 1;;
  esac
}

p_status() {
  local s="$1" port; port="$(port_of postgres "$s")"
  if ! p_running "$s"; then printf 'postgres   %-9s down  %s:%s\n' "$s" "$LAB_HOST" "$port"; return 1; fi
  local rec; rec="$(p_in_recovery "$s")"
  if [ -z "$rec" ]; then printf 'postgres   %-9s down  %s:%s (postmaster %s runs but does not answer)\n' "$s" "$LAB_HOST" "$port" "$(p_pid "$s")"; return 1; fi
  if [ "$rec" = f ]; then
    local tl standbys
    tl="$(p_q "$s" 'SELECT timeline_id FROM pg_control_checkpoint()')"
    standbys="$(p_q "$s" "SELECT coalesce(string_agg(application_name || ' ' || state || ' lag=' || coalesce(pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn)::bigint::text, '?') || 'B', ', '), 'none') FROM pg_stat_replication")"
    printf 'postgres   %-9s up    %s:%s primary   timeline=%s lsn=%s standbys: %s\n' "$s" "$LAB_HOST" "$port" "$tl" "$(p_q "$s" 'SELECT pg_current_wal_lsn()')" "$standbys"
  else
    local r
    r="$(p_q "$s" "SELECT coalesce((SELECT status || ' from :' || sender_port || ' timeline=' || received_tli FROM pg_stat_wal_receiver), 'not receiving') || ' replay=' || coalesce(pg_last_wal_replay_lsn()::text, '?') || ' backlog=' || coalesce(greatest(0, pg_wal_lsn_diff(pg_last_wal_receive_lsn(), pg_last_wal_replay_lsn()))::bigint::text, '?') || 'B'")"
    printf 'postgres   %-9s up    %s:%s standby   %s\n' "$s" "$LAB_HOST" "$port" "$r"
  fi
}
