/**
 * moto's server mode on a fixed loopback port for one test file, and the worker's AWS clients
 * pointed at it (explicit endpoint and test credentials: nothing of the environment is changed).
 * moto_server is installed into tools/venv by scripts/install-lab-deps.sh.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { openSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { EFSClient } from '@aws-sdk/client-efs';
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { RDSClient } from '@aws-sdk/client-rds';
import type { AwsClients } from '../../activities/aws';
import { motoServerPath } from './moto';

export interface MotoAws {
  endpoint: string;
  /** Clients as the worker makes them, in any region, all against this moto. */
  clients: AwsClients;
  stop(): Promise<void>;
}

export async function startMotoAws(port: number, logDir: string): Promise<MotoAws> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  const endpoint = `http://127.0.0.1:${port}`;
  const log = openSync(path.join(logDir, `moto-${port}.log`), 'a');
  const child: ChildProcess = spawn(motoServerPath(), ['-H', '127.0.0.1', '-p', String(port)], { stdio: ['ignore', log, log] });
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`moto_server exited with ${child.exitCode} (port ${port} taken?); see ${logDir}`);
    const up = await fetch(`${endpoint}/moto-api/`, { signal: AbortSignal.timeout(1000) }).then((r) => r.ok, () => false);
    if (up) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`moto_server did not answer on ${endpoint} within 30s`);
    }
    await sleep(200);
  }
  const config = (region?: string) => ({ region: region ?? 'us-east-1', endpoint, credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, maxAttempts: 1 });
  const clients: AwsClients = {
    rds: (region) => new RDSClient(config(region)),
    autoscaling: (region) => new AutoScalingClient(config(region)),
    elbv2: (region) => new ElasticLoadBalancingV2Client(config(region)),
    efs: (region) => new EFSClient(config(region)),
    cloudwatch: (region) => new CloudWatchClient(config(region)),
  };
  return {
    endpoint,
    clients,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** The failure an activity threw (or undefined when it passed), to look at its type and message. */
export async function failureOf(work: Promise<unknown>): Promise<{ message: string; type?: string; nonRetryable?: boolean } | undefined> {
  try {
    await work;
    return undefined;
  } catch (error) {
    const e = error as { message: string; type?: string; nonRetryable?: boolean };
    return { message: e.message, type: e.type, nonRetryable: e.nonRetryable };
  }
}
