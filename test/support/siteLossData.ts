/**
 * Helpers for site-loss tests on the lab's database pairs: plain SQL as the app or the drill account,
 * a writer that logs what the server acknowledged, and one writer watch over a MariaDB lab and a
 * PostgreSQL lab kept in separate lab dirs (each on ports of this run's range).
 */
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import mysql from 'mysql2/promise';
import { Client as PgClient } from 'pg';
import type { CommandDriver } from '../../domain/drivers';
import type { SiteRole } from '../../domain';
import { dataLabPairs, type DataLab } from './dataLab';
import { watchWriters, type WriterWatch } from '../../lab/siteLoss/writerWatch';

const pw = (lab: DataLab, name: string) => readFileSync(lab.secret(name).file as string, 'utf8').trim();

/** A plan's command driver for one of the lab's commands. */
export const labCommand = (argv: string[]): CommandDriver => ({
  argv,
  shell: false,
  expectExit: [0],
  timeout: 300_000,
});

export async function mariaSql(
  lab: DataLab,
  site: SiteRole,
  statement: string,
  user: 'drill' | 'app' = 'drill',
  params: unknown[] = [],
): Promise<Record<string, unknown>[]> {
  const c = await mysql.createConnection({
    host: '127.0.0.1',
    port: lab.ports.mariadb[site],
    user,
    password: pw(lab, `mysql-${user}`),
    database: user === 'app' ? 'tip' : undefined,
    connectTimeout: 2000,
  });
  c.on('error', () => undefined);
  try {
    const [rows] = await c.query(statement, params);
    return rows as Record<string, unknown>[];
  } finally {
    await c.end().catch(() => undefined);
  }
}

export async function pgSql(
  lab: DataLab,
  site: SiteRole,
  statement: string,
  params: unknown[] = [],
): Promise<Record<string, unknown>[]> {
  const c = new PgClient({
    host: '127.0.0.1',
    port: lab.ports.postgres[site],
    user: 'drill',
    password: pw(lab, 'pg-drill'),
    database: 'postgres',
    connectionTimeoutMillis: 2000,
  });
  c.on('error', () => undefined);
  await c.connect();
  try {
    return (await c.query(statement, params)).rows as Record<string, unknown>[];
  } finally {
    await c.end().catch(() => undefined);
  }
}

/** Inserts `w-N` every 50 ms until stopped; keeps the values the server acknowledged, in order. */
export function writer(insert: (value: string) => Promise<unknown>) {
  const acked: string[] = [];
  let running = true;
  const done = (async () => {
    // Bounded: a test stops it within minutes; 20 000 rounds of 50 ms is far longer.
    for (let i = 0; running && i < 20_000; i++) {
      const value = `w-${i}`;
      if (
        await insert(value).then(
          () => true,
          () => false,
        )
      )
        acked.push(value);
      await sleep(50); // the writer's pace: about 20 writes a second
    }
  })();
  return {
    acked,
    async stop() {
      running = false;
      await done;
    },
  };
}

/** Waits (bounded, 10 s) until `n` more writes were acknowledged than `from`; fails otherwise. */
export async function ackedMore(acked: string[], from: number, n: number): Promise<void> {
  for (let i = 0; i < 200 && acked.length < from + n; i++) await sleep(50);
  if (acked.length < from + n)
    throw new Error(`the writer got ${acked.length - from} of ${n} writes acknowledged in 10 s`);
}

/** Stops the standby's WAL receiver (primary_conninfo is reloadable since PostgreSQL 13): nothing more replicates. */
export async function pgStopReceiving(lab: DataLab, standby: SiteRole): Promise<void> {
  await pgSql(lab, standby, "ALTER SYSTEM SET primary_conninfo = ''");
  await pgSql(lab, standby, 'SELECT pg_reload_conf()');
  for (let i = 0; i < 100; i++) {
    if (!(await pgSql(lab, standby, 'SELECT 1 FROM pg_stat_wal_receiver')).length) return;
    await sleep(100); // the WAL receiver ends once it reread the configuration
  }
  throw new Error('the standby kept its WAL receiver 10 s after primary_conninfo was emptied');
}

/** One writer watch over both pairs, each from its own lab. */
export const watchBoth = (maria: DataLab, pg: DataLab): WriterWatch =>
  watchWriters([
    ...dataLabPairs(maria).filter((p) => p.kind === 'mariadb'),
    ...dataLabPairs(pg).filter((p) => p.kind === 'postgres'),
  ]);
