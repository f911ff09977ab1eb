/**
 * `kind: mysql` as a plan writes it: the defaults a minimal component gets, the refusals that name
 * the field, and the switch the compiled runbook makes (guard, fence the old writer, promote the
 * new one after it caught up, verify the canary there). Pure: the real loader and compiler.
 */
import { idsOf, phaseSteps, planWith, refusalsOf, stepById } from '../../test/unit/support/kindPlan';

const db = (more: Record<string, unknown> = {}) => ({
  db: {
    kind: 'mysql',
    user: 'drill',
    password: { env: 'DB_PW' },
    primary: { port: 3316 },
    secondary: { port: 3326 },
    ...more,
  },
});

test('a minimal mysql pair gets the documented defaults', () => {
  expect(planWith(db()).components.db).toEqual({
    kind: 'mysql',
    tier: 'database',
    topology: 'master-master',
    user: 'drill',
    password: { env: 'DB_PW' },
    canaryDatabase: 'drillbook',
    catchUpTimeout: 60_000,
    killSessionsOf: [],
    primary: { host: '127.0.0.1', port: 3316 },
    secondary: { host: '127.0.0.1', port: 3326 },
  });
});

test('wrong shapes are refused naming the field and what it accepts', () => {
  expect(refusalsOf(db({ canaryDatabase: 'drill-book' }))).toEqual([
    'components.db.canaryDatabase: expected a database name of letters, digits and _',
  ]);
  expect(refusalsOf(db({ topology: 'primary-replica' }))).toEqual(['components.db.topology: expected "master-master"']);
  expect(refusalsOf(db({ catchUpTimeout: 'a while' }))).toEqual([
    'components.db.catchUpTimeout: expected a duration such as "30s", "15m" or "4h", got "a while"',
  ]);
});

test('a failover guards, fences the old writer before it promotes the new one, and verifies the canary after', () => {
  const plan = planWith(db({ catchUpTimeout: '2m', killSessionsOf: ['misp'] }));
  const failover = phaseSteps(plan, 'drill', 'failover');
  expect(idsOf(failover)).toEqual([
    'failover.db.guard.secondary',
    'failover.db.fence.primary',
    'failover.db.promote.secondary',
  ]);
  expect(failover.map((s) => [s.action, s.site, s.destructive])).toEqual([
    ['mysqlGuard', 'secondary', false],
    ['mysqlFence', 'primary', true],
    ['mysqlPromote', 'secondary', true],
  ]);
  const promote = stepById(failover, 'failover.db.promote.secondary');
  // The promote waits up to catchUpTimeout for the candidate, and its step a minute longer.
  expect(promote.args).toMatchObject({
    from: 'primary',
    to: 'secondary',
    planned: true,
    catchUpTimeoutMs: 120_000,
    killSessionsOf: ['misp'],
    canary: 'primary-to-secondary',
  });
  expect(promote.timeoutMs).toBe(180_000);
  expect(stepById(failover, 'failover.db.fence.primary').marks).toContain('rto-start');

  const check = phaseSteps(plan, 'drill', 'failover-check');
  expect(stepById(check, 'failover-check.db.verify.secondary')).toMatchObject({
    action: 'mysqlVerify',
    site: 'secondary',
    args: { canary: 'primary-to-secondary' },
  });

  // Failback is the mirror image: the secondary is fenced, the primary promoted.
  expect(idsOf(phaseSteps(plan, 'drill', 'failback'))).toEqual([
    'failback.db.guard.primary',
    'failback.db.fence.secondary',
    'failback.db.promote.primary',
  ]);
});

test('in a real outage the fence of the lost writer is best effort and the promote is unplanned', () => {
  const failover = phaseSteps(planWith(db()), 'failover', 'failover');
  expect(stepById(failover, 'failover.db.fence.primary').bestEffort).toBe(true);
  expect(stepById(failover, 'failover.db.promote.secondary')).toMatchObject({
    bestEffort: false,
    args: { planned: false },
  });
  expect(stepById(failover, 'failover.db.guard.secondary').title).toMatch(/^Record db's replication lag on dc2/);
});

test('with process drivers, the pre-reboot restart makes the primary the writer again; a switch stops after the fence', () => {
  const plan = planWith(
    db({
      primary: { port: 3316, stop: { command: ['lab', 'stop', 'db'] }, start: { command: ['lab', 'start', 'db'] } },
    }),
  );
  const preReboot = phaseSteps(plan, 'drill', 'pre-reboot');
  expect(idsOf(preReboot)).toEqual(
    expect.arrayContaining([
      'pre-reboot.db.stop.primary',
      'pre-reboot.db.start.primary',
      'pre-reboot.db.writer.primary',
    ]),
  );
  expect(idsOf(preReboot)).not.toContain('pre-reboot.db.fence.primary');
  expect(stepById(preReboot, 'pre-reboot.db.writer.primary')).toMatchObject({
    action: 'mysqlPromote',
    destructive: true,
    args: { planned: true },
  });
  const failover = idsOf(phaseSteps(plan, 'drill', 'failover'));
  expect(failover.indexOf('failover.db.fence.primary')).toBeLessThan(failover.indexOf('failover.db.stop.primary'));
});
