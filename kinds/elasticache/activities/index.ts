/**
 * The elasticache* activities (FIELD-NOTES 8.5, 12). The control plane says where the primary is
 * (DescribeReplicationGroups / DescribeGlobalReplicationGroups) and switches it (TestFailover,
 * FailoverGlobalReplicationGroup); CloudWatch says how far behind the other side is; the data
 * plane (TLS, AUTH) carries the canary key. Every switch looks first, acts, then waits for a change
 * before waiting for `available` (waiters poll at once); what cannot be confirmed fails.
 */
import { ApplicationFailure } from '@temporalio/common';
import { redisCanaryKey } from '../../kit/activities/canary';
import { failRetryable } from '../../kit/activities/failures';
import { pollUntil } from '../../kit/activities/polling';
import type { Observation, StepDrivers, StepInput } from '../../kit/activities/types';
import type { AwsClients } from '../../kit/aws/clients';
import { runManagedSwitch } from '../../kit/aws/managedSwitch';
import { describeNode, describeRedisError, withRedis, readReplication } from '../../redis/activities/node';
import { otherSite, type SiteRole } from '../../../domain';
import type { ElasticacheAction, ElasticacheArgs } from '../actions';
import { failOverTo, label, regionOf, serving } from './controlPlane';
import { endpointOf, look, readKey, writeCanary, writeProbe } from './dataPlane';
import { metricOf, replicationLag, type Lag } from './lag';

const keyOf = (input: StepInput, args: ElasticacheArgs) => redisCanaryKey(input, args.canary);

/** ElastiCache's primary is where it serves. */
const ELASTICACHE_WORDS = {
  serves: 'is primary on',
  servesNot: 'is not primary on',
  alreadyServes: 'is already primary on',
  toServe: 'be primary on',
};

