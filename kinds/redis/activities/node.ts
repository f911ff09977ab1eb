/**
 * Talking to one Redis node: a short-lived client that fails fast when the node is gone, and what
 * INFO replication and CONFIG say about it (FIELD-NOTES 8.2: role strings are still master/slave).
 */
import { ApplicationFailure } from '@temporalio/common';
import { isIP } from 'node:net';
import { createClient } from 'redis';
import { guardClient, isSocketError, SERVER_LOST, serverLost } from '../../kit/activities/clients';
import { resolveSecret } from '../../kit/activities/secrets';
import type { SecretRef, SiteRole } from '../../../domain';

/**
 * Where a step's nodes are and how to log in: a `redis` component's step arguments, or an
 * `elasticache` one's (TLS with the plan's CA, an AUTH token).
 */
export interface RedisTarget {
  component: string;
  siteNames: Record<SiteRole, string>;
  sites: Record<SiteRole, { host: string; port: number }>;
  username?: string;
  password?: SecretRef;
  /** In-transit encryption: verified against `ca` when given (PEM), else against Node's own roots. */
  tls?: { ca?: SecretRef };
}

/** The one call the activities make: raw commands, so every reply is read as Redis sends it. */
export interface RedisConnection {
  sendCommand(args: string[]): Promise<unknown>;
}

export interface ReplicaLink {
  host: string;
  port: number;
  state: string;
  offset: number;
  /** Seconds since the replica's last ACK (replicas ACK every second). */
  lagSeconds: number;
}

export interface RedisNodeState {
  reachable: boolean;
  error?: string;
  role?: 'master' | 'replica';
  /** master_repl_offset: what this node has written (master) or received (replica). */
  offset?: number;
  /** On a master: its connected replicas. */
  replicas?: ReplicaLink[];
  /** On a replica: whom it follows and how the link is. */
  masterHost?: string;
  masterPort?: number;
  linkUp?: boolean;
  lastIoSecondsAgo?: number;
  linkDownSinceSeconds?: number;
  syncInProgress?: boolean;
  failoverState?: string;
  minReplicasToWrite?: number;
}

/** INFO's `key:value` lines (CRLF), `#` sections skipped; `slaveN` values stay raw `k=v,…` lists. */
export function parseInfo(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    if (!line || line.startsWith('#')) continue;
    const at = line.indexOf(':');
    if (at > 0) out[line.slice(0, at)] = line.slice(at + 1);
  }
  return out;
}

function parseReplica(value: string): ReplicaLink {
  const fields = Object.fromEntries(value.split(',').map((pair) => pair.split('=') as [string, string]));
  return {
    host: fields.ip,
    port: Number(fields.port),
    state: fields.state,
    offset: Number(fields.offset),
    lagSeconds: Number(fields.lag),
  };
}

export function stateFromInfo(info: Record<string, string>): RedisNodeState {
  const role = info.role === 'master' ? 'master' : 'replica';
  const state: RedisNodeState = {
    reachable: true,
    role,
    offset: Number(info.master_repl_offset),
    failoverState: info.master_failover_state,
  };
  if (role === 'master') {
    state.replicas = Object.keys(info)
      .filter((key) => /^slave\d+$/.test(key))
      .map((key) => parseReplica(info[key]));
  } else {
    state.masterHost = info.master_host;
    state.masterPort = Number(info.master_port);
    state.linkUp = info.master_link_status === 'up';
    state.lastIoSecondsAgo = Number(info.master_last_io_seconds_ago);
    state.syncInProgress = info.master_sync_in_progress === '1';
    if (info.master_link_down_since_seconds !== undefined)
      state.linkDownSinceSeconds = Number(info.master_link_down_since_seconds);
    // A replica's own received offset; master_repl_offset mirrors it on replicas.
    state.offset = Number(info.slave_repl_offset ?? info.master_repl_offset);
  }
  return state;
}

/** Loopback spelt two ways is one place; anything else must match as written in the plan. */
const sameHost = (a: string, b: string): boolean => {
  const norm = (h: string) => (h === 'localhost' || h === '::1' ? '127.0.0.1' : h);
  return norm(a) === norm(b);
};

/** Whether `node` (a replica) follows the endpoint `master`. */
export function follows(node: RedisNodeState, master: { host: string; port: number }): boolean {
  return node.role === 'replica' && node.masterPort === master.port && sameHost(node.masterHost ?? '', master.host);
}

/** The replica link a master reports for `replica`, if connected. */
export function linkOf(master: RedisNodeState, replica: { host: string; port: number }): ReplicaLink | undefined {
  return master.replicas?.find((r) => r.port === replica.port && sameHost(r.host, replica.host));
}

export function describeRedisError(error: unknown): string {
  const e = error as { code?: string; message?: string };
  return e.code ? `${e.code}${e.message ? ` (${e.message})` : ''}` : (e.message ?? String(error));
}

