/**
 * The rds* activities. Every switch looks first (already writing where it should: nothing to do),
 * acts, then waits for a state change before waiting for `available`: RDS waiters poll at once and
 * would pass before a reboot even started. A failover that cannot be confirmed fails.
 */
import {
  AddTagsToResourceCommand,
  DescribeDBClustersCommand,
  DescribeDBInstancesCommand,
  DescribeGlobalClustersCommand,
  FailoverDBClusterCommand,
  PromoteReadReplicaCommand,
  RebootDBInstanceCommand,
  SwitchoverGlobalClusterCommand,
  type DBCluster,
  type DBInstance,
  type GlobalCluster,
} from '@aws-sdk/client-rds';
import { GetMetricStatisticsCommand } from '@aws-sdk/client-cloudwatch';
import { ApplicationFailure } from '@temporalio/common';
import { pollUntil } from '../kit/activities/polling';
import type { Observation, StepDrivers, StepInput } from '../kit/activities/types';
import { type AwsClients, regionOfArn, workerRegion } from '../kit/aws/clients';
import { aws } from '../kit/aws/errors';
import type { SiteRole } from '../../domain';
import type { RdsAction, RdsArgs } from './actions';

/** The tag a promotion leaves on the instance: RDS (and moto) may still show the old replication source. */
export const PROMOTED_TAG = 'drillbook:promoted-at';

const regionFor = (args: RdsArgs, site?: SiteRole): string =>
  (site && args.sites[site].region) ?? args.region ?? regionOfArn(site && args.sites[site].cluster) ?? workerRegion();
const label = (args: RdsArgs, site: SiteRole) => `${args.siteNames[site]} (${site})`;

async function instance(clients: AwsClients, id: string, region: string, what: string): Promise<DBInstance> {
  const answer = await aws(
    `RDS instance ${id} in ${region}`,
    () => clients.rds(region).send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: id })),
    `check ${what} and its region`,
  );
  const found = answer.DBInstances?.[0];
  if (!found)
    throw ApplicationFailure.nonRetryable(`RDS has no DB instance ${id} in ${region} (${what})`, 'DBInstanceNotFound');
  return found;
}

async function cluster(clients: AwsClients, id: string, region: string, what: string): Promise<DBCluster> {
  const answer = await aws(
    `RDS cluster ${id} in ${region}`,
    () => clients.rds(region).send(new DescribeDBClustersCommand({ DBClusterIdentifier: id })),
    `check ${what} and its region`,
  );
  const found = answer.DBClusters?.[0];
  if (!found)
    throw ApplicationFailure.nonRetryable(
      `RDS has no DB cluster ${id} in ${region} (${what})`,
      'DBClusterNotFoundFault',
    );
  return found;
}

async function globalCluster(clients: AwsClients, args: RdsArgs): Promise<GlobalCluster> {
  const id = args.globalCluster as string;
  const region = regionFor(args, 'primary');
  const answer = await aws(
    `Aurora global cluster ${id}`,
    () => clients.rds(region).send(new DescribeGlobalClustersCommand({ GlobalClusterIdentifier: id })),
    "check the plan's globalCluster",
  );
  const found = answer.GlobalClusters?.[0];
  if (!found)
    throw ApplicationFailure.nonRetryable(
      `RDS has no global cluster ${id} (the plan's globalCluster)`,
      'GlobalClusterNotFoundFault',
    );
  return found;
}

const tagged = (db: DBInstance): boolean => (db.TagList ?? []).some((t) => t.Key === PROMOTED_TAG);
/** A replica still replicating: it names a source and the drill has not promoted it. */
const isReplica = (db: DBInstance): boolean => Boolean(db.ReadReplicaSourceDBInstanceIdentifier) && !tagged(db);
const sameId = (ref: string | undefined, id: string | undefined): boolean =>
  ref !== undefined && id !== undefined && (ref === id || ref.endsWith(`:db:${id}`) || ref.endsWith(`:cluster:${id}`));

/** What the serving writer is now, in one shape for every mode. */
interface Writer {
  /** Which site writes, as far as RDS shows it; undefined when it matches neither. */
  site?: SiteRole;
  available: boolean;
  said: string;
  facts: Record<string, unknown>;
}

