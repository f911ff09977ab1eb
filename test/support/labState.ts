/**
 * Puts a data lab into the state a test starts from, whatever the test before it left (a switched
 * writer, a stopped node, a stopped replication thread, a drained node, old snapshots), so each test
 * of a file passes alone (`-t`) as well as after the others. Plain SQL and HTTP and the lab's own
 * commands, never the activities under test. Every wait is bounded.
 */
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import mysql from 'mysql2/promise';
import { Client as PgClient } from 'pg';
import type { DataLab } from './dataLab';
import { otherSite, type SiteRole } from '../../domain';

const SETTLE_MS = 60_000;

const password = (lab: DataLab, name: string): string => readFileSync(lab.secret(name).file as string, 'utf8').trim();

/** Asks `read` every 250 ms until `done`; fails naming `what` and the last value after `timeoutMs`. */
async function settle<T>(
  what: string,
  read: () => Promise<T>,
  done: (value: T) => boolean,
  timeoutMs = SETTLE_MS,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T | string = 'nothing read';
  while (Date.now() < deadline) {
    try {
      last = await read();
      if (done(last)) return last;
    } catch (error) {
      last = (error as Error).message;
    }
    await sleep(250);
  }
  throw new Error(`lab setup: ${what} within ${timeoutMs / 1000}s; last seen: ${JSON.stringify(last)}`);
}

// ---- MariaDB pair ------------------------------------------------------------------------------

async function mariadb(
  lab: DataLab,
  site: SiteRole,
  statement: string,
  user: 'drill' | 'app' = 'drill',
): Promise<Record<string, unknown>[]> {
  const c = await mysql.createConnection({
    host: '127.0.0.1',
    port: lab.ports.mariadb[site],
    user,
    password: password(lab, `mysql-${user}`),
    database: user === 'app' ? 'tip' : undefined,
    connectTimeout: 2000,
  });
  try {
    const [rows] = await c.query(statement);
    return rows as Record<string, unknown>[];
  } finally {
    await c.end().catch(() => undefined);
  }
}

/** The stand-in app's indicators as its site's database holds them (lab/tipStore.ts), read as the app's user. */
export async function indicatorsIn(lab: DataLab, site: SiteRole): Promise<{ value: string; site: string }[]> {
  return (await mariadb(lab, site, 'SELECT value, site FROM indicators ORDER BY id', 'app')) as {
    value: string;
    site: string;
  }[];
}

interface MariaState {
  readOnly: boolean;
  binlogPos: string;
  io?: string;
  sql?: string;
  delay?: number;
}

async function mariaState(lab: DataLab, site: SiteRole): Promise<MariaState> {
  const [g] = await mariadb(lab, site, 'SELECT @@global.read_only AS ro, @@gtid_binlog_pos AS pos');
  const [r] = await mariadb(lab, site, 'SHOW REPLICA STATUS');
  // Per-domain positions in a canonical order, so two nodes' lists compare as text.
  return {
    readOnly: Number(g.ro) === 1,
    binlogPos: String(g.pos ?? '')
      .split(',')
      .map((x) => x.trim())
      .sort()
      .join(','),
    io: r?.Slave_IO_Running as string,
    sql: r?.Slave_SQL_Running as string,
    delay: Number(r?.SQL_Delay ?? 0),
  };
}

/** Both nodes replicate, without delay, and have written and applied the same transactions. */
async function mariaInSync(lab: DataLab): Promise<void> {
  await settle(
    'the MariaDB pair did not get in sync (both threads running, same @@gtid_binlog_pos)',
    () => Promise.all([mariaState(lab, 'primary'), mariaState(lab, 'secondary')]),
    ([p, s]) => [p, s].every((n) => n.io === 'Yes' && n.sql === 'Yes' && n.delay === 0) && p.binlogPos === s.binlogPos,
  );
}

/**
 * Both MariaDB nodes up and replicating both ways without delay, `writer` the only writable one,
 * and the app's table `tip.t` on both.
 */
export async function mariadbWriterOn(lab: DataLab, writer: SiteRole): Promise<void> {
  await lab.lab('up', 'mariadb'); // starts a node a test stopped or killed (always read-only)
  await lab.lab('fence', 'mariadb', otherSite(writer));
  for (const site of [writer, otherSite(writer)]) {
    const [r] = await mariadb(lab, site, 'SHOW REPLICA STATUS');
    if (Number(r?.SQL_Delay ?? 0) !== 0) {
      await mariadb(lab, site, 'STOP REPLICA');
      await mariadb(lab, site, 'CHANGE MASTER TO MASTER_DELAY = 0');
    }
    // Starting running threads is a no-op (a note, not an error).
    await mariadb(lab, site, 'START REPLICA');
  }
  // The new writer takes writes only once it has everything the old one wrote.
  await mariaInSync(lab);
  await lab.lab('unfence', 'mariadb', writer);
  await mariadb(lab, writer, 'CREATE TABLE IF NOT EXISTS t (id INT AUTO_INCREMENT PRIMARY KEY, v VARCHAR(40))', 'app');
  await mariaInSync(lab);
  const [w, o] = await Promise.all([mariaState(lab, writer), mariaState(lab, otherSite(writer))]);
  if (w.readOnly || !o.readOnly)
    throw new Error(
      `lab setup: MariaDB writer should be ${writer} only; read_only is ${w.readOnly} there and ${o.readOnly} on the other`,
    );
}

