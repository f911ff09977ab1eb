/**
 * What RDS says about the plan's instances, clusters and global cluster, and which site writes, in
 * one shape for every mode. A promoted replica carries the drill's `drillbook:promoted-at` tag: RDS
 * (and moto) may go on naming the old source after a promotion, so the tag decides, and of two
 * promoted instances the one promoted last writes.
 */
import {
  DescribeDBClustersCommand,
  DescribeDBInstancesCommand,
  DescribeGlobalClustersCommand,
  type DBCluster,
  type DBInstance,
  type GlobalCluster,
} from '@aws-sdk/client-rds';
import { GetMetricStatisticsCommand } from '@aws-sdk/client-cloudwatch';
import { failNonRetryable } from '../../kit/activities/failures';
import { type AwsClients, regionOfArn, workerRegion } from '../../kit/aws/clients';
import { aws, awsFailure } from '../../kit/aws/errors';
import { otherSite, type SiteRole } from '../../../domain';
import type { RdsArgs } from '../actions';

/** The tag a promotion leaves on the instance: RDS (and moto) may still show the old replication source. */
export const PROMOTED_TAG = 'drillbook:promoted-at';

export const regionFor = (args: RdsArgs, site?: SiteRole): string =>
  (site && args.sites[site].region) ?? args.region ?? regionOfArn(site && args.sites[site].cluster) ?? workerRegion();
export const label = (args: RdsArgs, site: SiteRole) => `${args.siteNames[site]} (${site})`;

/** The instance, or undefined when RDS has none by that identifier. */
export async function findInstance(clients: AwsClients, id: string, region: string): Promise<DBInstance | undefined> {
  try {
    const answer = await clients.rds(region).send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: id }));
    return answer.DBInstances?.[0];
  } catch (error) {
    const name = (error as Error).name;
    if (name === 'DBInstanceNotFound' || name === 'DBInstanceNotFoundFault') return undefined;
    throw awsFailure(error, `RDS instance ${id} in ${region}`);
  }
}

export async function instance(clients: AwsClients, id: string, region: string, what: string): Promise<DBInstance> {
  const answer = await aws(
    `RDS instance ${id} in ${region}`,
    () => clients.rds(region).send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: id })),
    `check ${what} and its region`,
  );
  const found = answer.DBInstances?.[0];
  if (!found) failNonRetryable(`RDS has no DB instance ${id} in ${region} (${what})`, 'DBInstanceNotFound');
  return found;
}

async function cluster(clients: AwsClients, id: string, region: string, what: string): Promise<DBCluster> {
  const answer = await aws(
    `RDS cluster ${id} in ${region}`,
    () => clients.rds(region).send(new DescribeDBClustersCommand({ DBClusterIdentifier: id })),
    `check ${what} and its region`,
  );
  const found = answer.DBClusters?.[0];
  if (!found) failNonRetryable(`RDS has no DB cluster ${id} in ${region} (${what})`, 'DBClusterNotFoundFault');
  return found;
}

/** Asked in the region the switch goes to: in an outage the primary's region may not answer. */
export async function globalCluster(clients: AwsClients, args: RdsArgs): Promise<GlobalCluster> {
  const id = args.globalCluster as string;
  const region = regionFor(args, args.to);
  const answer = await aws(
    `Aurora global cluster ${id}`,
    () => clients.rds(region).send(new DescribeGlobalClustersCommand({ GlobalClusterIdentifier: id })),
    "check the plan's globalCluster",
  );
  const found = answer.GlobalClusters?.[0];
  if (!found)
    failNonRetryable(`RDS has no global cluster ${id} (the plan's globalCluster)`, 'GlobalClusterNotFoundFault');
  return found;
}

/** When the drill promoted this instance (its tag), or undefined when it never did. */
const promotedAt = (db: DBInstance): number | undefined => {
  const value = (db.TagList ?? []).find((t) => t.Key === PROMOTED_TAG)?.Value;
  const at = value ? Date.parse(value) : NaN;
  return Number.isNaN(at) ? (value !== undefined ? 0 : undefined) : at;
};
export const tagged = (db: DBInstance): boolean => promotedAt(db) !== undefined;
/** A replica still replicating: it names a source and the drill has not promoted it. */
export const isReplica = (db: DBInstance): boolean => Boolean(db.ReadReplicaSourceDBInstanceIdentifier) && !tagged(db);
export const sameId = (ref: string | undefined, id: string | undefined): boolean =>
  ref !== undefined && id !== undefined && (ref === id || ref.endsWith(`:db:${id}`) || ref.endsWith(`:cluster:${id}`));

