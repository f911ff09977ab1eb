#!/usr/bin/env bash
# The test command: make sure what the tests run against is installed (each install is idempotent
# and takes well under a second once done), type-check, lint, build, then the unit tier (jest.unit.config.js)
# and jest against real servers (a Temporal dev server for the run; the data-tier and stack tests
# start their own labs).
set -euo pipefail
cd "$(dirname "$0")/.."
[ -d node_modules ] || npm ci --no-audit --no-fund
# The lab's servers (MariaDB, PostgreSQL, OpenSearch, moto, Redis, RabbitMQ, HAProxy, Java and Maven),
# then the Kubernetes control plane of the OpenCTI tests (built once, ~10 min, into tools/).
bash scripts/install-lab-deps.sh
bash scripts/install-k8s.sh
TEMPORAL_CLI=$(bash scripts/install-temporal.sh | tail -n 1)
export TEMPORAL_CLI
# The time-skipping test server (Java, from Maven Central) for gate reminders and timeouts at plan scale.
TEMPORAL_TEST_SERVER=$(bash scripts/install-test-server.sh | tail -n 1)
export TEMPORAL_TEST_SERVER
npx prettier --check . >/dev/null || { npx prettier --list-different .; echo 'formatting differs from Prettier in the files above: npm run format' >&2; exit 1; }
npx tsc --noEmit -p tsconfig.json
npx eslint --max-warnings 0 .
node scripts/import-cycles.js
npm run --silent build
# JEST_RESULTS_FILE: where CI wants jest's JSON summary (kept out of the output): the integration
# tier's there, the unit tier's beside it in $JEST_RESULTS_FILE.unit (.ci/run adds the two up).
unit_results=()
results=()
if [ -n "${JEST_RESULTS_FILE:-}" ]; then
  unit_results=(--json "--outputFile=$JEST_RESULTS_FILE.unit")
  results=(--json "--outputFile=$JEST_RESULTS_FILE")
fi
# --forceExit: the Temporal SDK's native handles keep Node alive after the last test.
# The unit tier first (no dev server, no lab; under a minute): a failure there stops the run before
# the integration tier's quarter of an hour. Files given on the command line go to the tier that
# holds them (--passWithNoTests: the other tier has none of them).
npx jest --config jest.unit.config.js --forceExit --passWithNoTests "${unit_results[@]}" "$@"
exec npx jest --forceExit --passWithNoTests "${results[@]}" "$@"
