/**
 * `kind: rds`: Amazon RDS in its four modes. Defaults, refusals that name the field each mode
 * needs, and the switch (a guard, then one destructive activation bounded by waitTimeout; a
 * read replica's way back re-creates the old primary as a replica, since RDS cannot demote a
 * promoted one; a Multi-AZ primary also fails over inside its region in pre-reboot).
 * Pure: the real loader and compiler, no AWS.
 */
import { keptAside } from './activities/rebuild';
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

test("failing back a promoted replica rebuilds the way back before the stop, promotes, then re-creates the standby's replica; the approved phase holds every destructive step", () => {
  const plan = planWith(readReplica());
  const back = phaseSteps(plan, 'drill', 'failback').filter((s) => s.component === 'rdb');
  expect(back.map((s) => [s.id, s.action, s.site, s.destructive])).toEqual([
    ['failback.rdb.retire.primary', 'rdsRetire', 'primary', true],
    ['failback.rdb.replica.primary', 'rdsCreateReplica', 'primary', false],
    ['failback.rdb.guard.primary', 'rdsGuard', 'primary', false],
    ['failback.rdb.activate.primary', 'rdsActivate', 'primary', true],
    ['failback.rdb.retire-standby.secondary', 'rdsRetire', 'secondary', true],
    ['failback.rdb.standby-replica.secondary', 'rdsCreateReplica', 'secondary', false],
  ]);
  expect(back.map((s) => s.title)).toEqual([
    'Keep misp-db-euw1 aside: snapshot it, then rename it so its replica can take its name (nothing is deleted; its old endpoint stops answering)',
    'Re-create misp-db-euw1 in eu-west-1 as a read replica of misp-db-euc1 and wait until it is available and within the RPO',
    'Refuse to fail RDS over to dc1 unless it is ready and the replica lag is within the RPO',
    'Promote the read replica instance misp-db-euw1 (eu-west-1) to a standalone writer and wait until it is available',
    "Keep misp-db-euc1 aside: snapshot it, then rename it so the standby's replica can take its name (nothing is deleted)",
    'Re-create misp-db-euc1 in eu-central-1 as a read replica of misp-db-euw1 (its catching up is checked after the switch)',
  ]);
  expect(stepById(back, 'failback.rdb.replica.primary').args).toMatchObject({
    waitCaughtUp: true,
    from: 'secondary',
    to: 'primary',
  });
  expect(stepById(back, 'failback.rdb.standby-replica.secondary').args).toMatchObject({ waitCaughtUp: false });
  // The stop of the serving side comes between the catching up and the promotion (the guard and start segments).
  expect(phaseSteps(plan, 'drill', 'failback-check').map((s) => [s.id, s.action, s.readOnly])).toEqual([
    ['failback-check.rdb.health.primary', 'rdsHealth', undefined],
    ['failback-check.rdb.standby-caught-up.secondary', 'rdsReplicaCaughtUp', true],
  ]);
  // A failback on its own (after a real outage) runs the same steps.
  expect(phaseSteps(plan, 'failback', 'failback').map((s) => s.id)).toEqual(back.map((s) => s.id));
  // Nothing of it in a failover.
  expect(phaseSteps(plan, 'drill', 'failover').map((s) => s.action)).toEqual(['rdsGuard', 'rdsActivate']);
});

test('a Multi-AZ failback fails over again', () => {
  expect(stepById(phaseSteps(planWith(multiAz()), 'drill', 'failback'), 'failback.rdb.activate.primary')).toMatchObject(
    {
      action: 'rdsActivate',
      destructive: true,
      title:
        'Fail RDS over to instance misp-db in eu-west-1a: reboot with failover, wait until the instance left and came back available there',
    },
  );
});

