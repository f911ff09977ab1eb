/** What the CLI prints reaches the reader whole, and bad input is one plain line with exit 2. */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { ROOT } from './support/standinLab';

const run = promisify(execFile);
type Outcome = { code?: number; stdout: string; stderr: string };
const settle = (promise: Promise<{ stdout: string; stderr: string }>): Promise<Outcome> =>
  promise.then((done) => ({ code: 0, ...done })).catch((error: Outcome) => error);

/** Reads all of stdin, as `jq .` would, and says what it got. */
const READER = `let t='';process.stdin.on('data',c=>t+=c).on('end',()=>{try{const r=JSON.parse(t);console.log('parsed',t.length,r.phases.length)}catch(e){console.log('cut',t.length)}})`;

describe('the CLI writing into a pipe', () => {
  // The OpenCTI plans compile to runbooks well over a pipe's 64 KiB buffer: the size check keeps the test meaningful.
  it.each([
    ['dist/src/cli.js', 'plans/opencti-lab.yaml'],
    ['bin/drillbook.js', 'plans/opencti.example.yaml'],
  ])('%s plan show %s --json hands over the whole runbook', async (entry, plan) => {
    const pipeline = `"${process.execPath}" ${entry} plan show ${plan} --json | "${process.execPath}" -e "${READER}"`;
    const { stdout } = await run('/bin/sh', ['-c', pipeline], { cwd: ROOT, maxBuffer: 1 << 20 });
    expect(stdout).toMatch(/^parsed \d+ \d+\n$/);
    expect(Number(stdout.split(' ')[1])).toBeGreaterThan(64 * 1024);
  });
});

describe('a plan file that cannot be read', () => {
  const cli = (...args: string[]) =>
    settle(run(process.execPath, [path.join(ROOT, 'dist', 'src', 'cli.js'), ...args], { cwd: ROOT }));

  it.each([
    [['plan', 'check', 'plans/nope.yaml'], 'plans/nope.yaml: cannot read the plan file: no such file\n'],
    [['plan', 'show', 'plans/nope.yaml'], 'plans/nope.yaml: cannot read the plan file: no such file\n'],
    [['plan', 'show', 'plans'], 'plans: cannot read the plan file: it is a folder, not a file\n'],
  ])('%j exits 2 with one line naming the file', async (args, line) => {
    const outcome = await cli(...args);
    expect(outcome).toMatchObject({ code: 2, stdout: '', stderr: line });
  });

  it('plan check still checks the other files and exits 2', async () => {
    const outcome = await cli('plan', 'check', 'plans/nope.yaml', 'plans/example-lab.yaml');
    expect(outcome).toMatchObject({ code: 2, stderr: 'plans/nope.yaml: cannot read the plan file: no such file\n' });
    expect(outcome.stdout).toMatch(/^plans\/example-lab\.yaml: ok/);
  });
});

describe('a flag the command does not take', () => {
  it('exits 2 naming the flag, then what the command takes; nothing is checked', async () => {
    const outcome = await settle(
      run(
        process.execPath,
        [path.join(ROOT, 'dist', 'src', 'cli.js'), 'plan', 'check', '--bogus', 'plans/example-lab.yaml'],
        { cwd: ROOT },
      ),
    );
    expect(outcome).toMatchObject({ code: 2, stdout: '' });
    expect(outcome.stderr).toMatch(/^error: unknown option '--bogus'\n/);
    expect(outcome.stderr).toContain('Usage: drillbook plan check [options] <files...>');
  });
});
