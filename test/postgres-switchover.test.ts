/**
 * The PostgreSQL activities against a real primary + streaming standby (scripts/lab): a planned
 * switchover (old primary stopped cleanly, or fenced online when the plan has no stop command),
 * re-protection of the old primary with pg_rewind through the plan's command, failback, and an
 * unplanned failover with the primary killed. The canary crosses every switch. Each test first
 * puts the pair in the state it starts from (which site is primary, the other streaming from
 * it), so each passes alone.
 */
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client } from 'pg';
import { createPostgresActivities } from '../kinds/postgres/activities';
import { postgresArgs, ROOT, startDataLab, stepInput, expectFailure, type DataLab } from './support/dataLab';
import { labOffsetFor } from './support/ports';
import { postgresPrimaryOn } from './support/labState';
import type { SiteRole } from '../domain';
import type { PostgresArgs, PostgresAction } from '../kinds/postgres/actions';

jest.setTimeout(240_000);

let lab: DataLab;
const acts = createPostgresActivities({ workdir: ROOT });

beforeAll(async () => {
  lab = await startDataLab(await labOffsetFor([5433, 5434]), ['postgres']);
});
afterAll(async () => {
  await lab?.destroy();
});

async function sql(site: SiteRole, statement: string, params: unknown[] = [], database = 'postgres') {
  const c = new Client({
    host: '127.0.0.1',
    port: lab.ports.postgres[site],
    user: 'drill',
    password: readFileSync(lab.secret('pg-drill').file as string, 'utf8').trim(),
    database,
  });
  await c.connect();
  try {
    return (await c.query(statement, params)).rows as Record<string, unknown>[];
  } finally {
    await c.end();
  }
}
const inRecovery = async (site: SiteRole) => (await sql(site, 'SELECT pg_is_in_recovery() AS r'))[0].r as boolean;

/** Args with this lab's rewind command for every site, as a plan would give them. */
const argsFor = (over: Partial<PostgresArgs>, rewindSite?: SiteRole): PostgresArgs =>
  postgresArgs(lab, {
    ...over,
    rewind: rewindSite
      ? { argv: lab.argv('rewind', 'postgres', rewindSite), shell: false, expectExit: [0], timeout: 120_000 }
      : undefined,
  });
const call = <A extends PostgresAction>(action: A, drillId: string, args: PostgresArgs, site?: SiteRole) =>
  acts[action](stepInput(drillId, action, args, site));

test('preflight accepts the lab pair: one primary, a streaming standby, both rewindable', async () => {
  await postgresPrimaryOn(lab, 'primary');
  const out = await call('postgresPreflight', 'p0', postgresArgs(lab));
  expect(out.summary).toMatch(/dc1 is primary, dc2 streams from it .*both can be rewound/);
});

test('a planned switchover is refused while the candidate does not stream from the primary', async () => {
  await postgresPrimaryOn(lab, 'primary');
  const [{ primary_conninfo: conninfo }] = await sql('secondary', 'SHOW primary_conninfo');
  await sql('secondary', "ALTER SYSTEM SET primary_conninfo = 'host=127.0.0.1 port=1 connect_timeout=1'");
  await sql('secondary', 'SELECT pg_reload_conf()');
  try {
    let refused: { message: string } | undefined;
    for (let i = 0; i < 40 && !refused; i++) {
      refused = await call('postgresGuard', 'p1', postgresArgs(lab)).then(
        () => undefined,
        (e: { type?: string; message: string }) => (e.type === 'ReplicationBroken' ? e : undefined),
      );
      if (!refused) await sleep(250); // the standby's receiver notices the bad conninfo only on its next attempt
    }
    expect(refused?.message).toMatch(/refusing a planned switchover of tip-pg to dc2: it does not stream from dc1/);
  } finally {
    await sql('secondary', `ALTER SYSTEM SET primary_conninfo = '${String(conninfo).replace(/'/g, "''")}'`);
    await sql('secondary', 'SELECT pg_reload_conf()');
  }
});

