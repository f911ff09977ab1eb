/**
 * A Temporal cluster as operators run one, started by the project on loopback (issue 22, FIELD-NOTES
 * 17): a PostgreSQL of its own with the temporal and visibility schemas; frontend, `historyHosts`
 * history hosts, matching and the internal worker as separate `temporal-server` processes with their
 * own ports (from `basePort` up: cluster/layout.ts); `numHistoryShards` shards spread over the history
 * hosts (a lost host's shards move to the others); a dynamic config file (cluster/serverConfig.ts);
 * mutual TLS between clients and the frontend and between the hosts, certificates made at start; the
 * namespace registered and Drillbook's search attributes created on SQL visibility.
 *
 * `drillbook server --cluster`, the cluster tests, the demo (`--engine cluster`) and the bench all start
 * it here. A cluster restarted on its folder keeps its database (drills, schedules, versions).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, openSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Connection } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time';
import { makeClientCertificate, makeLabCertificates } from '../../store/certificates';
import { temporalEnv, temporalSettings, type TemporalSettings } from '../../store/config';
import { SEARCH_ATTRIBUTE_NAMES } from '../../workflows/searchAttributes';
import { findTemporalServer } from './cluster/binaries';
import { clusterLayout, type ClusterLayout, type ClusterService, type ServicePorts } from './cluster/layout';
import { startClusterDatabase, type ClusterDatabase } from './cluster/postgres';
import { isRunning, stopProcess, waitForPort } from './cluster/processes';
import { prepareSchemas } from './cluster/schema';
import { writeServerConfig } from './cluster/serverConfig';
import { ensureSearchAttributes } from './searchAttributes';
import { isPortOpen } from './server';

export type { ClusterService } from './cluster/layout';

export interface ClusterOptions {
  /** The cluster's folder: database, certificates, configuration, logs. Reused when it exists. */
  dir: string;
  /** The first of the ports the cluster takes (PostgreSQL's; `clusterLayout(basePort).size` in all). */
  basePort: number;
  /** Registered at start; `default` when absent. */
  namespace?: string;
  /** 2 when absent. */
  historyHosts?: number;
  /** 4 when absent; fixed when the database is created. */
  numHistoryShards?: number;
  /** Dynamic config values on top of (or, set to undefined, instead of) CLUSTER_DYNAMIC_CONFIG. */
  dynamicConfig?: Record<string, string | number | boolean | undefined>;
  /** The server processes' log level (their logs: `<dir>/logs/<process>.log`); `warn` when absent. */
  logLevel?: 'debug' | 'info' | 'warn' | 'error';
  /** How long the whole start may take; 180 s when absent (a loaded 2-core machine). */
  startTimeoutMs?: number;
}

/** What a client presents and trusts: files, and the name the server's certificate carries. */
export interface ClusterTls {
  cert: string;
  key: string;
  ca: string;
  serverName: string;
}

export interface Cluster {
  /** The frontend, `127.0.0.1:<port>`. */
  address: string;
  namespace: string;
  tls: ClusterTls;
  dir: string;
  layout: ClusterLayout;
  /** TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE and TEMPORAL_TLS_*: what a worker or CLI process is given. */
  env: Record<string, string>;
  /** The same, as the settings a Connection is opened with (src/temporal/connect.ts). */
  settings(): TemporalSettings;
  /** The process id of a service's process (index: which history host), when it runs. */
  pid(service: ClusterService | 'postgres', index?: number): number | undefined;
  /** Stops every process (graceful, then SIGKILL after a bound); the folder stays. */
  stop(): Promise<void>;
  /** SIGKILL of one process: no goodbye to the ring, no shard handed over. It stays down until restart. */
  kill(service: ClusterService | 'postgres', index?: number): Promise<void>;
  /** Stops one process (SIGTERM; nothing when killed already) and starts it again on its ports. */
  restart(service: ClusterService | 'postgres', index?: number): Promise<void>;
}

const SERVER_NAME = 'localhost';

