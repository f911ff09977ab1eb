/** One connection to one MySQL/MariaDB node of the plan, and what comes back as plain rows. */
import mysql from 'mysql2/promise';
import { guardClient, type Guard } from '../../kit/activities/clients';
import type { SiteRole } from '../../../domain';
import type { MysqlArgs } from '../actions';

export type Row = Record<string, unknown>;
export type Conn = mysql.Connection;

/**
 * Opens the connection and hears its 'error' events at once: mysql2 emits one when the server goes
 * away between commands (a shutdown, a killed session), which unheard would end the worker.
 */
export async function connect(
  args: MysqlArgs,
  site: SiteRole,
  password: string,
  label: string,
): Promise<{ conn: Conn; guard: Guard }> {
  const { host, port } = args.sites[site];
  const conn = await mysql.createConnection({
    host,
    port,
    user: args.user,
    password,
    connectTimeout: 5000,
    supportBigNumbers: true,
    dateStrings: true,
  });
  return { conn, guard: guardClient(conn, { kind: 'MySQL/MariaDB', endpoint: `${host}:${port}`, label }) };
}

export async function query(conn: Conn, sql: string, params: unknown[] = []): Promise<Row[]> {
  const [rows] = await conn.query(sql, params);
  return rows as Row[];
}

/** The server's error number (1064 syntax, 1305 no such function, 1146 no such table, ...). */
export const errnoOf = (error: unknown): number | undefined => (error as { errno?: number }).errno;

export const num = (value: unknown): number | undefined =>
  value === null || value === undefined || value === '' ? undefined : Number(value);
export const str = (value: unknown): string | undefined =>
  value === null || value === undefined ? undefined : String(value);
