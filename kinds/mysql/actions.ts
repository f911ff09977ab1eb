/** The `mysql` kind's step actions and their arguments, written by its recipe and read by its activities. JSON only; secrets only as references. */
import type { CommandDriver, SecretRef } from '../../domain/drivers';
import type { SqlEndpoint, SwitchArgs } from '../../domain/actions/switch';
import type { SiteRole } from '../../domain/sites';

export const MYSQL_ACTIONS = [
  'mysqlHealth',
  'mysqlPreflight',
  'mysqlGuard',
  'mysqlFence',
  'mysqlPromote',
  'mysqlVerify',
  'mysqlAwaitReturn',
  'mysqlReprotect',
  'mysqlReprotected',
] as const;
export type MysqlAction = (typeof MYSQL_ACTIONS)[number];

export type MysqlArgs = SwitchArgs & {
  sites: Record<SiteRole, SqlEndpoint>;
  user: string;
  password: SecretRef;
  canaryDatabase: string;
  catchUpTimeoutMs: number;
  killSessionsOf: string[];
  /** mysqlReprotect: the plan's command that re-seeds this site's node from the serving one (dump at a GTID, replication both ways). */
  reseed?: CommandDriver;
};

/** Registers the kind's actions: domain's ActionArgs holds every kind's. */
declare module '../../domain/actions' {
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type -- merged into by every kind
  interface ComponentActionArgs extends Record<MysqlAction, MysqlArgs> {}
}
