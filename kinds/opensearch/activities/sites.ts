/**
 * OpenSearch with one cluster per site (the seed's managed OpenSearch per region): a repository both
 * clusters read (registered writable where the drill snapshots and read-only where it restores, so
 * only one cluster ever writes it), a final snapshot of the old side once the app stopped writing
 * (its canary document and per-index counts kept in the snapshot's own metadata), a restore on the
 * new side that replaces its stale copies of those indices, and a check that the counts and the
 * canary arrived. The restore leaves a marker document saying which snapshot it restored.
 */
import type { Client } from '@opensearch-project/opensearch';
import { failNonRetryable, failRetryable } from '../../kit/activities/failures';
import { pollUntil } from '../../kit/activities/polling';
import { awaitReturn } from '../../kit/activities/awaitReturn';
import { clusterLost, describeError } from './cluster';
import { canaryKey, snapshotName } from '../../kit/activities/canary';
import { resolveSecret } from '../../kit/activities/secrets';
import type { StepDrivers, StepInput } from '../../kit/activities/types';
import { FACT_NEWEST_REPLICATED_AT, FACT_RPO_BASIS, otherSite, type SiteRole } from '../../../domain';
import type { OpensearchSitesAction, OpensearchSitesArgs } from '../clusterPerSiteActions';
import { type AwsCredentialSource, lazyCredentialChain, siteClient } from './signing';

type Body = Record<string, unknown>;

/** Where a restore notes what it restored; never part of a snapshot. */
export const RESTORE_MARKERS = 'drillbook-restores';

interface Snapshot {
  snapshot: string;
  uuid: string;
  state: string;
  indices: string[];
  start_time_in_millis?: number;
  end_time_in_millis: number;
  shards: { total: number; failed: number; successful: number };
  metadata?: {
    drillId?: string;
    canaryId?: string;
    counts?: Record<string, number>;
    takenFrom?: string;
    writtenAt?: string;
  };
}

const ago = (ms: number) => (ms < 120_000 ? `${Math.round(ms / 1000)}s` : `${Math.round(ms / 60_000)} min`);

/** The S3 repository settings an Amazon OpenSearch domain registers (AWS "Registering a manual snapshot repository"). */
export function s3RepositoryRegistration(
  repo: NonNullable<OpensearchSitesArgs['sites'][SiteRole]['s3Repository']>,
): NonNullable<OpensearchSitesArgs['snapshot']['register']> {
  return {
    type: 's3',
    settings: {
      bucket: repo.bucket,
      region: repo.region,
      role_arn: repo.roleArn,
      ...(repo.basePath ? { base_path: repo.basePath } : {}),
    },
  };
}

/**
 * `awsCredentials`: where SigV4 credentials for Amazon OpenSearch sites come from; the SDK's default
 * chain unless a test gives its own (made at first use, kept for the worker's life and refreshed by it).
 */
