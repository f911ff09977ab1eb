/**
 * What one node is: primary or standby, timeline, LSNs, its WAL receiver (standby) or the standbys
 * in pg_stat_replication (primary), and whether pg_rewind could run on it. An unreachable node is a
 * fact, not an exception; a node that refuses the drill role is a misconfiguration.
 */
import { ApplicationFailure } from '@temporalio/common';
import { Client } from 'pg';
import { closeWithin, guardClient, isSocketError, serverLost } from '../../kit/activities/clients';
import { failNonRetryable } from '../../kit/activities/failures';
import { q } from './sql';
import type { SiteRole } from '../../../domain';
import type { PostgresArgs } from '../actions';

export interface StandbyRow {
  applicationName: string;
  clientAddr: string | null;
  state: string | null;
  syncState: string | null;
  replayLagBytes: number | null;
  /** replay_lag in seconds; null when the standby is caught up and idle (not a failure). */
  replayLagSeconds: number | null;
}

export interface PgNode {
  site: SiteRole;
  name: string;
  endpoint: string;
  reachable: boolean;
  error?: string;
  version?: string;
  inRecovery?: boolean;
  timeline?: number;
  /** Primary: pg_current_wal_lsn(); standby: pg_last_wal_replay_lsn(). */
  lsn?: string;
  receiveLsn?: string | null;
  replayLsn?: string | null;
  /** Standby: received but not yet applied. */
  applyBacklogBytes?: number | null;
  receiver?: {
    status: string;
    senderHost: string | null;
    senderPort: number | null;
    receivedTli: number | null;
  } | null;
  standbys?: StandbyRow[];
  walLogHints?: boolean;
  dataChecksums?: boolean;
  defaultReadOnly?: boolean;
}

async function inspectClient(client: Client, node: PgNode): Promise<void> {
  const [b] = await q(
    client,
    `SELECT current_setting('server_version') AS version, pg_is_in_recovery() AS rec,
            (SELECT timeline_id FROM pg_control_checkpoint()) AS tl,
            current_setting('wal_log_hints') AS hints, current_setting('data_checksums') AS sums,
            current_setting('default_transaction_read_only') AS ro`,
  );
  node.version = String(b.version);
  node.inRecovery = Boolean(b.rec);
  node.timeline = Number(b.tl);
  node.walLogHints = b.hints === 'on';
  node.dataChecksums = b.sums === 'on';
  node.defaultReadOnly = b.ro === 'on';
  if (node.inRecovery) {
    const [s] = await q(
      client,
      `SELECT pg_last_wal_receive_lsn()::text AS recv, pg_last_wal_replay_lsn()::text AS replay,
              greatest(0, pg_wal_lsn_diff(pg_last_wal_receive_lsn(), pg_last_wal_replay_lsn()))::bigint AS backlog`,
    );
    node.receiveLsn = s.recv as string | null;
    node.replayLsn = s.replay as string | null;
    node.lsn = (s.replay as string | null) ?? undefined;
    node.applyBacklogBytes = s.backlog === null ? null : Number(s.backlog);
    const [r] = await q(client, 'SELECT status, sender_host, sender_port, received_tli FROM pg_stat_wal_receiver');
    node.receiver = r
      ? {
          status: String(r.status),
          senderHost: (r.sender_host as string | null) ?? null,
          senderPort: r.sender_port === null ? null : Number(r.sender_port),
          receivedTli: r.received_tli === null ? null : Number(r.received_tli),
        }
      : null;
    // The receiver's timeline can be newer than the last checkpoint's.
    if (node.receiver?.receivedTli) node.timeline = Math.max(node.timeline, node.receiver.receivedTli);
  } else {
    const [c] = await q(client, 'SELECT pg_current_wal_lsn()::text AS lsn');
    node.lsn = String(c.lsn);
    const rows = await q(
      client,
      `SELECT application_name, client_addr::text AS addr, state, sync_state,
              pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn)::bigint AS lag_bytes,
              EXTRACT(EPOCH FROM replay_lag)::float8 AS lag_s
         FROM pg_stat_replication`,
    );
    node.standbys = rows.map((r) => ({
      applicationName: String(r.application_name),
      clientAddr: (r.addr as string | null) ?? null,
      state: (r.state as string | null) ?? null,
      syncState: (r.sync_state as string | null) ?? null,
      replayLagBytes: r.lag_bytes === null ? null : Number(r.lag_bytes),
      replayLagSeconds: r.lag_s === null ? null : Number(r.lag_s),
    }));
  }
}

