/**
 * A site loss on the lab's real database pairs, step by step through the activities a failover and
 * a reprotect drill run (a whole drill with approvals is test/data-drill.test.ts's business): a
 * writer inserts every 50 ms, replication into the standby side is stopped just before the primary
 * is SIGKILLed so some acknowledged writes never replicate, the secondary is promoted (failover
 * mode), the old primary is restarted with the lab's normal start (as after a power cut) and must
 * refuse writes, then reprotect lists the writes to reconcile (MariaDB) or rewinds (PostgreSQL),
 * the old side replicates caught up, and a planned failback carries a canary back. A watcher samples
 * both sides of each pair every 100 ms all along: never two writers.
 */
import { createMysqlActivities } from '../kinds/mysql/activities';
import { createPostgresActivities } from '../kinds/postgres/activities';
import type { SiteRole, WriteToReconcile } from '../domain';
import { FACT_NEWEST_REPLICATED_AT, FACT_RPO_BASIS, FACT_WRITES_TO_RECONCILE } from '../domain';
import type { MysqlAction, MysqlArgs } from '../kinds/mysql/actions';
import type { PostgresAction, PostgresArgs } from '../kinds/postgres/actions';
import { mysqlArgs, postgresArgs, startDataLab, stepInput, type DataLab, ROOT } from './support/dataLab';
import { mariadbWriterOn } from './support/labState';
import { labOffsetFor } from './support/ports';
import { type WriterWatch } from '../lab/siteLoss/writerWatch';
import { ackedMore, labCommand, mariaSql, pgSql, pgStopReceiving, watchBoth, writer } from './support/siteLossData';

jest.setTimeout(420_000);

let maria: DataLab;
let pg: DataLab;
let watch: WriterWatch | undefined;
const mysqlActs = createMysqlActivities({ workdir: ROOT });
const pgActs = createPostgresActivities({ workdir: ROOT });

beforeAll(async () => {
  // A band of its own when DRILLBOOK_TEST_PORTS is unset: jest runs two files at once, and two probes
  // of the shared band can pick the same free offset.
  maria = await startDataLab(await labOffsetFor([3316, 3326], { from: 31600, to: 31649 }), ['mariadb']);
  pg = await startDataLab(await labOffsetFor([5433, 5434], { from: 31650, to: 31699 }), ['postgres']);
  // One watcher over both pairs, each from its own lab.
  watch = watchBoth(maria, pg);
});
afterAll(async () => {
  await watch?.stop().catch(() => undefined);
  await maria?.destroy();
  await pg?.destroy();
});

const mSql = (site: SiteRole, statement: string, user: 'drill' | 'app' = 'drill', params: unknown[] = []) =>
  mariaSql(maria, site, statement, user, params);
const pSql = (site: SiteRole, statement: string, params: unknown[] = []) => pgSql(pg, site, statement, params);
const command = labCommand;