/** Starts the cluster in `options.dir` (see the file's comment); throws, stopping what it started, when it cannot. */
export async function startCluster(options: ClusterOptions): Promise<Cluster> {
  const dir = path.resolve(options.dir);
  const namespace = options.namespace ?? 'default';
  const layout = clusterLayout(options.basePort, options.historyHosts ?? 2);
  const deadline = Date.now() + (options.startTimeoutMs ?? 180_000);
  const remaining = () => Math.max(1000, deadline - Date.now());
  const taken: number[] = [];
  for (let port = options.basePort; port < options.basePort + layout.size; port++)
    if (await isPortOpen(port)) taken.push(port);
  if (taken.length > 0)
    throw new Error(
      `the cluster at base port ${options.basePort} needs ports ${options.basePort}-${options.basePort + layout.size - 1}; in use: ${taken.join(', ')}`,
    );
  const binaries = findTemporalServer();
  for (const sub of ['logs', 'config', 'tls']) mkdirSync(path.join(dir, sub), { recursive: true });

  const tlsDir = path.join(dir, 'tls');
  const server = await makeLabCertificates(tlsDir, 365);
  const client = await makeClientCertificate(tlsDir, 'drillbook', 365);
  const systemWorker = await makeClientCertificate(tlsDir, 'temporal-system-worker', 365);
  const tls: ClusterTls = { cert: client.certFile, key: client.keyFile, ca: server.caFile, serverName: SERVER_NAME };
  const address = `127.0.0.1:${layout.processes[0].grpcPort}`;
  const env = temporalEnv({ address, namespace, tls });

  const children = new Map<string, ChildProcess>();
  let database: ClusterDatabase | undefined;
  // The last resort when our process exits without stop() (an error, process.exit on a signal): no
  // server of ours outlives it. kill() is synchronous, as an 'exit' listener must be.
  const killAllOnExit = () => {
    for (const child of [...children.values(), database?.process]) if (child && isRunning(child)) child.kill('SIGKILL');
  };
  process.once('exit', killAllOnExit);
  const byName = (service: ClusterService | 'postgres', index = 0): ServicePorts | undefined =>
    layout.processes.find((p) => p.service === service && p.index === index);

  const spawnService = (ports: ServicePorts): ChildProcess => {
    const log = openSync(path.join(dir, 'logs', `${ports.name}.log`), 'a');
    const args = ['--root', dir, '--config', 'config', '--env', ports.name, '--allow-no-auth'];
    const child = spawn(binaries.server, [...args, 'start', '--service', ports.service], {
      stdio: ['ignore', log, log],
    });
    children.set(ports.name, child);
    return child;
  };
  const startService = async (ports: ServicePorts, timeoutMs: number) => {
    const child = spawnService(ports);
    await waitForPort(
      ports.readyPort,
      child,
      timeoutMs,
      () => `the cluster's ${ports.name} (see ${dir}/logs/${ports.name}.log)`,
    );
  };
  const connectOnce = () => Connection.connect({ ...temporalSettings(env), connectTimeout: '5s' });
  const waitForFrontend = async (timeoutMs: number) => {
    const until = Date.now() + timeoutMs;
    let lastError: unknown;
    while (Date.now() < until) {
      try {
        const connection = await connectOnce();
        try {
          await connection.workflowService.getSystemInfo({});
          return;
        } finally {
          await connection.close();
        }
      } catch (error) {
        lastError = error;
        // The frontend answers once it has found history and matching in the ring: nothing to await.
        await sleep(500);
      }
    }
    throw new Error(`the cluster's frontend on ${address} did not answer over TLS: ${(lastError as Error)?.message}`);
  };
  const stopAll = async () => {
    // The internal worker and the frontend first (clients of the rest), the database last.
    const order = [
      'worker',
      'frontend',
      'matching',
      ...layout.processes.filter((p) => p.service === 'history').map((p) => p.name),
    ];
    for (const group of [order.slice(0, 2), order.slice(2)])
      await Promise.all(group.map((name) => children.get(name)).map((child) => child && stopProcess(child, 'SIGTERM')));
    await database?.stop();
    process.removeListener('exit', killAllOnExit);
    rmSync(path.join(dir, 'cluster.json'), { force: true });
  };

  try {
    database = await startClusterDatabase({ dir, port: layout.postgresPort });
    await prepareSchemas({
      sqlTool: binaries.sqlTool,
      dir,
      port: database.port,
      user: database.user,
      password: database.password,
    });
    writeServerConfig({
      dir,
      layout,
      numHistoryShards: options.numHistoryShards ?? 4,
      database: { user: database.user, password: database.password },
      tls: {
        ca: server.caFile,
        serverCert: server.certFile,
        serverKey: server.keyFile,
        systemWorkerCert: systemWorker.certFile,
        systemWorkerKey: systemWorker.keyFile,
        serverName: SERVER_NAME,
      },
      dynamicConfig: options.dynamicConfig ?? {},
      logLevel: options.logLevel ?? 'warn',
    });
    // History and matching first, so the frontend finds them in the ring; the internal worker last (it is the frontend's client).
    // The first writes the cluster's metadata into a new database; two at once race for that row.
    const core = layout.processes.filter((p) => p.service === 'history' || p.service === 'matching');
    await startService(core[0], remaining());
    await Promise.all(core.slice(1).map((p) => startService(p, remaining())));
    await startService(byName('frontend') as ServicePorts, remaining());
    await waitForFrontend(remaining());
    await startService(byName('worker') as ServicePorts, remaining());
    await registerNamespace(connectOnce, namespace, remaining());
    writeFileSync(
      path.join(dir, 'cluster.json'),
      `${JSON.stringify({ address, namespace, tls, env, pids: Object.fromEntries([...children].map(([n, c]) => [n, c.pid])), postgres: database.process.pid }, null, 2)}\n`,
    );
    writeFileSync(
      path.join(dir, 'env'),
      Object.entries(env)
        .map(([key, value]) => `export ${key}=${JSON.stringify(value)}\n`)
        .join(''),
    );
  } catch (error) {
    await stopAll();
    throw error;
  }

  const processOf = (service: ClusterService | 'postgres', index = 0) => {
    if (service === 'postgres') return database?.process;
    const ports = byName(service, index);
    if (!ports) throw new Error(`the cluster has no ${service} ${index}`);
    return children.get(ports.name);
  };

  return {
    address,
    namespace,
    tls,
    dir,
    layout,
    env,
    settings: () => temporalSettings(env),
    pid: (service, index) => {
      const child = processOf(service, index);
      return child && isRunning(child) ? child.pid : undefined;
    },
    stop: stopAll,
    async kill(service, index) {
      const child = processOf(service, index);
      if (child) await stopProcess(child, 'SIGKILL');
    },
    async restart(service, index = 0) {
      if (service === 'postgres') {
        await database?.stop();
        database = await startClusterDatabase({ dir, port: layout.postgresPort });
        return;
      }
      const ports = byName(service, index);
      if (!ports) throw new Error(`the cluster has no ${service} ${index}`);
      const old = children.get(ports.name);
      if (old) await stopProcess(old, 'SIGTERM');
      await startService(ports, 120_000);
      if (service === 'frontend') await waitForFrontend(120_000);
    },
  };
}

