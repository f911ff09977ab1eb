/**
 * A site loss of the lab's database pairs drilled end to end on a real Temporal server, with
 * approvals: writers on both pairs, replication stopped just before both primaries are SIGKILLed,
 * a `failover` drill, a `reprotect` drill started while the old site is still dead (its await-return
 * waits; the old primaries then come back with the lab's normal start, fenced), then a planned
 * `failback` drill whose canaries prove the way back. A watcher samples both pairs every 100 ms
 * through all of it: never two writers.
 */
import type { Client } from '@temporalio/client';
import { setTimeout as sleep } from 'node:timers/promises';
import { stringify } from 'yaml';
import { startDrill } from '../src/drills';
import type { DrillMode, DrillRecord, SiteLoss, WriteToReconcile } from '../domain';
import { FACT_NEWEST_REPLICATED_AT, FACT_WRITES_TO_RECONCILE } from '../domain';
import { driveDrill } from './support/operators';
import { recordHistoryIfAsked } from './support/histories';
import { startDataLab, type DataLab } from './support/dataLab';
import { mariadbWriterOn } from './support/labState';
import { labOffsetFor } from './support/ports';
import { ackedMore, mariaSql, pgSql, pgStopReceiving, watchBoth, writer } from './support/siteLossData';
import { startTestWorker, testClient, uniqueQueue, type RunningWorker } from './support/temporal';
import type { WriterWatch } from '../lab/siteLoss/writerWatch';

jest.setTimeout(900_000);

function plan(maria: DataLab, pg: DataLab, target: string): string {
  const m = (...args: string[]) => ({ command: maria.argv(...args) });
  const p = (...args: string[]) => ({ command: pg.argv(...args) });
  return stringify({
    target,
    platform: 'generic',
    description: 'the lab data tier: MariaDB pair and PostgreSQL primary/standby, through a site loss',
    sites: { primary: { name: 'dc1' }, secondary: { name: 'dc2' } },
    approvals: { approvers: ['alice', 'bob'], operators: ['oncall'], quorum: 1 },
    objectives: { rto: '15m', rpo: '1m' },
    defaults: {
      retry: { maximumAttempts: 3, initialInterval: '1s', maximumInterval: '5s' },
      stepTimeout: '3m',
      heartbeatTimeout: '20s',
    },
    components: {
      db: {
        kind: 'mysql',
        user: 'drill',
        password: maria.secret('mysql-drill'),
        killSessionsOf: ['app'],
        primary: { port: maria.ports.mariadb.primary, reseed: m('reseed', 'mariadb', 'primary') },
        secondary: { port: maria.ports.mariadb.secondary, reseed: m('reseed', 'mariadb', 'secondary') },
      },
      pg: {
        kind: 'postgres',
        user: 'drill',
        password: pg.secret('pg-drill'),
        primary: {
          port: pg.ports.postgres.primary,
          stop: p('stop', 'postgres', 'primary'),
          start: p('start', 'postgres', 'primary'),
          rewind: p('rewind', 'postgres', 'primary'),
        },
        secondary: {
          port: pg.ports.postgres.secondary,
          stop: p('stop', 'postgres', 'secondary'),
          start: p('start', 'postgres', 'secondary'),
          rewind: p('rewind', 'postgres', 'secondary'),
        },
      },
    },
  });
}

