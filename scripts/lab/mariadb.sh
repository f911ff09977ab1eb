#!/usr/bin/env bash
# MariaDB master-master pair for the lab (sourced by lab.sh).
# Site primary: 127.0.0.1:3316 (server-id 1, gtid_domain_id 1, auto_increment_offset 1)
# Site secondary: 127.0.0.1:3326 (server-id 2, gtid_domain_id 2, auto_increment_offset 2)
# Both: auto_increment_increment 2, log-bin, sync_binlog=1, ROW, log_slave_updates, each replicates
# from the other with MASTER_USE_GTID=slave_pos.
# Every start comes up read_only=ON (--read-only=1 on its command line: a node restarted on its old
# data after a power cut never comes up as a second writer; MariaDB 10.11 lets only replication
# threads and holders of READ_ONLY ADMIN write then, and SUPER no longer implies it, MDEV-29596);
# `up` of the whole pair restores the single writer recorded by the last `down` (primary at first).
# `reseed SITE` rebuilds a fenced node that came back with writes the writer never received (its
# binlogs are kept in diverged-<time>/ for reconciliation) from a dump of the writer at a GTID.
# Accounts (created with sql_log_bin=0 on each node, passwords in $LAB_DIR/secrets/):
#   repl  REPLICATION SLAVE
#   drill SLAVE MONITOR, BINLOG MONITOR, READ_ONLY ADMIN, REPLICATION SLAVE ADMIN, PROCESS,
#         CONNECTION ADMIN, REPLICATION SLAVE (mariadb-binlog --read-from-remote-server reads the
#         binlogs: writes to reconcile, the newest replicated event) on *.*; ALL on drillbook.* (canary table); SELECT on tip.*; SELECT on
#         mysql.* (so information_schema.USER_PRIVILEGES shows who holds READ_ONLY ADMIN: the
#         sessions a read_only fence does not stop)
#   app   ALL on tip.* (no READ_ONLY ADMIN, no SUPER: read_only fences it)
# root connects through the socket without a password (lab admin only).

MARIADBD="$(command -v mariadbd || echo /usr/sbin/mariadbd)"

m_dir() { echo "$LAB_DIR/mariadb/$1"; }
m_sock() { echo "$(m_dir "$1")/mysqld.sock"; }
m_pidfile() { echo "$(m_dir "$1")/mysqld.pid"; }
m_id() { if [ "$1" = primary ]; then echo 1; else echo 2; fi; }

m_sql() { # m_sql SITE SQL -> tab-separated rows, no headers (SQL on stdin: passwords stay out of argv)
  mariadb --no-defaults -uroot --socket="$(m_sock "$1")" --connect-timeout=5 -N -B <<<"$2"
}
m_replica_status() { # vertical "Name: value" lines of SHOW REPLICA STATUS (empty: not a replica)
  mariadb --no-defaults -uroot --socket="$(m_sock "$1")" --connect-timeout=5 -E <<<'SHOW REPLICA STATUS' 2>/dev/null
}
m_ping() { mariadb-admin --no-defaults -uroot --socket="$(m_sock "$1")" --connect-timeout=2 ping; }
m_pid() { pid_from "$(m_pidfile "$1")"; }
m_running() { local p; p="$(m_pid "$1")"; pid_alive "$p"; }

m_init() { # create the data dir once
  local s="$1" d; d="$(m_dir "$s")"
  [ -d "$d/data/mysql" ] && return 0
  mkdir -p "$d/data"
  own mysql "$d"
  check_reachable mysql "$d"
  if ! mariadb-install-db --no-defaults --user=mysql --datadir="$d/data" \
      --auth-root-authentication-method=socket --skip-test-db >"$d/install.log" 2>&1; then
    fail "mariadb $s: mariadb-install-db failed, see $d/install.log"; return 1
  fi
  own mysql "$d"
  log "mariadb $s: initialised data dir $d/data"
}

