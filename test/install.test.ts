/**
 * After the README's install (`npm ci`: sources and node_modules, no dist/), `npx drillbook` works:
 * the first run builds dist/ and says so on stderr, and the command's own output is untouched; a
 * dist/ older than its sources (after a pull) is rebuilt the same way.
 */
import { execFile, execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { ROOT } from './support/standinLab';

const run = promisify(execFile);

describe('npx drillbook right after npm ci', () => {
  let checkout: string;

  beforeAll(() => {
    // What a fresh clone plus `npm ci` leaves: the project's files and node_modules, nothing built.
    checkout = mkdtempSync(path.join(os.tmpdir(), 'drillbook-install-'));
    const files = execFileSync('git', ['ls-files', '-co', '--exclude-standard', '-z'], { cwd: ROOT, encoding: 'utf8' })
      .split('\0')
      .filter(Boolean);
    for (const file of files) {
      if (!existsSync(path.join(ROOT, file))) continue;
      mkdirSync(path.dirname(path.join(checkout, file)), { recursive: true });
      cpSync(path.join(ROOT, file), path.join(checkout, file));
    }
    symlinkSync(path.join(ROOT, 'node_modules'), path.join(checkout, 'node_modules'));
  });

  afterAll(() => rmSync(checkout, { recursive: true, force: true }));

  it('plan check plans/lab.yaml builds once, says so, and answers', async () => {
    expect(existsSync(path.join(checkout, 'dist'))).toBe(false);
    const first = await run('npx', ['--no-install', 'drillbook', 'plan', 'check', 'plans/lab.yaml'], { cwd: checkout });
    expect(first.stderr).toContain('drillbook: dist/ is not built yet; building it with `npm run build`');
    expect(first.stdout).toMatch(/^plans\/lab\.yaml: ok \(target lab; steps: \d+ drill/);

    const second = await run('npx', ['--no-install', 'drillbook', 'plan', 'check', 'plans/lab.yaml'], {
      cwd: checkout,
    });
    expect(second.stderr).not.toContain('building');
    expect(second.stdout).toBe(first.stdout);

    // After a `git pull` that removed a module, dist/ still holds its old output: rebuilt, saying so.
    rmSync(path.join(checkout, 'kinds', 'kit', 'activities', 'within.ts'));
    writeFileSync(
      path.join(checkout, 'kinds', 'kit', 'activities', 'within.ts'),
      readFileSync(path.join(ROOT, 'kinds', 'kit', 'activities', 'within.ts')),
    );
    const afterPull = await run('npx', ['--no-install', 'drillbook', 'plan', 'check', 'plans/lab.yaml'], {
      cwd: checkout,
    });
    expect(afterPull.stderr).toContain('drillbook: dist/ is older than the sources; building it');
    expect(afterPull.stdout).toBe(first.stdout);
  });
});
