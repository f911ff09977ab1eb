/**
 * `kind: opensearch` in both topologies: a node per site in one cluster (drain the old node, stop
 * it, start and undrain the new one) and a cluster per site (snapshot the old cluster, restore on
 * the new, verify the canary came across). Defaults, refusals naming the field, and which
 * snapshots count as recent and good. Pure: the real loader and compiler, no cluster.
 */
import { isGoodSnapshot, newestGood } from './activities/snapshots';
import { idsOf, phaseSteps, planWith, refusalsOf, stepById } from '../../test/unit/support/kindPlan';

const node = (n: number) => ({
  url: `http://127.0.0.1:920${n}`,
  node: `os${n}`,
  stop: { command: ['lab', 'stop', 'opensearch', `${n}`] },
  start: { command: ['lab', 'start', 'opensearch', `${n}`] },
});
const oneCluster = (more: Record<string, unknown> = {}) => ({
  search: { kind: 'opensearch', snapshot: { repository: 'snaps' }, primary: node(1), secondary: node(2), ...more },
});
const perSite = (more: Record<string, unknown> = {}) => ({
  search: {
    kind: 'opensearch',
    topology: 'cluster-per-site',
    snapshot: { repository: 'snaps' },
    primary: { url: 'https://search-euw1.example.org' },
    secondary: { url: 'https://search-euc1.example.org' },
    ...more,
  },
});

test('minimal components of both topologies get the documented defaults', () => {
  expect(planWith(oneCluster()).components.search).toMatchObject({
    tier: 'search',
    minStatus: 'yellow',
    canaryIndex: 'drillbook-canary',
    snapshot: { repository: 'snaps', maxAge: 86_400_000, take: 'never' },
  });
  expect(planWith(perSite()).components.search).toMatchObject({
    tier: 'search',
    topology: 'cluster-per-site',
    minStatus: 'yellow',
    restoreTimeout: 600_000,
    snapshot: { indices: '*', maxAge: 86_400_000 },
  });
});

test('wrong shapes are refused naming the field and what it accepts', () => {
  expect(refusalsOf(oneCluster({ topology: 'stretched' }))).toEqual([
    'components.search.topology: expected one of one-cluster, cluster-per-site (a node per site in one cluster, or a cluster per site), got "stretched"',
  ]);
  expect(refusalsOf(oneCluster({ secondary: { url: 'http://127.0.0.1:9202' } }))).toEqual([
    'components.search.secondary.node: is required (expected string)',
  ]);
  expect(refusalsOf(perSite({ secondary: { url: 'https://search-euc1.example.org', node: 'os2' } }))).toEqual([
    'components.search.secondary: unknown field "node"; accepted: url, aws, s3Repository, stop, start, reboot',
  ]);
  expect(refusalsOf(perSite({ canaryIndex: 'Drill-Canary' }))).toEqual([
    'components.search.canaryIndex: expected a lower-case index name',
  ]);
});

test('one cluster: a failover readies the new node, drains the old one before it stops, and undrains the new one after it starts', () => {
  const failover = phaseSteps(planWith(oneCluster()), 'drill', 'failover');
  expect(idsOf(failover)).toEqual([
    'failover.search.start-target.secondary',
    'failover.search.undrain-target.secondary',
    'failover.search.guard.secondary',
    'failover.search.drain.primary',
    'failover.search.stop.primary',
    'failover.search.start.secondary',
    'failover.search.undrain.secondary',
  ]);
  expect(stepById(failover, 'failover.search.drain.primary')).toMatchObject({
    action: 'opensearchDrain',
    destructive: true,
    marks: ['rto-start'],
  });
  expect(stepById(failover, 'failover.search.stop.primary').args).toMatchObject({
    command: { argv: ['lab', 'stop', 'opensearch', '1'] },
  });
  expect(
    stepById(phaseSteps(planWith(oneCluster()), 'drill', 'failover-check'), 'failover-check.search.verify.secondary')
      .action,
  ).toBe('opensearchVerify');
});

