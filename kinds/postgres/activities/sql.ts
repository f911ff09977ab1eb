/** Queries against one PostgreSQL node, rows as plain records. */
import type { Client } from 'pg';

export type Row = Record<string, unknown>;

export async function q(client: Client, sql: string, params: unknown[] = []): Promise<Row[]> {
  return (await client.query(sql, params)).rows as Row[];
}