/** node-redis' errors for a socket that closed under it or a client that can no longer send. */
const LOST_ERRORS = new Set(['SocketClosedUnexpectedlyError', 'ClientClosedError', 'SocketTimeoutError']);

/**
 * Connects to one site's node, runs `work`, always closes; a node that does not answer fails within
 * ~3 s (an error, for the caller to word). A node lost while `work` used it (it stopped, the link
 * broke) fails the step retryably, naming the node.
 */
export async function withRedis<T>(
  args: RedisTarget,
  site: SiteRole,
  where: string,
  work: (client: RedisConnection) => Promise<T>,
  timeoutMs = 10_000,
): Promise<T> {
  const password = args.password ? await resolveSecret(args.password, `${where}.password`) : undefined;
  const { host, port } = args.sites[site];
  const base = { host, port, connectTimeout: 3000, reconnectStrategy: false as const };
  // A certificate that does not verify fails the connection: never rejectUnauthorized: false.
  const socket = args.tls
    ? {
        ...base,
        tls: true as const,
        ca: args.tls.ca ? await resolveSecret(args.tls.ca, `${where}.tls.ca`) : undefined,
        servername: isIP(host) ? undefined : host,
      }
    : base;
  const client = createClient({
    socket,
    username: args.username,
    password,
    disableOfflineQueue: true,
  });
  // node-redis emits 'error' when the socket closes, with or without a command waiting.
  const guard = guardClient(client, {
    kind: 'Redis',
    endpoint: `${host}:${port}`,
    label: `${args.component} on ${args.siteNames[site]}`,
  });
  // A node that accepts the connection but never answers (a stopped process) must not hang the step.
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          Object.assign(new Error(`no answer from ${host}:${port} within ${timeoutMs / 1000}s`), { code: 'TIMEOUT' }),
        ),
      timeoutMs,
    );
  });
  let connected = false;
  try {
    return await Promise.race([
      client.connect().then(() => {
        connected = true;
        return work(client);
      }),
      deadline,
    ]);
  } catch (error) {
    if (error instanceof ApplicationFailure || !connected) throw error;
    if (
      guard.lost ||
      isSocketError(error) ||
      LOST_ERRORS.has((error as Error).name) ||
      /socket closed|client is closed/i.test((error as Error).message ?? '')
    )
      throw serverLost(guard, error, 'the step used it');
    throw error;
  } finally {
    clearTimeout(timer);
    client.destroy();
  }
}

/** The node's state, or why it could not be asked; never throws but for a refusal a person must fix. */
export async function inspect(
  args: RedisTarget,
  site: SiteRole,
  where: string,
  read: (client: RedisConnection) => Promise<RedisNodeState> = inspectNode,
): Promise<RedisNodeState> {
  try {
    return await withRedis(args, site, where, read);
  } catch (error) {
    // Lost while being read is as unreachable as never answering: a fact for the check to weigh.
    if (error instanceof ApplicationFailure && error.type === SERVER_LOST)
      return { reachable: false, error: error.message };
    if ((error as { name?: string }).name === 'ApplicationFailure') throw error;
    return { reachable: false, error: describeRedisError(error) };
  }
}

/** INFO replication only: what a managed Redis (ElastiCache, which refuses CONFIG) still answers. */
export async function readReplication(client: RedisConnection): Promise<RedisNodeState> {
  return stateFromInfo(parseInfo(String(await client.sendCommand(['INFO', 'replication']))));
}

export async function inspectNode(client: RedisConnection): Promise<RedisNodeState> {
  const state = await readReplication(client);
  const config = (await client.sendCommand(['CONFIG', 'GET', 'min-replicas-to-write'])) as string[];
  state.minReplicasToWrite = Number(config[1] ?? 0);
  return state;
}

/** One sentence about a node: "master, 1 replica online (lag 0 B, 0 s)" / "replica of 127.0.0.1:6379, link up". */
export function describeNode(node: RedisNodeState): string {
  if (!node.reachable) return `does not answer (${node.error})`;
  if (node.role === 'master') {
    const links = (node.replicas ?? []).map(
      (r) => `${r.host}:${r.port} ${r.state}, ${Math.max(0, (node.offset ?? 0) - r.offset)} B behind`,
    );
    const fenced =
      node.minReplicasToWrite !== undefined && node.minReplicasToWrite > (node.replicas?.length ?? 0)
        ? '; fenced (min-replicas-to-write ' + node.minReplicasToWrite + ')'
        : '';
    return `master at offset ${node.offset}, ${links.length} replica(s)${links.length ? ` (${links.join('; ')})` : ''}${fenced}`;
  }
  return `replica of ${node.masterHost}:${node.masterPort}, link ${node.linkUp ? 'up' : 'down'}, offset ${node.offset}${node.syncInProgress ? ', full sync in progress' : ''}`;
}
