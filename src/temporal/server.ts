/**
 * The local Temporal dev server (`temporal server start-dev`) with a SQLite file, so drills
 * survive a server restart, and Drillbook's search attributes registered.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, openSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Connection } from '@temporalio/client';
import { PROJECT_ROOT } from '../../store/config';
import { ensureSearchAttributes } from './searchAttributes';

/** `$TEMPORAL_CLI`, `temporal` on PATH, tools/temporal; installs into tools/ when none is found. */
export function findTemporalCli(options: { install?: boolean } = {}): string {
  const candidates = [process.env.TEMPORAL_CLI, path.join(PROJECT_ROOT, 'tools', 'temporal')].filter((c): c is string =>
    Boolean(c),
  );
  for (const candidate of candidates) if (existsSync(candidate)) return candidate;
  try {
    return execFileSync('sh', ['-c', 'command -v temporal'], { encoding: 'utf8' }).trim();
  } catch {
    // Not on PATH.
  }
  if (options.install === false)
    throw new Error('no Temporal CLI: set TEMPORAL_CLI, put `temporal` on PATH, or run scripts/install-temporal.sh');
  const output = execFileSync('bash', [path.join(PROJECT_ROOT, 'scripts', 'install-temporal.sh')], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return output.trim().split('\n').pop() as string;
}

/**
 * Server settings that take most of the orchestration time out of a drill's steps (measured with
 * `npm run bench -- --json`, see README "What a step costs"):
 * - history.transferProcessorMaxPollRPS: the history service hands every new workflow and activity
 *   task to matching through its transfer queue, whose reader polls at most 20 times a second by
 *   default; a task waited a median ~30 ms there, twice per step (the dev server has one shard).
 * - history.timerProcessorMaxPollRPS: the same for timers (retry backoffs, the sticky queue's
 *   schedule-to-start timeout that hands a dead worker's drill to another, gate reminders).
 * - system.enableActivityEagerExecution: the worker that completes a workflow task gets the activity
 *   it scheduled in the answer, instead of through the transfer queue and matching.
 * A production cluster wants the same three (its dynamic config file).
 */
export const DRILL_DYNAMIC_CONFIG: Readonly<Record<string, string | number | boolean>> = {
  'history.transferProcessorMaxPollRPS': 1000,
  'history.timerProcessorMaxPollRPS': 1000,
  'system.enableActivityEagerExecution': true,
};

/**
 * The SQLite file in write-ahead-log mode, synced at checkpoints rather than at every commit: a
 * workflow task's completion costs ~2-3 ms instead of ~6. Still durable when the server or the
 * machine's processes crash (the durability tests kill and restart it); only a power loss may lose
 * the last transactions, never corrupt the file. A production cluster has its own database.
 */
export const DRILL_SQLITE_PRAGMAS: Readonly<Record<string, string>> = { journal_mode: 'wal', synchronous: 'normal' };

export interface DevServerOptions {
  port: number;
  uiPort?: number;
  headless?: boolean;
  dbFile: string;
  /** Where the server's own log goes; inherits the terminal when absent. */
  logFile?: string;
  namespace?: string;
  /** The HTTP API and metrics ports (random free ones when absent), for runs kept to a port range. */
  httpPort?: number;
  metricsPort?: number;
  /** Dynamic config values on top of (or, set to undefined, instead of) DRILL_DYNAMIC_CONFIG. */
  dynamicConfig?: Record<string, string | number | boolean | undefined>;
  /** SQLite pragmas for the file; DRILL_SQLITE_PRAGMAS when absent. */
  sqlitePragmas?: Record<string, string>;
}

export interface DevServer {
  address: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

export function isPortOpen(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

export async function startDevServer(options: DevServerOptions): Promise<DevServer> {
  if (await isPortOpen(options.port))
    throw new Error(`port ${options.port} is already in use; is a Temporal server already running there?`);
  mkdirSync(path.dirname(options.dbFile), { recursive: true });
  const args = [
    'server',
    'start-dev',
    '--ip',
    '127.0.0.1',
    '--port',
    String(options.port),
    '--db-filename',
    options.dbFile,
    '--log-level',
    'warn',
  ];
  for (const [key, value] of Object.entries({ ...DRILL_DYNAMIC_CONFIG, ...options.dynamicConfig })) {
    if (value !== undefined) args.push('--dynamic-config-value', `${key}=${JSON.stringify(value)}`);
  }
  for (const [pragma, value] of Object.entries(options.sqlitePragmas ?? DRILL_SQLITE_PRAGMAS))
    args.push('--sqlite-pragma', `${pragma}=${value}`);
  if (options.httpPort) args.push('--http-port', String(options.httpPort));
  if (options.metricsPort) args.push('--metrics-port', String(options.metricsPort));
  if (options.headless) args.push('--headless');
  else args.push('--ui-port', String(options.uiPort ?? options.port + 1000));
  const output = options.logFile ? openSync(options.logFile, 'a') : 'inherit';
  const child = spawn(findTemporalCli(), args, { stdio: ['ignore', output, output] });
  const address = `127.0.0.1:${options.port}`;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    await waitForServer(address, child, 60_000);
    const connection = await Connection.connect({ address });
    await ensureSearchAttributes(connection, options.namespace ?? 'default').finally(() => connection.close());
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  return {
    address,
    process: child,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Polls until the frontend answers; bounded by time and by the child's death. */
export async function waitForServer(
  address: string,
  child: ChildProcess | undefined,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    if (child && child.exitCode !== null)
      throw new Error(`the Temporal dev server exited with code ${child.exitCode} before it was ready`);
    try {
      const connection = await Connection.connect({ address, connectTimeout: '2s' });
      try {
        await connection.workflowService.getSystemInfo({});
        return;
      } finally {
        await connection.close();
      }
    } catch (error) {
      lastError = error;
      await sleep(250);
    }
  }
  throw new Error(
    `the Temporal server at ${address} did not answer within ${timeoutMs / 1000}s: ${(lastError as Error)?.message}`,
  );
}
