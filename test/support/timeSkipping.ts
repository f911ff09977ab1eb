/**
 * Temporal's time-skipping test server, for tests of what waits hours (gate reminders and timeouts).
 * The server is the Java SDK's, installed from Maven Central by scripts/install-test-server.sh;
 * scripts/test.sh exports its launcher as TEMPORAL_TEST_SERVER.
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { temporal } from '@temporalio/proto';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { SEARCH_ATTRIBUTE_NAMES } from '../../workflows/searchAttributes';
import { ROOT } from './standinLab';
import { quietRuntime } from './temporal';

const KEYWORD = temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD;
const START_ATTEMPTS = 3;

/** The launcher's path: TEMPORAL_TEST_SERVER, else whatever the (idempotent) install script prints. */
export function testServerLauncher(): string {
  const given = process.env.TEMPORAL_TEST_SERVER;
  if (given) return given;
  const printed = execFileSync('bash', [path.join(ROOT, 'scripts', 'install-test-server.sh')], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    timeout: 900_000,
  });
  return printed.trim().split('\n').at(-1) ?? '';
}

/**
 * A time-skipping environment with Drillbook's search attributes registered: the test server, like
 * a real one, refuses to start or upsert a workflow with attributes it does not know (it has no
 * listSearchAttributes, so src/temporal/searchAttributes.ts's ensure cannot be used there).
 */
export async function createTimeSkippingEnv(): Promise<TestWorkflowEnvironment> {
  quietRuntime();
  const launcher = testServerLauncher();
  let env: TestWorkflowEnvironment | undefined;
  // The SDK gives a new server 5 s to answer; a JVM on a loaded 2-core machine can miss that once.
  for (let attempt = 1; !env; attempt++) {
    try {
      env = await TestWorkflowEnvironment.createTimeSkipping({
        server: { executable: { type: 'existing-path', path: launcher } },
      });
    } catch (error) {
      if (attempt >= START_ATTEMPTS)
        throw new Error(`the time-skipping test server (${launcher}) did not start: ${(error as Error).message}`, {
          cause: error,
        });
    }
  }
  await env.connection.operatorService.addSearchAttributes({
    namespace: 'default',
    searchAttributes: Object.fromEntries(SEARCH_ATTRIBUTE_NAMES.map((name) => [name, KEYWORD])),
  });
  return env;
}