/** Wrong password, no such role or database, missing privilege: the plan's role, not the network. */
const CONFIG_CODES = new Set(['28P01', '28000', '3D000', '42501']);

/** The server ended the session (57P01 admin shutdown, 57P02 crash, 57P03 starting or stopping) or the link broke (class 08). */
const lostConnection = (error: unknown): boolean => {
  const code = String((error as { code?: unknown }).code ?? '');
  return (
    /^57P0[123]$/.test(code) ||
    code.startsWith('08') ||
    isSocketError(error) ||
    /Connection terminated|not queryable|Client was closed/i.test((error as Error).message ?? '')
  );
};

/**
 * Connects to one site, reads its state, then lets `use` work on the same connection. Unreachable:
 * the node says so and `result` is absent. Refused by the server: a non-retryable failure. Lost
 * while `use` worked (the server stopped, the link broke): a retryable failure naming the server.
 */
export async function withPg<T>(
  args: PostgresArgs,
  password: string,
  site: SiteRole,
  use?: (client: Client, node: PgNode) => Promise<T>,
): Promise<{ node: PgNode; result?: T }> {
  const { host, port } = args.sites[site];
  const node: PgNode = { site, name: args.siteNames[site], endpoint: `${host}:${port}`, reachable: false };
  const client = new Client({
    host,
    port,
    user: args.user,
    password,
    database: args.database,
    connectionTimeoutMillis: 5000,
    application_name: 'drillbook',
  });
  // pg emits 'error' when the server ends the session, also after failing the query that saw it.
  const guard = guardClient(client, {
    kind: 'PostgreSQL',
    endpoint: node.endpoint,
    label: `${args.component} on ${node.name}`,
  });
  let connected = false;
  try {
    await client.connect();
    connected = true;
    node.reachable = true;
    await inspectClient(client, node);
    return { node, result: use ? await use(client, node) : undefined };
  } catch (error) {
    if (error instanceof ApplicationFailure) throw error;
    const code = (error as { code?: string }).code;
    if (code && CONFIG_CODES.has(code)) {
      failNonRetryable(
        `${args.component} on ${node.name} (${node.endpoint}) refused the drill role "${args.user}": ${(error as Error).message}. Check the plan's user, password reference, database and grants.`,
        'DatabaseMisconfigured',
      );
    }
    // Lost after it answered: the work in `use` failed, which is not "unreachable".
    if (connected && node.version) {
      if (guard.lost || lostConnection(error))
        throw serverLost(guard, error, use ? 'the step used it' : 'reading its state');
      throw error;
    }
    node.reachable = false;
    node.error = code ?? (error as Error).message;
    return { node };
  } finally {
    if (connected) await closeWithin(() => client.end());
  }
}

/** One site's state, nothing changed. */
export const inspect = (args: PostgresArgs, password: string, site: SiteRole): Promise<PgNode> =>
  withPg(args, password, site).then((r) => r.node);

/** Is `standby` streaming from `primary`'s endpoint? */
export const streamsFrom = (args: PostgresArgs, standby: PgNode, primary: SiteRole): boolean =>
  Boolean(
    standby.reachable &&
    standby.inRecovery &&
    standby.receiver?.status === 'streaming' &&
    standby.receiver.senderPort === args.sites[primary].port,
  );
