#!/usr/bin/env bash
# The MISP lab's shared storage (sourced by misp.sh): a folder per site standing for the site's
# EFS or NFS mount of /var/www/MISP, and a replicator (replicate-shared.sh, rsync every second, one
# way, with deletions) standing for EFS replication. Each site's node serves its web root from
# <site>/webroot, where the load balancer's health file health.html lives: each site keeps its own
# (replication leaves it alone: it is the site's rotation state, and a returned site's must stay
# moved aside while the other serves). `shared source SITE` reverses the direction (a drill's
# activate step) and returns once a round in the new direction has completed; with the replicator
# down (its site lost) it records the direction, which the replicator reads before every round when
# it comes back: the returned side's copy is never pushed over the serving one.

FS_INTERVAL_S=1
# What each site keeps for itself (rsync patterns, from the folder's root).
FS_SITE_OWN=(/webroot/health.html /webroot/health.html.drill-off)
fs_dir() { echo "$LAB_DIR/shared"; }
fs_site() { echo "$(fs_dir)/$1"; }
fs_source_file() { echo "$(fs_dir)/source"; }
fs_pidfile() { echo "$(fs_dir)/replicator.pid"; }
fs_pid() { pid_from "$(fs_pidfile)"; }
fs_running() { pid_alive "$(fs_pid)"; }
fs_round_done_in() { [ "$(cat "$(fs_source_file).done" 2>/dev/null)" = "$1" ]; }

fs_up() {
  local s src
  for s in "${SITES[@]}"; do mkdir -p "$(fs_site "$s")/webroot"; done
  [ -s "$(fs_source_file)" ] || echo primary >"$(fs_source_file)"
  src="$(cat "$(fs_source_file)")"
  # A fresh lab: the health file on each site; a drill's leftovers (moved aside) are kept.
  local web
  for s in "${SITES[@]}"; do
    web="$(fs_site "$s")/webroot"
    [ -e "$web/health.html" ] || [ -e "$web/health.html.drill-off" ] || echo "MISP node OK" >"$web/health.html"
  done
  # MISP's own config on the shared code base: release, instance UUID and keys (the drill compares their digests).
  bash "$HERE/misp-state.sh" init "$(fs_site "$src")"
  if fs_running; then log "shared storage: replicator already running (pid $(fs_pid), $src -> $(other_site "$src"))"; return 0; fi
  command -v rsync >/dev/null 2>&1 || { fail "rsync is not installed: run sudo bash scripts/install-lab-deps.sh"; return 1; }
  rm -f "$(fs_source_file).done"
  setsid bash "$HERE/replicate-shared.sh" "$(fs_site primary)" "$(fs_site secondary)" "$(fs_source_file)" "$FS_INTERVAL_S" "${FS_SITE_OWN[@]}" \
    </dev/null >>"$(fs_dir)/replicator.log" 2>&1 9>&- &
  echo $! >"$(fs_pidfile)"
  wait_until 30 "the first replication round ($src -> $(other_site "$src"))" fs_round_done_in "$src" || { tail -n 5 "$(fs_dir)/replicator.log" >&2; return 1; }
  log "shared storage: $(fs_dir)/{primary,secondary}, replicating $src -> $(other_site "$src") every ${FS_INTERVAL_S}s (pid $(fs_pid))"
}

fs_down() {
  local p; p="$(fs_pid)"
  if ! pid_alive "$p"; then log "shared storage: replicator already stopped"; return 0; fi
  kill -TERM "$p" 2>/dev/null || true
  local n=50; while pid_alive "$p" && [ "$n" -gt 0 ]; do sleep 0.1; n=$((n - 1)); done
  pid_alive "$p" && kill -KILL "$p" 2>/dev/null
  rm -f "$(fs_pidfile)"
  log "shared storage: replicator stopped"
}

fs_kill() { # as in a crash or a power cut: no round finished, nothing cleaned up
  local p; p="$(fs_pid)"
  if pid_alive "$p"; then kill -KILL -- "-$p" 2>/dev/null || kill -KILL "$p"; log "shared storage: replicator killed (SIGKILL pid $p)"
  else log "shared storage: replicator already stopped"; fi
  rm -f "$(fs_pidfile)"
}

fs_status() { # fs_status SITE
  local s="$1" src age; src="$(cat "$(fs_source_file)" 2>/dev/null || echo '?')"
  if [ ! -d "$(fs_site "$s")" ]; then printf 'shared     %-9s down  no folder %s\n' "$s" "$(fs_site "$s")"; return 1; fi
  if ! fs_running; then printf 'shared     %-9s down  %s (replicator stopped)\n' "$s" "$(fs_site "$s")"; return 1; fi
  age="$(( $(date +%s) - $(stat -c %Y "$(fs_source_file).done" 2>/dev/null || echo 0) ))"
  printf 'shared     %-9s up    %s %s (replicating %s -> %s, last round %ss ago)\n' "$s" "$(fs_site "$s")" \
    "$( [ "$src" = "$s" ] && echo source || echo replica)" "$src" "$(other_site "$src")" "$age"
}

fs_source() { # fs_source SITE: make SITE's folder the one replicated from
  local s="$1"
  valid_site "$s" || { echo "misp-lab: shared source primary|secondary" >&2; return 2; }
  [ -d "$(fs_dir)" ] || { fail "shared storage: no lab at $(fs_dir) (misp.sh up shared)"; return 1; }
  # Recorded first, whatever runs: a replicator that starts later reads it before its first round.
  echo "$s" >"$(fs_source_file).tmp" && mv "$(fs_source_file).tmp" "$(fs_source_file)"
  if ! fs_running; then
    log "shared storage: the replicator is not running (its site lost?); $s is recorded as the source, and it replicates $s -> $(other_site "$s") when it starts"
    return 0
  fi
  wait_until 15 "a replication round $s -> $(other_site "$s")" fs_round_done_in "$s" || return 1
  log "shared storage: replicating $s -> $(other_site "$s")"
}
