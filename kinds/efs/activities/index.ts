/**
 * The efs* activities: replication from the primary's file system to the secondary's, its last
 * sync, and the failover that deletes it so the destination becomes writable. AWS makes the
 * destination writable "within several minutes"; the step waits for that, heartbeating.
 */
import {
  DeleteReplicationConfigurationCommand,
  DescribeFileSystemsCommand,
  DescribeReplicationConfigurationsCommand,
  type FileSystemDescription,
} from '@aws-sdk/client-efs';
import { ApplicationFailure } from '@temporalio/common';
import { pollUntil } from '../kit/activities/polling';
import type { Observation, StepDrivers, StepInput } from '../kit/activities/types';
import { type AwsClients, workerRegion } from '../kit/aws/clients';
import { aws, awsFailure } from '../kit/aws/errors';
import type { SiteRole } from '../../domain';
import type { EfsAction, EfsArgs } from './actions';

const label = (args: EfsArgs, site: SiteRole) => `${args.sites[site].fileSystemId} (${args.siteNames[site]}, ${site})`;
const regionOf = (args: EfsArgs, site: SiteRole) => args.sites[site].region ?? workerRegion();

interface Replication {
  status: string;
  lastSync?: Date;
  ageMs?: number;
}

/** The replication primary -> secondary, or undefined when there is none. */
async function replication(clients: AwsClients, args: EfsArgs): Promise<Replication | undefined> {
  const source = args.sites.primary.fileSystemId;
  const target = args.sites.secondary.fileSystemId;
  try {
    const answer = await clients
      .efs(regionOf(args, 'primary'))
      .send(new DescribeReplicationConfigurationsCommand({ FileSystemId: source }));
    const destination = answer.Replications?.flatMap((r) => r.Destinations ?? []).find(
      (d) => d.FileSystemId === target,
    );
    if (!destination) {
      const elsewhere = answer.Replications?.flatMap((r) => r.Destinations ?? []).map(
        (d) => `${d.FileSystemId} (${d.Region})`,
      );
      if (elsewhere?.length)
        throw ApplicationFailure.nonRetryable(
          `${source} replicates to ${elsewhere.join(', ')}, not to ${target} (the plan's secondary.fileSystemId)`,
          'EfsMisconfigured',
        );
      return undefined;
    }
    const lastSync = destination.LastReplicatedTimestamp;
    return {
      status: destination.Status ?? 'unknown',
      lastSync,
      ageMs: lastSync ? Date.now() - lastSync.getTime() : undefined,
    };
  } catch (error) {
    if ((error as Error).name === 'ReplicationNotFound') return undefined;
    if ((error as Error).name === 'FileSystemNotFound')
      throw ApplicationFailure.nonRetryable(
        `EFS has no file system ${source} in ${regionOf(args, 'primary')} (the plan's primary.fileSystemId)`,
        'FileSystemNotFound',
      );
    throw awsFailure(error, `EFS replication of ${source}`);
  }
}

async function fileSystem(clients: AwsClients, args: EfsArgs, site: SiteRole): Promise<FileSystemDescription> {
  const id = args.sites[site].fileSystemId;
  const answer = await aws(
    `EFS file system ${id}`,
    () => clients.efs(regionOf(args, site)).send(new DescribeFileSystemsCommand({ FileSystemId: id })),
    `check the plan's ${site}.fileSystemId and its region`,
  );
  const found = answer.FileSystems?.[0];
  if (!found)
    throw ApplicationFailure.nonRetryable(
      `EFS has no file system ${id} in ${regionOf(args, site)} (the plan's ${site}.fileSystemId)`,
      'FileSystemNotFound',
    );
  return found;
}

/** A replication destination is read-only: its overwrite protection says REPLICATING. */
const writable = (fs: FileSystemDescription): boolean =>
  fs.FileSystemProtection?.ReplicationOverwriteProtection !== 'REPLICATING';
const age = (r: Replication) =>
  r.ageMs === undefined ? 'never synced' : `last sync ${Math.round(r.ageMs / 1000)}s ago`;
const maxAge = (args: EfsArgs) => args.maxSyncAgeMs ?? args.rpoMs;

/** Problems that make a planned failover lose more than allowed; empty when it may go ahead. */
function replicationProblems(args: EfsArgs, r: Replication | undefined): string[] {
  if (!r) return [`there is no replication ${args.sites.primary.fileSystemId} -> ${args.sites.secondary.fileSystemId}`];
  const problems: string[] = [];
  if (r.status !== 'ENABLED') problems.push(`replication is ${r.status}, not ENABLED`);
  const limit = maxAge(args);
  if (r.ageMs === undefined) problems.push('it has never completed a sync');
  else if (limit !== undefined && r.ageMs > limit)
    problems.push(`its last sync is ${Math.round(r.ageMs / 1000)}s old, more than ${Math.round(limit / 1000)}s`);
  return problems;
}