/**
 * The namespace (3 days' retention, as the dev server's default) and Drillbook's search attributes, on
 * SQL visibility custom attributes are the namespace's aliases of the Keyword columns. Each service
 * reads namespaces from a cache refreshed every 2 s (system.namespaceCacheRefreshInterval), so this
 * waits until the frontend lists every attribute.
 */
async function registerNamespace(
  connect: () => Promise<Connection>,
  namespace: string,
  timeoutMs: number,
): Promise<void> {
  const until = Date.now() + timeoutMs;
  let lastError: unknown;
  let added = false;
  while (Date.now() < until) {
    let connection: Connection | undefined;
    try {
      connection = await connect();
      try {
        await connection.workflowService.describeNamespace({ namespace });
      } catch (error) {
        if ((error as { code?: number }).code !== 5) throw error; // 5: NOT_FOUND
        await connection.workflowService
          .registerNamespace({ namespace, workflowExecutionRetentionPeriod: msToTs('3 days') })
          .catch((e: { code?: number }) => {
            if (e.code !== 6) throw e; // 6: ALREADY_EXISTS (another start won the race)
          });
        continue;
      }
      if (!added) {
        await ensureSearchAttributes(connection, namespace);
        added = true;
      }
      const listed = await connection.operatorService.listSearchAttributes({ namespace });
      const known = new Set(Object.keys(listed.customAttributes ?? {}));
      if (SEARCH_ATTRIBUTE_NAMES.every((name) => known.has(name))) return;
      lastError = new Error(
        `search attributes not listed yet: ${SEARCH_ATTRIBUTE_NAMES.filter((n) => !known.has(n)).join(', ')}`,
      );
    } catch (error) {
      lastError = error;
    } finally {
      await connection?.close();
    }
    // The namespace registry refreshes every 2 s; nothing to await but the next look.
    await sleep(500);
  }
  throw new Error(`namespace ${namespace} was not ready on the cluster: ${(lastError as Error)?.message}`);
}