m_start() {
  local s="$1" d port id t0; d="$(m_dir "$s")"; port="$(port_of mariadb "$s")"; id="$(m_id "$s")"
  if m_running "$s"; then log "mariadb $s: already running (pid $(m_pid "$s"), port $port)"; return 0; fi
  m_init "$s" || return 1
  if port_in_use "$port"; then fail "mariadb $s: port $port is already in use by another process"; return 1; fi
  t0="$(now_s)"
  local user_args=(); is_root && user_args=(--user=mysql)
  setsid "$MARIADBD" --no-defaults "${user_args[@]}" --datadir="$d/data" \
    --port="$port" --bind-address="$LAB_HOST" --socket="$(m_sock "$s")" --pid-file="$(m_pidfile "$s")" \
    --log-error="$d/error.log" --skip-name-resolve \
    --server-id="$id" --gtid-domain-id="$id" \
    --log-bin="$d/data/node$id-bin" --log-basename="node$id" --binlog-format=ROW --sync-binlog=1 \
    --log-slave-updates=1 --auto-increment-increment=2 --auto-increment-offset="$id" \
    --read-only=1 --slave-net-timeout=10 \
    --innodb-buffer-pool-size=64M --innodb-log-file-size=48M --performance-schema=OFF \
    --max-connections=100 </dev/null >>"$d/stdout.log" 2>&1 9>&- &
  if ! wait_until "$LAB_TIMEOUT" "mariadb $s to answer ping" m_ping "$s"; then
    fail "mariadb $s did not start; last lines of $d/error.log:"; tail -n 15 "$d/error.log" >&2 || true
    return 1
  fi
  log "mariadb $s: started on $LAB_HOST:$port (pid $(m_pid "$s"), read-only, $(elapsed "$t0")s)"
}

m_wait_gone() { # m_wait_gone PID SECONDS
  local p="$1" n=$(( $2 * 5 ))
  while pid_alive "$p" && [ "$n" -gt 0 ]; do sleep 0.2; n=$((n - 1)); done
  ! pid_alive "$p"
}

m_stop() {
  local s="$1" p; p="$(m_pid "$s")"
  if ! pid_alive "$p"; then log "mariadb $s: already stopped"; return 0; fi
  mariadb-admin --no-defaults -uroot --socket="$(m_sock "$s")" --connect-timeout=5 shutdown >/dev/null 2>&1 || kill -TERM "$p" 2>/dev/null || true
  if ! m_wait_gone "$p" 60; then
    warn "mariadb $s: pid $p still running 60s after shutdown; sending SIGKILL"
    kill -KILL "$p" 2>/dev/null || true; m_wait_gone "$p" 10 || { fail "mariadb $s: pid $p will not die"; return 1; }
  fi
  log "mariadb $s: stopped"
}

m_kill() {
  local s="$1" p; p="$(m_pid "$s")"
  if ! pid_alive "$p"; then log "mariadb $s: already stopped (nothing to kill)"; return 0; fi
  kill -KILL "$p" 2>/dev/null || true
  m_wait_gone "$p" 10 || { fail "mariadb $s: pid $p survived SIGKILL"; return 1; }
  rm -f "$(m_pidfile "$s")"
  log "mariadb $s: killed (SIGKILL pid $p)"
}

m_read_only() { m_sql "$1" 'SELECT @@global.read_only' 2>/dev/null; }

