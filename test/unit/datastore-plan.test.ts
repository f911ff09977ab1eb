/**
 * Plans can name mysql, postgres and opensearch components: schema errors name their path, and
 * the compiled runbook guards before it stops, fences before it promotes, re-protects after, and
 * verifies the canary on the new side. Passwords planted in the file and the environment variable
 * the plan names reach the activity that resolves them, and nothing the plan activity returns (what
 * a drill's history keeps) or the schema says. Pure: no servers.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createPlanActivities } from '../../activities/plan';
import { resolveSecret } from '../../kinds/kit/activities/secrets';
import { parsePlan, formatPlanError } from '../../plan/load';
import { compileRunbook } from '../../workflows/runbook';
import type { Plan, Step } from '../../domain';

const PLAN = `
target: tip-lab
platform: generic
sites:
  primary: { name: dc1 }
  secondary: { name: dc2 }
approvals: { approvers: [alice, bob] }
objectives: { rto: 15m, rpo: 1m }
components:
  app:
    kind: service
    primary: { stop: { command: ["true"] }, start: { command: ["true"] } }
    secondary: { stop: { command: ["true"] }, start: { command: ["true"] } }
  db:
    kind: mysql
    user: drill
    password: { file: data/lab/secrets/mysql-drill.password }
    killSessionsOf: [app]
    primary: { port: 3316 }
    secondary: { port: 3326 }
  pg:
    kind: postgres
    user: drill
    password: { env: PG_DRILL_PASSWORD }
    catchUpTimeout: 30s
    primary: { port: 5433, stop: { command: [lab, stop, postgres, primary] }, rewind: { command: [lab, rewind, postgres, primary] } }
    secondary: { port: 5434, stop: { command: [lab, stop, postgres, secondary] }, rewind: { command: [lab, rewind, postgres, secondary] } }
  search:
    kind: opensearch
    snapshot: { repository: drill-snapshots, maxAge: 24h, take: if-missing }
    primary: { url: "http://127.0.0.1:9200", node: os-primary, stop: { command: [lab, stop, opensearch, primary] }, start: { command: [lab, start, opensearch, primary] } }
    secondary: { url: "http://127.0.0.1:9201", node: os-secondary, stop: { command: [lab, stop, opensearch, secondary] }, start: { command: [lab, start, opensearch, secondary] } }
`;

function parse(text: string): Plan {
  const result = parsePlan(text);
  if (!result.ok) throw new Error(result.errors.map(formatPlanError).join('\n'));
  return result.plan;
}

const errorsOf = (text: string): string[] => {
  const result = parsePlan(text);
  return result.ok ? [] : result.errors.map(formatPlanError);
};

test('a plan with mysql, postgres and opensearch components parses with defaults', () => {
  const plan = parse(PLAN);
  expect(plan.components.db).toMatchObject({
    kind: 'mysql',
    tier: 'database',
    canaryDatabase: 'drillbook',
    catchUpTimeout: 60_000,
    primary: { host: '127.0.0.1', port: 3316 },
  });
  expect(plan.components.pg).toMatchObject({ kind: 'postgres', database: 'postgres', catchUpTimeout: 30_000 });
  expect(plan.components.search).toMatchObject({
    kind: 'opensearch',
    tier: 'search',
    minStatus: 'yellow',
    snapshot: { maxAge: 86_400_000, take: 'if-missing' },
  });
});

test('schema errors in data components name their path', () => {
  expect(errorsOf(PLAN.replace('secondary: { port: 3326 }', 'secondary: { port: "3326" }'))).toContain(
    'components.db.secondary.port: expected a port number from 1 to 65535',
  );
  // A password written into the plan is refused, and the refusal does not repeat it (it goes to logs).
  const inline = errorsOf(
    PLAN.replace('password: { file: data/lab/secrets/mysql-drill.password }', 'password: hunter2-inline-value'),
  );
  expect(inline).toEqual([expect.stringMatching(/^components\.db\.password: /)]);
  expect(inline.join('\n')).not.toContain('hunter2-inline-value');
  expect(errorsOf(PLAN.replace('node: os-primary, ', ''))).toContain(
    'components.search.primary.node: is required (expected string)',
  );
  expect(errorsOf(PLAN.replace('take: if-missing', 'take: sometimes'))[0]).toMatch(
    /^components\.search\.snapshot\.take: /,
  );
  expect(errorsOf(PLAN.replace('catchUpTimeout: 30s', 'catchUpTimeout: soon'))).toContain(
    'components.pg.catchUpTimeout: expected a duration such as "30s", "15m" or "4h", got "soon"',
  );
});

const ids = (steps: Step[]) => steps.map((s) => s.id);

test('a drill guards, stops app then search then the database, promotes, re-protects and verifies, in that order', () => {
  const runbook = compileRunbook(parse(PLAN), 'drill');
  const failover = runbook.phases.find((p) => p.id === 'failover')!.steps;
  const order = ids(failover);
  const before = (a: string, b: string) => expect(order.indexOf(a)).toBeLessThan(order.indexOf(b));
  expect(order).toEqual(
    expect.arrayContaining([
      'failover.db.guard.secondary',
      'failover.pg.guard.secondary',
      'failover.search.guard.secondary',
      'failover.db.fence.primary',
      'failover.pg.stop.primary',
      'failover.search.drain.primary',
      'failover.db.promote.secondary',
      'failover.pg.promote.secondary',
      'failover.pg.reprotect.primary',
    ]),
  );
  before('failover.db.guard.secondary', 'failover.app.stop.primary');
  before('failover.app.stop.primary', 'failover.search.drain.primary');
  before('failover.search.drain.primary', 'failover.search.stop.primary');
  before('failover.search.stop.primary', 'failover.db.fence.primary');
  before('failover.db.fence.primary', 'failover.db.promote.secondary');
  before('failover.pg.stop.primary', 'failover.pg.promote.secondary');
  before('failover.pg.promote.secondary', 'failover.pg.reprotect.primary');
  before('failover.db.promote.secondary', 'failover.app.start.secondary');

  const promote = failover.find((s) => s.id === 'failover.db.promote.secondary')!;
  expect(promote).toMatchObject({ action: 'mysqlPromote', destructive: true, bestEffort: false });
  expect(promote.args).toMatchObject({
    from: 'primary',
    to: 'secondary',
    planned: true,
    rpoMs: 60_000,
    canary: 'primary-to-secondary',
    password: { file: 'data/lab/secrets/mysql-drill.password' },
  });

  const check = runbook.phases.find((p) => p.id === 'failover-check')!.steps;
  expect(check.find((s) => s.id === 'failover-check.db.verify.secondary')?.args).toMatchObject({
    canary: 'primary-to-secondary',
  });
  const prep = ids(runbook.phases.find((p) => p.id === 'preparation')!.steps);
  expect(prep).toEqual(
    expect.arrayContaining([
      'preparation.db.preflight.primary',
      'preparation.pg.preflight.primary',
      'preparation.search.snapshot.primary',
    ]),
  );

  const failback = ids(runbook.phases.find((p) => p.id === 'failback')!.steps);
  // Failback first makes sure the primary site is a standby again, then guards.
  expect(failback.indexOf('failback.pg.reprotect.primary')).toBeLessThan(failback.indexOf('failback.pg.guard.primary'));
  expect(failback).toEqual(
    expect.arrayContaining([
      'failback.db.fence.secondary',
      'failback.db.promote.primary',
      'failback.pg.reprotect.secondary',
      'failback.search.start-target.primary',
    ]),
  );
});

test('every step of every mode has its own id', () => {
  for (const mode of ['drill', 'failover', 'failback'] as const) {
    const all = ids(compileRunbook(parse(PLAN), mode).phases.flatMap((p) => p.steps));
    expect(all.filter((id, i) => all.indexOf(id) !== i)).toEqual([]);
  }
});

test('in failover mode (a real outage) the steps that touch the primary site are best-effort and nothing refuses on lag', () => {
  const runbook = compileRunbook(parse(PLAN), 'failover');
  const steps = runbook.phases.flatMap((p) => p.steps);
  const byId = new Map(steps.map((s) => [s.id, s]));
  expect(byId.get('failover.db.fence.primary')).toMatchObject({ bestEffort: true });
  // The lost primary is rewound by the reprotect mode once it is back, never by the failover that lost it.
  expect(ids(steps)).not.toContain('failover.pg.reprotect.primary');
  expect(byId.get('failover.db.promote.secondary')).toMatchObject({ bestEffort: false, args: { planned: false } });
  expect(byId.get('failover.db.guard.secondary')?.title).toMatch(/^Record db's replication lag on dc2/);
  expect(ids(steps)).not.toContain('failover.pg.reprotect.secondary');
});

/** Where in `value` a string containing `needle` sits, as dotted paths: a leak's message says where, not the whole history. */
function pathsContaining(value: unknown, needle: string, at = ''): string[] {
  if (typeof value === 'string') return value.includes(needle) ? [at] : [];
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([key, inner]) => [
    ...(key.includes(needle) ? [`${at}${at ? '.' : ''}${key} (a key)`] : []),
    ...pathsContaining(inner, needle, at ? `${at}.${key}` : key),
  ]);
}