/** How strongly an instance claims the writer's role: a replica never; a promoted one by when; a standalone one never promoted least. */
export const writerClaim = (db: DBInstance): number => (isReplica(db) ? -Infinity : (promotedAt(db) ?? -1));

/** What the serving writer is now, in one shape for every mode. */
export interface Writer {
  /** Which site writes, as far as RDS shows it; undefined when it matches neither. */
  site?: SiteRole;
  available: boolean;
  said: string;
  facts: Record<string, unknown>;
}

const roleOf = (db: DBInstance): string =>
  isReplica(db)
    ? `a replica of ${db.ReadReplicaSourceDBInstanceIdentifier}`
    : tagged(db)
      ? 'promoted by a drill'
      : 'a standalone writer';

/**
 * A read-replica pair in an outage: only the target's region is asked. The old primary's region may
 * be gone, and an SDK call to a dead region retries and times out; the target's own state says
 * whether it writes (promoted, or a standalone instance) or still replicates.
 */
async function targetOnly(clients: AwsClients, args: RdsArgs): Promise<Writer> {
  const to = args.to;
  const t = await instance(
    clients,
    args.sites[to].instance as string,
    regionFor(args, to),
    `the plan's ${to}.instance`,
  );
  const other = args.sites[otherSite(to)].instance as string;
  return {
    site: isReplica(t) ? undefined : to,
    available: t.DBInstanceStatus === 'available',
    said: `${t.DBInstanceIdentifier} ${t.DBInstanceStatus}, ${roleOf(t)}; ${other} not asked (an outage: its region may be gone)`,
    facts: {
      [to]: {
        instance: t.DBInstanceIdentifier,
        status: t.DBInstanceStatus,
        replicaSource: t.ReadReplicaSourceDBInstanceIdentifier ?? null,
        promotedByDrill: tagged(t),
      },
      [otherSite(to)]: { instance: other, asked: false },
    },
  };
}

