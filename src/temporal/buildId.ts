/**
 * A build id is a property of the code, not of where it lies: `<package version>-<12 hex>`, the hex
 * a sha256 over the workflow sources (every .ts file below workflows/ and domain/, by its path
 * relative to the project and its content) and the workflow SDK's version. One commit built in any
 * folder, on any machine, is one build, so its workers serve each other's drills. (Until 0.4.0 the
 * id hashed the workflow bundle, which carries the build folder's absolute paths.)
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { BUILD_DIR, PROJECT_ROOT } from '../config';

/** What the workflow bundle is compiled from: workflows/ imports only domain/ and Temporal's workflow API (ESLint sees to it). */
export const WORKFLOW_SOURCES = ['workflows', 'domain'] as const;

export interface BuildInfo {
  version: string;
  buildId: string;
}

/** Written by `npm run build` beside the bundle, so a kept build knows its id without its sources. */
export const BUILD_INFO_FILE = 'build.json';

function* sourceFiles(root: string, relative: string): Generator<string> {
  const full = path.join(root, relative);
  if (!existsSync(full)) return;
  if (!statSync(full).isDirectory()) {
    if (relative.endsWith('.ts')) yield relative;
    return;
  }
  for (const name of readdirSync(full).sort()) yield* sourceFiles(root, path.join(relative, name));
}

export function buildInfoOfSources(root: string = PROJECT_ROOT): BuildInfo {
  const { version } = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { version: string };
  const sdk = JSON.parse(readFileSync(require.resolve('@temporalio/workflow/package.json', { paths: [root] }), 'utf8')) as { version: string };
  const hash = createHash('sha256').update(`@temporalio/workflow ${sdk.version}\n`);
  for (const folder of WORKFLOW_SOURCES) {
    for (const file of sourceFiles(root, folder)) {
      // Paths with forward slashes, so a Windows checkout hashes as a Linux one does.
      hash.update(`${file.split(path.sep).join('/')}\n`).update(readFileSync(path.join(root, file))).update('\n');
    }
  }
  return { version, buildId: `${version}-${hash.digest('hex').slice(0, 12)}` };
}

/** The build running: the one `npm run build` recorded beside this compiled code, or, from the TypeScript sources, theirs. */
export function currentBuild(): BuildInfo {
  const file = BUILD_DIR ? path.join(BUILD_DIR, BUILD_INFO_FILE) : undefined;
  if (file && existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as BuildInfo;
  return buildInfoOfSources();
}
