/**
 * The Temporal server's configuration for the project's cluster (FIELD-NOTES 17): one complete file
 * per process (`config/<name>.yaml`, started with `--env <name>`), which differ only in that
 * process's ports, and one dynamic config file all of them read (and re-read every 10 s).
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { stringify } from 'yaml';
import { DRILL_DYNAMIC_CONFIG } from '../server';
import type { ClusterLayout, ServicePorts } from './layout';

/** The cluster's name in its metadata; fixed at the database's creation. */
export const CLUSTER_NAME = 'drillbook';

/**
 * What a drill needs of the server beyond its defaults, on top of DRILL_DYNAMIC_CONFIG (the transfer and
 * timer queues' poll rates, eager activities) that the dev server is given too:
 * - Worker Deployment versioning (drills pinned to their build, `drillbook worker --promote`) and the
 *   Update API (gates' decisions): on by default in 1.29, named here so an operator's file keeps them.
 * - Schedules (`drillbook schedule`): the frontend's RPCs and the internal worker's scheduler.
 */
export const CLUSTER_DYNAMIC_CONFIG: Readonly<Record<string, string | number | boolean>> = {
  ...DRILL_DYNAMIC_CONFIG,
  'system.enableDeploymentVersions': true,
  'frontend.workerVersioningWorkflowAPIs': true,
  'frontend.enableUpdateWorkflowExecution': true,
  'frontend.enableSchedules': true,
  'worker.enableScheduler': true,
};

export interface ClusterTlsFiles {
  ca: string;
  /** The server certificate (127.0.0.1 and localhost), also the hosts' certificate to each other. */
  serverCert: string;
  serverKey: string;
  /** The internal worker's client certificate to the frontend. */
  systemWorkerCert: string;
  systemWorkerKey: string;
  /** The name the server certificate carries that clients check. */
  serverName: string;
}

export interface ServerConfigInput {
  dir: string;
  layout: ClusterLayout;
  numHistoryShards: number;
  database: { user: string; password: string };
  tls: ClusterTlsFiles;
  dynamicConfig: Record<string, string | number | boolean | undefined>;
  logLevel: 'debug' | 'info' | 'warn' | 'error';
}

/** `config/` under the cluster's folder: the server's `--root DIR --config config`. */
export const configDir = (dir: string): string => path.join(dir, 'config');
export const dynamicConfigFile = (dir: string): string => path.join(dir, 'dynamicconfig.yaml');

function sqlStore(input: ServerConfigInput, databaseName: string, maxConns: number) {
  return {
    sql: {
      pluginName: 'postgres12',
      databaseName,
      connectAddr: `127.0.0.1:${input.layout.postgresPort}`,
      connectProtocol: 'tcp',
      user: input.database.user,
      password: input.database.password,
      maxConns,
      maxIdleConns: maxConns,
      maxConnLifetime: '1h',
    },
  };
}

function rpc(ports: ServicePorts) {
  return {
    rpc: {
      grpcPort: ports.grpcPort,
      membershipPort: ports.membershipPort,
      bindOnLocalHost: true,
      ...(ports.httpPort ? { httpPort: ports.httpPort } : {}),
    },
  };
}

/** The whole configuration one process reads: every service's ports, with `own`'s for its service. */
export function serverConfig(input: ServerConfigInput, own: ServicePorts): Record<string, unknown> {
  const { layout, tls } = input;
  const first = (service: string) => layout.processes.find((p) => p.service === service) as ServicePorts;
  const services: Record<string, unknown> = {};
  for (const service of ['frontend', 'history', 'matching', 'worker'])
    services[service] = rpc(own.service === service ? own : first(service));
  const frontend = first('frontend');
  const trust = { serverName: tls.serverName, rootCaFiles: [tls.ca] };
  const mutual = { certFile: tls.serverCert, keyFile: tls.serverKey, clientCaFiles: [tls.ca], requireClientAuth: true };
  return {
    log: { stdout: true, level: input.logLevel },
    persistence: {
      defaultStore: 'default',
      visibilityStore: 'visibility',
      // Fixed forever when the database is created: more shards than hosts, so a lost host's move.
      numHistoryShards: input.numHistoryShards,
      datastores: {
        default: sqlStore(input, 'temporal', 10),
        visibility: sqlStore(input, 'temporal_visibility', 4),
      },
    },
    global: {
      membership: { maxJoinDuration: '30s', broadcastAddress: '127.0.0.1' },
      pprof: { port: 0 },
      tls: {
        // Clients (Drillbook's worker and CLI, the internal worker) to the frontend: mutual TLS.
        frontend: { server: mutual, client: trust },
        // The hosts to each other (frontend -> history and matching, history -> matching): mutual TLS too.
        internode: { server: mutual, client: trust },
        systemWorker: { certFile: tls.systemWorkerCert, keyFile: tls.systemWorkerKey, client: trust },
      },
    },
    services,
    clusterMetadata: {
      enableGlobalNamespace: false,
      failoverVersionIncrement: 10,
      masterClusterName: CLUSTER_NAME,
      currentClusterName: CLUSTER_NAME,
      clusterInformation: {
        [CLUSTER_NAME]: {
          enabled: true,
          initialFailoverVersion: 1,
          rpcName: 'frontend',
          rpcAddress: `127.0.0.1:${frontend.grpcPort}`,
        },
      },
    },
    dcRedirectionPolicy: { policy: 'noop' },
    archival: { history: { state: 'disabled' }, visibility: { state: 'disabled' } },
    namespaceDefaults: { archival: { history: { state: 'disabled' }, visibility: { state: 'disabled' } } },
    dynamicConfigClient: { filepath: dynamicConfigFile(input.dir), pollInterval: '10s' },
    publicClient: { hostPort: `127.0.0.1:${frontend.grpcPort}` },
  };
}

/** The dynamic config file's form: each key a list of values with (here, no) constraints. */
export function dynamicConfigYaml(values: Record<string, string | number | boolean | undefined>): string {
  const entries = Object.entries(values).filter(([, value]) => value !== undefined);
  return stringify(Object.fromEntries(entries.map(([key, value]) => [key, [{ value, constraints: {} }]])));
}

/** Writes every process's config file and the dynamic config file (0600: they hold the database's password). */
export function writeServerConfig(input: ServerConfigInput): void {
  for (const process of input.layout.processes)
    writeFileSync(path.join(configDir(input.dir), `${process.name}.yaml`), stringify(serverConfig(input, process)), {
      mode: 0o600,
    });
  writeFileSync(
    dynamicConfigFile(input.dir),
    dynamicConfigYaml({ ...CLUSTER_DYNAMIC_CONFIG, ...input.dynamicConfig }),
    { mode: 0o600 },
  );
}