export async function writer(clients: AwsClients, args: RdsArgs): Promise<Writer> {
  switch (args.mode) {
    case 'multi-az': {
      const db = await instance(clients, args.instance as string, regionFor(args), "the plan's instance");
      if (!db.MultiAZ)
        failNonRetryable(
          `RDS instance ${db.DBInstanceIdentifier} is not Multi-AZ: there is no standby to fail over to (mode multi-az needs MultiAZ)`,
          'RdsMisconfigured',
        );
      const az = db.AvailabilityZone;
      const site = (['primary', 'secondary'] as const).find((s) => args.sites[s].availabilityZone === az);
      return {
        site,
        available: db.DBInstanceStatus === 'available',
        said: `${db.DBInstanceIdentifier} ${db.DBInstanceStatus} in ${az}${db.SecondaryAvailabilityZone ? ` (standby in ${db.SecondaryAvailabilityZone})` : ' (RDS does not report the standby zone)'}`,
        facts: {
          instance: db.DBInstanceIdentifier,
          status: db.DBInstanceStatus,
          availabilityZone: az,
          secondaryAvailabilityZone: db.SecondaryAvailabilityZone ?? null,
          multiAZ: db.MultiAZ,
        },
      };
    }
    case 'read-replica': {
      if (!args.planned) return targetOnly(clients, args);
      const p = await instance(
        clients,
        args.sites.primary.instance as string,
        regionFor(args, 'primary'),
        "the plan's primary.instance",
      );
      const s = await instance(
        clients,
        args.sites.secondary.instance as string,
        regionFor(args, 'secondary'),
        "the plan's secondary.instance",
      );
      // Both replicas: neither writes. Otherwise the stronger claim; a tie (two standalone instances
      // nobody promoted by drill) is the secondary's, as before the failback was driven.
      const site: SiteRole | undefined =
        isReplica(p) && isReplica(s) ? undefined : writerClaim(p) > writerClaim(s) ? 'primary' : 'secondary';
      const current = site === 'primary' ? p : s;
      return {
        site,
        available: current.DBInstanceStatus === 'available',
        said: `${p.DBInstanceIdentifier} ${p.DBInstanceStatus}, ${roleOf(p)}; ${s.DBInstanceIdentifier} ${s.DBInstanceStatus}, ${roleOf(s)}`,
        facts: {
          primary: {
            instance: p.DBInstanceIdentifier,
            status: p.DBInstanceStatus,
            replicaSource: p.ReadReplicaSourceDBInstanceIdentifier ?? null,
            promotedByDrill: tagged(p),
          },
          secondary: {
            instance: s.DBInstanceIdentifier,
            status: s.DBInstanceStatus,
            replicaSource: s.ReadReplicaSourceDBInstanceIdentifier ?? null,
            promotedByDrill: tagged(s),
          },
        },
      };
    }
    case 'aurora-cluster': {
      const c = await cluster(clients, args.cluster as string, regionFor(args), "the plan's cluster");
      const members = c.DBClusterMembers ?? [];
      for (const s of ['primary', 'secondary'] as const) {
        if (!members.some((m) => m.DBInstanceIdentifier === args.sites[s].instance)) {
          failNonRetryable(
            `Aurora cluster ${c.DBClusterIdentifier} has no member ${args.sites[s].instance} (the plan's ${s}.instance); members: ${members.map((m) => m.DBInstanceIdentifier).join(', ')}`,
            'RdsMisconfigured',
          );
        }
      }
      const writing = members.find((m) => m.IsClusterWriter)?.DBInstanceIdentifier;
      const site = (['primary', 'secondary'] as const).find((s) => args.sites[s].instance === writing);
      return {
        site,
        available: c.Status === 'available',
        said: `cluster ${c.DBClusterIdentifier} ${c.Status}, writer ${writing ?? 'none'}`,
        facts: { cluster: c.DBClusterIdentifier, status: c.Status, writer: writing ?? null },
      };
    }
    case 'aurora-global': {
      const g = await globalCluster(clients, args);
      const members = g.GlobalClusterMembers ?? [];
      for (const s of ['primary', 'secondary'] as const) {
        if (!members.some((m) => sameId(m.DBClusterArn, args.sites[s].cluster))) {
          failNonRetryable(
            `global cluster ${g.GlobalClusterIdentifier} has no member cluster ${args.sites[s].cluster} (the plan's ${s}.cluster); members: ${members.map((m) => m.DBClusterArn).join(', ')}`,
            'RdsMisconfigured',
          );
        }
      }
      const writing = members.find((m) => m.IsWriter)?.DBClusterArn;
      const site = (['primary', 'secondary'] as const).find((s) => sameId(writing, args.sites[s].cluster));
      const moving = g.FailoverState?.Status;
      return {
        site,
        available: g.Status === 'available' && !moving,
        said: `global cluster ${g.GlobalClusterIdentifier} ${g.Status}${moving ? ` (switchover ${moving})` : ''}, writer ${writing ?? 'none'}`,
        facts: {
          globalCluster: g.GlobalClusterIdentifier,
          status: g.Status,
          writer: writing ?? null,
          failoverState: g.FailoverState ?? null,
        },
      };
    }
  }
}

/**
 * The newest CloudWatch `ReplicaLag` (Maximum of a minute, last 5 minutes) of the site's instance;
 * undefined without a datapoint. `since`: only datapoints from then on count (a replica re-created
 * under an old name must not be judged by what its predecessor published).
 */
export async function replicaLagSeconds(
  clients: AwsClients,
  args: RdsArgs,
  site: SiteRole,
  since?: Date,
): Promise<number | undefined> {
  const id = args.sites[site].instance as string;
  const now = Date.now();
  const stats = await aws(`CloudWatch ReplicaLag of ${id}`, () =>
    clients.cloudwatch(regionFor(args, site)).send(
      new GetMetricStatisticsCommand({
        Namespace: 'AWS/RDS',
        MetricName: 'ReplicaLag',
        Dimensions: [{ Name: 'DBInstanceIdentifier', Value: id }],
        StartTime: new Date(now - 5 * 60_000),
        EndTime: new Date(now),
        Period: 60,
        Statistics: ['Maximum'],
      }),
    ),
  );
  // A datapoint is stamped with the start of its minute: the minute the replica appeared in counts.
  const from = since ? since.getTime() - 60_000 : -Infinity;
  const points = (stats.Datapoints ?? [])
    .filter((p) => p.Timestamp && p.Maximum !== undefined && p.Timestamp.getTime() >= from)
    .sort((a, b) => (b.Timestamp as Date).getTime() - (a.Timestamp as Date).getTime());
  return points[0]?.Maximum;
}
