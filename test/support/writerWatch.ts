/**
 * Watches both sides of the lab's database pairs while a drill runs, sampling every ~100 ms, and
 * keeps every moment at which both sides of a pair would take writes: a split brain.
 */
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import mysql from 'mysql2/promise';
import { Client as PgClient } from 'pg';
import type { DataLab } from './dataLab';
import type { SiteRole } from '../../domain';

const SITES: SiteRole[] = ['primary', 'secondary'];

export interface WriterWatch {
  /** Stops sampling; returns what it saw. */
  stop(): Promise<{ samples: number; bothWritable: string[]; sawWritable: Record<'mariadb' | 'postgres', Record<SiteRole, boolean>> }>;
}

export function watchWriters(lab: DataLab): WriterWatch {
  const password = (name: string) => readFileSync(lab.secret(name).file as string, 'utf8').trim();
  const mariadbWritable = async (site: SiteRole): Promise<boolean> => {
    const c = await mysql.createConnection({ host: '127.0.0.1', port: lab.ports.mariadb[site], user: 'drill', password: password('mysql-drill'), connectTimeout: 1000 }).catch(() => undefined);
    if (!c) return false;
    try {
      const [rows] = await c.query('SELECT @@global.read_only AS ro');
      return Number((rows as { ro: number }[])[0].ro) === 0;
    } catch {
      return false;
    } finally {
      await c.end().catch(() => undefined);
    }
  };
  const postgresWritable = async (site: SiteRole): Promise<boolean> => {
    const c = new PgClient({ host: '127.0.0.1', port: lab.ports.postgres[site], user: 'drill', password: password('pg-drill'), database: 'postgres', connectionTimeoutMillis: 1000 });
    try {
      await c.connect();
      const { rows } = await c.query("SELECT pg_is_in_recovery() AS standby, current_setting('default_transaction_read_only') AS ro");
      return rows[0].standby === false && rows[0].ro === 'off';
    } catch {
      return false;
    } finally {
      await c.end().catch(() => undefined);
    }
  };

  const bothWritable: string[] = [];
  const sawWritable = { mariadb: { primary: false, secondary: false }, postgres: { primary: false, secondary: false } };
  let samples = 0;
  let running = true;
  const loop = (async () => {
    // Bounded: the drill test's own timeout is far shorter than this many samples.
    for (let i = 0; running && i < 20_000; i++) {
      const [m1, m2, p1, p2] = await Promise.all([...SITES.map(mariadbWritable), ...SITES.map(postgresWritable)]);
      samples += 1;
      const at = new Date().toISOString();
      if (m1 && m2) bothWritable.push(`${at} mariadb`);
      if (p1 && p2) bothWritable.push(`${at} postgres`);
      sawWritable.mariadb.primary ||= m1;
      sawWritable.mariadb.secondary ||= m2;
      sawWritable.postgres.primary ||= p1;
      sawWritable.postgres.secondary ||= p2;
      await sleep(100);
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return { samples, bothWritable, sawWritable };
    },
  };
}
