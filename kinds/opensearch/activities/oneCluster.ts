/**
 * The OpenSearch activities: cluster health as seen from a site's node, a recent snapshot found or
 * taken, draining a node before it stops and undoing it after, and a canary document that must be
 * readable from the new side after a switch. How the cluster is read, drained, snapshotted and
 * canaried lives beside this file, one concern each.
 */
import { canaryId, snapshotName } from '../../kit/activities/canary';
import { failNonRetryable, failRetryable } from '../../kit/activities/failures';
import { pollFor, pollUntil } from '../../kit/activities/polling';
import { resolveSecret } from '../../kit/activities/secrets';
import type { StepDrivers, StepInput } from '../../kit/activities/types';
import { excluded, onlyCopiesOn, setExcluded, shardsOn } from './allocation';
import { ensureCanaryIndex, readCanaryDoc, writeCanaryDoc } from './canary';
import { type Body, type Health, anyNode, clientsFor, clusterLost, health, nodeNames } from './cluster';
import { getSnapshot, isGoodSnapshot, listSnapshots, newestGood, snapshotFacts } from './snapshots';
import { otherSite } from '../../../domain';
import type { OpensearchAction } from '../actions';

async function setup<A extends OpensearchAction>(input: StepInput<A>) {
  const args = input.step.args;
  const password = args.password ? await resolveSecret(args.password, `${input.step.id}.password`) : undefined;
  return { args, client: clientsFor(args, password) };
}

