/**
 * The canary table (`drillbook_canary`): a row written on the old primary before a switch, and the
 * cutover marker written on the new primary once promoted, each with the LSN after its commit.
 */
import type { Client } from 'pg';
import { type Row, q } from './sql';

export async function writeCanary(
  client: Client,
  row: { id: string; kind: string; drillId: string; site: string; lagBytes: number | null; note: string },
): Promise<Row> {
  await q(
    client,
    `CREATE TABLE IF NOT EXISTS drillbook_canary (
       id text PRIMARY KEY, kind text NOT NULL, drill_id text NOT NULL, site text NOT NULL,
       written_at timestamptz NOT NULL DEFAULT now(), lsn pg_lsn, lag_bytes bigint, note text)`,
  );
  await q(
    client,
    `INSERT INTO drillbook_canary (id, kind, drill_id, site, lag_bytes, note) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (id) DO NOTHING`,
    [row.id, row.kind, row.drillId, row.site, row.lagBytes, row.note],
  );
  // The LSN after the commit: a standby that replayed this far has the row.
  await q(client, `UPDATE drillbook_canary SET lsn = pg_current_wal_lsn() WHERE id = $1 AND lsn IS NULL`, [row.id]);
  const [r] = await q(
    client,
    `SELECT id, kind, site, written_at::text AS written_at, lsn::text AS lsn, lag_bytes, note FROM drillbook_canary WHERE id = $1`,
    [row.id],
  );
  return r;
}

export async function readCanary(client: Client, id: string): Promise<Row | undefined> {
  const [exists] = await q(client, `SELECT to_regclass('drillbook_canary') IS NOT NULL AS e`);
  if (!exists.e) return undefined;
  const [r] = await q(
    client,
    `SELECT id, kind, site, written_at::text AS written_at, lsn::text AS lsn, lag_bytes, note FROM drillbook_canary WHERE id = $1`,
    [id],
  );
  return r;
}