export function createEfsActivities(deps: { aws: () => AwsClients }): StepDrivers<EfsAction> {
  return {
    async efsPreflight(input: StepInput<'efsPreflight'>): Promise<Observation> {
      const args = input.step.args;
      const clients = deps.aws();
      await fileSystem(clients, args, 'primary');
      await fileSystem(clients, args, 'secondary');
      const r = await replication(clients, args);
      if (!r)
        throw ApplicationFailure.nonRetryable(
          `there is no EFS replication ${args.sites.primary.fileSystemId} -> ${args.sites.secondary.fileSystemId}: create it (or fix the plan's file system ids) before a drill`,
          'EfsMisconfigured',
        );
      const problems = replicationProblems(args, r);
      const facts = { status: r.status, lastSync: r.lastSync?.toISOString() ?? null, ageMs: r.ageMs ?? null };
      if (problems.length)
        throw ApplicationFailure.retryable(
          `EFS ${label(args, 'primary')} -> ${label(args, 'secondary')}: ${problems.join('; ')}`,
          'EfsReplicationBehind',
          facts,
        );
      return {
        summary: `EFS replication ${label(args, 'primary')} -> ${label(args, 'secondary')} is ${r.status}, ${age(r)}`,
        facts,
      };
    },

    async efsHealth(input: StepInput<'efsHealth'>): Promise<Observation> {
      const args = input.step.args;
      const site = input.step.site ?? args.to;
      const fs = await fileSystem(deps.aws(), args, site);
      const facts = {
        fileSystem: fs.FileSystemId,
        lifeCycleState: fs.LifeCycleState,
        overwriteProtection: fs.FileSystemProtection?.ReplicationOverwriteProtection ?? null,
      };
      if (fs.LifeCycleState !== 'available')
        throw ApplicationFailure.retryable(
          `EFS ${label(args, site)} is ${fs.LifeCycleState}, not available`,
          'EfsNotAvailable',
          facts,
        );
      if (args.serving !== false && !writable(fs))
        throw ApplicationFailure.retryable(
          `EFS ${label(args, site)} is still a replication destination (read-only)`,
          'EfsReadOnly',
          facts,
        );
      return {
        summary: `EFS ${label(args, site)} is available${args.serving === false ? '' : ' and writable'}`,
        facts,
      };
    },

    /** Before a planned failover: replication enabled and its last sync within the RPO (or maxSyncAge). */
    async efsGuard(input: StepInput<'efsGuard'>): Promise<Observation> {
      const args = input.step.args;
      const r = await replication(deps.aws(), args);
      const problems = replicationProblems(args, r);
      const facts = {
        status: r?.status ?? 'none',
        lastSync: r?.lastSync?.toISOString() ?? null,
        ageMs: r?.ageMs ?? null,
        maxAgeMs: maxAge(args) ?? null,
      };
      if (problems.length && args.planned)
        throw ApplicationFailure.retryable(
          `EFS failover refused: ${problems.join('; ')}`,
          'EfsReplicationBehind',
          facts,
        );
      return {
        summary: r
          ? `EFS replication ${r.status}, ${age(r)}${problems.length ? ` (${problems.join('; ')})` : ''}`
          : `EFS has no replication any more (${problems.join('; ')})`,
        facts,
      };
    },

    /** Failover: delete the replication so the destination takes writes; wait until it does. */
    async efsFailover(input: StepInput<'efsFailover'>): Promise<Observation> {
      const args = input.step.args;
      const clients = deps.aws();
      const source = args.sites.primary.fileSystemId;
      const before = await replication(clients, args);
      let deletedFrom: string | undefined;
      if (before && before.status !== 'DELETING') {
        try {
          await aws(`deleting the EFS replication of ${source}`, () =>
            clients
              .efs(regionOf(args, 'primary'))
              .send(new DeleteReplicationConfigurationCommand({ SourceFileSystemId: source })),
          );
          deletedFrom = regionOf(args, 'primary');
        } catch (error) {
          if (args.planned) throw error;
          // A real outage of the source region: delete it where the destination is (AWS allows that side alone).
          await aws(`deleting the EFS replication of ${source} from the destination's region`, () =>
            clients.efs(regionOf(args, 'secondary')).send(
              new DeleteReplicationConfigurationCommand({
                SourceFileSystemId: source,
                DeletionMode: 'LOCAL_CONFIGURATION_ONLY',
              }),
            ),
          );
          deletedFrom = regionOf(args, 'secondary');
        }
      }
      let last = await fileSystem(clients, args, 'secondary');
      const { reached, waitedMs } = await pollUntil(
        `${args.sites.secondary.fileSystemId} writable`,
        args.waitTimeoutMs,
        async () => {
          last = await fileSystem(clients, args, 'secondary');
          return writable(last) && (await replication(clients, args)) === undefined;
        },
        args.pollIntervalMs,
      );
      const facts = {
        before: before
          ? { status: before.status, lastSync: before.lastSync?.toISOString() ?? null, ageMs: before.ageMs ?? null }
          : null,
        deletedFrom: deletedFrom ?? null,
        overwriteProtection: last.FileSystemProtection?.ReplicationOverwriteProtection ?? null,
        waitedMs,
      };
      if (!reached)
        throw ApplicationFailure.retryable(
          `the replication of ${source} was deleted but ${label(args, 'secondary')} is not writable yet after ${Math.round(waitedMs / 1000)}s`,
          'EfsNotWritable',
          facts,
        );
      return {
        summary: before
          ? `EFS failed over: replication ${source} -> ${args.sites.secondary.fileSystemId} deleted${before.ageMs !== undefined ? ` (last sync ${Math.round(before.ageMs / 1000)}s before)` : ''}; ${label(args, 'secondary')} writable after ${(waitedMs / 1000).toFixed(1)}s`
          : `EFS replication was already gone; ${label(args, 'secondary')} is writable`,
        facts,
      };
    },
  };
}
