/**
 * Step arguments of the data-tier activities (mysql*, postgres*, opensearch*), written by the
 * recipes and read by the activities. JSON only; secrets only as references.
 */
import type { CommandDriver, SecretRef } from '../plan';
import type { SiteRole } from '../sites';

export const MYSQL_ACTIONS = ['mysqlHealth', 'mysqlPreflight', 'mysqlGuard', 'mysqlFence', 'mysqlPromote', 'mysqlVerify'] as const;
export const POSTGRES_ACTIONS = ['postgresHealth', 'postgresPreflight', 'postgresGuard', 'postgresPromote', 'postgresReprotect', 'postgresVerify'] as const;
export const OPENSEARCH_ACTIONS = ['opensearchHealth', 'opensearchSnapshot', 'opensearchDrain', 'opensearchUndrain', 'opensearchGuard', 'opensearchVerify'] as const;

export type MysqlAction = (typeof MYSQL_ACTIONS)[number];
export type PostgresAction = (typeof POSTGRES_ACTIONS)[number];
export type OpensearchAction = (typeof OPENSEARCH_ACTIONS)[number];

/** What every data-tier step knows about the switch it belongs to. */
export type SwitchArgs = {
  /** Site names for the sentences the report shows ("dc2-db"). */
  siteNames: Record<SiteRole, string>;
  /** The switch this step belongs to: from the side that writes now to the side that will. */
  from: SiteRole;
  to: SiteRole;
  /** A planned switchover (drill, failback) or a real outage (failover mode). */
  planned: boolean;
  /** The plan's RPO objective: a planned switch refuses to start with more lag than this. */
  rpoMs?: number;
  /** Names the canary row or document of this switch, together with the drill id. */
  canary: string;
  /** The component's name in the plan, for sentences. */
  component: string;
};

export type SqlEndpoint = { host: string; port: number };

export type MysqlArgs = SwitchArgs & {
  sites: Record<SiteRole, SqlEndpoint>;
  user: string;
  password: SecretRef;
  canaryDatabase: string;
  catchUpTimeoutMs: number;
  killSessionsOf: string[];
};

export type PostgresArgs = SwitchArgs & {
  sites: Record<SiteRole, SqlEndpoint>;
  user: string;
  password: SecretRef;
  database: string;
  catchUpTimeoutMs: number;
  /** postgresReprotect: the plan's command that rewinds this site's node and starts it as a standby. */
  rewind?: CommandDriver;
};

export type OpensearchArgs = SwitchArgs & {
  sites: Record<SiteRole, { url: string; node: string }>;
  username?: string;
  password?: SecretRef;
  minStatus: 'green' | 'yellow';
  canaryIndex: string;
  snapshot?: { repository: string; maxAgeMs: number; take: 'always' | 'if-missing' | 'never'; indices?: string };
  /** How long a wait (health, drain, snapshot) may take before the step fails. */
  waitMs: number;
};
