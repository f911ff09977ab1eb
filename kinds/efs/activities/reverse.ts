/**
 * The way back: a replication into the step's site from the other one (the failback's reversal
 * secondary -> primary, and afterwards primary -> secondary again), into the file system the plan
 * names (`Destinations[].FileSystemId`). EFS then makes the destination match the source: what the
 * destination held is overwritten, so creating it is destructive and its overwrite protection must
 * be off first. Waiting for a sync means a `LastReplicatedTimestamp` after a given moment.
 */
import {
  CreateReplicationConfigurationCommand,
  DeleteReplicationConfigurationCommand,
  UpdateFileSystemProtectionCommand,
} from '@aws-sdk/client-efs';
import { failNonRetryable, failRetryable } from '../../kit/activities/failures';
import { pollFor } from '../../kit/activities/polling';
import type { Observation } from '../../kit/activities/types';
import type { AwsClients } from '../../kit/aws/clients';
import { aws } from '../../kit/aws/errors';
import { otherSite, type SiteRole } from '../../../domain';
import type { EfsArgs } from '../actions';
import { factsOf, fileSystem, label, maxAge, regionOf, replication, writable, type Replication } from './replication';

const synced = (r: Replication | undefined, since?: Date): boolean =>
  r?.status === 'ENABLED' && r.lastSync !== undefined && (!since || r.lastSync > since);

/**
 * Waits until source -> destination is ENABLED and completed a sync (after `since` when given);
 * fails retryably saying what it saw.
 */
export async function waitForSync(
  clients: AwsClients,
  args: EfsArgs,
  source: SiteRole,
  destination: SiteRole,
  since?: Date,
): Promise<{ last: Replication | undefined; waitedMs: number }> {
  const { reached, waitedMs, last } = await pollFor(
    `${args.sites[source].fileSystemId} -> ${args.sites[destination].fileSystemId} in sync`,
    args.waitTimeoutMs,
    () => replication(clients, args, source, destination),
    (r) => synced(r, since),
    args.pollIntervalMs,
  );
  if (!reached) {
    const seen = !last
      ? 'there is no such replication'
      : last.status !== 'ENABLED'
        ? `it is ${last.status}`
        : !last.lastSync
          ? 'it has not completed a sync'
          : `its last sync is from ${last.lastSync.toISOString()}${since ? `, not after ${since.toISOString()}` : ''}`;
    failRetryable(
      `EFS ${label(args, source)} -> ${label(args, destination)} is not in sync after ${Math.round(waitedMs / 1000)}s: ${seen}`,
      'EfsReplicationBehind',
      { replication: factsOf(last), since: since?.toISOString() ?? null, waitedMs },
    );
  }
  return { last, waitedMs };
}

/** Replicates the other site's file system into the step's site's (overwriting it); finds it there when run again. */
export async function replicateInto(clients: AwsClients, args: EfsArgs, site: SiteRole): Promise<Observation> {
  const source = otherSite(site);
  const from = args.sites[source].fileSystemId;
  const into = args.sites[site].fileSystemId;
  const done: string[] = [];
  let existing = await replication(clients, args, source, site);
  if (!existing) {
    // The old direction must be gone first: after an outage its source side may still be listed
    // while its destination (the other side) already took writes.
    const old = await replication(clients, args, site, source);
    if (old && old.status !== 'DELETING') {
      // The other side still a read-only destination: no failover happened (an aborted one's way back).
      if (!writable(await fileSystem(clients, args, source)))
        return {
          summary: `nothing to fail back: ${into} still replicates to ${from}, which is still a read-only destination`,
          facts: { source: into, destination: from, replication: factsOf(old), changed: false },
        };
      await aws(`EFS DeleteReplicationConfiguration of ${into} (the old direction)`, () =>
        clients.efs(regionOf(args, site)).send(new DeleteReplicationConfigurationCommand({ SourceFileSystemId: into })),
      );
      done.push(`deleted the old replication ${into} -> ${from}`);
    }
    const target = await fileSystem(clients, args, site);
    const protection = target.FileSystemProtection?.ReplicationOverwriteProtection;
    if (protection === 'REPLICATING')
      failNonRetryable(
        `${label(args, site)} is the destination of another replication: it cannot take ${from}'s; fix the plan or that replication`,
        'EfsMisconfigured',
      );
    if (protection !== 'DISABLED') {
      await aws(`EFS UpdateFileSystemProtection of ${into} (overwrite protection off)`, () =>
        clients
          .efs(regionOf(args, site))
          .send(
            new UpdateFileSystemProtectionCommand({ FileSystemId: into, ReplicationOverwriteProtection: 'DISABLED' }),
          ),
      );
      done.push(`turned ${into}'s overwrite protection off`);
    }
    await aws(`EFS CreateReplicationConfiguration ${from} -> ${into}`, () =>
      clients.efs(regionOf(args, source)).send(
        new CreateReplicationConfigurationCommand({
          SourceFileSystemId: from,
          Destinations: [{ Region: regionOf(args, site), FileSystemId: into }],
        }),
      ),
    );
    done.push(`created the replication ${from} -> ${into}`);
    existing = await replication(clients, args, source, site);
  } else {
    done.push(`the replication ${from} -> ${into} is already there`);
  }
  const facts = { source: from, destination: into, before: factsOf(existing), did: done };
  if (!args.waitForSync)
    return { summary: `EFS: ${done.join('; ')}; whether it synced is checked after the switch`, facts };
  // A new replication has no LastReplicatedTimestamp until its first sync completed.
  const { last, waitedMs } = await waitForSync(clients, args, source, site);
  return {
    summary: `EFS: ${done.join('; ')}; in sync after ${(waitedMs / 1000).toFixed(1)}s (last sync ${last?.lastSync?.toISOString()})`,
    facts: { ...facts, after: factsOf(last), waitedMs },
  };
}

/** The re-created protection has synced and its last sync is within maxSyncAge (the RPO when absent). */
export async function inSync(clients: AwsClients, args: EfsArgs, site: SiteRole): Promise<Observation> {
  const source = otherSite(site);
  const { last, waitedMs } = await waitForSync(clients, args, source, site);
  const limit = maxAge(args);
  const facts = { replication: factsOf(last), maxAgeMs: limit ?? null, waitedMs };
  if (limit !== undefined && last?.ageMs !== undefined && last.ageMs > limit)
    failRetryable(
      `EFS ${label(args, source)} -> ${label(args, site)}: its last sync is ${Math.round(last.ageMs / 1000)}s old, more than ${Math.round(limit / 1000)}s`,
      'EfsReplicationBehind',
      facts,
    );
  return {
    summary: `EFS ${label(args, source)} -> ${label(args, site)} replicates again: ${last?.status}, last sync ${last?.lastSync?.toISOString()}`,
    facts,
  };
}
