/**
 * S3, a bucket per site (FIELD-NOTES 10): both reachable and versioned, a replication rule from the
 * old side to the new; a canary object put on the old side before a switch, waited for until the
 * store reports it replicated (COMPLETED on the source, REPLICA on the copy) where the store
 * replicates, and found on the new side after the switch, which proves the RPO. Where the store
 * does not replicate (moto stores the rules and copies nothing), the plan's copy step carries the
 * objects and the summary says so. Credentials come from the worker's standard AWS chain.
 */
import {
  GetBucketReplicationCommand,
  GetBucketVersioningCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { failNonRetryable, failRetryable } from '../kit/activities/failures';
import { pollUntil } from '../kit/activities/polling';
import { canaryObjectKey } from '../kit/activities/canary';
import type { StepDrivers, StepInput } from '../kit/activities/types';
import { otherSite, type SiteRole } from '../../domain';
import type { S3Action, S3Args } from './actions';
import { s3AwaitReturn, s3Reversed, s3ReverseReplication } from './reprotect';

interface SdkError {
  name?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
}

const clientFor = (args: S3Args, site: SiteRole) =>
  new S3Client({
    region: args.sites[site].region,
    endpoint: args.sites[site].endpoint,
    forcePathStyle: args.forcePathStyle,
    maxAttempts: 2,
  });

/** What a failed call means to a person: a wrong bucket or missing rights will not fix themselves. */
function explain(error: unknown, args: S3Args, site: SiteRole, what: string): never {
  const e = error as SdkError;
  const bucket = args.sites[site].bucket;
  const where = `${args.component} on ${args.siteNames[site]} (bucket ${bucket})`;
  const status = e.$metadata?.httpStatusCode;
  if (e.name === 'NoSuchBucket' || (e.name === 'NotFound' && what === 'HeadBucket')) {
    failNonRetryable(
      `${where}: the bucket does not exist; check components.${args.component}.${site}.bucket and region`,
      'BucketMissing',
    );
  }
  if (e.name === 'AccessDenied' || e.name === 'Forbidden' || status === 403) {
    failNonRetryable(
      `${where}: ${what} was refused (403); the worker's AWS identity needs s3:GetBucketVersioning, s3:GetReplicationConfiguration, s3:PutObject, s3:GetObject on it`,
      'S3AccessDenied',
    );
  }
  failRetryable(
    `${where}: ${what} failed: ${e.name ?? 'error'}${status ? ` (HTTP ${status})` : ''}: ${e.message ?? String(error)}`,
    'S3Unavailable',
  );
}

const canaryObject = (input: StepInput, args: S3Args) => canaryObjectKey(input, args.canary);

export function createS3Activities(): StepDrivers<S3Action> {
  async function versioning(args: S3Args, site: SiteRole): Promise<string> {
    const client = clientFor(args, site);
    try {
      await client
        .send(new HeadBucketCommand({ Bucket: args.sites[site].bucket }))
        .catch((error) => explain(error, args, site, 'HeadBucket'));
      const v = await client
        .send(new GetBucketVersioningCommand({ Bucket: args.sites[site].bucket }))
        .catch((error) => explain(error, args, site, 'GetBucketVersioning'));
      return v.Status ?? 'never enabled';
    } finally {
      client.destroy();
    }
  }

  async function replicationRules(
    args: S3Args,
    from: SiteRole,
    to: SiteRole,
  ): Promise<{ rules: number; toTarget: boolean }> {
    const client = clientFor(args, from);
    try {
      const out = await client
        .send(new GetBucketReplicationCommand({ Bucket: args.sites[from].bucket }))
        .catch((error: SdkError) => {
          if (error.name === 'ReplicationConfigurationNotFoundError') return undefined;
          return explain(error, args, from, 'GetBucketReplication');
        });
      const rules = out?.ReplicationConfiguration?.Rules ?? [];
      const target = `arn:aws:s3:::${args.sites[to].bucket}`;
      return {
        rules: rules.length,
        toTarget: rules.some((r) => r.Status === 'Enabled' && r.Destination?.Bucket === target),
      };
    } finally {
      client.destroy();
    }
  }

  async function head(
    args: S3Args,
    site: SiteRole,
    key: string,
  ): Promise<{ found: boolean; replicationStatus?: string; etag?: string }> {
    const client = clientFor(args, site);
    try {
      const out = await client.send(new HeadObjectCommand({ Bucket: args.sites[site].bucket, Key: key }));
      return { found: true, replicationStatus: out.ReplicationStatus, etag: out.ETag };
    } catch (error) {
      if ((error as SdkError).name === 'NotFound' || (error as SdkError).$metadata?.httpStatusCode === 404)
        return { found: false };
      return explain(error, args, site, `HeadObject ${key}`);
    } finally {
      client.destroy();
    }
  }

  return {
    /** The site's bucket answers; reports its versioning. */
    async s3Health(input) {
      const args = input.step.args;
      const site = input.step.site ?? args.to;
      const status = await versioning(args, site);
      return {
        summary: `${args.component} on ${args.siteNames[site]}: bucket ${args.sites[site].bucket} (${args.sites[site].region}) answers, versioning ${status}`,
        facts: { site, bucket: args.sites[site].bucket, versioning: status },
      };
    },

    /** Both buckets answer and are versioned; the store holds a replication rule from the old side to the new one (and back). */
    async s3Preflight(input) {
      const args = input.step.args;
      const { from, to } = args;
      const versions = { [from]: await versioning(args, from), [to]: await versioning(args, to) };
      const forth = await replicationRules(args, from, to);
      const back = await replicationRules(args, to, from);
      const facts = {
        versioning: versions,
        replication: { [`${from}->${to}`]: forth, [`${to}->${from}`]: back },
        mode: args.replication,
      };
      for (const site of [from, to]) {
        if (versions[site] !== 'Enabled')
          failRetryable(
            `${args.component}: versioning is "${versions[site]}" on ${args.sites[site].bucket} (${args.siteNames[site]}); replication needs it Enabled on both buckets`,
            'VersioningDisabled',
            facts,
          );
      }
      if (args.replication === 's3' && !forth.toTarget) {
        failRetryable(
          `${args.component}: ${args.sites[from].bucket} has no enabled replication rule to ${args.sites[to].bucket}`,
          'ReplicationMissing',
          facts,
        );
      }
      const how =
        args.replication === 's3'
          ? `replicates to ${args.sites[to].bucket}${back.toTarget ? ' and back' : ' (no rule back for the failback!)'}`
          : `objects cross by the plan's copy step (the store's ${forth.rules} rule(s) are not relied on)`;
      return {
        summary: `${args.component}: ${args.sites[from].bucket} and ${args.sites[to].bucket} answer and are versioned; ${how}`,
        facts,
      };
    },

    /**
     * Before a switch: puts the canary object on the old side's bucket (once per drill run). Where
     * the store replicates, waits until the source reports COMPLETED and the copy REPLICA; FAILED or
     * no status at all within the plan's time fails, since nothing then proves the copy.
     */
    async s3Canary(input) {
      const args = input.step.args;
      const from = input.step.site ?? args.from;
      const to = otherSite(from);
      const key = canaryObject(input, args);
      const facts: Record<string, unknown> = { key, bucket: args.sites[from].bucket, mode: args.replication };
      const existing = await head(args, from, key);
      if (!existing.found) {
        const client = clientFor(args, from);
        try {
          const body = JSON.stringify({
            drillId: input.drillId,
            canary: args.canary,
            writtenAt: new Date().toISOString(),
            site: args.siteNames[from],
          });
          await client
            .send(
              new PutObjectCommand({
                Bucket: args.sites[from].bucket,
                Key: key,
                Body: body,
                ContentType: 'application/json',
              }),
            )
            .catch((error) => explain(error, args, from, `PutObject ${key}`));
        } finally {
          client.destroy();
        }
      }
      if (args.replication === 'copy') {
        return {
          summary:
            `${args.component}: canary object ${key} ${existing.found ? 'was already' : ''} put on ${args.sites[from].bucket}; the plan's copy step carries it to ${args.sites[to].bucket}`.replace(
              '  ',
              ' ',
            ),
          facts,
        };
      }
      let source = existing;
      const wait = await pollUntil(
        `${key} to replicate`,
        args.replicationTimeoutMs,
        async () => {
          source = await head(args, from, key);
          return (
            source.replicationStatus === 'COMPLETED' ||
            source.replicationStatus === 'COMPLETE' ||
            source.replicationStatus === 'FAILED'
          );
        },
        1000,
      );
      const replica = await head(args, to, key);
      Object.assign(facts, { sourceStatus: source.replicationStatus ?? null, replica, waitedMs: wait.waitedMs });
      if (source.replicationStatus === 'FAILED')
        failRetryable(
          `${args.component}: S3 reports replication of the canary to ${args.sites[to].bucket} FAILED (it is never retried; check the replication role's rights)`,
          'ReplicationFailed',
          facts,
        );
      if (!wait.reached) {
        failRetryable(
          source.replicationStatus
            ? `${args.component}: the canary is still ${source.replicationStatus} after ${Math.round(args.replicationTimeoutMs / 1000)}s`
            : `${args.component}: the store reports no replication status for the canary after ${Math.round(args.replicationTimeoutMs / 1000)}s: it does not replicate (moto, for one, stores rules and copies nothing); name a copy step with replication: copy`,
          'ReplicationNotConfirmed',
          facts,
        );
      }
      if (!replica.found || replica.replicationStatus !== 'REPLICA')
        failRetryable(
          `${args.component}: the source reports the canary replicated, but ${args.sites[to].bucket} holds ${replica.found ? `it with status ${replica.replicationStatus}` : 'no copy'}`,
          'ReplicationNotConfirmed',
          facts,
        );
      return {
        summary: `${args.component}: canary object replicated from ${args.sites[from].bucket} to ${args.sites[to].bucket} in ${Math.round(wait.waitedMs / 100) / 10}s (COMPLETED/REPLICA)`,
        facts,
      };
    },

    /** After a switch: the new side's bucket holds the canary object put before it, the same bytes. */
    async s3Verify(input) {
      const args = input.step.args;
      const to = input.step.site ?? args.to;
      const from = otherSite(to);
      const key = canaryObject(input, args);
      const copy = await head(args, to, key);
      const facts: Record<string, unknown> = {
        key,
        bucket: args.sites[to].bucket,
        replicationStatus: copy.replicationStatus ?? null,
      };
      let body: { writtenAt?: string } | undefined;
      if (copy.found) {
        const client = clientFor(args, to);
        try {
          const out = await client
            .send(new GetObjectCommand({ Bucket: args.sites[to].bucket, Key: key }))
            .catch((error) => explain(error, args, to, `GetObject ${key}`));
          const text = (await out.Body?.transformToString()) ?? '';
          try {
            body = JSON.parse(text) as { writtenAt?: string };
          } catch {
            failRetryable(
              `${args.component}: the canary object on ${args.sites[to].bucket} is not the JSON the drill wrote (${text.slice(0, 60)})`,
              'CanaryCorrupt',
              facts,
            );
          }
        } finally {
          client.destroy();
        }
      }
      const how =
        copy.replicationStatus === 'REPLICA'
          ? 'replicated by S3 (REPLICA)'
          : args.replication === 'copy'
            ? "copied by the plan's copy step (the store reports no replication status)"
            : `status ${copy.replicationStatus ?? 'none'}`;
      facts.canary = { found: copy.found, writtenAt: body?.writtenAt, how };
      facts.rpoEvidence = {
        canaryFound: copy.found,
        dataLossMs: copy.found ? 0 : undefined,
        detail: copy.found
          ? `S3 canary object written at ${body?.writtenAt} on ${args.sites[from].bucket} was read from ${args.sites[to].bucket}, ${how}`
          : `S3 canary object ${key} was NOT found in ${args.sites[to].bucket}`,
      };
      if (!copy.found && args.planned)
        failRetryable(
          `${args.component}: the canary object ${key} is missing from ${args.sites[to].bucket} (${args.siteNames[to]})`,
          'CanaryMissing',
          facts,
        );
      return {
        summary: `${args.component} on ${args.siteNames[to]}: canary object ${copy.found ? `found in ${args.sites[to].bucket}, ${how}` : 'missing'}`,
        facts,
      };
    },
    s3AwaitReturn,
    s3ReverseReplication,
    s3Reversed,
  };
}
