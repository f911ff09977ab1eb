/**
 * `kind: mysql` as a plan writes it: the defaults a minimal component gets, the refusals that name
 * the field, and the switch the compiled runbook makes (guard, fence the old writer, promote the
 * new one after it caught up, verify the canary there). Pure: the real loader and compiler.
 */
import { parseBinlog } from './activities/binlog';
import { missingRanges } from './activities/reconcile';
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

test('reprotect mode awaits the lost writer, checks its fence, re-seeds it with the plan command and checks it replicates', () => {
  const reseed = { command: { argv: ['lab', 'reseed', 'mariadb', 'primary'], timeout: '10m' } };
  const plan = planWith(db({ primary: { port: 3316, reseed } }));
  const steps = phaseSteps(plan, 'reprotect', 'reprotect');
  expect(steps.map((s) => [s.id, s.action, s.site, s.destructive])).toEqual([
    ['reprotect.db.await-return.primary', 'mysqlAwaitReturn', 'primary', false],
    ['reprotect.db.fence.primary', 'mysqlFence', 'primary', true],
    ['reprotect.db.reprotect.primary', 'mysqlReprotect', 'primary', true],
  ]);
  expect(stepById(steps, 'reprotect.db.reprotect.primary')).toMatchObject({
    // The reseed's own timeout, the catch-up wait and a minute to report in.
    timeoutMs: 600_000 + 60_000 + 60_000,
    args: { from: 'primary', to: 'secondary', reseed: { argv: ['lab', 'reseed', 'mariadb', 'primary'] } },
  });
  expect(idsOf(phaseSteps(plan, 'reprotect', 'reprotect-check'))).toEqual(['reprotect-check.db.reprotected.primary']);
  expect(refusalsOf(db({ primary: { port: 3316, reseed: 'lab reseed' } }))[0]).toMatch(
    /^components\.db\.primary\.reseed: /,
  );
});

describe('writes to reconcile', () => {
  test('the GTIDs the old writer executed beyond what the new one holds, per domain', () => {
    expect(missingRanges('1-1-12,2-2-5', '1-1-9,2-2-7', '1-1-9,2-2-7')).toEqual([{ domain: 1, after: 9, upTo: 12 }]);
    expect(missingRanges('1-1-9,2-2-5', '1-1-9,2-2-7')).toEqual([]);
    expect(missingRanges('1-1-3,3-1-2', '2-2-7')).toEqual([
      { domain: 1, after: 0, upTo: 3 },
      { domain: 3, after: 0, upTo: 2 },
    ]);
  });

  test('mariadb-binlog decode-rows output becomes transactions with GTIDs, commit times and readable rows', () => {
    // Recorded from MariaDB 10.11.19 (mariadb-binlog -R --base64-output=decode-rows -v, TZ=UTC), abridged.
    const text = [
      '#261207 21:22:59 server id 1  end_log_pos 299 CRC32 0x70debcae \tGtid list [1-1-6,2-2-0]',
      '#261207 21:22:58 server id 1  end_log_pos 384 CRC32 0x8f41249c \tGTID 1-1-7 trans',
      "#Q> INSERT INTO tip.ind (v) VALUES ('lost1')",
      '#261207 21:22:58 server id 1  end_log_pos 493 CRC32 0xcd7191e4 \tTable_map: `tip`.`ind` mapped to number 18',
      '#261207 21:22:58 server id 1  end_log_pos 535 CRC32 0xd4da2379 \tWrite_rows: table id 18 flags: STMT_END_F',
      '### INSERT INTO `tip`.`ind`',
      '### SET',
      '###   @1=5',
      "###   @2='lost1'",
      '# Number of rows: 1',
      '#261207 21:23:01 server id 1  end_log_pos 600 CRC32 0x8f41249d \tGTID 1-1-8 trans',
      '### UPDATE `tip`.`ind`',
      '### WHERE',
      '###   @1=1',
      "###   @2='a'",
      '### SET',
      '###   @1=1',
      "###   @2='changed'",
      '### DELETE FROM `other`.`t`',
      '### WHERE',
      '###   @1=3 /* INT meta=0 nullable=0 is_null=0 */',
    ].join('\n');
    const parsed = parseBinlog(text, (table) => (table === '`tip`.`ind`' ? ['id', 'v'] : undefined));
    expect([...parsed.before]).toEqual([
      [1, 6],
      [2, 0],
    ]);
    expect(parsed.transactions).toEqual([
      {
        gtid: '1-1-7',
        domain: 1,
        server: 1,
        seq: 7,
        at: '2026-12-07T21:22:58.000Z',
        rows: ["INSERT INTO `tip`.`ind` SET id=5, v='lost1'"],
      },
      {
        gtid: '1-1-8',
        domain: 1,
        server: 1,
        seq: 8,
        at: '2026-12-07T21:23:01.000Z',
        rows: ["UPDATE `tip`.`ind` WHERE id=1, v='a' SET id=1, v='changed'", 'DELETE FROM `other`.`t` WHERE @1=3'],
      },
    ]);
  });
});
