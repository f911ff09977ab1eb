/**
 * The Temporal servers the bench measures, behind one face: the CLI's dev server (one process,
 * SQLite; `--server drill|stock|no-eager|no-wal` its variants, `devserver` = drill) and the project's
 * cluster (src/temporal/cluster.ts: PostgreSQL, frontend, two history hosts, matching and the
 * internal worker as processes, mTLS). The bench connects to each with the settings a worker would
 * be given (TEMPORAL_* and TLS), so the figures compare the engines, not the clients.
 */
import path from 'node:path';
import { startCluster } from '../../src/temporal/cluster';
import { DRILL_DYNAMIC_CONFIG, startDevServer } from '../../src/temporal/server';
import { temporalSettings, type TemporalSettings } from '../../store/config';

export const DEV_SERVER_MODES = ['drill', 'stock', 'no-eager', 'no-wal'] as const;
export const ENGINES = [...DEV_SERVER_MODES, 'devserver', 'cluster'] as const;
export type EngineName = (typeof ENGINES)[number];

export interface BenchEngine {
  name: EngineName;
  /** What a Connection or NativeConnection is opened with (address, TLS). */
  settings: TemporalSettings;
  /** TEMPORAL_* for a worker process the bench starts. */
  env: Record<string, string>;
  stop(): Promise<void>;
}

function devServerConfig(mode: (typeof DEV_SERVER_MODES)[number]): Record<string, undefined> | undefined {
  if (mode === 'stock') return Object.fromEntries(Object.keys(DRILL_DYNAMIC_CONFIG).map((key) => [key, undefined]));
  if (mode === 'no-eager') return { 'system.enableActivityEagerExecution': undefined };
  return undefined;
}

/** Starts `name` with its files in `dir`, listening from `port` up (the cluster takes a band of ports). */
export async function startEngine(name: EngineName, dir: string, port: number): Promise<BenchEngine> {
  if (name === 'cluster') {
    const cluster = await startCluster({ dir: path.join(dir, 'cluster'), basePort: port });
    return { name, settings: cluster.settings(), env: cluster.env, stop: () => cluster.stop() };
  }
  const mode = name === 'devserver' ? 'drill' : name;
  const server = await startDevServer({
    port,
    headless: true,
    dynamicConfig: devServerConfig(mode),
    sqlitePragmas: mode === 'stock' || mode === 'no-wal' ? {} : undefined,
    dbFile: path.join(dir, `temporal-${mode}.db`),
    logFile: path.join(dir, `temporal-${mode}.log`),
  });
  const env = { TEMPORAL_ADDRESS: server.address };
  return { name, settings: temporalSettings(env), env, stop: () => server.stop() };
}
