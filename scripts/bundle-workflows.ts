/** Prebuilds the workflow bundle so workers start in a second instead of bundling on every start. */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';

async function main(): Promise<void> {
  const root = path.resolve(__dirname, '../..');
  const { code } = await bundleWorkflowCode({ workflowsPath: path.join(root, 'dist', 'workflows', 'index.js'), logger: new DefaultLogger('WARN') });
  const out = path.join(root, 'dist', 'workflow-bundle.js');
  await writeFile(out, code);
  console.log(`workflow bundle: ${out} (${Math.round(code.length / 1024)} KiB)`);
}

void main().catch((error: Error) => {
  console.error(error.message);
  process.exit(1);
});
