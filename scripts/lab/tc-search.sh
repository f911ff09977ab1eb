#!/usr/bin/env bash
# The ThreatConnect lab's search tier (sourced by lab.sh after opensearch.sh, opensearch-sites.sh and
# app.sh): a single-node OpenSearch cluster per site, tc-primary on 9200 and tc-secondary on 9201
# (transport 9300/9301), both listing opensearch-sites/snapshots in path.repo, so the fs repository
# drill-snapshots (location drill-snapshots, as plans/lab.yaml registers it) is one both read. Losing
# a site loses one cluster, never the other's quorum: the survivor restores the newest snapshot.
#
# A snapshot schedule (snapshot-schedule.sh) runs beside them and snapshots the serving site's
# cluster every DRILLBOOK_LAB_OS_SNAPSHOT_INTERVAL seconds (default 15, keeping 10): in a site loss
# the search tier's RPO is the age of the newest one. `up` registers the repository writable on the
# primary and read-only on the secondary, as a drill's preflight does.

TCS_REPO=drill-snapshots
TCS_INTERVAL="${DRILLBOOK_LAB_OS_SNAPSHOT_INTERVAL:-15}"
TCS_KEEP=10
case "$TCS_INTERVAL" in ''|0|*[!0-9]*) echo "lab: DRILLBOOK_LAB_OS_SNAPSHOT_INTERVAL must be a positive number of seconds, got '$TCS_INTERVAL'" >&2; exit 2;; esac

tcs_schedule_pidfile() { echo "$LAB_DIR/opensearch-sites/schedule.pid"; }
tcs_schedule_last() { echo "$LAB_DIR/opensearch-sites/schedule.last"; }
tcs_schedule_running() { pid_alive "$(pid_from "$(tcs_schedule_pidfile)")"; }

tcs_register() { # tcs_register SITE readonly(true|false)
  local r
  r="$(curl -sS --max-time 40 -X PUT -H 'Content-Type: application/json' "$(oss_url "$1")/_snapshot/$TCS_REPO" \
    -d "{\"type\":\"fs\",\"settings\":{\"location\":\"$TCS_REPO\",\"readonly\":$2}}" 2>&1)"
  echo "$r" | grep -q '"acknowledged":true' || { fail "opensearch $1: registering $TCS_REPO failed: $r"; return 1; }
}

tcs_schedule_start() {
  if tcs_schedule_running; then return 0; fi
  mkdir -p "$LAB_DIR/opensearch-sites"
  SCHEDULE_LAST_FILE="$(tcs_schedule_last)" setsid bash "$HERE/snapshot-schedule.sh" "$TCS_REPO" "$TCS_REPO" "$TCS_INTERVAL" "$TCS_KEEP" \
    "$(oss_url primary)" "$(oss_url secondary)" \
    "http://$LAB_HOST:$(port_of app primary)/health" "http://$LAB_HOST:$(port_of app secondary)/health" \
    </dev/null >>"$LAB_DIR/opensearch-sites/schedule.log" 2>&1 9>&- &
  echo $! >"$(tcs_schedule_pidfile)"
  log "opensearch: snapshot schedule every ${TCS_INTERVAL}s of the serving site's cluster into $TCS_REPO (pid $!)"
}
tcs_schedule_stop() {
  local p; p="$(pid_from "$(tcs_schedule_pidfile)")"
  if pid_alive "$p"; then kill -TERM "$p" 2>/dev/null; local i=0; while pid_alive "$p" && [ "$i" -lt 50 ]; do sleep 0.1; i=$((i + 1)); done; pid_alive "$p" && kill -KILL "$p"; fi
  rm -f "$(tcs_schedule_pidfile)"
}

tcs_up() {
  oss_up || return 1
  tcs_register primary false || return 1
  tcs_register secondary true || return 1
  tcs_schedule_start
}
tcs_down() { tcs_schedule_stop; oss_down; }
tcs_start() { oss_start "$1" && tcs_schedule_start; }
tcs_stop() { oss_stop "$1"; }
tcs_kill() { oss_kill "$1"; }
tcs_status() {
  local rc=0; oss_status "$1" || rc=1
  if [ "$1" = secondary ]; then
    if tcs_schedule_running; then
      local last newest=none; last="$(cat "$(tcs_schedule_last)" 2>/dev/null)"
      if [ -n "$last" ]; then newest="${last#* } on ${last%% *}, $(( $(date +%s) - ${last##*scheduled-} / 1000 ))s ago"; fi
      printf 'snapshots  schedule  up    every %ss into %s, newest %s\n' "$TCS_INTERVAL" "$TCS_REPO" "$newest"
    else printf 'snapshots  schedule  down\n'; rc=1; fi
  fi
  return "$rc"
}
