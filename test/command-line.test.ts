/**
 * The command lines of Drillbook's own programs (src/commandLine.ts: util.parseArgs, strict): a flag
 * a program does not take, or a value it would refuse, is bad input: one message naming the flag and
 * what is accepted, exit 2, nothing started. What each program takes still reaches it (appctl hands
 * the app's flags over as given).
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './support/ports';
import { ROOT } from './support/standinLab';

const run = promisify(execFile);
type Outcome = { code?: number; stdout: string; stderr: string };
const node = (script: string, ...args: string[]): Promise<Outcome> =>
  run(process.execPath, [path.join(ROOT, 'dist', script), ...args], { cwd: ROOT, timeout: 60_000 }).then(
    (done) => ({ code: 0, ...done }),
    (error: Outcome) => error,
  );

describe('a flag a program does not take', () => {
  it.each([
    ['lab/appctl.js', ['start', 'primary', '--bogus'], '--port, --dir, --db'],
    ['lab/standinApp.js', ['--site', 'primary', '--bogus'], '--site, --port, --db'],
    ['lab/opencti/site.js', ['--bogus'], '--site, --port, --kubeconfig'],
    ['lab/opencti/s3copy.js', ['--bogus', 'a@b'], '--from, --to, --endpoint'],
    ['lab/demo/main.js', ['--bogus'], '--plan, --platform, --port, --ui-port, --keep'],
    ['scripts/bench.js', ['--bogus'], '--json, --only, --server, --drills, --steps'],
  ])('%s %j exits 2 naming the flag and the flags it takes', async (script, args, takes) => {
    const outcome = await node(script, ...args);
    expect(outcome).toMatchObject({ code: 2, stdout: '' });
    const [first, usage] = outcome.stderr.split('\n');
    expect(first).toMatch(new RegExp(`^[\\w -]+: unknown option --bogus; it takes ${takes}`));
    expect(usage).toMatch(/^usage: /);
  });

  it('a flag without its value is named too', async () => {
    const outcome = await node('lab/appctl.js', 'status', 'primary', '--port');
    expect(outcome).toMatchObject({ code: 2 });
    expect(outcome.stderr).toMatch(/^appctl: --port needs a value/);
  });
});

describe('appctl', () => {
  const dir = () => mkdtempSync(path.join(os.tmpdir(), 'drillbook-appctl-'));

  it.each([
    [['--bogus'], 'appctl: unknown option --bogus'],
    [['--monitors', 'maybe'], 'appctl: --monitors must be on or off, got "maybe"'],
    [
      ['--personality', 'tc', '--secret-file', 'x'],
      'appctl: --personality must be one of threatconnect, opencti, misp, got "tc"',
    ],
    [['--personality', 'misp'], 'appctl: --personality needs --secret-file'],
    [['--port', 'eighty'], 'appctl: --port must be a port number (0-65535), got "eighty"'],
  ])('start with %j exits 2 before starting the app', async (args, message) => {
    const at = dir();
    const outcome = await node('lab/appctl.js', 'start', 'primary', '--dir', at, ...args);
    expect(outcome).toMatchObject({ code: 2, stdout: '' });
    expect(outcome.stderr.startsWith(message)).toBe(true);
    expect(existsSync(path.join(at, 'app-primary.pid'))).toBe(false);
  });

  it('hands the app its flags as given: the started app answers as the personality and release they name', async () => {
    const at = dir();
    const port = String(await freePort());
    const site = ['primary', '--dir', at, '--port', port];
    const started = await node(
      'lab/appctl.js',
      'start',
      ...site,
      '--monitors',
      'off',
      '--personality',
      'misp',
      '--secret-file',
      path.join(at, 'misp.key'),
      '--release',
      '2.4.0',
    );
    try {
      expect(started).toMatchObject({ code: 0 });
      expect((await node('lab/appctl.js', 'release', ...site)).stdout).toBe('version 2.4.0\n');
      expect((await node('lab/appctl.js', 'monitors', ...site)).stdout).toBe('false\n');
    } finally {
      await node('lab/appctl.js', 'stop', ...site);
    }
  });
});