describe('planted passwords', () => {
  // Values no plan, recipe or fixture contains, so finding one anywhere means it leaked.
  const mysqlPassword = `planted-mysql-${randomBytes(12).toString('hex')}`;
  const pgPassword = `planted-pg-${randomBytes(12).toString('hex')}`;
  let dir: string;
  let passwordFile: string;
  let plan: string;

  beforeAll(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'drillbook-secrets-'));
    passwordFile = path.join(dir, 'mysql-drill.password');
    writeFileSync(passwordFile, `${mysqlPassword}\n`, { mode: 0o600 });
    process.env.PG_DRILL_PASSWORD = pgPassword;
    plan = PLAN.replace('data/lab/secrets/mysql-drill.password', passwordFile);
  });
  afterAll(() => {
    delete process.env.PG_DRILL_PASSWORD;
    rmSync(dir, { recursive: true, force: true });
  });

  test('reach the activity that resolves them, and nothing the plan activity returns for any mode', async () => {
    const { loadPlan } = createPlanActivities({ plansDir: dir });
    for (const mode of ['drill', 'failover', 'failback'] as const) {
      // The plan activity's result is what the drill's history keeps: the plan and the compiled runbook.
      const loaded = await loadPlan({ target: 'tip-lab', planYaml: plan, mode });
      const steps = [...(loaded.compiled?.runbook.phases ?? []), ...(loaded.compiled?.wayBack ?? [])].flatMap(
        (p) => p.steps,
      );
      const db = steps.find((s) => s.action === 'mysqlPromote');
      const pg = steps.find((s) => s.action === 'postgresPromote');
      if (db?.action !== 'mysqlPromote' || pg?.action !== 'postgresPromote')
        throw new Error(`${mode}: no promote steps for db and pg`);

      // The steps name the planted secrets, and the worker would resolve them to the planted values...
      expect(db.args.password).toEqual({ file: passwordFile });
      expect(pg.args.password).toEqual({ env: 'PG_DRILL_PASSWORD' });
      expect(await resolveSecret(db.args.password, db.id)).toBe(mysqlPassword);
      expect(await resolveSecret(pg.args.password, pg.id)).toBe(pgPassword);

      // ...but the values themselves are nowhere in what the history keeps (the walk does find the
      // file's path, so it would find a value too).
      expect(pathsContaining(loaded, passwordFile)).toContainEqual(
        expect.stringMatching(/^compiled\.runbook\.phases\.\d+\.steps\.\d+\.args\.password\.file$/),
      );
      expect(pathsContaining(loaded, mysqlPassword)).toEqual([]);
      expect(pathsContaining(loaded, pgPassword)).toEqual([]);
    }
  });
});