# Accounts on one node, not binlogged (identical on both nodes, never replicated).
m_ensure_accounts() {
  local s="$1" rp dp ap; rp="$(secret mysql-repl)"; dp="$(secret mysql-drill)"; ap="$(secret mysql-app)"
  m_sql "$s" "SET SESSION sql_log_bin=0;
    CREATE USER IF NOT EXISTS 'repl'@'$LAB_HOST' IDENTIFIED BY '$rp';
    ALTER USER 'repl'@'$LAB_HOST' IDENTIFIED BY '$rp';
    GRANT REPLICATION SLAVE ON *.* TO 'repl'@'$LAB_HOST';
    CREATE USER IF NOT EXISTS 'drill'@'$LAB_HOST' IDENTIFIED BY '$dp';
    ALTER USER 'drill'@'$LAB_HOST' IDENTIFIED BY '$dp';
    GRANT SLAVE MONITOR, BINLOG MONITOR, READ_ONLY ADMIN, REPLICATION SLAVE ADMIN, REPLICATION SLAVE, PROCESS, CONNECTION ADMIN ON *.* TO 'drill'@'$LAB_HOST';
    GRANT ALL ON drillbook.* TO 'drill'@'$LAB_HOST';
    GRANT SELECT ON tip.* TO 'drill'@'$LAB_HOST';
    GRANT SELECT ON mysql.* TO 'drill'@'$LAB_HOST';
    CREATE USER IF NOT EXISTS 'app'@'$LAB_HOST' IDENTIFIED BY '$ap';
    ALTER USER 'app'@'$LAB_HOST' IDENTIFIED BY '$ap';
    GRANT ALL ON tip.* TO 'app'@'$LAB_HOST';
    FLUSH PRIVILEGES;" || { fail "mariadb $s: creating accounts failed"; return 1; }
}

m_ensure_replication() { # SITE replicates from the other site (configured once; START if stopped)
  local s="$1" o port rp st; o="$(other_site "$s")"; port="$(port_of mariadb "$o")"; rp="$(secret mysql-repl)"
  st="$(m_replica_status "$s" | awk -F': ' '/ Master_Port:/{print $2}')"
  if [ -z "$st" ]; then
    m_sql "$s" "CHANGE MASTER TO MASTER_HOST='$LAB_HOST', MASTER_PORT=$port, MASTER_USER='repl',
        MASTER_PASSWORD='$rp', MASTER_USE_GTID=slave_pos, MASTER_CONNECT_RETRY=2, MASTER_HEARTBEAT_PERIOD=2;
        START REPLICA;" || { fail "mariadb $s: CHANGE MASTER failed"; return 1; }
    log "mariadb $s: replicating from $o ($LAB_HOST:$port, MASTER_USE_GTID=slave_pos)"
  elif [ "$st" != "$port" ]; then
    warn "mariadb $s: replicates from port $st, expected $port; leaving it alone"
  fi
}

m_writer_file() { echo "$LAB_DIR/mariadb/writer"; }

# Pair-level bring-up: both nodes started, accounts, replication both ways, one writer, tip db.
m_up() {
  local rc=0 s
  ensure_secret mysql-repl >/dev/null; ensure_secret mysql-drill >/dev/null; ensure_secret mysql-app >/dev/null
  for s in "${SITES[@]}"; do m_start "$s" || rc=1; done
  [ "$rc" = 0 ] || return 1
  local fresh=0; [ -f "$LAB_DIR/mariadb/.bootstrapped" ] || fresh=1
  for s in "${SITES[@]}"; do m_ensure_accounts "$s" || return 1; done
  for s in "${SITES[@]}"; do m_ensure_replication "$s" || return 1; done
  # Restore the single writer if nobody writes (every start is read-only).
  local ro1 ro2 w; ro1="$(m_read_only primary)"; ro2="$(m_read_only secondary)"
  if [ "$ro1" = 1 ] && [ "$ro2" = 1 ]; then
    w="$(cat "$(m_writer_file)" 2>/dev/null || echo primary)"
    if valid_site "$w"; then
      m_sql "$w" 'SET GLOBAL read_only=OFF' && log "mariadb $w: made writable (the pair's writer)"
    fi
  elif [ "$ro1" = 0 ] && [ "$ro2" = 0 ]; then
    warn "mariadb: BOTH nodes are writable (left so by a drill?); fix with: lab.sh fence mariadb <site>"
  fi
  for s in "${SITES[@]}"; do
    if ! wait_until 30 "mariadb $s replication threads to run (io=Yes sql=Yes)" m_replica_healthy "$s"; then
      fail "mariadb $s: $(m_replica_status "$s" | grep -E 'Slave_(IO|SQL)_Running:|Last_(IO|SQL)_Error:' | sed 's/^ *//' | tr '\n' ' ')"
      return 1
    fi
  done
  if [ "$fresh" = 1 ]; then
    local w2; w2="$( [ "$(m_read_only primary)" = 0 ] && echo primary || echo secondary )"
    m_sql "$w2" 'CREATE DATABASE IF NOT EXISTS tip' || { fail "mariadb: CREATE DATABASE tip failed"; return 1; }
    if ! wait_until 30 "database tip to replicate to $(other_site "$w2")" \
        m_sql_has_db "$(other_site "$w2")" tip; then return 1; fi
    touch "$LAB_DIR/mariadb/.bootstrapped"
    log "mariadb: database tip created on $w2 and replicated"
  fi
}
m_replica_healthy() {
  m_replica_status "$1" | awk -F': ' '/ Slave_IO_Running:/{io=$2} / Slave_SQL_Running:/{sq=$2} END{exit !(io=="Yes" && sq=="Yes")}'
}
m_sql_has_db() { [ "$(m_sql "$1" "SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME='$2'")" = 1 ]; }

