/** Clients and workers against the run's dev server, each test file on its own task queue. */
import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Runtime, DefaultLogger, type Worker } from '@temporalio/worker';
import type { ActivityDeps } from '../../activities';
import { createDrillWorker } from '../../src/worker';

let runtimeInstalled = false;

/** Keeps the SDK's own logs to errors (failed attempts are expected here) so test output stays readable. */
export function quietRuntime(): void {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  try {
    Runtime.install({ logger: new DefaultLogger('ERROR') });
  } catch {
    // Already installed by another helper in this process.
  }
}

export const address = (): string => {
  const value = process.env.TEMPORAL_ADDRESS;
  if (!value) throw new Error('TEMPORAL_ADDRESS is not set: run the tests with `npm test` (jest globalSetup starts the server)');
  return value;
};

export const uniqueQueue = (name: string): string => `test-${name}-${randomUUID().slice(0, 8)}`;

export async function testClient(): Promise<Client> {
  const connection = await Connection.connect({ address: address() });
  return new Client({ connection, namespace: 'default' });
}

export interface RunningWorker {
  worker: Worker;
  stop(): Promise<void>;
}

export async function startTestWorker(taskQueue: string, deps: Partial<ActivityDeps> = {}): Promise<RunningWorker> {
  quietRuntime();
  const connection = await NativeConnection.connect({ address: address() });
  const worker = await createDrillWorker({ connection, namespace: 'default', taskQueue, deps });
  const running = worker.run();
  return {
    worker,
    async stop() {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running;
      await connection.close();
    },
  };
}
