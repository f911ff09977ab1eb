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

/**
 * `opensearch` is a cluster per site with its snapshot schedule (the lab's search tier);
 * `opensearch-cluster` one cluster with a node per site on the same ports (the one-cluster topology).
 */
export type LabServer = 'mariadb' | 'postgres' | 'opensearch' | 'opensearch-cluster' | 'app';

export interface DataLab {
  dir: string;
  offset: number;
  env: NodeJS.ProcessEnv;
  ports: {
    mariadb: Record<SiteRole, number>;
    postgres: Record<SiteRole, number>;
    opensearch: Record<SiteRole, number>;
    app: Record<SiteRole, number>;
  };
  secret(name: string): SecretRef;
  /** Runs lab.sh with this lab's dir and offset; returns stdout (throws with stderr on failure). */
  lab(...args: string[]): Promise<string>;
  /** The argv a plan would name to run lab.sh for this lab (env carried by `env`). */
  argv(...args: string[]): string[];
  destroy(): Promise<void>;
}

/** The lab's ports from its offset, or from a block of ten consecutive ones (scripts/lab/common.sh). */
function labPorts(place: LabPlace): DataLab['ports'] {
  if (typeof place === 'number') {
    const o = place;
    return {
      mariadb: { primary: 3316 + o, secondary: 3326 + o },
      postgres: { primary: 5433 + o, secondary: 5434 + o },
      opensearch: { primary: 9200 + o, secondary: 9201 + o },
      app: { primary: 18081 + o, secondary: 18082 + o },
    };
  }
  const b = place.block;
  return {
    mariadb: { primary: b, secondary: b + 1 },
    postgres: { primary: b + 2, secondary: b + 3 },
    opensearch: { primary: b + 4, secondary: b + 5 },
    app: { primary: b + 8, secondary: b + 9 },
  };
}

/** A port offset (a multiple of 1000, at most 23000), or `{ block }`: ten consecutive ports from `block`. */
export type LabPlace = number | { block: number };

/** Starts `servers` in a fresh lab dir with its own ports; `extraEnv` tunes the lab scripts (e.g. the snapshot interval). */
export async function startDataLab(
  place: LabPlace,
  servers: LabServer[],
  extraEnv: Record<string, string> = {},
): Promise<DataLab> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'drillbook-datalab-'));
  // mkdtemp makes the folder 700; the mysql, postgres and OpenSearch users must reach inside.
  chmodSync(dir, 0o755);
  const offset = typeof place === 'number' ? place : 0;
  const where: Record<string, string> =
    typeof place === 'number'
      ? { DRILLBOOK_LAB_PORT_OFFSET: String(offset) }
      : { DRILLBOOK_LAB_PORT_OFFSET: '0', DRILLBOOK_LAB_PORT_BLOCK: String(place.block) };
  const env = {
    ...process.env,
    DRILLBOOK_LAB_DIR: dir,
    ...where,
    ...extraEnv,
    DRILLBOOK_LAB_TIMEOUT: '120',
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
    ports: labPorts(place),
    secret: (name) => ({ file: path.join(dir, 'secrets', `${name}.password`) }),
    lab,
    argv: (...args) => [
      'env',
      `DRILLBOOK_LAB_DIR=${dir}`,
      ...Object.entries({ ...where, ...extraEnv }).map(([k, v]) => `${k}=${v}`),
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
export function dataLabPairs(lab: {
  ports: Pick<DataLab['ports'], 'mariadb' | 'postgres'>;
  secret: DataLab['secret'];
}): WatchedPair[] {
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
