#!/usr/bin/env bash
# The main job: a full drill of the local lab on an embedded Temporal dev server.
# Builds what is missing, finds or installs the Temporal CLI, then runs the demo (src/demo/main.ts).
set -euo pipefail
cd "$(dirname "$0")/.."
[ -d node_modules ] || npm ci --no-audit --no-fund
TEMPORAL_CLI=$(bash scripts/install-temporal.sh | tail -n 1)
export TEMPORAL_CLI
# Rebuilt when any source file was added, removed or changed since the last build (a deleted file's
# stale output in dist/ would otherwise shadow its replacement).
stamp=$(find src workflows activities domain scripts package.json package-lock.json tsconfig*.json -type f -printf '%p %T@\n' | LC_ALL=C sort | sha1sum | cut -d' ' -f1)
if [ ! -f dist/src/cli.js ] || [ "$(cat dist/.source-stamp 2>/dev/null)" != "$stamp" ]; then
  npm run --silent build
  echo "$stamp" >dist/.source-stamp
fi
exec node dist/src/demo/main.js "$@"
