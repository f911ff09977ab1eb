/**
 * A promoted replica cannot be demoted, so the way back re-creates the other side as its replica:
 * keep the old instance aside (a snapshot, then a rename: its data stays, its endpoint no longer
 * answers under the old name, which is free again for the replica, so the application's endpoint
 * comes back unchanged), create the replica under the old name from the writer's ARN, and wait until
 * it is available and its CloudWatch ReplicaLag is within the RPO. Nothing here deletes an instance:
 * the one kept aside is for a person to delete once they no longer need it. Every step finds its own
 * work done when run again.
 */
import { createHash } from 'node:crypto';
import {
  CreateDBInstanceReadReplicaCommand,
  CreateDBSnapshotCommand,
  DescribeDBSnapshotsCommand,
  ModifyDBInstanceCommand,
  type CreateDBInstanceReadReplicaCommandInput,
  type DBInstance,
  type DBSnapshot,
} from '@aws-sdk/client-rds';
import { failNonRetryable, failRetryable } from '../../kit/activities/failures';
import { pollFor } from '../../kit/activities/polling';
import type { Observation } from '../../kit/activities/types';
import type { AwsClients } from '../../kit/aws/clients';
import { aws, awsFailure } from '../../kit/aws/errors';
import { otherSite, type SiteRole } from '../../../domain';
import type { RdsArgs } from '../actions';
import {
  PROMOTED_TAG,
  findInstance,
  instance,
  isReplica,
  label,
  regionFor,
  replicaLagSeconds,
  sameId,
  tagged,
  writerClaim,
} from './describe';

/** Tags on what the failback makes, so a person finds which drill made it. */
const REPLICA_OF_TAG = 'drillbook:replica-of';
const MADE_BY_TAG = 'drillbook:drill';

/** RDS identifiers: at most `max` characters, letters, digits and single hyphens, no hyphen at the end. */
function identifier(base: string, suffix: string, max: number): string {
  const room = max - suffix.length - 1;
  return `${base.slice(0, room).replace(/-+$/, '')}-${suffix}`;
}

/** The names this drill gives what it keeps aside: the same on every attempt, different for every drill. */
export function keptAside(id: string, drillId: string): { retired: string; snapshot: string } {
  const mark = createHash('sha256').update(drillId).digest('hex').slice(0, 8);
  return { retired: identifier(id, `retired-${mark}`, 63), snapshot: identifier(id, `before-failback-${mark}`, 255) };
}

interface Ends {
  id: string;
  region: string;
  other: SiteRole;
  otherId: string;
  otherRegion: string;
}

function endsOf(args: RdsArgs, site: SiteRole): Ends {
  const other = otherSite(site);
  return {
    id: args.sites[site].instance as string,
    region: regionFor(args, site),
    other,
    otherId: args.sites[other].instance as string,
    otherRegion: regionFor(args, other),
  };
}

/** A run again after the promotion back: this site's instance was promoted by a drill after the other one. */
const promotedBack = (db: DBInstance, other: DBInstance): boolean => tagged(db) && writerClaim(db) > writerClaim(other);

/**
 * Both instances as RDS shows them, or an observation when there is nothing to fail back: this
 * site's instance still writes and the other replicates it (no failover happened, or an aborted
 * one's way back). The instance a replica is made from must write: a replica is refused.
 */
async function pair(
  clients: AwsClients,
  args: RdsArgs,
  ends: Ends,
): Promise<{ source: DBInstance; current: DBInstance | undefined; unchanged?: Observation }> {
  const source = await instance(clients, ends.otherId, ends.otherRegion, `the plan's ${ends.other}.instance`);
  const current = await findInstance(clients, ends.id, ends.region);
  if (
    current &&
    !isReplica(current) &&
    isReplica(source) &&
    sameId(source.ReadReplicaSourceDBInstanceIdentifier, ends.id)
  )
    return {
      source,
      current,
      unchanged: {
        summary: `nothing to fail back: ${ends.id} still writes and ${ends.otherId} replicates it`,
        facts: { instance: ends.id, replica: ends.otherId, changed: false },
      },
    };
  if (isReplica(source))
    failNonRetryable(
      `${ends.otherId} (${label(args, ends.other)}) is itself a replica of ${source.ReadReplicaSourceDBInstanceIdentifier}, so nothing can be rebuilt from it: fail over to ${args.siteNames[ends.other]} first`,
      'RdsWrongSide',
    );
  return { source, current };
}

