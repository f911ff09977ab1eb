/**
 * Clients and workers against the run's server (the dev server; for test/cluster/, the cluster a file
 * started: its TEMPORAL_* settings in process.env), each test file on its own task queue.
 */
import { randomUUID } from 'node:crypto';
import { Client } from '@temporalio/client';
import { Runtime, DefaultLogger, type Worker } from '@temporalio/worker';
import { temporalSettings } from '../../store/config';
import { connect, connectWorker } from '../../src/temporal/connect';
import type { ActivityDeps } from '../../activities';
import { createDrillWorker, workerVersion } from '../../src/worker';
import { makeCurrent, type VersionSettings } from '../../src/temporal/versioning';

let runtimeInstalled = false;

/** Keeps the SDK's own logs to errors (failed attempts are expected here) so test output stays readable. */
export function quietRuntime(): void {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  try {
    // The SDK's core logs too (it warns that the time-skipping test server lacks a capability tests do not use).
    Runtime.install({
      logger: new DefaultLogger('ERROR'),
      telemetryOptions: { logging: { filter: { core: 'ERROR', other: 'ERROR' } } },
    });
  } catch {
    // Already installed by another helper in this process.
  }
}

export const address = (): string => {
  const value = process.env.TEMPORAL_ADDRESS;
  if (!value)
    throw new Error('TEMPORAL_ADDRESS is not set: run the tests with `npm test` (jest globalSetup starts the server)');
  return value;
};

export const uniqueQueue = (name: string): string => `test-${name}-${randomUUID().slice(0, 8)}`;

export async function testClient(): Promise<Client> {
  address(); // set, or the run was not started by its jest config
  const settings = temporalSettings();
  return new Client({ connection: await connect(settings), namespace: settings.namespace });
}

export interface RunningWorker {
  worker: Worker;
  stop(): Promise<void>;
}

/**
 * A versioned worker, as in production: each test file's task queue is its own Worker Deployment
 * (named after the queue), so tests never change which version another file's drills start on.
 * The worker's version is made current unless `promote: false` (a build that must not take new drills).
 */
export async function startTestWorker(
  taskQueue: string,
  deps: Partial<ActivityDeps> = {},
  options: {
    buildId?: string;
    promote?: boolean;
    identity?: string;
    versioned?: boolean;
    workflowBundleCode?: string;
  } = {},
): Promise<RunningWorker> {
  quietRuntime();
  address();
  const settings = temporalSettings();
  const connection = await connectWorker(settings);
  const computed = workerVersion({ ...process.env, DRILLBOOK_DEPLOYMENT: taskQueue });
  const version: VersionSettings = {
    versioned: options.versioned ?? computed.versioned,
    version: { deploymentName: taskQueue, buildId: options.buildId ?? computed.version.buildId },
  };
  const worker = await createDrillWorker({
    connection,
    namespace: settings.namespace,
    taskQueue,
    deps,
    version,
    identity: options.identity,
    workflowBundleCode: options.workflowBundleCode,
  });
  const running = worker.run();
  if (version.versioned && options.promote !== false) {
    const client = await testClient();
    try {
      await makeCurrent(client, version.version, { identity: 'drillbook-tests' });
    } finally {
      await client.connection.close();
    }
  }
  return {
    worker,
    async stop() {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running;
      await connection.close();
    },
  };
}
