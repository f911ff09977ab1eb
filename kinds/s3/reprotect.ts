/**
 * Reprotect of a site's bucket after its site was lost and came back: wait until the bucket answers,
 * then reverse the replication so the serving side's bucket replicates to the returned one (the rule
 * added to the serving bucket's configuration, its IAM role taken from the configuration already
 * there), and check the reversed rule is in place. moto stores the rules and copies nothing
 * (FIELD-NOTES 10.2): the lab proves the configuration, never that objects cross.
 */
import {
  GetBucketReplicationCommand,
  HeadBucketCommand,
  PutBucketReplicationCommand,
  S3Client,
  type ReplicationConfiguration,
  type ReplicationRule,
} from '@aws-sdk/client-s3';
import { failNonRetryable, failRetryable } from '../kit/activities/failures';
import { awaitReturn } from '../kit/activities/awaitReturn';
import type { StepDriver } from '../kit/activities/types';
import { otherSite, type SiteRole } from '../../domain';
import type { S3Args } from './actions';

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

const arn = (bucket: string) => `arn:aws:s3:::${bucket}`;
/** The id the reversed rule goes by, so a retry finds it instead of adding another. */
export const reversedRuleId = (args: S3Args, site: SiteRole) => `drillbook-to-${args.sites[site].bucket}`;

function refuse(error: unknown, args: S3Args, site: SiteRole, what: string): never {
  const e = error as SdkError;
  const where = `${args.component} on ${args.siteNames[site]} (bucket ${args.sites[site].bucket})`;
  const status = e.$metadata?.httpStatusCode;
  if (e.name === 'NoSuchBucket')
    failNonRetryable(
      `${where}: the bucket does not exist; check components.${args.component}.${site}.bucket`,
      'BucketMissing',
    );
  if (e.name === 'AccessDenied' || status === 403)
    failNonRetryable(
      `${where}: ${what} was refused (403); the worker's AWS identity needs s3:GetReplicationConfiguration and s3:PutReplicationConfiguration on it, and iam:PassRole on the replication role`,
      'S3AccessDenied',
    );
  failRetryable(
    `${where}: ${what} failed: ${e.name ?? 'error'}${status ? ` (HTTP ${status})` : ''}: ${e.message ?? String(error)}`,
    'S3Unavailable',
  );
}

async function replicationOf(args: S3Args, site: SiteRole): Promise<ReplicationConfiguration | undefined> {
  const client = clientFor(args, site);
  try {
    const out = await client.send(new GetBucketReplicationCommand({ Bucket: args.sites[site].bucket }));
    return out.ReplicationConfiguration;
  } catch (error) {
    if ((error as SdkError).name === 'ReplicationConfigurationNotFoundError') return undefined;
    return refuse(error, args, site, 'GetBucketReplication');
  } finally {
    client.destroy();
  }
}

const enabledTo = (config: ReplicationConfiguration | undefined, bucket: string): ReplicationRule | undefined =>
  config?.Rules?.find((r) => r.Status === 'Enabled' && r.Destination?.Bucket === arn(bucket));

/** Waits until the returned site's bucket answers again (bounded by the step's timeout). */
export const s3AwaitReturn: StepDriver<'s3AwaitReturn'> = async (input) => {
  const args = input.step.args;
  const site = input.step.site ?? args.from;
  const at = `${args.component} on ${args.siteNames[site]} (bucket ${args.sites[site].bucket})`;
  const back = await awaitReturn(input, at, async () => {
    const client = clientFor(args, site);
    try {
      await client.send(new HeadBucketCommand({ Bucket: args.sites[site].bucket }));
      return { back: true, detail: 'the bucket answers' };
    } catch (error) {
      return refuse(error, args, site, 'HeadBucket');
    } finally {
      client.destroy();
    }
  });
  return {
    summary: `${at} answers again after ${Math.round(back.waitedMs / 1000)}s`,
    facts: { site, waitedMs: back.waitedMs },
  };
};

/**
 * Reverses the replication: the serving bucket gets an enabled rule to the returned one (kept if it
 * has one already). The role is the serving bucket's own replication role, else the one the
 * returned bucket replicated with before the loss; with neither there is nothing to pass and the
 * step says so.
 */
export const s3ReverseReplication: StepDriver<'s3ReverseReplication'> = async (input) => {
  const args = input.step.args;
  const site = input.step.site ?? args.from;
  const serving = otherSite(site);
  const [servingBucket, oldBucket] = [args.sites[serving].bucket, args.sites[site].bucket];
  const current = await replicationOf(args, serving);
  const existing = enabledTo(current, oldBucket);
  if (existing)
    return {
      summary: `${args.component}: ${servingBucket} already replicates to ${oldBucket} (rule ${existing.ID})`,
      facts: { rule: existing.ID, added: false },
    };
  const role = current?.Role ?? (await replicationOf(args, site))?.Role;
  if (!role)
    failNonRetryable(
      `${args.component}: neither ${servingBucket} nor ${oldBucket} has a replication configuration to take the IAM role from; add the reversed rule (${servingBucket} -> ${oldBucket}) by hand once`,
      'ReplicationRoleUnknown',
    );
  const others = (current?.Rules ?? []).filter((r) => r.ID !== reversedRuleId(args, site));
  const priority = Math.max(0, ...others.map((r) => r.Priority ?? 0)) + 1;
  const rule: ReplicationRule = {
    ID: reversedRuleId(args, site),
    Priority: priority,
    Status: 'Enabled',
    Filter: {},
    DeleteMarkerReplication: { Status: 'Disabled' },
    Destination: { Bucket: arn(oldBucket) },
  };
  const client = clientFor(args, serving);
  try {
    await client
      .send(
        new PutBucketReplicationCommand({
          Bucket: servingBucket,
          ReplicationConfiguration: { Role: role, Rules: [...others, rule] },
        }),
      )
      .catch((error) => refuse(error, args, serving, 'PutBucketReplication'));
  } finally {
    client.destroy();
  }
  return {
    summary: `${args.component}: ${servingBucket} now replicates to ${oldBucket} (rule ${rule.ID}, role ${role.split('/').pop()})${args.replication === 'copy' ? "; this store copies nothing by its rules: the plan's copy step carries objects" : ''}`,
    facts: { rule: rule.ID, role, added: true, rules: others.length + 1 },
  };
};

/** The serving bucket holds an enabled rule replicating to the returned one. */
export const s3Reversed: StepDriver<'s3Reversed'> = async (input) => {
  const args = input.step.args;
  const site = input.step.site ?? args.from;
  const serving = otherSite(site);
  const [servingBucket, oldBucket] = [args.sites[serving].bucket, args.sites[site].bucket];
  const rule = enabledTo(await replicationOf(args, serving), oldBucket);
  if (!rule)
    failRetryable(
      `${args.component}: ${servingBucket} has no enabled replication rule to ${oldBucket}`,
      'ReplicationMissing',
      {
        serving: servingBucket,
        target: oldBucket,
      },
    );
  return {
    summary: `${args.component}: ${servingBucket} replicates to ${oldBucket} (rule ${rule.ID})`,
    facts: { serving: servingBucket, target: oldBucket, rule: rule.ID },
  };
};
