/**
 * The unit tier's one setup: bundle the workflow code once for the run (about 10 s), so each
 * interpreter test file starts its worker from the bundle instead of bundling again. No server starts
 * here; each interpreter file starts its own time-skipping test server (test/support/timeSkipping.ts).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';

export default async function globalSetup(): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'drillbook-unit-'));
  const bundle = await bundleWorkflowCode({
    workflowsPath: require.resolve('../../../workflows'),
    logger: new DefaultLogger('WARN'),
  });
  const bundlePath = path.join(dir, 'workflow-bundle.js');
  writeFileSync(bundlePath, bundle.code);
  process.env.DRILLBOOK_WORKFLOW_BUNDLE = bundlePath;
  process.env.DRILLBOOK_TEST_DIR = dir;
  // Anything that writes an audit trail writes it into the run's own folder.
  process.env.DRILLBOOK_AUDIT_DIR = path.join(dir, 'audit');
}
