/**
 * Plans can name mysql, postgres and opensearch components: schema errors name their path, and
 * the compiled runbook guards before it stops, fences before it promotes, re-protects after, and
 * verifies the canary on the new side. Pure: no servers.
 */
import { parsePlan, formatPlanError } from '../src/plan/load';
import { compileRunbook } from '../workflows/runbook';
import type { Plan, Step } from '../domain';

const PLAN = `
target: tip-lab
platform: threatconnect
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
  expect(plan.components.db).toMatchObject({ kind: 'mysql', tier: 'database', canaryDatabase: 'drillbook', catchUpTimeout: 60_000, primary: { host: '127.0.0.1', port: 3316 } });
  expect(plan.components.pg).toMatchObject({ kind: 'postgres', database: 'postgres', catchUpTimeout: 30_000 });
  expect(plan.components.search).toMatchObject({ kind: 'opensearch', tier: 'search', minStatus: 'yellow', snapshot: { maxAge: 86_400_000, take: 'if-missing' } });
});

test('schema errors in data components name their path', () => {
  expect(errorsOf(PLAN.replace('secondary: { port: 3326 }', 'secondary: { port: "3326" }'))).toContain('components.db.secondary.port: expected a number');
  expect(errorsOf(PLAN.replace('password: { file: data/lab/secrets/mysql-drill.password }', 'password: hunter2'))).toEqual([
    expect.stringMatching(/^components\.db\.password: /),
  ]);
  expect(errorsOf(PLAN.replace('node: os-primary, ', ''))).toContain('components.search.primary.node: is required (expected string)');
  expect(errorsOf(PLAN.replace('take: if-missing', 'take: sometimes'))[0]).toMatch(/^components\.search\.snapshot\.take: /);
  expect(errorsOf(PLAN.replace('catchUpTimeout: 30s', 'catchUpTimeout: soon'))).toContain('components.pg.catchUpTimeout: expected a duration such as "30s", "15m" or "4h", got "soon"');
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
  expect(promote.args).toMatchObject({ from: 'primary', to: 'secondary', planned: true, rpoMs: 60_000, canary: 'primary-to-secondary', password: { file: 'data/lab/secrets/mysql-drill.password' } });
  expect(JSON.stringify(runbook)).not.toMatch(/hunter2/);

  const check = runbook.phases.find((p) => p.id === 'failover-check')!.steps;
  expect(check.find((s) => s.id === 'failover-check.db.verify.secondary')?.args).toMatchObject({ canary: 'primary-to-secondary' });
  const prep = ids(runbook.phases.find((p) => p.id === 'preparation')!.steps);
  expect(prep).toEqual(expect.arrayContaining(['preparation.db.preflight.primary', 'preparation.pg.preflight.primary', 'preparation.search.snapshot.primary']));

  const failback = ids(runbook.phases.find((p) => p.id === 'failback')!.steps);
  // Failback first makes sure the primary site is a standby again, then guards.
  expect(failback.indexOf('failback.pg.reprotect.primary')).toBeLessThan(failback.indexOf('failback.pg.guard.primary'));
  expect(failback).toEqual(expect.arrayContaining(['failback.db.fence.secondary', 'failback.db.promote.primary', 'failback.pg.reprotect.secondary', 'failback.search.start-target.primary']));
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
  expect(byId.get('failover.pg.reprotect.primary')).toMatchObject({ bestEffort: true });
  expect(byId.get('failover.db.promote.secondary')).toMatchObject({ bestEffort: false, args: { planned: false } });
  expect(byId.get('failover.db.guard.secondary')?.title).toMatch(/^Record db's replication lag on dc2/);
  expect(ids(steps)).not.toContain('failover.pg.reprotect.secondary');
});
