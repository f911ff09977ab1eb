/**
 * Fencing a primary online, so there are never two writable primaries: default_transaction_read_only
 * on, client sessions ended, and the LSN after which nothing more can be written. And taking the
 * fence down again when the switch does not go ahead.
 */
import type { Client } from 'pg';
import type { PgNode } from './inspect';
import { q } from './sql';

export interface Fenced {
  /** False when the node was already read-only: then undoing is not this step's to do. */
  fencedHere: boolean;
  sessionsEnded: string[];
  lastLsn: string;
}

export async function fenceOnline(c: Client, n: PgNode): Promise<Fenced> {
  let fencedHere = false;
  if (!n.defaultReadOnly) {
    await q(c, 'ALTER SYSTEM SET default_transaction_read_only = on');
    await q(c, 'SELECT pg_reload_conf()');
    fencedHere = true;
  }
  // OFFSET 0 keeps the filter ahead of pg_terminate_backend (SQL does not promise AND's order).
  const ended = await q(
    c,
    `SELECT pid, usename FROM (SELECT pid, usename FROM pg_stat_activity
        WHERE backend_type = 'client backend' AND pid <> pg_backend_pid() OFFSET 0) s
      WHERE pg_terminate_backend(pid)`,
  );
  const [l] = await q(c, 'SELECT pg_current_wal_lsn()::text AS lsn');
  return { fencedHere, sessionsEnded: ended.map((r) => `${r.usename}:${r.pid}`), lastLsn: String(l.lsn) };
}

export async function unfence(c: Client): Promise<void> {
  await q(c, 'ALTER SYSTEM RESET default_transaction_read_only');
  await q(c, 'SELECT pg_reload_conf()');
}