export function createElasticacheActivities(deps: { aws: () => AwsClients }): StepDrivers<ElasticacheAction> {
  return {
    /** The serving side is primary and available; both endpoints answer over TLS with the token. */
    async elasticachePreflight(input): Promise<Observation> {
      const args = input.step.args;
      const now = await serving(deps.aws(), args);
      if (now.site !== args.from)
        throw ApplicationFailure.nonRetryable(
          `ElastiCache (${args.mode}) is primary on ${now.site ? label(args, now.site) : 'neither side the plan names'}, not on ${label(args, args.from)}: ${now.said}; fix the plan or fail back first`,
          'ElasticacheWrongSide',
          now.facts,
        );
      if (!now.available)
        failRetryable(`ElastiCache is not available: ${now.said}`, 'ElasticacheNotAvailable', now.facts);
      const nodes = {
        [args.from]: await look(args, args.from, input.step.id),
        [args.to]: await look(args, args.to, input.step.id),
      };
      for (const site of [args.from, args.to])
        if (!nodes[site].reachable)
          failRetryable(
            `${args.component} on ${args.siteNames[site]} (${endpointOf(args, site)}) does not answer: ${nodes[site].error}`,
            'RedisUnreachable',
            { ...now.facts, nodes },
          );
      return {
        summary: `ElastiCache ${args.mode} is primary on ${label(args, args.from)} and available (${now.said}); ${args.siteNames[args.from]} answers as ${describeNode(nodes[args.from])}; ${args.siteNames[args.to]} as ${describeNode(nodes[args.to])}`,
        facts: { ...now.facts, nodes },
      };
    },

    /** This site's side is primary (serving) or stands by, available, and its endpoint answers. */
    async elasticacheHealth(input): Promise<Observation> {
      const args = input.step.args;
      const site = input.step.site ?? args.to;
      const now = await serving(deps.aws(), args);
      if (args.serving !== false && now.site !== site)
        failRetryable(
          `ElastiCache is not primary on ${label(args, site)}: ${now.said}`,
          'ElasticacheNotServing',
          now.facts,
        );
      if (!now.available)
        failRetryable(`ElastiCache is not available: ${now.said}`, 'ElasticacheNotAvailable', now.facts);
      const node = await look(args, site, input.step.id);
      if (!node.reachable)
        failRetryable(
          `${args.component} on ${args.siteNames[site]} (${endpointOf(args, site)}) does not answer: ${node.error}`,
          'RedisUnreachable',
          { ...now.facts, node },
        );
      return {
        summary: `ElastiCache ${args.serving === false ? `stands by on ${label(args, site)}` : `is primary on ${label(args, site)}`}: ${now.said}; the endpoint answers as ${describeNode(node)}`,
        facts: { ...now.facts, node },
      };
    },

    /**
     * Before a switch: CloudWatch's lag within the RPO (no datapoint: cannot tell, so a planned
     * switch does not go ahead), the other side's link up as INFO replication says, and a canary
     * key written on the serving side and read on the other.
     */
    async elasticacheGuard(input): Promise<Observation> {
      const args = input.step.args;
      const { from, to, planned } = args;
      const clients = deps.aws();
      const now = await serving(clients, args);
      const facts: Record<string, unknown> = { planned, ...now.facts };
      if (now.site === to)
        return { summary: `ElastiCache is already primary on ${label(args, to)}: ${now.said}`, facts };
      // In an outage the lag is a record, not a condition: CloudWatch not answering must not hold the promotion.
      const lag: Lag = await replicationLag(clients, args).catch((error: Error): Lag => {
        if (planned) throw error;
        facts.lagError = error.message;
        return { metric: metricOf(args), node: args.sites[to].replicationGroup, region: regionOf(args, to) };
      });
      facts.lag = lag;
      const rpo = args.rpoMs !== undefined ? ` (RPO ${Math.round(args.rpoMs / 1000)}s)` : '';
      if (planned) {
        if (lag.seconds === undefined)
          failRetryable(
            `CloudWatch has no ${lag.metric} datapoint for ${lag.node} in ${lag.region} in the last 5 minutes: the lag of ${args.siteNames[to]} cannot be told, so the failover does not go ahead`,
            'ReplicationLagUnknown',
            facts,
          );
        if (args.rpoMs !== undefined && lag.seconds * 1000 > args.rpoMs)
          failRetryable(
            `${lag.node} lags ${lag.seconds}s behind (${lag.metric}), more than the RPO of ${Math.round(args.rpoMs / 1000)}s: failing over now would lose that much`,
            'ReplicationLagOverRpo',
            facts,
          );
      }
      const [old, cand] = [await look(args, from, input.step.id), await look(args, to, input.step.id)];
      Object.assign(facts, { [from]: old, [to]: cand });
      if (planned) {
        for (const [site, node] of [
          [from, old],
          [to, cand],
        ] as const)
          if (!node.reachable)
            failRetryable(
              `refusing a planned failover of ${args.component}: ${args.siteNames[site]} (${endpointOf(args, site)}) does not answer (${node.error})`,
              'RedisUnreachable',
              facts,
            );
        if (cand.role === 'replica' && cand.linkUp === false)
          failRetryable(
            `refusing a planned failover of ${args.component} to ${args.siteNames[to]}: INFO replication says its link is down (${describeNode(cand)})`,
            'ReplicationBroken',
            facts,
          );
      }
      if (!old.reachable)
        return {
          summary: `ElastiCache ${lag.metric} of ${lag.node}: ${lag.seconds ?? 'unknown'}s${rpo}; ${args.siteNames[from]} does not answer (${old.error}), so no canary key was written`,
          facts,
        };
      const key = keyOf(input, args);
      const value = await writeCanary(args, from, input.step.id, key, new Date().toISOString()).catch((error: Error) =>
        failRetryable(
          `the canary key could not be written on ${args.siteNames[from]} (${endpointOf(args, from)}): ${describeRedisError(error)}`,
          'CanaryWriteFailed',
          facts,
        ),
      );
      const arrived = await pollUntil(
        `the canary key on ${args.siteNames[to]}`,
        args.catchUpTimeoutMs,
        async () => (await readKey(args, to, input.step.id, key).catch(() => null)) === value,
        500,
      );
      Object.assign(facts, { canary: key, canaryArrived: arrived.reached, canaryWaitedMs: arrived.waitedMs });
      if (!arrived.reached && planned)
        failRetryable(
          `the canary key ${key} written on ${args.siteNames[from]} was not read on ${args.siteNames[to]} within ${Math.round(args.catchUpTimeoutMs / 1000)}s: replication does not reach it`,
          'CanaryNotReplicated',
          facts,
        );
      return {
        summary: `ElastiCache ${lag.metric} of ${lag.node}: ${lag.seconds ?? 'unknown'}s${rpo}; canary key written on ${args.siteNames[from]} ${arrived.reached ? `and read on ${args.siteNames[to]} after ${(arrived.waitedMs / 1000).toFixed(1)}s` : `but not read on ${args.siteNames[to]}`}; ${args.siteNames[to]}: ${describeNode(cand)}`,
        facts,
      };
    },

    async elasticacheActivate(input): Promise<Observation> {
      const args = input.step.args;
      const site = input.step.site ?? args.to;
      const clients = deps.aws();
      return runManagedSwitch({
        service: 'ElastiCache',
        errorPrefix: 'Elasticache',
        change: 'failover',
        words: ELASTICACHE_WORDS,
        target: site,
        targetLabel: label(args, site),
        targetName: args.siteNames[site],
        waitTimeoutMs: args.waitTimeoutMs,
        pollIntervalMs: args.pollIntervalMs,
        read: () => serving(clients, args),
        ask: () => failOverTo(clients, args, site),
      });
    },

    /** After the switch, through the data plane: the new side writes and holds the canary; the old side refuses writes. */
    async elasticacheVerify(input): Promise<Observation> {
      const args = input.step.args;
      const to = input.step.site ?? args.to;
      const from: SiteRole = otherSite(to);
      const key = keyOf(input, args);
      await look(args, to, input.step.id);
      const seen = await withRedis(args, to, input.step.id, async (client) => ({
        node: await readReplication(client),
        probe: await writeProbe(client),
        canary: await client.sendCommand(['GET', key]),
      })).catch((error: Error) =>
        failRetryable(
          `${args.component} on ${args.siteNames[to]} (${endpointOf(args, to)}) does not answer: ${describeRedisError(error)}`,
          'RedisUnreachable',
        ),
      );
      const old = await look(args, from, input.step.id);
      const oldProbe = old.reachable
        ? await withRedis(args, from, input.step.id, writeProbe).catch(() => undefined)
        : undefined;
      const facts = {
        [to]: seen.node,
        probe: seen.probe,
        canary: key,
        canaryFound: seen.canary !== null,
        [from]: old,
        oldProbe,
      };
      if (!seen.probe.ok)
        failRetryable(
          `${args.component} on ${args.siteNames[to]} does not take writes after the switch (${seen.probe.error}; ${describeNode(seen.node)})`,
          'NotWritable',
          facts,
        );
      if (oldProbe?.ok)
        failRetryable(
          `${args.component}: ${args.siteNames[from]} (${endpointOf(args, from)}) still takes writes beside ${args.siteNames[to]}: two writers`,
          'TwoWriters',
          facts,
        );
      if (seen.canary === null && args.planned)
        failRetryable(`the canary key ${key} is missing on ${args.siteNames[to]}`, 'CanaryMissing', facts);
      return {
        summary: `${args.component} on ${args.siteNames[to]} takes writes${seen.canary !== null ? ' and holds the canary key' : ' (no canary key: the old side did not answer when it was to be written)'}; ${args.siteNames[from]} ${old.reachable ? `refuses writes (${oldProbe?.error ?? 'no answer'})` : `does not answer (${old.error})`}`,
        facts,
      };
    },
  };
}
