/**
 * The OpenSearch activities against a real two-node cluster (scripts/lab, server opensearch-cluster): health with 408 as an
 * answer, a recent snapshot found or taken, a node drained before it stops and undrained after,
 * and a canary document that the surviving site's node returns from its own copy. Each test first
 * puts the cluster in the state it starts from (both nodes in, nothing excluded, green, no
 * snapshots), so each passes alone.
 */
import { createOpensearchActivities } from '../kinds/opensearch/activities/oneCluster';
import { opensearchArgs, startDataLab, stepInput, expectFailure, type DataLab } from './support/dataLab';
import { opensearchFresh } from './support/labState';
import type { SiteRole } from '../domain';
import type { OpensearchArgs, OpensearchAction } from '../kinds/opensearch/actions';

jest.setTimeout(300_000);

let lab: DataLab;
const acts = createOpensearchActivities();

beforeAll(async () => {
  lab = await startDataLab(13_000, ['opensearch-cluster']);
});
afterAll(async () => {
  await lab?.destroy();
});

const call = <A extends OpensearchAction>(action: A, drillId: string, args: OpensearchArgs, site?: SiteRole) =>
  acts[action](stepInput(drillId, action, args, site));

const withSnapshots = (take: 'always' | 'if-missing' | 'never', over: Partial<OpensearchArgs> = {}) =>
  opensearchArgs(lab, { snapshot: { repository: 'drill-snapshots', maxAgeMs: 3_600_000, take }, ...over });

test('health waits for the minimum status and reports the nodes it sees', async () => {
  await opensearchFresh(lab);
  const out = await call('opensearchHealth', 'o1', opensearchArgs(lab, { minStatus: 'green' }), 'secondary');
  expect(out.summary).toMatch(/tip-search via dc2: cluster green, 2 node\(s\) \(.*os-primary.*\)/);
});

test('a missing recent snapshot fails the check, and if-missing takes one that then counts', async () => {
  await opensearchFresh(lab);
  const { message } = await expectFailure(call('opensearchSnapshot', 'o1', withSnapshots('never')), 'NoRecentSnapshot');
  expect(message).toMatch(/no successful snapshot in "drill-snapshots" ended within the last 60 min/);
  const taken = await call('opensearchSnapshot', 'o1', withSnapshots('if-missing'));
  expect(taken.summary).toMatch(/took snapshot drill-o1-failover in drill-snapshots \(SUCCESS/);
  const found = await call('opensearchSnapshot', 'o2', withSnapshots('if-missing'));
  expect(found.summary).toMatch(/found snapshot drill-o1-failover/);
  await expect(
    call(
      'opensearchSnapshot',
      'o1',
      withSnapshots('never', { snapshot: { repository: 'nope', maxAgeMs: 1000, take: 'never' } }),
    ),
  ).rejects.toMatchObject({
    type: 'NoSnapshotRepository',
  });
});

test('failover of search: canary written, primary node drained and stopped, the secondary returns the canary from its own copy', async () => {
  await opensearchFresh(lab);
  const args = opensearchArgs(lab);
  const guard = await call('opensearchGuard', 'o3', args);
  expect(guard.summary).toMatch(/canary o3:failover written and held by os-secondary/);

  const drain = await call('opensearchDrain', 'o3', args, 'primary');
  expect(drain.summary).toMatch(
    /drained os-primary: every one of its \d+ shard copies has a started copy on another node/,
  );
  expect(drain.facts.shardsLeft).toBe(0);
  expect((await call('opensearchDrain', 'o3', args, 'primary')).summary).toMatch(/exclusion was already set/);

  await lab.lab('stop', 'opensearch-cluster', 'primary');
  try {
    const health = await call('opensearchHealth', 'o3', args, 'secondary');
    expect(health.summary).toMatch(/cluster (yellow|green), 1 node\(s\)/);
    await expectFailure(
      call('opensearchHealth', 'o3', opensearchArgs(lab, { waitMs: 2000 }), 'primary'),
      'SearchUnreachable',
    );
    const verify = await call('opensearchVerify', 'o3', args, 'secondary');
    expect(verify.summary).toMatch(/canary found from its local copy/);
    expect(verify.facts.rpoEvidence).toMatchObject({ canaryFound: true });
    // With the other node gone there is nowhere to move shards: draining is skipped, not hung.
    expect((await call('opensearchDrain', 'o3', args, 'secondary')).summary).toMatch(
      /not draining os-secondary: os-primary is not in the cluster/,
    );
  } finally {
    await lab.lab('start', 'opensearch-cluster', 'primary');
  }
  const undrain = await call('opensearchUndrain', 'o3', args, 'primary');
  expect(undrain.summary).toMatch(/shards may return to os-primary again/);
  expect((await call('opensearchUndrain', 'o3', args, 'primary')).summary).toMatch(/os-primary was not drained/);
  const green = await call('opensearchHealth', 'o3', opensearchArgs(lab, { minStatus: 'green' }), 'primary');
  expect(green.summary).toMatch(/cluster green, 2 node\(s\)/);
});