test('planned switchover with the old primary stopped cleanly, then re-protected with pg_rewind; idempotent', async () => {
  await postgresPrimaryOn(lab, 'primary');
  const args = argsFor({}, 'primary');
  const guard = await call('postgresGuard', 'p2', args);
  expect(guard.summary).toMatch(
    /planned switchover to dc2 may go ahead: streaming, lag \d+ bytes.*canary p2:failover written at/,
  );
  await lab.lab('stop', 'postgres', 'primary');
  const promote = await call('postgresPromote', 'p2', args, 'secondary');
  expect(promote.summary).toMatch(/^promoting dc2 \(tip-pg\): dc1 down, lag 0 bytes; now primary on timeline \d+/);
  expect(await inRecovery('secondary')).toBe(false);
  expect((await call('postgresPromote', 'p2', args, 'secondary')).summary).toMatch(
    /dc2 is already the primary; dc1 is unreachable/,
  );

  const reprotect = await call('postgresReprotect', 'p2', args, 'primary');
  expect(reprotect.summary).toMatch(
    /dc1 rejoined as a standby of dc2 \((no rewind was required|pg_rewind rewound it)\), streaming on timeline/,
  );
  expect(await inRecovery('primary')).toBe(true);
  expect((await call('postgresReprotect', 'p2', args, 'primary')).summary).toMatch(
    /already a standby streaming from dc2; nothing to do/,
  );

  const verify = await call('postgresVerify', 'p2', args, 'secondary');
  expect(verify.summary).toMatch(/dc2 is the only primary \(dc1 streams from it\); canary found/);
  expect(verify.facts.rpoEvidence).toMatchObject({ canaryFound: true });
});

test('failback without a stop command fences the old primary online, promotes, and re-protects it', async () => {
  await postgresPrimaryOn(lab, 'secondary');
  const args = argsFor({ from: 'secondary', to: 'primary', canary: 'failback' }, 'secondary');
  await call('postgresGuard', 'p4', args);
  const promote = await call('postgresPromote', 'p4', args, 'primary');
  expect(promote.summary).toMatch(/^promoting dc1 \(tip-pg\): dc2 fenced at [0-9A-F]+\/[0-9A-F]+, lag 0 bytes/);
  expect(promote.facts.rpoEvidence).toMatchObject({ dataLossMs: 0 });
  // The old primary still runs, but read-only: never two writable primaries.
  await expect(sql('secondary', 'CREATE TABLE should_fail (id int)')).rejects.toThrow(/read-only transaction/);
  const verify = await call('postgresVerify', 'p4', args, 'primary');
  expect(verify.facts.rpoEvidence).toMatchObject({ canaryFound: true });
  await call('postgresReprotect', 'p4', args, 'secondary');
  expect(await inRecovery('secondary')).toBe(true);
  expect((await sql('secondary', 'SHOW default_transaction_read_only'))[0].default_transaction_read_only).toBe('off');
  await call('postgresPreflight', 'p4', postgresArgs(lab));
});

test('an unplanned failover with the primary killed promotes the standby; the old primary is rewound back in', async () => {
  await postgresPrimaryOn(lab, 'primary');
  const args = argsFor({ planned: false, canary: 'outage' }, 'primary');
  await call('postgresGuard', 'p3', args);
  await sql('primary', 'CREATE TABLE IF NOT EXISTS lost_writes (id serial primary key, v text)');
  await lab.lab('kill', 'postgres', 'primary');
  await expectFailure(call('postgresHealth', 'p3', args, 'primary'), 'DatabaseUnreachable');
  const promote = await call('postgresPromote', 'p3', args, 'secondary');
  expect(promote.summary).toMatch(/^promoting dc2 \(tip-pg\): primary unreachable, lag 0 bytes/);
  const verify = await call('postgresVerify', 'p3', args, 'secondary');
  expect(verify.facts.rpoEvidence).toMatchObject({ canaryFound: true });
  const reprotect = await call('postgresReprotect', 'p3', args, 'primary');
  expect(reprotect.summary).toMatch(/dc1 rejoined as a standby of dc2/);
  // And back, planned, so the lab ends as it began.
  const back = argsFor({ from: 'secondary', to: 'primary', canary: 'outage-back' }, 'secondary');
  await call('postgresGuard', 'p3', back);
  await lab.lab('stop', 'postgres', 'secondary');
  await call('postgresPromote', 'p3', back, 'primary');
  await call('postgresReprotect', 'p3', back, 'secondary');
  expect((await call('postgresPreflight', 'p3', postgresArgs(lab))).summary).toMatch(
    /dc1 is primary, dc2 streams from it/,
  );
});