m_down() {
  local rc=0 s ro1 ro2
  ro1="$(m_read_only primary 2>/dev/null || true)"; ro2="$(m_read_only secondary 2>/dev/null || true)"
  if [ "$ro1" = 0 ] && [ "$ro2" != 0 ]; then echo primary >"$(m_writer_file)";
  elif [ "$ro2" = 0 ] && [ "$ro1" != 0 ]; then echo secondary >"$(m_writer_file)"; fi
  for s in "${SITES[@]}"; do m_stop "$s" || rc=1; done
  return "$rc"
}

m_fence() { # lab.sh fence mariadb SITE: read_only=ON (admin tool for a lab left with two writers)
  m_sql "$1" 'SET GLOBAL read_only=ON' && log "mariadb $1: read_only=ON"
}
# lab.sh reseed mariadb SITE: SITE came back (fenced, read-only) holding transactions the writer
# never received. Keep its binlogs (diverged-<time>/: the record of those writes), load a consistent
# dump of the writer's databases taken at a GTID position (not binlogged), start SITE's binlog over
# at that position, and replicate both ways again from there. Idempotent in effect: run again, it
# re-seeds from the writer's current data.
m_reseed() {
  local s="$1" o oport sport rp d id ts dump pos dbs spos
  o="$(other_site "$s")"; oport="$(port_of mariadb "$o")"; sport="$(port_of mariadb "$s")"
  rp="$(secret mysql-repl)"; d="$(m_dir "$s")"; id="$(m_id "$s")"
  [ "$(m_read_only "$o")" = 0 ] || { fail "mariadb reseed $s: $o is not the writer"; return 1; }
  [ "$(m_read_only "$s")" = 1 ] || { fail "mariadb reseed $s: $s is writable; fence it first (lab.sh fence mariadb $s)"; return 1; }
  ts="$(date -u +%Y%m%dT%H%M%SZ)"
  mkdir -p "$d/diverged-$ts"
  cp -p "$d"/data/node"$id"-bin.[0-9]* "$d/diverged-$ts/" 2>/dev/null || true
  m_sql "$s" 'STOP REPLICA' || { fail "mariadb reseed $s: STOP REPLICA failed"; return 1; }
  dbs="$(m_sql "$o" "SELECT GROUP_CONCAT(SCHEMA_NAME SEPARATOR ' ') FROM information_schema.SCHEMATA
      WHERE SCHEMA_NAME NOT IN ('mysql', 'information_schema', 'performance_schema', 'sys')")"
  dump="$d/reseed-$ts.sql"
  # --single-transaction + --master-data: one consistent snapshot and the GTID position it is at.
  if ! mariadb-dump --no-defaults -uroot --socket="$(m_sock "$o")" --single-transaction --gtid --master-data=2       --add-drop-database --routines --events --databases $dbs >"$dump" 2>"$d/reseed-$ts.log"; then
    fail "mariadb reseed $s: mariadb-dump of $o failed, see $d/reseed-$ts.log"; return 1
  fi
  pos="$(sed -n "s/^-- SET GLOBAL gtid_slave_pos='\(.*\)';\$/\1/p" "$dump" | head -n1)"
  [ -n "$pos" ] || { fail "mariadb reseed $s: the dump of $o names no GTID position"; return 1; }
  if ! { echo 'SET SESSION sql_log_bin=0;'; cat "$dump"; } | mariadb --no-defaults -uroot --socket="$(m_sock "$s")" -B >>"$d/reseed-$ts.log" 2>&1; then
    fail "mariadb reseed $s: loading the dump failed, see $d/reseed-$ts.log"; return 1
  fi
  # SITE's binlog restarts at the dump's position: the diverged transactions can never flow to $o.
  m_sql "$s" "RESET MASTER; SET GLOBAL gtid_binlog_state='$pos'; SET GLOBAL gtid_slave_pos='$pos';
      CHANGE MASTER TO MASTER_HOST='$LAB_HOST', MASTER_PORT=$oport, MASTER_USER='repl', MASTER_PASSWORD='$rp',
        MASTER_USE_GTID=slave_pos, MASTER_CONNECT_RETRY=2, MASTER_HEARTBEAT_PERIOD=2;
      START REPLICA;" || { fail "mariadb reseed $s: restarting replication from $o failed"; return 1; }
  # The other direction, from what SITE's binlog holds now (everything in it came from $o).
  spos="$(m_sql "$s" 'SELECT @@gtid_binlog_pos')"
  m_sql "$o" "STOP REPLICA; SET GLOBAL gtid_slave_pos='$spos';
      CHANGE MASTER TO MASTER_HOST='$LAB_HOST', MASTER_PORT=$sport, MASTER_USER='repl', MASTER_PASSWORD='$rp',
        MASTER_USE_GTID=slave_pos, MASTER_CONNECT_RETRY=2, MASTER_HEARTBEAT_PERIOD=2;
      START REPLICA;" || { fail "mariadb reseed $s: restarting replication $s -> $o failed"; return 1; }
  rm -f "$dump"
  log "mariadb $s: re-seeded from $o at GTID $pos (its own binlogs kept in $d/diverged-$ts), replicating both ways"
}

