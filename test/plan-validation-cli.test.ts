/**
 * Bad plans through the built CLI (dist/, so after `npm run build`): `plan check` prints every error
 * with its path and exits 2, `start` refuses the plan and starts nothing on the run's dev server.
 * test/unit/plan-validation.test.ts checks the loader's refusals in process.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { parse, stringify } from 'yaml';
import { ROOT } from './support/standinLab';

const run = promisify(execFile);
const example = (): Record<string, any> => parse(readFileSync(path.join(ROOT, 'plans', 'example-lab.yaml'), 'utf8')); // eslint-disable-line @typescript-eslint/no-explicit-any -- free-form YAML edited per case

describe('plan validation from the command line', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'drillbook-plans-'));
  const bad = path.join(dir, 'bad.yaml');
  beforeAll(() => {
    const plan = example();
    plan.target = 'bad-plan-lab';
    plan.approvals.quorm = 2;
    plan.components.app.primary.health.http.timeout = 'soon';
    writeFileSync(bad, stringify(plan));
  });
  const cli = (...args: string[]) =>
    run(process.execPath, [path.join(ROOT, 'dist', 'src', 'cli.js'), ...args], { env: { ...process.env } });

  it('plan check prints every error with its path and exits 2', async () => {
    const failure = await cli('plan', 'check', bad).catch((e: { code: number; stderr: string }) => e);
    expect(failure).toMatchObject({ code: 2 });
    const { stderr } = failure as { stderr: string };
    expect(stderr).toContain(`${bad}: invalid plan`);
    expect(stderr).toContain('approvals: unknown field "quorm"');
    expect(stderr).toContain(
      'components.app.primary.health.http.timeout: expected a duration such as "30s", "15m" or "4h", got "soon"',
    );
  });

  it('start refuses the plan with exit 2 and starts nothing', async () => {
    const failure = await cli('start', bad, '--by', 'oncall').catch((e: { code: number; stderr: string }) => e);
    expect(failure).toMatchObject({ code: 2 });
    const { stderr } = failure as { stderr: string };
    expect(stderr).toContain('approvals: unknown field "quorm"');
    const listing = await cli('status', 'bad-plan-lab', '--once').catch((e: { code: number; stderr: string }) => e);
    expect((listing as { stderr: string }).stderr).toContain('no drill drill-bad-plan-lab');
  });

  it('start refuses, before anything starts, a starter four-eyes bars from a gate nobody else could approve', async () => {
    const plan = example();
    plan.target = 'unapprovable-lab';
    plan.approvals.approvers = ['alice', 'bob', { id: 'carol', roles: ['dba'] }];
    plan.approvals.gates = { failover: { approvers: ['alice', 'carol'], quorum: 2 } };
    const file = path.join(dir, 'unapprovable.yaml');
    writeFileSync(file, stringify(plan));
    // The plan itself is sound: an operator (or bob) may start it.
    expect((await cli('plan', 'check', file)).stdout).toBeTruthy();

    const failure = await cli('start', file, '--by', 'carol').catch((e: { code: number; stderr: string }) => e);
    expect(failure).toMatchObject({ code: 2 });
    expect((failure as { stderr: string }).stderr).toContain(
      'nobody could approve this drill as carol starts it: the failover gate needs 2 approvals but has 2 approver(s) (alice, carol), and carol started this drill, so under fourEyes cannot approve it: nobody could approve it. Nothing started; start it as someone else (--by an operator), or change approvals.',
    );
  });

  it('plan check says what is accepted where a new user went wrong', async () => {
    const plan = example();
    plan.components.app.primary.health.http.expectStatus = '200';
    plan.components.misp_web = { ...plan.components.app };
    plan.components.db = {
      kind: 'mysql',
      user: 'drill',
      password: 'hunter2',
      primary: { host: 'a', port: 1 },
      secondary: { host: 'b', port: 2 },
    };
    plan.components.app.secondary.stop = { command: 'systemctl stop app' };
    const file = path.join(dir, 'new-user.yaml');
    writeFileSync(file, stringify(plan));
    const failure = await cli('plan', 'check', file).catch((e: { code: number; stderr: string }) => e);
    expect(failure).toMatchObject({ code: 2 });
    const lines = (failure as { stderr: string }).stderr.split('\n');
    expect(lines).toEqual(
      expect.arrayContaining([
        '  components.app.primary.health.http.expectStatus: expected an HTTP status code or a list of them, such as 200 or [200, 401] (numbers, not quoted)',
        '  components.misp_web: "misp_web" is not a valid name: expected lower-case letters, digits and dashes (at most 63), starting with a letter or digit, such as "misp-web"',
        '  components.db.password: expected a secret reference, never the secret itself: write { env: VAR } or { file: PATH }',
        expect.stringMatching(
          /^ {2}components\.app\.secondary\.stop\.command: expected a command as a list of words such as \[systemctl, stop, app\]/,
        ),
      ]),
    );
  });

  it('plan check passes a good plan and plan show prints the gates and steps of a mode', async () => {
    const { stdout } = await cli('plan', 'check', path.join(ROOT, 'plans', 'example-lab.yaml'));
    expect(stdout).toMatch(
      /example-lab\.yaml: ok \(target example-lab; steps: \d+ drill, \d+ failover, \d+ failback, \d+ reprotect\)/,
    );
    const show = await cli('plan', 'show', path.join(ROOT, 'plans', 'example-lab.yaml'), '--mode', 'failover');
    expect(show.stdout).toContain('[gate] approval of 2 approver(s) before this phase');
    expect(show.stdout).toContain('Stop app on lab-dc1  (runCommand, destructive, best-effort');
    expect(show.stdout).not.toContain('Pre-reboot');
  });

  it('plan check --json: ok, errors with path and message, and the steps per phase of each mode; exit 2 when any is invalid', async () => {
    const good = path.join(ROOT, 'plans', 'example-lab.yaml');
    const failure = await cli('plan', 'check', '--json', good, bad).catch((e: { code: number; stdout: string }) => e);
    expect(failure).toMatchObject({ code: 2 });
    const report = JSON.parse((failure as { stdout: string }).stdout) as {
      ok: boolean;
      plans: {
        file: string;
        ok: boolean;
        target?: string;
        errors: { path: string; message: string }[];
        steps?: Record<string, { phase: string; steps: string[] }[]>;
      }[];
    };
    expect(report.ok).toBe(false);
    const [fine, broken] = report.plans;
    expect(fine).toMatchObject({ file: good, ok: true, target: 'example-lab', errors: [] });
    expect(fine.steps?.failover.map((phase) => phase.phase)).toEqual(['failover', 'failover-check']);
    expect(fine.steps?.drill.find((phase) => phase.phase === 'failover')?.steps).toContain('failover.app.stop.primary');
    expect(broken).toMatchObject({ file: bad, ok: false });
    expect(broken.errors).toEqual(
      expect.arrayContaining([
        {
          path: 'approvals',
          message: expect.stringMatching(/^unknown field "quorm"; accepted: approvers, operators, fourEyes, quorum/),
        },
        {
          path: 'components.app.primary.health.http.timeout',
          message: 'expected a duration such as "30s", "15m" or "4h", got "soon"',
        },
      ]),
    );
    const passing = JSON.parse((await cli('plan', 'check', '--json', good)).stdout) as { ok: boolean };
    expect(passing.ok).toBe(true);
  });

  it('plan check warns of a quorum four-eyes puts out of reach, and start by an approver is refused before connecting', async () => {
    const plan = example();
    plan.target = 'quorum-lab';
    plan.approvals.approvers = ['alice', 'bob'];
    plan.approvals.quorum = 2;
    const file = path.join(dir, 'quorum.yaml');
    writeFileSync(file, stringify(plan));
    const { stdout } = await cli('plan', 'check', file);
    expect(stdout).toContain(
      '  warning: approvals.quorum: with fourEyes the one who starts a drill cannot approve it, so a drill started by alice, bob would wait at a gate nobody could approve',
    );
    // An address nothing listens on: had the CLI connected first, it would fail on the connection instead.
    const failure = await run(
      process.execPath,
      [path.join(ROOT, 'dist', 'src', 'cli.js'), 'start', file, '--by', 'alice'],
      {
        env: { ...process.env, TEMPORAL_ADDRESS: '127.0.0.1:9' },
      },
    ).catch((e: { code: number; stderr: string }) => e);
    expect(failure).toMatchObject({ code: 2 });
    expect((failure as { stderr: string }).stderr).toMatch(
      /nobody could approve this drill as alice starts it: each gate needs 2 approvals but has 2 approver\(s\) \(alice, bob\), and alice started this drill/,
    );
  });

  // TEMPORAL_ADDRESS names a port nothing listens on: a check made after connecting would end in a connection error.
  it('schedule create refuses a 6-field cron and an unknown time zone at once, before connecting', async () => {
    const create = (...args: string[]) => {
      return run(
        process.execPath,
        [path.join(ROOT, 'dist', 'src', 'cli.js'), 'schedule', 'create', 'example-lab', ...args],
        {
          env: { ...process.env, TEMPORAL_ADDRESS: '127.0.0.1:9' },
        },
      )
        .catch((e: { code: number; stderr: string }) => e)
        .then((outcome) => ({ outcome: outcome as { code?: number; stderr: string } }));
    };
    const cron = await create('--cron', '0 0 10 ? * TUE');
    expect(cron.outcome.code).toBe(2);
    expect(cron.outcome.stderr).toMatch(/^--cron: expected five fields, minute hour day-of-month month day-of-week/);
    expect(cron.outcome.stderr).toContain('got 6 fields in "0 0 10 ? * TUE"');
    const zone = await create('--cron', '0 10 * * tue', '--timezone', 'Mars/Olympus');
    expect(zone.outcome.code).toBe(2);
    expect(zone.outcome.stderr).toMatch(/^--timezone: expected an IANA time zone/);
  });
});
