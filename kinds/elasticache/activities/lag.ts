/**
 * Replication lag as ElastiCache publishes it to CloudWatch (namespace AWS/ElastiCache, per node:
 * CacheClusterId and CacheNodeId): `ReplicationLag` on a replica node (multi-az), and
 * `GlobalDatastoreReplicationLag` on the secondary region's primary node (global-datastore).
 */
import { GetMetricStatisticsCommand } from '@aws-sdk/client-cloudwatch';
import type { AwsClients } from '../../kit/aws/clients';
import { managed, regionOf, replicationGroup } from './controlPlane';
import type { ElasticacheArgs } from '../actions';

export interface Lag {
  metric: string;
  /** The node (cache cluster id) the metric was asked for. */
  node: string;
  region: string;
  /** The newest minute's maximum, in seconds; undefined when CloudWatch has no datapoint. */
  seconds?: number;
  at?: string;
}

/** The node whose lag tells how far the side switched to is behind. */
async function laggingNode(clients: AwsClients, args: ElasticacheArgs): Promise<string> {
  if (args.mode === 'multi-az') return args.sites[args.to].member as string;
  const group = await replicationGroup(clients, args, args.to);
  const primary = group.NodeGroups?.[0]?.NodeGroupMembers?.find((m) => m.CurrentRole === 'primary');
  return primary?.CacheClusterId ?? group.MemberClusters?.[0] ?? `${args.sites[args.to].replicationGroup}-001`;
}

export const metricOf = (args: ElasticacheArgs): string =>
  args.mode === 'multi-az' ? 'ReplicationLag' : 'GlobalDatastoreReplicationLag';

/** The newest datapoint of the last 5 minutes (Maximum per minute). */
export async function replicationLag(clients: AwsClients, args: ElasticacheArgs): Promise<Lag> {
  const metric = metricOf(args);
  const node = await laggingNode(clients, args);
  const region = regionOf(args, args.to);
  const now = Date.now();
  const stats = await managed(
    'GetMetricStatistics',
    `CloudWatch AWS/ElastiCache ${metric} of ${node} in ${region}`,
    'the replication lag',
    () =>
      clients.cloudwatch(region).send(
        new GetMetricStatisticsCommand({
          Namespace: 'AWS/ElastiCache',
          MetricName: metric,
          Dimensions: [
            { Name: 'CacheClusterId', Value: node },
            { Name: 'CacheNodeId', Value: '0001' },
          ],
          StartTime: new Date(now - 5 * 60_000),
          EndTime: new Date(now),
          Period: 60,
          Statistics: ['Maximum'],
        }),
      ),
  );
  const newest = (stats.Datapoints ?? [])
    .filter((p) => p.Timestamp && p.Maximum !== undefined)
    .sort((a, b) => (b.Timestamp as Date).getTime() - (a.Timestamp as Date).getTime())[0];
  return { metric, node, region, seconds: newest?.Maximum, at: newest?.Timestamp?.toISOString() };
}
