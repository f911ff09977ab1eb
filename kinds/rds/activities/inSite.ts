/**
 * A Multi-AZ failover inside one site (a region of a read-replica pair): reboot with failover, then
 * wait until RDS shows the writer in another Availability Zone and available again. The record keeps
 * the zones before and after and the standby zone RDS reported; a failover RDS accepted but never
 * showed is not a pass, and is not retried (every retry would fail over once more).
 */
import { RebootDBInstanceCommand } from '@aws-sdk/client-rds';
import { failNonRetryable } from '../../kit/activities/failures';
import { pollFor } from '../../kit/activities/polling';
import type { Observation } from '../../kit/activities/types';
import type { AwsClients } from '../../kit/aws/clients';
import { aws } from '../../kit/aws/errors';
import type { SiteRole } from '../../../domain';
import type { RdsArgs } from '../actions';
import { instance, label, regionFor } from './describe';

export async function failOverInSite(clients: AwsClients, args: RdsArgs, site: SiteRole): Promise<Observation> {
  const id = args.sites[site].instance as string;
  const region = regionFor(args, site);
  const before = await instance(clients, id, region, `the plan's ${site}.instance`);
  if (!before.MultiAZ)
    failNonRetryable(
      `RDS instance ${id} in ${region} is not Multi-AZ, so it has no standby to fail over to inside ${args.siteNames[site]}: turn Multi-AZ on, or drop the plan's ${site}.multiAz`,
      'RdsMisconfigured',
    );
  const azBefore = before.AvailabilityZone;
  await aws(`RDS RebootDBInstance with ForceFailover of ${id}`, () =>
    clients.rds(region).send(new RebootDBInstanceCommand({ DBInstanceIdentifier: id, ForceFailover: true })),
  );
  const statuses = new Set<string>();
  const { reached, waitedMs, last } = await pollFor(
    `${id} failed over inside ${args.siteNames[site]}`,
    args.waitTimeoutMs,
    async () => {
      const db = await instance(clients, id, region, `the plan's ${site}.instance`);
      if (db.DBInstanceStatus) statuses.add(db.DBInstanceStatus);
      return db;
    },
    (db) => db.DBInstanceStatus === 'available' && db.AvailabilityZone !== azBefore,
    args.pollIntervalMs,
  );
  const facts = {
    instance: id,
    region,
    availabilityZoneBefore: azBefore ?? null,
    availabilityZoneAfter: last.AvailabilityZone ?? null,
    secondaryAvailabilityZoneBefore: before.SecondaryAvailabilityZone ?? null,
    secondaryAvailabilityZoneAfter: last.SecondaryAvailabilityZone ?? null,
    statusesSeen: [...statuses],
    waitedMs,
  };
  if (!reached)
    failNonRetryable(
      `RDS accepted the reboot with failover of ${id} but the writer stayed in ${last.AvailabilityZone} (${last.DBInstanceStatus}; standby zone ${before.SecondaryAvailabilityZone ?? 'not reported'}) for ${Math.round(waitedMs / 1000)}s: the Multi-AZ failover inside ${label(args, site)} was not observed`,
      'RdsMultiAzNotObserved',
      facts,
    );
  return {
    summary: `${id} failed over inside ${label(args, site)}: ${azBefore} -> ${last.AvailabilityZone} in ${(waitedMs / 1000).toFixed(1)}s (standby now ${last.SecondaryAvailabilityZone ?? 'not reported'})`,
    facts,
  };
}
