/** The `command` driver: runs an argv (no shell unless the plan asks), checks its exit code, keeps its output. */
import { spawn } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import { cancellationSignal, whileHeartbeating } from './heartbeat';
import { guardClient } from './clients';
import { commandKey, forgetRunning, processStartTicks, recordRunning, waitForOrphan } from './orphans';
import { redact, resolveValues } from './secrets';
import { passWithin } from './within';
import type { Observation, StepInput } from './types';
import type { CommandDriver } from '../../../domain';

const OUTPUT_KEEP = 2000;
/** How much of stdout `expectOutput` is matched against: its end, where a tool prints its verdict. */
const MATCH_KEEP = 1 << 20;
const KILL_GRACE_MS = 3000;

export interface CommandResult {
  /** What happened to an earlier attempt's command that was still running (a worker died). */
  orphan?: string;
  exitCode: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
  /** Up to the last MiB of stdout, redacted, when the plan matches on it (expectOutput). */
  output?: string;
  durationMs: number;
  timedOut: boolean;
}

/** Keeps the tail of a stream: the end of a log says why it failed. */
class Tail {
  private text = '';
  constructor(private readonly keep = OUTPUT_KEEP * 2) {}
  push(chunk: Buffer): void {
    this.text = (this.text + chunk.toString('utf8')).slice(-this.keep);
  }
  whole(secrets: readonly string[]): string {
    return redact(this.text, secrets);
  }
  value(secrets: readonly string[]): string {
    const trimmed = redact(this.text, secrets).trim();
    return trimmed.length > OUTPUT_KEEP ? `…${trimmed.slice(-OUTPUT_KEEP)}` : trimmed;
  }
}

export async function runProcess(
  command: CommandDriver,
  options: { cwd: string; timeoutMs: number; where: string },
): Promise<CommandResult> {
  const { resolved: env, secrets } = await resolveValues(command.env, `${options.where}.env`);
  const [program, ...args] = command.shell ? ['/bin/sh', '-c', command.argv.join(' ')] : command.argv;
  // An earlier attempt's command still running (its worker was killed) ends before this one starts.
  const key = commandKey(options.where);
  const orphan = key ? await waitForOrphan(key, options.timeoutMs) : undefined;
  const started = Date.now();
  const child = spawn(program, args, {
    cwd: command.cwd ? path.resolve(options.cwd, command.cwd) : options.cwd,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group, so a timeout or cancellation stops the children it started too.
    detached: true,
  });
  // A child emits 'error' when it cannot start or be signalled, its pipes when they break: heard for its whole life.
  guardClient(child, { kind: 'command', endpoint: program, label: options.where }, child.stdout, child.stderr);
  const startTicks = child.pid ? processStartTicks(child.pid) : undefined;
  if (key && child.pid && startTicks) {
    recordRunning(key, {
      pid: child.pid,
      startTicks,
      argv: command.argv,
      host: os.hostname(),
      worker: `${os.hostname()}:${process.pid}`,
      startedAt: new Date(started).toISOString(),
    });
  }
  const stdout = new Tail();
  const stderr = new Tail();
  const matched = command.expectOutput === undefined ? undefined : new Tail(MATCH_KEEP);
  child.stdout.on('data', (chunk: Buffer) => {
    stdout.push(chunk);
    matched?.push(chunk);
  });
  child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));

  let timedOut = false;
  const killGroup = (signal: NodeJS.Signals): void => {
    try {
      if (child.pid) process.kill(-child.pid, signal);
    } catch {
      // Already gone.
    }
  };
  const stop = (): void => {
    killGroup('SIGTERM');
    setTimeout(() => killGroup('SIGKILL'), KILL_GRACE_MS).unref();
  };
  const timer = setTimeout(() => {
    timedOut = true;
    stop();
  }, options.timeoutMs);
  const cancelled = cancellationSignal();
  cancelled.addEventListener('abort', stop, { once: true });

  const exit = new Promise<{ code: number | null; signal: string | null }>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => resolve({ code, signal }));
  });
  try {
    const { code, signal } = await whileHeartbeating(exit, () => ({ runningMs: Date.now() - started }));
    const output = matched?.whole(secrets);
    return {
      exitCode: code,
      signal,
      stdout: stdout.value(secrets),
      stderr: stderr.value(secrets),
      ...(output === undefined ? {} : { output }),
      durationMs: Date.now() - started,
      timedOut,
      orphan,
    };
  } catch (error) {
    const errno = (error as NodeJS.ErrnoException).code;
    if (errno === 'ENOENT' || errno === 'EACCES') {
      throw ApplicationFailure.nonRetryable(
        `${options.where}: cannot run "${command.argv[0]}" (${errno}); check the plan's argv and the worker's PATH`,
        'CommandNotRunnable',
      );
    }
    throw error;
  } finally {
    clearTimeout(timer);
    cancelled.removeEventListener('abort', stop);
    if (key) forgetRunning(key);
  }
}

export function createCommandActivities(deps: { workdir: string }) {
  return {
    async runCommand(input: StepInput<'runCommand'>): Promise<Observation> {
      return passWithin(input.step.args.command.within, `\`${input.step.args.command.argv.join(' ')}\` to pass`, () =>
        runOnce(input, deps.workdir),
      );
    },
  };
}

async function runOnce(input: StepInput<'runCommand'>, workdir: string): Promise<Observation> {
  const { command } = input.step.args;
  const timeoutMs = command.timeout ?? input.step.timeoutMs;
  const result = await runProcess(command, { cwd: workdir, timeoutMs, where: input.step.id });
  const shown = command.argv.join(' ');
  const facts = {
    argv: command.argv,
    exitCode: result.exitCode,
    durationMs: result.durationMs,
    stdout: result.stdout,
    stderr: result.stderr,
    ...(result.orphan ? { orphan: result.orphan } : {}),
  };
  if (result.timedOut) {
    throw ApplicationFailure.retryable(
      `\`${shown}\` did not finish within ${Math.round(timeoutMs / 1000)}s and was stopped`,
      'CommandTimedOut',
      facts,
    );
  }
  if (result.exitCode === null || !command.expectExit.includes(result.exitCode)) {
    const why = result.exitCode === null ? `was killed by ${result.signal}` : `exited ${result.exitCode}`;
    const lastLine = (result.stderr || result.stdout).split('\n').pop();
    throw ApplicationFailure.retryable(`\`${shown}\` ${why}${lastLine ? `: ${lastLine}` : ''}`, 'CommandFailed', facts);
  }
  // Multiline: ^ and $ match at every line, as a person reading the output expects.
  if (command.expectOutput !== undefined && !new RegExp(command.expectOutput, 'm').test(result.output ?? '')) {
    const lastLine = result.stdout.split('\n').pop();
    throw ApplicationFailure.retryable(
      `\`${shown}\` exited ${result.exitCode} but its output does not match /${command.expectOutput}/${lastLine ? `; it ended "${lastLine}"` : '; it printed nothing'}`,
      'CommandFailed',
      facts,
    );
  }
  return {
    summary: `\`${shown}\` exited ${result.exitCode} after ${(result.durationMs / 1000).toFixed(1)}s${result.orphan ? `; it ${result.orphan}` : ''}`,
    facts,
  };
}
