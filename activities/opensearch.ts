/**
 * OpenSearch: cluster health as seen from a site's node, recent snapshots, draining a node before
 * it stops (allocation exclude) and undoing it after, and a canary document that must be readable
 * from the new side after a switch. Responses of @opensearch-project/opensearch live under `.body`.
 */
import { Client } from '@opensearch-project/opensearch';
import { ApplicationFailure } from '@temporalio/common';
import { pollUntil } from './heartbeat';
import { canaryKey } from './runKey';
import { resolveSecret } from './secrets';
import type { StepDrivers, StepInput } from './types';
import type { OpensearchAction, OpensearchArgs, SiteRole } from '../domain';

type Body = Record<string, unknown>;
const EXCLUDE = 'cluster.routing.allocation.exclude._name';

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

export function describeError(error: unknown): string {
  const e = error as { meta?: { statusCode?: number; body?: { error?: { type?: string; reason?: string } } }; message?: string; name?: string };
  if (e.meta?.body?.error?.type) return `${e.meta.statusCode} ${e.meta.body.error.type}${e.meta.body.error.reason ? `: ${e.meta.body.error.reason}` : ''}`;
  if (e.meta?.statusCode) return `HTTP ${e.meta.statusCode}`;
  return e.message ?? String(error);
}

export function createOpensearchActivities(): StepDrivers<OpensearchAction> {
  const setup = async (input: StepInput<OpensearchAction>) => {
    const args: OpensearchArgs = input.step.args;
    const password = args.password ? await resolveSecret(args.password, `${input.step.id}.password`) : undefined;
    const client = (site: SiteRole) =>
      new Client({
        node: args.sites[site].url,
        auth: args.username && password ? { username: args.username, password } : undefined,
        maxRetries: 0,
        requestTimeout: 30_000,
      });
    return { args, client };
  };

  async function health(client: Client, waitFor?: string, timeoutS = 1): Promise<Health> {
    try {
      const res = await client.cluster.health(
        { wait_for_status: waitFor as 'green' | 'yellow' | undefined, timeout: `${timeoutS}s`, cluster_manager_timeout: `${Math.max(1, timeoutS)}s` },
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

  async function nodeNames(client: Client): Promise<string[]> {
    const res = await client.cat.nodes({ format: 'json', h: ['name'], local: true } as never);
    return (res.body as unknown as { name: string }[]).map((n) => n.name);
  }

  async function excluded(client: Client): Promise<string[]> {
    const res = await client.cluster.getSettings({ flat_settings: true });
    const body = res.body as { persistent?: Record<string, string>; transient?: Record<string, string> };
    const value = body.persistent?.[EXCLUDE] ?? '';
    return value.split(',').map((s) => s.trim()).filter(Boolean);
  }

  async function setExcluded(client: Client, names: string[]): Promise<void> {
    await client.cluster.putSettings({ body: { persistent: { [EXCLUDE]: names.length ? names.join(',') : null } } });
  }

  async function shardsOn(client: Client, node: string, index?: string): Promise<{ index: string; shard: string; prirep: string; state: string }[]> {
    const res = await client.cat.shards({ format: 'json', h: ['index', 'shard', 'prirep', 'state', 'node'], index } as never);
    // A relocating shard's node reads "from -> ip id to": it is still on `from` until it arrives.
    return (res.body as unknown as { index: string; shard: string; prirep: string; state: string; node: string | null }[]).filter(
      (s) => s.node === node || (s.node ?? '').startsWith(`${node} `),
    );
  }

  /**
   * Shard copies on `node` that have no started copy on another node: the ones a stop would lose.
   * In a two-node cluster a replicated shard cannot leave (its other copy already sits on the only
   * other node), but it does not need to: the other copy takes over when this node stops.
   */
  async function onlyCopiesOn(client: Client, node: string): Promise<{ index: string; shard: string }[]> {
    const res = await client.cat.shards({ format: 'json', h: ['index', 'shard', 'prirep', 'state', 'node'] } as never);
    const all = res.body as unknown as { index: string; shard: string; state: string; node: string | null }[];
    const onNode = (s: { node: string | null }) => s.node === node || (s.node ?? '').startsWith(`${node} `);
    return all
      .filter(onNode)
      .filter((copy) => !all.some((other) => other.index === copy.index && other.shard === copy.shard && other.state === 'STARTED' && other.node && !onNode(other)));
  }

  const waitFor = (what: string, timeoutMs: number, check: () => Promise<boolean>) => pollUntil(what, timeoutMs, check, 500);

  function fail(message: string, type: string, facts: Record<string, unknown>): never {
    throw ApplicationFailure.retryable(message, type, facts);
  }

  const canaryId = (input: StepInput, args: OpensearchArgs): string => canaryKey(input, args.canary);

  /** A reachable node to talk to: `prefer`'s, else the other site's. */
  async function anyNode(args: OpensearchArgs, client: (s: SiteRole) => Client, prefer: SiteRole): Promise<{ site: SiteRole; c: Client; h: Health } | undefined> {
    for (const site of [prefer, prefer === 'primary' ? 'secondary' : 'primary'] as SiteRole[]) {
      const c = client(site);
      const h = await health(c);
      if (h.reachable) return { site, c, h };
      await c.close();
    }
    return undefined;
  }

  return {
    /** Waits (bounded) for the cluster, seen from this site's node, to be at least the plan's minimum status. */
    async opensearchHealth(input) {
      const { args, client } = await setup(input);
      const site = input.step.site ?? args.to;
      const c = client(site);
      try {
        let last: Health = { reachable: false };
        const wait = await waitFor(`cluster ${args.minStatus} via ${args.siteNames[site]}`, args.waitMs, async () => {
          last = await health(c, args.minStatus, 2);
          return last.reachable && !last.timedOut && (last.status === 'green' || (args.minStatus === 'yellow' && last.status === 'yellow'));
        });
        const names = last.reachable ? await nodeNames(c).catch(() => []) : [];
        const facts = { site, node: args.sites[site].node, url: args.sites[site].url, health: last, nodes: names, waitedMs: wait.waitedMs };
        if (!last.reachable) fail(`${args.component} on ${args.siteNames[site]} (${args.sites[site].url}) does not answer: ${last.error}`, 'SearchUnreachable', facts);
        if (!wait.reached) fail(`${args.component}: cluster is ${last.status} via ${args.siteNames[site]} after ${Math.round(args.waitMs / 1000)}s (${last.unassignedShards} unassigned shards); needs ${args.minStatus}`, 'ClusterUnhealthy', facts);
        return { summary: `${args.component} via ${args.siteNames[site]}: cluster ${last.status}, ${last.nodes} node(s) (${names.join(', ')}), ${last.unassignedShards} unassigned shard(s)`, facts };
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
      if (!snap) throw ApplicationFailure.nonRetryable(`${args.component}: the plan names no snapshot repository`, 'NoSnapshotRepository');
      const node = await anyNode(args, client, input.step.site ?? 'primary');
      if (!node) fail(`${args.component}: no node answers to check snapshots`, 'SearchUnreachable', {});
      const c = node.c;
      try {
        const list = async () => {
          try {
            const res = await c.snapshot.get({ repository: snap.repository, snapshot: '_all' });
            return ((res.body as { snapshots?: Body[] }).snapshots ?? []) as Body[];
          } catch (error) {
            const type = (error as { meta?: { body?: { error?: { type?: string } } } }).meta?.body?.error?.type;
            if (type === 'repository_missing_exception') {
              throw ApplicationFailure.nonRetryable(`${args.component}: snapshot repository "${snap.repository}" does not exist`, 'NoSnapshotRepository');
            }
            throw error;
          }
        };
        const good = (s: Body) =>
          s.state === 'SUCCESS' && Number((s.shards as Body | undefined)?.failed ?? 0) === 0 && Date.now() - Number(s.end_time_in_millis) <= snap.maxAgeMs;
        const summarize = (s: Body) => ({ snapshot: s.snapshot, state: s.state, endTime: s.end_time, shards: s.shards, indices: (s.indices as string[] | undefined)?.length });
        let snapshots = await list();
        let recent = snapshots.filter(good).sort((a, b) => Number(b.end_time_in_millis) - Number(a.end_time_in_millis))[0];
        let taken: Body | undefined;
        const name = `drill-${canaryKey(input, args.canary)}`.toLowerCase().replace(/[^a-z0-9._-]/g, '-');
        if (snap.take === 'always' || (snap.take === 'if-missing' && !recent)) {
          taken = snapshots.find((s) => s.snapshot === name);
          if (!taken) {
            await c.snapshot.create({ repository: snap.repository, snapshot: name, wait_for_completion: false, body: { indices: snap.indices, include_global_state: false } });
          }
          const wait = await waitFor(`snapshot ${name}`, args.waitMs, async () => {
            const res = await c.snapshot.get({ repository: snap.repository, snapshot: name });
            taken = ((res.body as { snapshots?: Body[] }).snapshots ?? [])[0];
            return Boolean(taken && taken.state !== 'IN_PROGRESS');
          });
          if (!wait.reached) fail(`${args.component}: snapshot ${name} did not finish within ${Math.round(args.waitMs / 1000)}s`, 'SnapshotTimeout', { snapshot: taken && summarize(taken) });
          if (!taken || !good(taken)) fail(`${args.component}: snapshot ${name} ended ${taken?.state} with ${(taken?.shards as Body | undefined)?.failed} failed shard(s)`, 'SnapshotFailed', { snapshot: taken && summarize(taken) });
          snapshots = await list();
          recent = taken;
        }
        const facts = { repository: snap.repository, maxAgeMs: snap.maxAgeMs, count: snapshots.length, recent: recent ? summarize(recent) : null, taken: taken ? summarize(taken) : null };
        if (!recent) fail(`${args.component}: no successful snapshot in "${snap.repository}" ended within the last ${Math.round(snap.maxAgeMs / 60_000)} min`, 'NoRecentSnapshot', facts);
        const ageMin = Math.round((Date.now() - Number(recent.end_time_in_millis)) / 60_000);
        return { summary: `${args.component}: ${taken ? 'took' : 'found'} snapshot ${recent.snapshot} in ${snap.repository} (SUCCESS, ${(recent.shards as Body).successful}/${(recent.shards as Body).total} shards, ended ${ageMin} min ago)`, facts };
      } finally {
        await c.close();
      }
    },

    /** Moves every shard off this site's node (allocation exclude) before it stops; idempotent. */
    async opensearchDrain(input) {
      const { args, client } = await setup(input);
      const site = input.step.site ?? args.from;
      const nodeName = args.sites[site].node;
      const other: SiteRole = site === 'primary' ? 'secondary' : 'primary';
      const node = await anyNode(args, client, site);
      if (!node) fail(`${args.component}: no node answers; cannot drain ${nodeName}`, 'SearchUnreachable', {});
      const c = node.c;
      try {
        const names = await nodeNames(c);
        if (!names.includes(nodeName)) return { summary: `${args.component}: ${nodeName} is not in the cluster; nothing to drain`, facts: { node: nodeName, nodes: names } };
        if (!names.includes(args.sites[other].node)) {
          return { summary: `${args.component}: not draining ${nodeName}: ${args.sites[other].node} is not in the cluster, so its shards have nowhere to go`, facts: { node: nodeName, nodes: names, skipped: true } };
        }
        const before = await excluded(c);
        if (before.includes(args.sites[other].node)) {
          fail(`${args.component}: cannot drain ${nodeName}: ${args.sites[other].node} is excluded from allocation too (left by an earlier drill?), so shards have nowhere to go; undrain it first`, 'NowhereToDrain', { node: nodeName, excluded: before });
        }
        if (!before.includes(nodeName)) await setExcluded(c, [...before, nodeName]);
        const initial = (await shardsOn(c, nodeName)).length;
        let left = initial;
        const wait = await waitFor(`shards on ${nodeName} to have a copy elsewhere`, args.waitMs, async () => {
          left = (await onlyCopiesOn(c, nodeName)).length;
          return left === 0;
        });
        const facts = { node: nodeName, excludedBefore: before, excluded: await excluded(c), shardsAtStart: initial, shardsLeft: left, waitedMs: wait.waitedMs };
        if (!wait.reached) fail(`${args.component}: ${left} shard(s) have their only copy on ${nodeName} after ${Math.round(args.waitMs / 1000)}s`, 'DrainTimeout', facts);
        return { summary: `${args.component}: drained ${nodeName}: every one of its ${initial} shard copies has a started copy on another node${before.includes(nodeName) ? ' (exclusion was already set)' : ''}`, facts };
      } finally {
        await c.close();
      }
    },

    /** Lets shards return to this site's node (removes it from the allocation exclude); idempotent. */
    async opensearchUndrain(input) {
      const { args, client } = await setup(input);
      const site = input.step.site ?? args.to;
      const nodeName = args.sites[site].node;
      const node = await anyNode(args, client, site);
      if (!node) fail(`${args.component}: no node answers; cannot undo the drain of ${nodeName}`, 'SearchUnreachable', {});
      const c = node.c;
      try {
        const before = await excluded(c);
        if (before.includes(nodeName)) await setExcluded(c, before.filter((n) => n !== nodeName));
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
      const node = await anyNode(args, client, from);
      if (!node) fail(`${args.component}: no node answers`, 'SearchUnreachable', {});
      const c = node.c;
      try {
        const names = await nodeNames(c);
        const facts: Record<string, unknown> = { via: node.site, health: node.h, nodes: names, planned: args.planned };
        if (node.h.status === 'red' && args.planned) fail(`refusing a planned switchover of ${args.component}: the cluster is red`, 'ClusterUnhealthy', facts);
        if (!names.includes(toNode)) {
          if (args.planned) fail(`refusing a planned switchover of ${args.component}: ${toNode} (${args.siteNames[to]}) is not in the cluster`, 'NodeMissing', facts);
        }
        const index = args.canaryIndex;
        const exists = await c.indices.exists({ index });
        if (!exists.body) {
          await c.indices
            .create({ index, body: { settings: { number_of_shards: 1, auto_expand_replicas: '0-all' } } })
            .catch((error) => {
              if (!/resource_already_exists/.test(describeError(error))) throw error;
            });
        }
        const id = canaryId(input, args);
        const existing = await c.get({ index, id }, { ignore: [404] });
        const writtenAt = (existing.body as { found?: boolean; _source?: { writtenAt?: string } }).found
          ? (existing.body as { _source: { writtenAt: string } })._source.writtenAt
          : new Date().toISOString();
        if (!(existing.body as { found?: boolean }).found) {
          await c.index({ index, id, body: { drillId: input.drillId, canary: args.canary, writtenAt, site: args.siteNames[node.site] }, refresh: 'wait_for' });
        }
        let copies: unknown[] = [];
        const wait = names.includes(toNode)
          ? await waitFor(`${toNode} to hold the canary`, args.waitMs, async () => {
              copies = await shardsOn(c, toNode, index);
              return copies.some((s) => (s as { state: string }).state === 'STARTED');
            })
          : { reached: false, waitedMs: 0 };
        Object.assign(facts, { canary: { index, id, writtenAt }, copyOnTarget: wait.reached });
        if (args.planned && !wait.reached) fail(`${args.component}: ${toNode} holds no started copy of the canary after ${Math.round(args.waitMs / 1000)}s`, 'CanaryNotReplicated', facts);
        return { summary: `${args.component}: cluster ${node.h.status} with ${names.length} node(s); canary ${id} written${wait.reached ? ` and held by ${toNode}` : ` (${toNode} not in the cluster)`}`, facts };
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
        const id = canaryId(input, args);
        const h = await health(c);
        const facts: Record<string, unknown> = { site: to, health: h };
        if (!h.reachable) fail(`${args.component} on ${args.siteNames[to]} does not answer: ${h.error}`, 'SearchUnreachable', facts);
        let found = false;
        let source: Body | undefined;
        let how = 'from its local copy';
        try {
          const res = await c.get({ index: args.canaryIndex, id, preference: '_only_local' }, { ignore: [404] });
          found = Boolean((res.body as { found?: boolean }).found);
          source = (res.body as { _source?: Body })._source;
        } catch {
          // No local copy on this node: ask the cluster.
          how = 'through the cluster (no local copy)';
          const res = await c.get({ index: args.canaryIndex, id }, { ignore: [404] });
          found = Boolean((res.body as { found?: boolean }).found);
          source = (res.body as { _source?: Body })._source;
        }
        facts.canary = { index: args.canaryIndex, id, found, how, source };
        facts.rpoEvidence = {
          canaryFound: found,
          dataLossMs: found ? 0 : undefined,
          detail: found ? `canary document ${id} written at ${source?.writtenAt} was read on ${args.siteNames[to]} ${how}` : `canary document ${id} was NOT found on ${args.siteNames[to]}`,
        };
        if (!found && args.planned) fail(`${args.component}: the canary document is missing on ${args.siteNames[to]}`, 'CanaryMissing', facts);
        return { summary: `${args.component} on ${args.siteNames[to]}: cluster ${h.status}, ${h.nodes} node(s); canary ${found ? `found ${how}` : 'missing'}`, facts };
      } finally {
        await c.close();
      }
    },
  };
}