describe('MariaDB master-master: a site loss, a fenced return, writes to reconcile, reprotect, failback', () => {
  const call = <A extends MysqlAction>(action: A, args: MysqlArgs, site?: SiteRole) =>
    mysqlActs[action](stepInput('loss-m', action, args, site));

  it('never has two writers and lists what the lost writer never replicated', async () => {
    await mariadbWriterOn(maria, 'primary');
    await mSql('primary', 'CREATE TABLE IF NOT EXISTS ind (id INT AUTO_INCREMENT PRIMARY KEY, v VARCHAR(40))', 'app');
    const w = writer((v) => mSql('primary', 'INSERT INTO ind (v) VALUES (?)', 'app', [v]));
    await ackedMore(w.acked, 0, 10);
    // Replication into the secondary stops just before the loss: what follows never reaches it.
    await mSql('secondary', 'STOP REPLICA');
    const atStop = w.acked.length;
    await ackedMore(w.acked, atStop, 8);
    await maria.lab('kill', 'mariadb', 'primary');
    const unreplicated = w.acked.slice(atStop);
    await w.stop();

    const outage = mysqlArgs(maria, { planned: false, canary: 'outage' });
    const promote = await call('mysqlPromote', outage, 'secondary');
    expect(promote.summary).toMatch(/^promoting dc2 \(tip-db\): primary unreachable/);
    expect(promote.facts[FACT_NEWEST_REPLICATED_AT]).toEqual(expect.any(String));
    expect(promote.facts[FACT_RPO_BASIS]).toMatch(/newest transaction dc2 holds from server 1 is GTID 1-1-\d+/);
    expect(promote.facts.replicationFromOldStopped).toBe(true);
    await mSql('secondary', 'INSERT INTO ind (v) VALUES (?)', 'app', ['after-failover']);

    // The old primary comes back with its normal start, as after a power cut: it refuses the app's writes.
    await maria.lab('start', 'mariadb', 'primary');
    await expect(mSql('primary', 'INSERT INTO ind (v) VALUES (?)', 'app', ['two-writers?'])).rejects.toMatchObject({
      errno: 1290,
    });

    // Reprotect mode: await, fence, resync, then check.
    const back = mysqlArgs(maria, {
      planned: true,
      canary: 'reprotect',
      reseed: command(maria.argv('reseed', 'mariadb', 'primary')),
    });
    const awaited = await call('mysqlAwaitReturn', back, 'primary');
    expect(awaited.summary).toMatch(/dc1 answers again: read-only/);
    const fence = await call('mysqlFence', back, 'primary');
    expect(fence.facts.fencedBy).toMatch(/the server/);
    const reprotect = await call('mysqlReprotect', back, 'primary');
    const writes = reprotect.facts[FACT_WRITES_TO_RECONCILE] as WriteToReconcile[];
    // Every acknowledged write that never replicated is listed with its row; a write in flight at
    // the kill may have committed unacknowledged, so there may be more, never fewer.
    expect(writes.length).toBeGreaterThanOrEqual(unreplicated.length);
    const rows = writes.flatMap((x) => x.rows).join('\n');
    for (const v of unreplicated) expect(rows).toContain(`v='${v}'`);
    expect(writes[0]).toMatchObject({ position: expect.stringMatching(/^1-1-\d+$/), at: expect.any(String) });
    expect(rows).toMatch(/INSERT INTO `tip`.`ind` SET id=\d+, v='w-\d+'/);
    expect(reprotect.summary).toMatch(/dc1 had \d+ transaction\(s\) dc2 never received .* re-seeded from dc2/);
    // The lost writes are not on the serving side, and the old side now holds what the new one wrote.
    expect(await mSql('secondary', `SELECT v FROM tip.ind WHERE v = '${unreplicated[0]}'`)).toEqual([]);
    expect(await mSql('primary', "SELECT v FROM tip.ind WHERE v = 'after-failover'")).toHaveLength(1);
    // A retry finds its work done.
    const again = await call('mysqlReprotect', back, 'primary');
    expect(again.summary).toMatch(/dc1 held nothing dc2 lacks/);
    const check = await call('mysqlReprotected', back, 'primary');
    expect(check.summary).toMatch(/dc1 replicates from dc2 .* read-only, caught up/);

    // Failback is a planned switch with all its guards; the canary proves the way back.
    const failback = mysqlArgs(maria, { from: 'secondary', to: 'primary', canary: 'failback' });
    expect((await call('mysqlGuard', failback)).summary).toMatch(/may go ahead/);
    await call('mysqlPromote', failback, 'primary');
    const verify = await call('mysqlVerify', failback, 'primary');
    expect(verify.summary).toMatch(/dc1 is the only writer/);
    expect(verify.facts.rpoEvidence).toMatchObject({ canaryFound: true });
    // Replication runs both ways again.
    const [r] = await mSql('secondary', 'SHOW REPLICA STATUS');
    expect([r.Slave_IO_Running, r.Slave_SQL_Running]).toEqual(['Yes', 'Yes']);
  });
});