async function findSnapshot(clients: AwsClients, id: string, region: string): Promise<DBSnapshot | undefined> {
  try {
    const answer = await clients.rds(region).send(new DescribeDBSnapshotsCommand({ DBSnapshotIdentifier: id }));
    return answer.DBSnapshots?.[0];
  } catch (error) {
    if ((error as Error).name === 'DBSnapshotNotFound' || (error as Error).name === 'DBSnapshotNotFoundFault')
      return undefined;
    throw awsFailure(error, `RDS snapshot ${id} in ${region}`);
  }
}

/**
 * Keeps the site's old instance aside before its replica is re-created under its name: a manual
 * snapshot, then a rename. Refuses when that instance writes (it is what serves) or replicates from
 * anything but the other site.
 */
export async function retire(
  clients: AwsClients,
  args: RdsArgs,
  site: SiteRole,
  drillId: string,
): Promise<Observation> {
  const ends = endsOf(args, site);
  const { id, region } = ends;
  const names = keptAside(id, drillId);
  const { source, current, unchanged } = await pair(clients, args, ends);
  if (unchanged) return unchanged;
  if (!current) {
    const retired = await findInstance(clients, names.retired, region);
    return {
      summary: retired
        ? `${id} is already kept aside as ${names.retired} (${retired.DBInstanceStatus}); its name is free for the replica`
        : `RDS has no instance ${id} in ${region} any more: nothing to keep aside, its replica is created under that name next`,
      facts: { instance: id, retired: retired ? names.retired : null, changed: false },
    };
  }
  if (isReplica(current)) {
    if (sameId(current.ReadReplicaSourceDBInstanceIdentifier, ends.otherId))
      return {
        summary: `${id} is already a replica of ${ends.otherId}: nothing to keep aside`,
        facts: { instance: id, replicaSource: current.ReadReplicaSourceDBInstanceIdentifier, changed: false },
      };
    failNonRetryable(
      `${id} (${label(args, site)}) replicates from ${current.ReadReplicaSourceDBInstanceIdentifier}, not from ${ends.otherId}: the drill does not rebuild it; fix the plan or the replication first`,
      'RdsMisconfigured',
    );
  }
  if (promotedBack(current, source))
    return {
      summary: `${id} writes again (promoted after ${ends.otherId}): the failback is past this step, nothing to keep aside`,
      facts: { instance: id, changed: false },
    };
  // Never the instance that serves: the other side must have taken over the writes (promoted later).
  if (writerClaim(source) <= writerClaim(current))
    failNonRetryable(
      `${id} (${label(args, site)}) may still be the writer: nothing shows that ${ends.otherId} took over (no later ${PROMOTED_TAG} tag), so the drill does not set ${id} aside; fail over first, or if ${ends.otherId} was promoted by hand, tag it ${PROMOTED_TAG} with the time`,
      'RdsWrongSide',
    );
  const facts: Record<string, unknown> = {
    instance: id,
    region,
    statusBefore: current.DBInstanceStatus,
    snapshot: names.snapshot,
    retired: names.retired,
  };
  const tags = [{ Key: MADE_BY_TAG, Value: drillId }];
  if (!(await findSnapshot(clients, names.snapshot, region)))
    await aws(`RDS snapshot ${names.snapshot} of ${id}`, () =>
      clients
        .rds(region)
        .send(
          new CreateDBSnapshotCommand({ DBSnapshotIdentifier: names.snapshot, DBInstanceIdentifier: id, Tags: tags }),
        ),
    );
  const snap = await pollFor(
    `snapshot ${names.snapshot} available`,
    args.waitTimeoutMs,
    () => findSnapshot(clients, names.snapshot, region),
    (s) => s?.Status === 'available',
    args.pollIntervalMs,
  );
  facts.snapshotStatus = snap.last?.Status ?? null;
  if (!snap.reached)
    failRetryable(
      `snapshot ${names.snapshot} of ${id} is ${snap.last?.Status ?? 'missing'}, not available, after ${Math.round(snap.waitedMs / 1000)}s: ${id} is not renamed before its data is kept`,
      'RdsSnapshotNotReady',
      facts,
    );
  if (current.DBInstanceStatus !== 'renaming')
    await aws(`renaming ${id} to ${names.retired}`, () =>
      clients.rds(region).send(
        new ModifyDBInstanceCommand({
          DBInstanceIdentifier: id,
          NewDBInstanceIdentifier: names.retired,
          ApplyImmediately: true,
        }),
      ),
    );
  const renamed = await pollFor(
    `${id} renamed to ${names.retired}`,
    args.waitTimeoutMs,
    async () => ({
      old: await findInstance(clients, id, region),
      kept: await findInstance(clients, names.retired, region),
    }),
    (r) => r.old === undefined && r.kept !== undefined,
    args.pollIntervalMs,
  );
  if (!renamed.reached)
    failRetryable(
      `RDS accepted renaming ${id} to ${names.retired} but ${renamed.last.old ? `${id} is still there (${renamed.last.old.DBInstanceStatus})` : `${names.retired} is not there`} after ${Math.round(renamed.waitedMs / 1000)}s: the rename cannot be confirmed`,
      'RdsRenameNotObserved',
      facts,
    );
  return {
    summary: `${id} kept aside: snapshot ${names.snapshot} available, instance renamed to ${names.retired} (its old endpoint no longer answers; delete it once you no longer need it); the name ${id} is free for its replica`,
    facts: { ...facts, changed: true, waitedMs: snap.waitedMs + renamed.waitedMs },
  };
}

