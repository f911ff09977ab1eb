/**
 * Settings from the environment, so one binary works against the dev server, a Temporal cluster
 * or Temporal Cloud. Names follow the Temporal CLI's where one exists.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { TLSConfig } from '@temporalio/client';
import { DEFAULT_TASK_QUEUE } from '../domain';

/**
 * The folder of the compiled code running: `dist/`, or `builds/<build id>/` for a kept build
 * (`drillbook worker --build <id>`); undefined when run from the TypeScript sources (tests).
 */
export const BUILD_DIR: string | undefined =
  path.extname(__filename) === '.js' ? path.resolve(__dirname, '..') : undefined;

/** The project folder (where plans/, scripts/ and data/ live), whether run from src/, dist/src/ or builds/<id>/src/. */
export const PROJECT_ROOT = BUILD_DIR
  ? path.resolve(BUILD_DIR, path.basename(path.dirname(BUILD_DIR)) === 'builds' ? '../..' : '..')
  : path.resolve(__dirname, '..');

/** Where `npm run build` keeps every build by its id, beside dist/ (a rebuild replaces dist/ only). */
export const buildsDir = (): string => path.join(PROJECT_ROOT, 'builds');

export interface TemporalSettings {
  address: string;
  namespace: string;
  taskQueue: string;
  tls?: TLSConfig;
  apiKey?: string;
}

const read = (file: string): Buffer => readFileSync(file);

/** The TLS files a client presents and trusts, by path; what TEMPORAL_TLS_* name. */
export interface TemporalTlsFiles {
  /** The client's certificate and key (mutual TLS). */
  cert: string;
  key: string;
  /** The CA that signed the server's certificate. */
  ca: string;
  /** The name the server's certificate carries, when the address does not (an IP address). */
  serverName?: string;
}

/**
 * The environment that points a worker, the CLI or the Temporal CLI at a server: the Temporal CLI's
 * names, so one set of variables serves `drillbook` and `temporal` alike.
 */
export function temporalEnv(connection: {
  address: string;
  namespace?: string;
  tls?: TemporalTlsFiles;
}): Record<string, string> {
  const env: Record<string, string> = { TEMPORAL_ADDRESS: connection.address };
  if (connection.namespace) env.TEMPORAL_NAMESPACE = connection.namespace;
  if (connection.tls) {
    env.TEMPORAL_TLS = 'true';
    env.TEMPORAL_TLS_CLIENT_CERT_PATH = connection.tls.cert;
    env.TEMPORAL_TLS_CLIENT_KEY_PATH = connection.tls.key;
    env.TEMPORAL_TLS_SERVER_CA_CERT_PATH = connection.tls.ca;
    if (connection.tls.serverName) env.TEMPORAL_TLS_SERVER_NAME = connection.tls.serverName;
  }
  return env;
}

export function temporalSettings(env: NodeJS.ProcessEnv = process.env): TemporalSettings {
  const certPath = env.TEMPORAL_TLS_CLIENT_CERT_PATH;
  const keyPath = env.TEMPORAL_TLS_CLIENT_KEY_PATH;
  const caPath = env.TEMPORAL_TLS_SERVER_CA_CERT_PATH;
  const apiKey =
    env.TEMPORAL_API_KEY ??
    (env.TEMPORAL_API_KEY_FILE ? read(env.TEMPORAL_API_KEY_FILE).toString('utf8').trim() : undefined);
  const wantTls = env.TEMPORAL_TLS === 'true' || Boolean(certPath || caPath || apiKey);
  if (Boolean(certPath) !== Boolean(keyPath)) {
    throw new Error('TEMPORAL_TLS_CLIENT_CERT_PATH and TEMPORAL_TLS_CLIENT_KEY_PATH go together: set both or neither');
  }
  const tls: TLSConfig | undefined = wantTls
    ? {
        serverNameOverride: env.TEMPORAL_TLS_SERVER_NAME,
        serverRootCACertificate: caPath ? read(caPath) : undefined,
        clientCertPair: certPath && keyPath ? { crt: read(certPath), key: read(keyPath) } : undefined,
      }
    : undefined;
  return {
    address: env.TEMPORAL_ADDRESS ?? '127.0.0.1:7233',
    namespace: env.TEMPORAL_NAMESPACE ?? 'default',
    taskQueue: env.DRILLBOOK_TASK_QUEUE ?? DEFAULT_TASK_QUEUE,
    tls,
    apiKey,
  };
}

/** The prebuilt workflow bundle of the code running (`npm run build`); DRILLBOOK_WORKFLOW_BUNDLE points elsewhere. */
export const workflowBundlePath = (env: NodeJS.ProcessEnv = process.env): string =>
  env.DRILLBOOK_WORKFLOW_BUNDLE ?? path.join(BUILD_DIR ?? path.join(PROJECT_ROOT, 'dist'), 'workflow-bundle.js');

export const plansDir = (env: NodeJS.ProcessEnv = process.env): string =>
  path.resolve(env.DRILLBOOK_PLANS_DIR ?? path.join(PROJECT_ROOT, 'plans'));
export const dataDir = (env: NodeJS.ProcessEnv = process.env): string =>
  path.resolve(env.DRILLBOOK_DATA_DIR ?? path.join(PROJECT_ROOT, 'data'));