test('one cluster: a preparation looks for a recent good snapshot, and takes one only as the plan says', () => {
  const snapshotStep = (snapshot: Record<string, unknown>) =>
    stepById(
      phaseSteps(planWith(oneCluster({ snapshot })), 'drill', 'preparation'),
      'preparation.search.snapshot.primary',
    );
  expect(snapshotStep({ repository: 'snaps' })).toMatchObject({
    action: 'opensearchSnapshot',
    args: { snapshot: { repository: 'snaps', maxAgeMs: 86_400_000, take: 'never' } },
  });
  expect(snapshotStep({ repository: 'snaps', maxAge: '6h', take: 'if-missing' }).args).toMatchObject({
    snapshot: { maxAgeMs: 21_600_000, take: 'if-missing' },
  });
});

test('a cluster per site: the failover snapshots the old cluster, then restores on the new one (destructive), and verifies the restore', () => {
  const plan = planWith(perSite({ restoreTimeout: '20m' }));
  const failover = phaseSteps(plan, 'drill', 'failover');
  expect(failover.map((s) => [s.id, s.action, s.destructive])).toEqual([
    ['failover.search.target-health.secondary', 'opensearchClusterHealth', false],
    ['failover.search.snapshot.primary', 'opensearchSiteSnapshot', false],
    ['failover.search.restore.secondary', 'opensearchRestore', true],
  ]);
  // Each wait is bounded by restoreTimeout, and the step by a minute more.
  expect(stepById(failover, 'failover.search.restore.secondary')).toMatchObject({
    timeoutMs: 1_260_000,
    args: { waitMs: 1_200_000, from: 'primary', to: 'secondary', canary: 'primary-to-secondary' },
  });
  expect(stepById(phaseSteps(plan, 'drill', 'failover-check'), 'failover-check.search.verify.secondary').action).toBe(
    'opensearchRestoreVerify',
  );
});

describe('snapshots', () => {
  const hour = 3_600_000;
  const snapshot = (name: string, state: string, endedAgo: number, failed = 0) => ({
    snapshot: name,
    state,
    shards: { total: 5, failed, successful: 5 - failed },
    end_time_in_millis: Date.now() - endedAgo,
  });

  test('good means SUCCESS, no failed shard, ended within maxAge', () => {
    expect(isGoodSnapshot(snapshot('a', 'SUCCESS', hour), 24 * hour)).toBe(true);
    expect(isGoodSnapshot(snapshot('b', 'SUCCESS', 25 * hour), 24 * hour)).toBe(false);
    expect(isGoodSnapshot(snapshot('c', 'PARTIAL', hour, 1), 24 * hour)).toBe(false);
    expect(isGoodSnapshot(snapshot('d', 'SUCCESS', hour, 1), 24 * hour)).toBe(false);
  });

  test('the newest good one is chosen, whatever the order listed', () => {
    const listed = [
      snapshot('old', 'SUCCESS', 5 * hour),
      snapshot('failed', 'FAILED', 10_000),
      snapshot('new', 'SUCCESS', hour),
      snapshot('stale', 'SUCCESS', 30 * hour),
    ];
    expect(newestGood(listed, 24 * hour)?.snapshot).toBe('new');
    expect(newestGood([snapshot('stale', 'SUCCESS', 30 * hour)], 24 * hour)).toBeUndefined();
  });
});

test('reprotect: the serving cluster snapshots while it serves, the returned one restores it and is checked; no fence step of its own', () => {
  const plan = planWith(perSite());
  const steps = phaseSteps(plan, 'reprotect', 'reprotect');
  expect(steps.map((s) => [s.id, s.segment, s.action, s.site, s.destructive])).toEqual([
    ['reprotect.search.await-return.primary', 'await', 'opensearchAwaitReturn', 'primary', false],
    ['reprotect.search.snapshot.secondary', 'resync', 'opensearchSiteSnapshot', 'secondary', false],
    ['reprotect.search.restore.primary', 'resync', 'opensearchRestore', 'primary', true],
  ]);
  // The app still writes on the serving side: the restore takes the snapshot's counts as a floor.
  expect(steps[1].args).toMatchObject({ live: true });
  expect(steps[2].args).toMatchObject({ live: true });
  const check = phaseSteps(plan, 'reprotect', 'reprotect-check');
  expect(check.map((s) => [s.action, s.site])).toEqual([['opensearchRestoreVerify', 'primary']]);
  // The check looks for the canary the snapshot wrote: the same direction, so the same canary.
  expect(check[0].args).toMatchObject({ canary: (steps[1].args as { canary: string }).canary });
});
