/**
 * moto's server mode on loopback: a Route 53 stand-in for one test file, installed into tools/venv by
 * scripts/install-lab-deps.sh. Sets the standard AWS environment so the worker's default client finds it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, openSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ChangeResourceRecordSetsCommand, CreateHealthCheckCommand, CreateHostedZoneCommand, Route53Client, type ResourceRecordSet } from '@aws-sdk/client-route-53';
import { freePort } from './ports';
import { ROOT } from './standinLab';

export interface Moto {
  endpoint: string;
  client: Route53Client;
  stop(): Promise<void>;
}

export function motoServerPath(): string {
  const tools = process.env.DRILLBOOK_TOOLS_DIR ?? path.join(ROOT, 'tools');
  const candidates = [process.env.MOTO_SERVER, path.join(tools, 'venv', 'bin', 'moto_server')].filter((c): c is string => Boolean(c));
  const found = candidates.find((c) => existsSync(c));
  if (!found) throw new Error('moto_server not found: run `bash scripts/install-lab-deps.sh` (installs moto[server] into tools/venv) or set MOTO_SERVER');
  return found;
}

export async function startMoto(logDir: string): Promise<Moto> {
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  const log = openSync(path.join(logDir, `moto-${port}.log`), 'a');
  const child: ChildProcess = spawn(motoServerPath(), ['-H', '127.0.0.1', '-p', String(port)], { stdio: ['ignore', log, log] });
  // The standard AWS chain: what a worker in production reads from its environment or profile.
  Object.assign(process.env, {
    AWS_ENDPOINT_URL_ROUTE_53: endpoint,
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    AWS_REGION: 'us-east-1',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  });
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`moto_server exited with ${child.exitCode}; see ${logDir}`);
    try {
      const response = await fetch(`${endpoint}/moto-api/`, { signal: AbortSignal.timeout(1000) });
      if (response.ok) break;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`moto_server did not answer on ${endpoint} within 30s`);
    }
    await sleep(200);
  }
  return {
    endpoint,
    client: new Route53Client({ region: 'us-east-1', endpoint, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } }),
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

/** A hosted zone with the given record sets, as an operator would have set it up before a drill. */
export async function createZone(client: Route53Client, name: string, sets: ResourceRecordSet[]): Promise<string> {
  const zone = await client.send(new CreateHostedZoneCommand({ Name: name, CallerReference: `test-${Date.now()}-${Math.random()}` }));
  const id = (zone.HostedZone?.Id ?? '').replace('/hostedzone/', '');
  if (sets.length) await client.send(new ChangeResourceRecordSetsCommand({ HostedZoneId: id, ChangeBatch: { Changes: sets.map((set) => ({ Action: 'CREATE', ResourceRecordSet: set })) } }));
  return id;
}

export async function createHealthCheck(client: Route53Client, port: number): Promise<string> {
  const created = await client.send(
    new CreateHealthCheckCommand({ CallerReference: `hc-${Date.now()}-${Math.random()}`, HealthCheckConfig: { Type: 'HTTP', IPAddress: '127.0.0.1', Port: port, ResourcePath: '/health' } }),
  );
  return created.HealthCheck?.Id as string;
}
