/**
 * Waiting for the candidate to apply what the old writer wrote, by the best means the pair offers:
 * GTID waits, else binlog position waits, else (old writer gone) its own relay log applied.
 */
import { pollUntil } from '../../kit/activities/polling';
import { mariaReached, mariaWaitList } from './gtid';
import type { NodeState } from './inspect';
import { replicaStatus } from './replicaStatus';
import { type Conn, errnoOf, query } from './sql';

export interface CatchUp {
  reached: boolean;
  method: string;
  target?: string;
  waitedMs: number;
}

/** One way of waiting: `check` waits server-side for up to `sliceS` seconds and says whether it got there. */
interface Method {
  method: string;
  target?: string;
  check(sliceS: number): Promise<boolean>;
}

function chooseMethod(conn: Conn, candidate: NodeState, old: NodeState | undefined): Method {
  const maria = candidate.flavor === 'mariadb';
  const usesGtid = candidate.replica?.usingGtid !== undefined && candidate.replica.usingGtid !== 'No';

  if (old?.reachable && usesGtid && maria) {
    const target = mariaWaitList(old.gtidPosition, candidate.serverId ?? -1);
    return {
      method: `MASTER_GTID_WAIT('${target}')`,
      target,
      check: async (sliceS) => {
        if (!target) return true;
        const [r] = await query(conn, 'SELECT MASTER_GTID_WAIT(?, ?) AS r', [target, sliceS]);
        return Number(r.r) === 0;
      },
    };
  }
  if (old?.reachable && usesGtid) {
    const target = old.gtidPosition;
    return {
      method: `WAIT_FOR_EXECUTED_GTID_SET('${target}')`,
      target,
      check: async (sliceS) => {
        if (!target) return true;
        const [r] = await query(conn, 'SELECT WAIT_FOR_EXECUTED_GTID_SET(?, ?) AS r', [target, sliceS]);
        return Number(r.r) === 0;
      },
    };
  }
  if (old?.reachable && old.binlogFile && old.binlogPosition !== undefined) {
    let fn = maria ? 'MASTER_POS_WAIT' : 'SOURCE_POS_WAIT';
    return {
      method: `${fn}('${old.binlogFile}', ${old.binlogPosition})`,
      target: `${old.binlogFile}:${old.binlogPosition}`,
      check: async (sliceS) => {
        try {
          const [r] = await query(conn, `SELECT ${fn}(?, ?, ?) AS r`, [old.binlogFile, old.binlogPosition, sliceS]);
          return r.r !== null && Number(r.r) >= 0;
        } catch (error) {
          if (errnoOf(error) === 1305 && fn === 'SOURCE_POS_WAIT') {
            fn = 'MASTER_POS_WAIT'; // MySQL <= 8.0.25
            return false;
          }
          throw error;
        }
      },
    };
  }
  // The old writer is gone: apply everything already received (received but unapplied is not lost).
  const relay: Method = {
    method: 'relay log applied',
    check: async (sliceS) => {
      const now = await replicaStatus(conn);
      if (maria && usesGtid) {
        const [g] = await query(conn, 'SELECT @@gtid_slave_pos AS p');
        relay.target = mariaWaitList(now.receivedGtids, candidate.serverId ?? -1);
        return mariaReached(String(g.p ?? ''), relay.target);
      }
      if (!maria && usesGtid && now.receivedGtids) {
        relay.target = now.receivedGtids;
        const [r] = await query(conn, 'SELECT WAIT_FOR_EXECUTED_GTID_SET(?, ?) AS r', [relay.target, sliceS]);
        return Number(r.r) === 0;
      }
      if (now.relaySourceLogFile === now.sourceLogFile && now.execSourceLogPos === now.readSourceLogPos) {
        relay.target = `${now.sourceLogFile}:${now.readSourceLogPos}`;
        return true;
      }
      return false;
    },
  };
  return relay;
}

/**
 * Waits, heartbeating, until the candidate applied `old`'s position; without a reachable old writer,
 * until it applied everything it received. Each check waits server-side for 1 to 2 s, so a check is
 * asked again at once; a check that answers at once is asked again after a second.
 */
export async function waitCaughtUp(
  conn: Conn,
  candidate: NodeState,
  old: NodeState | undefined,
  timeoutMs: number,
): Promise<CatchUp> {
  const how = chooseMethod(conn, candidate, old);
  const { reached, waitedMs } = await pollUntil(
    how.method,
    timeoutMs,
    (leftMs) => how.check(Math.max(1, Math.min(2, Math.ceil(leftMs / 1000)))),
    1000,
  );
  return { reached, method: how.method, target: how.target, waitedMs };
}
