/**
 * The MySQL/MariaDB activities against a real MariaDB master-master pair (scripts/lab): a planned
 * switchover never has two writers and carries the canary across, a guard refuses broken
 * replication, a candidate that cannot catch up rolls the fence back, and an unplanned failover
 * with the primary killed records the lag it had. Each test first puts the pair in the state it
 * starts from (which site writes, replication running, the app's table), so each passes alone.
 */
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import mysql from 'mysql2/promise';
import { createMysqlActivities } from '../kinds/mysql/activities';
import { mariaWaitList } from '../kinds/mysql/activities/gtid';
import type { Observation } from '../kinds/kit/activities/types';
import { mysqlArgs, startDataLab, stepInput, expectFailure, type DataLab } from './support/dataLab';
import { labOffsetFor } from './support/ports';
import { mariadbWriterOn } from './support/labState';
import type { SiteRole } from '../domain';
import type { MysqlArgs, MysqlAction } from '../kinds/mysql/actions';

jest.setTimeout(240_000);

let lab: DataLab;
const acts = createMysqlActivities();

beforeAll(async () => {
  lab = await startDataLab(await labOffsetFor([3316, 3326]), ['mariadb']);
});
afterAll(async () => {
  await lab?.destroy();
});

async function conn(site: SiteRole, user: 'drill' | 'app' = 'drill') {
  return mysql.createConnection({
    host: '127.0.0.1',
    port: lab.ports.mariadb[site],
    user,
    password: readFileSync(lab.secret(`mysql-${user}`).file as string, 'utf8').trim(),
    database: user === 'app' ? 'tip' : undefined,
  });
}
async function sql(site: SiteRole, statement: string, user: 'drill' | 'app' = 'drill') {
  const c = await conn(site, user);
  try {
    const [rows] = await c.query(statement);
    return rows as Record<string, unknown>[];
  } finally {
    await c.end();
  }
}
const readOnly = async (site: SiteRole) => Number((await sql(site, 'SELECT @@global.read_only AS r'))[0].r) === 1;

const call = <A extends MysqlAction>(action: A, drillId: string, args: MysqlArgs, site?: SiteRole) =>
  acts[action](stepInput(drillId, action, args, site));

test('preflight accepts the lab pair: distinct server ids, non-colliding auto-increment, replication both ways, one writer', async () => {
  await mariadbWriterOn(lab, 'primary');
  const out = await call('mysqlPreflight', 'd0', mysqlArgs(lab));
  expect(out.summary).toMatch(/dc1 writes, both directions replicate/);
  expect(out.summary).toMatch(/offsets 1\/2 step 2/);
  expect((out.facts.problems as string[]).length).toBe(0);
});

test('a planned switchover is refused while replication into the candidate is broken', async () => {
  await mariadbWriterOn(lab, 'primary');
  await sql('secondary', 'STOP REPLICA SQL_THREAD');
  try {
    const { message, facts } = await expectFailure(call('mysqlGuard', 'd1', mysqlArgs(lab)), 'ReplicationBroken');
    expect(message).toMatch(
      /refusing a planned switchover of tip-db to dc2: replication from dc1 is broken \(SQL thread No\)/,
    );
    expect(message).toMatch(/skip this guard with a reason/);
    expect(facts.lagSeconds).toBeNull();
  } finally {
    await sql('secondary', 'START REPLICA SQL_THREAD');
  }
});