m_unfence() { m_sql "$1" 'SET GLOBAL read_only=OFF' && log "mariadb $1: read_only=OFF"; }

m_status() {
  local s="$1" port; port="$(port_of mariadb "$s")"
  if ! m_running "$s"; then printf 'mariadb    %-9s down  %s:%s\n' "$s" "$LAB_HOST" "$port"; return 1; fi
  if ! m_ping "$s" >/dev/null 2>&1; then printf 'mariadb    %-9s down  %s:%s (process %s runs but does not answer)\n' "$s" "$LAB_HOST" "$port" "$(m_pid "$s")"; return 1; fi
  local ro role repl gtid
  ro="$(m_read_only "$s")"; role="$( [ "$ro" = 0 ] && echo writable || echo read-only )"
  gtid="$(m_sql "$s" 'SELECT @@gtid_current_pos')"
  repl="$(m_replica_status "$s" | awk -F': ' '
      / Master_Port:/{p=$2} / Slave_IO_Running:/{io=$2} / Slave_SQL_Running:/{sq=$2}
      / Seconds_Behind_Master:/{lag=$2} / Last_IO_Errno:/{ie=$2} / Last_SQL_Errno:/{se=$2}
      END { if (p=="") print "no replication configured";
            else printf "replicates from :%s io=%s sql=%s lag=%ss io_errno=%s sql_errno=%s", p, io, sq, lag, ie, se }')"
  printf 'mariadb    %-9s up    %s:%s %-9s gtid=%s %s\n' "$s" "$LAB_HOST" "$port" "$role" "${gtid:-none}" "$repl"
}
