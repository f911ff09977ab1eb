/**
 * ElastiCache's data plane through kinds/redis's client (TLS with the plan's CA, the AUTH token as a
 * reference): INFO replication, the canary key and a write probe. Never REPLICAOF, FAILOVER or
 * CONFIG, which ElastiCache refuses.
 */
import { failNonRetryable } from '../../kit/activities/failures';
import {
  readReplication,
  inspect,
  withRedis,
  type RedisConnection,
  type RedisNodeState,
} from '../../redis/activities/node';
import type { SiteRole } from '../../../domain';
import type { ElasticacheArgs } from '../actions';

export const endpointOf = (args: ElasticacheArgs, site: SiteRole) =>
  `${args.sites[site].host}:${args.sites[site].port}`;

// Node's TLS verification codes: the endpoint's certificate does not chain to what the plan trusts.
const UNTRUSTED =
  /SELF_SIGNED_CERT_IN_CHAIN|DEPTH_ZERO_SELF_SIGNED_CERT|UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT|CERT_HAS_EXPIRED|ERR_TLS_CERT_ALTNAME_INVALID|CERT_UNTRUSTED/;

/** Refusals a person must fix (token, CA) fail at once, saying which field of the plan to check. */
function failOnRefusal(args: ElasticacheArgs, site: SiteRole, node: RedisNodeState): void {
  if (node.reachable) return;
  const at = `${args.component} on ${args.siteNames[site]} (${endpointOf(args, site)})`;
  if (/WRONGPASS|NOAUTH|NOPERM|invalid username-password/i.test(node.error ?? ''))
    failNonRetryable(
      `${at} refused the drill's AUTH token: ${node.error}. Check the plan's authToken reference (and username for an RBAC user)`,
      'RedisAuth',
    );
  if (UNTRUSTED.test(node.error ?? ''))
    failNonRetryable(
      `${at}: its TLS certificate does not verify (${node.error}); check that the plan's tls.ca names the CA the endpoint's certificate chains to, and that host is the name in the certificate`,
      'TlsUntrusted',
    );
}

/** INFO replication of one site's endpoint, or why it could not be asked; token and CA refusals fail. */
export async function look(args: ElasticacheArgs, site: SiteRole, where: string): Promise<RedisNodeState> {
  const node = await inspect(args, site, where, readReplication);
  failOnRefusal(args, site, node);
  return node;
}

export const PROBE_KEY = 'drillbook:write-probe';

/** Whether the endpoint takes a write now (a replica answers READONLY). */
export async function writeProbe(client: RedisConnection): Promise<{ ok: boolean; error?: string }> {
  try {
    await client.sendCommand(['SET', PROBE_KEY, new Date().toISOString(), 'PX', '60000']);
    return { ok: true };
  } catch (error) {
    return { ok: false, error: (error as Error).message };
  }
}

/** SET the canary key on `site` (kept if already there: a retried guard keeps the first value). */
export async function writeCanary(args: ElasticacheArgs, site: SiteRole, where: string, key: string, value: string) {
  return withRedis(args, site, where, async (client) => {
    await client.sendCommand(['SET', key, value, 'NX']);
    return String(await client.sendCommand(['GET', key]));
  });
}

export async function readKey(
  args: ElasticacheArgs,
  site: SiteRole,
  where: string,
  key: string,
): Promise<string | null> {
  return withRedis(args, site, where, async (client) => {
    const value = await client.sendCommand(['GET', key]);
    return value === null || value === undefined ? null : String(value);
  });
}
