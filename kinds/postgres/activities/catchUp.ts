/** Waiting for a standby to replay up to an LSN (the fenced old primary's last), or all WAL it received. */
import type { Client } from 'pg';
import { pollFor, type Waited } from '../../kit/activities/polling';
import { q } from './sql';

export interface Replayed extends Waited {
  /** Bytes still to replay when the wait ended; null when the standby could not say. */
  lagBytes: number | null;
}

export async function waitReplayed(
  c: Client,
  what: string,
  targetLsn: string | undefined,
  timeoutMs: number,
): Promise<Replayed> {
  const behind = async (): Promise<number | null> => {
    const [r] = await q(
      c,
      targetLsn
        ? `SELECT greatest(0, pg_wal_lsn_diff($1::pg_lsn, pg_last_wal_replay_lsn()))::bigint AS behind`
        : `SELECT greatest(0, pg_wal_lsn_diff(pg_last_wal_receive_lsn(), pg_last_wal_replay_lsn()))::bigint AS behind`,
      targetLsn ? [targetLsn] : [],
    );
    return r.behind === null ? null : Number(r.behind);
  };
  const { reached, waitedMs, last } = await pollFor(what, timeoutMs, behind, (bytes) => bytes === 0, 250);
  return { reached, waitedMs, lagBytes: last };
}
