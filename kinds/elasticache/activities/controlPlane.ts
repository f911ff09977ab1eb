/**
 * ElastiCache's control plane: where the primary is (per mode), the managed failover, and the
 * answer of an endpoint that does not implement an action (moto answers 500 with an HTML page, the
 * SDK cannot read it): that is "could not be confirmed", never a pass.
 */
import {
  DescribeGlobalReplicationGroupsCommand,
  DescribeReplicationGroupsCommand,
  DisassociateGlobalReplicationGroupCommand,
  FailoverGlobalReplicationGroupCommand,
  TestFailoverCommand,
  type GlobalReplicationGroup,
  type NodeGroup,
  type ReplicationGroup,
} from '@aws-sdk/client-elasticache';
import { ApplicationFailure } from '@temporalio/common';
import { failNonRetryable } from '../../kit/activities/failures';
import { type AwsClients, workerRegion } from '../../kit/aws/clients';
import { awsFailure } from '../../kit/aws/errors';
import type { SiteRole } from '../../../domain';
import type { ElasticacheArgs } from '../actions';

export const regionOf = (args: ElasticacheArgs, site: SiteRole): string => args.sites[site].region ?? workerRegion();
export const label = (args: ElasticacheArgs, site: SiteRole) => `${args.siteNames[site]} (${site})`;

/** The SDK could not read the answer as ElastiCache's: the endpoint does not implement the action. */
function notImplemented(error: unknown): boolean {
  return /Deserialization error|XML parse error|not yet implemented/i.test((error as Error).message ?? '');
}

/**
 * One ElastiCache (or CloudWatch) call as a drill failure: an endpoint that does not implement
 * `action` fails closed and non-retryably, naming the action and what could not be confirmed.
 */
export async function managed<T>(
  action: string,
  where: string,
  unconfirmed: string,
  call: () => Promise<T>,
): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (notImplemented(error)) {
      const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
      throw ApplicationFailure.nonRetryable(
        `${where}: this endpoint does not implement ${action} (HTTP ${status ?? '?'}, an answer the AWS SDK cannot read, as moto gives for an action it does not implement), so ${unconfirmed} could not be confirmed`,
        'ElasticacheActionNotImplemented',
      );
    }
    throw awsFailure(error, `${where}: ${action}`);
  }
}

export async function replicationGroup(
  clients: AwsClients,
  args: ElasticacheArgs,
  site: SiteRole,
): Promise<ReplicationGroup> {
  const id = args.sites[site].replicationGroup;
  const region = regionOf(args, site);
  const answer = await managed(
    'DescribeReplicationGroups',
    `ElastiCache replication group ${id} in ${region}`,
    `the state of ${id}`,
    () => clients.elasticache(region).send(new DescribeReplicationGroupsCommand({ ReplicationGroupId: id })),
  ).catch((error: ApplicationFailure) => {
    throw error.type === 'ReplicationGroupNotFoundFault'
      ? ApplicationFailure.nonRetryable(
          `${error.message}; check the plan's ${site}.replicationGroup and ${site}.region`,
          error.type,
        )
      : error;
  });
  const found = answer.ReplicationGroups?.[0];
  if (!found)
    failNonRetryable(
      `ElastiCache has no replication group ${id} in ${region} (the plan's ${site}.replicationGroup)`,
      'ReplicationGroupNotFoundFault',
    );
  return found;
}

/** Where the primary is, in one shape for both modes. */
export interface Serving {
  /** Which site's side is primary, as ElastiCache shows it; undefined when neither the plan names. */
  site?: SiteRole;
  available: boolean;
  said: string;
  facts: Record<string, unknown>;
}

function nodeGroupOf(group: ReplicationGroup, args: ElasticacheArgs): NodeGroup {
  const found = group.NodeGroups?.find((g) => g.NodeGroupId === args.nodeGroup);
  if (!found)
    failNonRetryable(
      `replication group ${group.ReplicationGroupId} has no node group ${args.nodeGroup} (the plan's nodeGroup); it has ${(group.NodeGroups ?? []).map((g) => g.NodeGroupId).join(', ') || 'none'}`,
      'NodeGroupNotFoundFault',
    );
  return found;
}

