/**
 * The switch itself, per mode: reboot with failover, promotion (tagged), Aurora cluster failover,
 * Aurora global switchover (planned) or outage failover (`AllowDataLoss`: the primary's region is
 * gone, so what it had not replicated is given up). Returns what it asked RDS to do.
 */
import {
  AddTagsToResourceCommand,
  FailoverDBClusterCommand,
  FailoverGlobalClusterCommand,
  PromoteReadReplicaCommand,
  RebootDBInstanceCommand,
  SwitchoverGlobalClusterCommand,
} from '@aws-sdk/client-rds';
import { type AwsClients } from '../../kit/aws/clients';
import { aws, awsFailure } from '../../kit/aws/errors';
import { failRetryable } from '../../kit/activities/failures';
import type { SiteRole } from '../../../domain';
import type { RdsArgs } from '../actions';
import { PROMOTED_TAG, instance, label, regionFor } from './describe';

/** Promotes the site's replica and tags it with when, so the drill knows it writes even while RDS names its old source. */
export async function promote(clients: AwsClients, args: RdsArgs, site: SiteRole): Promise<string> {
  const id = args.sites[site].instance as string;
  const region = regionFor(args, site);
  const promoted = await aws(`RDS promotion of ${id}`, () =>
    clients.rds(region).send(new PromoteReadReplicaCommand({ DBInstanceIdentifier: id })),
  );
  const arn =
    promoted.DBInstance?.DBInstanceArn ?? (await instance(clients, id, region, 'the promoted instance')).DBInstanceArn;
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

/** Aurora global: a switchover when planned, the outage failover otherwise. A call that fails says which and that nothing is confirmed. */
async function switchGlobal(clients: AwsClients, args: RdsArgs, site: SiteRole): Promise<string> {
  const target = args.sites[site].cluster as string;
  const call = args.planned
    ? {
        name: 'SwitchoverGlobalCluster',
        send: () =>
          clients.rds(regionFor(args, site)).send(
            new SwitchoverGlobalClusterCommand({
              GlobalClusterIdentifier: args.globalCluster,
              TargetDbClusterIdentifier: target,
            }),
          ),
        did: `switched ${args.globalCluster} over to ${target}`,
      }
    : {
        name: 'FailoverGlobalCluster (AllowDataLoss)',
        // Without AllowDataLoss RDS would run a switchover, which needs the dead primary region.
        send: () =>
          clients.rds(regionFor(args, site)).send(
            new FailoverGlobalClusterCommand({
              GlobalClusterIdentifier: args.globalCluster,
              TargetDbClusterIdentifier: target,
              AllowDataLoss: true,
            }),
          ),
        did: `failed ${args.globalCluster} over to ${target}, giving up what the old primary had not replicated`,
      };
  try {
    await call.send();
  } catch (error) {
    const failure = awsFailure(error, `Aurora global ${call.name} of ${args.globalCluster} to ${target}`);
    if (failure.nonRetryable) throw failure;
    failRetryable(
      `${failure.message}: the switch to ${label(args, site)} could not be confirmed`,
      'RdsSwitchNotConfirmed',
    );
  }
  return call.did;
}

export async function switchTo(clients: AwsClients, args: RdsArgs, site: SiteRole): Promise<string> {
  switch (args.mode) {
    case 'multi-az':
      await aws(`RDS reboot with failover of ${args.instance}`, () =>
        clients
          .rds(regionFor(args))
          .send(new RebootDBInstanceCommand({ DBInstanceIdentifier: args.instance, ForceFailover: true })),
      );
      return `rebooted ${args.instance} with failover`;
    case 'read-replica':
      return promote(clients, args, site);
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
    case 'aurora-global':
      return switchGlobal(clients, args, site);
  }
}
