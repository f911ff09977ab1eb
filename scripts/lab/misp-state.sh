#!/usr/bin/env bash
# The MISP lab's recovery state per site, as a real deployment's command prints it over ssh from the
# node's own files (app/Config/config.php and VERSION.json; on the shared code base, as HAMISPA keeps
# MISP on EFS): here config/misp.conf in the site's shared storage, replicated with the rest of it.
#   misp-state.sh init DIR   a fresh site folder gets config/misp.conf (release, instance uuid, keys)
#   misp-state.sh SITE       prints `version`, `uuid`, and for each key its sha256 digest, never the key
# The plan's tip.<site>.recoveryState runs the second form; the drill compares what it prints.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
LAB="${DRILLBOOK_LAB_DIR:-$(cd "$HERE/../.." && pwd)/data/lab-misp}"
KEYS=(Security.salt Security.encryption_key GnuPG.fingerprint)

if [ "${1:-}" = init ]; then
  conf="$2/config/misp.conf"
  [ -e "$conf" ] && exit 0
  mkdir -p "$2/config" && chmod 700 "$2/config"
  umask 077
  {
    echo "version=2.5.1"  # the MISP stand-in's default release (lab/tip/versions.ts)
    echo "uuid=5f1c2a7e-9b3d-4c8e-a1f0-d0d0d0000001"
    for key in "${KEYS[@]}"; do echo "$key=$(head -c 24 /dev/urandom | base64 | tr -d '/+=')"; done
  } >"$conf"
  exit 0
fi

site="${1:?usage: misp-state.sh SITE | init DIR}"
conf="$LAB/shared/$site/config/misp.conf"
[ -r "$conf" ] || { echo "misp-state: no $conf (bring the MISP lab up first)" >&2; exit 1; }
value() { grep -m1 "^$1=" "$conf" | cut -d= -f2-; }
echo "version $(value version)"
echo "uuid $(value uuid)"
for key in "${KEYS[@]}"; do printf '%s %s\n' "$key" "$(value "$key" | tr -d '\n' | sha256sum | cut -d' ' -f1)"; done