async function writer(clients: AwsClients, args: RdsArgs): Promise<Writer> {
  switch (args.mode) {
    case 'multi-az': {
      const db = await instance(clients, args.instance as string, regionFor(args), "the plan's instance");
      if (!db.MultiAZ)
        throw ApplicationFailure.nonRetryable(
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
      const site: SiteRole | undefined = isReplica(s) ? 'primary' : 'secondary';
      const current = site === 'primary' ? p : s;
      return {
        site,
        available: current.DBInstanceStatus === 'available',
        said: `${p.DBInstanceIdentifier} ${p.DBInstanceStatus}; ${s.DBInstanceIdentifier} ${s.DBInstanceStatus}, ${isReplica(s) ? `a replica of ${s.ReadReplicaSourceDBInstanceIdentifier}` : tagged(s) ? 'promoted by a drill' : 'a standalone writer'}`,
        facts: {
          primary: {
            instance: p.DBInstanceIdentifier,
            status: p.DBInstanceStatus,
            replicaSource: p.ReadReplicaSourceDBInstanceIdentifier ?? null,
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
          throw ApplicationFailure.nonRetryable(
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
          throw ApplicationFailure.nonRetryable(
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

/** Polls until `done` holds for the writer (or `until` the timeout), heartbeating; returns the last reading. */
async function watch(
  clients: AwsClients,
  args: RdsArgs,
  what: string,
  timeoutMs: number,
  done: (w: Writer) => boolean,
) {
  let last = await writer(clients, args);
  const { reached, waitedMs } = await pollUntil(
    what,
    timeoutMs,
    async () => {
      last = await writer(clients, args);
      return done(last);
    },
    args.pollIntervalMs,
  );
  return { reached, waitedMs, last };
}

async function replicaLagSeconds(clients: AwsClients, args: RdsArgs): Promise<number | undefined> {
  const id = args.sites.secondary.instance as string;
  const now = Date.now();
  const stats = await aws(`CloudWatch ReplicaLag of ${id}`, () =>
    clients.cloudwatch(regionFor(args, 'secondary')).send(
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
  const points = (stats.Datapoints ?? [])
    .filter((p) => p.Timestamp && p.Maximum !== undefined)
    .sort((a, b) => (b.Timestamp as Date).getTime() - (a.Timestamp as Date).getTime());
  return points[0]?.Maximum;
}

/** The switch itself, per mode; returns what it asked RDS to do (nothing when it already wrote there). */
async function switchTo(clients: AwsClients, args: RdsArgs, site: SiteRole): Promise<string> {
  switch (args.mode) {
    case 'multi-az':
      await aws(`RDS reboot with failover of ${args.instance}`, () =>
        clients
          .rds(regionFor(args))
          .send(new RebootDBInstanceCommand({ DBInstanceIdentifier: args.instance, ForceFailover: true })),
      );
      return `rebooted ${args.instance} with failover`;
    case 'read-replica': {
      const id = args.sites[site].instance as string;
      const region = regionFor(args, site);
      const promoted = await aws(`RDS promotion of ${id}`, () =>
        clients.rds(region).send(new PromoteReadReplicaCommand({ DBInstanceIdentifier: id })),
      );
      const arn =
        promoted.DBInstance?.DBInstanceArn ??
        (await instance(clients, id, region, 'the promoted instance')).DBInstanceArn;
      // Kept on the instance itself: RDS may go on naming the old source after the promotion.
      await aws(`tagging ${id}`, () =>
        clients.rds(region).send(
          new AddTagsToResourceCommand({
            ResourceName: arn,
            Tags: [{ Key: PROMOTED_TAG, Value: new Date().toISOString() }],
          }),
        ),
      );
      return `promoted ${id}`;
    }
    case 'aurora-cluster':
      await aws(`Aurora failover of ${args.cluster}`, () =>
        clients.rds(regionFor(args)).send(
          new FailoverDBClusterCommand({
            DBClusterIdentifier: args.cluster,
            TargetDBInstanceIdentifier: args.sites[site].instance,
          }),
        ),
      );
      return `failed ${args.cluster} over to ${args.sites[site].instance}`;
    case 'aurora-global': {
      const target = args.sites[site].cluster as string;
      // Without AllowDataLoss a global failover is a switchover: no data is given up.
      await aws(`Aurora global switchover of ${args.globalCluster}`, () =>
        clients.rds(regionFor(args, site)).send(
          new SwitchoverGlobalClusterCommand({
            GlobalClusterIdentifier: args.globalCluster,
            TargetDbClusterIdentifier: target,
          }),
        ),
      );
      return `switched ${args.globalCluster} over to ${target}`;
    }
  }
}

export function createRdsActivities(deps: { aws: () => AwsClients }): StepDrivers<RdsAction> {
  return {
    async rdsPreflight(input: StepInput<'rdsPreflight'>): Promise<Observation> {
      const args = input.step.args;
      const now = await writer(deps.aws(), args);
      if (now.site !== args.from) {
        throw ApplicationFailure.nonRetryable(
          `RDS (${args.mode}) writes on ${now.site ? label(args, now.site) : 'neither site the plan names'}, not on ${label(args, args.from)}: ${now.said}; fix the plan or fail back first`,
          'RdsWrongSide',
        );
      }
      if (!now.available)
        throw ApplicationFailure.retryable(`RDS is not available: ${now.said}`, 'RdsNotAvailable', now.facts);
      return {
        summary: `RDS ${args.mode} writes on ${label(args, args.from)} and is ready: ${now.said}`,
        facts: now.facts,
      };
    },

    async rdsHealth(input: StepInput<'rdsHealth'>): Promise<Observation> {
      const args = input.step.args;
      const site = input.step.site ?? args.to;
      const now = await writer(deps.aws(), args);
      if (args.serving !== false && now.site !== site)
        throw ApplicationFailure.retryable(
          `RDS does not write on ${label(args, site)}: ${now.said}`,
          'RdsNotServing',
          now.facts,
        );
      if (!now.available)
        throw ApplicationFailure.retryable(`RDS is not available: ${now.said}`, 'RdsNotAvailable', now.facts);
      return {
        summary: `RDS ${args.serving === false ? `stands by on ${label(args, site)}` : `writes on ${label(args, site)}`}: ${now.said}`,
        facts: now.facts,
      };
    },

    /** Before a switch: the target is ready and, for a promotion, the replica's lag (CloudWatch ReplicaLag) is within the RPO. */
    async rdsGuard(input: StepInput<'rdsGuard'>): Promise<Observation> {
      const args = input.step.args;
      const now = await writer(deps.aws(), args);
      const facts: Record<string, unknown> = { ...now.facts };
      if (now.site === args.to) return { summary: `RDS already writes on ${label(args, args.to)}: ${now.said}`, facts };
      if (args.mode === 'read-replica' && args.to === 'secondary') {
        const lag = await replicaLagSeconds(deps.aws(), args);
        facts.replicaLagSeconds = lag ?? null;
        if (lag === undefined) {
          if (args.planned)
            throw ApplicationFailure.retryable(
              `CloudWatch has no ReplicaLag datapoint for ${args.sites.secondary.instance} in the last 5 minutes: the replica's lag cannot be told, so the promotion does not go ahead`,
              'ReplicaLagUnknown',
              facts,
            );
        } else if (args.planned && args.rpoMs !== undefined && lag * 1000 > args.rpoMs) {
          throw ApplicationFailure.retryable(
            `replica ${args.sites.secondary.instance} lags ${lag}s behind, more than the RPO of ${Math.round(args.rpoMs / 1000)}s: promoting now would lose that much`,
            'ReplicaLagOverRpo',
            facts,
          );
        }
        return {
          summary: `RDS replica ${args.sites.secondary.instance} may be promoted: lag ${lag === undefined ? 'unknown' : `${lag}s`}${args.rpoMs !== undefined ? ` (RPO ${Math.round(args.rpoMs / 1000)}s)` : ''}; ${now.said}`,
          facts,
        };
      }
      if (!now.available && args.planned)
        throw ApplicationFailure.retryable(
          `RDS is not available, so it cannot fail over now: ${now.said}`,
          'RdsNotAvailable',
          facts,
        );
      return { summary: `RDS ${args.mode} may fail over to ${label(args, args.to)}: ${now.said}`, facts };
    },

    async rdsActivate(input: StepInput<'rdsActivate'>): Promise<Observation> {
      const args = input.step.args;
      const site = input.step.site ?? args.to;
      const clients = deps.aws();
      const before = await writer(clients, args);
      if (before.site === site && before.available) {
        return {
          summary: `RDS already writes on ${label(args, site)}: ${before.said}; nothing to do`,
          facts: { before: before.facts, changed: false },
        };
      }
      // A reboot or promotion of an earlier attempt may still be going on: then only wait for it.
      const inFlight = !before.available;
      const asked = inFlight
        ? `waited for the change already under way (${before.said})`
        : await switchTo(clients, args, site);
      const started = Date.now();
      // The state must change before "available" means anything: an RDS waiter would pass at once.
      const changed = inFlight
        ? { reached: true, waitedMs: 0, last: before }
        : await watch(
            clients,
            args,
            'RDS to start the switch',
            args.waitTimeoutMs,
            (w) => !w.available || w.site === site,
          );
      if (!changed.reached) {
        throw ApplicationFailure.retryable(
          `RDS accepted the request (${asked}) but showed no change within ${Math.round(args.waitTimeoutMs / 1000)}s (still ${changed.last.said}): the switch to ${label(args, site)} cannot be confirmed`,
          'RdsSwitchNotObserved',
          { before: before.facts, after: changed.last.facts },
        );
      }
      const done = await watch(
        clients,
        args,
        `RDS to write on ${args.siteNames[site]}`,
        Math.max(args.waitTimeoutMs - (Date.now() - started), args.pollIntervalMs),
        (w) => w.available && w.site === site,
      );
      const facts = {
        before: before.facts,
        after: done.last.facts,
        changed: true,
        asked,
        tookMs: Date.now() - started,
      };
      if (!done.reached) {
        throw ApplicationFailure.retryable(
          `after ${asked}, RDS does not write on ${label(args, site)} within ${Math.round(args.waitTimeoutMs / 1000)}s: ${done.last.said}`,
          'RdsSwitchIncomplete',
          facts,
        );
      }
      return {
        summary: `RDS writes on ${label(args, site)} after ${((Date.now() - started) / 1000).toFixed(1)}s (${asked}): before ${before.said}; now ${done.last.said}`,
        facts,
      };
    },
  };
}
