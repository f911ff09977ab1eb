/**
 * OpenSearch with a cluster per site against two real single-node OpenSearch 2.19 clusters
 * (scripts/lab/opensearch-sites.sh, ports 24250/24251) sharing an fs snapshot folder: the preflight
 * registers the repository (writable on the old side, read-only on the new, which then cannot write
 * it) and takes a baseline; a planned switch takes the old side's final snapshot with the canary and
 * per-index counts inside, the restore replaces the new side's stale copy and matches the counts,
 * the verify finds the canary; failback carries the new side's writes home; with the old cluster
 * gone, the newest snapshot is restored and the data-loss window is reported instead of a canary.
 */
import { Client } from '@opensearch-project/opensearch';
import { createOpensearchSitesActivities } from '../kinds/opensearch/activities/sites';
import { expectFailure, startOpenctiLab, stepInput, switchArgs, type OpenctiLab } from './support/openctiLab';
import type { SiteRole } from '../domain';
import type { OpensearchSitesAction, OpensearchSitesArgs } from '../kinds/opensearch/clusterPerSiteActions';

jest.setTimeout(240_000);

let lab: OpenctiLab;
const acts = createOpensearchSitesActivities();
const client = (site: SiteRole) => new Client({ node: `http://127.0.0.1:${lab.port('opensearch', site)}` });

beforeAll(async () => {
  lab = await startOpenctiLab(17_000, ['opensearch']);
  const primary = client('primary');
  const secondary = client('secondary');
  const bulk = (index: string, n: number, from = 0) =>
    Array.from({ length: n }, (_, i) => [
      { index: { _index: index, _id: String(from + i) } },
      { value: `${index}-${from + i}` },
    ]).flat();
  await primary.bulk({ refresh: 'true', body: [...bulk('opencti_indicators', 50), ...bulk('opencti_reports', 10)] });
  // The standby's copy from an earlier restore: stale, and it must be replaced, not merged.
  await secondary.bulk({ refresh: 'true', body: bulk('opencti_indicators', 3, 1000) });
  await Promise.all([primary.close(), secondary.close()]);
});
afterAll(async () => {
  await lab?.destroy();
});

const args = (over: Partial<OpensearchSitesArgs> = {}): OpensearchSitesArgs => ({
  ...switchArgs('search'),
  sites: {
    primary: { url: `http://127.0.0.1:${lab.port('opensearch', 'primary')}` },
    secondary: { url: `http://127.0.0.1:${lab.port('opensearch', 'secondary')}` },
  },
  minStatus: 'yellow',
  canaryIndex: 'drillbook-canary',
  snapshot: {
    repository: 'shared',
    register: { type: 'fs', settings: { location: `${lab.dir}/opensearch-sites/snapshots` } },
    indices: 'opencti_*',
    maxAge: 3_600_000,
  },
  waitMs: 60_000,
  ...over,
});
const back = (over: Partial<OpensearchSitesArgs> = {}) =>
  args({ from: 'secondary', to: 'primary', canary: 'failback', ...over });
const call = <A extends OpensearchSitesAction>(action: A, drillId: string, a: OpensearchSitesArgs, site?: SiteRole) =>
  acts[action](stepInput(drillId, action, a, site));
const count = async (site: SiteRole, index: string) => {
  const c = client(site);
  try {
    return Number(((await c.count({ index })).body as { count: number }).count);
  } finally {
    await c.close();
  }
};

test('preflight registers the shared repository (read-only on the standby, which cannot write it) and takes a baseline', async () => {
  expect((await call('opensearchClusterHealth', 'o1', args(), 'secondary')).summary).toMatch(
    /search on dc2: cluster opencti-secondary (green|yellow), 1 node\(s\)/,
  );
  // A readiness precheck only looks: nothing registered yet is a drift, not something it fixes.
  await expectFailure(call('opensearchSitesPreflight', 'o1', args({ lookOnly: true })), 'NoSnapshotRepository');
  const first = await call('opensearchSitesPreflight', 'o1', args());
  expect(first.summary).toMatch(
    /repository shared on dc1 \(fs, writable here \(registered now\)\) and dc2 \(fs, read-only here \(registered now\)\); took a baseline snapshot drill-o1-failover-baseline/,
  );
  expect((await call('opensearchSitesPreflight', 'o1', args())).summary).toMatch(
    /dc1 \(fs, writable here\) and dc2 \(fs, read-only here\); newest snapshot drill-o1-failover-baseline, ended \d+s ago/,
  );
  expect((await call('opensearchSitesPreflight', 'o9', args({ lookOnly: true }))).summary).toMatch(
    /dc1 \(fs\) and dc2 \(fs, read-only here\); newest snapshot drill-o1-failover-baseline/,
  );
  const standby = client('secondary');
  try {
    await expect(
      standby.snapshot.create({
        repository: 'shared',
        snapshot: 'rogue',
        wait_for_completion: true,
        body: { indices: 'opencti_*' },
      }),
    ).rejects.toThrow(/read-only|readonly/);
  } finally {
    await standby.close();
  }
});

