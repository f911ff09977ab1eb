/**
 * A full drill on a real Temporal server of a plan whose components are the lab's real data tier:
 * a MariaDB master-master pair, a PostgreSQL primary + standby and an OpenSearch cluster per site
 * (the final snapshot of the old side restored on the new one).
 * Every step succeeds, the canaries cross both switches (RPO evidence in the record), and the lab
 * ends as it began: primary site writing, secondary replicating.
 */
import type { Client } from '@temporalio/client';
import { stringify } from 'yaml';
import { startDrill } from '../src/drills';
import { recordHistoryIfAsked } from './support/histories';
import { driveDrill } from './support/operators';
import { dataLabPairs, startDataLab, type DataLab } from './support/dataLab';
import { watchWriters } from '../lab/siteLoss/writerWatch';
import { startTestWorker, testClient, uniqueQueue, type RunningWorker } from './support/temporal';

jest.setTimeout(600_000);

function labPlan(lab: DataLab, target: string): string {
  const cmd = (...args: string[]) => ({ command: lab.argv(...args) });
  return stringify({
    target,
    platform: 'generic',
    description: 'the lab data tier: MariaDB pair, PostgreSQL primary/standby, an OpenSearch cluster per site',
    sites: { primary: { name: 'dc1' }, secondary: { name: 'dc2' } },
    approvals: { approvers: ['alice', 'bob'], operators: ['oncall'], quorum: 1 },
    objectives: { rto: '15m', rpo: '1m' },
    defaults: {
      retry: { maximumAttempts: 3, initialInterval: '1s', maximumInterval: '5s' },
      stepTimeout: '2m',
      heartbeatTimeout: '20s',
    },
    components: {
      db: {
        kind: 'mysql',
        user: 'drill',
        password: lab.secret('mysql-drill'),
        killSessionsOf: ['app'],
        primary: { port: lab.ports.mariadb.primary },
        secondary: { port: lab.ports.mariadb.secondary },
      },
      pg: {
        kind: 'postgres',
        user: 'drill',
        password: lab.secret('pg-drill'),
        primary: {
          port: lab.ports.postgres.primary,
          stop: cmd('stop', 'postgres', 'primary'),
          start: cmd('start', 'postgres', 'primary'),
          rewind: cmd('rewind', 'postgres', 'primary'),
        },
        secondary: {
          port: lab.ports.postgres.secondary,
          stop: cmd('stop', 'postgres', 'secondary'),
          start: cmd('start', 'postgres', 'secondary'),
          rewind: cmd('rewind', 'postgres', 'secondary'),
        },
      },
      search: {
        kind: 'opensearch',
        topology: 'cluster-per-site',
        snapshot: {
          repository: 'drill-snapshots',
          register: { type: 'fs', settings: { location: 'drill-snapshots' } },
          maxAge: '1h',
        },
        restoreTimeout: '2m',
        primary: { url: `http://127.0.0.1:${lab.ports.opensearch.primary}` },
        secondary: { url: `http://127.0.0.1:${lab.ports.opensearch.secondary}` },
      },
    },
  });
}

describe('a full drill of the lab data tier', () => {
  let client: Client;
  let worker: RunningWorker;
  let lab: DataLab;
  const queue = uniqueQueue('data');

  beforeAll(async () => {
    lab = await startDataLab(14_000, ['mariadb', 'postgres', 'opensearch']);
    client = await testClient();
    worker = await startTestWorker(queue);
  });

  afterAll(async () => {
    await worker?.stop();
    await client?.connection.close();
    await lab?.destroy();
  });

  it('switches every data component over and back with canaries, never leaving two writers', async () => {
    const handle = await startDrill(client, queue, {
      target: 'data-lab',
      requestedBy: 'oncall',
      planYaml: labPlan(lab, 'data-lab'),
      reason: 'data tier test',
    });
    const statusDuringFailback: string[] = [];
    const watch = watchWriters(dataLabPairs(lab));
    const record = await driveDrill(client, handle.workflowId, {
      approvers: ['alice', 'bob'],
      operator: 'oncall',
      timeoutMs: 540_000,
      onGate: async (r) => {
        if (r.pending?.id === 'approve-failback')
          statusDuringFailback.push((await lab.lab('status', 'mariadb')) + (await lab.lab('status', 'postgres')));
      },
    });
    const watched = await watch.stop();
    // Sampled all through both switches: never two writers, and the watch did see each side write.
    expect(watched.bothWritable).toEqual([]);
    expect(watched.samples).toBeGreaterThan(50);
    expect(watched.sawWritable).toEqual({
      mariadb: { primary: true, secondary: true },
      postgres: { primary: true, secondary: true },
    });

    const failed = record.steps.filter((s) => s.status !== 'succeeded');
    expect(failed.map((s) => `${s.id}: ${s.status} ${s.error ?? ''}`)).toEqual([]);
    expect(record.status).toBe('succeeded');
    await recordHistoryIfAsked(client, handle.workflowId, 'full-lab-drill-data-tier');

    const summary = (id: string) => record.steps.find((s) => s.id === id)?.summary ?? `(no step ${id})`;
    expect(summary('failover.db.promote.secondary')).toMatch(
      /^promoting dc2 \(db\): dc1 (fenced read-only|was already read-only), lag 0s/,
    );
    expect(summary('failover.pg.promote.secondary')).toMatch(/^promoting dc2 \(pg\): dc1 down, lag 0 bytes/);
    expect(summary('failover.pg.reprotect.primary')).toMatch(/dc1 rejoined as a standby of dc2/);
    expect(summary('failover-check.db.verify.secondary')).toMatch(/canary found/);
    expect(summary('failover-check.pg.verify.secondary')).toMatch(/canary found/);
    expect(summary('failover.search.restore.secondary')).toMatch(/restored drill-.* counts as snapshotted\)$/);
    expect(summary('failover-check.search.verify.secondary')).toMatch(/canary found/);
    expect(summary('failback-check.db.verify.primary')).toMatch(/dc1 is the only writer/);
    expect(summary('preparation.search.preflight.primary')).toMatch(/(took a baseline snapshot|newest snapshot)/);
    expect(summary('failback-check.search.verify.primary')).toMatch(/canary found/);
    expect(record.rpo).toMatchObject({ met: true });

    // While waiting to fail back, dc2 wrote and dc1 replicated.
    expect(statusDuringFailback[0]).toMatch(/mariadb {4}secondary up .*writable/);
    expect(statusDuringFailback[0]).toMatch(/postgres {3}primary {3}up .*standby/);

    // The lab ends as it began.
    const status = (await lab.lab('status', 'mariadb')) + (await lab.lab('status', 'postgres'));
    expect(status).toMatch(/mariadb {4}primary {3}up .* writable /);
    expect(status).toMatch(/mariadb {4}secondary up .* read-only .*io=Yes sql=Yes/);
    expect(status).toMatch(/postgres {3}primary {3}up .* primary /);
    expect(status).toMatch(/postgres {3}secondary up .* standby {3}streaming/);
  });
});