test('a Multi-AZ primary of a replica pair also fails over inside its region while pre-reboot reboots the primary, tried once', () => {
  const plan = planWith(readReplica({ primary: { instance: 'misp-db-euw1', region: 'eu-west-1', multiAz: true } }));
  const reboot = phaseSteps(plan, 'drill', 'pre-reboot');
  expect(reboot.map((s) => [s.id, s.action, s.destructive, s.retry.maximumAttempts])).toEqual([
    ['pre-reboot.rdb.multi-az-failover.primary', 'rdsInSiteFailover', true, 1],
    ['pre-reboot.rdb.health.primary', 'rdsHealth', false, 3],
  ]);
  expect(reboot[0].title).toBe(
    'Multi-AZ failover of misp-db-euw1 inside dc1: reboot with failover, the Availability Zones before and after on the record',
  );
  expect(phaseSteps(planWith(readReplica()), 'drill', 'pre-reboot').map((s) => s.action)).toEqual(['rdsHealth']);
  expect(refusalsOf(readReplica({ secondary: { instance: 'misp-db-euc1', multiAz: true } }))).toEqual([
    'components.rdb.secondary.multiAz: accepted only on primary: the drill fails an instance over inside its site while it reboots that site (pre-reboot), and pre-reboot reboots the primary',
  ]);
  expect(refusalsOf(multiAz({ primary: { availabilityZone: 'eu-west-1a', multiAz: true } }))).toEqual([
    'components.rdb.primary.multiAz: applies to mode read-replica (a Multi-AZ instance inside the primary region); mode multi-az fails over with its own mode',
  ]);
});

test('Aurora global: a drill switches over, an outage fails over with data loss allowed, and the failback waits for the old cluster to rejoin', () => {
  const plan = planWith({
    rdb: {
      kind: 'rds',
      mode: 'aurora-global',
      globalCluster: 'misp-global',
      primary: { cluster: 'misp-euw1', region: 'eu-west-1' },
      secondary: { cluster: 'misp-euc1', region: 'eu-central-1' },
    },
  });
  expect(stepById(phaseSteps(plan, 'drill', 'failover'), 'failover.rdb.activate.secondary').title).toBe(
    'Switch over global cluster misp-global writing in misp-euc1 (eu-central-1) and wait until that region writes',
  );
  const outage = stepById(phaseSteps(plan, 'failover', 'failover'), 'failover.rdb.activate.secondary');
  expect(outage.title).toBe(
    "Fail over global cluster misp-global writing in misp-euc1 (eu-central-1) with data loss allowed (FailoverGlobalCluster: the primary's region is gone, what it had not replicated is lost) and wait until that region writes",
  );
  expect(outage.args).toMatchObject({ planned: false });
  const back = phaseSteps(plan, 'failback', 'failback');
  expect(back.map((s) => [s.id, s.action])).toEqual([
    ['failback.rdb.guard.primary', 'rdsGuard'],
    ['failback.rdb.activate.primary', 'rdsActivate'],
  ]);
  expect(back[0].title).toBe(
    'Refuse to fail RDS over to dc1 unless it is ready once misp-euw1 rejoined the global cluster and is in sync',
  );
  expect(back[1].args).toMatchObject({ planned: true });
});

test('what a failback keeps aside is named after the instance and the drill: the same on every attempt, a valid RDS identifier however long the name', () => {
  const names = keptAside('misp-db-euw1', 'drill-misp-prod-2026-12-07');
  expect(names).toEqual(keptAside('misp-db-euw1', 'drill-misp-prod-2026-12-07'));
  expect(names.retired).toMatch(/^misp-db-euw1-retired-[0-9a-f]{8}$/);
  expect(names.snapshot).toMatch(/^misp-db-euw1-before-failback-[0-9a-f]{8}$/);
  expect(keptAside('misp-db-euw1', 'drill-misp-prod-2026-12-08').retired).not.toBe(names.retired);
  // 63 characters at most; a cut that would leave a hyphen before the suffix drops it.
  const long = keptAside(`misp-${'x'.repeat(40)}-database-main`, 'drill-1').retired;
  expect(long.length).toBeLessThanOrEqual(63);
  expect(long).toMatch(/^misp-x{40}-retired-[0-9a-f]{8}$/);
});