test('a candidate that cannot catch up is not promoted and the fence is rolled back', async () => {
  await mariadbWriterOn(lab, 'primary');
  await sql('secondary', 'STOP REPLICA SQL_THREAD');
  try {
    await sql('primary', "INSERT INTO t (v) VALUES ('written while the replica was stopped')", 'app');
    const { message, facts } = await expectFailure(
      call('mysqlPromote', 'd2', mysqlArgs(lab, { catchUpTimeoutMs: 2000 }), 'secondary'),
      'CatchUpTimeout',
    );
    expect(message).toMatch(/dc2 did not apply everything dc1 wrote within 2s \(MASTER_GTID_WAIT/);
    expect(message).toMatch(/dc1 was made writable again/);
    expect((facts.catchUp as { reached: boolean }).reached).toBe(false);
    expect(await readOnly('primary')).toBe(false);
    expect(await readOnly('secondary')).toBe(true);
  } finally {
    await sql('secondary', 'START REPLICA SQL_THREAD');
  }
});

test('a planned switchover fences the old writer, waits, promotes, and carries the canary: never two writers', async () => {
  await mariadbWriterOn(lab, 'primary');
  const args = mysqlArgs(lab);
  const appSession = await conn('primary', 'app');
  const guard = await call('mysqlGuard', 'd3', args);
  expect(guard.summary).toMatch(
    /planned switchover to dc2 may go ahead: replication healthy, lag \d+s; canary d3:failover written on dc1/,
  );

  const fence = await call('mysqlFence', 'd3', args, 'primary');
  expect(fence.summary).toMatch(/tip-db on dc1: now read-only at /);
  expect(fence.summary).toMatch(/killed 1 app session/);
  // root@localhost and the drill account hold READ_ONLY ADMIN: the fence reports who could still write.
  expect((fence.facts.fence as { privilegesVisible: boolean }).privilegesVisible).toBe(true);
  expect(await readOnly('primary')).toBe(true);
  expect(await readOnly('secondary')).toBe(true);
  await expect(appSession.query('SELECT 1')).rejects.toThrow();
  await appSession.end().catch(() => undefined);
  await expect(sql('primary', "INSERT INTO t (v) VALUES ('after the fence')", 'app')).rejects.toThrow(/read-only/);

  const promote = await call('mysqlPromote', 'd3', args, 'secondary');
  expect(promote.summary).toMatch(/^promoting dc2 \(tip-db\): dc1 was already read-only, lag 0s, caught up in/);
  expect(promote.facts.rpoEvidence).toMatchObject({ dataLossMs: 0 });
  expect(await readOnly('secondary')).toBe(false);
  expect(await readOnly('primary')).toBe(true);

  // Idempotent: a second run finds the work done.
  const again = await call('mysqlPromote', 'd3', args, 'secondary');
  expect(again.summary).toMatch(/dc2 is already the writer; dc1 is read-only/);

  const verify = await call('mysqlVerify', 'd3', args, 'secondary');
  expect(verify.summary).toMatch(/dc2 is the only writer \(dc1 read-only\); canary found, lag at cutover 0s/);
  expect(verify.facts.rpoEvidence).toMatchObject({ canaryFound: true, dataLossMs: 0 });

  // Writes on the new writer reach the old one.
  await sql('secondary', "INSERT INTO t (v) VALUES ('on dc2')", 'app');
  // Replication is asynchronous: wait until dc1 has applied all dc2 wrote (MASTER_GTID_WAIT, as the
  // catch-up does; 0 once reached, -1 after 30 s), then look once.
  const written = String((await sql('secondary', 'SELECT @@global.gtid_binlog_pos AS p'))[0].p);
  const dc1 = Number((await sql('primary', 'SELECT @@global.server_id AS id'))[0].id);
  expect(
    Number((await sql('primary', `SELECT MASTER_GTID_WAIT('${mariaWaitList(written, dc1)}', 30) AS r`))[0].r),
  ).toBe(0);
  expect((await sql('primary', "SELECT COUNT(*) AS n FROM t WHERE v = 'on dc2'", 'app'))[0].n).toBe(1);
});

test('failback is the same planned switchover the other way', async () => {
  await mariadbWriterOn(lab, 'secondary');
  const args = mysqlArgs(lab, { from: 'secondary', to: 'primary', canary: 'failback' });
  await call('mysqlGuard', 'd3', args);
  await call('mysqlFence', 'd3', args, 'secondary');
  const promote = await call('mysqlPromote', 'd3', args, 'primary');
  expect(promote.summary).toMatch(/^promoting dc1/);
  const verify = await call('mysqlVerify', 'd3', args, 'primary');
  expect(verify.facts.rpoEvidence).toMatchObject({ canaryFound: true });
  expect(await readOnly('primary')).toBe(false);
  expect(await readOnly('secondary')).toBe(true);
});

test('an unplanned failover with the primary killed promotes the replica and records its lag', async () => {
  await mariadbWriterOn(lab, 'primary');
  const args = mysqlArgs(lab, { planned: false, canary: 'outage' });
  await call('mysqlGuard', 'd4', args); // canary written while the primary still lives
  await lab.lab('kill', 'mariadb', 'primary');
  try {
    const health = await expectFailure(call('mysqlHealth', 'd4', args, 'primary'), 'DatabaseUnreachable');
    expect(health.message).toMatch(/tip-db on dc1 \(127\.0\.0\.1:\d+\) is not reachable/);
    const promote = await call('mysqlPromote', 'd4', args, 'secondary');
    expect(promote.summary).toMatch(/^promoting dc2 \(tip-db\): primary unreachable, lag 0s/);
    expect(promote.facts.lagSecondsAtCutover).toBe(0);
    const verify = await call('mysqlVerify', 'd4', args, 'secondary');
    expect(verify.summary).toMatch(/dc2 is the only writer \(dc1 unreachable/);
    expect(verify.facts.rpoEvidence).toMatchObject({ canaryFound: true });
  } finally {
    // The old primary returns read-only (the lab never starts a second writer) and catches up.
    await lab.lab('start', 'mariadb', 'primary');
  }
  expect(await readOnly('primary')).toBe(true);
  const back = mysqlArgs(lab, { from: 'secondary', to: 'primary', canary: 'outage-back' });
  const deadline = Date.now() + 30_000;
  let guard: Observation | undefined;
  while (!guard && Date.now() < deadline) {
    guard = await call('mysqlGuard', 'd4', back).catch(() => undefined);
    if (!guard) await sleep(1000); // the restarted node is still catching up: ask again
  }
  expect(guard?.summary).toMatch(/may go ahead/);
  await call('mysqlPromote', 'd4', back, 'primary');
  expect(await readOnly('primary')).toBe(false);
  expect(await readOnly('secondary')).toBe(true);
});
