/**
 * Kept builds: `npm run build` keeps each build's compiled code and workflow bundle in
 * builds/<build id>/ (scripts/bundle-workflows.ts), and `drillbook worker --build <id>` runs one, so
 * drills pinned to an older build can always be served by the code that started them.
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { buildsDir } from '../store/config';
import { UsageError } from './commands/errors';

export const keptBuilds = (): string[] =>
  existsSync(buildsDir())
    ? readdirSync(buildsDir())
        .filter((name) => existsSync(path.join(buildsDir(), name, 'src', 'cli.js')))
        .sort()
    : [];

export const keptBuildCli = (buildId: string): string | undefined => {
  const cli = path.join(buildsDir(), buildId, 'src', 'cli.js');
  return existsSync(cli) ? cli : undefined;
};

/**
 * Runs `drillbook worker` of a kept build in a child process (its own compiled code, bundle and build
 * id), passing signals on; resolves with its exit code.
 */
export function runKeptBuildWorker(buildId: string, args: string[]): Promise<number> {
  const cli = keptBuildCli(buildId);
  if (!cli) {
    const kept = keptBuilds();
    throw new UsageError(
      `build ${buildId} is not kept in ${buildsDir()} (${kept.length ? `kept: ${kept.join(', ')}` : 'none kept yet'}): check out the release it came from (the part before the dash is its version), run \`npm run build\` there and start its \`drillbook worker\``,
    );
  }
  // The build's own bundle and id, never this process's overrides.
  const env = { ...process.env };
  delete env.DRILLBOOK_WORKFLOW_BUNDLE;
  delete env.DRILLBOOK_BUILD_ID;
  const child = spawn(process.execPath, [cli, 'worker', ...args], { env, stdio: 'inherit' });
  const pass = (signal: NodeJS.Signals) => () => child.kill(signal);
  const onInt = pass('SIGINT');
  const onTerm = pass('SIGTERM');
  process.on('SIGINT', onInt);
  process.on('SIGTERM', onTerm);
  return new Promise((resolve) => {
    child.once('error', (error) => {
      console.error(`could not start build ${buildId}'s worker: ${error.message}`);
      resolve(1);
    });
    child.once('exit', (code, signal) => {
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
      resolve(code ?? (signal ? 1 : 0));
    });
  });
}
