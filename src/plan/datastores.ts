/**
 * Plan schemas of the data tier: `mysql` (MySQL 8 / MariaDB master-master pair), `postgres`
 * (primary + streaming standby) and `opensearch` (a cluster with one node per site). Each names
 * per-site endpoints, the drill account (its password as a secret reference, never a value) and
 * optional process drivers (commands a real site runs with systemctl/ssh, the lab with lab.sh).
 */
import { z } from 'zod';
import { driver, duration, secretRef, stepTuning } from './fields';
import { httpUrl } from './url';


const host = z.string().min(1).default('127.0.0.1');
const port = z.number({ error: 'expected a number' }).int().min(1).max(65535);

/** Process drivers every data-tier site may have; all optional. */
const processDrivers = {
  stop: driver.optional(),
  start: driver.optional(),
  reboot: driver.optional(),
};

// ---- mysql ------------------------------------------------------------------------------------

const mysqlSite = z.strictObject({ host, port, ...processDrivers });

export const mysqlComponent = z.strictObject({
  kind: z.literal('mysql'),
  tier: z.literal('database').default('database'),
  description: z.string().optional(),
  ...stepTuning,
  /** Both sides replicate from each other; the writer moves by read_only. */
  topology: z.literal('master-master').default('master-master'),
  user: z.string().min(1),
  password: secretRef,
  /** Database for the drill's canary table (created when missing). */
  canaryDatabase: z.string().regex(/^[A-Za-z0-9_]{1,64}$/, 'expected a database name of letters, digits and _').default('drillbook'),
  /** Longest wait for the candidate to apply everything the old writer wrote (planned switchover). */
  catchUpTimeout: duration.default(60_000),
  /** Accounts whose sessions are killed when the old writer is fenced (app accounts). */
  killSessionsOf: z.array(z.string().min(1)).default([]),
  primary: mysqlSite,
  secondary: mysqlSite,
});

// ---- postgres ---------------------------------------------------------------------------------

const postgresSite = z.strictObject({
  host,
  port,
  ...processDrivers,
  /** Makes this site's node a standby of the other site's primary (the lab: lab.sh rewind postgres SITE). */
  rewind: driver.optional(),
});

export const postgresComponent = z.strictObject({
  kind: z.literal('postgres'),
  tier: z.literal('database').default('database'),
  description: z.string().optional(),
  ...stepTuning,
  user: z.string().min(1),
  password: secretRef,
  /** Database the drill connects to and keeps its canary table in. */
  database: z.string().min(1).default('postgres'),
  catchUpTimeout: duration.default(60_000),
  primary: postgresSite,
  secondary: postgresSite,
});

// ---- opensearch -------------------------------------------------------------------------------

const opensearchSite = z.strictObject({
  url: httpUrl('http://search-ams1:9200'),
  /** The node's name (node.name), used to drain it before a stop. */
  node: z.string().min(1),
  ...processDrivers,
});

export const opensearchComponent = z.strictObject({
  kind: z.literal('opensearch'),
  tier: z.literal('search').default('search'),
  /** One cluster with a node per site (the default); `cluster-per-site` is src/plan/opensearchSites.ts. */
  topology: z.literal('one-cluster').optional(),
  description: z.string().optional(),
  ...stepTuning,
  username: z.string().min(1).optional(),
  password: secretRef.optional(),
  /** Worst cluster status a health check accepts (one node down leaves replicas unassigned: yellow). */
  minStatus: z.enum(['green', 'yellow']).default('yellow'),
  snapshot: z
    .strictObject({
      repository: z.string().min(1),
      /** A successful snapshot must have ended within this window. */
      maxAge: duration.default(24 * 3_600_000),
      /** Take one during preparation: always, only when none is recent enough, or never. */
      take: z.enum(['always', 'if-missing', 'never']).default('never'),
      indices: z.string().optional(),
    })
    .optional(),
  canaryIndex: z.string().regex(/^[a-z0-9][a-z0-9._-]*$/, 'expected a lower-case index name').default('drillbook-canary'),
  primary: opensearchSite,
  secondary: opensearchSite,
});
