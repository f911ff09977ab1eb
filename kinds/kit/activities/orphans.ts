/**
 * Commands left running by a worker that died. Node cannot take a SIGKILLed worker's children with
 * it, so a command step may still run when Temporal gives the step to another worker. Each running
 * command's process group is recorded in a file on the host (keyed by the activity, the same for
 * every attempt of a step), so the next attempt finds it and waits for it to end before running
 * the command again, never beside itself. A recycled pid is told apart by the process's start time.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Context } from '@temporalio/activity';
import { heartbeat } from './heartbeat';

export interface RunningCommand {
  pid: number;
  /** The process's start time in clock ticks since boot (/proc/<pid>/stat field 22). */
  startTicks: string;
  argv: string[];
  host: string;
  worker: string;
  startedAt: string;
}

export const runDir = (env: NodeJS.ProcessEnv = process.env): string =>
  env.DRILLBOOK_RUN_DIR ?? path.join(os.tmpdir(), 'drillbook-run', 'commands');

/** The activity this command belongs to, the same for all its attempts; undefined outside an activity. */
export function commandKey(label: string): string | undefined {
  try {
    const { workflowExecution, activityId } = Context.current().info;
    if (!workflowExecution) return undefined;
    return createHash('sha256')
      .update(`${workflowExecution.workflowId}/${workflowExecution.runId}/${activityId}/${label}`)
      .digest('hex')
      .slice(0, 32);
  } catch {
    return undefined;
  }
}

export function processStartTicks(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: count fields after its last ')'.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

/** Alive and the same process: a pid reused by another process has another start time. */
export const isAlive = (entry: RunningCommand): boolean =>
  entry.host === os.hostname() && processStartTicks(entry.pid) === entry.startTicks;

const fileOf = (key: string, dir: string): string => path.join(dir, `${key}.json`);

export function recordRunning(key: string, entry: RunningCommand, dir = runDir()): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(fileOf(key, dir), JSON.stringify(entry));
}

export function forgetRunning(key: string, dir = runDir()): void {
  rmSync(fileOf(key, dir), { force: true });
}

export function readRunning(key: string, dir = runDir()): RunningCommand | undefined {
  try {
    return JSON.parse(readFileSync(fileOf(key, dir), 'utf8')) as RunningCommand;
  } catch {
    return undefined;
  }
}

/**
 * Before a command runs: if an earlier attempt of the same step left its command running on this
 * host, wait (heartbeating, bounded) until it ends, so the command never runs beside itself.
 * Returns a sentence for the step's facts, or undefined when there was nothing to wait for.
 */
export async function waitForOrphan(key: string, timeoutMs: number, dir = runDir()): Promise<string | undefined> {
  const entry = readRunning(key, dir);
  if (!entry) return undefined;
  if (!isAlive(entry)) {
    forgetRunning(key, dir);
    return undefined;
  }
  const started = Date.now();
  for (let poll = 0; poll < Math.ceil(timeoutMs / 250) + 1 && isAlive(entry); poll++) {
    if (Date.now() - started >= timeoutMs) break;
    heartbeat({ waitingForOrphan: entry.pid });
    await sleep(250);
  }
  const waited = ((Date.now() - started) / 1000).toFixed(1);
  if (isAlive(entry)) {
    // Past the step's own timeout: end it, as the timeout would have, and run afresh.
    try {
      process.kill(-entry.pid, 'SIGKILL');
    } catch {
      // Gone meanwhile.
    }
    forgetRunning(key, dir);
    return `found the previous attempt's process group ${entry.pid} (\`${entry.argv.join(' ')}\`, started by ${entry.worker}) still running after its worker died; it outlived the step's timeout after ${waited} s and was killed before the command ran again`;
  }
  forgetRunning(key, dir);
  return `found the previous attempt's process group ${entry.pid} (\`${entry.argv.join(' ')}\`, started by ${entry.worker}) still running after its worker died; waited ${waited} s for it to end before running the command again`;
}