async function multiAz(clients: AwsClients, args: ElasticacheArgs): Promise<Serving> {
  const group = await replicationGroup(clients, args, 'primary');
  const id = group.ReplicationGroupId;
  if (group.AutomaticFailover !== 'enabled' || group.MultiAZ !== 'enabled')
    failNonRetryable(
      `replication group ${id} has AutomaticFailover ${group.AutomaticFailover ?? 'unset'} and MultiAZ ${group.MultiAZ ?? 'unset'}: TestFailover needs both enabled (mode multi-az)`,
      'ElasticacheMisconfigured',
    );
  const nodes = nodeGroupOf(group, args);
  const members = nodes.NodeGroupMembers ?? [];
  for (const s of ['primary', 'secondary'] as const) {
    if (!members.some((m) => m.CacheClusterId === args.sites[s].member))
      failNonRetryable(
        `node group ${args.nodeGroup} of ${id} has no member ${args.sites[s].member} (the plan's ${s}.member); members: ${members.map((m) => m.CacheClusterId).join(', ')}`,
        'ElasticacheMisconfigured',
      );
  }
  const primary = members.find((m) => m.CurrentRole === 'primary');
  const site = (['primary', 'secondary'] as const).find((s) => args.sites[s].member === primary?.CacheClusterId);
  const available = group.Status === 'available' && nodes.Status === 'available';
  return {
    site,
    available,
    said: `${id} ${group.Status}, node group ${args.nodeGroup} ${nodes.Status}, primary ${primary ? `${primary.CacheClusterId} in ${primary.PreferredAvailabilityZone}` : 'none'}`,
    facts: {
      replicationGroup: id,
      status: group.Status,
      nodeGroupStatus: nodes.Status,
      members: members.map((m) => ({ node: m.CacheClusterId, role: m.CurrentRole, zone: m.PreferredAvailabilityZone })),
    },
  };
}

async function globalGroup(
  clients: AwsClients,
  args: ElasticacheArgs,
  asked: SiteRole,
): Promise<GlobalReplicationGroup> {
  const id = args.globalReplicationGroup as string;
  const region = regionOf(args, asked);
  const answer = await managed(
    'DescribeGlobalReplicationGroups',
    `Global Datastore ${id} (asked in ${region})`,
    'which region is primary',
    () =>
      clients
        .elasticache(region)
        .send(new DescribeGlobalReplicationGroupsCommand({ GlobalReplicationGroupId: id, ShowMemberInfo: true })),
  );
  const found = answer.GlobalReplicationGroups?.[0];
  if (!found)
    failNonRetryable(
      `ElastiCache has no Global Datastore ${id} (the plan's globalReplicationGroup)`,
      'GlobalReplicationGroupNotFoundFault',
    );
  return found;
}