/** The replica's settings, taken from the instance kept aside where there is one (class, network, storage, Multi-AZ). */
function settingsFrom(kept: DBInstance | undefined) {
  if (!kept) return {};
  const settings: Partial<CreateDBInstanceReadReplicaCommandInput> = {
    DBInstanceClass: kept.DBInstanceClass,
    MultiAZ: kept.MultiAZ,
    StorageType: kept.StorageType,
    PubliclyAccessible: kept.PubliclyAccessible,
    DBSubnetGroupName: kept.DBSubnetGroup?.DBSubnetGroupName,
    VpcSecurityGroupIds: kept.VpcSecurityGroups?.flatMap((g) => (g.VpcSecurityGroupId ? [g.VpcSecurityGroupId] : [])),
    DBParameterGroupName: kept.DBParameterGroups?.[0]?.DBParameterGroupName,
  };
  // An encrypted replica needs a key of its own region: the one the kept instance used there. (The SDK
  // presigns the cross-region request itself when the source is an ARN of another region.)
  if (kept.StorageEncrypted && kept.KmsKeyId) settings.KmsKeyId = kept.KmsKeyId;
  return Object.fromEntries(
    Object.entries(settings).filter(([, v]) => v !== undefined && !(Array.isArray(v) && v.length === 0)),
  ) as Partial<CreateDBInstanceReadReplicaCommandInput>;
}

interface CatchUp {
  db?: DBInstance;
  lag?: number;
}

const withinRpo = (args: RdsArgs, lag: number | undefined): boolean =>
  lag !== undefined && (args.rpoMs === undefined || lag * 1000 <= args.rpoMs);

