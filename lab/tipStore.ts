/**
 * Where the stand-in TIP app keeps indicators and job runs: its site's MariaDB in the lab, or
 * memory when it runs without a database (the example lab).
 */
import { readFileSync } from 'node:fs';
import mysql from 'mysql2/promise';

export interface Indicator {
  id: number;
  value: string;
  type: string;
  site: string;
  createdAt: string;
  /** A drill's test indicator carries its label (MISP comment, OpenCTI name, ThreatConnect description). */
  label?: string;
}

export interface JobRun {
  server: string;
  ranAt: string;
  /** The run failed (ThreatConnect's job executions then carry failedTime, not completedTime). */
  failed?: boolean;
}

export interface TipStore {
  /** Reachable, and whether this site's database takes writes (read_only off). */
  state(): Promise<{ reachable: boolean; writable: boolean; error?: string }>;
  indicators(): Promise<Indicator[]>;
  /** Adds an indicator; returns its id. */
  addIndicator(value: string, type: string, site: string, label?: string): Promise<number>;
  /** Deletes one (a drill's test indicator); false when there was none. */
  removeIndicator(id: number): Promise<boolean>;
  recordJobRun(server: string): Promise<void>;
  /** The servers of the last `count` job runs, newest first. */
  recentJobServers(count: number): Promise<string[]>;
  /** The last `count` job runs with their server and time, newest first (job executions of an API personality). */
  recentJobRuns(count: number): Promise<JobRun[]>;
  close(): Promise<void>;
}

export function memoryStore(): TipStore {
  const indicators: Indicator[] = [];
  const runs: JobRun[] = [];
  return {
    state: async () => ({ reachable: true, writable: true }),
    indicators: async () => indicators,
    async addIndicator(value, type, site, label) {
      const id = (indicators.at(-1)?.id ?? 0) + 1;
      indicators.push({
        id,
        value,
        type,
        site,
        createdAt: new Date().toISOString(),
        ...(label === undefined ? {} : { label }),
      });
      return id;
    },
    async removeIndicator(id) {
      const index = indicators.findIndex((i) => i.id === id);
      if (index >= 0) indicators.splice(index, 1);
      return index >= 0;
    },
    async recordJobRun(server) {
      runs.unshift({ server, ranAt: new Date().toISOString() });
      runs.length = Math.min(runs.length, 100);
    },
    recentJobServers: async (count) => runs.slice(0, count).map((r) => r.server),
    recentJobRuns: async (count) => runs.slice(0, count),
    close: async () => undefined,
  };
}

export interface MysqlStoreOptions {
  host: string;
  port: number;
  user: string;
  passwordFile: string;
  database: string;
}

const SCHEMA = [
  `CREATE TABLE IF NOT EXISTS indicators (id BIGINT AUTO_INCREMENT PRIMARY KEY, value VARCHAR(255) NOT NULL,
     type VARCHAR(32) NOT NULL, site VARCHAR(32) NOT NULL, created_at TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3))`,
  // A drill's test indicators carry a label; labs created before it get the column.
  'ALTER TABLE indicators ADD COLUMN IF NOT EXISTS label VARCHAR(512) NULL',
  `CREATE TABLE IF NOT EXISTS job_runs (id BIGINT AUTO_INCREMENT PRIMARY KEY, server VARCHAR(32) NOT NULL,
     ran_at TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3))`,
];

export async function mysqlStore(options: MysqlStoreOptions): Promise<TipStore> {
  const pool = mysql.createPool({
    host: options.host,
    port: options.port,
    user: options.user,
    password: readFileSync(options.passwordFile, 'utf8').trim(),
    database: options.database,
    connectionLimit: 4,
    connectTimeout: 3000,
  });
  const writable = async (): Promise<boolean> => {
    const [rows] = await pool.query('SELECT @@global.read_only AS ro');
    return Number((rows as { ro: number }[])[0].ro) === 0;
  };
  // The tables replicate; only the writable side creates them.
  if (await writable().catch(() => false)) for (const statement of SCHEMA) await pool.query(statement);
  return {
    async state() {
      try {
        return { reachable: true, writable: await writable() };
      } catch (error) {
        return { reachable: false, writable: false, error: (error as Error).message };
      }
    },
    async indicators() {
      const [rows] = await pool.query(
        'SELECT id, value, type, site, created_at AS createdAt, label FROM indicators ORDER BY id',
      );
      return (rows as (Indicator & { label: string | null })[]).map(({ label, ...r }) => ({
        ...r,
        id: Number(r.id),
        createdAt: new Date(r.createdAt).toISOString(),
        ...(label === null ? {} : { label }),
      }));
    },
    async addIndicator(value, type, site, label) {
      const [result] = await pool.query('INSERT INTO indicators (value, type, site, label) VALUES (?, ?, ?, ?)', [
        value,
        type,
        site,
        label ?? null,
      ]);
      return Number((result as { insertId: number }).insertId);
    },
    async removeIndicator(id) {
      const [result] = await pool.query('DELETE FROM indicators WHERE id = ?', [id]);
      return Number((result as { affectedRows: number }).affectedRows) > 0;
    },
    async recordJobRun(server) {
      await pool.query('INSERT INTO job_runs (server) VALUES (?)', [server]);
    },
    async recentJobServers(count) {
      const [rows] = await pool.query('SELECT server FROM job_runs ORDER BY ran_at DESC, id DESC LIMIT ?', [count]);
      return (rows as { server: string }[]).map((r) => r.server);
    },
    async recentJobRuns(count) {
      const [rows] = await pool.query(
        'SELECT server, ran_at AS ranAt FROM job_runs ORDER BY ran_at DESC, id DESC LIMIT ?',
        [count],
      );
      return (rows as { server: string; ranAt: Date }[]).map((r) => ({
        server: r.server,
        ranAt: new Date(r.ranAt).toISOString(),
      }));
    },
    close: () => pool.end(),
  };
}
