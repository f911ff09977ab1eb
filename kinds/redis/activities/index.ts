/**
 * Redis master/replica across two sites (FIELD-NOTES 8): health from INFO replication, a guard that
 * refuses a planned switch while the link is down or the replica lags past the RPO, a fence that
 * really refuses writes (min-replicas-to-write out of reach: CLIENT PAUSE only holds them), promote
 * with FAILOVER when both answer (REPLICAOF NO ONE otherwise), re-protect the old master as a
 * replica, and a canary key written with WAIT before the switch and read on the new master after.
 */
import { failNonRetryable, failRetryable } from '../../kit/activities/failures';
import { pollUntil } from '../../kit/activities/polling';
import { awaitReturn } from '../../kit/activities/awaitReturn';
import {
  describeNode,
  describeRedisError,
  follows,
  inspect,
  inspectNode,
  linkOf,
  withRedis,
  type RedisConnection,
  type RedisNodeState,
} from './node';
import { redisCanaryKey } from '../../kit/activities/canary';
import type { StepDrivers, StepInput } from '../../kit/activities/types';
import { otherSite, type SiteRole } from '../../../domain';
import type { RedisAction, RedisArgs } from '../actions';

/** min-replicas-to-write while fenced: no master has that many replicas, so every write gets NOREPLICAS. */
export const FENCED_MIN_REPLICAS = 1_000_000;
const PROBE_KEY = 'drillbook:write-probe';

/** Wrong credentials will not fix themselves: say what to change instead of retrying. */
function failOnAuth(args: RedisArgs, site: SiteRole, node: RedisNodeState): void {
  if (node.reachable || !/WRONGPASS|NOAUTH|NOPERM/.test(node.error ?? '')) return;
  const { host, port } = args.sites[site];
  failNonRetryable(
    `${args.component} on ${args.siteNames[site]} (${host}:${port}) refused the drill's credentials: ${node.error}. Check the plan's username and password reference and the ACL user's commands (INFO, CONFIG, REPLICAOF, FAILOVER, WAIT).`,
    'RedisAuth',
  );
}

const keyOf = (input: StepInput, args: RedisArgs): string => redisCanaryKey(input, args.canary);

async function writeProbe(client: RedisConnection): Promise<{ ok: boolean; error?: string }> {
  try {
    await client.sendCommand(['SET', PROBE_KEY, new Date().toISOString(), 'PX', '60000']);
    return { ok: true };
  } catch (error) {
    return { ok: false, error: (error as Error).message };
  }
}

