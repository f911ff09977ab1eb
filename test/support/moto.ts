/**
 * moto's server mode on loopback: a Route 53 stand-in for one test file, installed into tools/venv by
 * scripts/install-lab-deps.sh. Sets the standard AWS environment so the worker's default client finds it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, openSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  ChangeResourceRecordSetsCommand,
  CreateHealthCheckCommand,
  CreateHostedZoneCommand,
  Route53Client,
  type ResourceRecordSet,
} from '@aws-sdk/client-route-53';
import { freePort } from './ports';
import { ROOT } from './standinLab';

export interface Moto {
  endpoint: string;
  client: Route53Client;
  stop(): Promise<void>;
}

export function motoServerPath(): string {
  const tools = process.env.DRILLBOOK_TOOLS_DIR ?? path.join(ROOT, 'tools');
  const candidates = [process.env.MOTO_SERVER, path.join(tools, 'venv', 'bin', 'moto_server')].filter(
    (c): c is string => Boolean(c),
  );
  const found = candidates.find((c) => existsSync(c));
  if (!found)
    throw new Error(
      'moto_server not found: run `bash scripts/install-lab-deps.sh` (installs moto[server] into tools/venv) or set MOTO_SERVER',
    );
  return found;
}

/** A moto_server on 127.0.0.1:`port`, answering; stop() ends it (SIGTERM, then SIGKILL after 5 s). */
export async function spawnMoto(port: number, logDir: string): Promise<{ endpoint: string; stop(): Promise<void> }> {
  const endpoint = `http://127.0.0.1:${port}`;
  const log = openSync(path.join(logDir, `moto-${port}.log`), 'a');
  const child: ChildProcess = spawn(motoServerPath(), ['-H', '127.0.0.1', '-p', String(port)], {
    stdio: ['ignore', log, log],
  });
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null)
      throw new Error(`moto_server exited with ${child.exitCode} (port ${port} taken?); see ${logDir}`);
    const up = await fetch(`${endpoint}/moto-api/`, { signal: AbortSignal.timeout(1000) }).then(
      (r) => r.ok,
      () => false,
    );
    if (up) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`moto_server did not answer on ${endpoint} within 30s`);
    }
    // Not listening yet: moto's start takes a few seconds of Python imports.
    await sleep(200);
  }
  return {
    endpoint,
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

export async function startMoto(logDir: string): Promise<Moto> {
  const moto = await spawnMoto(await freePort(), logDir);
  // The standard AWS chain: what a worker in production reads from its environment or profile.
  Object.assign(process.env, {
    AWS_ENDPOINT_URL_ROUTE_53: moto.endpoint,
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    AWS_REGION: 'us-east-1',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  });
  return {
    ...moto,
    client: new Route53Client({
      region: 'us-east-1',
      endpoint: moto.endpoint,
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    }),
  };
}

/** A hosted zone with the given record sets, as an operator would have set it up before a drill. */
export async function createZone(client: Route53Client, name: string, sets: ResourceRecordSet[]): Promise<string> {
  const zone = await client.send(
    new CreateHostedZoneCommand({ Name: name, CallerReference: `test-${Date.now()}-${Math.random()}` }),
  );
  const id = (zone.HostedZone?.Id ?? '').replace('/hostedzone/', '');
  if (sets.length)
    await client.send(
      new ChangeResourceRecordSetsCommand({
        HostedZoneId: id,
        ChangeBatch: { Changes: sets.map((set) => ({ Action: 'CREATE', ResourceRecordSet: set })) },
      }),
    );
  return id;
}

export async function createHealthCheck(client: Route53Client, port: number): Promise<string> {
  const created = await client.send(
    new CreateHealthCheckCommand({
      CallerReference: `hc-${Date.now()}-${Math.random()}`,
      HealthCheckConfig: { Type: 'HTTP', IPAddress: '127.0.0.1', Port: port, ResourcePath: '/health' },
    }),
  );
  return created.HealthCheck?.Id as string;
}