export function createOpensearchActivities(): StepDrivers<OpensearchAction> {
  const drivers: StepDrivers<OpensearchAction> = {
    /** Waits (bounded) for the cluster, seen from this site's node, to be at least the plan's minimum status. */
    async opensearchHealth(input) {
      const { args, client } = await setup(input);
      const site = input.step.site ?? args.to;
      const c = client(site);
      try {
        const { reached, waitedMs, last } = await pollFor(
          `cluster ${args.minStatus} via ${args.siteNames[site]}`,
          args.waitMs,
          () => health(c, args.minStatus, 2),
          (h: Health) =>
            h.reachable &&
            !h.timedOut &&
            (h.status === 'green' || (args.minStatus === 'yellow' && h.status === 'yellow')),
          500,
        );
        const names = last.reachable ? await nodeNames(c).catch(() => []) : [];
        const facts = {
          site,
          node: args.sites[site].node,
          url: args.sites[site].url,
          health: last,
          nodes: names,
          waitedMs,
        };
        if (!last.reachable)
          failRetryable(
            `${args.component} on ${args.siteNames[site]} (${args.sites[site].url}) does not answer: ${last.error}`,
            'SearchUnreachable',
            facts,
          );
        if (!reached)
          failRetryable(
            `${args.component}: cluster is ${last.status} via ${args.siteNames[site]} after ${Math.round(args.waitMs / 1000)}s (${last.unassignedShards} unassigned shards); needs ${args.minStatus}`,
            'ClusterUnhealthy',
            facts,
          );
        return {
          summary: `${args.component} via ${args.siteNames[site]}: cluster ${last.status}, ${last.nodes} node(s) (${names.join(', ')}), ${last.unassignedShards} unassigned shard(s)`,
          facts,
        };
      } finally {
        await c.close();
      }
    },

    /**
     * A successful snapshot (SUCCESS, no failed shards) ended within the plan's window; takes one
     * when the plan says always, or if-missing and none is recent enough.
     */
    async opensearchSnapshot(input) {
      const { args, client } = await setup(input);
      const snap = args.snapshot;
      if (!snap) failNonRetryable(`${args.component}: the plan names no snapshot repository`, 'NoSnapshotRepository');
      const node = await anyNode(client, input.step.site ?? 'primary');
      if (!node) failRetryable(`${args.component}: no node answers to check snapshots`, 'SearchUnreachable', {});
      const c = node.c;
      try {
        let snapshots = await listSnapshots(c, args.component, snap.repository);
        let recent = newestGood(snapshots, snap.maxAgeMs);
        let taken: Body | undefined;
        const name = snapshotName(input, args.canary);
        if (snap.take === 'always' || (snap.take === 'if-missing' && !recent)) {
          taken = snapshots.find((s) => s.snapshot === name);
          if (!taken) {
            await c.snapshot.create({
              repository: snap.repository,
              snapshot: name,
              wait_for_completion: false,
              body: { indices: snap.indices, include_global_state: false },
            });
          }
          const wait = await pollFor(
            `snapshot ${name}`,
            args.waitMs,
            () => getSnapshot(c, snap.repository, name),
            (s) => Boolean(s && s.state !== 'IN_PROGRESS'),
            500,
          );
          taken = wait.last;
          if (!wait.reached)
            failRetryable(
              `${args.component}: snapshot ${name} did not finish within ${Math.round(args.waitMs / 1000)}s`,
              'SnapshotTimeout',
              { snapshot: taken && snapshotFacts(taken) },
            );
          if (!taken || !isGoodSnapshot(taken, snap.maxAgeMs))
            failRetryable(
              `${args.component}: snapshot ${name} ended ${taken?.state} with ${(taken?.shards as Body | undefined)?.failed} failed shard(s)`,
              'SnapshotFailed',
              { snapshot: taken && snapshotFacts(taken) },
            );
          snapshots = await listSnapshots(c, args.component, snap.repository);
          recent = taken;
        }
        const facts = {
          repository: snap.repository,
          maxAgeMs: snap.maxAgeMs,
          count: snapshots.length,
          recent: recent ? snapshotFacts(recent) : null,
          taken: taken ? snapshotFacts(taken) : null,
        };
        if (!recent)
          failRetryable(
            `${args.component}: no successful snapshot in "${snap.repository}" ended within the last ${Math.round(snap.maxAgeMs / 60_000)} min`,
            'NoRecentSnapshot',
            facts,
          );
        const ageMin = Math.round((Date.now() - Number(recent.end_time_in_millis)) / 60_000);
        return {
          summary: `${args.component}: ${taken ? 'took' : 'found'} snapshot ${recent.snapshot} in ${snap.repository} (SUCCESS, ${(recent.shards as Body).successful}/${(recent.shards as Body).total} shards, ended ${ageMin} min ago)`,
          facts,
        };
      } finally {
        await c.close();
      }
    },

    /** Moves every shard off this site's node (allocation exclude) before it stops; idempotent. */
    async opensearchDrain(input) {
      const { args, client } = await setup(input);
      const site = input.step.site ?? args.from;
      const nodeName = args.sites[site].node;
      const otherNode = args.sites[otherSite(site)].node;
      const node = await anyNode(client, site);
      if (!node) failRetryable(`${args.component}: no node answers; cannot drain ${nodeName}`, 'SearchUnreachable', {});
      const c = node.c;
      try {
        const names = await nodeNames(c);
        if (!names.includes(nodeName))
          return {
            summary: `${args.component}: ${nodeName} is not in the cluster; nothing to drain`,
            facts: { node: nodeName, nodes: names },
          };
        if (!names.includes(otherNode)) {
          return {
            summary: `${args.component}: not draining ${nodeName}: ${otherNode} is not in the cluster, so its shards have nowhere to go`,
            facts: { node: nodeName, nodes: names, skipped: true },
          };
        }
        const before = await excluded(c);
        if (before.includes(otherNode)) {
          failRetryable(
            `${args.component}: cannot drain ${nodeName}: ${otherNode} is excluded from allocation too (left by an earlier drill?), so shards have nowhere to go; undrain it first`,
            'NowhereToDrain',
            { node: nodeName, excluded: before },
          );
        }
        if (!before.includes(nodeName)) await setExcluded(c, [...before, nodeName]);
        const initial = (await shardsOn(c, nodeName)).length;
        const wait = await pollFor(
          `shards on ${nodeName} to have a copy elsewhere`,
          args.waitMs,
          async () => (await onlyCopiesOn(c, nodeName)).length,
          (left) => left === 0,
          500,
        );
        const facts = {
          node: nodeName,
          excludedBefore: before,
          excluded: await excluded(c),
          shardsAtStart: initial,
          shardsLeft: wait.last,
          waitedMs: wait.waitedMs,
        };
        if (!wait.reached)
          failRetryable(
            `${args.component}: ${wait.last} shard(s) have their only copy on ${nodeName} after ${Math.round(args.waitMs / 1000)}s`,
            'DrainTimeout',
            facts,
          );
        return {
          summary: `${args.component}: drained ${nodeName}: every one of its ${initial} shard copies has a started copy on another node${before.includes(nodeName) ? ' (exclusion was already set)' : ''}`,
          facts,
        };
      } finally {
        await c.close();
      }
    },

    /** Lets shards return to this site's node (removes it from the allocation exclude); idempotent. */
    async opensearchUndrain(input) {
      const { args, client } = await setup(input);
      const site = input.step.site ?? args.to;
      const nodeName = args.sites[site].node;
      const node = await anyNode(client, site);
      if (!node)
        failRetryable(
          `${args.component}: no node answers; cannot undo the drain of ${nodeName}`,
          'SearchUnreachable',
          {},
        );
      const c = node.c;
      try {
        const before = await excluded(c);
        if (before.includes(nodeName))
          await setExcluded(
            c,
            before.filter((n) => n !== nodeName),
          );
        const h = await health(c);
        return {
          summary: `${args.component}: ${before.includes(nodeName) ? `shards may return to ${nodeName} again` : `${nodeName} was not drained`}; cluster ${h.status}, ${h.nodes} node(s)`,
          facts: { node: nodeName, excludedBefore: before, excluded: await excluded(c), health: h },
        };
      } finally {
        await c.close();
      }
    },

    /**
     * Before a switch: the cluster answers and is not red; `to`'s node must be in it for a planned
     * switch. Writes the canary document (a copy on every node) and waits until `to`'s node holds it.
     */
    async opensearchGuard(input) {
      const { args, client } = await setup(input);
      const { from, to } = args;
      const toNode = args.sites[to].node;
      const node = await anyNode(client, from);
      if (!node) failRetryable(`${args.component}: no node answers`, 'SearchUnreachable', {});
      const c = node.c;
      try {
        const names = await nodeNames(c);
        const facts: Record<string, unknown> = { via: node.site, health: node.h, nodes: names, planned: args.planned };
        if (node.h.status === 'red' && args.planned)
          failRetryable(
            `refusing a planned switchover of ${args.component}: the cluster is red`,
            'ClusterUnhealthy',
            facts,
          );
        if (!names.includes(toNode) && args.planned)
          failRetryable(
            `refusing a planned switchover of ${args.component}: ${toNode} (${args.siteNames[to]}) is not in the cluster`,
            'NodeMissing',
            facts,
          );
        const index = args.canaryIndex;
        await ensureCanaryIndex(c, index);
        const id = canaryId(input);
        const writtenAt = await writeCanaryDoc(c, index, id, {
          drillId: input.drillId,
          canary: args.canary,
          site: args.siteNames[node.site],
        });
        const wait = names.includes(toNode)
          ? await pollUntil(
              `${toNode} to hold the canary`,
              args.waitMs,
              async () => (await shardsOn(c, toNode, index)).some((s) => s.state === 'STARTED'),
              500,
            )
          : { reached: false, waitedMs: 0 };
        Object.assign(facts, { canary: { index, id, writtenAt }, copyOnTarget: wait.reached });
        if (args.planned && !wait.reached)
          failRetryable(
            `${args.component}: ${toNode} holds no started copy of the canary after ${Math.round(args.waitMs / 1000)}s`,
            'CanaryNotReplicated',
            facts,
          );
        return {
          summary: `${args.component}: cluster ${node.h.status} with ${names.length} node(s); canary ${id} written${wait.reached ? ` and held by ${toNode}` : ` (${toNode} not in the cluster)`}`,
          facts,
        };
      } finally {
        await c.close();
      }
    },

    /** After a switch: `to`'s node answers and returns the canary from its own copy. */
    async opensearchVerify(input) {
      const { args, client } = await setup(input);
      const to = input.step.site ?? args.to;
      const c = client(to);
      try {
        const id = canaryId(input);
        const h = await health(c);
        const facts: Record<string, unknown> = { site: to, health: h };
        if (!h.reachable)
          failRetryable(
            `${args.component} on ${args.siteNames[to]} does not answer: ${h.error}`,
            'SearchUnreachable',
            facts,
          );
        const { found, source, how } = await readCanaryDoc(c, args.canaryIndex, id);
        facts.canary = { index: args.canaryIndex, id, found, how, source };
        facts.rpoEvidence = {
          canaryFound: found,
          dataLossMs: found ? 0 : undefined,
          detail: found
            ? `canary document ${id} written at ${source?.writtenAt} was read on ${args.siteNames[to]} ${how}`
            : `canary document ${id} was NOT found on ${args.siteNames[to]}`,
        };
        if (!found && args.planned)
          failRetryable(
            `${args.component}: the canary document is missing on ${args.siteNames[to]}`,
            'CanaryMissing',
            facts,
          );
        return {
          summary: `${args.component} on ${args.siteNames[to]}: cluster ${h.status}, ${h.nodes} node(s); canary ${found ? `found ${how}` : 'missing'}`,
          facts,
        };
      } finally {
        await c.close();
      }
    },
  };
  // A node that stops answering mid-step fails it retryably, naming the cluster (the node asked, when the client says).
  const named = Object.entries(drivers).map(([action, driver]) => [
    action,
    async (input: StepInput<OpensearchAction>) => {
      try {
        return await (driver as (i: StepInput<OpensearchAction>) => ReturnType<typeof driver>)(input);
      } catch (error) {
        const args = input.step.args;
        throw (
          clusterLost(error, {
            kind: 'OpenSearch',
            endpoint: `${args.sites.primary.url}, ${args.sites.secondary.url}`,
            label: args.component,
          }) ?? error
        );
      }
    },
  ]);
  return Object.fromEntries(named) as StepDrivers<OpensearchAction>;
}