describe('PostgreSQL: a site loss, a fenced return, pg_rewind, failback', () => {
  const call = <A extends PostgresAction>(action: A, args: PostgresArgs, site?: SiteRole) =>
    pgActs[action](stepInput('loss-p', action, args, site));

  it('never has two primaries; the returned primary starts fenced and is rewound', async () => {
    await pSql('primary', 'CREATE TABLE IF NOT EXISTS ind (id serial PRIMARY KEY, v text)');
    const w = writer((v) => pSql('primary', 'INSERT INTO ind (v) VALUES ($1)', [v]));
    await ackedMore(w.acked, 0, 10);
    // The standby stops receiving just before the loss (primary_conninfo is reloadable since 13).
    await pgStopReceiving(pg, 'secondary');
    const atStop = w.acked.length;
    await ackedMore(w.acked, atStop, 8);
    await pg.lab('kill', 'postgres', 'primary');
    const unreplicated = w.acked.slice(atStop);
    await w.stop();

    const outage = postgresArgs(pg, { planned: false, canary: 'outage' });
    const promote = await call('postgresPromote', outage, 'secondary');
    expect(promote.summary).toMatch(/^promoting dc2 \(tip-pg\): primary unreachable/);
    expect(promote.facts[FACT_NEWEST_REPLICATED_AT]).toEqual(expect.stringMatching(/^\d{4}-\d\d-\d\dT/));
    expect(promote.facts[FACT_RPO_BASIS]).toMatch(/pg_last_xact_replay_timestamp/);
    await pSql('secondary', 'ALTER SYSTEM RESET primary_conninfo');
    await pSql('secondary', 'SELECT pg_reload_conf()');
    expect(await pSql('secondary', `SELECT v FROM ind WHERE v = '${unreplicated[0]}'`)).toEqual([]);

    // The lab's normal start of the old primary: its witness sees dc2 serving, so it starts as a standby.
    const started = await pg.lab('start', 'postgres', 'primary');
    expect(started).toMatch(/started FENCED as a standby/);
    await expect(pSql('primary', "INSERT INTO ind (v) VALUES ('two-writers?')")).rejects.toMatchObject({
      code: '25006',
    });

    const back = postgresArgs(pg, { canary: 'reprotect', rewind: command(pg.argv('rewind', 'postgres', 'primary')) });
    expect((await call('postgresAwaitReturn', back, 'primary')).summary).toMatch(/dc1 answers again as a standby/);
    const fence = await call('postgresFence', back, 'primary');
    expect(fence.summary).toMatch(/refuses writes: fenced by its own start: a standby/);
    const rewound = await call('postgresReprotect', back, 'primary');
    expect(rewound.summary).toMatch(/dc1 rejoined as a standby of dc2 \(pg_rewind rewound it\)/);
    const check = await call('postgresReprotected', back, 'primary');
    expect(check.summary).toMatch(/dc1 streams from dc2 on timeline 2/);
    // pg_rewind dropped the writes dc2 never had (PostgreSQL keeps no list of them: the rewind log does).
    expect(await pSql('primary', `SELECT v FROM ind WHERE v = '${unreplicated[0]}'`)).toEqual([]);

    // Failback: a planned switch; the old secondary rejoins as a standby; the canary proves the way back.
    const failback = postgresArgs(pg, {
      from: 'secondary',
      to: 'primary',
      canary: 'failback',
      rewind: command(pg.argv('rewind', 'postgres', 'secondary')),
    });
    expect((await call('postgresGuard', failback)).summary).toMatch(/may go ahead/);
    await call('postgresPromote', failback, 'primary');
    await call('postgresReprotect', failback, 'secondary');
    const verify = await call('postgresVerify', failback, 'primary');
    expect(verify.summary).toMatch(/dc1 is the only primary \(dc2 streams from it\)/);
    expect(verify.facts.rpoEvidence).toMatchObject({ canaryFound: true });
  });
});

describe('the writer watch', () => {
  test('the watcher, sampling both pairs every 100 ms through both losses, returns, reprotects and failbacks, never saw two writers', async () => {
    const watched = await watch?.stop();
    watch = undefined;
    expect(watched?.samples).toBeGreaterThan(50);
    expect(watched?.bothWritable).toEqual([]);
    expect(watched?.sawWritable).toEqual({
      mariadb: { primary: true, secondary: true },
      postgres: { primary: true, secondary: true },
    });
  });
});
