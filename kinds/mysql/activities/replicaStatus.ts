/**
 * Replica status read by column name, so MySQL's Replica_* / Source_* and MariaDB's Slave_* /
 * Master_* both work (column order differs between versions too).
 */
import { type Conn, type Row, errnoOf, num, query, str } from './sql';

/** Replica status in one shape for every flavour; `configured: false` when the node is no replica. */
export interface ReplicaStatus {
  configured: boolean;
  ioRunning?: string;
  sqlRunning?: string;
  /** Seconds_Behind_Source / _Master; null when unknown (a thread stopped or disconnected). */
  lagSeconds: number | null;
  sourceHost?: string;
  sourcePort?: number;
  lastIoErrno: number;
  lastIoError: string;
  lastSqlErrno: number;
  lastSqlError: string;
  sourceLogFile?: string;
  readSourceLogPos?: number;
  relaySourceLogFile?: string;
  execSourceLogPos?: number;
  /** MariaDB: No | Slave_Pos | Current_Pos; MySQL: Auto_Position 0/1 as 'No' | 'Auto_Position'. */
  usingGtid?: string;
  /** MariaDB Gtid_IO_Pos (received); MySQL Retrieved_Gtid_Set. */
  receivedGtids?: string;
  /** MySQL Executed_Gtid_Set. */
  executedGtids?: string;
  healthy: boolean;
  /** Why it is not healthy, one phrase. */
  problem?: string;
}

function pick(row: Row, ...names: string[]): unknown {
  for (const name of names) if (row[name] !== undefined) return row[name];
  return undefined;
}

/** Turns one row of SHOW REPLICA STATUS / SHOW SLAVE STATUS (any flavour) into ReplicaStatus. */
export function normalizeReplicaRow(row: Row | undefined): ReplicaStatus {
  if (!row) {
    return {
      configured: false,
      lagSeconds: null,
      lastIoErrno: 0,
      lastIoError: '',
      lastSqlErrno: 0,
      lastSqlError: '',
      healthy: false,
      problem: 'no replication configured',
    };
  }
  const lag = pick(row, 'Seconds_Behind_Source', 'Seconds_Behind_Master');
  const autoPosition = pick(row, 'Auto_Position');
  const status: ReplicaStatus = {
    configured: true,
    ioRunning: str(pick(row, 'Replica_IO_Running', 'Slave_IO_Running')),
    sqlRunning: str(pick(row, 'Replica_SQL_Running', 'Slave_SQL_Running')),
    lagSeconds: lag === null || lag === undefined ? null : Number(lag),
    sourceHost: str(pick(row, 'Source_Host', 'Master_Host')),
    sourcePort: num(pick(row, 'Source_Port', 'Master_Port')),
    lastIoErrno: num(pick(row, 'Last_IO_Errno')) ?? 0,
    lastIoError: str(pick(row, 'Last_IO_Error')) ?? '',
    lastSqlErrno: num(pick(row, 'Last_SQL_Errno')) ?? 0,
    lastSqlError: str(pick(row, 'Last_SQL_Error')) ?? '',
    sourceLogFile: str(pick(row, 'Source_Log_File', 'Master_Log_File')),
    readSourceLogPos: num(pick(row, 'Read_Source_Log_Pos', 'Read_Master_Log_Pos')),
    relaySourceLogFile: str(pick(row, 'Relay_Source_Log_File', 'Relay_Master_Log_File')),
    execSourceLogPos: num(pick(row, 'Exec_Source_Log_Pos', 'Exec_Master_Log_Pos')),
    usingGtid:
      str(pick(row, 'Using_Gtid')) ??
      (autoPosition === undefined ? undefined : Number(autoPosition) === 1 ? 'Auto_Position' : 'No'),
    receivedGtids: str(pick(row, 'Gtid_IO_Pos', 'Retrieved_Gtid_Set')),
    executedGtids: str(pick(row, 'Executed_Gtid_Set')),
    healthy: false,
  };
  // Healthy means both threads say exactly "Yes" (not "Connecting"), no errors, and a known lag.
  if (status.ioRunning !== 'Yes')
    status.problem = `IO thread ${status.ioRunning ?? '?'}${status.lastIoErrno ? ` (error ${status.lastIoErrno}: ${status.lastIoError})` : ''}`;
  else if (status.sqlRunning !== 'Yes')
    status.problem = `SQL thread ${status.sqlRunning ?? '?'}${status.lastSqlErrno ? ` (error ${status.lastSqlErrno}: ${status.lastSqlError})` : ''}`;
  else if (status.lastIoErrno !== 0) status.problem = `IO error ${status.lastIoErrno}: ${status.lastIoError}`;
  else if (status.lastSqlErrno !== 0) status.problem = `SQL error ${status.lastSqlErrno}: ${status.lastSqlError}`;
  else if (status.lagSeconds === null) status.problem = 'lag unknown';
  status.healthy = status.problem === undefined;
  return status;
}

/** SHOW REPLICA STATUS (MariaDB >= 10.5.1, MySQL >= 8.0.22), else SHOW SLAVE STATUS (older). */
export async function replicaStatus(conn: Conn): Promise<ReplicaStatus> {
  let rows: Row[];
  try {
    rows = await query(conn, 'SHOW REPLICA STATUS');
  } catch (error) {
    if (errnoOf(error) !== 1064) throw error;
    rows = await query(conn, 'SHOW SLAVE STATUS');
  }
  return normalizeReplicaRow(rows[0]);
}
