/**
 * `kind: rds`: Amazon RDS in its four modes. Defaults, refusals that name the field each mode
 * needs, and the switch (a guard, then one destructive activation bounded by waitTimeout; a
 * read replica's way back is a person's work, since RDS cannot demote a promoted replica).
 * Pure: the real loader and compiler, no AWS.
 */
import { phaseSteps, planWith, refusalsOf, stepById } from '../../test/unit/support/kindPlan';

const readReplica = (more: Record<string, unknown> = {}) => ({
  rdb: {
    kind: 'rds',
    mode: 'read-replica',
    primary: { instance: 'misp-db-euw1', region: 'eu-west-1' },
    secondary: { instance: 'misp-db-euc1', region: 'eu-central-1' },
    ...more,
  },
});
const multiAz = (more: Record<string, unknown> = {}) => ({
  rdb: {
    kind: 'rds',
    mode: 'multi-az',
    instance: 'misp-db',
    primary: { availabilityZone: 'eu-west-1a' },
    secondary: { availabilityZone: 'eu-west-1b' },
    ...more,
  },
});

test('a minimal RDS component gets the documented defaults: 30 minutes of waiting, looked at every 10 s', () => {
  expect(planWith(readReplica()).components.rdb).toEqual({
    kind: 'rds',
    tier: 'database',
    mode: 'read-replica',
    waitTimeout: 1_800_000,
    pollInterval: 10_000,
    primary: { instance: 'misp-db-euw1', region: 'eu-west-1' },
    secondary: { instance: 'misp-db-euc1', region: 'eu-central-1' },
  });
});

test('each mode is refused without what it needs, naming the field', () => {
  expect(refusalsOf(multiAz({ instance: undefined }))).toEqual([
    'components.rdb.instance: mode multi-az needs instance',
  ]);
  expect(refusalsOf(multiAz({ secondary: { availabilityZone: 'eu-west-1a' } }))).toEqual([
    'components.rdb.secondary.availabilityZone: must differ from primary.availabilityZone: a Multi-AZ failover moves the writer to the standby zone',
  ]);
  expect(refusalsOf(readReplica({ secondary: { region: 'eu-central-1' } }))).toEqual([
    "components.rdb.secondary.instance: mode read-replica needs each site's instance",
  ]);
  expect(refusalsOf(readReplica({ mode: 'blue-green' }))).toEqual([
    'components.rdb.mode: expected one of "multi-az"|"read-replica"|"aurora-cluster"|"aurora-global"',
  ]);
  expect(refusalsOf(multiAz({ primary: { availabilityZone: 'west-1a' } }))).toEqual([
    'components.rdb.primary.availabilityZone: expected an Availability Zone such as eu-west-1a',
  ]);
});

test('a failover guards, then promotes the replica in one destructive step bounded by waitTimeout; the new side is checked after', () => {
  const plan = planWith(readReplica({ waitTimeout: '45m', pollInterval: '15s' }));
  const failover = phaseSteps(plan, 'drill', 'failover');
  expect(failover.map((s) => [s.id, s.action, s.site, s.destructive])).toEqual([
    ['failover.rdb.guard.secondary', 'rdsGuard', 'secondary', false],
    ['failover.rdb.activate.secondary', 'rdsActivate', 'secondary', true],
  ]);
  const promote = stepById(failover, 'failover.rdb.activate.secondary');
  expect(promote.title).toBe(
    'Promote the read replica instance misp-db-euc1 (eu-central-1) to a standalone writer and wait until it is available',
  );
  expect(promote).toMatchObject({
    timeoutMs: 2_760_000,
    args: { mode: 'read-replica', waitTimeoutMs: 2_700_000, pollIntervalMs: 15_000, from: 'primary', to: 'secondary' },
  });
  expect(phaseSteps(plan, 'drill', 'failover-check').map((s) => [s.id, s.action, s.args])).toEqual([
    ['failover-check.rdb.health.secondary', 'rdsHealth', expect.objectContaining({ serving: true })],
  ]);
});

test("a read replica's failback is handed to a person; a Multi-AZ failback fails over again", () => {
  const back = phaseSteps(planWith(readReplica()), 'drill', 'failback');
  expect(stepById(back, 'failback.rdb.rebuild.primary')).toMatchObject({
    action: 'manualTask',
    args: {
      instructions: expect.stringMatching(/^Re-create misp-db-euw1 as a cross-region read replica of misp-db-euc1/),
    },
  });
  expect(back.map((s) => s.action)).not.toContain('rdsActivate');
  expect(stepById(phaseSteps(planWith(multiAz()), 'drill', 'failback'), 'failback.rdb.activate.primary')).toMatchObject(
    {
      action: 'rdsActivate',
      destructive: true,
      title:
        'Fail RDS over to instance misp-db in eu-west-1a: reboot with failover, wait until the instance left and came back available there',
    },
  );
});
