/**
 * The cluster's own PostgreSQL (Debian's binaries): initdb into the cluster's folder once, then the
 * server on 127.0.0.1 at its own port, password (scram) over TCP only. Run as the `postgres` OS user
 * when we are root (PostgreSQL refuses root), through `setpriv`, which execs: the process we hold is
 * the postmaster itself, so a kill reaches it.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { Client as PgClient } from 'pg';
import { exited, stopProcess } from './processes';

const run = promisify(execFile);
export const DATABASE_USER = 'temporal';

/** Debian's PostgreSQL binaries: $DRILLBOOK_PG_BIN, else the newest /usr/lib/postgresql/<major>/bin. */
export function postgresBinDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.DRILLBOOK_PG_BIN) return env.DRILLBOOK_PG_BIN;
  const root = '/usr/lib/postgresql';
  const majors = existsSync(root)
    ? readdirSync(root)
        .filter((m) => /^\d+$/.test(m) && existsSync(path.join(root, m, 'bin', 'postgres')))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  if (majors.length === 0)
    throw new Error(
      'no PostgreSQL server binaries in /usr/lib/postgresql/<major>/bin (apt-get install postgresql), or set DRILLBOOK_PG_BIN',
    );
  return path.join(root, majors[0], 'bin');
}

interface OsUser {
  uid: number;
  gid: number;
}

/** The `postgres` OS user when we are root, else none (we run it as ourselves). */
async function serviceUser(): Promise<OsUser | undefined> {
  if (process.getuid?.() !== 0) return undefined;
  const id = async (flag: string) => Number((await run('id', [flag, 'postgres'])).stdout.trim());
  try {
    return { uid: await id('-u'), gid: await id('-g') };
  } catch {
    throw new Error('running as root, PostgreSQL needs the `postgres` OS user (apt-get install postgresql makes it)');
  }
}

/** `command args` as the service user: setpriv execs, so the child is the command itself. */
function asUser(user: OsUser | undefined, command: string, args: string[]): [string, string[]] {
  if (!user) return [command, args];
  return ['setpriv', [`--reuid=${user.uid}`, `--regid=${user.gid}`, '--init-groups', '--', command, ...args]];
}

export interface ClusterDatabase {
  port: number;
  user: string;
  password: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

/** Every folder from `dir` up must be traversable by the service user (mkdtemp makes 0700 folders). */
function checkReachable(dir: string, user: OsUser | undefined): void {
  if (!user) return;
  for (let at = path.resolve(dir); at !== path.dirname(at); at = path.dirname(at)) {
    if ((statSync(at).mode & 0o001) === 0)
      throw new Error(
        `the postgres OS user cannot reach ${dir}: ${at} is not traversable by others (chmod o+x, or put the cluster's folder under /tmp or /var/tmp)`,
      );
  }
}

/** Starts (initialising once) the database in `dir`; resolves when it answers on 127.0.0.1:`port`. */
export async function startClusterDatabase(options: { dir: string; port: number }): Promise<ClusterDatabase> {
  const bin = postgresBinDir();
  const user = await serviceUser();
  const home = path.join(options.dir, 'postgres');
  const data = path.join(home, 'data');
  const sockets = path.join(home, 'run');
  const passwordFile = path.join(options.dir, 'postgres-password');
  mkdirSync(sockets, { recursive: true });
  if (user) {
    // The cluster's folder: readable by the service user on the way to its own; the rest stays ours.
    chmodSync(options.dir, 0o711);
    chownSync(home, user.uid, user.gid);
    chownSync(sockets, user.uid, user.gid);
    checkReachable(home, user);
  }
  if (!existsSync(path.join(data, 'PG_VERSION'))) {
    const password = randomBytes(18).toString('base64url');
    writeFileSync(passwordFile, password, { mode: 0o600 });
    // initdb reads the superuser's password from a file the service user can read; removed right after.
    const pwfile = path.join(home, 'initdb-password');
    writeFileSync(pwfile, password, { mode: 0o600 });
    if (user) chownSync(pwfile, user.uid, user.gid);
    const [command, args] = asUser(user, path.join(bin, 'initdb'), [
      '-D',
      data,
      '-U',
      DATABASE_USER,
      `--pwfile=${pwfile}`,
      '--auth-local=scram-sha-256',
      '--auth-host=scram-sha-256',
      '--encoding=UTF8',
      '--locale=C',
    ]);
    try {
      await run(command, args, { timeout: 120_000 });
    } catch (error) {
      throw new Error(
        `initdb failed in ${data}: ${(error as { stderr?: string }).stderr ?? (error as Error).message}`,
        {
          cause: error,
        },
      );
    } finally {
      rmSync(pwfile, { force: true });
    }
    writeFileSync(
      path.join(data, 'pg_hba.conf'),
      '# the Temporal cluster of Drillbook: its services over TCP on loopback, with a password\nhost all all 127.0.0.1/32 scram-sha-256\n',
    );
  }
  const password = readFileSync(passwordFile, 'utf8').trim();
  const log = openSync(path.join(options.dir, 'logs', 'postgres.log'), 'a');
  // Settings on the command line, so the data folder keeps initdb's files untouched.
  const [command, args] = asUser(user, path.join(bin, 'postgres'), [
    '-D',
    data,
    '-p',
    String(options.port),
    '-k',
    sockets,
    '-c',
    'listen_addresses=127.0.0.1',
    // Five Temporal processes with two pools each (serverConfig.ts: 10 + 4 connections), and the schema tool.
    '-c',
    'max_connections=120',
    '-c',
    'shared_buffers=64MB',
  ]);
  const child = spawn(command, args, { stdio: ['ignore', log, log] });
  try {
    await waitForDatabase(options.port, password, child, 60_000);
  } catch (error) {
    await stopProcess(child, 'SIGKILL');
    throw error;
  }
  return {
    port: options.port,
    user: DATABASE_USER,
    password,
    process: child,
    // SIGINT: PostgreSQL's fast shutdown (disconnects its clients, writes a checkpoint).
    stop: () => stopProcess(child, 'SIGINT', 30_000),
  };
}

/** Polls until PostgreSQL takes a login; bounded by time and by the process's death. */
async function waitForDatabase(port: number, password: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  const dead = exited(child).then(() => true);
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null)
      throw new Error(`PostgreSQL exited (${child.exitCode ?? child.signalCode}) before it took connections`);
    const client = new PgClient({
      host: '127.0.0.1',
      port,
      user: DATABASE_USER,
      password,
      database: 'postgres',
      connectionTimeoutMillis: 2000,
    });
    client.on('error', () => undefined); // a server going away mid-probe is this loop's business
    try {
      await client.connect();
      await client.query('SELECT 1');
      return;
    } catch (error) {
      lastError = error;
    } finally {
      await client.end().catch(() => undefined);
    }
    // Starting up takes a second or two; PostgreSQL has nothing to await but a connection.
    await Promise.race([sleep(200), dead]);
  }
  throw new Error(
    `PostgreSQL on 127.0.0.1:${port} took no login within ${timeoutMs / 1000}s: ${(lastError as Error)?.message}`,
  );
}
