/**
 * Real lab servers for data-tier tests (scripts/lab/lab.sh): each test file gets its own lab dir
 * and port offset, so tests run beside each other and beside a demo lab, and are torn down after.
 * Needs scripts/install-lab-deps.sh to have run (root, MariaDB, PostgreSQL 15, OpenSearch in tools/).
 */
import { execFile } from 'node:child_process';
import { chmodSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { ActionArgs, SecretRef, SiteRole, StepInput, SwitchArgs } from '../../domain';
import type { MysqlAction, MysqlArgs } from '../../kinds/mysql/actions';
import type { OpensearchAction, OpensearchArgs } from '../../kinds/opensearch/actions';
import type { PostgresAction, PostgresArgs } from '../../kinds/postgres/actions';
import { activityStepInput } from './activityCalls';
import type { WatchedPair } from '../../lab/siteLoss/writerWatch';

const run = promisify(execFile);
export const ROOT = path.resolve(__dirname, '../..');
export const LAB_SH = path.join(ROOT, 'scripts', 'lab', 'lab.sh');

export type LabServer = 'mariadb' | 'postgres' | 'opensearch';

export interface DataLab {
  dir: string;
  offset: number;
  env: NodeJS.ProcessEnv;
  ports: {
    mariadb: Record<SiteRole, number>;
    postgres: Record<SiteRole, number>;
    opensearch: Record<SiteRole, number>;
  };
  secret(name: string): SecretRef;
  /** Runs lab.sh with this lab's dir and offset; returns stdout (throws with stderr on failure). */
  lab(...args: string[]): Promise<string>;
  /** The argv a plan would name to run lab.sh for this lab (env carried by `env`). */
  argv(...args: string[]): string[];
  destroy(): Promise<void>;
}

/** Starts `servers` in a fresh lab dir with its own port offset (a multiple of 1000, at most 23000). */
export async function startDataLab(
  offset: number,
  servers: LabServer[],
  extraEnv: NodeJS.ProcessEnv = {},
): Promise<DataLab> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'drillbook-datalab-'));
  // mkdtemp makes the folder 700; the mysql, postgres and OpenSearch users must reach inside.
  chmodSync(dir, 0o755);
  const env = {
    ...process.env,
    DRILLBOOK_LAB_DIR: dir,
    DRILLBOOK_LAB_PORT_OFFSET: String(offset),
    DRILLBOOK_LAB_TIMEOUT: '120',
    ...extraEnv,
  };
  const lab = async (...args: string[]) => {
    try {
      const { stdout } = await run('bash', [LAB_SH, ...args], { env, timeout: 300_000, maxBuffer: 4 << 20 });
      return stdout;
    } catch (error) {
      const e = error as { stdout?: string; stderr?: string; message: string };
      throw new Error(`lab.sh ${args.join(' ')} failed: ${e.message}\n${e.stdout ?? ''}\n${e.stderr ?? ''}`, {
        cause: error,
      });
    }
  };
  const handle: DataLab = {
    dir,
    offset,
    env,
    ports: {
      mariadb: { primary: 3316 + offset, secondary: 3326 + offset },
      postgres: { primary: 5433 + offset, secondary: 5434 + offset },
      opensearch: { primary: 9200 + offset, secondary: 9201 + offset },
    },
    secret: (name) => ({ file: path.join(dir, 'secrets', `${name}.password`) }),
    lab,
    argv: (...args) => [
      'env',
      `DRILLBOOK_LAB_DIR=${dir}`,
      `DRILLBOOK_LAB_PORT_OFFSET=${offset}`,
      'bash',
      LAB_SH,
      ...args,
    ],
    destroy: async () => {
      await lab('destroy').catch(() => undefined);
    },
  };
  try {
    for (const server of servers) await lab('up', server);
  } catch (error) {
    await handle.destroy();
    throw error;
  }
  return handle;
}

/** The lab's replicated pairs as the writer watch asks them (its monitoring user, drill). */
export function dataLabPairs(lab: Pick<DataLab, 'ports' | 'secret'>): WatchedPair[] {
  return [
    {
      name: 'mariadb',
      kind: 'mariadb',
      ports: lab.ports.mariadb,
      passwordFile: lab.secret('mysql-drill').file as string,
    },
    {
      name: 'postgres',
      kind: 'postgres',
      ports: lab.ports.postgres,
      passwordFile: lab.secret('pg-drill').file as string,
    },
  ];
}

const SITE_NAMES = { primary: 'dc1', secondary: 'dc2' };

export function switchArgs(component: string, over: Partial<SwitchArgs> = {}): SwitchArgs {
  return {
    siteNames: SITE_NAMES,
    from: 'primary',
    to: 'secondary',
    planned: true,
    rpoMs: 60_000,
    canary: 'failover',
    component,
    ...over,
  };
}

export function mysqlArgs(lab: DataLab, over: Partial<MysqlArgs> = {}): MysqlArgs {
  return {
    ...switchArgs('tip-db'),
    sites: {
      primary: { host: '127.0.0.1', port: lab.ports.mariadb.primary },
      secondary: { host: '127.0.0.1', port: lab.ports.mariadb.secondary },
    },
    user: 'drill',
    password: lab.secret('mysql-drill'),
    canaryDatabase: 'drillbook',
    catchUpTimeoutMs: 20_000,
    killSessionsOf: ['app'],
    ...over,
  };
}

export function postgresArgs(lab: DataLab, over: Partial<PostgresArgs> = {}): PostgresArgs {
  return {
    ...switchArgs('tip-pg'),
    sites: {
      primary: { host: '127.0.0.1', port: lab.ports.postgres.primary },
      secondary: { host: '127.0.0.1', port: lab.ports.postgres.secondary },
    },
    user: 'drill',
    password: lab.secret('pg-drill'),
    database: 'postgres',
    catchUpTimeoutMs: 20_000,
    ...over,
  };
}

export function opensearchArgs(lab: DataLab, over: Partial<OpensearchArgs> = {}): OpensearchArgs {
  return {
    ...switchArgs('tip-search'),
    sites: {
      primary: { url: `http://127.0.0.1:${lab.ports.opensearch.primary}`, node: 'os-primary' },
      secondary: { url: `http://127.0.0.1:${lab.ports.opensearch.secondary}`, node: 'os-secondary' },
    },
    minStatus: 'yellow',
    canaryIndex: 'drillbook-canary',
    waitMs: 60_000,
    ...over,
  };
}

/** A StepInput as the workflow would send it, for this lab's target. */
export const stepInput = <A extends MysqlAction | PostgresAction | OpensearchAction>(
  drillId: string,
  action: A,
  args: ActionArgs[A],
  site?: SiteRole,
): StepInput<A> => activityStepInput('lab', drillId, action, args, site);

export { expectFailure } from './activityCalls';
