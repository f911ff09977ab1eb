/** The cluster's child processes: started with their log, stopped within a bound, awaited. */
import type { ChildProcess } from 'node:child_process';
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

export function exited(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
}

export const isRunning = (child: ChildProcess): boolean => child.exitCode === null && child.signalCode === null;

/**
 * Sends `signal` and waits for the exit; SIGKILL after `graceMs` when it has not gone by then (a
 * Temporal host hands its shards over on SIGTERM, which takes a few seconds).
 */
export async function stopProcess(child: ChildProcess, signal: NodeJS.Signals, graceMs = 20_000): Promise<void> {
  if (!isRunning(child)) return;
  child.kill(signal);
  if (signal === 'SIGKILL') return exited(child);
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited(child);
  clearTimeout(timer);
}

function connects(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host: '127.0.0.1' });
    socket.setTimeout(1000, () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Resolves when `port` takes connections; throws when `child` exits first or `timeoutMs` passes. */
export async function waitForPort(
  port: number,
  child: ChildProcess,
  timeoutMs: number,
  describe: () => string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const dead = exited(child);
  while (Date.now() < deadline) {
    if (!isRunning(child))
      throw new Error(`${describe()} exited (${child.exitCode ?? child.signalCode}) before it listened`);
    if (await connects(port)) return;
    // A Temporal host opens its gRPC port once it has joined the membership ring: nothing else to await.
    await Promise.race([sleep(200), dead]);
  }
  throw new Error(`${describe()} did not listen on 127.0.0.1:${port} within ${timeoutMs / 1000}s`);
}
