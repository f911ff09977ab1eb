/**
 * AWS clients per service and region, made at first use from the standard chain (environment,
 * profile, instance role; AWS_ENDPOINT_URL_<SERVICE> for a stand-in such as moto). Nothing about
 * credentials is ever in a plan.
 */
import { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { EFSClient } from '@aws-sdk/client-efs';
import { ElastiCacheClient } from '@aws-sdk/client-elasticache';
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { MqClient } from '@aws-sdk/client-mq';
import { RDSClient } from '@aws-sdk/client-rds';
import { SSMClient } from '@aws-sdk/client-ssm';

export interface AwsClients {
  rds(region?: string): RDSClient;
  autoscaling(region?: string): AutoScalingClient;
  elbv2(region?: string): ElasticLoadBalancingV2Client;
  efs(region?: string): EFSClient;
  cloudwatch(region?: string): CloudWatchClient;
  mq(region?: string): MqClient;
  elasticache(region?: string): ElastiCacheClient;
  /** SSM Run Command: the `ssm` step driver's commands on every node of an Auto Scaling group. */
  ssm(region?: string): SSMClient;
}

export const workerRegion = (): string => process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1';

/** The region of an ARN (arn:aws:service:REGION:…), when it has one. */
export const regionOfArn = (arn: string | undefined): string | undefined =>
  arn?.startsWith('arn:') ? arn.split(':')[3] || undefined : undefined;

export function defaultAwsClients(): AwsClients {
  const cache = new Map<string, unknown>();
  const make = <T>(
    service: string,
    region: string | undefined,
    build: (config: { region: string; maxAttempts: number }) => T,
  ): T => {
    const key = `${service}@${region ?? workerRegion()}`;
    if (!cache.has(key)) cache.set(key, build({ region: region ?? workerRegion(), maxAttempts: 3 }));
    return cache.get(key) as T;
  };
  return {
    rds: (region) => make('rds', region, (c) => new RDSClient(c)),
    autoscaling: (region) => make('autoscaling', region, (c) => new AutoScalingClient(c)),
    elbv2: (region) => make('elbv2', region, (c) => new ElasticLoadBalancingV2Client(c)),
    efs: (region) => make('efs', region, (c) => new EFSClient(c)),
    cloudwatch: (region) => make('cloudwatch', region, (c) => new CloudWatchClient(c)),
    mq: (region) => make('mq', region, (c) => new MqClient(c)),
    elasticache: (region) => make('elasticache', region, (c) => new ElastiCacheClient(c)),
    ssm: (region) => make('ssm', region, (c) => new SSMClient(c)),
  };
}
