/**
 * The registry of running commands that lets the next attempt of a step find a command its dead
 * worker left running: a live process group is waited for, a dead one's leftover file is ignored,
 * and a pid the kernel gave to another process is not mistaken for the orphan. Real processes.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  isAlive,
  processStartTicks,
  readRunning,
  recordRunning,
  waitForOrphan,
  type RunningCommand,
} from '../../kinds/kit/activities/orphans';

const dir = mkdtempSync(path.join(os.tmpdir(), 'drillbook-orphans-'));

function entryFor(pid: number, overrides: Partial<RunningCommand> = {}): RunningCommand {
  return {
    pid,
    startTicks: processStartTicks(pid) as string,
    argv: ['sleep', '2'],
    host: os.hostname(),
    worker: 'test:1',
    startedAt: new Date().toISOString(),
    ...overrides,
  };
}

describe('commands left running by a dead worker', () => {
  it('waits for a live process group to end before the command may run again, and says so', async () => {
    const child = spawn('sleep', ['1.5'], { detached: true, stdio: 'ignore' });
    const entry = entryFor(child.pid as number);
    recordRunning('live', entry, dir);
    expect(isAlive(entry)).toBe(true);
    const started = Date.now();
    const note = await waitForOrphan('live', 30_000, dir);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    expect(child.exitCode === null ? await new Promise((resolve) => child.once('exit', resolve)) : child.exitCode).toBe(
      0,
    );
    expect(note).toMatch(
      /^found the previous attempt's process group \d+ \(`sleep 2`, started by test:1\) still running after its worker died; waited \d\.\d s/,
    );
    expect(readRunning('live', dir)).toBeUndefined();
  });

  it('ignores the leftover file of a process that is gone', async () => {
    const child = spawn('true', [], { stdio: 'ignore' });
    const entry = entryFor(child.pid as number);
    await new Promise((resolve) => child.once('exit', resolve));
    recordRunning('gone', { ...entry, startTicks: entry.startTicks ?? '1' }, dir);
    expect(await waitForOrphan('gone', 30_000, dir)).toBeUndefined();
    expect(readRunning('gone', dir)).toBeUndefined();
  });

  it('does not mistake another process that got the same pid for the orphan', async () => {
    const entry = entryFor(process.pid, { startTicks: '1' }); // this process, but not started at boot tick 1
    recordRunning('recycled', entry, dir);
    expect(isAlive(entry)).toBe(false);
    const started = Date.now();
    expect(await waitForOrphan('recycled', 30_000, dir)).toBeUndefined();
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('ends an orphan that outlives the step timeout before the command runs afresh', async () => {
    const child = spawn('sleep', ['30'], { detached: true, stdio: 'ignore' });
    recordRunning('stuck', entryFor(child.pid as number), dir);
    const exited = new Promise((resolve) => child.once('exit', (_code, signal) => resolve(signal)));
    const note = await waitForOrphan('stuck', 1000, dir);
    expect(note).toMatch(/outlived the step's timeout after \d\.\d s and was killed/);
    expect(await exited).toBe('SIGKILL');
  });
});
