/** Real processes for durability tests: a worker we can kill, a dev server we can restart. */
import { spawn, type ChildProcess } from 'node:child_process';
import { openSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ROOT } from './standinLab';

export interface WorkerProcess {
  child: ChildProcess;
  /** Where its stdout and stderr go. */
  log: string;
  /** A real SIGKILL of the worker: no shutdown, no goodbye to the server. */
  kill(): Promise<void>;
  stop(): Promise<void>;
  /**
   * The worker's "drillbook worker on …" line, once it has connected, started polling and checked its
   * version (the line says whether it made itself current). Throws with the log when it exits first.
   */
  ready(withinMs?: number): Promise<string>;
  /** The first line of its log matching `pattern`, once it is written; throws with the log when the process exits first. */
  line(pattern: RegExp, withinMs: number): Promise<string>;
}

const READY_LINE = /^drillbook worker on /;

function exited(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
}

/**
 * A `drillbook worker` process of the project's dist/, or of another built tree (`root`: another
 * folder's build, a previous release). An env value of undefined removes that variable.
 */
export function spawnWorker(
  taskQueue: string,
  logDir: string,
  env: NodeJS.ProcessEnv = {},
  root = ROOT,
  args: string[] = [],
): WorkerProcess {
  const logFile = path.join(logDir, `worker-${Date.now()}-${Math.random().toString(16).slice(2, 6)}.log`);
  const log = openSync(logFile, 'a');
  const child = spawn(process.execPath, [path.join(root, 'dist', 'src', 'cli.js'), 'worker', ...args], {
    // Each test queue is its own Worker Deployment; the first worker process makes its version current.
    env: { ...process.env, DRILLBOOK_TASK_QUEUE: taskQueue, DRILLBOOK_DEPLOYMENT: taskQueue, ...env },
    stdio: ['ignore', log, log],
  });
  return {
    child,
    log: logFile,
    async kill() {
      child.kill('SIGKILL');
      await exited(child);
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited(child);
      clearTimeout(timer);
    },
    async line(pattern, withinMs) {
      const deadline = Date.now() + withinMs;
      while (Date.now() < deadline) {
        const said = readFileSync(logFile, 'utf8');
        const found = said.split('\n').find((l) => pattern.test(l));
        if (found) return found;
        if (child.exitCode !== null || child.signalCode !== null)
          throw new Error(`worker exited (${child.exitCode ?? child.signalCode}) before it wrote ${pattern}:\n${said}`);
        await sleep(250); // the worker writes its log as it goes; nothing to await but the file
      }
      throw new Error(
        `no line matching ${pattern} in ${logFile} within ${withinMs} ms:\n${readFileSync(logFile, 'utf8')}`,
      );
    },
    ready(withinMs = 120_000) {
      return this.line(READY_LINE, withinMs);
    },
  };
}