export function createOpensearchSitesActivities(
  options: { awsCredentials?: AwsCredentialSource } = {},
): StepDrivers<OpensearchSitesAction> {
  const awsCredentials = options.awsCredentials ?? lazyCredentialChain();

  async function connect(input: StepInput<OpensearchSitesAction>, site: SiteRole): Promise<Client> {
    const args = input.step.args;
    const password = args.password ? await resolveSecret(args.password, `${input.step.id}.password`) : undefined;
    // Not a secret, but read the same way: a file the worker has, failing the step when it has not.
    const ca = args.ca ? await resolveSecret(args.ca, `${input.step.id}.ca`) : undefined;
    return siteClient(
      args.sites[site],
      args.username && password ? { username: args.username, password } : undefined,
      awsCredentials,
      ca,
    );
  }

  /** Runs `work` against a site's cluster; a cluster that does not answer fails the step (retried). */
  async function on<T>(
    input: StepInput<OpensearchSitesAction>,
    site: SiteRole,
    work: (c: Client) => Promise<T>,
  ): Promise<T> {
    const args = input.step.args;
    const c = await connect(input, site);
    const server = {
      kind: 'OpenSearch',
      endpoint: args.sites[site].url,
      label: `${args.component} on ${args.siteNames[site]}`,
    };
    try {
      return await work(c);
    } catch (error) {
      if ((error as { name?: string }).name === 'ApplicationFailure') throw error;
      const lost = clusterLost(error, server);
      if (lost) throw lost;
      return failRetryable(
        `${args.component} on ${args.siteNames[site]} (${args.sites[site].url}): ${describeError(error)}`,
        'SearchUnavailable',
      );
    } finally {
      await c.close();
    }
  }

  /** Registers the shared repository as the plan says (read-only unless this cluster snapshots), or checks the operator did. */
  async function ensureRepository(
    c: Client,
    args: OpensearchSitesArgs,
    writable: boolean,
    site: SiteRole,
  ): Promise<string> {
    const { repository } = args.snapshot;
    // An Amazon OpenSearch site registers its own S3 repository with the role it assumes; others the plan's register.
    const s3 = args.sites[site].s3Repository;
    const register = s3 ? s3RepositoryRegistration(s3) : args.snapshot.register;
    const current = await c.snapshot.getRepository({ repository }, { ignore: [404] });
    const existing = (current.body as Record<string, { type: string; settings: Record<string, unknown> }>)[repository];
    if (args.lookOnly) {
      if (!existing)
        failRetryable(
          `${args.component} on ${args.siteNames[site]}: snapshot repository "${repository}" is not registered yet (a drill's preflight registers it${register ? '' : ' only if the plan says how'})`,
          'NoSnapshotRepository',
        );
      return `${existing.type}${String(existing.settings.readonly ?? 'false') === 'true' ? ', read-only here' : ''}`;
    }
    if (!register) {
      if (!existing)
        failNonRetryable(
          `${args.component} on ${args.siteNames[site]}: snapshot repository "${repository}" is not registered, and components.${args.component}.snapshot.register does not say how to register it`,
          'NoSnapshotRepository',
        );
      return `registered by the operator (${existing.type})`;
    }
    const readonly = !writable;
    const same =
      existing &&
      existing.type === register.type &&
      Object.entries(register.settings).every(([k, v]) => String(existing.settings[k]) === String(v)) &&
      String(existing.settings.readonly ?? 'false') === String(readonly);
    // `readonly` is the fs/s3 repository setting's name (BlobStoreRepository); the client's type spells another.
    if (!same)
      await c.snapshot.createRepository({
        repository,
        body: { type: register.type, settings: { ...register.settings, readonly } as never },
      });
    return `${register.type}${readonly ? ', read-only here' : ', writable here'}${same ? '' : ' (registered now)'}`;
  }

  async function snapshots(c: Client, args: OpensearchSitesArgs): Promise<Snapshot[]> {
    const res = await c.snapshot.get({ repository: args.snapshot.repository, snapshot: '_all' });
    return ((res.body as { snapshots?: Snapshot[] }).snapshots ?? []) as Snapshot[];
  }

  async function counts(c: Client, indices: string[]): Promise<Record<string, number>> {
    const out: Record<string, number> = {};
    for (const index of indices) out[index] = Number(((await c.count({ index })).body as Body).count);
    return out;
  }

  async function indicesOf(c: Client, pattern: string): Promise<string[]> {
    const res = await c.cat.indices(
      { index: pattern, format: 'json', h: ['index'], expand_wildcards: 'open' } as never,
      { ignore: [404] },
    );
    // A pattern or list naming an index that does not exist answers 404 with an error body.
    const rows = Array.isArray(res.body) ? (res.body as unknown as { index: string }[]) : [];
    return rows
      .map((i) => i.index)
      .filter((i) => !i.startsWith('.') && i !== RESTORE_MARKERS)
      .sort();
  }

  const good = (s: Snapshot) => s.state === 'SUCCESS' && s.shards.failed === 0;

  return {
    /** This site's cluster reaches the plan's minimum status (waited for, bounded). */
    async opensearchClusterHealth(input) {
      const args = input.step.args;
      const site = input.step.site ?? args.to;
      return on(input, site, async (c) => {
        let body: Body = {};
        const wait = await pollUntil(
          `${args.component} on ${args.siteNames[site]} to be ${args.minStatus}`,
          args.waitMs,
          async () => {
            body = (await c.cluster.health({ wait_for_status: args.minStatus, timeout: '2s' }, { ignore: [408] }))
              .body as Body;
            return (
              !body.timed_out && (body.status === 'green' || (args.minStatus === 'yellow' && body.status === 'yellow'))
            );
          },
        );
        const facts = { site, health: body, waitedMs: wait.waitedMs };
        if (!wait.reached)
          failRetryable(
            `${args.component} on ${args.siteNames[site]}: cluster ${body.cluster_name} is ${body.status} after ${Math.round(args.waitMs / 1000)}s; needs ${args.minStatus}`,
            'ClusterUnhealthy',
            facts,
          );
        return {
          summary: `${args.component} on ${args.siteNames[site]}: cluster ${body.cluster_name} ${body.status}, ${body.number_of_nodes} node(s), ${body.active_primary_shards} primary shard(s)`,
          facts,
        };
      });
    },

    /**
     * Both clusters answer and hold the shared repository (writable on the old side, read-only on
     * the new); a successful snapshot ended within maxAge, so an outage now could still restore.
     * Takes a baseline snapshot on the old side when there is none that recent.
     */
    async opensearchSitesPreflight(input) {
      const args = input.step.args;
      const { from, to } = args;
      const registered = {
        [from]: await on(input, from, (c) => ensureRepository(c, args, true, from)),
        [to]: await on(input, to, (c) => ensureRepository(c, args, false, to)),
      };
      return on(input, from, async (c) => {
        if (!args.lookOnly)
          await c.snapshot
            .verifyRepository({ repository: args.snapshot.repository })
            .catch((error) =>
              failRetryable(
                `${args.component} on ${args.siteNames[from]}: repository ${args.snapshot.repository} fails verification (${describeError(error)})`,
                'RepositoryUnusable',
              ),
            );
        const list = await snapshots(c, args);
        let recent: Snapshot | undefined = list
          .filter((s) => good(s) && Date.now() - s.end_time_in_millis <= args.snapshot.maxAge)
          .sort((a, b) => b.end_time_in_millis - a.end_time_in_millis)[0];
        let took = false;
        if (!recent && !args.lookOnly) {
          const name = `${snapshotName(input, args.canary)}-baseline`;
          const indices = [...(await indicesOf(c, args.snapshot.indices)), args.canaryIndex].filter(
            (v, i, all) => all.indexOf(v) === i,
          );
          const existing = list.find((s) => s.snapshot === name);
          if (!existing)
            await c.snapshot.create({
              repository: args.snapshot.repository,
              snapshot: name,
              wait_for_completion: true,
              body: {
                indices: indices.join(','),
                include_global_state: false,
                ignore_unavailable: true,
                metadata: { takenFrom: args.siteNames[from], baseline: true },
              },
            });
          recent = (await snapshots(c, args)).find((s) => s.snapshot === name);
          took = true;
        }
        const facts = {
          repository: args.snapshot.repository,
          registered,
          snapshots: list.length,
          recent: recent && {
            snapshot: recent.snapshot,
            state: recent.state,
            endedMsAgo: Date.now() - recent.end_time_in_millis,
            indices: recent.indices.length,
          },
        };
        if (!recent || !good(recent))
          failRetryable(
            `${args.component}: no successful snapshot in ${args.snapshot.repository}${recent ? ` (the baseline ended ${recent.state})` : ''}`,
            'NoRecentSnapshot',
            facts,
          );
        return {
          summary: `${args.component}: repository ${args.snapshot.repository} on ${args.siteNames[from]} (${registered[from]}) and ${args.siteNames[to]} (${registered[to]}); ${took ? 'took a baseline snapshot' : 'newest snapshot'} ${recent.snapshot}, ended ${ago(Date.now() - recent.end_time_in_millis)} ago`,
          facts,
        };
      });
    },

    /**
     * The old side's final snapshot, once the app stopped writing: writes the canary document,
     * counts every index of the pattern, and snapshots them with those counts in the snapshot's
     * metadata. A snapshot of this drill run that already succeeded is kept (idempotent).
     */
    async opensearchSiteSnapshot(input) {
      const args = input.step.args;
      const from = input.step.site ?? args.from;
      const name = snapshotName(input, args.canary);
      return on(input, from, async (c) => {
        const registered = await ensureRepository(c, args, true, from);
        let snap = (await snapshots(c, args)).find((s) => s.snapshot === name);
        if (!snap) {
          const canaryId = canaryKey(input, args.canary);
          const writtenAt = new Date().toISOString();
          await c.index({
            index: args.canaryIndex,
            id: canaryId,
            body: { drillId: input.drillId, canary: args.canary, writtenAt, site: args.siteNames[from] },
            refresh: 'true',
          });
          const indices = [...(await indicesOf(c, args.snapshot.indices)), args.canaryIndex].filter(
            (v, i, all) => all.indexOf(v) === i,
          );
          await c.indices.refresh({ index: indices.join(',') });
          const taken = await counts(c, indices);
          await c.snapshot.create({
            repository: args.snapshot.repository,
            snapshot: name,
            wait_for_completion: false,
            body: {
              indices: indices.join(','),
              include_global_state: false,
              metadata: { drillId: input.drillId, canaryId, counts: taken, takenFrom: args.siteNames[from], writtenAt },
            },
          });
        }
        const wait = await pollUntil(`snapshot ${name}`, args.waitMs, async () => {
          snap = (await snapshots(c, args)).find((s) => s.snapshot === name);
          return Boolean(snap && snap.state !== 'IN_PROGRESS');
        });
        const facts = {
          repository: args.snapshot.repository,
          registered,
          snapshot: snap && {
            name,
            state: snap.state,
            shards: snap.shards,
            indices: snap.indices,
            counts: snap.metadata?.counts,
          },
          waitedMs: wait.waitedMs,
        };
        if (!wait.reached || !snap)
          failRetryable(
            `${args.component} on ${args.siteNames[from]}: snapshot ${name} did not finish within ${Math.round(args.waitMs / 1000)}s`,
            'SnapshotTimeout',
            facts,
          );
        if (!good(snap))
          failRetryable(
            `${args.component} on ${args.siteNames[from]}: snapshot ${name} ended ${snap.state} with ${snap.shards.failed} failed shard(s)`,
            'SnapshotFailed',
            facts,
          );
        const total = Object.values(snap.metadata?.counts ?? {}).reduce((n, v) => n + v, 0);
        return {
          summary: `${args.component} on ${args.siteNames[from]}: final snapshot ${name} (${snap.indices.length} indices, ${total} documents, canary included) in ${args.snapshot.repository}`,
          facts,
        };
      });
    },

    /**
     * Restores on the new side the old side's final snapshot of this switch, or in an outage the
     * newest successful one: deletes the stale copies of its indices, restores, waits for the
     * cluster, and checks every index holds the count the snapshot recorded.
     */
    async opensearchRestore(input) {
      const args = input.step.args;
      const to = input.step.site ?? args.to;
      const at = args.siteNames[to];
      const name = snapshotName(input, args.canary);
      return on(input, to, async (c) => {
        const registered = await ensureRepository(c, args, false, to);
        const list = await snapshots(c, args);
        const own = list.find((s) => s.snapshot === name && good(s));
        if (!own && args.planned)
          failRetryable(
            `${args.component}: the final snapshot ${name} of ${args.siteNames[otherSite(to)]} is not in ${args.snapshot.repository} (or did not succeed); nothing to restore on ${at}`,
            'SnapshotMissing',
            { snapshots: list.map((s) => `${s.snapshot} ${s.state}`) },
          );
        const snap = own ?? list.filter(good).sort((a, b) => b.end_time_in_millis - a.end_time_in_millis)[0];
        if (!snap)
          failRetryable(
            `${args.component}: no successful snapshot in ${args.snapshot.repository} to restore on ${at}`,
            'SnapshotMissing',
          );
        const marker = await c.get({ index: RESTORE_MARKERS, id: name }, { ignore: [404] });
        const done = (marker.body as { found?: boolean; _source?: { uuid?: string } })._source?.uuid === snap.uuid;
        if (!done) {
          for (const index of snap.indices) {
            if ((await c.indices.exists({ index })).body) await c.indices.delete({ index });
          }
          await c.snapshot.restore({
            repository: args.snapshot.repository,
            snapshot: snap.snapshot,
            body: { indices: snap.indices.join(','), include_global_state: false },
          });
        }
        let health: Body = {};
        const wait = await pollUntil(`restored indices on ${at} to be ${args.minStatus}`, args.waitMs, async () => {
          health = (
            await c.cluster.health(
              { index: snap.indices.join(','), wait_for_status: args.minStatus, timeout: '2s' },
              { ignore: [408] },
            )
          ).body as Body;
          return !health.timed_out && Number(health.initializing_shards) === 0;
        });
        const recorded = snap.metadata?.counts ?? {};
        await c.indices.refresh({ index: snap.indices.join(',') });
        const restored = await counts(c, snap.indices);
        // Live (reprotect): documents written between the count and the snapshot are in it too.
        const short = Object.entries(recorded).filter(([index, n]) =>
          args.live ? !(restored[index] >= n) : restored[index] !== n,
        );
        const lossWindowMs = own ? 0 : Date.now() - snap.end_time_in_millis;
        // An outage's RPO rests on the newest state the new side holds: the snapshot's start (what
        // it holds was in the old cluster then; writes after it are lost).
        const heldSince = snap.start_time_in_millis ?? snap.end_time_in_millis;
        const outageFacts = own
          ? {}
          : {
              [FACT_NEWEST_REPLICATED_AT]: new Date(heldSince).toISOString(),
              [FACT_RPO_BASIS]: `${args.component} on ${at} restored snapshot ${snap.snapshot}${snap.metadata?.takenFrom ? ` of ${snap.metadata.takenFrom}` : ''}, started ${new Date(heldSince).toISOString()}: the newest one in ${args.snapshot.repository}`,
            };
        const facts = {
          ...outageFacts,
          snapshot: snap.snapshot,
          uuid: snap.uuid,
          own: Boolean(own),
          registered,
          recorded,
          restored,
          health,
          waitedMs: wait.waitedMs,
          lossWindowMs,
          alreadyRestored: done,
        };
        if (!wait.reached)
          failRetryable(
            `${args.component} on ${at}: the restored indices are ${health.status} after ${Math.round(args.waitMs / 1000)}s`,
            'RestoreTimeout',
            facts,
          );
        if (short.length)
          failRetryable(
            `${args.component} on ${at}: restored counts differ from the snapshot's: ${short.map(([i, n]) => `${i} ${restored[i]} of ${n}`).join(', ')}`,
            'RestoreIncomplete',
            facts,
          );
        if (!done)
          await c.index({
            index: RESTORE_MARKERS,
            id: name,
            body: {
              snapshot: snap.snapshot,
              uuid: snap.uuid,
              snapshotEndMs: snap.end_time_in_millis,
              restoredAt: new Date().toISOString(),
              own: Boolean(own),
              counts: restored,
            },
            refresh: 'true',
          });
        const total = Object.values(restored).reduce((n, v) => n + v, 0);
        return {
          summary: `${args.component} on ${at}: ${done ? 'already restored' : 'restored'} ${snap.snapshot} (${snap.indices.length} indices, ${total} documents, counts as snapshotted)${own ? '' : `: the newest snapshot, ended ${ago(lossWindowMs)} ago (writes after it are lost)`}`,
          facts,
        };
      });
    },

    /** Reprotect: waits until the returned site's cluster answers again (bounded by the step's timeout). */
    async opensearchAwaitReturn(input) {
      const args = input.step.args;
      const site = input.step.site ?? args.from;
      const at = `${args.component} on ${args.siteNames[site]} (${args.sites[site].url})`;
      const back = await awaitReturn(input, at, () =>
        on(input, site, async (c) => {
          const health = (await c.cluster.health({}, { ignore: [408] })).body as Body;
          return {
            back: true,
            detail: `cluster ${health.cluster_name} ${health.status}, ${health.number_of_nodes} node(s)`,
            facts: { health },
          };
        }),
      );
      return {
        summary: `${at} answers again after ${Math.round(back.waitedMs / 1000)}s: ${back.detail}`,
        facts: { site, waitedMs: back.waitedMs, ...back.facts },
      };
    },

    /** After the switch: the new side holds the restored snapshot's canary and counts; RPO evidence. */
    async opensearchRestoreVerify(input) {
      const args = input.step.args;
      const to = input.step.site ?? args.to;
      const at = args.siteNames[to];
      const name = snapshotName(input, args.canary);
      const canaryId = canaryKey(input, args.canary);
      return on(input, to, async (c) => {
        const marker = (await c.get({ index: RESTORE_MARKERS, id: name }, { ignore: [404] })).body as {
          found?: boolean;
          _source?: { snapshot: string; snapshotEndMs: number; restoredAt: string; own: boolean };
        };
        const canary = (await c.get({ index: args.canaryIndex, id: canaryId }, { ignore: [404] })).body as {
          found?: boolean;
          _source?: { writtenAt?: string };
        };
        const found = Boolean(canary.found);
        const restore = marker._source;
        const facts: Record<string, unknown> = {
          marker: restore ?? null,
          canary: { index: args.canaryIndex, id: canaryId, found, writtenAt: canary._source?.writtenAt },
        };
        if (!restore)
          failRetryable(
            `${args.component} on ${at}: no restore of this switch is recorded (${RESTORE_MARKERS}/${name}); the restore step did not run here`,
            'RestoreMissing',
            facts,
          );
        const lossMs = found ? 0 : Math.max(0, Date.parse(restore.restoredAt) - restore.snapshotEndMs);
        facts.rpoEvidence = {
          canaryFound: found,
          dataLossMs: lossMs,
          detail: found
            ? `OpenSearch canary document written at ${canary._source?.writtenAt} on ${args.siteNames[otherSite(to)]} was restored on ${at} from snapshot ${restore.snapshot}`
            : `OpenSearch on ${at} was restored from ${restore.snapshot}, which ended ${ago(lossMs)} before the restore: writes after it are lost`,
        };
        if (!found && args.planned)
          failRetryable(
            `${args.component}: the canary document is missing on ${at} after restoring ${restore.snapshot}`,
            'CanaryMissing',
            facts,
          );
        return {
          summary: `${args.component} on ${at}: restored from ${restore.snapshot}; canary ${found ? 'found' : `missing (data up to ${ago(lossMs)} before the restore lost)`}`,
          facts,
        };
      });
    },
  };
}
