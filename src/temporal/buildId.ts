/**
 * A build id is a property of the code, not of where it lies: `<package version>-<12 hex>`, the hex
 * a sha256 over the workflow sources (workflows/ and the project files it imports, each by its path
 * relative to the project and its content) and the workflow SDK's version. One commit built in any
 * folder, on any machine, is one build, so its workers serve each other's drills. (Until 0.4.0 the
 * id hashed the workflow bundle, which carries the build folder's absolute paths.)
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { BUILD_DIR, PROJECT_ROOT } from '../../store/config';

/**
 * What the workflow bundle is compiled from: every file below workflows/, and every project file they
 * import, transitively (domain/, and the kinds' workflow-safe parts: types, actions, recipes). A
 * change to a kind's activities or schema is not a change of workflow code and keeps the build id.
 */
export const WORKFLOW_ENTRY = 'workflows';

export interface BuildInfo {
  version: string;
  buildId: string;
}

/** Written by `npm run build` beside the bundle, so a kept build knows its id without its sources. */
export const BUILD_INFO_FILE = 'build.json';

function* filesBelow(root: string, relative: string): Generator<string> {
  const full = path.join(root, relative);
  if (!existsSync(full)) return;
  if (!statSync(full).isDirectory()) {
    if (relative.endsWith('.ts') && !relative.endsWith('.test.ts')) yield relative;
    return;
  }
  for (const name of readdirSync(full).sort()) yield* filesBelow(root, path.join(relative, name));
}

const RELATIVE_IMPORT = /(?:from|import)\s*\(?\s*'(\.{1,2}\/[^']*)'/g;

/** The file a relative import names: `x.ts` or `x/index.ts`, relative to the project. */
function resolveImport(root: string, fromFile: string, specifier: string): string | undefined {
  const target = path.join(path.dirname(fromFile), specifier);
  return [`${target}.ts`, path.join(target, 'index.ts')].find((candidate) => existsSync(path.join(root, candidate)));
}

/** workflows/ and everything it imports from the project, sorted by path. */
function workflowSources(root: string): string[] {
  const seen = new Set<string>();
  const queue = [...filesBelow(root, WORKFLOW_ENTRY)];
  while (queue.length) {
    const file = queue.pop() as string;
    if (seen.has(file)) continue;
    seen.add(file);
    for (const [, specifier] of readFileSync(path.join(root, file), 'utf8').matchAll(RELATIVE_IMPORT)) {
      const target = resolveImport(root, file, specifier);
      if (target && !seen.has(target)) queue.push(target);
    }
  }
  return [...seen].sort();
}

export function buildInfoOfSources(root: string = PROJECT_ROOT): BuildInfo {
  const { version } = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { version: string };
  const sdk = JSON.parse(
    readFileSync(require.resolve('@temporalio/workflow/package.json', { paths: [root] }), 'utf8'),
  ) as { version: string };
  const hash = createHash('sha256').update(`@temporalio/workflow ${sdk.version}\n`);
  for (const file of workflowSources(root)) {
    // Paths with forward slashes, so a Windows checkout hashes as a Linux one does.
    hash
      .update(`${file.split(path.sep).join('/')}\n`)
      .update(readFileSync(path.join(root, file)))
      .update('\n');
  }
  return { version, buildId: `${version}-${hash.digest('hex').slice(0, 12)}` };
}

/** The build running: the one `npm run build` recorded beside this compiled code, or, from the TypeScript sources, theirs. */
export function currentBuild(): BuildInfo {
  const file = BUILD_DIR ? path.join(BUILD_DIR, BUILD_INFO_FILE) : undefined;
  if (file && existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as BuildInfo;
  return buildInfoOfSources();
}
