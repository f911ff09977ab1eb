#!/usr/bin/env bash
# The lab's stand-in for storage replication between two sites' shared folders (EFS replication,
# an NFS mirror): every INTERVAL seconds, rsync the source site's folder onto the other's, with
# deletions, as one-way replication does. Which site is the source is read from SOURCE_FILE each
# round ("primary" or "secondary"), so `lab.sh shared source SITE` reverses it while it runs.
#
#   replicate-shared.sh PRIMARY_DIR SECONDARY_DIR SOURCE_FILE [INTERVAL_S]
#
# Runs until killed. A round that fails (a folder gone) is logged and retried next round.
set -uo pipefail
[ $# -ge 3 ] || { echo "usage: replicate-shared.sh PRIMARY_DIR SECONDARY_DIR SOURCE_FILE [INTERVAL_S]" >&2; exit 2; }
primary="$1"; secondary="$2"; source_file="$3"; interval="${4:-1}"
trap 'exit 0' TERM INT
while :; do
  src="$(cat "$source_file" 2>/dev/null || echo primary)"
  case "$src" in
    primary) from="$primary"; to="$secondary";;
    secondary) from="$secondary"; to="$primary";;
    *) echo "replicate-shared: $source_file says '$src', expected primary or secondary" >&2; sleep "$interval"; continue;;
  esac
  rsync -a --delete "$from/" "$to/" || echo "replicate-shared: $(date -u +%FT%TZ) rsync $from -> $to failed" >&2
  sleep "$interval" &
  wait $!
done
