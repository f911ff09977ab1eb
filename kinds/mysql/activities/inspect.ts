/**
 * What one node is: reachable or not, version and flavour, read_only, auto-increment settings, GTID
 * and binlog position, replica status. An unreachable node is a fact, not an exception; a node
 * that refuses the drill account is a misconfiguration.
 */
import { ApplicationFailure } from '@temporalio/common';
import { closeWithin, isSocketError, serverLost, type Guard } from '../../kit/activities/clients';
import { failNonRetryable } from '../../kit/activities/failures';
import { type ReplicaStatus, replicaStatus } from './replicaStatus';
import { type Conn, connect, errnoOf, num, query, str } from './sql';
import type { SiteRole } from '../../../domain';
import type { MysqlArgs } from '../actions';

export interface NodeState {
  site: SiteRole;
  name: string;
  endpoint: string;
  reachable: boolean;
  error?: string;
  errno?: number;
  flavor?: 'mariadb' | 'mysql';
  version?: string;
  serverId?: number;
  readOnly?: boolean;
  /** MySQL only; MariaDB has no super_read_only. */
  superReadOnly?: boolean;
  autoIncrementIncrement?: number;
  autoIncrementOffset?: number;
  gtidDomainId?: number;
  /** MariaDB @@gtid_binlog_pos / MySQL @@gtid_executed: what this node has written or applied. */
  gtidPosition?: string;
  /** MariaDB @@gtid_current_pos. */
  gtidCurrentPos?: string;
  binlogFile?: string;
  binlogPosition?: number;
  replica?: ReplicaStatus;
}

async function inspectConn(conn: Conn, state: NodeState): Promise<NodeState> {
  const [basics] = await query(
    conn,
    'SELECT VERSION() AS version, @@server_id AS serverId, @@global.read_only AS readOnly, @@auto_increment_increment AS inc, @@auto_increment_offset AS off',
  );
  state.version = String(basics.version);
  state.flavor = /mariadb/i.test(state.version) ? 'mariadb' : 'mysql';
  state.serverId = Number(basics.serverId);
  state.readOnly = Number(basics.readOnly) === 1;
  state.autoIncrementIncrement = Number(basics.inc);
  state.autoIncrementOffset = Number(basics.off);
  if (state.flavor === 'mariadb') {
    const [g] = await query(
      conn,
      'SELECT @@gtid_domain_id AS domain, @@gtid_binlog_pos AS binlogPos, @@gtid_current_pos AS currentPos',
    );
    state.gtidDomainId = Number(g.domain);
    state.gtidPosition = String(g.binlogPos ?? '');
    state.gtidCurrentPos = String(g.currentPos ?? '');
  } else {
    const [g] = await query(conn, 'SELECT @@global.super_read_only AS sro, @@global.gtid_executed AS executed');
    state.superReadOnly = Number(g.sro) === 1;
    state.gtidPosition = String(g.executed ?? '').replace(/\s+/g, '');
  }
  state.replica = await replicaStatus(conn);
  await refreshPosition(conn, state);
  return state;
}

/** Re-reads what the node has written: GTID position and binlog file/position. */
export async function refreshPosition(conn: Conn, state: NodeState): Promise<void> {
  const [g] = await query(
    conn,
    state.flavor === 'mariadb' ? 'SELECT @@gtid_binlog_pos AS p' : 'SELECT @@global.gtid_executed AS p',
  );
  state.gtidPosition = String(g.p ?? '').replace(/\s+/g, '');
  try {
    const rows = await query(
      conn,
      state.flavor === 'mysql' && !/^8\.0\./.test(state.version ?? '')
        ? 'SHOW BINARY LOG STATUS'
        : 'SHOW MASTER STATUS',
    );
    if (rows[0]) {
      state.binlogFile = str(rows[0].File);
      state.binlogPosition = num(rows[0].Position);
    }
  } catch {
    // Needs BINLOG MONITOR / REPLICATION CLIENT; positions are a fallback only.
  }
}

/** Access denied, no such database, missing privilege: the plan's account, not the network. */
const CONFIG_ERRNOS = new Set([1044, 1045, 1049, 1227, 1142, 1698]);

/** mysql2 marks a broken connection `fatal`; 1053 server shutdown, 1927 connection killed; a closed connection refuses new commands. */
const lostConnection = (error: unknown): boolean => {
  const e = error as { fatal?: boolean; errno?: number; message?: string };
  return (
    Boolean(e.fatal) ||
    e.errno === 1053 ||
    e.errno === 1927 ||
    isSocketError(error) ||
    /closed state|connection lost/i.test(e.message ?? '')
  );
};

/**
 * Connects to one site, reads its state, then lets `use` work on the same connection. Unreachable:
 * the state says so and `result` is absent. Refused by the server: a non-retryable failure. Lost
 * while `use` worked (the server stopped, the link broke): a retryable failure naming the server.
 */
export async function withNode<T>(
  args: MysqlArgs,
  site: SiteRole,
  password: string,
  use: (conn: Conn, state: NodeState) => Promise<T>,
): Promise<{ state: NodeState; result?: T }> {
  const endpoint = `${args.sites[site].host}:${args.sites[site].port}`;
  const state: NodeState = { site, name: args.siteNames[site], endpoint, reachable: false };
  let conn: Conn | undefined;
  let guard: Guard | undefined;
  try {
    ({ conn, guard } = await connect(args, site, password, `${args.component} on ${state.name}`));
    state.reachable = true;
    await inspectConn(conn, state);
    return { state, result: await use(conn, state) };
  } catch (error) {
    if (error instanceof ApplicationFailure) throw error;
    const errno = errnoOf(error);
    if (errno !== undefined && CONFIG_ERRNOS.has(errno)) {
      failNonRetryable(
        `${args.component} on ${state.name} (${endpoint}) refused the drill account "${args.user}": ${(error as Error).message}. Check the plan's user, password reference and the account's grants.`,
        'DatabaseMisconfigured',
      );
    }
    // Lost after it answered: the work in `use` failed, which is not "unreachable".
    if (state.reachable && state.version) {
      if (guard && (guard.lost || lostConnection(error))) throw serverLost(guard, error, 'the step used it');
      throw error;
    }
    state.reachable = false;
    state.error = (error as { code?: string }).code ?? (error as Error).message;
    state.errno = errno;
    return { state };
  } finally {
    const open = conn;
    if (open)
      await closeWithin(
        () => open.end(),
        () => open.destroy(),
      );
  }
}

/** One site's state, nothing changed. */
export const inspect = (args: MysqlArgs, site: SiteRole, password: string): Promise<NodeState> =>
  withNode(args, site, password, async () => undefined).then((r) => r.state);
