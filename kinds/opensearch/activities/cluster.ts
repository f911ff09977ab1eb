/**
 * Talking to the cluster through one site's node: a client per site, cluster health as that node
 * sees it (an unanswered node is a fact, not an exception), the nodes it knows, and errors in words.
 * Responses of @opensearch-project/opensearch live under `.body`.
 */
import { Client } from '@opensearch-project/opensearch';
import { ApplicationFailure } from '@temporalio/common';
import { type ServerRef, serverLost } from '../../kit/activities/clients';
import { type SiteRole, otherSite } from '../../../domain';
import type { OpensearchArgs } from '../actions';

export type Body = Record<string, unknown>;

export interface Health {
  reachable: boolean;
  error?: string;
  status?: 'green' | 'yellow' | 'red';
  timedOut?: boolean;
  nodes?: number;
  unassignedShards?: number;
  relocatingShards?: number;
  initializingShards?: number;
  clusterName?: string;
}

/** A client per site, with the plan's credentials; no retries of its own (the step's policy retries). */
export const clientsFor =
  (args: OpensearchArgs, password: string | undefined) =>
  (site: SiteRole): Client =>
    new Client({
      node: args.sites[site].url,
      auth: args.username && password ? { username: args.username, password } : undefined,
      maxRetries: 0,
      requestTimeout: 30_000,
    });

/** The client's errors for a cluster that stopped answering (refused, reset, timed out), as opposed to an answer. */
const CONNECTION_ERRORS = new Set(['ConnectionError', 'TimeoutError', 'NoLivingConnectionsError']);

/**
 * A request that found no cluster answering fails the step retryably, naming it (the client answers
 * every socket error itself and emits no 'error' event, so there is nothing to guard, only this to
 * say); the node it asked, when the client says which, else `server`'s endpoint. Anything else: undefined.
 */
export function clusterLost(error: unknown, server: ServerRef): ApplicationFailure | undefined {
  if (error instanceof ApplicationFailure || !CONNECTION_ERRORS.has((error as Error).name)) return undefined;
  const asked = (error as { meta?: { meta?: { connection?: { url?: URL } } } }).meta?.meta?.connection?.url;
  return serverLost(asked ? { ...server, endpoint: asked.origin } : server, error, 'the step used it');
}

export function describeError(error: unknown): string {
  const e = error as {
    meta?: {
      statusCode?: number;
      body?: { error?: { type?: string; reason?: string }; message?: string; Message?: string };
    };
    message?: string;
    name?: string;
  };
  if (e.meta?.body?.error?.type)
    return `${e.meta.statusCode} ${e.meta.body.error.type}${e.meta.body.error.reason ? `: ${e.meta.body.error.reason}` : ''}`;
  // Amazon OpenSearch's own refusals (a signature, a token, an IAM policy) are `{ "message": … }`.
  const aws = e.meta?.body?.message ?? e.meta?.body?.Message;
  if (e.meta?.statusCode && typeof aws === 'string') return `${e.meta.statusCode} ${aws}`;
  if (e.meta?.statusCode) return `HTTP ${e.meta.statusCode}`;
  return e.message ?? String(error);
}

/** Cluster health, waiting server-side up to `timeoutS` for `waitFor`; a 408 (not there yet) is an answer. */
export async function health(client: Client, waitFor?: 'green' | 'yellow', timeoutS = 1): Promise<Health> {
  try {
    const res = await client.cluster.health(
      { wait_for_status: waitFor, timeout: `${timeoutS}s`, cluster_manager_timeout: `${Math.max(1, timeoutS)}s` },
      { ignore: [408], requestTimeout: (timeoutS + 10) * 1000 },
    );
    const b = res.body as Body;
    return {
      reachable: true,
      status: b.status as Health['status'],
      timedOut: Boolean(b.timed_out),
      nodes: Number(b.number_of_nodes),
      unassignedShards: Number(b.unassigned_shards),
      relocatingShards: Number(b.relocating_shards),
      initializingShards: Number(b.initializing_shards),
      clusterName: String(b.cluster_name),
    };
  } catch (error) {
    return { reachable: false, error: describeError(error) };
  }
}

/** The names of the nodes in the cluster, as this node knows them. */
export async function nodeNames(client: Client): Promise<string[]> {
  const res = await client.cat.nodes({ format: 'json', h: ['name'], local: true });
  return res.body.map((n) => n.name ?? '');
}

/** A reachable node to talk to: `prefer`'s, else the other site's. */
export async function anyNode(
  clientFor: (s: SiteRole) => Client,
  prefer: SiteRole,
): Promise<{ site: SiteRole; c: Client; h: Health } | undefined> {
  for (const site of [prefer, otherSite(prefer)]) {
    const c = clientFor(site);
    const h = await health(c);
    if (h.reachable) return { site, c, h };
    await c.close();
  }
  return undefined;
}
