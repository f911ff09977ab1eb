#!/usr/bin/env bash
# The lab's stand-in for storage replication between two sites' shared folders (EFS replication,
# an NFS mirror): every INTERVAL seconds, rsync the source site's folder onto the other's, with
# deletions, as one-way replication does. Which site is the source is read from SOURCE_FILE each
# round ("primary" or "secondary"), so `misp.sh shared source SITE` reverses it while it runs. After
# each round it writes the direction it used to SOURCE_FILE.done: once that names the new source, no
# round in the old direction (which would delete what the new source wrote) is under way.
#
#   replicate-shared.sh PRIMARY_DIR SECONDARY_DIR SOURCE_FILE [INTERVAL_S [EXCLUDE...]]
#
# EXCLUDE: rsync patterns of what each site keeps for itself (the MISP lab: the load balancer's health
# file, the site's rotation state rather than data): never copied, never deleted on the other side.
# The direction is read before every round, never remembered: a replicator restarted after a site
# loss (the old source's) pushes the way SOURCE_FILE says now, so a drill that made the other side
# the source is never undone by the old side's loop coming back.
# Runs until killed. A round that fails (a folder gone) is logged and retried next round.
set -uo pipefail
[ $# -ge 3 ] || { echo "usage: replicate-shared.sh PRIMARY_DIR SECONDARY_DIR SOURCE_FILE [INTERVAL_S [EXCLUDE...]]" >&2; exit 2; }
primary="$1"; secondary="$2"; source_file="$3"; interval="${4:-1}"
shift $(( $# < 4 ? $# : 4 ))
excludes=()
for pattern in "$@"; do excludes+=(--exclude="$pattern"); done
trap 'exit 0' TERM INT
while :; do
  src="$(cat "$source_file" 2>/dev/null || echo primary)"
  case "$src" in
    primary) from="$primary"; to="$secondary";;
    secondary) from="$secondary"; to="$primary";;
    *) echo "replicate-shared: $source_file says '$src', expected primary or secondary" >&2; sleep "$interval"; continue;;
  esac
  if rsync -a --delete "${excludes[@]}" "$from/" "$to/"; then echo "$src" >"$source_file.done.tmp" && mv "$source_file.done.tmp" "$source_file.done"
  else echo "replicate-shared: $(date -u +%FT%TZ) rsync $from -> $to failed" >&2; fi
  sleep "$interval" &
  wait $!
done