export function createRedisActivities(): StepDrivers<RedisAction> {
  const look = async (input: StepInput<RedisAction>, site: SiteRole): Promise<RedisNodeState> => {
    const node = await inspect(input.step.args, site, input.step.id);
    failOnAuth(input.step.args, site, node);
    return node;
  };
  const endpoint = (args: RedisArgs, site: SiteRole) => `${args.sites[site].host}:${args.sites[site].port}`;

  return {
    /** Is this site's node answering? Reports role and replication; fails only when it does not answer. */
    async redisHealth(input) {
      const args = input.step.args;
      const site = input.step.site ?? args.to;
      const node = await look(input, site);
      const facts = { site, endpoint: endpoint(args, site), node };
      if (!node.reachable)
        failRetryable(
          `${args.component} on ${args.siteNames[site]} (${endpoint(args, site)}) does not answer: ${node.error}`,
          'RedisUnreachable',
          facts,
        );
      return { summary: `${args.component} on ${args.siteNames[site]}: ${describeNode(node)}`, facts };
    },

    /** Before anything changes: one master, the other site's node replicating from it with its link up. */
    async redisPreflight(input) {
      const args = input.step.args;
      const [from, to] = [await look(input, args.from), await look(input, args.to)];
      const facts = { [args.from]: from, [args.to]: to };
      const name = (s: SiteRole) => args.siteNames[s];
      if (!from.reachable || !to.reachable)
        failRetryable(
          `${args.component}: ${!from.reachable ? name(args.from) : name(args.to)} does not answer`,
          'RedisUnreachable',
          facts,
        );
      if (from.role === 'master' && to.role === 'master')
        failRetryable(
          `${args.component}: both ${name(args.from)} and ${name(args.to)} are masters: two writers`,
          'TwoMasters',
          facts,
        );
      if (from.role !== 'master')
        failRetryable(
          `${args.component}: ${name(args.from)} is not the master (${describeNode(from)})`,
          'NotMaster',
          facts,
        );
      const link = linkOf(from, args.sites[args.to]);
      if (!(follows(to, args.sites[args.from]) || link) || !to.linkUp)
        failRetryable(
          `${args.component}: ${name(args.to)} does not replicate from ${name(args.from)} with its link up (${describeNode(to)})`,
          'ReplicationBroken',
          facts,
        );
      return {
        summary: `${args.component}: ${name(args.from)} is the master and ${name(args.to)} replicates from it, ${Math.max(0, (from.offset ?? 0) - (link?.offset ?? to.offset ?? 0))} B behind`,
        facts,
      };
    },

    /**
     * Before a switch from `from` to `to`. Planned: refuse unless `to` replicates from `from` with the
     * link up and its lag (seconds since its last ACK, and bytes) within the RPO; then write the
     * canary key and WAIT until the replica acknowledged it. Unplanned: record the lag, and write the
     * canary if the old master still answers.
     */
    async redisGuard(input) {
      const args = input.step.args;
      const { from, to } = args;
      const [old, cand] = [await look(input, from), await look(input, to)];
      const link = old.reachable ? linkOf(old, args.sites[to]) : undefined;
      const lagBytes = link && old.offset !== undefined ? Math.max(0, old.offset - link.offset) : undefined;
      const lagSeconds =
        link?.lagSeconds ?? (cand.reachable && cand.role === 'replica' ? cand.lastIoSecondsAgo : undefined);
      const facts: Record<string, unknown> = { planned: args.planned, [from]: old, [to]: cand, lagBytes, lagSeconds };
      const newName = args.siteNames[to];
      const oldName = args.siteNames[from];
      if (args.planned) {
        if (!old.reachable)
          failRetryable(
            `refusing a planned switchover of ${args.component}: ${oldName} does not answer (${old.error})`,
            'RedisUnreachable',
            facts,
          );
        if (!cand.reachable)
          failRetryable(
            `refusing a planned switchover of ${args.component}: ${newName} does not answer (${cand.error})`,
            'RedisUnreachable',
            facts,
          );
        // The replica may reach its master by another address (a proxy, NAT): the master's own list counts too.
        const following = cand.role === 'replica' && (follows(cand, args.sites[from]) || Boolean(link));
        if (!following || !cand.linkUp || !link || link.state !== 'online') {
          failRetryable(
            `refusing a planned switchover of ${args.component} to ${newName}: it does not replicate from ${oldName} with its link up (${describeNode(cand)}). An operator may skip this guard with a reason.`,
            'ReplicationBroken',
            facts,
          );
        }
        if (args.rpoMs !== undefined && (lagSeconds ?? 0) * 1000 > args.rpoMs) {
          failRetryable(
            `refusing a planned switchover of ${args.component} to ${newName}: its last acknowledgement is ${lagSeconds}s old, more than the RPO objective of ${args.rpoMs / 1000}s. An operator may skip this guard with a reason.`,
            'LagOverObjective',
            facts,
          );
        }
        if (args.maxLagBytes !== undefined && (lagBytes ?? 0) > args.maxLagBytes) {
          failRetryable(
            `refusing a planned switchover of ${args.component} to ${newName}: it is ${lagBytes} B behind, more than the plan's maxLagBytes of ${args.maxLagBytes}. An operator may skip this guard with a reason.`,
            'LagOverObjective',
            facts,
          );
        }
      }
      let canary: Record<string, unknown> | undefined;
      if (old.reachable && old.role === 'master') {
        const key = keyOf(input, args);
        canary = await withRedis(args, from, input.step.id, async (client) => {
          const existing = await client.sendCommand(['GET', key]);
          const value = existing
            ? String(existing)
            : JSON.stringify({
                drillId: input.drillId,
                canary: args.canary,
                writtenAt: new Date().toISOString(),
                site: oldName,
              });
          if (!existing) await client.sendCommand(['SET', key, value]);
          const acks = Number(await client.sendCommand(['WAIT', '1', '5000']));
          return { key, value, acknowledgedBy: acks };
        });
        facts.canary = canary;
        if (args.planned && Number(canary.acknowledgedBy) < 1)
          failRetryable(
            `${args.component}: the canary key was not acknowledged by ${newName} within 5 s (WAIT 1 5000 returned 0)`,
            'CanaryNotReplicated',
            facts,
          );
      }
      const lag = `${lagBytes ?? '?'} B and ${lagSeconds ?? '?'} s behind`;
      return {
        summary: args.planned
          ? `${args.component}: ${newName} replicates from ${oldName} with its link up, ${lag}; canary key written and acknowledged by ${canary?.acknowledgedBy} replica(s)`
          : `${args.component}: ${newName} is ${cand.reachable ? describeNode(cand) : `unreachable (${cand.error})`}; ${canary ? `canary key written on ${oldName}` : `${oldName} ${old.reachable ? 'is not a master' : 'does not answer'}: no canary`}`,
        facts,
      };
    },

    /**
     * Fences the old master on this site: writes are refused at once (NOREPLICAS) while it stays a
     * master its replica can still catch up from. Proves it with a probe write. A node that is
     * already a replica is fenced already.
     */
    async redisFence(input) {
      const args = input.step.args;
      const site = input.step.site ?? args.from;
      const at = args.siteNames[site];
      const node = await look(input, site);
      const facts: Record<string, unknown> = { site, before: node };
      if (!node.reachable)
        failRetryable(
          `${args.component} on ${at} does not answer, so it cannot be fenced (${node.error}); if the site is gone, an operator may skip this step with a reason`,
          'RedisUnreachable',
          facts,
        );
      if (node.role === 'replica')
        return {
          summary: `${args.component} on ${at} is already a replica (${describeNode(node)}): it refuses writes`,
          facts,
        };
      const probe = await withRedis(args, site, input.step.id, async (client) => {
        if ((node.minReplicasToWrite ?? 0) < FENCED_MIN_REPLICAS)
          await client.sendCommand(['CONFIG', 'SET', 'min-replicas-to-write', String(FENCED_MIN_REPLICAS)]);
        return writeProbe(client);
      });
      Object.assign(facts, { minReplicasToWriteBefore: node.minReplicasToWrite, probe, offsetAtFence: node.offset });
      if (probe.ok)
        failRetryable(
          `${args.component} on ${at}: a probe write still succeeded after raising min-replicas-to-write; it is not fenced`,
          'FenceFailed',
          facts,
        );
      return {
        summary: `${args.component} on ${at} is fenced: writes get "${(probe.error ?? '').split(' ').slice(0, 5).join(' ')}" (min-replicas-to-write ${FENCED_MIN_REPLICAS}, was ${node.minReplicasToWrite}); offset at fence ${node.offset}`,
        facts,
      };
    },

    /**
     * Makes this site's node the master. Planned: wait until it holds everything the fenced old
     * master wrote, then FAILOVER (the old master becomes its replica in the same move);
     * REPLICAOF NO ONE if FAILOVER is refused. Unplanned: REPLICAOF NO ONE, and the old master, if
     * it answers, follows the new one. Either way the new master takes writes again.
     */
    async redisPromote(input) {
      const args = input.step.args;
      const to = input.step.site ?? args.to;
      const from = otherSite(to);
      const [newName, oldName] = [args.siteNames[to], args.siteNames[from]];
      const cand = await look(input, to);
      const old = await look(input, from);
      const facts: Record<string, unknown> = { planned: args.planned, [to]: cand, [from]: old };
      if (!cand.reachable)
        failRetryable(
          `${args.component} on ${newName} does not answer (${cand.error}); cannot promote it`,
          'RedisUnreachable',
          facts,
        );
      let how: string;
      if (cand.role === 'master') {
        if (old.reachable && old.role === 'master')
          failRetryable(
            `${args.component}: ${newName} and ${oldName} are both masters; refusing to pick one (fence ${oldName} or make it a replica first)`,
            'TwoMasters',
            facts,
          );
        how = `was already the master`;
      } else if (args.planned) {
        if (!old.reachable)
          failRetryable(
            `${args.component}: ${oldName} does not answer, so a planned promote cannot prove ${newName} holds everything; use failover mode for an outage`,
            'RedisUnreachable',
            facts,
          );
        const target = old.offset ?? 0;
        let seen = cand;
        const wait = await pollUntil(`${newName} to reach offset ${target}`, args.catchUpTimeoutMs, async () => {
          seen = await inspect(args, to, input.step.id);
          return Boolean(seen.reachable && (seen.offset ?? -1) >= target);
        });
        Object.assign(facts, {
          catchUp: { target, reached: wait.reached, offset: seen.offset, waitedMs: wait.waitedMs },
        });
        if (!wait.reached)
          failRetryable(
            `${args.component}: ${newName} is at offset ${seen.offset}, short of ${oldName}'s ${target} after ${Math.round(args.catchUpTimeoutMs / 1000)}s`,
            'CatchUpTimeout',
            facts,
          );
        how = await failover(args, from, to, input.step.id, facts);
      } else {
        await withRedis(args, to, input.step.id, (client) => client.sendCommand(['REPLICAOF', 'NO', 'ONE']));
        how = `REPLICAOF NO ONE (${oldName} ${old.reachable ? 'still answers' : 'does not answer'}; link down for ${cand.linkDownSinceSeconds ?? '?'} s)`;
        if (old.reachable && old.role === 'master') {
          await withRedis(args, from, input.step.id, (client) =>
            client.sendCommand(['REPLICAOF', args.sites[to].host, String(args.sites[to].port)]),
          );
          how += `; ${oldName} now follows it`;
        }
      }
      const after = await withRedis(args, to, input.step.id, async (client) => {
        await client.sendCommand(['CONFIG', 'SET', 'min-replicas-to-write', String(args.minReplicasToWrite)]);
        return { node: await inspectNode(client), probe: await writeProbe(client) };
      });
      Object.assign(facts, { after: after.node, probe: after.probe });
      if (after.node.role !== 'master' || !after.probe.ok)
        failRetryable(
          `${args.component} on ${newName} does not take writes after the promote: ${after.probe.error ?? describeNode(after.node)}`,
          'PromoteFailed',
          facts,
        );
      return { summary: `${args.component} on ${newName} is the master and takes writes: ${how}`, facts };
    },

    /** Makes this site's node a replica of the other site's master and waits until its link is up. */
    async redisReprotect(input) {
      const args = input.step.args;
      const site = input.step.site as SiteRole;
      const other = otherSite(site);
      const at = args.siteNames[site];
      const node = await look(input, site);
      const facts: Record<string, unknown> = { site, before: node };
      if (!node.reachable)
        failRetryable(
          `${args.component} on ${at} does not answer (${node.error}); it cannot rejoin as a replica until it runs`,
          'RedisUnreachable',
          facts,
        );
      const master = args.sites[other];
      if (follows(node, master) && node.linkUp && !node.syncInProgress)
        return {
          summary: `${args.component} on ${at} already replicates from ${args.siteNames[other]} with its link up`,
          facts,
        };
      if (!follows(node, master)) {
        await withRedis(args, site, input.step.id, (client) =>
          client.sendCommand(['REPLICAOF', master.host, String(master.port)]),
        );
      }
      let seen = node;
      const wait = await pollUntil(
        `${at} to replicate from ${args.siteNames[other]}`,
        args.catchUpTimeoutMs,
        async () => {
          seen = await inspect(args, site, input.step.id);
          return Boolean(seen.linkUp && !seen.syncInProgress);
        },
      );
      Object.assign(facts, { after: seen, waitedMs: wait.waitedMs });
      if (!wait.reached)
        failRetryable(
          `${args.component} on ${at}: no replication link to ${args.siteNames[other]} after ${Math.round(args.catchUpTimeoutMs / 1000)}s (${describeNode(seen)})`,
          'ReplicationBroken',
          facts,
        );
      const diverged =
        node.role === 'master' && (node.offset ?? 0) > 0
          ? ` (it was a master at offset ${node.offset}; what it held beyond the new master was discarded by the resync)`
          : '';
      return {
        summary: `${args.component} on ${at} is a replica of ${args.siteNames[other]} again, link up${diverged}`,
        facts,
      };
    },

    /**
     * Reprotect: waits until the lost site's node answers again (bounded by the step's timeout).
     * Reports what it came back as: a replica (the lab's nodes start as one until promoted), or a
     * master, which the fence step must deal with next.
     */
    async redisAwaitReturn(input) {
      const args = input.step.args;
      const site = input.step.site ?? args.from;
      const at = `${args.component} on ${args.siteNames[site]} (${endpoint(args, site)})`;
      const back = await awaitReturn(input, at, async () => {
        const node = await look(input, site);
        return { back: node.reachable, detail: describeNode(node), facts: { node } };
      });
      return {
        summary: `${at} answers again after ${Math.round(back.waitedMs / 1000)}s: ${back.detail}`,
        facts: { site, ...back.facts, waitedMs: back.waitedMs },
      };
    },

    /**
     * Reprotect check: the returned node replicates from the serving master with its link up and has
     * caught up: its offset reaches the master's offset as read at the start of the check, and the
     * master's view of its last acknowledgement is within the RPO.
     */
    async redisReprotected(input) {
      const args = input.step.args;
      const site = input.step.site ?? args.from;
      const serving = otherSite(site);
      const [at, servingName] = [args.siteNames[site], args.siteNames[serving]];
      const master = await look(input, serving);
      const facts: Record<string, unknown> = { site, master };
      if (!master.reachable || master.role !== 'master')
        failRetryable(
          `${args.component}: ${servingName} is not a master that answers (${describeNode(master)}); nothing to replicate from`,
          'NotMaster',
          facts,
        );
      const target = master.offset ?? 0;
      let seen: RedisNodeState = { reachable: false };
      const wait = await pollUntil(`${at} to reach offset ${target}`, args.catchUpTimeoutMs, async () => {
        seen = await inspect(args, site, input.step.id);
        return Boolean(
          follows(seen, args.sites[serving]) && seen.linkUp && !seen.syncInProgress && (seen.offset ?? -1) >= target,
        );
      });
      const link = linkOf(await look(input, serving), args.sites[site]);
      Object.assign(facts, { replica: seen, target, link, waitedMs: wait.waitedMs });
      if (!follows(seen, args.sites[serving]) || !seen.linkUp)
        failRetryable(
          `${args.component} on ${at} does not replicate from ${servingName} with its link up (${describeNode(seen)})`,
          'ReplicationBroken',
          facts,
        );
      if (!wait.reached)
        failRetryable(
          `${args.component} on ${at} is at offset ${seen.offset}, short of ${servingName}'s ${target} after ${Math.round(args.catchUpTimeoutMs / 1000)}s`,
          'CatchUpTimeout',
          facts,
        );
      if (args.rpoMs !== undefined && link && link.lagSeconds * 1000 > args.rpoMs)
        failRetryable(
          `${args.component} on ${at}: its last acknowledgement to ${servingName} is ${link.lagSeconds}s old, more than the RPO objective of ${args.rpoMs / 1000}s`,
          'LagOverObjective',
          facts,
        );
      return {
        summary: `${args.component} on ${at} replicates from ${servingName}, link up, caught up to offset ${target} in ${Math.round(wait.waitedMs / 100) / 10}s${link ? ` (last ACK ${link.lagSeconds}s ago)` : ''}`,
        facts,
      };
    },

    /** After a switch: `to` is the only master, takes writes, and holds the canary key written before. */
    async redisVerify(input) {
      const args = input.step.args;
      const to = input.step.site ?? args.to;
      const from = otherSite(to);
      const newName = args.siteNames[to];
      const old = await look(input, from);
      const facts: Record<string, unknown> = { [from]: old };
      const key = keyOf(input, args);
      const seen = await withRedis(args, to, input.step.id, async (client) => ({
        node: await inspectNode(client),
        probe: await writeProbe(client),
        canary: await client.sendCommand(['GET', key]),
      })).catch((error: Error) =>
        failRetryable(
          `${args.component} on ${newName} does not answer: ${describeRedisError(error)}`,
          'RedisUnreachable',
          facts,
        ),
      );
      Object.assign(facts, { [to]: seen.node, probe: seen.probe });
      if (seen.node.role !== 'master')
        failRetryable(
          `${args.component} on ${newName} is not the master after the switch (${describeNode(seen.node)})`,
          'NotMaster',
          facts,
        );
      if (old.reachable && old.role === 'master' && (old.minReplicasToWrite ?? 0) < FENCED_MIN_REPLICAS) {
        failRetryable(
          `${args.component}: ${args.siteNames[from]} is still a master that takes writes beside ${newName}: two writers`,
          'TwoMasters',
          facts,
        );
      }
      if (!seen.probe.ok)
        failRetryable(`${args.component} on ${newName} refuses writes: ${seen.probe.error}`, 'NotWritable', facts);
      const found = seen.canary !== null && seen.canary !== undefined;
      const written = found ? (JSON.parse(String(seen.canary)) as { writtenAt?: string }).writtenAt : undefined;
      facts.canary = { key, found, value: found ? String(seen.canary) : null };
      facts.rpoEvidence = {
        canaryFound: found,
        dataLossMs: found ? 0 : undefined,
        detail: found
          ? `Redis canary key written at ${written} was read on ${newName}`
          : `Redis canary key ${key} was NOT found on ${newName}`,
      };
      if (!found && args.planned)
        failRetryable(`${args.component}: the canary key ${key} is missing on ${newName}`, 'CanaryMissing', facts);
      return {
        summary: `${args.component} on ${newName}: the only master, takes writes; canary ${found ? 'found' : 'missing'}`,
        facts,
      };
    },
  };
}

