/**
 * Files on a site's host: the worker's own file system, or a host reached through the plan's `via`
 * prefix (`[ssh, misp-dc1]`). Remote operations are plain argv commands whose paths the plan schema
 * keeps free of shell characters, since ssh joins its arguments into one line for the remote shell.
 */
import { spawn } from 'node:child_process';
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import { guardClient } from './clients';

const COMMAND_TIMEOUT_MS = 20_000;

export interface HostFiles {
  /** Where the operations run, for sentences: "this worker" or "ssh misp-dc1". */
  where: string;
  exists(file: string): Promise<boolean>;
  isDirectory(dir: string): Promise<boolean>;
  isMountpoint(dir: string): Promise<boolean>;
  /** The file's text, or undefined when there is no such file. */
  read(file: string): Promise<string | undefined>;
  /** Writes through a temporary file and a rename, so a reader never sees half of it. */
  write(file: string, content: string): Promise<void>;
  move(from: string, to: string): Promise<void>;
  remove(file: string): Promise<void>;
  mkdirs(dir: string): Promise<void>;
}

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(argv: string[], stdin?: string): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0], argv.slice(1), { stdio: [stdin === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
    // A late 'error' (a kill that could not be delivered, a broken pipe) after the answer below is heard too.
    guardClient(child, { kind: 'command', endpoint: argv[0] }, child.stdin, child.stdout, child.stderr);
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), COMMAND_TIMEOUT_MS);
    child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr?.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString('utf8')).slice(-2000)));
    child.once('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(
        error.code === 'ENOENT'
          ? ApplicationFailure.nonRetryable(
              `cannot run "${argv[0]}" (not found on this worker): check the plan's via`,
              'CommandNotRunnable',
            )
          : error,
      );
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr: stderr.trim() });
    });
    if (stdin !== undefined && child.stdin) {
      // A command that exits without reading its input (it failed) closes the pipe: its exit code says why.
      child.stdin.end(stdin);
    }
  });
}

function remote(via: string[]): HostFiles {
  const where = via.join(' ');
  const exec = async (args: string[], stdin?: string): Promise<Run> => {
    const result = await run([...via, ...args], stdin);
    // ssh says 255 when it could not reach the host; a killed command (timeout) has no code.
    if (result.code === 255 || result.code === null) {
      throw ApplicationFailure.retryable(
        `${where}: \`${args.join(' ')}\` could not run on the host (${result.code === null ? 'timed out' : `exit 255: ${result.stderr}`})`,
        'HostUnreachable',
      );
    }
    return result;
  };
  const must = async (args: string[], stdin?: string): Promise<string> => {
    const result = await exec(args, stdin);
    if (result.code !== 0)
      throw ApplicationFailure.retryable(
        `${where}: \`${args.join(' ')}\` exited ${result.code}: ${result.stderr}`,
        'HostCommandFailed',
      );
    return result.stdout;
  };
  return {
    where,
    exists: async (file) => (await exec(['test', '-e', file])).code === 0,
    isDirectory: async (dir) => (await exec(['test', '-d', dir])).code === 0,
    isMountpoint: async (dir) => (await exec(['mountpoint', '-q', dir])).code === 0,
    async read(file) {
      if ((await exec(['test', '-f', file])).code !== 0) return undefined;
      return must(['cat', file]);
    },
    async write(file, content) {
      await must(['dd', `of=${file}.drillbook-tmp`, 'status=none'], content);
      await must(['mv', '-f', `${file}.drillbook-tmp`, file]);
    },
    move: async (from, to) => void (await must(['mv', '-f', from, to])),
    remove: async (file) => void (await must(['rm', '-f', file])),
    mkdirs: async (dir) => void (await must(['mkdir', '-p', dir])),
  };
}

const local: HostFiles = {
  where: 'this worker',
  exists: (file) =>
    stat(file).then(
      () => true,
      () => false,
    ),
  isDirectory: (dir) =>
    stat(dir).then(
      (s) => s.isDirectory(),
      () => false,
    ),
  isMountpoint: async (dir) => (await run(['mountpoint', '-q', dir])).code === 0,
  read: (file) =>
    readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) =>
      error.code === 'ENOENT' ? undefined : Promise.reject(error),
    ),
  async write(file, content) {
    const tmp = path.join(path.dirname(file), `.${path.basename(file)}.drillbook-tmp`);
    await writeFile(tmp, content);
    await rename(tmp, file);
  },
  move: (from, to) => rename(from, to),
  remove: (file) => rm(file, { force: true }),
  mkdirs: async (dir) => void (await mkdir(dir, { recursive: true })),
};

export const hostFiles = (via: string[] | undefined): HostFiles => (via?.length ? remote(via) : local);
