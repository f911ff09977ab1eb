#!/usr/bin/env bash
# The lab's snapshot schedule for a search tier with a cluster per site (what an SM policy or a
# cron job does in production; the OpenSearch integ-test zip has no index-management plugin, so no
# SM): every INTERVAL seconds, a snapshot `scheduled-<epoch ms>` of the serving site's cluster into
# the shared fs repository REPO (every index but the system ones and the drill's restore markers),
# keeping the KEEP newest. Its age is the search tier's RPO when a site is lost: the other site
# restores the newest snapshot it finds.
#
# The serving site is the one whose app answers its health URL; the schedule snapshots nothing while
# no app or both answer (a switch is under way: the drill takes its own final snapshot then). Before
# it writes, it makes sure REPO is registered writable there with LOCATION (a drill registers it
# read-only where it restores); it never touches the other site's registration.
#
#   snapshot-schedule.sh REPO LOCATION INTERVAL_S KEEP PRIMARY_URL SECONDARY_URL PRIMARY_APP_HEALTH SECONDARY_APP_HEALTH
#
# Runs until killed. A round that fails (a cluster gone) is logged and tried again next round.
set -uo pipefail
[ $# -ge 8 ] || { echo "usage: snapshot-schedule.sh REPO LOCATION INTERVAL_S KEEP PRIMARY_URL SECONDARY_URL PRIMARY_APP_HEALTH SECONDARY_APP_HEALTH" >&2; exit 2; }
repo="$1"; location="$2"; interval="$3"; keep="$4"
declare -A url=([primary]="$5" [secondary]="$6") app=([primary]="$7" [secondary]="$8")
PYTHON="$(command -v /usr/bin/python3 || command -v python3)"
trap 'exit 0' TERM INT

say() { echo "snapshot-schedule: $(date -u +%FT%TZ) $*"; }
answers() { curl -s -o /dev/null --max-time 2 -w '%{http_code}' "$1" 2>/dev/null | grep -q '^200$'; }
os() { # os SITE METHOD PATH [JSON]
  local args=(-sS --max-time 60 -X "$2" "${url[$1]}$3")
  [ -n "${4:-}" ] && args+=(-H 'Content-Type: application/json' -d "$4")
  curl "${args[@]}"
}

serving() {
  local p=0 s=0
  answers "${app[primary]}" && p=1
  answers "${app[secondary]}" && s=1
  if [ "$p$s" = 10 ]; then echo primary; elif [ "$p$s" = 01 ]; then echo secondary; fi
}

ensure_writable() { # the registration as the drill's plan writes it, writable here
  local have
  have="$(os "$1" GET "/_snapshot/$repo" 2>/dev/null | "$PYTHON" -c "import json,sys
try:
    s=json.load(sys.stdin)['$repo']['settings']; print(s.get('location'), str(s.get('readonly','false')).lower())
except Exception:
    print('')")"
  [ "$have" = "$location false" ] && return 0
  os "$1" PUT "/_snapshot/$repo" "{\"type\":\"fs\",\"settings\":{\"location\":\"$location\",\"readonly\":false}}" | grep -q '"acknowledged":true'
}

prune() { # drop scheduled snapshots beyond the KEEP newest
  local old
  old="$(os "$1" GET "/_snapshot/$repo/scheduled-*" 2>/dev/null | "$PYTHON" -c "import json,sys
try:
    names=sorted(s['snapshot'] for s in json.load(sys.stdin).get('snapshots',[]))
    print('\n'.join(names[:-$keep] if len(names)>$keep else []))
except Exception:
    pass")"
  local n; for n in $old; do os "$1" DELETE "/_snapshot/$repo/$n" >/dev/null 2>&1 || say "deleting $n on $1 failed"; done
}

while :; do
  site="$(serving)"
  if [ -n "$site" ]; then
    name="scheduled-$(date +%s%3N)"
    if ! ensure_writable "$site"; then say "$repo is not writable on $site (cluster gone?); next round in ${interval}s"
    else
      body='{"indices":"*,-.*,-drillbook-restores","include_global_state":false,"ignore_unavailable":true,"metadata":{"scheduled":true,"takenFrom":"'"$site"'"}}'
      out="$(os "$site" PUT "/_snapshot/$repo/$name?wait_for_completion=true" "$body" 2>&1)"
      if echo "$out" | grep -q '"state":"SUCCESS"'; then prune "$site"; echo "$site $name" >"${SCHEDULE_LAST_FILE:-/dev/null}"
      else say "snapshot $name on $site failed: ${out:0:300}"; fi
    fi
  fi
  sleep "$interval" &
  wait $!
done