/** FAILOVER TO the candidate, waited for; REPLICAOF on both sides when the old master refuses it. */
async function failover(
  args: RedisArgs,
  from: SiteRole,
  to: SiteRole,
  where: string,
  facts: Record<string, unknown>,
): Promise<string> {
  const target = args.sites[to];
  const [newName, oldName] = [args.siteNames[to], args.siteNames[from]];
  let refusal: string | undefined;
  try {
    await withRedis(args, from, where, (client) =>
      client.sendCommand([
        'FAILOVER',
        'TO',
        target.host,
        String(target.port),
        'TIMEOUT',
        String(Math.max(1000, args.catchUpTimeoutMs)),
      ]),
    );
  } catch (error) {
    refusal = (error as Error).message;
  }
  if (!refusal) {
    let oldState: RedisNodeState | undefined;
    const done = await pollUntil(`FAILOVER from ${oldName} to ${newName}`, args.catchUpTimeoutMs + 5000, async () => {
      oldState = await inspect(args, from, where);
      const cand = await inspect(args, to, where);
      return cand.role === 'master' && oldState.failoverState === 'no-failover';
    });
    facts.failover = { waitedMs: done.waitedMs, old: oldState };
    if (done.reached) return `FAILOVER: ${oldName} handed over and now replicates from it`;
    refusal = `FAILOVER did not finish within ${Math.round((args.catchUpTimeoutMs + 5000) / 1000)}s (${oldName}: ${oldState?.failoverState})`;
  }
  facts.failoverRefused = refusal;
  await withRedis(args, to, where, (client) => client.sendCommand(['REPLICAOF', 'NO', 'ONE']));
  await withRedis(args, from, where, (client) => client.sendCommand(['REPLICAOF', target.host, String(target.port)]));
  return `REPLICAOF NO ONE after FAILOVER was refused (${refusal}); ${oldName} now follows it`;
}