async function globalDatastore(clients: AwsClients, args: ElasticacheArgs): Promise<Serving> {
  // Asked in the region switched to: in an outage the old primary region may not answer.
  const g = await globalGroup(clients, args, args.to);
  const members = g.Members ?? [];
  const primary = members.find((m) => m.Role === 'PRIMARY');
  const siteOfGroup = (id?: string) =>
    (['primary', 'secondary'] as const).find((s) => args.sites[s].replicationGroup === id);
  const facts: Record<string, unknown> = {
    globalReplicationGroup: g.GlobalReplicationGroupId,
    status: g.Status,
    members: members.map((m) => ({
      group: m.ReplicationGroupId,
      region: m.ReplicationGroupRegion,
      role: m.Role,
      status: m.Status,
    })),
  };
  const missing = (['primary', 'secondary'] as const).filter(
    (s) => !members.some((m) => m.ReplicationGroupId === args.sites[s].replicationGroup),
  );
  if (missing.includes(args.to)) {
    // After an outage's disassociation the promoted group stands alone in its region and writes.
    const alone = await replicationGroup(clients, args, args.to);
    if (!alone.GlobalReplicationGroupInfo?.GlobalReplicationGroupId) {
      return {
        site: args.to,
        available: alone.Status === 'available',
        said: `${alone.ReplicationGroupId} is no longer in ${g.GlobalReplicationGroupId}: a standalone primary in ${regionOf(args, args.to)}, ${alone.Status}`,
        facts: { ...facts, detached: alone.ReplicationGroupId, detachedStatus: alone.Status },
      };
    }
  }
  if (missing.length)
    failNonRetryable(
      `Global Datastore ${g.GlobalReplicationGroupId} has no member ${missing.map((s) => `${args.sites[s].replicationGroup} (the plan's ${s}.replicationGroup)`).join(' or ')}; members: ${members.map((m) => `${m.ReplicationGroupId} in ${m.ReplicationGroupRegion}`).join(', ')}. A group disassociated in an outage must be added back as a secondary before a failback`,
      'ElasticacheMisconfigured',
    );
  return {
    site: siteOfGroup(primary?.ReplicationGroupId),
    available: g.Status === 'available' && members.every((m) => m.Status === 'associated'),
    said: `${g.GlobalReplicationGroupId} ${g.Status}, primary ${primary ? `${primary.ReplicationGroupId} in ${primary.ReplicationGroupRegion}` : 'none'}`,
    facts,
  };
}

export const serving = (clients: AwsClients, args: ElasticacheArgs): Promise<Serving> =>
  args.mode === 'multi-az' ? multiAz(clients, args) : globalDatastore(clients, args);

/** The managed failover to `site`; returns what it asked ElastiCache to do. */
export async function failOverTo(clients: AwsClients, args: ElasticacheArgs, site: SiteRole): Promise<string> {
  const target = args.sites[site];
  if (args.mode === 'multi-az') {
    const id = target.replicationGroup;
    await managed(
      'TestFailover',
      `ElastiCache TestFailover of ${id} node group ${args.nodeGroup}`,
      `a failover to ${target.member}`,
      () =>
        clients
          .elasticache(regionOf(args, site))
          .send(new TestFailoverCommand({ ReplicationGroupId: id, NodeGroupId: args.nodeGroup })),
    );
    return `TestFailover of ${id} node group ${args.nodeGroup}`;
  }
  const g = args.globalReplicationGroup as string;
  const region = regionOf(args, site);
  try {
    await managed(
      'FailoverGlobalReplicationGroup',
      `ElastiCache FailoverGlobalReplicationGroup of ${g} to ${target.replicationGroup} in ${region}`,
      `${target.replicationGroup} as the primary`,
      () =>
        clients.elasticache(region).send(
          new FailoverGlobalReplicationGroupCommand({
            GlobalReplicationGroupId: g,
            PrimaryRegion: region,
            PrimaryReplicationGroupId: target.replicationGroup,
          }),
        ),
    );
    return `FailoverGlobalReplicationGroup of ${g} to ${target.replicationGroup} in ${region}`;
  } catch (error) {
    // In an outage the datastore may not be `available` (InvalidGlobalReplicationGroupState): then the
    // secondary leaves it and stands alone, read-write, in its region (DisassociateGlobalReplicationGroup).
    if (args.planned || (error as ApplicationFailure).type !== 'InvalidGlobalReplicationGroupState') throw error;
    await managed(
      'DisassociateGlobalReplicationGroup',
      `ElastiCache DisassociateGlobalReplicationGroup of ${target.replicationGroup} from ${g}`,
      `${target.replicationGroup} standing alone as a primary`,
      () =>
        clients.elasticache(region).send(
          new DisassociateGlobalReplicationGroupCommand({
            GlobalReplicationGroupId: g,
            ReplicationGroupId: target.replicationGroup,
            ReplicationGroupRegion: region,
          }),
        ),
    );
    return `DisassociateGlobalReplicationGroup of ${target.replicationGroup} from ${g} (FailoverGlobalReplicationGroup was refused: ${(error as Error).message})`;
  }
}
