/**
 * What EFS says about the plan's file systems and the replication between them, in either
 * direction: failing over reads primary -> secondary, failing back the reverse.
 */
import {
  DescribeFileSystemsCommand,
  DescribeReplicationConfigurationsCommand,
  type FileSystemDescription,
} from '@aws-sdk/client-efs';
import { failNonRetryable } from '../../kit/activities/failures';
import { type AwsClients, workerRegion } from '../../kit/aws/clients';
import { aws, awsFailure } from '../../kit/aws/errors';
import type { SiteRole } from '../../../domain';
import type { EfsArgs } from '../actions';

export const label = (args: EfsArgs, site: SiteRole) =>
  `${args.sites[site].fileSystemId} (${args.siteNames[site]}, ${site})`;
export const regionOf = (args: EfsArgs, site: SiteRole) => args.sites[site].region ?? workerRegion();

export interface Replication {
  status: string;
  lastSync?: Date;
  ageMs?: number;
}

/** The replication source -> destination, or undefined when there is none. */
export async function replication(
  clients: AwsClients,
  args: EfsArgs,
  source: SiteRole = 'primary',
  destination: SiteRole = 'secondary',
): Promise<Replication | undefined> {
  const from = args.sites[source].fileSystemId;
  const to = args.sites[destination].fileSystemId;
  try {
    const answer = await clients
      .efs(regionOf(args, source))
      .send(new DescribeReplicationConfigurationsCommand({ FileSystemId: from }));
    const destinations = (answer.Replications ?? [])
      .filter((r) => r.SourceFileSystemId === undefined || r.SourceFileSystemId === from)
      .flatMap((r) => r.Destinations ?? []);
    const found = destinations.find((d) => d.FileSystemId === to);
    if (!found) {
      if (destinations.length)
        failNonRetryable(
          `${from} replicates to ${destinations.map((d) => `${d.FileSystemId} (${d.Region})`).join(', ')}, not to ${to} (the plan's ${destination}.fileSystemId)`,
          'EfsMisconfigured',
        );
      return undefined;
    }
    const lastSync = found.LastReplicatedTimestamp;
    return {
      status: found.Status ?? 'unknown',
      lastSync,
      ageMs: lastSync ? Date.now() - lastSync.getTime() : undefined,
    };
  } catch (error) {
    const name = (error as Error).name;
    if (name === 'ReplicationNotFound') return undefined;
    if (name === 'FileSystemNotFound')
      failNonRetryable(
        `EFS has no file system ${from} in ${regionOf(args, source)} (the plan's ${source}.fileSystemId)`,
        'FileSystemNotFound',
      );
    throw awsFailure(error, `EFS replication of ${from}`);
  }
}

export async function fileSystem(clients: AwsClients, args: EfsArgs, site: SiteRole): Promise<FileSystemDescription> {
  const id = args.sites[site].fileSystemId;
  const answer = await aws(
    `EFS file system ${id}`,
    () => clients.efs(regionOf(args, site)).send(new DescribeFileSystemsCommand({ FileSystemId: id })),
    `check the plan's ${site}.fileSystemId and its region`,
  );
  const found = answer.FileSystems?.[0];
  if (!found)
    failNonRetryable(
      `EFS has no file system ${id} in ${regionOf(args, site)} (the plan's ${site}.fileSystemId)`,
      'FileSystemNotFound',
    );
  return found;
}

/** A replication destination is read-only: its overwrite protection says REPLICATING. */
export const writable = (fs: FileSystemDescription): boolean =>
  fs.FileSystemProtection?.ReplicationOverwriteProtection !== 'REPLICATING';
export const age = (r: Replication) =>
  r.ageMs === undefined ? 'never synced' : `last sync ${Math.round(r.ageMs / 1000)}s ago`;
export const maxAge = (args: EfsArgs) => args.maxSyncAgeMs ?? args.rpoMs;
export const factsOf = (r: Replication | undefined) =>
  r ? { status: r.status, lastSync: r.lastSync?.toISOString() ?? null, ageMs: r.ageMs ?? null } : null;
