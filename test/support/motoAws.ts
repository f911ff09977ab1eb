/**
 * moto's server mode on a fixed loopback port for one test file, and the worker's AWS clients
 * pointed at it (explicit endpoint and test credentials: nothing of the environment is changed).
 * moto_server is installed into tools/venv by scripts/install-lab-deps.sh.
 */
import { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { EFSClient } from '@aws-sdk/client-efs';
import { ElastiCacheClient } from '@aws-sdk/client-elasticache';
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { MqClient } from '@aws-sdk/client-mq';
import { RDSClient } from '@aws-sdk/client-rds';
import { SSMClient } from '@aws-sdk/client-ssm';
import type { AwsClients } from '../../kinds/kit/aws';
import { spawnMoto } from './moto';

export interface MotoAws {
  endpoint: string;
  /** Clients as the worker makes them, in any region, all against this moto. */
  clients: AwsClients;
  stop(): Promise<void>;
}

export async function startMotoAws(port: number, logDir: string): Promise<MotoAws> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  const { endpoint, stop } = await spawnMoto(port, logDir);
  const config = (region?: string) => ({
    region: region ?? 'us-east-1',
    endpoint,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    maxAttempts: 1,
  });
  const clients: AwsClients = {
    rds: (region) => new RDSClient(config(region)),
    autoscaling: (region) => new AutoScalingClient(config(region)),
    elbv2: (region) => new ElasticLoadBalancingV2Client(config(region)),
    efs: (region) => new EFSClient(config(region)),
    cloudwatch: (region) => new CloudWatchClient(config(region)),
    mq: (region) => new MqClient(config(region)),
    elasticache: (region) => new ElastiCacheClient(config(region)),
    ssm: (region) => new SSMClient(config(region)),
  };
  return { endpoint, clients, stop };
}

/** The failure an activity threw (or undefined when it passed), to look at its type and message. */
export async function failureOf(
  work: Promise<unknown>,
): Promise<{ message: string; type?: string; nonRetryable?: boolean } | undefined> {
  try {
    await work;
    return undefined;
  } catch (error) {
    const e = error as { message: string; type?: string; nonRetryable?: boolean };
    return { message: e.message, type: e.type, nonRetryable: e.nonRetryable };
  }
}

/**
 * One call of moto's EC2 query API (the project has no EC2 client; moto does not check signatures):
 * the answer's XML, e.g. `ec2Query(endpoint, 'DescribeSubnets')`.
 */
export async function ec2Query(endpoint: string, action: string, region = 'us-east-1'): Promise<string> {
  const response = await fetch(endpoint, {
    method: 'POST',
    headers: {
      authorization: `AWS4-HMAC-SHA256 Credential=test/20260101/${region}/ec2/aws4_request, SignedHeaders=host, Signature=0`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: `Action=${action}&Version=2016-11-15`,
  });
  if (!response.ok) throw new Error(`moto's EC2 ${action} answered HTTP ${response.status}`);
  return response.text();
}
