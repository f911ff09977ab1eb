/**
 * Prebuilds the workflow bundle so workers start in a second instead of bundling on every start,
 * records the build's id beside it (dist/build.json) and keeps the build by its id in builds/<id>/,
 * so a later build never takes away the code that drills pinned to this one need
 * (`drillbook worker --build <id>` runs it).
 */
import { cpSync, existsSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';
import { buildsDir } from '../store/config';
import { BUILD_INFO_FILE, buildInfoOfSources } from '../src/temporal/buildId';

async function main(): Promise<void> {
  const root = path.resolve(__dirname, '../..');
  const dist = path.join(root, 'dist');
  const { code } = await bundleWorkflowCode({
    workflowsPath: path.join(dist, 'workflows', 'index.js'),
    logger: new DefaultLogger('WARN'),
  });
  const out = path.join(dist, 'workflow-bundle.js');
  await writeFile(out, code);
  const build = buildInfoOfSources(root);
  writeFileSync(path.join(dist, BUILD_INFO_FILE), `${JSON.stringify(build, null, 2)}\n`);
  const kept = keep(dist, build.buildId);
  console.log(
    `workflow bundle: ${out} (${Math.round(code.length / 1024)} KiB); build ${build.buildId}, kept in ${path.relative(root, kept)}/`,
  );
}

/**
 * Copies dist/ to builds/<id>/. A build of the same id has the same workflow sources, so the drills
 * pinned to it replay the same either way; its compiled code is replaced whole (copied aside first,
 * then renamed), never left half-written, and every other build stays as it is.
 */
function keep(dist: string, buildId: string): string {
  const target = path.join(buildsDir(), buildId);
  const staging = `${target}.partial-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  cpSync(dist, staging, { recursive: true });
  if (existsSync(target)) rmSync(target, { recursive: true, force: true });
  renameSync(staging, target);
  return target;
}

void main().catch((error: Error) => {
  console.error(error.message);
  process.exit(1);
});