/** Waits until the site's instance replicates the other side's, is available, and its lag is known and within the RPO. */
export async function caughtUp(clients: AwsClients, args: RdsArgs, site: SiteRole): Promise<Observation> {
  const ends = endsOf(args, site);
  const read = async (): Promise<CatchUp> => {
    const db = await findInstance(clients, ends.id, ends.region);
    const ready = db && isReplica(db) && sameId(db.ReadReplicaSourceDBInstanceIdentifier, ends.otherId);
    return {
      db,
      lag:
        ready && db.DBInstanceStatus === 'available'
          ? await replicaLagSeconds(clients, args, site, db.InstanceCreateTime)
          : undefined,
    };
  };
  const { reached, waitedMs, last } = await pollFor(
    `${ends.id} caught up with ${ends.otherId}`,
    args.waitTimeoutMs,
    read,
    (c) => c.db?.DBInstanceStatus === 'available' && withinRpo(args, c.lag),
    args.pollIntervalMs,
  );
  const rpo = args.rpoMs === undefined ? '' : ` (RPO ${Math.round(args.rpoMs / 1000)}s)`;
  const facts = {
    instance: ends.id,
    region: ends.region,
    status: last.db?.DBInstanceStatus ?? null,
    replicaSource: last.db?.ReadReplicaSourceDBInstanceIdentifier ?? null,
    replicaLagSeconds: last.lag ?? null,
    rpoMs: args.rpoMs ?? null,
    waitedMs,
  };
  if (!reached) {
    const seen = !last.db
      ? `RDS has no instance ${ends.id} in ${ends.region}`
      : !isReplica(last.db) || !sameId(last.db.ReadReplicaSourceDBInstanceIdentifier, ends.otherId)
        ? `${ends.id} is not a replica of ${ends.otherId} (source ${last.db.ReadReplicaSourceDBInstanceIdentifier ?? 'none'})`
        : last.db.DBInstanceStatus !== 'available'
          ? `${ends.id} is ${last.db.DBInstanceStatus}`
          : last.lag === undefined
            ? `CloudWatch has no ReplicaLag datapoint for ${ends.id} in the last 5 minutes, so its lag cannot be told`
            : `${ends.id} lags ${last.lag}s behind${rpo}`;
    failRetryable(
      `${ends.id} (${label(args, site)}) has not caught up with ${ends.otherId} within ${Math.round(args.waitTimeoutMs / 1000)}s: ${seen}`,
      'RdsReplicaBehind',
      facts,
    );
  }
  return {
    summary: `${ends.id} (${label(args, site)}) replicates ${ends.otherId}: available, lag ${last.lag}s${rpo}`,
    facts,
  };
}

/** Creates the site's instance, under its plan name, as a read replica of the other side's writer; finds it there when run again. */
export async function createReplica(
  clients: AwsClients,
  args: RdsArgs,
  site: SiteRole,
  drillId: string,
): Promise<Observation> {
  const ends = endsOf(args, site);
  const { id, region } = ends;
  const { source, current: existing, unchanged } = await pair(clients, args, ends);
  if (unchanged) return unchanged;
  let asked: string;
  if (existing && promotedBack(existing, source))
    return {
      summary: `${id} writes again (promoted after ${ends.otherId}): the failback is past this step, nothing to re-create`,
      facts: { instance: id, created: false },
    };
  if (existing) {
    if (!isReplica(existing) || !sameId(existing.ReadReplicaSourceDBInstanceIdentifier, ends.otherId))
      failNonRetryable(
        `RDS already has an instance ${id} in ${region} that is not a replica of ${ends.otherId} (${isReplica(existing) ? `it replicates ${existing.ReadReplicaSourceDBInstanceIdentifier}` : 'it is a standalone writer'}): keep it aside first (the step before this one does)`,
        'RdsMisconfigured',
      );
    asked = `${id} is already a replica of ${ends.otherId}`;
  } else {
    const kept = await findInstance(clients, keptAside(id, drillId).retired, region);
    const settings = settingsFrom(kept);
    if (args.sites[site].multiAz) settings.MultiAZ = true;
    await aws(
      `RDS CreateDBInstanceReadReplica ${id} in ${region} from ${ends.otherId}`,
      () =>
        clients.rds(region).send(
          new CreateDBInstanceReadReplicaCommand({
            ...settings,
            DBInstanceIdentifier: id,
            SourceDBInstanceIdentifier: source.DBInstanceArn,
            // Explicit tags: nothing of the source's (its promoted-at tag above all) is carried over.
            Tags: [
              { Key: REPLICA_OF_TAG, Value: source.DBInstanceArn ?? ends.otherId },
              { Key: MADE_BY_TAG, Value: drillId },
            ],
          }),
        ),
      `check that ${ends.otherId} can have a cross-region replica (automated backups on) and the plan's ${site}.region`,
    );
    asked = `asked RDS for ${id} in ${region} as a read replica of ${ends.otherId}${kept ? `, with the settings of ${kept.DBInstanceIdentifier}` : ''}`;
  }
  if (!args.waitCaughtUp)
    return {
      summary: `${asked}; whether it caught up is checked after the switch`,
      facts: { instance: id, region, source: source.DBInstanceArn, created: !existing },
    };
  const caught = await caughtUp(clients, args, site);
  return {
    summary: `${asked}; ${caught.summary}`,
    facts: { ...caught.facts, source: source.DBInstanceArn, created: !existing },
  };
}
