/**
 * Other builds of Drillbook as real folders: the previous release checked out from git, or this
 * tree copied elsewhere; each with node_modules linked from this project and built with its own
 * `npm run build`, so its workers are the ones an operator would run.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ROOT } from './standinLab';
import { olderThan } from './versions';

const git = (...args: string[]): string => execFileSync('git', args, { cwd: ROOT, encoding: 'utf8' }).trim();

/**
 * The commit of a release: its tag, or, in a clone without tags (a helper's worktree), the commit
 * whose message starts "Release <version>".
 */
export function releaseCommit(version: string): string {
  try {
    return git('rev-parse', '--verify', '--quiet', `refs/tags/${version}^{commit}`);
  } catch {
    const found = git('log', '--all', '--format=%H', '--fixed-strings', `--grep=Release ${version}:`, '-n', '1');
    if (!found)
      throw new Error(
        `no tag ${version} and no "Release ${version}:" commit in ${ROOT}: fetch the tags (git fetch --tags)`,
      );
    return found;
  }
}

/**
 * The newest release before `version`: from the tags, or, in a clone without tags (a helper's
 * worktree), from the "Release X.Y.Z:" commits.
 */
export function previousRelease(version: string): string {
  const tagged = git('tag', '--list').split('\n');
  const released = git('log', '--all', '--format=%s', '--extended-regexp', '--grep=^Release [0-9]+\\.[0-9]+\\.[0-9]+:')
    .split('\n')
    .map((s) => /^Release (\S+):/.exec(s)?.[1] ?? '');
  const candidates = [...tagged, ...released].filter((v) => /^\d+\.\d+\.\d+$/.test(v) && olderThan(v, version));
  if (!candidates.length) throw new Error(`no release before ${version} in ${ROOT}: fetch the tags (git fetch --tags)`);
  return candidates.reduce((newest, v) => (olderThan(newest, v) ? v : newest));
}

/** `npm run build` in a tree (node_modules linked from this project on its first build). */
export function build(dir: string): void {
  if (!existsSync(path.join(dir, 'node_modules')))
    symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
  execFileSync('npm', ['run', '--silent', 'build'], {
    cwd: dir,
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 10 * 60_000,
  });
}

/**
 * A release's tree (`git archive`, which leaves the repository's worktrees alone), built. Kept in the
 * temp folder by commit and reused while complete, so a second run does not build it again.
 */
export function builtRelease(version: string): string {
  const commit = releaseCommit(version);
  const dir = path.join(os.tmpdir(), `drillbook-release-${version}-${commit.slice(0, 12)}`);
  const done = path.join(dir, '.built');
  if (existsSync(done)) return dir;
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  execFileSync('sh', ['-c', `git archive ${commit} | tar -x -C "${dir}"`], { cwd: ROOT });
  build(dir);
  writeFileSync(done, `${commit}\n`);
  return dir;
}

/** What a checkout holds that a build reads (the tree as committed, without dist/, builds/ or data): the build's source folders and what configures it. */
const TREE = [
  ...(JSON.parse(readFileSync(path.join(ROOT, 'tsconfig.build.json'), 'utf8')) as { include: string[] }).include,
  'bin',
  'plans',
  'package.json',
  'package-lock.json',
  'tsconfig.json',
  'tsconfig.build.json',
];

/** This tree, as it is now, copied to a new folder elsewhere and built there. */
export function builtCopy(name: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), `drillbook-${name}-`));
  for (const entry of TREE) cpSync(path.join(ROOT, entry), path.join(dir, entry), { recursive: true });
  build(dir);
  return dir;
}

/** `drillbook --version` of a built tree: its version and build id. */
export function versionOf(root: string): { version: string; buildId: string } {
  const line = execFileSync(process.execPath, [path.join(root, 'dist', 'src', 'cli.js'), '--version'], {
    encoding: 'utf8',
  }).trim();
  const match = /^drillbook (\S+), build (\S+)$/.exec(line);
  if (!match) throw new Error(`unexpected --version output: ${line}`);
  return { version: match[1], buildId: match[2] };
}
