/**
 * The efs* activities: replication from the primary's file system to the secondary's, its last
 * sync, and the failover that deletes it so the destination becomes writable. AWS makes the
 * destination writable "within several minutes"; the step waits for that, heartbeating. Failing
 * back runs the same failover the other way, after the replication was reversed (./reverse.ts).
 */
import { DeleteReplicationConfigurationCommand } from '@aws-sdk/client-efs';
import { ApplicationFailure } from '@temporalio/common';
import { pollUntil } from '../../kit/activities/polling';
import type { Observation, StepDrivers, StepInput } from '../../kit/activities/types';
import type { AwsClients } from '../../kit/aws/clients';
import { aws } from '../../kit/aws/errors';
import type { EfsAction, EfsArgs } from '../actions';
import {
  age,
  factsOf,
  fileSystem,
  label,
  maxAge,
  regionOf,
  replication,
  writable,
  type Replication,
} from './replication';
import { inSync, replicateInto, waitForSync } from './reverse';

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

    /**
     * Failover (and failback, the other way): delete the replication into the step's site so that
     * file system takes writes; wait until it does. Failing back, a sync that ended after this step
     * began (the writers on the other side stopped before it) is waited for first.
     */
    async efsFailover(input: StepInput<'efsFailover'>): Promise<Observation> {
      const args = input.step.args;
      const clients = deps.aws();
      const from = args.from;
      const to = input.step.site ?? args.to;
      const source = args.sites[from].fileSystemId;
      const began = new Date();
      let before = await replication(clients, args, from, to);
      if (args.syncAfterStop && before && before.status !== 'DELETING')
        before = (await waitForSync(clients, args, from, to, began)).last;
      let deletedFrom: string | undefined;
      if (before && before.status !== 'DELETING') {
        try {
          await aws(`deleting the EFS replication of ${source}`, () =>
            clients
              .efs(regionOf(args, from))
              .send(new DeleteReplicationConfigurationCommand({ SourceFileSystemId: source })),
          );
          deletedFrom = regionOf(args, from);
        } catch (error) {
          if (args.planned) throw error;
          // A real outage of the source region: delete it where the destination is (AWS allows that side alone).
          await aws(`deleting the EFS replication of ${source} from the destination's region`, () =>
            clients.efs(regionOf(args, to)).send(
              new DeleteReplicationConfigurationCommand({
                SourceFileSystemId: source,
                DeletionMode: 'LOCAL_CONFIGURATION_ONLY',
              }),
            ),
          );
          deletedFrom = regionOf(args, to);
        }
      }
      let last = await fileSystem(clients, args, to);
      const { reached, waitedMs } = await pollUntil(
        `${args.sites[to].fileSystemId} writable`,
        args.waitTimeoutMs,
        async () => {
          last = await fileSystem(clients, args, to);
          return writable(last) && (await replication(clients, args, from, to)) === undefined;
        },
        args.pollIntervalMs,
      );
      const facts = {
        before: factsOf(before),
        deletedFrom: deletedFrom ?? null,
        overwriteProtection: last.FileSystemProtection?.ReplicationOverwriteProtection ?? null,
        waitedMs,
      };
      if (!reached)
        throw ApplicationFailure.retryable(
          `the replication of ${source} was deleted but ${label(args, to)} is not writable yet after ${Math.round(waitedMs / 1000)}s`,
          'EfsNotWritable',
          facts,
        );
      return {
        summary: before
          ? `EFS ${to === 'secondary' ? 'failed over' : 'failed back'}: replication ${source} -> ${args.sites[to].fileSystemId} deleted${before.ageMs !== undefined ? ` (last sync ${Math.round(before.ageMs / 1000)}s before)` : ''}; ${label(args, to)} writable after ${(waitedMs / 1000).toFixed(1)}s`
          : `EFS replication was already gone; ${label(args, to)} is writable`,
        facts,
      };
    },

    /** The way back: replicate the other site's file system into this site's (destructive: it overwrites it). */
    async efsReplicate(input: StepInput<'efsReplicate'>): Promise<Observation> {
      return replicateInto(deps.aws(), input.step.args, input.step.site ?? input.step.args.to);
    },

    /** The re-created replication into this site has synced, within maxSyncAge (or the RPO). */
    async efsInSync(input: StepInput<'efsInSync'>): Promise<Observation> {
      return inSync(deps.aws(), input.step.args, input.step.site ?? input.step.args.to);
    },
  };
}