// ---- PostgreSQL pair ---------------------------------------------------------------------------

async function postgres(lab: DataLab, site: SiteRole, statement: string): Promise<Record<string, unknown>[]> {
  const c = new PgClient({
    host: '127.0.0.1',
    port: lab.ports.postgres[site],
    user: 'drill',
    password: password(lab, 'pg-drill'),
    database: 'postgres',
    connectionTimeoutMillis: 2000,
  });
  await c.connect();
  try {
    return (await c.query(statement)).rows as Record<string, unknown>[];
  } finally {
    await c.end().catch(() => undefined);
  }
}

const inRecovery = async (lab: DataLab, site: SiteRole): Promise<boolean> =>
  (await postgres(lab, site, 'SELECT pg_is_in_recovery() AS r'))[0].r === true;

/**
 * Both PostgreSQL nodes up, `primary` the primary taking writes (no online fence left on it) and the
 * other a standby streaming from it.
 */
export async function postgresPrimaryOn(lab: DataLab, primary: SiteRole): Promise<void> {
  const standby = otherSite(primary);
  await lab.lab('up', 'postgres'); // starts a node a test stopped or killed
  if (await inRecovery(lab, primary)) {
    // The other site is primary now: stop it cleanly so nothing it wrote is lost, promote ours.
    if (!(await inRecovery(lab, standby))) await lab.lab('stop', 'postgres', standby);
    await lab.lab('promote', 'postgres', primary);
  }
  // Rejoins a stopped or second primary as a standby of ours; leaves a streaming standby alone.
  await lab.lab('rewind', 'postgres', standby);
  const [{ default_transaction_read_only: fenced }] = await postgres(
    lab,
    primary,
    'SHOW default_transaction_read_only',
  );
  if (fenced !== 'off') {
    await postgres(lab, primary, 'ALTER SYSTEM RESET default_transaction_read_only');
    await postgres(lab, primary, 'SELECT pg_reload_conf()');
  }
  await settle(
    `the PostgreSQL standby on ${standby} did not stream from ${primary} with ${primary} writable`,
    async () => ({
      receiver: (await postgres(lab, standby, 'SELECT status, sender_port FROM pg_stat_wal_receiver'))[0],
      readOnly: (await postgres(lab, primary, 'SHOW default_transaction_read_only'))[0].default_transaction_read_only,
    }),
    ({ receiver, readOnly }) =>
      receiver?.status === 'streaming' &&
      Number(receiver.sender_port) === lab.ports.postgres[primary] &&
      readOnly === 'off',
  );
}

// ---- OpenSearch cluster ------------------------------------------------------------------------

async function opensearch(
  lab: DataLab,
  method: string,
  urlPath: string,
  body?: unknown,
): Promise<{ status: number; json: Record<string, unknown> }> {
  const response = await fetch(`http://127.0.0.1:${lab.ports.opensearch.primary}${urlPath}`, {
    method,
    headers: body ? { 'content-type': 'application/json' } : undefined,
    body: body ? JSON.stringify(body) : undefined,
    signal: AbortSignal.timeout(30_000),
  });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

/**
 * Both OpenSearch nodes in the cluster, no node excluded from allocation, the cluster green, and no
 * snapshot in the lab's repository (a test that looks for a recent one must not find a leftover).
 */
export async function opensearchFresh(lab: DataLab): Promise<void> {
  await lab.lab('up', 'opensearch-cluster'); // starts a node a test stopped
  await opensearch(lab, 'PUT', '/_cluster/settings', {
    persistent: { 'cluster.routing.allocation.exclude._name': null },
  });
  const listed = await opensearch(lab, 'GET', '/_snapshot/drill-snapshots/_all');
  for (const snapshot of (listed.json.snapshots as { snapshot: string }[] | undefined) ?? []) {
    const deleted = await opensearch(
      lab,
      'DELETE',
      `/_snapshot/drill-snapshots/${encodeURIComponent(snapshot.snapshot)}`,
    );
    if (deleted.status !== 200)
      throw new Error(
        `lab setup: could not delete snapshot ${snapshot.snapshot}: HTTP ${deleted.status} ${JSON.stringify(deleted.json)}`,
      );
  }
  await settle(
    'the OpenSearch cluster did not turn green with both nodes',
    async () => (await opensearch(lab, 'GET', '/_cluster/health?wait_for_status=green&timeout=5s')).json,
    (h) => h.status === 'green' && h.number_of_nodes === 2,
  );
}