test('planned failover: final snapshot with canary and counts, restore replaces the stale copy, verify finds the canary; failback carries new writes home', async () => {
  await call('opensearchClusterHealth', 'o2', args(), 'secondary');
  const snapshot = await call('opensearchSiteSnapshot', 'o2', args(), 'primary');
  expect(snapshot.summary).toMatch(
    /search on dc1: final snapshot drill-o2-failover \(3 indices, 61 documents, canary included\) in shared/,
  );
  const restore = await call('opensearchRestore', 'o2', args(), 'secondary');
  expect(restore.summary).toMatch(
    /search on dc2: restored drill-o2-failover \(3 indices, 61 documents, counts as snapshotted\)/,
  );
  expect(await count('secondary', 'opencti_indicators')).toBe(50);
  expect((await call('opensearchRestore', 'o2', args(), 'secondary')).summary).toMatch(
    /already restored drill-o2-failover/,
  );
  const verify = await call('opensearchRestoreVerify', 'o2', args(), 'secondary');
  expect(verify.summary).toMatch(/search on dc2: restored from drill-o2-failover; canary found/);
  expect(verify.facts.rpoEvidence).toMatchObject({ canaryFound: true, dataLossMs: 0 });

  // The platform writes on the new side while it serves; failback snapshots there and restores home.
  const secondary = client('secondary');
  await secondary.bulk({
    refresh: 'true',
    body: Array.from({ length: 5 }, (_, i) => [
      { index: { _index: 'opencti_indicators', _id: `dc2-${i}` } },
      { value: i },
    ]).flat(),
  });
  await secondary.close();
  expect((await call('opensearchSiteSnapshot', 'o2', back(), 'secondary')).summary).toMatch(
    /search on dc2: final snapshot drill-o2-failback/,
  );
  await call('opensearchRestore', 'o2', back(), 'primary');
  expect(await count('primary', 'opencti_indicators')).toBe(55);
  expect((await call('opensearchRestoreVerify', 'o2', back(), 'primary')).facts.rpoEvidence).toMatchObject({
    canaryFound: true,
  });
});

test('outage: with the old cluster gone the newest snapshot is restored and the loss window reported; a planned restore without its snapshot refuses', async () => {
  const outage = args({ planned: false, canary: 'outage' });
  await expectFailure(call('opensearchRestore', 'o3', args({ canary: 'never-taken' }), 'secondary'), 'SnapshotMissing');
  await lab.lab('kill', 'opensearch', 'primary');
  // A cluster that does not answer fails the step retryably, naming the kind, the site and the node's URL.
  const gone = await expectFailure(call('opensearchSiteSnapshot', 'o3', outage, 'primary'), 'ServerLost');
  expect(gone.message).toMatch(
    new RegExp(
      `^OpenSearch search on dc1 \\(http://127\\.0\\.0\\.1:${lab.port('opensearch', 'primary')}\\) stopped answering`,
    ),
  );
  const restore = await call('opensearchRestore', 'o3', outage, 'secondary');
  expect(restore.summary).toMatch(
    /search on dc2: restored drill-o2-failback \(3 indices, \d+ documents, counts as snapshotted\): the newest snapshot, ended \d+s ago \(writes after it are lost\)/,
  );
  const verify = await call('opensearchRestoreVerify', 'o3', outage, 'secondary');
  expect(verify.facts.rpoEvidence).toMatchObject({ canaryFound: false, dataLossMs: expect.any(Number) });
  expect(verify.summary).toMatch(/canary missing \(data up to \d+s before the restore lost\)/);
});
