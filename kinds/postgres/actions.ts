/** The `postgres` kind's step actions and their arguments, written by its recipe and read by its activities. JSON only; secrets only as references. */
import type { CommandDriver, SecretRef } from '../../domain/drivers';
import type { SqlEndpoint, SwitchArgs } from '../../domain/actions/switch';
import type { SiteRole } from '../../domain/sites';

export const POSTGRES_ACTIONS = [
  'postgresHealth',
  'postgresPreflight',
  'postgresGuard',
  'postgresPromote',
  'postgresReprotect',
  'postgresVerify',
  'postgresAwaitReturn',
  'postgresFence',
  'postgresReprotected',
] as const;
export type PostgresAction = (typeof POSTGRES_ACTIONS)[number];

export type PostgresArgs = SwitchArgs & {
  sites: Record<SiteRole, SqlEndpoint>;
  user: string;
  password: SecretRef;
  database: string;
  catchUpTimeoutMs: number;
  /** postgresReprotect: the plan's command that rewinds this site's node and starts it as a standby. */
  rewind?: CommandDriver;
};

/** Registers the kind's actions: domain's ActionArgs holds every kind's. */
declare module '../../domain/actions' {
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type -- merged into by every kind
  interface ComponentActionArgs extends Record<PostgresAction, PostgresArgs> {}
}
