/**
 * Starts one headless Temporal dev server for the whole test run and prebuilds the workflow
 * bundle; tests connect to it with TEMPORAL_ADDRESS and DRILLBOOK_WORKFLOW_BUNDLE.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';
import { startDevServer } from '../../src/temporal/server';
import { freePort, testPortRange } from './ports';

export default async function globalSetup(): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'drillbook-test-'));
  const port = await freePort();
  // Kept to DRILLBOOK_TEST_PORTS when set: the server's HTTP API and metrics ports too, each its own.
  const taken = new Set([port]);
  const another = async (): Promise<number> => {
    for (let i = 0; i < 20; i++) {
      const candidate = await freePort();
      if (!taken.has(candidate)) return taken.add(candidate) && candidate;
    }
    throw new Error('no distinct free port for the dev server');
  };
  const extra = testPortRange() ? { httpPort: await another(), metricsPort: await another() } : {};
  const [server, bundle] = await Promise.all([
    startDevServer({
      port,
      headless: true,
      ...extra,
      dbFile: path.join(dir, 'temporal.db'),
      logFile: path.join(dir, 'temporal.log'),
    }),
    bundleWorkflowCode({ workflowsPath: require.resolve('../../workflows'), logger: new DefaultLogger('WARN') }),
  ]);
  const bundlePath = path.join(dir, 'workflow-bundle.js');
  writeFileSync(bundlePath, bundle.code);
  process.env.TEMPORAL_ADDRESS = server.address;
  process.env.DRILLBOOK_WORKFLOW_BUNDLE = bundlePath;
  process.env.DRILLBOOK_TEST_DIR = dir;
  // The run's audit trails (refused starts, Slack transport refusals) stay in its own folder.
  process.env.DRILLBOOK_AUDIT_DIR = path.join(dir, 'audit');
  writeFileSync(path.join(dir, 'server.pid'), String(server.process.pid));
  (globalThis as { drillbookServer?: typeof server }).drillbookServer = server;
}
