#!/usr/bin/env bash
# The main job: a full drill of the local lab on an embedded Temporal dev server.
# Builds what is missing, finds or installs the Temporal CLI, then runs the demo (lab/demo/main.ts).
set -euo pipefail
cd "$(dirname "$0")/.."
[ -d node_modules ] || npm ci --no-audit --no-fund
TEMPORAL_CLI=$(bash scripts/install-temporal.sh | tail -n 1)
export TEMPORAL_CLI
# Rebuilt when any source file was added, removed or changed since the last build (bin/sourceStamp.js).
if [ "$(node bin/sourceStamp.js)" != fresh ]; then
  npm run --silent build
fi
exec node dist/lab/demo/main.js "$@"
