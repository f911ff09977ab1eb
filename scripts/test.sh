#!/usr/bin/env bash
# The test command: builds, makes sure a Temporal CLI is at hand, runs jest against a real dev server.
set -euo pipefail
cd "$(dirname "$0")/.."
TEMPORAL_CLI=$(bash scripts/install-temporal.sh | tail -n 1)
export TEMPORAL_CLI
npm run --silent build
# --forceExit: the Temporal SDK's native handles keep Node alive after the last test.
exec npx jest --forceExit "$@"
