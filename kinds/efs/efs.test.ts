/**
 * `kind: efs`: EFS replication from the primary's file system to the secondary's. Defaults,
 * refusals naming the field, and the switch (refuse unless the last sync is recent, then delete
 * the replication so the destination becomes writable; the way back reverses it, fails back the
 * same way, and replicates forward again).
 * Pure: the real loader and compiler, no AWS.
 */
import { phaseSteps, planWith, refusalsOf, stepById } from '../../test/unit/support/kindPlan';

const fs = (more: Record<string, unknown> = {}) => ({
  fs: {
    kind: 'efs',
    primary: { fileSystemId: 'fs-0123456789abcdef0', region: 'eu-west-1' },
    secondary: { fileSystemId: 'fs-0fedcba9876543210', region: 'eu-central-1' },
    ...more,
  },
});

test('a minimal EFS pair gets the documented defaults: 20 minutes for the destination to become writable', () => {
  expect(planWith(fs()).components.fs).toMatchObject({
    tier: 'database',
    waitTimeout: 1_200_000,
    pollInterval: 10_000,
  });
  expect(planWith(fs({ maxSyncAge: '15m' })).components.fs).toMatchObject({ maxSyncAge: 900_000 });
});

test('wrong shapes are refused naming the field and what it accepts', () => {
  expect(refusalsOf(fs({ secondary: { fileSystemId: 'misp-efs' } }))).toEqual([
    'components.fs.secondary.fileSystemId: expected a file system id such as fs-0123456789abcdef0',
  ]);
  expect(refusalsOf(fs({ primary: { fileSystemId: 'fs-0123456789abcdef0', region: 'Ireland' } }))).toEqual([
    'components.fs.primary.region: expected an AWS region such as eu-west-1',
  ]);
  expect(refusalsOf(fs({ tier: 'app' }))).toEqual(['components.fs.tier: expected "database"']);
});

test('a failover refuses on a stale sync, then deletes the replication (destructive) and waits until the destination is writable', () => {
  const plan = planWith(fs({ waitTimeout: '30m' }));
  const failover = phaseSteps(plan, 'drill', 'failover');
  expect(failover.map((s) => [s.id, s.action, s.site, s.destructive])).toEqual([
    ['failover.fs.guard.secondary', 'efsGuard', 'secondary', false],
    ['failover.fs.failover.secondary', 'efsFailover', 'secondary', true],
  ]);
  expect(stepById(failover, 'failover.fs.failover.secondary')).toMatchObject({
    timeoutMs: 1_860_000,
    args: { waitTimeoutMs: 1_800_000, from: 'primary', to: 'secondary' },
  });
  expect(stepById(failover, 'failover.fs.guard.secondary').title).toBe(
    'Refuse to fail EFS over unless fs-0123456789abcdef0 -> fs-0fedcba9876543210 synced within the RPO',
  );
  expect(phaseSteps(plan, 'drill', 'failover-check').map((s) => [s.id, s.args])).toEqual([
    ['failover-check.fs.health.secondary', expect.objectContaining({ serving: true })],
  ]);
});

test('failback reverses the replication before the stop, waits for a sync newer than the stop, deletes it, and protects the secondary again; every overwrite is destructive', () => {
  const plan = planWith(fs());
  const back = phaseSteps(plan, 'drill', 'failback');
  expect(back.map((s) => [s.id, s.action, s.site, s.destructive])).toEqual([
    ['failback.fs.replicate-back.primary', 'efsReplicate', 'primary', true],
    ['failback.fs.failback.primary', 'efsFailover', 'primary', true],
    ['failback.fs.reprotect.secondary', 'efsReplicate', 'secondary', true],
  ]);
  expect(back.map((s) => s.title)).toEqual([
    "Replicate EFS back into dc1's fs-0123456789abcdef0: overwrite protection off, create fs-0fedcba9876543210 -> fs-0123456789abcdef0 (it overwrites fs-0123456789abcdef0 with the secondary's files) and wait for its first sync",
    'Fail EFS back to dc1: wait for a sync fs-0fedcba9876543210 -> fs-0123456789abcdef0 newer than the stop, delete that replication and wait until fs-0123456789abcdef0 is writable',
    'Replicate EFS fs-0123456789abcdef0 -> fs-0fedcba9876543210 again (it overwrites fs-0fedcba9876543210; whether it synced is checked after the switch)',
  ]);
  expect(back.map((s) => s.args)).toEqual([
    expect.objectContaining({ waitForSync: true, from: 'secondary', to: 'primary' }),
    expect.objectContaining({ syncAfterStop: true }),
    expect.objectContaining({ waitForSync: false }),
  ]);
  // The sync and then the destination turning writable may each take the whole wait.
  expect(stepById(back, 'failback.fs.failback.primary').timeoutMs).toBe(2 * 1_200_000 + 60_000);
  expect(phaseSteps(plan, 'drill', 'failback-check').map((s) => [s.id, s.action, s.readOnly])).toEqual([
    ['failback-check.fs.health.primary', 'efsHealth', undefined],
    ['failback-check.fs.in-sync.secondary', 'efsInSync', true],
  ]);
  expect(phaseSteps(plan, 'failback', 'failback').map((s) => s.id)).toEqual(back.map((s) => s.id));
});