describe('a site loss of the lab data tier, drilled: failover, reprotect, failback', () => {
  let client: Client;
  let worker: RunningWorker;
  let maria: DataLab;
  let pg: DataLab;
  let watch: WriterWatch | undefined;
  const queue = uniqueQueue('siteloss');

  beforeAll(async () => {
    // A band of its own when DRILLBOOK_TEST_PORTS is unset: jest runs two files at once, and two probes
    // of the shared band can pick the same free offset.
    maria = await startDataLab(await labOffsetFor([3316, 3326], { from: 31500, to: 31549 }), ['mariadb']);
    pg = await startDataLab(await labOffsetFor([5433, 5434], { from: 31550, to: 31599 }), ['postgres']);
    client = await testClient();
    worker = await startTestWorker(queue);
  });
  afterAll(async () => {
    await watch?.stop().catch(() => undefined);
    await worker?.stop();
    await client?.connection.close();
    await maria?.destroy();
    await pg?.destroy();
  });

  const drill = async (mode: DrillMode, siteLoss?: SiteLoss): Promise<DrillRecord> => {
    // A target per mode: a failover drill's workflow stays open after it succeeded (its way back).
    const target = `site-loss-${mode}`;
    const handle = await startDrill(client, queue, {
      target,
      mode,
      requestedBy: 'oncall',
      planYaml: plan(maria, pg, target),
      reason: `site-loss test: ${mode}`,
      ...(siteLoss ? { siteLoss } : {}),
    });
    const record = await driveDrill(client, handle.workflowId, {
      approvers: ['alice', 'bob'],
      operator: 'oncall',
      timeoutMs: 400_000,
    });
    // A reprotect drill closes at its end (no way back to offer): its history joins the replay corpus.
    if (mode === 'reprotect') await recordHistoryIfAsked(client, handle.workflowId, 'site-loss-reprotect');
    return record;
  };
  const failedSteps = (r: DrillRecord) =>
    r.steps
      .filter((s) => !['succeeded', 'best-effort-failed'].includes(s.status))
      .map((s) => `${s.id}: ${s.status} ${s.error ?? ''}`);
  const step = (r: DrillRecord, id: string) => {
    const found = r.steps.find((s) => s.id === id);
    if (!found) throw new Error(`no step ${id} in ${r.steps.map((s) => s.id).join(', ')}`);
    return found;
  };

  it('loses dc1 under writes, fails over, fences dc1 on return, reprotects it and fails back', async () => {
    await mariadbWriterOn(maria, 'primary');
    await mariaSql(
      maria,
      'primary',
      'CREATE TABLE IF NOT EXISTS ind (id INT AUTO_INCREMENT PRIMARY KEY, v VARCHAR(40))',
      'app',
    );
    await pgSql(pg, 'primary', 'CREATE TABLE IF NOT EXISTS ind (id serial PRIMARY KEY, v text)');
    watch = watchBoth(maria, pg);
    const wm = writer((v) => mariaSql(maria, 'primary', 'INSERT INTO ind (v) VALUES (?)', 'app', [v]));
    const wp = writer((v) => pgSql(pg, 'primary', 'INSERT INTO ind (v) VALUES ($1)', [v]));
    await Promise.all([ackedMore(wm.acked, 0, 10), ackedMore(wp.acked, 0, 10)]);
    // Replication stops just before the loss: what the writers get acknowledged next never replicates.
    await mariaSql(maria, 'secondary', 'STOP REPLICA');
    await pgStopReceiving(pg, 'secondary');
    const [m0, p0] = [wm.acked.length, wp.acked.length];
    await Promise.all([ackedMore(wm.acked, m0, 5), ackedMore(wp.acked, p0, 5)]);
    await Promise.all([maria.lab('kill', 'mariadb', 'primary'), pg.lab('kill', 'postgres', 'primary')]);
    const lossAt = Date.now();
    const lostMaria = wm.acked.slice(m0);
    await Promise.all([wm.stop(), wp.stop()]);
    // The standby was cut off on purpose; the new primary needs no primary_conninfo of its own.
    await pgSql(pg, 'secondary', 'ALTER SYSTEM RESET primary_conninfo');

    const failover = await drill('failover', { at: lossAt, how: 'declared', by: 'oncall' });
    expect(failedSteps(failover)).toEqual([]);
    // The drill's own figures in an outage: RTO from the declared loss, RPO from what the new side holds.
    expect(failover.siteLoss).toMatchObject({ at: lossAt, how: 'declared' });
    expect(failover.rto?.from).toBe(new Date(lossAt).toISOString());
    expect(failover.rpo?.measuredMs).toEqual(expect.any(Number));
    expect(failover.rpo?.evidence).toMatch(/holds the lost primary's writes of/);
    // The only step that needed the dead site was best effort, and it did fail: dc1 was gone.
    expect(step(failover, 'failover.db.fence.primary').status).toBe('best-effort-failed');
    expect(failover.status).toBe('succeeded');
    expect(step(failover, 'failover.db.promote.secondary').facts?.[FACT_NEWEST_REPLICATED_AT]).toEqual(
      expect.any(String),
    );
    expect(step(failover, 'failover.pg.promote.secondary').facts?.[FACT_NEWEST_REPLICATED_AT]).toEqual(
      expect.any(String),
    );
    expect(failover.steps.map((s) => s.id)).not.toContain('failover.pg.reprotect.primary');

    // Reprotect starts while dc1 is still dead: its await-return waits until dc1 comes back.
    const reprotecting = drill('reprotect');
    await sleep(5000); // dc1 stays dead a while after the reprotect drill started, as in an outage
    await Promise.all([maria.lab('start', 'mariadb', 'primary'), pg.lab('start', 'postgres', 'primary')]);
    const reprotect = await reprotecting;
    expect(failedSteps(reprotect)).toEqual([]);
    expect(reprotect.status).toBe('succeeded');
    expect(step(reprotect, 'reprotect.db.fence.primary').facts?.fencedBy).toMatch(/the server/);
    expect(step(reprotect, 'reprotect.pg.fence.primary').summary).toMatch(/fenced by its own start: a standby/);
    const writes = step(reprotect, 'reprotect.db.reprotect.primary').facts?.[
      FACT_WRITES_TO_RECONCILE
    ] as WriteToReconcile[];
    const rows = writes.flatMap((w) => w.rows).join('\n');
    for (const v of lostMaria) expect(rows).toContain(`v='${v}'`);
    expect(step(reprotect, 'reprotect.pg.reprotect.primary').summary).toMatch(/dc1 rejoined as a standby of dc2/);
    expect(step(reprotect, 'reprotect-check.db.reprotected.primary').summary).toMatch(/caught up/);
    expect(step(reprotect, 'reprotect-check.pg.reprotected.primary').summary).toMatch(/streams from dc2/);

    const failback = await drill('failback');
    expect(failedSteps(failback)).toEqual([]);
    expect(failback.status).toBe('succeeded');
    expect(step(failback, 'failback-check.db.verify.primary').summary).toMatch(/dc1 is the only writer.*canary found/);
    expect(step(failback, 'failback-check.pg.verify.primary').summary).toMatch(/dc1 is the only primary.*canary found/);

    const watched = await watch.stop();
    watch = undefined;
    expect(watched.bothWritable).toEqual([]);
    expect(watched.sawWritable).toEqual({
      mariadb: { primary: true, secondary: true },
      postgres: { primary: true, secondary: true },
    });
  });
});
